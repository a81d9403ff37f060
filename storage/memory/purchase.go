package memory

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// PurchaseSummaries returns one page of the purchase summaries f selects,
// as [crm.OrderStore] specifies: customers are visited in ID order from
// the cursor on (with f.CustomerIDs, each found by binary search), and
// each one's summary is read from the purchase index, which every order
// write keeps: O(1) when all of a customer's orders precede f.AsOf,
// O(log k + k) over contiguous integers for k orders otherwise.
func (s *Store) PurchaseSummaries(ctx context.Context, f crm.PurchaseSummaryFilter) ([]crm.PurchaseSummary, crm.Cursor, error) {
	s = s.in(ctx)
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
	before := ceilMicros(f.AsOf)
	if err := s.lock(false); err != nil {
		return nil, "", err
	}
	defer s.unlock(false)
	x := &s.d.sorted
	want, filter := uint32(0), f.Currency != ""
	if filter {
		no, ok := x.currencyNo[f.Currency]
		if !ok {
			return nil, "", nil // no order in that currency
		}
		want = no
	}
	// pos returns the position in x of the k-th customer to visit, or
	// -1 if there is no such customer.
	visit, start := x.ids, startAfter(x.ids, f.After)
	pos := func(k int) int { return k }
	if ids != nil {
		visit, start = ids, startAfter(ids, f.After)
		pos = func(k int) int {
			if i, found := slices.BinarySearch(x.ids, ids[k]); found {
				return i
			}
			return -1
		}
	}
	out := make([]crm.PurchaseSummary, 0, min(limit+1, len(visit)-start)) // and the first of the next page
	customers, last := 0, ""
	for k := start; k < len(visit); k++ {
		if (k-start)&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, "", fmt.Errorf("memory: %s: %w", op, err)
			}
		}
		i := pos(k)
		if i < 0 || len(x.purchases[i].ps) == 0 {
			continue
		}
		mark := len(out)
		if out = x.appendSummaries(out, x.ids[i], &x.purchases[i], before, filter, want); len(out) == mark {
			continue
		}
		if customers == limit {
			return out[:mark], crm.Cursor(last), nil
		}
		customers, last = customers+1, x.ids[i]
	}
	return out, "", nil
}

// customerIndex holds the customers in ascending ID order and, beside
// each, the purchase index of its orders: those that count towards
// purchase summaries (not [crm.OrderCancelled]) as the integers a summary
// adds, with their running tally. So a listing walks contiguous memory
// in customer order, and when the as-of instant follows a customer's
// last order, as it does for a summary taken now, it reads the tally and
// touches nothing else: no order, no map, no decimal per order. Every
// write of an order, its undoing included, keeps the index, through
// [childIndex].
type customerIndex struct {
	ids []string // the keys of data.customers, ascending
	// purchases[i] are the purchases of customer ids[i].
	purchases []customerPurchases
	// currencies are the currency codes of the purchases by number,
	// currencyNo their numbers: each code seen gets one for the life
	// of the store.
	currencies []string
	currencyNo map[string]uint32
}

var _ childIndex[crm.Order] = (*customerIndex)(nil)

// customerPurchases is one customer's part of the purchase index.
type customerPurchases struct {
	// ps are the purchases, ascending by currency code, OrderedAt and
	// order ID.
	ps []purchase
	// all is the tally of every purchase of ps. It is usable (ok) when
	// they are all in one currency and their sums fit.
	all tally
}

// purchase is one counting order, as a summary needs it.
type purchase struct {
	at       int64      // OrderedAt in Unix microseconds
	amount   int64      // Total in ten-thousandths, or noAmount if that is not exact or too large
	day      int32      // the UTC calendar date of OrderedAt, in days from 1970-01-01
	currency uint32     // the number of the order's currency
	order    *crm.Order // the stored record
}

// noAmount marks a purchase whose amount is not held as an int64: the
// summary adds the order's decimal Total instead.
const noAmount = math.MinInt64

// tally is what a purchase summary adds up over purchases in one
// currency taken in time order, amounts in ten-thousandths.
type tally struct {
	first, last       int64 // the first and the last purchase's times, in µs
	total, repeat     int64 // the sum of all amounts, and of those after the first day's
	orders, days      int   // the purchases and the distinct days
	firstDay, lastDay int32
	currency          uint32
	// ok reports that the sums are exact: every purchase was in
	// currency with an amount held as an int64, and no sum has left
	// the safe range.
	ok bool
}

// add counts p, which follows every purchase counted so far in time.
func (t *tally) add(p *purchase) {
	if t.orders == 0 {
		*t = tally{first: p.at, firstDay: p.day, lastDay: p.day, days: 1, currency: p.currency, ok: true}
	} else if p.day != t.lastDay {
		t.days, t.lastDay = t.days+1, p.day
	}
	t.orders, t.last = t.orders+1, p.at
	if p.amount == noAmount || p.currency != t.currency || t.total > maxSafe || t.total < -maxSafe || t.repeat > maxSafe || t.repeat < -maxSafe {
		t.ok = false
	}
	t.total += p.amount
	if p.day != t.firstDay {
		t.repeat += p.amount
	}
}

