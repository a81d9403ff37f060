package storetest

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// kpiFixture stores customers with orders, leads and deals around the
// first quarter of 2026, counted by hand for a 365-day activity window:
// customers active at 1 January 2026 bought on or after 1 January 2025,
// and at 1 April 2026 on or after 1 April 2025.
//
//	c1  USD 2025-06-10, EUR 2026-02-05        start, end, bought once
//	c2  2024-12-31 23:59                     lapsed before the window
//	c3  2025-01-01 00:00                     start (on the bound), churned
//	c4  2026-01-15 twice (EUR, USD), 03-31   new, end, bought three times
//	c5  2026-04-01 00:00                     after the period: nowhere
//	c6  2025-05-01, cancelled 2026-02-01     start, end (window), no purchase
//	c7  2023-06-01, 2026-03-01               reactivated: end, bought once
//	c8  2026-02-10, 2026-02-20               new, end, bought twice
//	c9  no orders
//	c10 2025-09-09, 2026-01-02               start, end, bought once
//	c11 2025-02-01                           start, churned
//
// S = 5 (c1 c3 c6 c10 c11), N = 2 (c4 c8), E = 6 (c1 c4 c6 c7 c8 c10):
// retention (6 − 2) / 5, churn 1 / 5; buyers c1 c4 c7 c8 c10, of whom c4
// and c8 bought at least twice: repurchase 2 / 5.
//
// Leads created in the quarter: L2 (converted in February), L3 (open),
// L4 (converted in April, after it), L5 (converted on its last day), L7
// (disqualified): 2 / 5; L1 and L6 are created just outside it.
//
// Deals closed in the quarter: won D1 (40 days, 1000.00 EUR), D2 (30
// days, 2000.02 EUR), D7 (50 days, 3000.00 EUR), lost D3: win rate 3 / 4,
// average 6000.02 / 3 = 2000.01 EUR, cycles mean and median 40 days, p90
// 50 days; D4 and D5 close just outside it and D6 is open.
func kpiFixture(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	customers := map[string]string{}
	for _, name := range []string{"c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11"} {
		c := newCustomer(ids, name)
		mustCreateCustomer(t, s, c)
		customers[name] = c.ID
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	buy := func(name string, at time.Time, total string) {
		addPurchase(t, s, ids, customers[name], at, total, crm.OrderOpen)
	}
	buy("c1", day(2025, 6, 10), "10.00 USD")
	buy("c1", day(2026, 2, 5), "20.00 EUR")
	buy("c2", time.Date(2024, 12, 31, 23, 59, 0, 0, time.UTC), "5.00 EUR")
	buy("c3", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), "5.00 EUR")
	buy("c4", day(2026, 1, 15), "7.00 EUR")
	buy("c4", day(2026, 1, 15).Add(time.Hour), "8.00 USD")
	buy("c4", time.Date(2026, 3, 31, 23, 59, 59, 999999000, time.UTC), "9.00 EUR")
	buy("c5", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), "9.00 EUR")
	buy("c6", day(2025, 5, 1), "3.00 EUR")
	addPurchase(t, s, ids, customers["c6"], day(2026, 2, 1), "4.00 EUR", crm.OrderCancelled)
	buy("c7", day(2023, 6, 1), "1.00 EUR")
	buy("c7", day(2026, 3, 1), "1.00 EUR")
	buy("c8", day(2026, 2, 10), "2.00 EUR")
	buy("c8", day(2026, 2, 20), "2.00 EUR")
	buy("c10", day(2025, 9, 9), "6.00 EUR")
	buy("c10", day(2026, 1, 2), "6.00 EUR")
	buy("c11", day(2025, 2, 1), "6.00 EUR")

	lead := func(name string, created time.Time, status crm.LeadStatus, converted time.Time) {
		l := newLead(ids, name)
		l.CreatedAt, l.Status = created, status
		if status == crm.LeadConverted {
			l.ConvertedAt, l.CustomerID = converted, customers["c1"]
		}
		mustCreateLead(t, s, l)
	}
	lead("L1", time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC), crm.LeadConverted, day(2026, 1, 10))
	lead("L2", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), crm.LeadConverted, day(2026, 2, 1))
	lead("L3", day(2026, 2, 1), crm.LeadContacted, time.Time{})
	lead("L4", day(2026, 3, 15), crm.LeadConverted, day(2026, 4, 2))
	lead("L5", time.Date(2026, 3, 31, 23, 59, 0, 0, time.UTC), crm.LeadConverted, time.Date(2026, 3, 31, 23, 59, 30, 0, time.UTC))
	lead("L6", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), crm.LeadNew, time.Time{})
	lead("L7", day(2026, 2, 2), crm.LeadDisqualified, time.Time{})

	p := newPipeline(ids, "Sales")
	mustCreatePipeline(t, s, p)
	deal := func(name string, status crm.OpportunityStatus, created, closed time.Time, amount string) {
		o := newOpportunity(ids, customers["c1"], p.ID, name)
		o.Status, o.CreatedAt, o.ClosedAt, o.Amount = status, created, closed, crm.MustMoney(amount, "EUR")
		switch status {
		case crm.OpportunityWon:
			o.Stage, o.Probability = "won", 100
		case crm.OpportunityLost:
			o.Stage, o.Probability, o.LostReason = "lost", 0, "price"
		}
		if !closed.IsZero() {
			o.CloseDate = time.Date(closed.Year(), closed.Month(), closed.Day(), 0, 0, 0, 0, time.UTC)
		}
		mustCreateOpportunity(t, s, o)
	}
	deal("D1", crm.OpportunityWon, day(2025, 12, 1), day(2026, 1, 10), "1000.00")
	deal("D2", crm.OpportunityWon, day(2026, 1, 5), day(2026, 2, 4), "2000.02")
	deal("D3", crm.OpportunityLost, day(2026, 1, 5), day(2026, 3, 1), "700.00")
	deal("D4", crm.OpportunityWon, day(2026, 1, 5), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), "9999.00")
	deal("D5", crm.OpportunityLost, day(2025, 11, 5), time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC), "9999.00")
	deal("D6", crm.OpportunityOpen, day(2026, 2, 5), time.Time{}, "9999.00")
	deal("D7", crm.OpportunityWon, day(2026, 2, 1), day(2026, 3, 23), "3000.00")
}

