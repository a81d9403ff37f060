package crm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

func TestTransitionLead(t *testing.T) {
	tests := []struct {
		from, to crm.LeadStatus
		want     error
	}{
		{crm.LeadNew, crm.LeadContacted, nil},
		{crm.LeadContacted, crm.LeadQualified, nil},
		{crm.LeadNew, crm.LeadDisqualified, nil},
		{crm.LeadContacted, crm.LeadDisqualified, nil},
		{crm.LeadQualified, crm.LeadDisqualified, nil},
		{crm.LeadDisqualified, crm.LeadNew, nil},
		{crm.LeadDisqualified, crm.LeadContacted, nil},
		{crm.LeadQualified, crm.LeadQualified, nil},
		{crm.LeadNew, crm.LeadQualified, crm.ErrTransition},
		{crm.LeadQualified, crm.LeadNew, crm.ErrTransition},
		{crm.LeadContacted, crm.LeadNew, crm.ErrTransition},
		{crm.LeadDisqualified, crm.LeadQualified, crm.ErrTransition},
		{crm.LeadQualified, crm.LeadConverted, crm.ErrTransition},
		{crm.LeadConverted, crm.LeadNew, crm.ErrTransition},
		{crm.LeadConverted, crm.LeadConverted, crm.ErrTransition},
		{"lost", crm.LeadNew, crm.ErrInvalid},
		{crm.LeadNew, "", crm.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(string(tc.from)+"→"+string(tc.to), func(t *testing.T) {
			err := crm.TransitionLead(tc.from, tc.to)
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.want)
		})
	}
	err := crm.TransitionLead(crm.LeadQualified, crm.LeadConverted)
	assert.ErrorContains(t, err, "only ConvertLead converts a lead")
	assert.Equal(t, []crm.LeadStatus{crm.LeadNew, crm.LeadContacted}, crm.LeadMoves(crm.LeadDisqualified))
	assert.Empty(t, crm.LeadMoves(crm.LeadConverted))
}

func TestClient_CreateLead(t *testing.T) {
	c, _, _ := newClient(t)
	ctx := actorCtx(t, "ann")

	l, err := c.CreateLead(ctx, &crm.Lead{
		Name: "  Bo Berg ", Company: " Berg AB ", Title: "Head of IT",
		Email: " Bo@Berg.EXAMPLE ", Phone: "020 7946 0000", Source: " web ",
		Behaviours: map[string]int{"pricing_page": 2, "email_open": 0},
	})
	require.NoError(t, err)
	assert.Equal(t, "c-0001", l.ID)
	assert.Equal(t, "Bo Berg", l.Name)
	assert.Equal(t, "Berg AB", l.Company)
	assert.Equal(t, "bo@berg.example", l.Email)
	assert.Equal(t, "+442079460000", l.Phone, "completed with the default region")
	assert.Equal(t, "web", l.Source)
	assert.Equal(t, crm.LeadNew, l.Status)
	assert.Equal(t, "ann", l.OwnerID, "the acting user owns the lead")
	assert.Equal(t, map[string]int{"pricing_page": 2}, l.Behaviours, "zero counts are dropped")
	assert.Equal(t, int64(1), l.Version)
	assert.Equal(t, t0, l.CreatedAt)
	assert.Equal(t, "ann", l.CreatedBy)

	got, err := c.GetLead(ctx, l.ID)
	require.NoError(t, err)
	assert.Equal(t, l, got)

	_, err = c.GetLead(ctx, "missing")
	assert.ErrorIs(t, err, crm.ErrNotFound)
}

