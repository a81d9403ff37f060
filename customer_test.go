package crm_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestClient_CreateCustomer(t *testing.T) {
	t.Run("OK normalises", func(t *testing.T) {
		c, _, _ := newClient(t)
		ctx := actorCtx(t, "u-ann")
		in := &crm.Customer{
			Kind: crm.KindOrganization,
			Name: "  Acme Ltd ",
			Emails: []crm.Email{
				{Address: " Sales@ACME.example ", Label: " work "},
				{Address: "billing@acme.example", Label: "billing"},
				{Address: "SALES@acme.example"}, // repeat, dropped
			},
			Phones:  []crm.Phone{{Number: "020 7946 0000"}, {Number: "+49 30 123456", Primary: true}},
			Address: crm.Address{City: "London", Country: "gb"},
			Tags:    []string{"VIP", " vip", "Key-Account", ""},
			Custom:  map[string]crm.CustomValue{"segment": crm.StringValue("smb"), "seats": crm.IntValue(12)},
			TaxID:   "gb 123.456-789",
		}
		got, err := c.CreateCustomer(ctx, in)
		require.NoError(t, err)

		assert.Equal(t, "c-0001", got.ID)
		assert.Equal(t, "Acme Ltd", got.Name)
		assert.Equal(t, []crm.Email{
			{Address: "sales@acme.example", Label: "work", Primary: true},
			{Address: "billing@acme.example", Label: "billing"},
		}, got.Emails)
		assert.Equal(t, []crm.Phone{{Number: "+442079460000"}, {Number: "+4930123456", Primary: true}}, got.Phones)
		assert.Equal(t, "GB", got.Address.Country)
		assert.Equal(t, []string{"vip", "key-account"}, got.Tags)
		assert.Equal(t, "GB123456789", got.TaxID)
		assert.Equal(t, crm.StageProspect, got.Stage)
		assert.Equal(t, int64(1), got.Version)
		assert.Equal(t, t0, got.CreatedAt)
		assert.Equal(t, t0, got.UpdatedAt)
		assert.Equal(t, "u-ann", got.CreatedBy)
		assert.Equal(t, "u-ann", got.UpdatedBy)

		assert.Equal(t, " Sales@ACME.example ", in.Emails[0].Address, "input must stay untouched")
		stored, err := c.GetCustomer(ctx, got.ID)
		require.NoError(t, err)
		assert.Equal(t, got.Emails, stored.Emails)
	})

	t.Run("ErrInvalid names every field and stores nothing", func(t *testing.T) {
		c, _, _ := newClient(t)
		ctx := actorCtx(t, "u-ann")
		_, err := c.CreateCustomer(ctx, &crm.Customer{
			Kind:        "robot",
			Name:        "   ",
			Emails:      []crm.Email{{Address: "not-an-email"}, {Address: "ok@example.com"}},
			Phones:      []crm.Phone{{Number: "call me"}},
			Size:        "huge",
			Stage:       "sleeping",
			RiskLevel:   "extreme",
			CreditLimit: crm.Money{Amount: decimal.RequireFromString("-5"), Currency: "EUR"},
			BirthDate:   t0.AddDate(1, 0, 0),
			Custom:      map[string]crm.CustomValue{"bad key": crm.BoolValue(true), "zero": {}},
			Address:     crm.Address{Country: "XX"},
		})
		require.Error(t, err)
		assert.ErrorIs(t, err, crm.ErrInvalid)
		for _, field := range []string{
			"name", "kind", "emails[0].address", "phones[0].number", "size", "stage",
			"risk_level", "credit_limit", "birth_date", "custom", "custom.zero", "address.country",
		} {
			fieldErr(t, err, field)
		}
		_, has := err.(*crm.ValidationError).Field("emails[1].address")
		assert.False(t, has, "a good email is not reported")
		assert.Equal(t, "required", fieldErr(t, err, "name"))

		page, _, err := c.ListCustomers(ctx, crm.CustomerFilter{IncludeArchived: true})
		require.NoError(t, err)
		assert.Empty(t, page)
	})

	t.Run("every text field is checked", func(t *testing.T) {
		c, _, _ := newClient(t)
		bad := "\xff\xfe"
		in := &crm.Customer{
			Name:    "Fine",
			OwnerID: bad,
			Address: crm.Address{Street: strings.Repeat("x", 201), City: bad, PostalCode: bad, State: bad},
			Emails:  []crm.Email{{Address: "a@b.example", Label: bad}},
			Phones:  []crm.Phone{{Number: "+442079460000", Label: bad}},
		}
		in.Consent.Set(crm.ChannelPost, true, t0.Add(time.Hour))
		_, err := c.CreateCustomer(t.Context(), in)
		for _, f := range []string{"owner_id", "address.street", "address.city", "address.postal_code", "address.state",
			"emails[0].label", "phones[0].label", "consent.post.at"} {
			fieldErr(t, err, f)
		}
	})

	t.Run("nil", func(t *testing.T) {
		c, _, _ := newClient(t)
		_, err := c.CreateCustomer(t.Context(), nil)
		assert.Equal(t, "required", fieldErr(t, err, "customer"))
		_, err = c.AddContact(t.Context(), nil)
		assert.Equal(t, "required", fieldErr(t, err, "contact"))
	})

	t.Run("two primaries", func(t *testing.T) {
		c, _, _ := newClient(t)
		_, err := c.CreateCustomer(t.Context(), &crm.Customer{Name: "A", Emails: []crm.Email{
			{Address: "a@x.example", Primary: true}, {Address: "b@x.example", Primary: true},
		}})
		assert.Contains(t, fieldErr(t, err, "emails"), "primary")
	})

	t.Run("ErrDuplicate carries matches unless allowed", func(t *testing.T) {
		c, _, _ := newClient(t)
		ctx := actorCtx(t, "u-ann")
		first := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme Ltd", Region: "north", Emails: []crm.Email{{Address: "info@acme.example"}}})

		_, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Other", Region: "south", Emails: []crm.Email{{Address: "INFO@acme.example"}}})
		require.ErrorIs(t, err, crm.ErrDuplicate)
		var dup *crm.DuplicateError
		require.True(t, errors.As(err, &dup))
		require.Len(t, dup.Matches, 1)
		assert.Equal(t, first.ID, dup.Matches[0].Customer.ID)
		assert.Equal(t, crm.MatchEmail, dup.Matches[0].Reasons[0].Rule)
		assert.Contains(t, err.Error(), "info@acme.example")

		_, err = c.CreateCustomer(ctx, &crm.Customer{Name: "ACME Limited", Region: "north"})
		require.ErrorIs(t, err, crm.ErrDuplicate, "fuzzy name in the same region")
		_, err = c.CreateCustomer(ctx, &crm.Customer{Name: "ACME Limited", Region: "south"})
		require.NoError(t, err, "same name in another region is someone else")

		second, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Acme Ltd", Region: "north"}, crm.AllowDuplicates())
		require.NoError(t, err)
		assert.NotEqual(t, first.ID, second.ID)
	})
}

