package crm_test

import (
	"context"
	"sync"
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
			assert.Equal(t, tc.fields, fieldNames(t, err))
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

// convertSetup returns a Client over a fresh memory store, a context of
// seller "ann", the default pipeline stored, and a lead of Bo Berg at
// Berg AB.
func convertSetup(t *testing.T) (*crm.Client, *memory.Store, context.Context, *crm.Pipeline, *crm.Lead) {
	t.Helper()
	c, _, store := newClient(t)
	ctx := actorCtx(t, "ann")
	p, err := c.CreatePipeline(ctx, crm.DefaultPipeline())
	require.NoError(t, err)
	l, err := c.CreateLead(ctx, &crm.Lead{
		Name: "Bo Berg", Company: "Berg AB", Title: "CTO", Email: "bo@berg.example", Phone: "020 7946 0001",
		Source: "event", Industry: "software", Region: "north",
	})
	require.NoError(t, err)
	return c, store, ctx, p, l
}

// snapshot is everything a store holds, for checking that nothing
// changed.
type snapshot struct {
	customers []*crm.Customer
	contacts  []*crm.Contact
	deals     []*crm.Opportunity
	leads     []*crm.Lead
}

func takeSnapshot(t *testing.T, s crm.Store) snapshot {
	t.Helper()
	ctx := t.Context()
	var snap snapshot
	var err error
	snap.customers, _, err = s.FindCustomers(ctx, crm.CustomerFilter{IncludeArchived: true, Limit: crm.MaxPageLimit})
	require.NoError(t, err)
	snap.contacts, _, err = s.FindContacts(ctx, crm.ContactFilter{Limit: crm.MaxPageLimit})
	require.NoError(t, err)
	snap.deals, _, err = s.FindOpportunities(ctx, crm.OpportunityFilter{Limit: crm.MaxPageLimit})
	require.NoError(t, err)
	snap.leads, _, err = s.FindLeads(ctx, crm.LeadFilter{Limit: crm.MaxPageLimit})
	require.NoError(t, err)
	return snap
}

func TestClient_ConvertLead(t *testing.T) {
	c, store, ctx, p, l := convertSetup(t)
	closeDate := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	res, err := c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{
		Opportunity: &crm.LeadOpportunity{PipelineID: p.ID, Amount: crm.MustMoney("12000", "EUR"), CloseDate: closeDate},
	})
	require.NoError(t, err)

	cust := res.Customer
	assert.True(t, res.CustomerCreated)
	assert.Empty(t, res.Matches)
	assert.Equal(t, crm.KindOrganization, cust.Kind)
	assert.Equal(t, "Berg AB", cust.Name)
	assert.Equal(t, "bo@berg.example", cust.PrimaryEmail())
	assert.Equal(t, "+442079460001", cust.PrimaryPhone())
	assert.Equal(t, "event", cust.Source)
	assert.Equal(t, "north", cust.Region)
	assert.Equal(t, "ann", cust.OwnerID)

	require.NotNil(t, res.Contact)
	assert.True(t, res.ContactCreated)
	assert.Equal(t, cust.ID, res.Contact.CustomerID)
	assert.Equal(t, "Bo Berg", res.Contact.Name)
	assert.Equal(t, "CTO", res.Contact.JobTitle)
	assert.Equal(t, "bo@berg.example", res.Contact.PrimaryEmail())

	deal := res.Opportunity
	require.NotNil(t, deal)
	assert.True(t, res.OpportunityCreated)
	assert.Equal(t, "Berg AB", deal.Name, "named after the company")
	assert.Equal(t, cust.ID, deal.CustomerID)
	assert.Equal(t, res.Contact.ID, deal.ContactID)
	assert.Equal(t, l.ID, deal.LeadID)
	assert.Equal(t, "collection", deal.Stage, "the pipeline's first stage")
	assert.Equal(t, 10, deal.Probability)
	assert.True(t, crm.MustMoney("12000", "EUR").Equal(deal.Amount))
	assert.Equal(t, closeDate, deal.CloseDate)

	got, err := c.GetLead(ctx, l.ID)
	require.NoError(t, err)
	assert.Equal(t, res.Lead, got)
	assert.Equal(t, crm.LeadConverted, got.Status)
	assert.Equal(t, t0, got.ConvertedAt)
	assert.Equal(t, cust.ID, got.CustomerID)
	assert.Equal(t, res.Contact.ID, got.ContactID)
	assert.Equal(t, deal.ID, got.OpportunityID)
	assert.Equal(t, l.Version+1, got.Version)

	before := takeSnapshot(t, store)
	_, err = c.ConvertLead(ctx, got.ID, got.Version, crm.LeadConversion{})
	assert.ErrorIs(t, err, crm.ErrTransition, "a converted lead cannot convert again")
	_, err = c.UpdateLead(ctx, got.ID, got.Version, crm.LeadUpdate{Name: crm.Ptr("Changed")})
	assert.ErrorIs(t, err, crm.ErrTransition, "a converted lead is read-only")
	assert.Equal(t, before, takeSnapshot(t, store))

	leads, _, err := c.ListLeads(ctx, crm.LeadFilter{CustomerIDs: []string{cust.ID}})
	require.NoError(t, err)
	assert.Len(t, leads, 1, "the customer's converted leads")
}