// summary returns the summary of customer that t, which is ok, adds up
// to, in currency.
func (t *tally) summary(customer, currency string) crm.PurchaseSummary {
	return crm.PurchaseSummary{
		CustomerID: customer, Orders: t.orders, Days: t.days,
		First: time.UnixMicro(t.first).UTC(), Last: time.UnixMicro(t.last).UTC(),
		Total:       crm.Money{Amount: decimal.New(t.total, -4), Currency: currency},
		RepeatTotal: crm.Money{Amount: decimal.New(t.repeat, -4), Currency: currency},
	}
}

// retally recounts c.all over every purchase.
func (c *customerPurchases) retally() {
	c.all = tally{}
	for i := range c.ps {
		c.all.add(&c.ps[i])
	}
}

// insert adds the ID of a new customer, without purchases.
func (x *customerIndex) insert(id string) {
	i, _ := slices.BinarySearch(x.ids, id)
	x.ids = slices.Insert(x.ids, i, id)
	x.purchases = slices.Insert(x.purchases, i, customerPurchases{})
}

// merge adds the ascending IDs of new customers, without purchases. IDs
// that sort after every stored one, the usual case, are appended.
func (x *customerIndex) merge(ids []string) {
	if len(ids) == 0 {
		return
	}
	if n := len(x.ids); n == 0 || x.ids[n-1] < ids[0] {
		x.ids = append(x.ids, ids...)
		x.purchases = append(x.purchases, make([]customerPurchases, len(ids))...)
		return
	}
	outIDs := make([]string, 0, len(x.ids)+len(ids))
	outPs := make([]customerPurchases, 0, len(x.ids)+len(ids))
	i := 0
	for _, id := range ids {
		for ; i < len(x.ids) && x.ids[i] < id; i++ {
			outIDs, outPs = append(outIDs, x.ids[i]), append(outPs, x.purchases[i])
		}
		outIDs, outPs = append(outIDs, id), append(outPs, customerPurchases{})
	}
	x.ids, x.purchases = append(outIDs, x.ids[i:]...), append(outPs, x.purchases[i:]...)
}

// remove drops the ID of a customer being removed, whose orders are gone.
func (x *customerIndex) remove(id string) {
	if i, found := slices.BinarySearch(x.ids, id); found {
		x.ids = slices.Delete(x.ids, i, i+1)
		x.purchases = slices.Delete(x.purchases, i, i+1)
	}
}

// of returns the purchases of customer id. It panics if there is no such
// customer: a stored order always has one.
func (x *customerIndex) of(id string) *customerPurchases {
	i, found := slices.BinarySearch(x.ids, id)
	if !found {
		panic(fmt.Sprintf("memory: purchase index: no customer %s", id))
	}
	return &x.purchases[i]
}

// counts reports whether o counts towards purchase summaries at all.
func counts(o *crm.Order) bool {
	return o != nil && o.Status != crm.OrderCancelled && o.CustomerID != ""
}

// replace records that the stored order old (nil if there was none) is
// now cur (nil if it is gone).
func (x *customerIndex) replace(old, cur *crm.Order) {
	switch in, out := counts(cur), counts(old); {
	case in && out && samePurchase(old, cur):
		c := x.of(old.CustomerID)
		c.ps[x.find(c.ps, old)].order = cur
	default:
		if out {
			x.drop(old)
		}
		if in {
			x.add(cur)
		}
	}
}

// samePurchase reports whether the counting orders a and b have the same
// entry in the index.
func samePurchase(a, b *crm.Order) bool {
	return a.CustomerID == b.CustomerID && a.Currency() == b.Currency() && a.OrderedAt.Equal(b.OrderedAt) &&
		a.Total.Amount.Equal(b.Total.Amount) && a.Total.Amount.Exponent() == b.Total.Amount.Exponent()
}

// move records that the orders of customer fromID now belong to toID and
// are the records of byID with their IDs, with the same times and
// amounts as before.
func (x *customerIndex) move(fromID, toID string, byID map[string]*crm.Order) {
	if _, found := slices.BinarySearch(x.ids, fromID); !found {
		return // no such customer, so no orders to move
	}
	from := x.of(fromID)
	for i := range from.ps {
		p := &from.ps[i]
		p.order = byID[p.order.ID]
	}
	if fromID == toID || len(from.ps) == 0 {
		return
	}
	to := x.of(toID)
	to.ps = mergeSortedFunc(to.ps, from.ps, x.compare)
	to.retally()
	*from = customerPurchases{}
}

// add indexes the counting order o.
func (x *customerIndex) add(o *crm.Order) {
	c := x.of(o.CustomerID)
	p := x.newPurchase(o)
	if n := len(c.ps); n == 0 || x.compare(c.ps[n-1], p) < 0 {
		c.ps = append(c.ps, p) // orders usually arrive in time order
		c.all.add(&c.ps[n])
		return
	}
	j, _ := slices.BinarySearchFunc(c.ps, p, x.compare)
	c.ps = slices.Insert(c.ps, j, p)
	c.retally()
}

