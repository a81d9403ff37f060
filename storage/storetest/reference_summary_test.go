package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// The reference store's purchase summaries: a scan of every order,
// grouped in maps, days told apart by their UTC date text.

func (s *refStore) PurchaseSummaries(ctx context.Context, f crm.PurchaseSummaryFilter) ([]crm.PurchaseSummary, crm.Cursor, error) {
	if f.Limit < 0 || f.AsOf.IsZero() {
		return nil, "", fmt.Errorf("ref: purchase summaries: %w", crm.ErrInvalid)
	}
	limit := f.Limit
	if limit == 0 {
		limit = crm.DefaultPageLimit
	}
	limit = min(limit, crm.MaxPageLimit)
	type key struct{ customer, currency string }
	type acc struct {
		orders      int
		first, last time.Time
		days        map[string]decimal.Decimal
	}
	accs := map[key]*acc{}
	err := s.do(ctx, func(st *refState) error {
		for _, o := range st.orders {
			cur := o.Total.Currency
			if cur == "" {
				cur = o.Paid.Currency
			}
			switch {
			case o.Status == crm.OrderCancelled && !s.is("summary-counts-cancelled"),
				!o.OrderedAt.Before(f.AsOf),
				f.Currency != "" && cur != f.Currency,
				len(f.CustomerIDs) > 0 && !slices.Contains(f.CustomerIDs, o.CustomerID),
				f.After != "" && o.CustomerID <= string(f.After):
				continue
			}
			k := key{o.CustomerID, cur}
			a := accs[k]
			if a == nil {
				a = &acc{first: o.OrderedAt, last: o.OrderedAt, days: map[string]decimal.Decimal{}}
				accs[k] = a
			}
			a.orders++
			if o.OrderedAt.Before(a.first) {
				a.first = o.OrderedAt
			}
			if o.OrderedAt.After(a.last) {
				a.last = o.OrderedAt
			}
			at := o.OrderedAt
			if !s.is("summary-local-days") {
				at = at.UTC()
			} else {
				at = at.In(time.FixedZone("", 5*3600))
			}
			day := at.Format(time.DateOnly)
			a.days[day] = a.days[day].Add(o.Total.Amount)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	keys := slices.SortedFunc(maps.Keys(accs), func(a, b key) int {
		if c := strings.Compare(a.customer, b.customer); c != 0 {
			return c
		}
		return strings.Compare(a.currency, b.currency)
	})
	var out []crm.PurchaseSummary
	customers := 0
	for i, k := range keys {
		if i == 0 || keys[i-1].customer != k.customer {
			if customers == limit {
				return out, crm.Cursor(keys[i-1].customer), nil
			}
			customers++
		}
		a := accs[k]
		days := slices.Sorted(maps.Keys(a.days))
		total, repeat := decimal.Zero, decimal.Zero
		for j, d := range days {
			total = total.Add(a.days[d])
			if j > 0 {
				repeat = repeat.Add(a.days[d])
			}
		}
		out = append(out, crm.PurchaseSummary{
			CustomerID: k.customer, Orders: a.orders, Days: len(days), First: a.first, Last: a.last,
			Total:       crm.Money{Amount: total, Currency: k.currency},
			RepeatTotal: crm.Money{Amount: repeat, Currency: k.currency},
		})
	}
	return out, "", nil
}
