package clv_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/clv"
	"github.com/crmkit/crm/storage/memory"
)

// TestFromSummaries checks that customers made from the store's purchase
// summaries equal those Summarize makes from the same orders.
func TestFromSummaries(t *testing.T) {
	store := memory.New()
	defer store.Close()
	client, err := crm.New(store)
	require.NoError(t, err)
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "test"})
	start := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	for i := range 12 {
		cust, err := client.CreateCustomer(ctx, &crm.Customer{Name: fmt.Sprintf("Customer %02d", i), Region: fmt.Sprintf("r%d", i)})
		require.NoError(t, err)
		for j := range i % 5 {
			// two orders on some days: one purchase day
			for k := range 1 + j%2 {
				_, err := client.CreateOrder(ctx, &crm.Order{CustomerID: cust.ID, OrderedAt: start.AddDate(0, 0, i+7*j).Add(time.Duration(k) * time.Hour),
					Lines: []crm.OrderLine{{SKU: "X", Quantity: decimal.NewFromInt(1), UnitPrice: crm.MustMoney(fmt.Sprintf("%d.25", 10+i+j), "EUR")}}})
				require.NoError(t, err)
			}
		}
	}
	end := time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)
	opts := clv.SummaryOptions{End: end, Unit: clv.Week}
	want, err := clv.SummarizeSeq(clv.OrderTransactions(client.Orders(ctx, crm.OrderFilter{}), "EUR"), opts)
	require.NoError(t, err)
	var sums []crm.PurchaseSummary
	for s, err := range client.PurchaseSummaries(ctx, crm.PurchaseSummaryFilter{AsOf: end.AddDate(0, 0, 1), Currency: "EUR"}) {
		require.NoError(t, err)
		sums = append(sums, s)
	}
	got, err := clv.FromSummaries(sums, opts)
	require.NoError(t, err)
	require.Len(t, got, len(want))
	require.NotEmpty(t, got)
	for i := range want {
		assert.Equal(t, want[i].ID, got[i].ID)
		assert.Equal(t, want[i].X, got[i].X, want[i].ID)
		assert.InDelta(t, want[i].Tx, got[i].Tx, 1e-12, want[i].ID)
		assert.InDelta(t, want[i].T, got[i].T, 1e-12, want[i].ID)
		assert.InDelta(t, want[i].Monetary, got[i].Monetary, 1e-9, want[i].ID)
	}

	_, err = clv.FromSummaries(append(sums, sums[0]), opts)
	assert.ErrorIs(t, err, crm.ErrInvalid)
	_, err = clv.FromSummaries(sums, clv.SummaryOptions{Unit: clv.Week, Location: time.FixedZone("x", 3600)})
	assert.ErrorIs(t, err, crm.ErrInvalid)
}
