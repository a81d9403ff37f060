package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// salesSetup returns a Client, its clock, a context acting as seller
// "ann", the default pipeline stored, and an organisation.
func salesSetup(t *testing.T) (*crm.Client, *testClock, context.Context, *crm.Pipeline, *crm.Customer) {
	t.Helper()
	c, clock, _ := newClient(t)
	ctx := actorCtx(t, "ann")
	p, err := c.CreatePipeline(ctx, crm.DefaultPipeline())
	require.NoError(t, err)
	acme := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme Ltd"})
	return c, clock, ctx, p, acme
}

func TestClient_CreatePipeline(t *testing.T) {
	c, _, ctx, p, _ := salesSetup(t)
	assert.NotEmpty(t, p.ID)
	assert.Equal(t, int64(1), p.Version)
	assert.Equal(t, "ann", p.CreatedBy)
	got, err := c.GetPipeline(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, p, got)

	renewals := crm.DefaultPipeline()
	renewals.Name = "  Renewals "
	renewals.Stages = append(renewals.Stages[:1:1], renewals.Stages[4:]...)
	r, err := c.CreatePipeline(ctx, renewals)
	require.NoError(t, err)
	assert.Equal(t, "Renewals", r.Name)
	all, err := c.Pipelines(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{p.ID, r.ID}, []string{all[0].ID, all[1].ID}, "several pipelines coexist")

	bad := crm.DefaultPipeline()
	bad.Stages[0].Probability = 120
	_, err = c.CreatePipeline(ctx, bad)
	assert.Contains(t, fieldErr(t, err, "stages[0].probability"), "0 to 100")
	_, err = c.GetPipeline(ctx, "nope")
	assert.ErrorIs(t, err, crm.ErrNotFound)
}

func TestClient_CreateOpportunity(t *testing.T) {
	c, _, ctx, p, acme := salesSetup(t)

	o, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: " 40 seats ", CustomerID: acme.ID, PipelineID: p.ID, Probability: 55})
	require.NoError(t, err)
	assert.Equal(t, "40 seats", o.Name)
	assert.Equal(t, "collection", o.Stage, "the first stage")
	assert.Equal(t, 10, o.Probability, "the stage's")
	assert.Equal(t, crm.OpportunityOpen, o.Status)
	assert.Equal(t, "ann", o.OwnerID, "owned by its creator")
	assert.Equal(t, t0, o.StageEnteredAt)
	assert.Equal(t, int64(1), o.Version)
	stored, err := c.GetOpportunity(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, o, stored)

	history, err := c.OpportunityHistory(ctx, o.ID)
	require.NoError(t, err)
	require.Len(t, history, 1)
	assert.Equal(t, crm.OpportunityChange{OpportunityID: o.ID, Version: 1, At: t0, By: "ann", ToStage: "collection", Status: crm.OpportunityOpen, Probability: 10, OwnerID: "ann"}, history[0])

	_, err = c.CreateOpportunity(ctx, &crm.Opportunity{CustomerID: acme.ID, PipelineID: p.ID, Stage: "proposal", Amount: crm.MustMoney("-5", "EUR")})
	assert.Equal(t, "required", fieldErr(t, err, "name"))
	assert.Equal(t, "negative", fieldErr(t, err, "amount"))
	_, err = c.CreateOpportunity(ctx, &crm.Opportunity{Name: "x", CustomerID: acme.ID, PipelineID: p.ID, Stage: "proposal"})
	assert.Contains(t, fieldErr(t, err, "amount"), `required in stage "proposal"`)
	assert.Contains(t, fieldErr(t, err, "close_date"), "required")
	_, err = c.CreateOpportunity(ctx, &crm.Opportunity{Name: "x", CustomerID: acme.ID, PipelineID: p.ID, Stage: "won"})
	assert.Contains(t, fieldErr(t, err, "stage"), "closed")
	_, err = c.CreateOpportunity(ctx, &crm.Opportunity{Name: "x"})
	assert.Equal(t, "required", fieldErr(t, err, "customer_id"))
	assert.Equal(t, "required", fieldErr(t, err, "pipeline_id"))
	_, err = c.CreateOpportunity(ctx, &crm.Opportunity{Name: "x", CustomerID: "nobody", PipelineID: p.ID})
	assert.ErrorIs(t, err, crm.ErrNotFound)
	_, err = c.CreateOpportunity(ctx, &crm.Opportunity{Name: "x", CustomerID: acme.ID, PipelineID: "nope"})
	assert.ErrorIs(t, err, crm.ErrNotFound)

	other := mustCreate(t, c, ctx, &crm.Customer{Name: "Other Corp"})
	bob, err := c.AddContact(ctx, &crm.Contact{CustomerID: other.ID, Name: "Bob"})
	require.NoError(t, err)
	_, err = c.CreateOpportunity(ctx, &crm.Opportunity{Name: "x", CustomerID: acme.ID, PipelineID: p.ID, ContactID: bob.ID})
	assert.Contains(t, fieldErr(t, err, "contact_id"), "belongs to customer "+other.ID)

	n := 0
	for range c.Opportunities(ctx, crm.OpportunityFilter{}) {
		n++
	}
	assert.Equal(t, 1, n, "no refused deal was stored")
}

