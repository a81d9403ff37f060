package crm_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestJaroWinkler(t *testing.T) {
	// Reference values from Winkler (1990) and the usual worked examples.
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.9611},
		{"dwayne", "duane", 0.84},
		{"dixon", "dicksonx", 0.8133},
		{"crate", "trace", 0.7333},
		{"abc", "abc", 1},
		{"abc", "xyz", 0},
		{"", "abc", 0},
		{"jon smith", "john smith", 0.9733},
		{"acme", "apex", 0.7},
		{"jon smith", "joan smyth", 0.9170},
	} {
		got := crm.JaroWinkler(tc.a, tc.b)
		assert.InDelta(t, tc.want, got, 0.0001, "%q ~ %q", tc.a, tc.b)
		assert.InDelta(t, got, crm.JaroWinkler(tc.b, tc.a), 1e-12, "symmetric")
	}
}

func TestNameKey(t *testing.T) {
	for in, want := range map[string]string{
		"Acme Ltd":                "acme",
		"ACME Corporation":        "acme",
		"  Smith & Sons, Inc. ":   "smith and sons",
		"Smith and Sons":          "smith and sons",
		"Fabbrica Italiana S.p.A": "fabbrica italiana",
		"O'Neil Plumbing":         "oneil plumbing",
		"Müller GmbH":             "müller",
		"Ltd":                     "ltd",
		"Acme Co Ltd":             "acme",
		"The Company Store":       "the company store",
		"SA Power Networks":       "sa power networks",
		"":                        "",
	} {
		assert.Equal(t, want, crm.NameKey(in), "NameKey(%q)", in)
	}
}

func TestFindDuplicates(t *testing.T) {
	c := &crm.Customer{
		ID: "new", Name: "ACME Corporation", Region: "north",
		Emails: []crm.Email{{Address: "Info@Acme.example"}},
		Phones: []crm.Phone{{Number: "+44 20 7946 0000"}},
		TaxID:  "gb-123 456",
	}
	candidates := []*crm.Customer{
		{ID: "a", Name: "Acme Ltd", Region: "north"},
		{ID: "b", Name: "Zeta", Region: "south", Emails: []crm.Email{{Address: "info@acme.example"}}},
		{ID: "c", Name: "Apex Ltd", Region: "north"},
		{ID: "d", Name: "Acme Ltd", Region: "south"},
		{ID: "e", Name: "Other", Phones: []crm.Phone{{Number: "+442079460000"}}, TaxID: "GB123456"},
		{ID: "new", Name: "ACME Corporation", Region: "north"}, // itself
		nil,
	}
	got := crm.FindDuplicates(c, candidates, crm.DefaultDuplicateRules())
	ids := make([]string, len(got))
	for i, m := range got {
		ids[i] = m.Customer.ID
	}
	assert.Equal(t, []string{"a", "b", "e"}, ids)

	require.Len(t, got[0].Reasons, 1)
	assert.Equal(t, crm.MatchReason{Rule: crm.MatchName, Value: `"acme" ~ "acme"`, Score: 1}, got[0].Reasons[0])
	assert.Equal(t, []crm.MatchReason{{Rule: crm.MatchEmail, Value: "info@acme.example", Score: 1}}, got[1].Reasons)
	assert.Equal(t, []crm.MatchReason{
		{Rule: crm.MatchTaxID, Value: "GB123456", Score: 1},
		{Rule: crm.MatchPhone, Value: "+442079460000", Score: 1},
	}, got[2].Reasons)

	t.Run("AnyRegion", func(t *testing.T) {
		got := crm.FindDuplicates(c, candidates, crm.DuplicateRules{NameThreshold: crm.DefaultNameThreshold, AnyRegion: true})
		assert.Len(t, got, 4)
	})
	t.Run("name matching off", func(t *testing.T) {
		got := crm.FindDuplicates(c, candidates, crm.DuplicateRules{})
		assert.Len(t, got, 2)
	})
	t.Run("fuzzy score ranks below exact", func(t *testing.T) {
		p := &crm.Customer{Name: "Jon Smith", Emails: []crm.Email{{Address: "js@x.example"}}}
		got := crm.FindDuplicates(p, []*crm.Customer{
			{ID: "1", Name: "John Smith"},
			{ID: "2", Name: "Joan Smyth"},
			{ID: "3", Name: "Someone", Emails: []crm.Email{{Address: "js@x.example"}}},
		}, crm.DefaultDuplicateRules())
		require.Len(t, got, 2)
		assert.Equal(t, "3", got[0].Customer.ID)
		assert.Equal(t, "1", got[1].Customer.ID)
		assert.InDelta(t, 0.9733, got[1].Score, 0.0001)
	})
}

func TestClient_FindDuplicates(t *testing.T) {
	c, _, _ := newClient(t)
	ctx := t.Context()
	acme := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme Ltd", Region: "north", Phones: []crm.Phone{{Number: "020 7946 0000"}}})
	mustCreate(t, c, ctx, &crm.Customer{Name: "Globex", Region: "north"})

	// A raw phone number is normalised before it is compared.
	got, err := c.FindDuplicates(ctx, &crm.Customer{Name: "Someone", Region: "south", Phones: []crm.Phone{{Number: "+44 (20) 7946-0000"}}})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, acme.ID, got[0].Customer.ID)

	// A stored customer does not match itself.
	got, err = c.FindDuplicates(ctx, acme)
	require.NoError(t, err)
	assert.Empty(t, got)

	// A probe with only an email answers "who has this address?".
	acme2 := mustCreate(t, c, ctx, &crm.Customer{Name: "Initech", Region: "east", Emails: []crm.Email{{Address: "bill@initech.example"}}})
	got, err = c.FindDuplicates(ctx, &crm.Customer{Emails: []crm.Email{{Address: "Bill@Initech.example"}, {Address: "not an email"}}})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, acme2.ID, got[0].Customer.ID)

	_, err = c.FindDuplicates(ctx, nil)
	assert.ErrorIs(t, err, crm.ErrInvalid)
}