// testKPIReport measures the first quarter of 2026 through a Client over
// the store and checks every KPI of the report against kpiFixture's
// counts, the JSON of a rate among them.
func testKPIReport(t *testing.T, s crm.Store) {
	kpiFixture(t, s)
	c, ctx := mergeClient(t, s)
	q1 := crm.PeriodOf(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), crm.PeriodQuarter)
	r, err := c.KPIs(ctx, q1, crm.KPIOptions{Conversion: crm.Conversion{Currency: "EUR"}})
	require.NoError(t, err)
	cu, sa := r.Customers, r.Sales
	assert.Equal(t, 5, cu.AtStart, "customers at start")
	assert.Equal(t, 2, cu.New, "new customers")
	assert.Equal(t, 6, cu.AtEnd, "customers at end")
	assert.Equal(t, crm.Ratio{Numerator: 4, Denominator: 5}, cu.Retention, "retention")
	assert.Equal(t, crm.Ratio{Numerator: 1, Denominator: 5}, cu.Churn, "churn")
	assert.Equal(t, crm.Ratio{Numerator: 2, Denominator: 5}, cu.Repurchase, "repurchase")
	assert.Equal(t, crm.Ratio{Numerator: 2, Denominator: 5}, sa.LeadConversion, "lead conversion")
	assert.Equal(t, crm.Ratio{Numerator: 3, Denominator: 4}, sa.WinRate, "win rate")
	assert.Equal(t, 3, sa.AverageDeal.N)
	assert.True(t, sa.AverageDeal.Mean.Equal(crm.MustMoney("2000.01", "EUR")), "average deal %v", sa.AverageDeal.Mean)
	const day = 24 * time.Hour
	assert.Equal(t, crm.DurationStats{N: 3, Mean: 40 * day, Median: 40 * day, P90: 50 * day}, sa.Cycle, "sales cycle")
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var doc struct {
		Customers struct {
			Retention map[string]any `json:"retention_rate"`
		} `json:"customers"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Equal(t, map[string]any{"numerator": 4.0, "denominator": 5.0, "value": 0.8}, doc.Customers.Retention)

	// With a 30-day window the customers at the start bought on or
	// after 2 December 2025 (none) and those at the end on or after 2
	// March 2026 (c4 only; c7's 1 March is before): S = 0, so retention
	// and churn are undefined.
	r, err = c.KPIs(ctx, q1, crm.KPIOptions{Conversion: crm.Conversion{Currency: "EUR"}, ActiveWithin: 30 * day})
	require.NoError(t, err)
	assert.Equal(t, 0, r.Customers.AtStart)
	assert.Equal(t, 1, r.Customers.AtEnd)
	assert.False(t, r.Customers.Retention.Valid(), "no customers at the start")
	assert.False(t, r.Customers.Churn.Valid(), "no customers at the start")
	assert.Equal(t, crm.Ratio{Numerator: 2, Denominator: 5}, r.Customers.Repurchase, "the window does not change who bought")
}

// testKPIService measures the cases and survey responses of the first
// quarter of 2026 through a Client with service-level targets for high
// priority, and checks the service and survey KPIs of the report against
// counts made by hand.
func testKPIService(t *testing.T, s crm.Store) {
	var now atomic.Pointer[time.Time]
	at := func(m time.Month, d, h int) {
		t := time.Date(2026, m, d, h, 0, 0, 0, time.UTC)
		now.Store(&t)
	}
	at(1, 1, 0)
	var n atomic.Int64
	high := crm.CaseSLA{
		FirstResponse: crm.SLAPolicy{Calendar: crm.AlwaysOpen(), Target: 4 * time.Hour},
		Resolution:    crm.SLAPolicy{Calendar: crm.AlwaysOpen(), Target: 48 * time.Hour},
	}
	c, err := crm.New(s,
		crm.WithClock(crm.ClockFunc(func() time.Time { return *now.Load() })),
		crm.WithIDGenerator(crm.IDGeneratorFunc(func() string { return fmt.Sprintf("k-%06d", n.Add(1)) })),
		crm.WithCaseSLA(map[crm.CasePriority]crm.CaseSLA{crm.PriorityHigh: high}),
	)
	require.NoError(t, err)
	ctx := crm.WithActor(t.Context(), crm.Actor{ID: "u-kpi"})

	var customers []string
	for i := range 4 {
		cu, err := c.CreateCustomer(ctx, &crm.Customer{Name: []string{"Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra"}[i], Kind: crm.KindPerson})
		require.NoError(t, err)
		customers = append(customers, cu.ID)
	}
	open := func(kind crm.CaseKind, p crm.CasePriority) *crm.Case {
		cs, err := c.CreateCase(ctx, &crm.Case{CustomerID: customers[0], Kind: kind, Priority: p, Subject: "KPI case"})
		require.NoError(t, err)
		return cs
	}
	respond := func(cs *crm.Case) *crm.Case {
		cs, err := c.RespondToCase(ctx, cs.ID, cs.Version)
		require.NoError(t, err)
		return cs
	}
	resolve := func(cs *crm.Case) *crm.Case {
		cs, err := c.SetCaseStatus(ctx, cs.ID, cs.Version, crm.CaseResolved)
		require.NoError(t, err)
		return cs
	}
	// A: a high complaint answered in 1 h and resolved in 24 h, in time.
	at(1, 5, 9)
	a := open(crm.CaseComplaint, crm.PriorityHigh)
	at(1, 5, 10)
	a = respond(a)
	at(1, 6, 9)
	resolve(a)
	// B: a high complaint answered after 6 h (breached), still open.
	at(2, 1, 9)
	b := open(crm.CaseComplaint, crm.PriorityHigh)
	at(2, 1, 15)
	respond(b)
	// C: an inquiry with no targets, answered in 2 h, resolved in 48 h.
	at(3, 1, 9)
	cc := open(crm.CaseInquiry, crm.PriorityNormal)
	at(3, 1, 11)
	cc = respond(cc)
	at(3, 3, 9)
	resolve(cc)
	// D: opened after the quarter.
	at(4, 2, 9)
	open(crm.CaseComplaint, crm.PriorityHigh)

	nps, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "KPI NPS", Period: crm.PeriodQuarter})
	require.NoError(t, err)
	csat, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindCSAT, Name: "KPI CSAT", Period: crm.PeriodQuarter})
	require.NoError(t, err)
	answer := func(survey *crm.Survey, customer string, score int, when time.Time) {
		_, err := c.RecordResponse(ctx, &crm.Response{SurveyID: survey.ID, CustomerID: customer, Score: score, AnsweredAt: when})
		require.NoError(t, err)
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, time.UTC) }
	answer(nps, customers[0], 10, day(1, 10))
	answer(nps, customers[1], 9, day(2, 10))
	answer(nps, customers[2], 3, day(3, 31))
	answer(nps, customers[3], 0, day(4, 1)) // the next quarter
	answer(csat, customers[0], 5, day(2, 2))
	answer(csat, customers[1], 2, day(3, 2))

	q1 := crm.PeriodOf(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), crm.PeriodQuarter)
	r, err := c.KPIs(ctx, q1, crm.KPIOptions{Conversion: crm.Conversion{Currency: "EUR"}})
	require.NoError(t, err)
	se := r.Service
	assert.Equal(t, 3, se.Opened, "A, B and C")
	assert.Equal(t, crm.Ratio{Numerator: 1, Denominator: 2}, se.ComplaintResolution, "A of A and B")
	assert.Equal(t, crm.DurationStats{N: 3, Mean: 3 * time.Hour, Median: 2 * time.Hour, P90: 6 * time.Hour}, se.FirstResponse, "1 h, 2 h, 6 h")
	assert.Equal(t, crm.DurationStats{N: 2, Mean: 36 * time.Hour, Median: 36 * time.Hour, P90: 48 * time.Hour}, se.Resolution, "24 h, 48 h")
	assert.Equal(t, crm.Ratio{Numerator: 1, Denominator: 2}, se.SLABreach, "B of the high cases A and B")
	require.NotNil(t, r.Surveys.NPS)
	assert.Equal(t, [4]int{3, 2, 0, 1}, [4]int{r.Surveys.NPS.N, r.Surveys.NPS.Promoters, r.Surveys.NPS.Passives, r.Surveys.NPS.Detractors})
	require.NotNil(t, r.Surveys.CSAT)
	assert.Equal(t, 2, r.Surveys.CSAT.N)
	assert.InDelta(t, 50.0, r.Surveys.CSAT.TopTwoBox, 1e-12)
	assert.Nil(t, r.Surveys.CES, "no CES survey")
}