func TestClient_GetCustomer(t *testing.T) {
	c, _, _ := newClient(t)
	_, err := c.GetCustomer(t.Context(), "nope")
	assert.ErrorIs(t, err, crm.ErrNotFound)
}

func TestClient_UpdateCustomer(t *testing.T) {
	t.Run("patch leaves nil fields", func(t *testing.T) {
		c, clock, _ := newClient(t)
		ctx := actorCtx(t, "u-ann")
		cust := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme", Industry: "retail", Tags: []string{"a", "b"},
			Custom: map[string]crm.CustomValue{"x": crm.IntValue(1), "y": crm.IntValue(2)}})
		clock.Advance(time.Hour)

		got, err := c.UpdateCustomer(actorCtx(t, "u-bob"), cust.ID, cust.Version, crm.CustomerUpdate{
			Region:       crm.Ptr("north"),
			AddTags:      []string{"C", "a"},
			RemoveTags:   []string{"B"},
			Custom:       map[string]crm.CustomValue{"x": crm.IntValue(10)},
			RemoveCustom: []string{"y"},
			Consent:      map[crm.Channel]bool{crm.ChannelEmail: true},
		})
		require.NoError(t, err)
		assert.Equal(t, "Acme", got.Name)
		assert.Equal(t, "retail", got.Industry)
		assert.Equal(t, "north", got.Region)
		assert.Equal(t, []string{"a", "c"}, got.Tags)
		require.Len(t, got.Custom, 1)
		assert.True(t, got.Custom["x"].Equal(crm.IntValue(10)))
		assert.Equal(t, crm.Consent{Granted: true, At: t0.Add(time.Hour)}, got.Consent.Email)
		assert.True(t, got.CanContact(crm.ChannelEmail))
		assert.False(t, got.CanContact(crm.ChannelSMS))
		assert.Equal(t, int64(2), got.Version)
		assert.Equal(t, t0.Add(time.Hour), got.UpdatedAt)
		assert.Equal(t, t0, got.CreatedAt)
		assert.Equal(t, "u-bob", got.UpdatedBy)
		assert.Equal(t, "u-ann", got.CreatedBy)
	})

	t.Run("patch slices are not aliased", func(t *testing.T) {
		c, _, _ := newClient(t)
		ctx := t.Context()
		cust := mustCreate(t, c, ctx, &crm.Customer{Name: "Alias"})
		tags := []string{"a", "b", "c"}
		spare := make([]string, 1, 4)
		spare[0] = "x"
		got, err := c.UpdateCustomer(ctx, cust.ID, cust.Version, crm.CustomerUpdate{Tags: &tags, RemoveTags: []string{"a"}})
		require.NoError(t, err)
		assert.Equal(t, []string{"b", "c"}, got.Tags)
		assert.Equal(t, []string{"a", "b", "c"}, tags, "caller's slice untouched")
		_, err = c.UpdateCustomer(ctx, cust.ID, got.Version, crm.CustomerUpdate{Tags: &spare, AddTags: []string{"y"}})
		require.NoError(t, err)
		assert.Equal(t, []string{"x", ""}, spare[:2], "nothing written into the caller's spare capacity")
	})

	t.Run("ErrConflict on a stale version changes nothing", func(t *testing.T) {
		c, _, _ := newClient(t)
		ctx := t.Context()
		cust := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme"})
		_, err := c.UpdateCustomer(ctx, cust.ID, cust.Version, crm.CustomerUpdate{Name: crm.Ptr("Acme 2")})
		require.NoError(t, err)
		_, err = c.UpdateCustomer(ctx, cust.ID, cust.Version, crm.CustomerUpdate{Name: crm.Ptr("Acme 3")})
		require.ErrorIs(t, err, crm.ErrConflict)
		got, err := c.GetCustomer(ctx, cust.ID)
		require.NoError(t, err)
		assert.Equal(t, "Acme 2", got.Name)
		assert.Equal(t, int64(2), got.Version)
	})

	t.Run("ErrInvalid changes nothing", func(t *testing.T) {
		c, _, _ := newClient(t)
		ctx := t.Context()
		cust := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme"})
		_, err := c.UpdateCustomer(ctx, cust.ID, cust.Version, crm.CustomerUpdate{
			Name:    crm.Ptr(""),
			Emails:  &[]crm.Email{{Address: "x@"}},
			Consent: map[crm.Channel]bool{"pigeon": true},
		})
		require.ErrorIs(t, err, crm.ErrInvalid)
		fieldErr(t, err, "name")
		fieldErr(t, err, "emails[0].address")
		fieldErr(t, err, "consent.pigeon")
		got, err := c.GetCustomer(ctx, cust.ID)
		require.NoError(t, err)
		assert.Equal(t, "Acme", got.Name)
		assert.Equal(t, int64(1), got.Version)
	})

	t.Run("lifecycle moves follow the table", func(t *testing.T) {
		c, _, _ := newClient(t)
		ctx := t.Context()
		cust := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme"})
		_, err := c.UpdateCustomer(ctx, cust.ID, cust.Version, crm.CustomerUpdate{Stage: crm.Ptr(crm.StageChurned)})
		require.ErrorIs(t, err, crm.ErrTransition)
		got, err := c.GetCustomer(ctx, cust.ID)
		require.NoError(t, err)
		assert.Equal(t, crm.StageProspect, got.Stage)
		assert.Equal(t, int64(1), got.Version)

		for _, to := range []crm.LifecycleStage{crm.StageNew, crm.StageActive, crm.StageLoyal, crm.StageAtRisk, crm.StageChurned, crm.StageActive} {
			got, err = c.UpdateCustomer(ctx, got.ID, got.Version, crm.CustomerUpdate{Stage: crm.Ptr(to)})
			require.NoError(t, err, "move to %s", to)
			assert.Equal(t, to, got.Stage)
		}
	})

	t.Run("archived customers are read-only", func(t *testing.T) {
		c, _, _ := newClient(t)
		ctx := t.Context()
		cust := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme"})
		archived, err := c.ArchiveCustomer(ctx, cust.ID, cust.Version)
		require.NoError(t, err)
		assert.True(t, archived.Archived())
		_, err = c.UpdateCustomer(ctx, cust.ID, archived.Version, crm.CustomerUpdate{Name: crm.Ptr("B")})
		assert.ErrorIs(t, err, crm.ErrTransition)
		got, err := c.GetCustomer(ctx, cust.ID)
		require.NoError(t, err, "archived customers stay readable")
		assert.Equal(t, "Acme", got.Name)
		page, _, err := c.ListCustomers(ctx, crm.CustomerFilter{})
		require.NoError(t, err)
		assert.Empty(t, page, "archived customers leave listings")
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		c, _, _ := newClient(t)
		_, err := c.UpdateCustomer(t.Context(), "nope", 1, crm.CustomerUpdate{})
		assert.ErrorIs(t, err, crm.ErrNotFound)
	})

	t.Run("concurrent updates with retry lose nothing", func(t *testing.T) {
		c, _, _ := newClient(t)
		ctx := t.Context()
		cust := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme", Custom: map[string]crm.CustomValue{"n": crm.IntValue(0)}})
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 50 {
					for {
						cur, err := c.GetCustomer(ctx, cust.ID)
						if !assert.NoError(t, err) {
							return
						}
						n, _ := cur.Custom["n"].Number()
						_, err = c.UpdateCustomer(ctx, cur.ID, cur.Version, crm.CustomerUpdate{
							Custom: map[string]crm.CustomValue{"n": crm.NumberValue(n.Add(decimal.NewFromInt(1)))},
						})
						if errors.Is(err, crm.ErrConflict) {
							continue
						}
						if !assert.NoError(t, err) {
							return
						}
						break
					}
				}
			}()
		}
		wg.Wait()
		got, err := c.GetCustomer(ctx, cust.ID)
		require.NoError(t, err)
		n, _ := got.Custom["n"].Number()
		assert.True(t, n.Equal(decimal.NewFromInt(400)), "n = %s", n)
		assert.Equal(t, int64(401), got.Version)
	})
}

