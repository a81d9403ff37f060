package crm_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestClient_Scorecards(t *testing.T) {
	cal := serviceCalendar(t)
	c, clock, _ := newClient(t, crm.WithCaseSLA(map[crm.CasePriority]crm.CaseSLA{
		crm.PriorityHigh: {Resolution: crm.SLAPolicy{Calendar: cal, Target: 8 * time.Hour}},
	}))
	boss, ann, bob := actorCtx(t, "boss"), actorCtx(t, "ann"), actorCtx(t, "bob")
	acme := mustCreate(t, c, boss, &crm.Customer{Name: "Acme Ltd", OwnerID: "ann"})
	berg := mustCreate(t, c, boss, &crm.Customer{Name: "Berg AB", OwnerID: "ann"})
	cole := mustCreate(t, c, boss, &crm.Customer{Name: "Cole plc", OwnerID: "bob"})
	p, err := c.CreatePipeline(boss, crm.DefaultPipeline())
	require.NoError(t, err)
	sv, err := c.CreateSurvey(boss, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "NPS", Question: "Recommend us?"})
	require.NoError(t, err)
	csat, err := c.CreateSurvey(boss, &crm.Survey{Kind: crm.SurveyKindCSAT, Name: "CSAT", Question: "Happy?"})
	require.NoError(t, err)

	// Interactions: two of ann's in March, one in February; one of bob's.
	for _, at := range []time.Time{t0, t0.Add(-time.Minute), time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)} {
		_, err := c.LogInteraction(ann, &crm.Interaction{CustomerID: acme.ID, Channel: crm.InteractionCall, At: at})
		require.NoError(t, err)
	}
	_, err = c.LogInteraction(bob, &crm.Interaction{CustomerID: cole.ID, Channel: crm.InteractionEmail})
	require.NoError(t, err)

	// Tasks due in March: one done on time, one done late, one open, one
	// cancelled; one due in April.
	task := func(owner string, due time.Time) *crm.Task {
		t.Helper()
		tk, err := c.CreateTask(boss, &crm.Task{CustomerID: acme.ID, Title: "t", Due: due, OwnerID: owner})
		require.NoError(t, err)
		return tk
	}
	onTime, late := task("ann", t0.Add(time.Hour)), task("ann", t0.Add(time.Minute))
	task("ann", t0.Add(48*time.Hour))
	cancelled := task("ann", t0.Add(time.Hour))
	task("ann", time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC))
	bobs := task("bob", t0.Add(time.Hour))

	// Deals: ann's fleet deal moves twice and is won; her spares deal is
	// won in dollars; bob's is lost.
	deal := func(ctx, name, amount string) *crm.Opportunity {
		t.Helper()
		o, err := c.CreateOpportunity(actorCtx(t, ctx), &crm.Opportunity{Name: name, CustomerID: acme.ID, PipelineID: p.ID,
			Amount: crm.MustMoney(amount[:len(amount)-4], amount[len(amount)-3:]), CloseDate: t0.AddDate(0, 1, 0)})
		require.NoError(t, err)
		return o
	}
	fleet, spares, lost := deal("ann", "fleet", "5000.50 EUR"), deal("ann", "spares", "99.99 USD"), deal("bob", "lost", "700.00 EUR")
	lead, err := c.CreateLead(ann, &crm.Lead{Name: "Di", Company: "Dee Ltd"})
	require.NoError(t, err)
	_, err = c.CreateLead(ann, &crm.Lead{Name: "Ed"})
	require.NoError(t, err)

	// A complaint each of ann's resolved within 8 business hours and not;
	// an open one.
	complaint := func(cust *crm.Customer) *crm.Case {
		t.Helper()
		cs, err := c.CreateCase(boss, &crm.Case{CustomerID: cust.ID, Kind: crm.CaseComplaint, Priority: crm.PriorityHigh, Subject: "x", OwnerID: "ann"})
		require.NoError(t, err)
		return cs
	}
	quick, slow := complaint(acme), complaint(berg)
	complaint(berg)

	setTo(clock, march(2, 10, 0))
	_, err = c.CompleteTask(ann, onTime.ID, onTime.Version)
	require.NoError(t, err)
	_, err = c.CompleteTask(ann, late.ID, late.Version)
	require.NoError(t, err)
	_, err = c.CancelTask(ann, cancelled.ID, cancelled.Version)
	require.NoError(t, err)
	_, err = c.CompleteTask(bob, bobs.ID, bobs.Version)
	require.NoError(t, err)
	fleet, err = c.MoveOpportunity(ann, fleet.ID, fleet.Version, "proposal", crm.MoveOptions{})
	require.NoError(t, err)
	fleet, err = c.MoveOpportunity(ann, fleet.ID, fleet.Version, "negotiation", crm.MoveOptions{})
	require.NoError(t, err)
	_, err = c.MoveOpportunity(ann, fleet.ID, fleet.Version, "won", crm.MoveOptions{})
	require.NoError(t, err)
	_, err = c.MoveOpportunity(ann, spares.ID, spares.Version, "won", crm.MoveOptions{})
	require.NoError(t, err)
	_, err = c.MoveOpportunity(bob, lost.ID, lost.Version, "lost", crm.MoveOptions{LostReason: "price"})
	require.NoError(t, err)
	_, err = c.ConvertLead(ann, lead.ID, lead.Version, crm.LeadConversion{})
	require.NoError(t, err)
	resolve := func(cs *crm.Case) {
		t.Helper()
		_, err := c.SetCaseStatus(ann, cs.ID, cs.Version, crm.CaseResolved)
		require.NoError(t, err)
	}
	setTo(clock, march(2, 15, 0)) // 5.5 business hours after opening
	resolve(quick)
	setTo(clock, march(4, 12, 0))
	resolve(slow)
	for _, r := range []struct {
		sv    *crm.Survey
		cust  *crm.Customer
		wave  string
		score int
	}{{sv, acme, "q1", 10}, {sv, berg, "q1", 6}, {sv, acme, "q2", 9}, {sv, cole, "q1", 9}, {csat, acme, "q1", 1}} {
		_, err := c.RecordResponse(boss, &crm.Response{SurveyID: r.sv.ID, CustomerID: r.cust.ID, Wave: r.wave, Score: r.score})
		require.NoError(t, err)
	}

	from, before := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	cards, err := c.Scorecards(boss, from, before, "ann", "bob", "zoe")
	require.NoError(t, err)
	require.Len(t, cards, 3)
	a, b, z := cards[0], cards[1], cards[2]
	assert.Equal(t, "ann", a.OwnerID)
	assert.Equal(t, 2, a.Interactions, "February's call is outside the period")
	assert.Equal(t, crm.Ratio{Numerator: 1, Denominator: 3}, a.TasksOnTime, "cancelled and April's tasks left out")
	assert.Equal(t, 1, a.LeadsConverted)
	assert.Equal(t, 2, a.Advanced, "each deal moved forward counts once")
	assert.Equal(t, 2, a.Won)
	require.Len(t, a.RevenueWon, 2)
	assertMoney(t, "5000.50 EUR", a.RevenueWon[0])
	assertMoney(t, "99.99 USD", a.RevenueWon[1])
	require.NotNil(t, a.NPS)
	assert.Equal(t, 3, a.NPS.N, "the CSAT answer is not NPS")
	assert.InDelta(t, 100.0/3, a.NPS.Score, 1e-9) // 2 promoters, 1 detractor
	assert.Equal(t, crm.Ratio{Numerator: 1, Denominator: 2}, a.ComplaintsInSLA, "the open complaint is not counted")

	assert.Equal(t, 1, b.Interactions)
	assert.Equal(t, crm.Ratio{Numerator: 1, Denominator: 1}, b.TasksOnTime)
	assert.Zero(t, b.Advanced, "a move to lost is not forward")
	assert.Zero(t, b.Won)
	require.NotNil(t, b.NPS)
	assert.InDelta(t, 100.0, b.NPS.Score, 1e-9)
	assert.False(t, b.ComplaintsInSLA.Valid())

	assert.Equal(t, crm.Scorecard{OwnerID: "zoe", From: from, Before: before}, z, "an owner with nothing has an empty card")

	everyone, err := c.Scorecards(boss, from, before)
	require.NoError(t, err)
	var owners []string
	for _, card := range everyone {
		owners = append(owners, card.OwnerID)
	}
	assert.Equal(t, []string{"ann", "bob"}, owners, "everyone who turns up, in ID order")
	assert.Equal(t, a, everyone[0], "the same card either way")

	_, err = c.Scorecards(boss, before, from)
	assert.NotEmpty(t, fieldErr(t, err, "period"))
}
