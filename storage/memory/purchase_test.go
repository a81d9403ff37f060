package memory_test

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// errRollback makes RunInTx undo a transaction.
var errRollback = errors.New("roll back")

// purchaseWorld drives random order writes against a store and knows
// what the purchase summaries must be.
type purchaseWorld struct {
	tb        testing.TB
	s         crm.Store
	rng       *rand.Rand
	customers []string
	nextOrder int
}

// purchaseBase is the earliest order time of the random writes; orders
// fall within ten days of it, so many share a day and some an instant.
var purchaseBase = time.Date(2025, 6, 1, 22, 0, 0, 0, time.UTC)

func (w *purchaseWorld) randomTime() time.Time {
	switch w.rng.IntN(4) {
	case 0: // an instant others share
		return purchaseBase.Add(time.Duration(w.rng.IntN(10)) * 12 * time.Hour)
	case 1: // in a zone east of UTC, with nanoseconds the store drops
		return purchaseBase.Add(time.Duration(w.rng.Int64N(int64(240 * time.Hour)))).In(time.FixedZone("X", 5*3600))
	}
	return purchaseBase.Add(time.Duration(w.rng.Int64N(240*3600)) * time.Second)
}

func (w *purchaseWorld) randomTotal() crm.Money {
	cur := []string{"EUR", "EUR", "EUR", "USD", "JPY"}[w.rng.IntN(5)]
	var amount decimal.Decimal
	switch w.rng.IntN(10) {
	case 0: // more places than ten-thousandths
		amount = decimal.New(w.rng.Int64N(1e9), -7)
	case 1: // too large for int64 ten-thousandths
		amount = decimal.New(w.rng.Int64N(1e9), 0).Mul(decimal.New(1, 12))
	case 2:
		amount = decimal.New(0, -2)
	case 3: // a negative total, such as a credit
		amount = decimal.New(-w.rng.Int64N(1e5), -2)
	default:
		amount = decimal.New(w.rng.Int64N(1e7), -int32(w.rng.IntN(5)))
	}
	return crm.Money{Amount: amount, Currency: cur}
}

func (w *purchaseWorld) randomStatus() crm.OrderStatus {
	return []crm.OrderStatus{crm.OrderOpen, crm.OrderConfirmed, crm.OrderFulfilled, crm.OrderCancelled}[w.rng.IntN(4)]
}

func (w *purchaseWorld) customer() string { return w.customers[w.rng.IntN(len(w.customers))] }

// addCustomers creates n customers with IDs anywhere among the others,
// one by one or in one batch.
func (w *purchaseWorld) addCustomers(s crm.Store, n int) []string {
	var ids []string
	var batch []*crm.Customer
	for range n {
		id := fmt.Sprintf("c%04d", w.rng.IntN(10_000))
		if slices.Contains(w.customers, id) || slices.Contains(ids, id) {
			continue
		}
		ids = append(ids, id)
		batch = append(batch, &crm.Customer{ID: id, Kind: crm.KindPerson, Name: id, Version: 1})
	}
	if w.rng.IntN(2) == 0 {
		require.NoError(w.tb, s.CreateCustomers(w.tb.Context(), batch))
	} else {
		for _, c := range batch {
			require.NoError(w.tb, s.CreateCustomer(w.tb.Context(), c))
		}
	}
	return ids
}

