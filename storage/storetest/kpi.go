package storetest

import (
	"encoding/json"
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