func TestClient_ListCustomers(t *testing.T) {
	c, _, _ := newClient(t)
	ctx := t.Context()
	for _, cust := range []*crm.Customer{
		{Name: "Alpha", Tags: []string{"vip"}, Emails: []crm.Email{{Address: "zed@alpha.example"}}},
		{Name: "Beta", Tags: []string{"VIP", "new"}},
		{Name: "Gamma", Phones: []crm.Phone{{Number: "020 7946 0001"}}},
	} {
		mustCreate(t, c, ctx, cust)
	}
	names := func(f crm.CustomerFilter) []string {
		var out []string
		for cust, err := range c.Customers(ctx, f) {
			require.NoError(t, err)
			out = append(out, cust.Name)
		}
		return out
	}
	assert.Equal(t, []string{"Alpha", "Beta", "Gamma"}, names(crm.CustomerFilter{Limit: 1}))
	assert.Equal(t, []string{"Alpha", "Beta"}, names(crm.CustomerFilter{Tags: []string{" Vip"}}))
	assert.Equal(t, []string{"Alpha"}, names(crm.CustomerFilter{Search: "ZED"}))
	assert.Equal(t, []string{"Beta"}, names(crm.CustomerFilter{Search: "be"}))
	assert.Equal(t, []string{"Gamma"}, names(crm.CustomerFilter{Phones: []string{"020 7946 0001"}}))

	_, _, err := c.ListCustomers(ctx, crm.CustomerFilter{Limit: crm.MaxPageLimit + 1})
	assert.Equal(t, "must be between 0 and 1000", fieldErr(t, err, "limit"))
}

