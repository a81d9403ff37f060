package crm_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// TestMetricsTable_Segment computes RFM scores and value tiers from stored
// orders and selects customers on them through a rule.
func TestMetricsTable_Segment(t *testing.T) {
	c, clock, _ := newClient(t)
	ctx := actorCtx(t, "ann")
	// Ten customers; customer i orders i times, 100·i EUR each time, the
	// last order i days before the as-of date.
	asOf := t0.AddDate(0, 0, 30)
	var ids []string
	for i := 1; i <= 10; i++ {
		cust := mustCreate(t, c, ctx, &crm.Customer{Name: "Customer " + string(rune('A'+i-1)), Industry: "retail", Region: string(rune('a' + i))})
		ids = append(ids, cust.ID)
		for j := 0; j < i; j++ {
			_, err := c.CreateOrder(ctx, &crm.Order{CustomerID: cust.ID, OrderedAt: asOf.AddDate(0, 0, -i-j),
				Lines: []crm.OrderLine{{SKU: "X", Quantity: decimal.NewFromInt(1), UnitPrice: crm.MustMoney("100", "EUR").Mul(decimal.NewFromInt(int64(i)))}}})
			require.NoError(t, err)
		}
	}
	clock.Advance(40 * 24 * time.Hour)
	f := crm.PurchaseSummaryFilter{AsOf: asOf, Currency: "EUR"}
	var sums []crm.PurchaseSummary
	for s, err := range c.PurchaseSummaries(ctx, f) {
		require.NoError(t, err)
		sums = append(sums, s)
	}
	require.Len(t, sums, 10)
	scores, err := crm.ScoreRFM(sums, crm.RFMOptions{AsOf: asOf})
	require.NoError(t, err)
	tiers, err := crm.ValueTiers(sums, crm.TierOptions{})
	require.NoError(t, err)

	table := crm.MetricsTable{}
	table.AddRFM(scores)
	table.AddTiers(tiers)
	table.AddCLV(map[string]decimal.Decimal{ids[9]: decimal.RequireFromString("12345.67")})

	m, ok := table.Lookup(ids[9])
	require.True(t, ok)
	assert.Equal(t, 1, m.R, "the least recent")
	assert.Equal(t, 5, m.F, "the most frequent")
	assert.Equal(t, 5, m.M, "the biggest spender")
	assert.Equal(t, "A", m.Tier)
	assert.True(t, m.CLV.Equal(decimal.RequireFromString("12345.67")))
	_, ok = table.Lookup("nobody")
	assert.False(t, ok)

	rule, err := crm.ParseCondition(`industry = "retail" and f >= 4 and tier = "A"`)
	require.NoError(t, err)
	var got []string
	for cust, err := range c.SegmentMembers(ctx, &crm.Segment{Name: "best", Rule: rule}, crm.SegmentOptions{Metrics: table.Lookup}) {
		require.NoError(t, err)
		got = append(got, cust.ID)
	}
	// Customer i's revenue is 100·i², 38,500 in all. Customers 10 to 7
	// make 29,400, less than 80% (30,800), so customer 6 is in tier A too
	// and customer 5 is not. F scores frequency k of 10 as ⌈5(k−1)/9⌉:
	// 4 or more from k = 7. Both hold for customers 7 to 10.
	assert.Equal(t, ids[6:], got)
}
