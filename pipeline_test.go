package crm_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestDefaultPipeline(t *testing.T) {
	p := crm.DefaultPipeline()
	require.NoError(t, p.Validate())
	type row struct {
		key  string
		prob int
		cat  crm.ForecastCategory
	}
	var got []row
	for _, s := range p.Stages {
		got = append(got, row{s.Key, s.Probability, s.Category})
	}
	assert.Equal(t, []row{
		{"collection", 10, crm.CategoryPipeline},
		{"proposal", 30, crm.CategoryPipeline},
		{"negotiation", 60, crm.CategoryBestCase},
		{"follow_up", 80, crm.CategoryCommit},
		{"won", 100, crm.CategoryClosedWon},
		{"lost", 0, crm.CategoryClosedLost},
	}, got)
	proposal, ok := p.Stage("proposal")
	require.True(t, ok)
	assert.Equal(t, []crm.OpportunityField{crm.FieldAmount, crm.FieldCloseDate}, proposal.Requires)
	first, _ := p.FirstStage()
	assert.Equal(t, "collection", first.Key)

	// Each call returns a pipeline of its own.
	p.Stages[1].Requires[0] = "owner"
	assert.Equal(t, crm.FieldAmount, crm.DefaultPipeline().Stages[1].Requires[0])
}

func TestPipelineValidate(t *testing.T) {
	p := &crm.Pipeline{
		Name: " ",
		Stages: []crm.Stage{
			{Key: "Open", Name: "Open", Probability: 10, Category: crm.CategoryPipeline},
			{Key: "a", Name: "", Probability: 101, Category: "maybe", Requires: []crm.OpportunityField{"budget"}},
			{Key: "a", Name: "Again", Probability: 5, Category: crm.CategoryCommit},
			{Key: "won", Name: "Won", Probability: 90, Category: crm.CategoryClosedWon},
			{Key: "won2", Name: "Won too", Probability: 100, Category: crm.CategoryClosedWon},
		},
		LostReasons: []string{"price", "", "price"},
	}
	err := p.Validate()
	require.ErrorIs(t, err, crm.ErrInvalid)
	for field, want := range map[string]string{
		"name":                  "required",
		"stages[0].key":         "lower-case",
		"stages[1].name":        "required",
		"stages[1].probability": "0 to 100",
		"stages[1].category":    "unknown category",
		"stages[1].requires[0]": "unknown field",
		"stages[2].key":         "used twice",
		"stages[3].probability": "a won stage has 100",
		"stages":                "exactly one closed_won",
		"lost_reasons[1]":       "1 to 200",
		"lost_reasons[2]":       "listed twice",
	} {
		assert.Contains(t, fieldErr(t, err, field), want, field)
	}
	assert.Contains(t, (&crm.Pipeline{Name: "x"}).Validate().Error(), "stages: required")
	noLost := &crm.Pipeline{Name: "x", Stages: []crm.Stage{
		{Key: "won", Name: "Won", Probability: 100, Category: crm.CategoryClosedWon},
	}}
	err = noLost.Validate()
	assert.ErrorContains(t, err, "no open stage")
	assert.ErrorContains(t, err, "no closed_lost stage")
}

// openDeal returns a new deal in the default pipeline's first stage,
// entered at t0.
func openDeal() *crm.Opportunity {
	return &crm.Opportunity{ID: "o-1", Name: "Deal", CustomerID: "c-1", Stage: "collection", Status: crm.OpportunityOpen, Probability: 10, StageEnteredAt: t0}
}