func TestTransitionLifecycle(t *testing.T) {
	all := []crm.LifecycleStage{crm.StageProspect, crm.StageNew, crm.StageActive, crm.StageLoyal, crm.StageAtRisk, crm.StageChurned}
	// The table, written out: from → allowed destinations.
	allowed := map[crm.LifecycleStage][]crm.LifecycleStage{
		"prospect": {"new", "active"},
		"new":      {"active", "at-risk", "churned"},
		"active":   {"loyal", "at-risk", "churned"},
		"loyal":    {"active", "at-risk", "churned"},
		"at-risk":  {"active", "loyal", "churned"},
		"churned":  {"active", "at-risk"},
	}
	for _, from := range all {
		assert.Equal(t, allowed[from], crm.LifecycleMoves(from), "moves from %s", from)
		for _, to := range all {
			err := crm.TransitionLifecycle(from, to)
			if from == to || slices.Contains(allowed[from], to) {
				assert.NoError(t, err, "%s → %s", from, to)
			} else {
				assert.ErrorIs(t, err, crm.ErrTransition, "%s → %s", from, to)
			}
		}
	}
	assert.ErrorIs(t, crm.TransitionLifecycle("bogus", crm.StageNew), crm.ErrInvalid)
	assert.ErrorIs(t, crm.TransitionLifecycle(crm.StageNew, ""), crm.ErrInvalid)
	assert.Nil(t, crm.LifecycleMoves("bogus"))
	moves := crm.LifecycleMoves(crm.StageNew)
	moves[0] = "changed"
	assert.Equal(t, crm.StageActive, crm.LifecycleMoves(crm.StageNew)[0], "the table cannot be changed through the result")
}