func TestClient_CreateLead_Invalid(t *testing.T) {
	tests := []struct {
		name   string
		lead   crm.Lead
		fields []string
	}{
		{"NoNameNoCompany", crm.Lead{Email: "a@b.example"}, []string{"name"}},
		{"BadContact", crm.Lead{Name: "A", Email: "not an email", Phone: "12"}, []string{"email", "phone"}},
		{"BadBehaviours", crm.Lead{Name: "A", Behaviours: map[string]int{"Demo": 1, "opens": -1}}, []string{"behaviours.Demo", "behaviours.opens"}},
		{"Closed", crm.Lead{Name: "A", Status: crm.LeadConverted}, []string{"status"}},
		{"Reason", crm.Lead{Name: "A", DisqualifiedReason: "spam"}, []string{"disqualified_reason"}},
		{"Links", crm.Lead{Name: "A", CustomerID: "x", ContactID: "y", OpportunityID: "z", ConvertedAt: t0}, []string{"converted_at", "customer_id", "contact_id", "opportunity_id"}},
		{"Everything", crm.Lead{Email: "@", Status: "hot"}, []string{"name", "email", "status"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, store := newClient(t)
			_, err := c.CreateLead(actorCtx(t, "ann"), &tc.lead)
			require.ErrorIs(t, err, crm.ErrInvalid)
			var verr *crm.ValidationError
			require.True(t, errors.As(err, &verr))
			var fields []string
			for _, f := range verr.Fields {
				fields = append(fields, f.Field)
			}
			assert.Equal(t, tc.fields, fields)
			page, _, err := store.FindLeads(t.Context(), crm.LeadFilter{})
			require.NoError(t, err)
			assert.Empty(t, page, "nothing is stored")
		})
	}
}

func TestClient_UpdateLead(t *testing.T) {
	c, clock, _ := newClient(t)
	ctx := actorCtx(t, "ann")
	l, err := c.CreateLead(ctx, &crm.Lead{Name: "Bo", Behaviours: map[string]int{"email_open": 1}})
	require.NoError(t, err)

	clock.Advance(time.Hour)
	u, err := c.UpdateLead(actorCtx(t, "bob"), l.ID, l.Version, crm.LeadUpdate{
		Company:       crm.Ptr("Berg AB"),
		Email:         crm.Ptr("BO@berg.example"),
		Score:         crm.Ptr(42),
		AddBehaviours: map[string]int{"email_open": 2, "demo_request": 1},
	})
	require.NoError(t, err)
	assert.Equal(t, "Bo", u.Name, "untouched")
	assert.Equal(t, "Berg AB", u.Company)
	assert.Equal(t, "bo@berg.example", u.Email)
	assert.Equal(t, 42, u.Score)
	assert.Equal(t, map[string]int{"email_open": 3, "demo_request": 1}, u.Behaviours)
	assert.Equal(t, int64(2), u.Version)
	assert.Equal(t, "bob", u.UpdatedBy)
	assert.Equal(t, t0.Add(time.Hour), u.UpdatedAt)

	same, err := c.UpdateLead(ctx, u.ID, u.Version, crm.LeadUpdate{Name: crm.Ptr(" Bo ")})
	require.NoError(t, err)
	assert.Equal(t, u, same, "a patch that changes nothing writes nothing")

	t.Run("ErrConflict", func(t *testing.T) {
		_, err := c.UpdateLead(ctx, l.ID, 1, crm.LeadUpdate{Name: crm.Ptr("Stale")})
		assert.ErrorIs(t, err, crm.ErrConflict)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := c.UpdateLead(ctx, "missing", 1, crm.LeadUpdate{})
		assert.ErrorIs(t, err, crm.ErrNotFound)
	})
	t.Run("Invalid", func(t *testing.T) {
		_, err := c.UpdateLead(ctx, u.ID, u.Version, crm.LeadUpdate{
			Name: crm.Ptr(""), Company: crm.Ptr(""), Phone: crm.Ptr("x"), AddBehaviours: map[string]int{"demo_request": -1},
		})
		require.ErrorIs(t, err, crm.ErrInvalid)
		assert.NotEmpty(t, fieldErr(t, err, "name"))
		assert.NotEmpty(t, fieldErr(t, err, "phone"))
		assert.NotEmpty(t, fieldErr(t, err, "add_behaviours.demo_request"))
		got, err := c.GetLead(ctx, u.ID)
		require.NoError(t, err)
		assert.Equal(t, u, got, "nothing changed")
	})
}