// step makes one random write on s, which is the store or a transaction
// on it, and reports the customers it created.
func (w *purchaseWorld) step(s crm.Store) []string {
	ctx := w.tb.Context()
	switch op := w.rng.IntN(10); {
	case op < 5 || w.nextOrder == 0:
		w.nextOrder++
		o := &crm.Order{ID: fmt.Sprintf("o%05d", w.rng.IntN(100_000)), CustomerID: w.customer(), Status: w.randomStatus(),
			Total: w.randomTotal(), OrderedAt: w.randomTime(), Version: 1}
		if err := s.CreateOrder(ctx, o); err != nil {
			require.ErrorIs(w.tb, err, crm.ErrDuplicate)
		}
	case op < 8:
		page, _, err := s.FindOrders(ctx, crm.OrderFilter{CustomerIDs: []string{w.customer()}})
		require.NoError(w.tb, err)
		if len(page) == 0 {
			return nil
		}
		o := page[w.rng.IntN(len(page))]
		switch w.rng.IntN(5) {
		case 0:
			o.Status = w.randomStatus()
		case 1:
			o.OrderedAt = w.randomTime()
		case 2:
			o.Total = w.randomTotal()
		case 3:
			o.CustomerID = w.customer()
		default: // a write that changes nothing a summary reads
			o.Paid = o.Total
		}
		require.NoError(w.tb, s.UpdateOrder(ctx, o))
	case op < 9:
		_, err := s.MoveOrders(ctx, w.customer(), w.customer(), purchaseBase, "merge")
		require.NoError(w.tb, err)
	default:
		return w.addCustomers(s, 1+w.rng.IntN(3))
	}
	return nil
}

// run makes n random writes, some inside transactions that commit or
// roll back (nested ones too).
func (w *purchaseWorld) run(n int) {
	ctx := w.tb.Context()
	for i := 0; i < n; i++ {
		if w.rng.IntN(8) != 0 {
			w.customers = append(w.customers, w.step(w.s)...)
			continue
		}
		commit := w.rng.IntN(2) == 0
		var added []string
		err := w.s.RunInTx(ctx, func(tx crm.Store) error {
			for range 1 + w.rng.IntN(6) {
				added = append(added, w.step(tx)...)
				if w.rng.IntN(4) == 0 {
					err := tx.RunInTx(ctx, func(inner crm.Store) error {
						w.step(inner)
						return errRollback
					})
					require.ErrorIs(w.tb, err, errRollback)
				}
			}
			w.check(tx)
			if !commit {
				return errRollback
			}
			return nil
		})
		if commit {
			require.NoError(w.tb, err)
			w.customers = append(w.customers, added...)
		} else {
			require.ErrorIs(w.tb, err, errRollback)
		}
		i += 5
	}
}

// check compares the summaries s lists, for several as-of instants,
// currencies, customer sets and page sizes, with those recomputed from
// every order s holds.
func (w *purchaseWorld) check(s crm.Store) {
	w.tb.Helper()
	ctx := w.tb.Context()
	var orders []*crm.Order
	f := crm.OrderFilter{Limit: crm.MaxPageLimit}
	for {
		page, next, err := s.FindOrders(ctx, f)
		require.NoError(w.tb, err)
		orders = append(orders, page...)
		if next == "" {
			break
		}
		f.After = next
	}
	asOfs := []time.Time{
		purchaseBase.Add(1000 * time.Hour),                                    // after every order
		purchaseBase.Add(-time.Hour),                                          // before every order
		purchaseBase.Add(24 * time.Hour),                                      // an instant orders share: those at it do not count
		purchaseBase.Add(time.Duration(w.rng.Int64N(int64(240 * time.Hour)))), // anywhere
	}
	for _, asOf := range asOfs {
		for _, cur := range []string{"", "EUR", "JPY", "GBP"} {
			want := bruteSummaries(orders, asOf, cur, nil)
			got := listSummaries(w.tb, s, crm.PurchaseSummaryFilter{AsOf: asOf, Currency: cur, Limit: 1 + w.rng.IntN(4)})
			requireSummariesEqual(w.tb, want, got, fmt.Sprintf("as of %v in %q", asOf, cur))
		}
		ids := []string{w.customer(), w.customer(), "nobody"}
		want := bruteSummaries(orders, asOf, "", ids)
		got := listSummaries(w.tb, s, crm.PurchaseSummaryFilter{AsOf: asOf, CustomerIDs: ids, Limit: 1})
		requireSummariesEqual(w.tb, want, got, fmt.Sprintf("as of %v for %v", asOf, ids))
	}
}