// TestClient_MoveOpportunity walks a deal through the default pipeline and
// checks that every step is in its history, from which the deal as of any
// past time is rebuilt.
func TestClient_MoveOpportunity(t *testing.T) {
	c, clock, ctx, p, acme := salesSetup(t)
	o, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Fleet", CustomerID: acme.ID, PipelineID: p.ID})
	require.NoError(t, err)

	clock.Advance(24 * time.Hour)
	_, err = c.MoveOpportunity(ctx, o.ID, o.Version, "proposal", crm.MoveOptions{})
	assert.Contains(t, fieldErr(t, err, "amount"), "required")
	o, err = c.UpdateOpportunity(ctx, o.ID, o.Version, crm.OpportunityUpdate{
		Amount: crm.Ptr(crm.MustMoney("12000", "EUR")), CloseDate: crm.Ptr(time.Date(2026, 5, 29, 15, 0, 0, 0, time.UTC)), NextStep: crm.Ptr("draft the quote"),
	})
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 5, 29, 0, 0, 0, 0, time.UTC), o.CloseDate, "a date")

	clock.Advance(time.Hour)
	o, err = c.MoveOpportunity(ctx, o.ID, o.Version, "proposal", crm.MoveOptions{})
	require.NoError(t, err)
	_, err = c.MoveOpportunity(ctx, o.ID, o.Version-1, "negotiation", crm.MoveOptions{})
	assert.ErrorIs(t, err, crm.ErrConflict, "a stale version")
	_, err = c.UpdateOpportunity(ctx, o.ID, o.Version, crm.OpportunityUpdate{Amount: &crm.Money{}})
	assert.Contains(t, fieldErr(t, err, "amount"), `required in stage "proposal"`, "clearing a required field")

	clock.Advance(2 * time.Hour)
	o, err = c.MoveOpportunity(ctx, o.ID, o.Version, "negotiation", crm.MoveOptions{})
	require.NoError(t, err)
	o, err = c.UpdateOpportunity(ctx, o.ID, o.Version, crm.OpportunityUpdate{Probability: crm.Ptr(70), NextStep: crm.Ptr("call the CFO")})
	require.NoError(t, err)

	clock.Advance(time.Hour)
	lostVersion := o.Version
	_, err = c.MoveOpportunity(ctx, o.ID, o.Version, "lost", crm.MoveOptions{})
	assert.Contains(t, fieldErr(t, err, "lost_reason"), "required")
	o, err = c.MoveOpportunity(ctx, o.ID, o.Version, "lost", crm.MoveOptions{LostReason: "competitor"})
	require.NoError(t, err)
	assert.Equal(t, lostVersion+1, o.Version, "the refused move wrote nothing")
	_, err = c.MoveOpportunity(ctx, o.ID, o.Version, "negotiation", crm.MoveOptions{})
	assert.ErrorIs(t, err, crm.ErrTransition)
	_, err = c.UpdateOpportunity(ctx, o.ID, o.Version, crm.OpportunityUpdate{Probability: crm.Ptr(50)})
	assert.ErrorIs(t, err, crm.ErrTransition)

	clock.Advance(time.Hour)
	o, err = c.ReopenOpportunity(ctx, o.ID, o.Version, "negotiation")
	require.NoError(t, err)
	clock.Advance(time.Hour)
	o, err = c.MoveOpportunity(ctx, o.ID, o.Version, "won", crm.MoveOptions{})
	require.NoError(t, err)
	assert.Equal(t, crm.OpportunityWon, o.Status)
	assert.Equal(t, t0.Add(30*time.Hour), o.ClosedAt)

	history, err := c.OpportunityHistory(ctx, o.ID)
	require.NoError(t, err)
	type step struct {
		from, to string
		status   crm.OpportunityStatus
		prob     int
		hours    int
	}
	var got []step
	for i, ch := range history {
		got = append(got, step{ch.FromStage, ch.ToStage, ch.Status, ch.Probability, int(ch.At.Sub(t0) / time.Hour)})
		assert.Equal(t, "ann", ch.By)
		if i > 0 {
			assert.Greater(t, ch.Version, history[i-1].Version)
		}
	}
	assert.Equal(t, []step{
		{"", "collection", crm.OpportunityOpen, 10, 0},
		{"collection", "collection", crm.OpportunityOpen, 10, 24}, // amount and close date
		{"collection", "proposal", crm.OpportunityOpen, 30, 25},
		{"proposal", "negotiation", crm.OpportunityOpen, 60, 27},
		{"negotiation", "negotiation", crm.OpportunityOpen, 70, 27}, // probability
		{"negotiation", "lost", crm.OpportunityLost, 0, 28},
		{"lost", "negotiation", crm.OpportunityOpen, 60, 29},
		{"negotiation", "won", crm.OpportunityWon, 100, 30},
	}, got, "a next step alone writes no history")

	asOf, ok := crm.OpportunityAsOf(history, t0.Add(27*time.Hour+30*time.Minute))
	require.True(t, ok)
	assert.Equal(t, "negotiation", asOf.ToStage)
	assert.Equal(t, 70, asOf.Probability)
	assert.True(t, asOf.Amount.Amount.Equal(crm.MustMoney("12000", "EUR").Amount))
	assert.Equal(t, map[string]time.Duration{
		"collection": 25 * time.Hour, "proposal": 2 * time.Hour, "negotiation": 2 * time.Hour,
	}, crm.TimeInStages(history, t0.Add(100*time.Hour)))
}