func TestClient_ConvertLead_ExistingCustomer(t *testing.T) {
	t.Run("StrongestMatchWins", func(t *testing.T) {
		c, _, ctx, _, l := convertSetup(t)
		// Three candidates: an organisation of the same name (a name
		// match), an organisation with the lead's phone (a stronger,
		// phone match) and a person with the lead's email (the strongest
		// rule, but a person, while the lead has a company).
		byName := mustCreate(t, c, ctx, &crm.Customer{Name: "Berg A.B.", Region: "north"}, crm.AllowDuplicates())
		byPhone := mustCreate(t, c, ctx, &crm.Customer{Name: "Northwind", Phones: []crm.Phone{{Number: "020 7946 0001"}}}, crm.AllowDuplicates())
		person := mustCreate(t, c, ctx, &crm.Customer{Kind: crm.KindPerson, Name: "B. Berg", Emails: []crm.Email{{Address: "bo@berg.example"}}}, crm.AllowDuplicates())
		existing, err := c.AddContact(ctx, &crm.Contact{CustomerID: byPhone.ID, Name: "Bo B.", Phones: []crm.Phone{{Number: "+44 20 7946 0001"}}})
		require.NoError(t, err)

		res, err := c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{})
		require.NoError(t, err)
		assert.False(t, res.CustomerCreated)
		assert.Equal(t, byPhone.ID, res.Customer.ID)
		var order []string
		for _, m := range res.Matches {
			order = append(order, m.Customer.ID)
		}
		assert.Equal(t, []string{byPhone.ID, byName.ID, person.ID}, order, "same kind, then the strongest rule")
		assert.Equal(t, crm.MatchPhone, res.Matches[0].Reasons[0].Rule)
		require.NotNil(t, res.Contact)
		assert.False(t, res.ContactCreated, "the contact sharing the lead's phone is used")
		assert.Equal(t, existing.ID, res.Contact.ID)
		assert.Nil(t, res.Opportunity)
		assert.Equal(t, existing.ID, res.Lead.ContactID)
		assert.Empty(t, res.Lead.OpportunityID)
	})
	t.Run("ExplicitCustomer", func(t *testing.T) {
		c, _, ctx, _, l := convertSetup(t)
		mustCreate(t, c, ctx, &crm.Customer{Name: "Berg AB", Region: "north"})
		other := mustCreate(t, c, ctx, &crm.Customer{Name: "Holding Group"})
		res, err := c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{CustomerID: other.ID})
		require.NoError(t, err)
		assert.Equal(t, other.ID, res.Customer.ID)
		assert.Empty(t, res.Matches, "no duplicate detection for a named customer")
		assert.True(t, res.ContactCreated)
	})
	t.Run("NewCustomer", func(t *testing.T) {
		c, _, ctx, _, l := convertSetup(t)
		dup := mustCreate(t, c, ctx, &crm.Customer{Name: "Berg AB", Region: "north"})
		res, err := c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{NewCustomer: true})
		require.NoError(t, err)
		assert.True(t, res.CustomerCreated)
		assert.NotEqual(t, dup.ID, res.Customer.ID)
		require.Len(t, res.Matches, 1, "the match is still reported")
		assert.Equal(t, dup.ID, res.Matches[0].Customer.ID)
	})
	t.Run("PersonLead", func(t *testing.T) {
		c, _, ctx, _, _ := convertSetup(t)
		l, err := c.CreateLead(ctx, &crm.Lead{Name: "Cy Dahl", Email: "cy@mail.example"})
		require.NoError(t, err)
		res, err := c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{})
		require.NoError(t, err)
		assert.Equal(t, crm.KindPerson, res.Customer.Kind)
		assert.Equal(t, "Cy Dahl", res.Customer.Name)
		assert.Nil(t, res.Contact, "a person customer has no contacts")
		assert.Empty(t, res.Lead.ContactID)
	})
}