func TestPipelineMove(t *testing.T) {
	p := crm.DefaultPipeline()
	at := t0.Add(48 * time.Hour)

	t.Run("required fields", func(t *testing.T) {
		o := openDeal()
		before := *o
		err := p.Move(o, "proposal", at)
		assert.Contains(t, fieldErr(t, err, "amount"), `required to enter stage "proposal"`)
		assert.Contains(t, fieldErr(t, err, "close_date"), "required")
		assert.Equal(t, before, *o, "a refused move changes nothing")

		o.Amount = crm.MustMoney("1000.00", "EUR")
		o.CloseDate = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
		require.NoError(t, p.Move(o, "proposal", at))
		assert.Equal(t, "proposal", o.Stage)
		assert.Equal(t, 30, o.Probability)
		assert.Equal(t, at, o.StageEnteredAt)
		assert.Equal(t, crm.OpportunityOpen, o.Status)
		assert.True(t, o.ClosedAt.IsZero())

		// Backwards is a move like any other; the stage it is in, none.
		require.NoError(t, p.Move(o, "collection", at.Add(time.Hour)))
		assert.Equal(t, 10, o.Probability)
		same := *o
		require.NoError(t, p.Move(o, "collection", at.Add(2*time.Hour)))
		assert.Equal(t, same, *o)
	})

	t.Run("bad input", func(t *testing.T) {
		o := openDeal()
		before := *o
		assert.Contains(t, fieldErr(t, p.Move(o, "signed", at), "stage"), `no stage "signed"`)
		assert.Contains(t, fieldErr(t, p.Move(o, "lost", t0.Add(-time.Second)), "at"), "before the deal entered")
		other := *p
		other.ID = "p-2"
		o.PipelineID = "p-1"
		assert.Contains(t, fieldErr(t, other.Move(o, "proposal", at), "pipeline_id"), `not "p-2"`)
		o.PipelineID = ""
		assert.Equal(t, before, *o)
	})

	t.Run("lost and reopened", func(t *testing.T) {
		o := openDeal()
		assert.Contains(t, fieldErr(t, p.Move(o, "lost", at), "lost_reason"), "required")
		o.LostReason = "cheaper elsewhere"
		assert.Contains(t, fieldErr(t, p.Move(o, "lost", at), "lost_reason"), "not one of price, competitor")
		o.LostReason = "price"
		lostAt := at.Add(37 * time.Minute)
		require.NoError(t, p.Move(o, "lost", lostAt))
		assert.Equal(t, crm.OpportunityLost, o.Status)
		assert.Equal(t, 0, o.Probability)
		assert.Equal(t, lostAt, o.ClosedAt)
		assert.Equal(t, time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), o.CloseDate, "the date it closed")
		assert.Equal(t, "price", o.LostReason)

		closed := *o
		err := p.Move(o, "negotiation", at.Add(time.Hour))
		assert.ErrorIs(t, err, crm.ErrTransition)
		assert.ErrorContains(t, err, "reopen it first")
		assert.ErrorIs(t, p.Reopen(o, "won", at.Add(time.Hour)), crm.ErrTransition, "reopen to a closed stage")
		assert.Equal(t, closed, *o)

		assert.Contains(t, fieldErr(t, p.Reopen(o, "negotiation", at.Add(time.Hour)), "amount"), "required", "a reopened deal needs the stage's fields")
		assert.Equal(t, closed, *o)
		require.NoError(t, p.Reopen(o, "collection", at.Add(time.Hour)))
		assert.Equal(t, crm.OpportunityOpen, o.Status)
		assert.Equal(t, "collection", o.Stage)
		assert.Equal(t, 10, o.Probability)
		assert.Empty(t, o.LostReason)
		assert.True(t, o.ClosedAt.IsZero())
		assert.ErrorIs(t, p.Reopen(o, "proposal", at.Add(2*time.Hour)), crm.ErrTransition, "reopen an open deal")
	})

	t.Run("won", func(t *testing.T) {
		o := openDeal()
		assert.Contains(t, fieldErr(t, p.Move(o, "won", at), "amount"), "required")
		o.Amount = crm.MustMoney("250", "USD")
		o.CloseDate = time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
		wonAt := time.Date(2026, 3, 5, 23, 59, 0, 0, time.FixedZone("EST", -5*3600))
		require.NoError(t, p.Move(o, "won", wonAt))
		assert.Equal(t, crm.OpportunityWon, o.Status)
		assert.Equal(t, 100, o.Probability)
		assert.Equal(t, time.Date(2026, 3, 6, 4, 59, 0, 0, time.UTC), o.ClosedAt, "in UTC")
		assert.Equal(t, time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), o.CloseDate, "the UTC date it closed")
	})
}

func TestOpportunityWeighted(t *testing.T) {
	o := &crm.Opportunity{Amount: crm.MustMoney("1000.00", "EUR"), Probability: 30}
	assert.Equal(t, "300", o.Weighted().Amount.String())
	assert.Equal(t, "EUR", o.Weighted().Currency)
	o = &crm.Opportunity{Amount: crm.MustMoney("333.33", "EUR"), Probability: 60}
	assert.True(t, o.Weighted().Amount.Equal(decimal.RequireFromString("199.998")), "exact, not rounded: %s", o.Weighted().Amount)
	assert.True(t, (&crm.Opportunity{Probability: 50}).Weighted().IsZero(), "no amount")
}

func TestOpportunityHistoryRules(t *testing.T) {
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	eur := crm.MustMoney("100", "EUR")
	history := []crm.OpportunityChange{
		{Version: 1, At: at(0), ToStage: "collection", Status: crm.OpportunityOpen, Probability: 10},
		{Version: 2, At: at(5), FromStage: "collection", ToStage: "collection", Status: crm.OpportunityOpen, Probability: 10, Amount: eur},
		{Version: 3, At: at(10), FromStage: "collection", ToStage: "proposal", Status: crm.OpportunityOpen, Probability: 30, Amount: eur},
		{Version: 4, At: at(16), FromStage: "proposal", ToStage: "collection", Status: crm.OpportunityOpen, Probability: 10, Amount: eur},
		{Version: 6, At: at(20), FromStage: "collection", ToStage: "won", Status: crm.OpportunityWon, Probability: 100, Amount: eur},
	}
	_, ok := crm.OpportunityAsOf(history, at(-1))
	assert.False(t, ok, "before it was created")
	ch, ok := crm.OpportunityAsOf(history, at(7))
	require.True(t, ok)
	assert.Equal(t, int64(2), ch.Version)
	ch, _ = crm.OpportunityAsOf(history, at(10))
	assert.Equal(t, "proposal", ch.ToStage, "a change counts from its own time")
	ch, _ = crm.OpportunityAsOf(history, at(100))
	assert.Equal(t, crm.OpportunityWon, ch.Status)

	assert.Equal(t, map[string]time.Duration{
		"collection": 10*time.Hour + 4*time.Hour,
		"proposal":   6 * time.Hour,
	}, crm.TimeInStages(history, at(100)), "closed time is not counted")
	assert.Equal(t, map[string]time.Duration{
		"collection": 10*time.Hour + 1*time.Hour,
		"proposal":   6 * time.Hour,
	}, crm.TimeInStages(history, at(17)), "the stage it is in counts until asOf")
	assert.Equal(t, map[string]time.Duration{"collection": 8 * time.Hour}, crm.TimeInStages(history, at(8)))
}