// listSummaries reads every page of the summaries f selects.
func listSummaries(tb testing.TB, s crm.Store, f crm.PurchaseSummaryFilter) []crm.PurchaseSummary {
	tb.Helper()
	var all []crm.PurchaseSummary
	for {
		page, next, err := s.PurchaseSummaries(tb.Context(), f)
		require.NoError(tb, err)
		all = append(all, page...)
		if next == "" {
			return all
		}
		f.After = next
	}
}

// bruteSummaries computes the purchase summaries of orders as of asOf,
// in currency cur (any if ""), of the customers ids (all if nil), from
// the definition: one decimal addition per order.
func bruteSummaries(orders []*crm.Order, asOf time.Time, cur string, ids []string) []crm.PurchaseSummary {
	type key struct{ customer, currency string }
	groups := map[key][]*crm.Order{}
	for _, o := range orders {
		if o.Status == crm.OrderCancelled || !o.OrderedAt.Before(asOf) || cur != "" && o.Currency() != cur ||
			ids != nil && !slices.Contains(ids, o.CustomerID) {
			continue
		}
		k := key{o.CustomerID, o.Currency()}
		groups[k] = append(groups[k], o)
	}
	var out []crm.PurchaseSummary
	for k, os := range groups {
		slices.SortFunc(os, func(a, b *crm.Order) int { return a.OrderedAt.Compare(b.OrderedAt) })
		day := func(o *crm.Order) string { return o.OrderedAt.UTC().Format(time.DateOnly) }
		s := crm.PurchaseSummary{CustomerID: k.customer, Orders: len(os), First: os[0].OrderedAt, Last: os[len(os)-1].OrderedAt,
			Total: crm.Money{Amount: decimal.Zero, Currency: k.currency}, RepeatTotal: crm.Money{Amount: decimal.Zero, Currency: k.currency}}
		days := map[string]bool{}
		for _, o := range os {
			days[day(o)] = true
			s.Total.Amount = s.Total.Amount.Add(o.Total.Amount)
			if day(o) != day(os[0]) {
				s.RepeatTotal.Amount = s.RepeatTotal.Amount.Add(o.Total.Amount)
			}
		}
		s.Days = len(days)
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b crm.PurchaseSummary) int {
		return cmp.Or(cmp.Compare(a.CustomerID, b.CustomerID), cmp.Compare(a.Total.Currency, b.Total.Currency))
	})
	return out
}

// requireSummariesEqual compares summaries field by field, money and
// times by value; what names the listing in failures.
func requireSummariesEqual(tb testing.TB, want, got []crm.PurchaseSummary, what string) {
	tb.Helper()
	require.Equal(tb, len(want), len(got), what)
	for i := range want {
		w, g := want[i], got[i]
		ok := w.CustomerID == g.CustomerID && w.Orders == g.Orders && w.Days == g.Days &&
			w.First.Equal(g.First) && w.Last.Equal(g.Last) && g.First.Location() == time.UTC && g.Last.Location() == time.UTC &&
			w.Total.Equal(g.Total) && w.RepeatTotal.Equal(g.RepeatTotal)
		if !ok {
			require.Failf(tb, "summaries differ", "%s, #%d: want %+v, got %+v", what, i, w, g)
		}
	}
}

// TestPurchaseSummariesRandomWrites checks the purchase index against
// the definition after random creates, updates, moves and transactions
// that commit or roll back, in several seeded runs.
func TestPurchaseSummariesRandomWrites(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			w := &purchaseWorld{tb: t, s: newStore(t), rng: rand.New(rand.NewPCG(seed, 7))}
			w.customers = w.addCustomers(w.s, 6)
			for range 30 {
				w.run(12)
				w.check(w.s)
			}
		})
	}
}

// TestPurchaseSummariesAfterClose checks that a closed store fails
// instead of reading a dropped index.
func TestPurchaseSummariesAfterClose(t *testing.T) {
	s := memory.New()
	require.NoError(t, s.Close())
	_, _, err := s.PurchaseSummaries(t.Context(), crm.PurchaseSummaryFilter{AsOf: purchaseBase})
	assert.ErrorIs(t, err, memory.ErrClosed)
}
