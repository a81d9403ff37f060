package crm_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestClient_Timeline(t *testing.T) {
	c, clock, _ := newClient(t)
	ann := actorCtx(t, "ann")
	acme := mustCreate(t, c, ann, &crm.Customer{Name: "Acme Ltd", CreditLimit: crm.MustMoney("100000", "EUR")})
	other := mustCreate(t, c, ann, &crm.Customer{Name: "Berg AB"})
	p, err := c.CreatePipeline(ann, crm.DefaultPipeline())
	require.NoError(t, err)
	sv, err := c.CreateSurvey(ann, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "NPS", Question: "Recommend us?"})
	require.NoError(t, err)

	step := func() { clock.Advance(time.Hour) }
	deal, err := c.CreateOpportunity(ann, &crm.Opportunity{Name: "fleet", CustomerID: acme.ID, PipelineID: p.ID,
		Amount: crm.MustMoney("5000", "EUR"), CloseDate: t0.AddDate(0, 1, 0)})
	require.NoError(t, err)
	step()
	call, err := c.LogInteraction(ann, &crm.Interaction{CustomerID: acme.ID, Channel: crm.InteractionCall, OpportunityID: deal.ID})
	require.NoError(t, err)
	_, err = c.LogInteraction(ann, &crm.Interaction{CustomerID: other.ID, Channel: crm.InteractionCall})
	require.NoError(t, err)
	step()
	deal, err = c.MoveOpportunity(ann, deal.ID, deal.Version, "proposal", crm.MoveOptions{})
	require.NoError(t, err)
	deal, err = c.UpdateOpportunity(ann, deal.ID, deal.Version, crm.OpportunityUpdate{Probability: crm.Ptr(40)})
	require.NoError(t, err) // a change that is no stage move
	step()
	order := mustOrder(t, c, ann, acme.ID, line("SKU-1", "1", "120.00 EUR"))
	step()
	cs, err := c.CreateCase(ann, &crm.Case{CustomerID: acme.ID, Kind: crm.CaseComplaint, Subject: "Late delivery"})
	require.NoError(t, err)
	step()
	resp, err := c.RecordResponse(ann, &crm.Response{SurveyID: sv.ID, CustomerID: acme.ID, Score: 9})
	require.NoError(t, err)
	// Logged late, but it happened before everything else.
	step()
	visit, err := c.LogInteraction(ann, &crm.Interaction{CustomerID: acme.ID, Channel: crm.InteractionVisit, At: t0.Add(-time.Hour)})
	require.NoError(t, err)

	var got []string
	for e, err := range c.Timeline(ann, acme.ID, crm.TimelineFilter{}) {
		require.NoError(t, err)
		got = append(got, string(e.Kind)+" "+e.ID)
	}
	assert.Equal(t, []string{
		"interaction " + visit.ID,
		"stage move " + deal.ID, // created in collection
		"interaction " + call.ID,
		"stage move " + deal.ID, // to proposal
		"order " + order.ID,
		"case " + cs.ID,
		"survey response " + resp.ID,
	}, got)

	var kinds []crm.TimelineKind
	var moves []string
	for e, err := range c.Timeline(ann, acme.ID, crm.TimelineFilter{From: t0, Before: t0.Add(4 * time.Hour), Kinds: []crm.TimelineKind{crm.TimelineStageMove, crm.TimelineOrder}}) {
		require.NoError(t, err)
		kinds = append(kinds, e.Kind)
		if e.StageMove != nil {
			moves = append(moves, e.StageMove.FromStage+"→"+e.StageMove.ToStage)
			assert.Equal(t, "ann", e.ActorID)
		}
	}
	assert.Equal(t, []crm.TimelineKind{crm.TimelineStageMove, crm.TimelineStageMove, crm.TimelineOrder}, kinds)
	assert.Equal(t, []string{"→collection", "collection→proposal"}, moves)

	for _, err := range c.Timeline(ann, "nobody", crm.TimelineFilter{}) {
		assert.ErrorIs(t, err, crm.ErrNotFound)
	}
}
