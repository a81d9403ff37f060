package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// summaryAsOf is the as-of instant of the purchase summary checks.
var summaryAsOf = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

// addPurchase stores an order of customerID placed at at for total (as
// [crm.ParseMoney] reads it) in status status.
func addPurchase(tb testing.TB, s crm.Store, ids crm.IDGenerator, customerID string, at time.Time, total string, status crm.OrderStatus) {
	tb.Helper()
	o := newOrder(ids, customerID)
	m, err := crm.ParseMoney(total)
	require.NoError(tb, err)
	o.Lines[0].UnitPrice, o.Lines[0].Quantity = m, o.Lines[0].Quantity.Div(o.Lines[0].Quantity)
	o.Total, o.Paid = m, crm.Money{Amount: m.Amount.Sub(m.Amount), Currency: m.Currency}
	o.OrderedAt, o.Status = at, status
	mustCreateOrder(tb, s, o)
}

// allSummaries reads every page of the summaries f selects, checking
// that no customer is split across pages.
func allSummaries(tb testing.TB, s crm.Store, f crm.PurchaseSummaryFilter) []crm.PurchaseSummary {
	tb.Helper()
	var all []crm.PurchaseSummary
	for range 1000 {
		page, next, err := s.PurchaseSummaries(tb.Context(), f)
		require.NoError(tb, err, "PurchaseSummaries after %q", f.After)
		if len(all) > 0 && len(page) > 0 {
			require.Less(tb, all[len(all)-1].CustomerID, page[0].CustomerID, "a customer split across pages, or pages out of order")
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		f.After = next
	}
	tb.Fatal("PurchaseSummaries: more than 1000 pages")
	return nil
}

// assertSummary checks one summary against what is expected, comparing
// money and times by value.
func assertSummary(tb testing.TB, want, got crm.PurchaseSummary, msgAndArgs ...any) bool {
	tb.Helper()
	ok := assert.Equal(tb, want.CustomerID, got.CustomerID, msgAndArgs...)
	ok = assert.Equal(tb, want.Orders, got.Orders, msgAndArgs...) && ok
	ok = assert.Equal(tb, want.Days, got.Days, msgAndArgs...) && ok
	ok = assert.True(tb, want.First.Equal(got.First), "First: want %v, got %v", want.First, got.First) && ok
	ok = assert.True(tb, want.Last.Equal(got.Last), "Last: want %v, got %v", want.Last, got.Last) && ok
	ok = assert.Equal(tb, time.UTC, got.First.Location(), "First in UTC") && ok
	ok = assert.Equal(tb, time.UTC, got.Last.Location(), "Last in UTC") && ok
	ok = assert.True(tb, want.Total.Equal(got.Total), "Total: want %v, got %v", want.Total, got.Total) && ok
	ok = assert.True(tb, want.RepeatTotal.Equal(got.RepeatTotal), "RepeatTotal: want %v, got %v", want.RepeatTotal, got.RepeatTotal) && ok
	return ok
}

// summaryFixture stores customers a (orders in EUR and USD), b (only a
// cancelled order), c (one order) and d (none) and returns them with the
// summaries expected as of summaryAsOf.
func summaryFixture(t *testing.T, s crm.Store) (a, b, c, d *crm.Customer, want []crm.PurchaseSummary) {
	ids := new(crm.UUIDv7)
	a, b, c, d = newCustomer(ids, "A"), newCustomer(ids, "B"), newCustomer(ids, "C"), newCustomer(ids, "D")
	for _, cu := range []*crm.Customer{a, b, c, d} {
		mustCreateCustomer(t, s, cu)
	}
	cest := time.FixedZone("CEST", 2*3600)
	// 1 March in UTC, though the second is 2 March in CEST.
	first := time.Date(2024, 3, 1, 23, 30, 0, 0, cest)
	addPurchase(t, s, ids, a.ID, first, "10.0001 EUR", crm.OrderOpen)
	addPurchase(t, s, ids, a.ID, time.Date(2024, 3, 2, 1, 30, 0, 0, cest), "0.0002 EUR", crm.OrderFulfilled)
	// 5 March in UTC, though the first is 6 March east of UTC+4.
	addPurchase(t, s, ids, a.ID, time.Date(2024, 3, 5, 20, 0, 0, 0, time.UTC), "20.00 EUR", crm.OrderConfirmed)
	addPurchase(t, s, ids, a.ID, time.Date(2024, 3, 5, 12, 0, 0, 0, time.UTC), "40.00 EUR", crm.OrderOpen)
	addPurchase(t, s, ids, a.ID, time.Date(2024, 4, 10, 9, 0, 0, 0, time.UTC), "500.00 EUR", crm.OrderCancelled)
	addPurchase(t, s, ids, a.ID, summaryAsOf, "1.00 EUR", crm.OrderOpen) // at the as-of instant: not before it
	last := summaryAsOf.Add(-time.Microsecond)
	addPurchase(t, s, ids, a.ID, last, "9999999999999.9999 EUR", crm.OrderOpen)
	addPurchase(t, s, ids, a.ID, time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC), "12.34 USD", crm.OrderOpen)
	addPurchase(t, s, ids, b.ID, time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC), "5.00 EUR", crm.OrderCancelled)
	cAt := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	addPurchase(t, s, ids, c.ID, cAt, "77 EUR", crm.OrderOpen)
	want = []crm.PurchaseSummary{
		{CustomerID: a.ID, Orders: 5, Days: 3, First: first, Last: last,
			Total: crm.MustMoney("10000000000070.0002", "EUR"), RepeatTotal: crm.MustMoney("10000000000059.9999", "EUR")},
		{CustomerID: a.ID, Orders: 1, Days: 1, First: time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC), Last: time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC),
			Total: crm.MustMoney("12.34", "USD"), RepeatTotal: crm.MustMoney("0", "USD")},
		{CustomerID: c.ID, Orders: 1, Days: 1, First: cAt, Last: cAt,
			Total: crm.MustMoney("77", "EUR"), RepeatTotal: crm.MustMoney("0", "EUR")},
	}
	return a, b, c, d, want
}