func TestClient_ConvertLead_Attach(t *testing.T) {
	c, store, ctx, p, l := convertSetup(t)
	berg := mustCreate(t, c, ctx, &crm.Customer{Name: "Berg AB", Region: "north"})
	other := mustCreate(t, c, ctx, &crm.Customer{Name: "Other Ltd"})
	open, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Renewal", CustomerID: berg.ID, PipelineID: p.ID})
	require.NoError(t, err)
	won, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Won", CustomerID: berg.ID, PipelineID: p.ID,
		Amount: crm.MustMoney("10", "EUR"), CloseDate: t0})
	require.NoError(t, err)
	won, err = c.MoveOpportunity(ctx, won.ID, won.Version, "won", crm.MoveOptions{})
	require.NoError(t, err)
	foreign, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Foreign", CustomerID: other.ID, PipelineID: p.ID})
	require.NoError(t, err)
	archived := mustCreate(t, c, ctx, &crm.Customer{Name: "Gone Ltd"})
	archived, err = c.ArchiveCustomer(ctx, archived.ID, archived.Version)
	require.NoError(t, err)

	tests := []struct {
		name  string
		conv  crm.LeadConversion
		want  error
		field string
	}{
		{"Closed", crm.LeadConversion{AttachOpportunityID: won.ID}, crm.ErrTransition, ""},
		{"OtherCustomer", crm.LeadConversion{AttachOpportunityID: foreign.ID}, crm.ErrInvalid, "attach_opportunity_id"},
		{"Missing", crm.LeadConversion{AttachOpportunityID: "no-such-deal"}, crm.ErrNotFound, ""},
		{"Both", crm.LeadConversion{AttachOpportunityID: open.ID, Opportunity: &crm.LeadOpportunity{PipelineID: p.ID}}, crm.ErrInvalid, "attach_opportunity_id"},
		{"NoPipeline", crm.LeadConversion{Opportunity: &crm.LeadOpportunity{}}, crm.ErrInvalid, "opportunity.pipeline_id"},
		{"NewAndNamed", crm.LeadConversion{CustomerID: berg.ID, NewCustomer: true}, crm.ErrInvalid, "new_customer"},
		{"MissingCustomer", crm.LeadConversion{CustomerID: "no-such-customer"}, crm.ErrNotFound, ""},
		{"ArchivedCustomer", crm.LeadConversion{CustomerID: archived.ID}, crm.ErrTransition, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := takeSnapshot(t, store)
			_, err := c.ConvertLead(ctx, l.ID, l.Version, tc.conv)
			require.ErrorIs(t, err, tc.want)
			if tc.field != "" {
				assert.NotEmpty(t, fieldErr(t, err, tc.field))
			}
			assert.Equal(t, before, takeSnapshot(t, store), "nothing changed")
		})
	}

	res, err := c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{AttachOpportunityID: open.ID})
	require.NoError(t, err)
	assert.Equal(t, berg.ID, res.Customer.ID)
	assert.False(t, res.OpportunityCreated)
	assert.Equal(t, open.ID, res.Opportunity.ID)
	assert.Equal(t, l.ID, res.Opportunity.LeadID)
	assert.Equal(t, res.Contact.ID, res.Opportunity.ContactID, "the deal had no contact: it gets the lead's")
	assert.Equal(t, open.Version+1, res.Opportunity.Version)
	assert.Equal(t, open.ID, res.Lead.OpportunityID)
}

