package crm_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestClient_Funnel(t *testing.T) {
	c, clock, ctx, p, acme := salesSetup(t)
	quoted := func(name string) *crm.Opportunity {
		return &crm.Opportunity{Name: name, CustomerID: acme.ID, PipelineID: p.ID,
			Amount: crm.MustMoney("1000", "EUR"), CloseDate: day(2026, 6, 30)}
	}
	// walk creates a deal and moves it through stages, an hour apart.
	walk := func(name string, stages ...string) *crm.Opportunity {
		o, err := c.CreateOpportunity(ctx, quoted(name))
		require.NoError(t, err)
		for _, s := range stages {
			clock.Advance(time.Hour)
			opts := crm.MoveOptions{}
			if s == "lost" {
				opts.LostReason = "price"
			}
			o, err = c.MoveOpportunity(ctx, o.ID, o.Version, s, opts)
			require.NoError(t, err)
		}
		return o
	}
	walk("A", "proposal", "negotiation", "follow_up", "won")
	walk("B", "proposal", "lost")
	walk("C", "negotiation") // skips the proposal
	walk("D")
	walk("E", "lost")
	mid := clock.Now()
	clock.Advance(time.Hour)
	f := walk("F", "proposal", "lost")
	clock.Advance(time.Hour)
	_, err := c.ReopenOpportunity(ctx, f.ID, f.Version, "negotiation")
	require.NoError(t, err)

	other, err := c.CreatePipeline(ctx, crm.DefaultPipeline())
	require.NoError(t, err)
	_, err = c.CreateOpportunity(ctx, &crm.Opportunity{Name: "elsewhere", CustomerID: acme.ID, PipelineID: other.ID})
	require.NoError(t, err)

	r, err := c.Funnel(ctx, p.ID, crm.FunnelOptions{})
	require.NoError(t, err)
	type step struct {
		stage                        string
		reached, entered, lost, open int
		conversion                   float64
	}
	want := []step{
		{"collection", 6, 6, 1, 1, 4.0 / 6},
		{"proposal", 4, 3, 2, 0, 3.0 / 4}, // C passed it without entering
		{"negotiation", 3, 3, 0, 2, 1.0 / 3},
		{"follow_up", 1, 1, 0, 0, 1},
		{"won", 1, 1, 0, 0, 0},
	}
	require.Len(t, r.Steps, len(want))
	for i, w := range want {
		s := r.Steps[i]
		assert.Equal(t, w.stage, s.Stage)
		assert.Equal(t, w.reached, s.Reached, "%s reached", w.stage)
		assert.Equal(t, w.entered, s.Entered, "%s entered", w.stage)
		assert.Equal(t, w.lost, s.Lost, "%s lost", w.stage)
		assert.Equal(t, w.open, s.Open, "%s open", w.stage)
		assert.InDelta(t, w.conversion, s.Conversion, 1e-15, "%s conversion", w.stage)
	}
	assert.Equal(t, "Proposal design", r.Steps[1].Name)
	assert.Equal(t, 6, r.Deals)
	assert.Equal(t, 1, r.Won)
	assert.Equal(t, 2, r.Lost)
	assert.Equal(t, 3, r.Open)
	assert.InDelta(t, 1.0/6, r.WinRate, 1e-15)

	// As of the moment before F was created, and for a cohort.
	r, err = c.Funnel(ctx, p.ID, crm.FunnelOptions{AsOf: mid})
	require.NoError(t, err)
	assert.Equal(t, 5, r.Deals)
	assert.Equal(t, 1, r.Excluded, "F did not exist yet")
	assert.Equal(t, 1, r.Steps[1].Lost, "only B lost from the proposal then")
	r, err = c.Funnel(ctx, p.ID, crm.FunnelOptions{From: mid})
	require.NoError(t, err)
	assert.Equal(t, 1, r.Deals, "F alone was created since")

	_, err = c.Funnel(ctx, "nope", crm.FunnelOptions{})
	assert.ErrorIs(t, err, crm.ErrNotFound)
}