func TestClient_ListOpportunities(t *testing.T) {
	c, _, ctx, p, acme := salesSetup(t)
	june := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i, owner := range []string{"ann", "bob", "ann"} {
		o, err := c.CreateOpportunity(ctx, &crm.Opportunity{
			Name: "Deal", CustomerID: acme.ID, PipelineID: p.ID, OwnerID: owner,
			Amount: crm.MustMoney("100", "EUR"), CloseDate: june.AddDate(0, i, 0),
		})
		require.NoError(t, err)
		ids = append(ids, o.ID)
	}
	list := func(f crm.OpportunityFilter) []string {
		var out []string
		for o, err := range c.Opportunities(ctx, f) {
			require.NoError(t, err)
			out = append(out, o.ID)
		}
		return out
	}
	assert.Equal(t, []string{ids[0], ids[2]}, list(crm.OpportunityFilter{Owners: []string{"ann"}}))
	assert.Equal(t, []string{ids[1]}, list(crm.OpportunityFilter{CloseFrom: june.AddDate(0, 1, 0), CloseBefore: june.AddDate(0, 2, 0)}))
	assert.Equal(t, []string{ids[1], ids[2]}, list(crm.OpportunityFilter{CloseFrom: june.AddDate(0, 0, 15)}))
	assert.Equal(t, ids, list(crm.OpportunityFilter{Statuses: []crm.OpportunityStatus{crm.OpportunityOpen}, Limit: 1}), "page by page")
	_, _, err := c.ListOpportunities(ctx, crm.OpportunityFilter{Limit: -1})
	assert.Equal(t, "must be between 0 and 1000", fieldErr(t, err, "limit"))
}

func TestClient_UpdatePipeline(t *testing.T) {
	c, _, ctx, p, acme := salesSetup(t)
	_, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Deal", CustomerID: acme.ID, PipelineID: p.ID})
	require.NoError(t, err)

	next := p.Clone()
	next.Stages = next.Stages[1:] // drops "collection", which holds the deal
	_, err = c.UpdatePipeline(ctx, p.ID, p.Version, next)
	assert.ErrorIs(t, err, crm.ErrTransition)
	assert.ErrorContains(t, err, `stage "collection" holds deals`)

	next = p.Clone()
	next.Stages[0].Category = crm.CategoryClosedLost
	next.Stages[0].Probability = 0
	_, err = c.UpdatePipeline(ctx, p.ID, p.Version, next)
	assert.ErrorContains(t, err, "between open and closed")

	next = p.Clone()
	next.Stages[0].Name = "Prospecting"
	next.Stages = append(next.Stages[:2:2], next.Stages[3:]...) // drops the empty "negotiation"
	updated, err := c.UpdatePipeline(ctx, p.ID, p.Version, next)
	require.NoError(t, err)
	assert.Equal(t, int64(2), updated.Version)
	assert.Equal(t, "Prospecting", updated.Stages[0].Name)
	assert.Len(t, updated.Stages, 5)
	_, err = c.UpdatePipeline(ctx, p.ID, p.Version, next)
	assert.ErrorIs(t, err, crm.ErrConflict)
}

func TestMergeMovesOpportunities(t *testing.T) {
	c, _, ctx, p, acme := salesSetup(t)
	dup := mustCreate(t, c, ctx, &crm.Customer{Name: "ACME Limited"}, crm.AllowDuplicates())
	o, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Deal", CustomerID: dup.ID, PipelineID: p.ID})
	require.NoError(t, err)

	plan, err := c.MergeCustomers(ctx, acme.ID, dup.ID, crm.MergeOptions{})
	require.NoError(t, err)
	assert.Contains(t, plan.Children, crm.ChildRef{Kind: "opportunity", ID: o.ID})
	moved, err := c.GetOpportunity(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, acme.ID, moved.CustomerID)
	assert.Equal(t, o.Version+1, moved.Version)
}