func TestClient_ConvertLead_NothingChangesOnError(t *testing.T) {
	c, store, ctx, p, l := convertSetup(t)
	before := takeSnapshot(t, store)
	// The customer and the contact are created before the deal, whose
	// pipeline does not exist: the whole conversion must roll back.
	_, err := c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{
		Opportunity: &crm.LeadOpportunity{PipelineID: "no-such-pipeline"},
	})
	require.ErrorIs(t, err, crm.ErrNotFound)
	assert.Equal(t, before, takeSnapshot(t, store))

	// A deal that fails validation (a negative amount) fails the same way.
	_, err = c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{
		Opportunity: &crm.LeadOpportunity{PipelineID: p.ID, Amount: crm.MustMoney("-1", "EUR")},
	})
	require.ErrorIs(t, err, crm.ErrInvalid)
	assert.NotEmpty(t, fieldErr(t, err, "amount"))
	assert.Equal(t, before, takeSnapshot(t, store))

	_, err = c.ConvertLead(ctx, l.ID, l.Version+1, crm.LeadConversion{})
	assert.ErrorIs(t, err, crm.ErrConflict)
	l, err = c.SetLeadStatus(ctx, l.ID, l.Version, crm.LeadDisqualified, "no budget")
	require.NoError(t, err)
	before = takeSnapshot(t, store)
	_, err = c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{})
	assert.ErrorIs(t, err, crm.ErrTransition, "a disqualified lead is revived before converting")
	assert.Equal(t, before, takeSnapshot(t, store))
}

func TestClient_ConvertLead_DryRun(t *testing.T) {
	c, store, ctx, p, l := convertSetup(t)
	existing := mustCreate(t, c, ctx, &crm.Customer{Name: "Berg AB", Region: "north"})
	before := takeSnapshot(t, store)

	plan, err := c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{
		DryRun: true, Opportunity: &crm.LeadOpportunity{Name: "Berg — pilot", PipelineID: p.ID},
	})
	require.NoError(t, err)
	assert.Equal(t, before, takeSnapshot(t, store), "a dry run writes nothing")
	assert.True(t, plan.DryRun)
	assert.Equal(t, existing.ID, plan.Customer.ID, "the customer that would be used")
	require.Len(t, plan.Matches, 1)
	assert.Equal(t, crm.MatchName, plan.Matches[0].Reasons[0].Rule, "and why")
	require.NotNil(t, plan.Contact)
	assert.True(t, plan.ContactCreated)
	assert.Empty(t, plan.Contact.ID, "a contact not yet created has no ID")
	assert.Equal(t, existing.ID, plan.Contact.CustomerID)
	assert.True(t, plan.OpportunityCreated)
	assert.Empty(t, plan.Opportunity.ID)
	assert.Empty(t, plan.Opportunity.ContactID)
	assert.Equal(t, "Berg — pilot", plan.Opportunity.Name)
	assert.Equal(t, crm.LeadConverted, plan.Lead.Status)
	assert.Equal(t, existing.ID, plan.Lead.CustomerID)
	assert.Empty(t, plan.Lead.ContactID)
	assert.Equal(t, l.Version, plan.Lead.Version)

	plan, err = c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{DryRun: true, NewCustomer: true})
	require.NoError(t, err)
	assert.True(t, plan.CustomerCreated)
	assert.Empty(t, plan.Customer.ID)
	assert.Equal(t, "Berg AB", plan.Customer.Name)
	assert.Empty(t, plan.Contact.CustomerID)
	assert.Empty(t, plan.Lead.CustomerID)
	assert.Equal(t, before, takeSnapshot(t, store))

	// The real conversion does what the plan said.
	res, err := c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{})
	require.NoError(t, err)
	assert.Equal(t, existing.ID, res.Customer.ID)
}

