package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// testApplyLifecycle classifies customers from their orders through a
// Client over the store, in batches smaller than the customers, and checks
// the moves the store then holds.
func testApplyLifecycle(t *testing.T, s crm.Store) {
	c, ctx := mergeClient(t, s) // clock fixed at 2026-05-04
	now := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	const day = 24 * time.Hour
	buy := func(customerID string, ago ...time.Duration) {
		for _, a := range ago {
			_, err := c.CreateOrder(ctx, &crm.Order{CustomerID: customerID, OrderedAt: now.Add(-a),
				Lines: []crm.OrderLine{{SKU: "S", Quantity: decimal.NewFromInt(1), UnitPrice: crm.MustMoney("5", "EUR")}}})
			require.NoError(t, err)
		}
	}
	want := map[string]crm.LifecycleStage{}
	for i, tc := range []struct {
		stage crm.LifecycleStage
		ago   []time.Duration
	}{
		{crm.StageProspect, nil},
		{crm.StageNew, []time.Duration{2 * day}},
		{crm.StageNew, []time.Duration{3 * time.Hour, 2 * time.Hour}},
		{crm.StageActive, []time.Duration{5 * day, 35 * day}},
		{crm.StageLoyal, []time.Duration{1 * day, 31 * day, 61 * day, 91 * day, 121 * day}},
		{crm.StageAtRisk, []time.Duration{70 * day, 100 * day}},
		{crm.StageChurned, []time.Duration{400 * day}},
	} {
		cust, err := c.CreateCustomer(ctx, &crm.Customer{Name: fmt.Sprintf("Lifecycle %d", i)}, crm.AllowDuplicates())
		require.NoError(t, err)
		buy(cust.ID, tc.ago...)
		want[cust.ID] = tc.stage
	}
	rep, err := c.ApplyLifecycle(ctx, crm.LifecycleOptions{BatchSize: 3})
	require.NoError(t, err)
	assert.Equal(t, len(want), rep.Examined)
	assert.Equal(t, map[crm.StageMove]int{
		{From: crm.StageProspect, To: crm.StageNew}:     2,
		{From: crm.StageProspect, To: crm.StageActive}:  1,
		{From: crm.StageProspect, To: crm.StageLoyal}:   1,
		{From: crm.StageProspect, To: crm.StageAtRisk}:  1,
		{From: crm.StageProspect, To: crm.StageChurned}: 1,
	}, rep.Changed)
	assert.Empty(t, rep.Conflicts)
	for id, stage := range want {
		got := mustFindCustomer(t, s, id)
		assert.Equal(t, stage, got.Stage, got.Name)
	}
	rep, err = c.ApplyLifecycle(ctx, crm.LifecycleOptions{})
	require.NoError(t, err)
	assert.Empty(t, rep.Changed, "a second run changes nothing")
}