func TestClient_SetLeadStatus(t *testing.T) {
	c, _, _ := newClient(t)
	ctx := actorCtx(t, "ann")
	l, err := c.CreateLead(ctx, &crm.Lead{Name: "Bo"})
	require.NoError(t, err)

	steps := []struct {
		to     crm.LeadStatus
		reason string
		want   error
	}{
		{crm.LeadQualified, "", crm.ErrTransition},
		{crm.LeadContacted, "", nil},
		{crm.LeadQualified, "", nil},
		{crm.LeadConverted, "", crm.ErrTransition},
		{crm.LeadDisqualified, "", crm.ErrInvalid},
		{crm.LeadDisqualified, " no budget ", nil},
		{crm.LeadQualified, "", crm.ErrTransition},
		{crm.LeadContacted, "back again", crm.ErrInvalid},
		{crm.LeadContacted, "", nil},
	}
	for _, s := range steps {
		got, err := c.SetLeadStatus(ctx, l.ID, l.Version, s.to, s.reason)
		if s.want != nil {
			require.ErrorIs(t, err, s.want, "→ %s", s.to)
			stored, err := c.GetLead(ctx, l.ID)
			require.NoError(t, err)
			assert.Equal(t, l, stored, "a refused change changes nothing")
			continue
		}
		require.NoError(t, err, "→ %s", s.to)
		assert.Equal(t, s.to, got.Status)
		assert.Equal(t, l.Version+1, got.Version)
		if s.to == crm.LeadDisqualified {
			assert.Equal(t, "no budget", got.DisqualifiedReason)
		} else {
			assert.Empty(t, got.DisqualifiedReason, "reviving clears the reason")
		}
		l = got
	}
	_, err = c.SetLeadStatus(ctx, l.ID, 1, crm.LeadQualified, "")
	assert.ErrorIs(t, err, crm.ErrConflict)
}

func TestClient_LeadScoring(t *testing.T) {
	c, _, _ := newClient(t, crm.WithLeadScoring(crm.DefaultLeadScoring()))
	ctx := actorCtx(t, "ann")
	l, err := c.CreateLead(ctx, &crm.Lead{Name: "Bo", Company: "Berg AB", Source: "referral"})
	require.NoError(t, err)
	assert.Equal(t, 25, l.Score, "company 10 + warm source 15")

	l, err = c.UpdateLead(ctx, l.ID, l.Version, crm.LeadUpdate{AddBehaviours: map[string]int{crm.BehaviourDemoRequest: 1}})
	require.NoError(t, err)
	assert.Equal(t, 55, l.Score, "a demo request adds 30")

	_, err = c.UpdateLead(ctx, l.ID, l.Version, crm.LeadUpdate{Score: crm.Ptr(99)})
	assert.NotEmpty(t, fieldErr(t, err, "score"), "a computed score cannot be set")
	_, err = c.CreateLead(ctx, &crm.Lead{Name: "Al", Score: 3})
	assert.NotEmpty(t, fieldErr(t, err, "score"))

	_, err = crm.New(memory.New(), crm.WithLeadScoring(crm.LeadScoring{Rules: []crm.LeadRule{{Points: 1}}}))
	assert.NotEmpty(t, fieldErr(t, err, "lead_scoring.rules[0]"), "New refuses malformed rules")
}

func TestClient_ListLeads(t *testing.T) {
	c, _, _ := newClient(t)
	ann, bob := actorCtx(t, "ann"), actorCtx(t, "bob")
	var ids []string
	for i, in := range []struct {
		bob    bool
		source string
	}{{false, "web"}, {true, "web"}, {false, "event"}, {true, "referral"}, {false, "web"}} {
		ctx := ann
		if in.bob {
			ctx = bob
		}
		l, err := c.CreateLead(ctx, &crm.Lead{Name: "Lead", Source: in.source, Title: string(rune('a' + i))})
		require.NoError(t, err)
		ids = append(ids, l.ID)
	}
	_, err := c.SetLeadStatus(ann, ids[2], 1, crm.LeadContacted, "")
	require.NoError(t, err)

	tests := []struct {
		name string
		f    crm.LeadFilter
		want []string
	}{
		{"All", crm.LeadFilter{}, ids},
		{"Owner", crm.LeadFilter{Owners: []string{"bob"}}, []string{ids[1], ids[3]}},
		{"Source", crm.LeadFilter{Sources: []string{" web "}}, []string{ids[0], ids[1], ids[4]}},
		{"Status", crm.LeadFilter{Statuses: []crm.LeadStatus{crm.LeadContacted}}, []string{ids[2]}},
		{"Combined", crm.LeadFilter{Owners: []string{"ann"}, Sources: []string{"web"}}, []string{ids[0], ids[4]}},
		{"PagesOfTwo", crm.LeadFilter{Limit: 2}, ids},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for l, err := range c.Leads(ann, tc.f) {
				require.NoError(t, err)
				got = append(got, l.ID)
			}
			assert.Equal(t, tc.want, got)
		})
	}
	_, _, err = c.ListLeads(ann, crm.LeadFilter{Limit: -1})
	assert.ErrorIs(t, err, crm.ErrInvalid)
}