func TestClient_MergeCustomers_MovesLeads(t *testing.T) {
	c, store, ctx, _, l := convertSetup(t)
	res, err := c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{})
	require.NoError(t, err)
	survivor := mustCreate(t, c, ctx, &crm.Customer{Name: "Berg Group"})

	plan, err := c.MergeCustomers(ctx, survivor.ID, res.Customer.ID, crm.MergeOptions{})
	require.NoError(t, err)
	assert.Contains(t, plan.Children, crm.ChildRef{Kind: "lead", ID: l.ID})
	got, err := store.FindLeadByID(ctx, l.ID)
	require.NoError(t, err)
	assert.Equal(t, survivor.ID, got.CustomerID)
	assert.Equal(t, res.Lead.Version+1, got.Version)
}

func TestClient_LeadOutcomes(t *testing.T) {
	c, _, ctx, p, _ := convertSetup(t)
	convert := func(name, source, to string) *crm.Lead {
		l, err := c.CreateLead(ctx, &crm.Lead{Name: name, Company: name + " Ltd", Source: source})
		require.NoError(t, err)
		res, err := c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{Opportunity: &crm.LeadOpportunity{
			PipelineID: p.ID, Amount: crm.MustMoney("100", "EUR"), CloseDate: t0,
		}})
		require.NoError(t, err)
		if to != "" {
			_, err = c.MoveOpportunity(ctx, res.Opportunity.ID, res.Opportunity.Version, to, crm.MoveOptions{LostReason: "price"})
			require.NoError(t, err)
		}
		return res.Lead
	}
	won := convert("Won", "referral", "won")
	lost := convert("Lost", "web", "lost")
	convert("Open", "web", "")
	dq, err := c.CreateLead(ctx, &crm.Lead{Name: "Dq", Source: "web"})
	require.NoError(t, err)
	dq, err = c.SetLeadStatus(ctx, dq.ID, dq.Version, crm.LeadDisqualified, "no budget")
	require.NoError(t, err)

	var got []crm.LeadOutcome
	for o, err := range c.LeadOutcomes(ctx, crm.LeadFilter{}) {
		require.NoError(t, err)
		got = append(got, o)
	}
	require.Len(t, got, 3, "the open deal's lead and the open leads have no outcome yet")
	assert.Equal(t, []crm.LeadOutcome{{Lead: won, Won: true}, {Lead: lost}, {Lead: dq}}, got)

	m, err := crm.TrainLeadModel(got, crm.LeadModelOptions{Fields: []crm.LeadField{crm.LeadFieldSource}})
	require.NoError(t, err)
	w, l := m.Outcomes()
	assert.Equal(t, [2]int{1, 2}, [2]int{w, l})
	assert.Greater(t, m.Predict(&crm.Lead{Source: "referral"}).Probability, m.Predict(&crm.Lead{Source: "web"}).Probability)
}

func TestClient_ConvertLead_Concurrent(t *testing.T) {
	c, store, ctx, p, l := convertSetup(t)
	const n = 8
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.ConvertLead(ctx, l.ID, l.Version, crm.LeadConversion{Opportunity: &crm.LeadOpportunity{PipelineID: p.ID}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		if err == nil {
			ok++
			continue
		}
		assert.ErrorIs(t, err, crm.ErrConflict, "a losing conversion fails on the lead's version")
	}
	assert.Equal(t, 1, ok, "exactly one conversion wins")
	snap := takeSnapshot(t, store)
	assert.Len(t, snap.customers, 1, "one customer, not one per attempt")
	assert.Len(t, snap.contacts, 1)
	assert.Len(t, snap.deals, 1)
}