func testSummaryValues(t *testing.T, s crm.Store) {
	_, _, _, _, want := summaryFixture(t, s)
	got, next, err := s.PurchaseSummaries(t.Context(), crm.PurchaseSummaryFilter{AsOf: summaryAsOf})
	require.NoError(t, err)
	assert.Empty(t, next, "one page holds everything")
	require.Len(t, got, len(want), "summaries of A (EUR, USD) and C; none for B (cancelled) or D (no orders)")
	for i := range want {
		assertSummary(t, want[i], got[i], "summary %d", i)
	}
	// An earlier as-of leaves out what came later.
	got, _, err = s.PurchaseSummaries(t.Context(), crm.PurchaseSummaryFilter{AsOf: time.Date(2024, 3, 5, 13, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, 3, got[0].Orders)
	assert.Equal(t, 2, got[0].Days)
	assert.True(t, got[0].Total.Equal(crm.MustMoney("50.0003", "EUR")), "Total %v", got[0].Total)
	assert.True(t, got[0].RepeatTotal.Equal(crm.MustMoney("40.00", "EUR")), "RepeatTotal %v", got[0].RepeatTotal)
	err = s.RunInTx(t.Context(), func(tx crm.Store) error {
		got, _, err := tx.PurchaseSummaries(t.Context(), crm.PurchaseSummaryFilter{AsOf: summaryAsOf})
		require.NoError(t, err, "PurchaseSummaries inside a transaction")
		assert.Len(t, got, len(want))
		return nil
	})
	require.NoError(t, err)
}

func testSummaryFilter(t *testing.T, s crm.Store) {
	a, b, c, d, want := summaryFixture(t, s)
	cases := []struct {
		name string
		f    crm.PurchaseSummaryFilter
		want []crm.PurchaseSummary
	}{
		{"Currency", crm.PurchaseSummaryFilter{Currency: "USD"}, want[1:2]},
		{"CustomerIDs", crm.PurchaseSummaryFilter{CustomerIDs: []string{d.ID, c.ID, b.ID, "no-such-customer"}}, want[2:]},
		{"CustomerIDs/Currency", crm.PurchaseSummaryFilter{CustomerIDs: []string{a.ID, c.ID}, Currency: "EUR"}, []crm.PurchaseSummary{want[0], want[2]}},
		{"After", crm.PurchaseSummaryFilter{After: crm.Cursor(a.ID)}, want[2:]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.AsOf = summaryAsOf
			got := allSummaries(t, s, tc.f)
			require.Len(t, got, len(tc.want))
			for i := range tc.want {
				assertSummary(t, tc.want[i], got[i], "summary %d", i)
			}
		})
	}
}

func testSummaryPaginate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	at := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range 7 {
		cu := newCustomer(ids, "P")
		mustCreateCustomer(t, s, cu)
		if i == 3 {
			continue // no orders
		}
		for j := range i + 1 {
			addPurchase(t, s, ids, cu.ID, at.Add(time.Duration(j*i)*time.Hour), "1.10 EUR", crm.OrderOpen)
		}
		if i%2 == 0 {
			addPurchase(t, s, ids, cu.ID, at, "3 GBP", crm.OrderOpen)
		}
	}
	whole, next, err := s.PurchaseSummaries(t.Context(), crm.PurchaseSummaryFilter{AsOf: summaryAsOf})
	require.NoError(t, err)
	require.Empty(t, next)
	require.Len(t, whole, 10, "6 customers with orders, 4 of them in GBP too")
	for limit := 1; limit <= 4; limit++ {
		page, _, err := s.PurchaseSummaries(t.Context(), crm.PurchaseSummaryFilter{AsOf: summaryAsOf, Limit: limit})
		require.NoError(t, err)
		customers := map[string]bool{}
		for _, p := range page {
			customers[p.CustomerID] = true
		}
		assert.Len(t, customers, limit, "Limit %d counts customers", limit)
		got := allSummaries(t, s, crm.PurchaseSummaryFilter{AsOf: summaryAsOf, Limit: limit})
		require.Len(t, got, len(whole), "Limit %d", limit)
		for i := range whole {
			assertSummary(t, whole[i], got[i], "Limit %d, summary %d", limit, i)
		}
	}
}

func testSummaryInvalid(t *testing.T, s crm.Store) {
	_, _, err := s.PurchaseSummaries(t.Context(), crm.PurchaseSummaryFilter{})
	assert.ErrorIs(t, err, crm.ErrInvalid, "zero AsOf")
	_, _, err = s.PurchaseSummaries(t.Context(), crm.PurchaseSummaryFilter{AsOf: summaryAsOf, Limit: -1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "negative Limit")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err = s.PurchaseSummaries(ctx, crm.PurchaseSummaryFilter{AsOf: summaryAsOf})
	assert.ErrorIs(t, err, context.Canceled)
}
