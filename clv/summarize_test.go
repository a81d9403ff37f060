package clv_test

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/clv"
)

func TestSummarize_CDNOW(t *testing.T) {
	got, err := clv.Summarize(cdnowTransactions(t), clv.SummaryOptions{End: cdnowEnd, Unit: clv.Week})
	require.NoError(t, err)
	want := cdnowSummary(t)
	require.Len(t, got, len(want))
	byID := make(map[string]clv.Customer, len(got))
	for _, c := range got {
		byID[c.ID] = c
	}
	// The published file rounds to 2 decimals.
	const tol = 0.005 + 1e-9
	var sumX float64
	for _, w := range want {
		g, ok := byID[w.ID]
		require.True(t, ok, "customer %s missing", w.ID)
		assert.Equal(t, w.X, g.X, "customer %s: X", w.ID)
		assert.InDelta(t, w.Tx, g.Tx, tol, "customer %s: Tx", w.ID)
		assert.InDelta(t, w.T, g.T, tol, "customer %s: T", w.ID)
		assert.InDelta(t, w.Monetary, g.Monetary, tol, "customer %s: Monetary", w.ID)
		sumX += g.X
	}
	assert.Equal(t, 2457.0, sumX)
}

func TestSummarize(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2026, 1, d, h, 0, 0, 0, time.UTC) }
	txs := []clv.Transaction{
		{CustomerID: "b", At: day(10, 9), Amount: 5},
		{CustomerID: "a", At: day(1, 9), Amount: 10},
		{CustomerID: "a", At: day(8, 23), Amount: 4},
		{CustomerID: "a", At: day(8, 1), Amount: 6}, // same day: one purchase of 10
		{CustomerID: "a", At: day(15, 12), Amount: 30},
		{CustomerID: "a", At: day(29, 0), Amount: 99}, // after End: holdout
		{CustomerID: "c", At: day(30, 0), Amount: 1},  // first purchase after End
	}
	got, err := clv.Summarize(txs, clv.SummaryOptions{End: day(22, 18), Unit: clv.Week})
	require.NoError(t, err)
	assert.Equal(t, []clv.Customer{
		{ID: "a", X: 2, Tx: 2, T: 3, Monetary: 20},
		{ID: "b", X: 0, Tx: 0, T: 12.0 / 7},
	}, got)

	t.Run("Location", func(t *testing.T) {
		// 23:30 UTC on the 1st is the 2nd in Tokyo, as is 01:00 UTC on the 2nd.
		tokyo := time.FixedZone("JST", 9*3600)
		txs := []clv.Transaction{
			{CustomerID: "a", At: time.Date(2026, 1, 1, 23, 30, 0, 0, time.UTC), Amount: 1},
			{CustomerID: "a", At: time.Date(2026, 1, 2, 1, 0, 0, 0, time.UTC), Amount: 1},
		}
		got, err := clv.Summarize(txs, clv.SummaryOptions{End: day(3, 0), Unit: clv.Day, Location: tokyo})
		require.NoError(t, err)
		assert.Equal(t, []clv.Customer{{ID: "a", X: 0, Tx: 0, T: 1}}, got)
		got, err = clv.Summarize(txs, clv.SummaryOptions{End: day(3, 0), Unit: clv.Day})
		require.NoError(t, err)
		assert.Equal(t, []clv.Customer{{ID: "a", X: 1, Tx: 1, T: 2, Monetary: 1}}, got)
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for name, tc := range map[string]struct {
			txs   []clv.Transaction
			opts  clv.SummaryOptions
			field string
		}{
			"End":        {nil, clv.SummaryOptions{Unit: clv.Week}, "End"},
			"Unit":       {nil, clv.SummaryOptions{End: day(1, 0)}, "Unit"},
			"CustomerID": {[]clv.Transaction{{At: day(1, 0)}}, clv.SummaryOptions{End: day(1, 0), Unit: clv.Week}, "CustomerID"},
			"At":         {[]clv.Transaction{{CustomerID: "a"}}, clv.SummaryOptions{End: day(1, 0), Unit: clv.Week}, "At"},
			"Amount":     {[]clv.Transaction{{CustomerID: "a", At: day(1, 0), Amount: math.NaN()}}, clv.SummaryOptions{End: day(1, 0), Unit: clv.Week}, "Amount"},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := clv.Summarize(tc.txs, tc.opts)
				require.ErrorIs(t, err, crm.ErrInvalid)
				var verr *crm.ValidationError
				require.True(t, errors.As(err, &verr))
				_, ok := verr.Field(tc.field)
				assert.True(t, ok, "%v", err)
			})
		}
	})
}

func TestOrderTransactions(t *testing.T) {
	money := func(s string) crm.Money {
		m, err := crm.NewMoney(s, "EUR")
		require.NoError(t, err)
		return m
	}
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	orders := []*crm.Order{
		{ID: "o1", CustomerID: "c1", Total: money("12.50"), OrderedAt: at, Status: crm.OrderFulfilled},
		{ID: "o2", CustomerID: "c1", Total: money("99"), OrderedAt: at, Status: crm.OrderCancelled},
	}
	seq := func(os []*crm.Order) func(func(*crm.Order, error) bool) {
		return func(yield func(*crm.Order, error) bool) {
			for _, o := range os {
				if !yield(o, nil) {
					return
				}
			}
		}
	}
	var got []clv.Transaction
	for tx, err := range clv.OrderTransactions(seq(orders), "EUR") {
		require.NoError(t, err)
		got = append(got, tx)
	}
	assert.Equal(t, []clv.Transaction{{CustomerID: "c1", At: at, Amount: 12.5}}, got)

	usd, err := crm.NewMoney("1", "USD")
	require.NoError(t, err)
	orders = append(orders, &crm.Order{ID: "o3", CustomerID: "c2", Total: usd, OrderedAt: at})
	_, err = clv.SummarizeSeq(clv.OrderTransactions(seq(orders), "EUR"), clv.SummaryOptions{End: at, Unit: clv.Week})
	assert.ErrorIs(t, err, clv.ErrCurrency)
}

func TestSummarize_Order(t *testing.T) {
	// Output is sorted by ID whatever the input order.
	var txs []clv.Transaction
	for i := range 50 {
		txs = append(txs, clv.Transaction{CustomerID: strconv.Itoa((i * 37) % 50), At: time.Unix(int64(i)*86400, 0), Amount: 1})
	}
	got, err := clv.Summarize(txs, clv.SummaryOptions{End: time.Unix(100*86400, 0), Unit: clv.Day})
	require.NoError(t, err)
	assert.True(t, slices.IsSortedFunc(got, func(a, b clv.Customer) int {
		if a.ID < b.ID {
			return -1
		}
		return 1
	}))
}