// drop removes the indexed counting order o.
func (x *customerIndex) drop(o *crm.Order) {
	c := x.of(o.CustomerID)
	j := x.find(c.ps, o)
	if c.ps = slices.Delete(c.ps, j, j+1); len(c.ps) == 0 {
		c.ps = nil
	}
	c.retally()
}

// find returns the position in ps of the indexed order o. It panics if o
// is not there: the index would be out of step with the orders.
func (x *customerIndex) find(ps []purchase, o *crm.Order) int {
	key := purchase{at: o.OrderedAt.UnixMicro(), currency: x.currencyNo[o.Currency()], order: o}
	j, found := slices.BinarySearchFunc(ps, key, x.compare)
	if !found {
		panic(fmt.Sprintf("memory: purchase index lacks order %s", o.ID))
	}
	return j
}

// compare orders purchases by currency code, OrderedAt and order ID.
func (x *customerIndex) compare(a, b purchase) int {
	if a.currency != b.currency {
		return strings.Compare(x.currencies[a.currency], x.currencies[b.currency])
	}
	if a.at != b.at {
		return cmp.Compare(a.at, b.at)
	}
	return strings.Compare(a.order.ID, b.order.ID)
}

// newPurchase returns the index entry of the counting order o, numbering
// its currency if it is new.
func (x *customerIndex) newPurchase(o *crm.Order) purchase {
	cur := o.Currency()
	no, ok := x.currencyNo[cur]
	if !ok {
		no = uint32(len(x.currencies))
		x.currencies = append(x.currencies, cur)
		x.currencyNo[cur] = no
	}
	v, ok := scaled(o.Total.Amount)
	if !ok {
		v = noAmount
	}
	return purchase{at: o.OrderedAt.UnixMicro(), amount: v, day: int32(utcDay(o.OrderedAt)), currency: no, order: o}
}

// appendSummaries appends to out the summaries of customer, whose
// purchases are c, as of the microsecond before: one per currency (only
// the currency numbered want if filter is set) with orders placed before
// it.
func (x *customerIndex) appendSummaries(out []crm.PurchaseSummary, customer string, c *customerPurchases, before int64, filter bool, want uint32) []crm.PurchaseSummary {
	if t := &c.all; t.ok {
		switch {
		case filter && t.currency != want:
			return out
		case t.last < before: // every purchase counts: the tally is the summary
			return append(out, t.summary(customer, x.currencies[t.currency]))
		}
	}
	for ps := c.ps; len(ps) > 0; {
		cur := ps[0].currency
		g := len(ps) // the purchases in cur
		if ps[g-1].currency != cur {
			g = sort.Search(g, func(i int) bool { return ps[i].currency != cur })
		}
		if !filter || cur == want {
			if n := counted(ps[:g], before); n > 0 {
				out = append(out, summarise(customer, x.currencies[cur], ps[:n]))
			}
		}
		ps = ps[g:]
	}
	return out
}

// counted returns how many of the time-ordered ps were placed before the
// microsecond before.
func counted(ps []purchase, before int64) int {
	if ps[len(ps)-1].at < before {
		return len(ps)
	}
	n, _ := slices.BinarySearchFunc(ps, before, func(p purchase, t int64) int { return cmp.Compare(p.at, t) })
	return n
}

// summarise returns the summary of ps, the purchases of customer in
// currency, at least one, in time order. Amounts are added as int64
// ten-thousandths while every one fits (the amounts a Client stores
// have at most four decimal places), as decimals otherwise: exact
// either way.
func summarise(customer, currency string, ps []purchase) crm.PurchaseSummary {
	var t tally
	for i := range ps {
		t.add(&ps[i])
	}
	if t.ok {
		return t.summary(customer, currency)
	}
	s := t.summary(customer, currency)
	sum, rep := decimal.Zero, decimal.Zero
	for _, p := range ps {
		sum = sum.Add(p.order.Total.Amount)
		if p.day != t.firstDay {
			rep = rep.Add(p.order.Total.Amount)
		}
	}
	s.Total.Amount, s.RepeatTotal.Amount = sum, rep
	return s
}

// ceilMicros returns the first Unix microsecond not before t, held
// within the int64 range.
func ceilMicros(t time.Time) int64 {
	const bound = math.MaxInt64/1_000_000 - 1
	switch sec := t.Unix(); {
	case sec > bound:
		return math.MaxInt64
	case sec < -bound:
		return math.MinInt64
	}
	us := t.UnixMicro()
	if t.Nanosecond()%1000 != 0 {
		us++
	}
	return us
}

// maxSafe bounds the int64 sums of summary: two values below it add
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
	s = s.in(ctx)
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
	for i, id := range s.d.sorted.ids {
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
