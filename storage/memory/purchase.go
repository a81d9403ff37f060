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
			cur := o.Currency()
			if o.Status == crm.OrderCancelled || !o.OrderedAt.Before(f.AsOf) || f.Currency != "" && cur != f.Currency {
				continue
			}
			tally = append(tally, purchaseTally{currency: cur, at: o.OrderedAt.UnixMicro(), order: o})
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
	at       int64 // UnixMicro of OrderedAt
	order    *crm.Order
}

// appendSummaries appends to out the summaries, one per currency in
// ascending order, of customer's counted orders ts, which it sorts.
// Amounts are added as int64 ten-thousandths while every one fits (the
// amounts a Client stores have at most four decimal places), as decimals
// otherwise: exact either way.
func appendSummaries(out []crm.PurchaseSummary, customer string, ts []purchaseTally) []crm.PurchaseSummary {
	slices.SortFunc(ts, func(a, b purchaseTally) int {
		return cmp.Or(cmp.Compare(a.currency, b.currency), cmp.Compare(a.at, b.at))
	})
	for len(ts) > 0 {
		n := 1
		for n < len(ts) && ts[n].currency == ts[0].currency {
			n++
		}
		out = append(out, summarise(customer, ts[:n]))
		ts = ts[n:]
	}
	return out
}

// summarise returns the summary of ts, the counted orders of customer in
// one currency in time order.
func summarise(customer string, ts []purchaseTally) crm.PurchaseSummary {
	cur := ts[0].currency
	var total, repeat int64 // ten-thousandths
	fits := true
	days, day := 0, int64(0)
	for _, t := range ts {
		if d := utcDay(t.order.OrderedAt); days == 0 || d != day {
			days, day = days+1, d
		}
		v, ok := scaled(t.order.Total.Amount)
		if !ok || v > maxSafe || v < -maxSafe || total > maxSafe || total < -maxSafe {
			fits = false
			break
		}
		total += v
		if days > 1 {
			repeat += v
		}
	}
	s := crm.PurchaseSummary{
		CustomerID: customer, Orders: len(ts), Days: days,
		First: ts[0].order.OrderedAt, Last: ts[len(ts)-1].order.OrderedAt,
		Total:       crm.Money{Amount: decimal.New(total, -4), Currency: cur},
		RepeatTotal: crm.Money{Amount: decimal.New(repeat, -4), Currency: cur},
	}
	if fits {
		return s
	}
	sum, rep := decimal.Zero, decimal.Zero
	days = 0
	for _, t := range ts {
		if d := utcDay(t.order.OrderedAt); days == 0 || d != day {
			days, day = days+1, d
		}
		sum = sum.Add(t.order.Total.Amount)
		if days > 1 {
			rep = rep.Add(t.order.Total.Amount)
		}
	}
	s.Total.Amount, s.RepeatTotal.Amount = sum, rep
	return s
}

// maxSafe bounds the int64 sums of summarise: two values below it add
// without overflow.
const maxSafe = 1 << 61

// pow10 holds 10^0 … 10^4.
var pow10 = [...]int64{1, 10, 100, 1000, 10000}

// scaled returns d in whole ten-thousandths if that is exact and well
// within an int64, without allocating.
func scaled(d decimal.Decimal) (int64, bool) {
	exp := d.Exponent()
	if exp < -4 || exp > 0 || d.NumDigits() > 14 {
		return 0, false
	}
	return d.CoefficientInt64() * pow10[exp+4], true
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

// PurchaseCohorts counts customers by acquisition cohort and month, as
// [crm.OrderStore] specifies, with a [crm.CohortCounter]: one pass
// through every customer's orders.
func (s *Store) PurchaseCohorts(ctx context.Context, f crm.PurchaseCohortFilter) ([]crm.CohortCount, error) {
	const op = "purchase cohorts"
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: %s: %w", op, err)
	}
	if f.AsOf.IsZero() {
		return nil, fmt.Errorf("memory: %s: as-of time required: %w", op, crm.ErrInvalid)
	}
	if err := s.lock(false); err != nil {
		return nil, err
	}
	defer s.unlock(false)
	t := &s.d.orders
	var counter crm.CohortCounter
	var placed []time.Time
	for i, id := range s.d.customerIDs {
		if i&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("memory: %s: %w", op, err)
			}
		}
		placed = placed[:0]
		for _, oid := range t.of[id] {
			if o := t.byID[oid]; o.Status != crm.OrderCancelled && o.OrderedAt.Before(f.AsOf) {
				placed = append(placed, o.OrderedAt)
			}
		}
		counter.Add(placed)
	}
	return counter.Counts(), nil
}
