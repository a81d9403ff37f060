package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// PurchaseSummaries returns one page of the purchase summaries f selects,
// as [crm.OrderStore] specifies: customers are visited in ID order from
// the cursor on, and each one's orders in one pass through the
// per-customer index, O(k log k) for k orders. Customers without orders
// cost a map lookup each.
func (s *Store) PurchaseSummaries(ctx context.Context, f crm.PurchaseSummaryFilter) ([]crm.PurchaseSummary, crm.Cursor, error) {
	const op = "purchase summaries"
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memory: %s: %w", op, err)
	}
	if f.AsOf.IsZero() {
		return nil, "", fmt.Errorf("memory: %s: as-of time required: %w", op, crm.ErrInvalid)
	}
	limit, err := pageLimit(op, f.Limit)
	if err != nil {
		return nil, "", err
	}
	var ids []string
	if len(f.CustomerIDs) > 0 {
		ids = slices.Clone(f.CustomerIDs)
		slices.Sort(ids)
		ids = slices.Compact(ids)
	}
	if err := s.lock(false); err != nil {
		return nil, "", err
	}
	defer s.unlock(false)
	t := &s.d.orders
	if ids == nil {
		ids = s.d.customerIDs
	}
	var out []crm.PurchaseSummary
	var tally []purchaseTally
	customers, last := 0, ""
	for i := startAfter(ids, f.After); i < len(ids); i++ {
		if i&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, "", fmt.Errorf("memory: %s: %w", op, err)
			}
		}
		tally = tally[:0]
		for _, oid := range t.of[ids[i]] {
			o := t.byID[oid]
			cur := orderCurrency(o)
			if o.Status == crm.OrderCancelled || !o.OrderedAt.Before(f.AsOf) || f.Currency != "" && cur != f.Currency {
				continue
			}
			tally = append(tally, purchaseTally{currency: cur, at: o.OrderedAt, amount: o.Total.Amount})
		}
		if len(tally) == 0 {
			continue
		}
		if customers == limit {
			return out, crm.Cursor(last), nil
		}
		customers, last = customers+1, ids[i]
		out = appendSummaries(out, ids[i], tally)
	}
	return out, "", nil
}

// purchaseTally is one counted order, as a summary needs it.
type purchaseTally struct {
	currency string
	at       time.Time
	amount   decimal.Decimal
}

// appendSummaries appends to out the summaries, one per currency in
// ascending order, of customer's counted orders ts, which it sorts.
func appendSummaries(out []crm.PurchaseSummary, customer string, ts []purchaseTally) []crm.PurchaseSummary {
	slices.SortFunc(ts, func(a, b purchaseTally) int {
		return cmp.Or(cmp.Compare(a.currency, b.currency), a.at.Compare(b.at))
	})
	var sum *crm.PurchaseSummary
	var day int64
	for _, o := range ts {
		d := utcDay(o.at)
		if sum == nil || sum.Total.Currency != o.currency {
			out = append(out, crm.PurchaseSummary{
				CustomerID:  customer,
				First:       o.at,
				Total:       crm.Money{Amount: decimal.Zero, Currency: o.currency},
				RepeatTotal: crm.Money{Amount: decimal.Zero, Currency: o.currency},
			})
			sum = &out[len(out)-1]
		} else if d != day {
			sum.Days++
		}
		if sum.Orders == 0 {
			sum.Days = 1
		} else if sum.Days > 1 {
			sum.RepeatTotal.Amount = sum.RepeatTotal.Amount.Add(o.amount)
		}
		day = d
		sum.Orders++
		sum.Last = o.at
		sum.Total.Amount = sum.Total.Amount.Add(o.amount)
	}
	return out
}

// utcDay returns the number of the UTC calendar date of t, counting days
// from 1970-01-01.
func utcDay(t time.Time) int64 {
	sec := t.Unix()
	d := sec / 86400
	if sec%86400 < 0 {
		d--
	}
	return d
}