func TestClient_ForecastAsOf(t *testing.T) {
	c, clock, ctx, p, acme := salesSetup(t)
	o, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "fleet", CustomerID: acme.ID, PipelineID: p.ID,
		Stage: "proposal", Amount: crm.MustMoney("1000", "EUR"), CloseDate: day(2026, 5, 20)})
	require.NoError(t, err)
	small, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "spares", CustomerID: acme.ID, PipelineID: p.ID,
		Amount: crm.MustMoney("50", "EUR"), CloseDate: day(2026, 4, 30)})
	require.NoError(t, err)
	clock.Advance(24 * time.Hour)
	then := clock.Now()

	clock.Advance(24 * time.Hour)
	o, err = c.UpdateOpportunity(ctx, o.ID, o.Version, crm.OpportunityUpdate{Amount: crm.Ptr(crm.MustMoney("1500", "EUR")), OwnerID: crm.Ptr("bob")})
	require.NoError(t, err)
	clock.Advance(time.Hour)
	_, err = c.MoveOpportunity(ctx, o.ID, o.Version, "negotiation", crm.MoveOptions{})
	require.NoError(t, err)
	clock.Advance(time.Hour)
	_, err = c.MoveOpportunity(ctx, small.ID, small.Version, "lost", crm.MoveOptions{LostReason: "timing"})
	require.NoError(t, err)
	_, err = c.CreateOpportunity(ctx, &crm.Opportunity{Name: "later", CustomerID: acme.ID, PipelineID: p.ID})
	require.NoError(t, err)

	opts := crm.ForecastOptions{Conversion: crm.Conversion{Currency: "EUR"}}
	now, err := c.Forecast(ctx, crm.OpportunityFilter{}, opts)
	require.NoError(t, err)
	assert.Equal(t, crm.Timestamp(clock.Now()), now.Basis.AsOf, "as of now")
	require.Len(t, now.Rows, 2)
	assert.Equal(t, "bob", now.Rows[0].OwnerID)
	assert.Equal(t, crm.CategoryBestCase, now.Rows[0].Category)
	assertMoney(t, "1500.00 EUR", now.Rows[0].Amount)
	assertMoney(t, "900.00 EUR", now.Rows[0].Weighted)
	assert.Equal(t, 1, now.Excluded, "the lost deal")

	opts.AsOf = then
	past, err := c.ForecastAsOf(ctx, crm.OpportunityFilter{}, opts)
	require.NoError(t, err)
	require.Len(t, past.Rows, 2, "both deals open, the later one not yet created")
	assert.Equal(t, "2026-04", past.Rows[0].Period.String())
	assertMoney(t, "50.00 EUR", past.Rows[0].Amount)
	assertMoney(t, "5.00 EUR", past.Rows[0].Weighted)
	assert.Equal(t, "2026-05", past.Rows[1].Period.String())
	assert.Equal(t, "ann", past.Rows[1].OwnerID, "the owner then")
	assert.Equal(t, crm.CategoryPipeline, past.Rows[1].Category, "the proposal stage then")
	assertMoney(t, "1000.00 EUR", past.Rows[1].Amount)
	assertMoney(t, "300.00 EUR", past.Rows[1].Weighted)
	assert.Zero(t, past.Excluded)
	assert.Equal(t, then, past.Basis.AsOf)
	_, err = c.ForecastAsOf(ctx, crm.OpportunityFilter{}, crm.ForecastOptions{Conversion: crm.Conversion{Currency: "EUR"}})
	assert.Equal(t, "required", fieldErr(t, err, "as_of"))

	// As of then, the deals bob owned then: none.
	var n int
	for got, err := range c.OpportunitiesAsOf(ctx, crm.OpportunityFilter{Owners: []string{"bob"}}, then) {
		require.NoError(t, err)
		n++
		t.Errorf("deal %s owned by %s", got.ID, got.OwnerID)
	}
	assert.Zero(t, n)
	var stages []string
	for got, err := range c.OpportunitiesAsOf(ctx, crm.OpportunityFilter{}, clock.Now()) {
		require.NoError(t, err)
		stages = append(stages, got.Stage)
		stored, err := c.GetOpportunity(ctx, got.ID)
		require.NoError(t, err)
		assert.Equal(t, stored, got, "rebuilt as of now, a deal is what is stored")
	}
	assert.Equal(t, []string{"negotiation", "lost", "collection"}, stages)
}

func TestClient_OpportunityHistories(t *testing.T) {
	c, clock, ctx, p, acme := salesSetup(t)
	var ids []string
	for range 5 {
		o, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "deal", CustomerID: acme.ID, PipelineID: p.ID})
		require.NoError(t, err)
		clock.Advance(time.Minute)
		_, err = c.UpdateOpportunity(ctx, o.ID, o.Version, crm.OpportunityUpdate{Probability: crm.Ptr(15)})
		require.NoError(t, err)
		ids = append(ids, o.ID)
	}
	var got []string
	for h, err := range c.OpportunityHistories(ctx, crm.OpportunityFilter{Limit: 2}) {
		require.NoError(t, err)
		got = append(got, h.Opportunity.ID)
		require.Len(t, h.Changes, 2)
		assert.Equal(t, h.Opportunity.ID, h.Changes[0].OpportunityID)
		assert.Equal(t, []int64{1, 2}, []int64{h.Changes[0].Version, h.Changes[1].Version})
		assert.Equal(t, 15, h.Changes[1].Probability)
	}
	assert.Equal(t, ids, got, "every deal once, in ID order, across pages")
}
