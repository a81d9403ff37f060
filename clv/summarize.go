package clv

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/crmkit/crm"
)

// Time units for [SummaryOptions.Unit] and [Discount.Unit].
const (
	Day  = 24 * time.Hour
	Week = 7 * Day
)

// Transaction is one purchase in a transaction log.
type Transaction struct {
	// CustomerID identifies the buyer; required.
	CustomerID string
	// At is when the purchase was made.
	At time.Time
	// Amount is the value of the purchase, a finite number.
	Amount float64
}

// SummaryOptions says how [Summarize] reads a transaction log.
type SummaryOptions struct {
	// End is the last day of the calibration period: transactions on or
	// before End's calendar day (in Location) are counted, later ones are
	// ignored. Required.
	End time.Time
	// Unit is the time unit of Tx and T, such as [Week] or [Day];
	// required. Day counts are divided by Unit/24h, so Tx and T need not
	// be whole numbers of units.
	Unit time.Duration
	// Location fixes where calendar days begin and end; UTC if nil.
	Location *time.Location
}

// Summarize turns a transaction log into one [Customer] per buyer by the
// Fader–Hardie convention, the one behind the published CDNOW figures and
// Python lifetimes' summary_data_from_transaction_data with freq "D":
//
//   - one purchase period is one calendar day in opts.Location: all of a
//     customer's transactions on the same day are one purchase whose value
//     is their sum;
//   - X is the number of purchase days after the first purchase day;
//   - Tx is the time from the first to the last purchase day, T from the
//     first purchase day to the End day, both in whole days divided by
//     the Unit;
//   - Monetary is the mean value of the repeat purchase days (the first
//     purchase day left out), 0 when X is 0.
//
// Transactions after the End day are ignored, and so are customers whose
// first purchase is after it. The log may be in any order; the result is
// sorted by customer ID. Summarize fails with an error matching
// [crm.ErrInvalid] on a transaction with no customer ID, a zero time or an
// amount that is NaN or infinite, and on missing options.
func Summarize(txs []Transaction, opts SummaryOptions) ([]Customer, error) {
	return SummarizeSeq(func(yield func(Transaction, error) bool) {
		for _, t := range txs {
			if !yield(t, nil) {
				return
			}
		}
	}, opts)
}

// SummarizeSeq is [Summarize] over a stream, such as one read page by page
// from a store; it stops at the first error the stream yields and returns
// it.
func SummarizeSeq(txs iter.Seq2[Transaction, error], opts SummaryOptions) ([]Customer, error) {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	verr := &crm.ValidationError{Entity: "clv summary options"}
	if opts.End.IsZero() {
		verr.Fields = append(verr.Fields, crm.FieldError{Field: "End", Reason: "required"})
	}
	if opts.Unit <= 0 {
		verr.Fields = append(verr.Fields, crm.FieldError{Field: "Unit", Reason: "must be a positive duration"})
	}
	if len(verr.Fields) > 0 {
		return nil, verr
	}
	end := dayNumber(opts.End, loc)
	unitDays := float64(opts.Unit) / float64(Day)

	type rec struct {
		cust   int32
		day    int64
		amount float64
	}
	index := make(map[string]int32)
	var ids []string
	var recs []rec
	n := 0
	for t, err := range txs {
		if err != nil {
			return nil, err
		}
		n++
		if t.CustomerID == "" || t.At.IsZero() || math.IsNaN(t.Amount) || math.IsInf(t.Amount, 0) {
			return nil, badTransaction(n, t)
		}
		day := dayNumber(t.At, loc)
		if day > end {
			continue
		}
		ci, ok := index[t.CustomerID]
		if !ok {
			ci = int32(len(ids))
			index[t.CustomerID] = ci
			ids = append(ids, t.CustomerID)
		}
		recs = append(recs, rec{ci, day, t.Amount})
	}
	slices.SortFunc(recs, func(a, b rec) int {
		if c := cmp.Compare(a.cust, b.cust); c != 0 {
			return c
		}
		return cmp.Compare(a.day, b.day)
	})
	out := make([]Customer, 0, len(ids))
	for i := 0; i < len(recs); {
		ci, first := recs[i].cust, recs[i].day
		last := first
		x := 0
		repeat := 0.0
		for ; i < len(recs) && recs[i].cust == ci; i++ {
			if recs[i].day != last {
				x++
				last = recs[i].day
			}
			if recs[i].day != first {
				repeat += recs[i].amount
			}
		}
		c := Customer{
			ID: ids[ci],
			X:  float64(x),
			Tx: float64(last-first) / unitDays,
			T:  float64(end-first) / unitDays,
		}
		if x > 0 {
			c.Monetary = repeat / float64(x)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Customer) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// badTransaction describes what is wrong with the n-th transaction.
func badTransaction(n int, t Transaction) error {
	verr := &crm.ValidationError{Entity: "clv transaction " + strconv.Itoa(n) + " (customer " + strconv.Quote(t.CustomerID) + ")"}
	if t.CustomerID == "" {
		verr.Fields = append(verr.Fields, crm.FieldError{Field: "CustomerID", Reason: "required"})
	}
	if t.At.IsZero() {
		verr.Fields = append(verr.Fields, crm.FieldError{Field: "At", Reason: "required"})
	}
	if math.IsNaN(t.Amount) || math.IsInf(t.Amount, 0) {
		verr.Fields = append(verr.Fields, crm.FieldError{Field: "Amount", Reason: fmt.Sprintf("not a finite number (%v)", t.Amount)})
	}
	return verr
}

// dayNumber is the calendar day of t in loc, counted from 1970-01-01.
func dayNumber(t time.Time, loc *time.Location) int64 {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// ErrCurrency reports an order in a currency other than the one asked for.
var ErrCurrency = errors.New("clv: order in another currency")

// OrderTransactions turns orders, such as those from [crm.Client.Orders],
// into transactions for [SummarizeSeq]: one per order that is not
// cancelled, at its OrderedAt, for its Total converted to float64. All
// orders must be in currency (an ISO 4217 code); an order in any other
// yields an error matching [ErrCurrency], since sums across currencies
// need a rate table the caller chooses. Errors from orders are passed on.
func OrderTransactions(orders iter.Seq2[*crm.Order, error], currency string) iter.Seq2[Transaction, error] {
	return func(yield func(Transaction, error) bool) {
		for o, err := range orders {
			if err != nil {
				yield(Transaction{}, err)
				return
			}
			if o == nil || o.Status == crm.OrderCancelled {
				continue
			}
			if o.Total.Currency != currency {
				yield(Transaction{}, fmt.Errorf("clv: order %s is in %q, not %q: %w", o.ID, o.Total.Currency, currency, ErrCurrency))
				return
			}
			if !yield(Transaction{CustomerID: o.CustomerID, At: o.OrderedAt, Amount: o.Total.Amount.InexactFloat64()}, nil) {
				return
			}
		}
	}
}

// FromSummaries turns purchase summaries computed by a store
// ([crm.Client.PurchaseSummaries], all in one currency) into customers,
// as [Summarize] would from the same orders: X is the purchase days
// after the first, Tx and T run from the first purchase day to the last
// and to the End day, in opts.Unit, and Monetary is the mean spend of the
// repeat days (RepeatTotal ÷ X) as a float64. Purchase days are UTC
// dates, as the summaries count them, so opts.Location must be nil or
// UTC; and the summaries must have been computed as of the start of the
// day after End, so that they hold exactly the orders Summarize would
// keep. Summaries of customers whose first purchase is after End are
// left out. It fails with an error matching [crm.ErrInvalid] on missing
// options, a second currency or a customer named twice.
func FromSummaries(sums []crm.PurchaseSummary, opts SummaryOptions) ([]Customer, error) {
	verr := &crm.ValidationError{Entity: "clv summary options"}
	if opts.End.IsZero() {
		verr.Fields = append(verr.Fields, crm.FieldError{Field: "End", Reason: "required"})
	}
	if opts.Unit <= 0 {
		verr.Fields = append(verr.Fields, crm.FieldError{Field: "Unit", Reason: "must be a positive duration"})
	}
	if opts.Location != nil && opts.Location != time.UTC {
		verr.Fields = append(verr.Fields, crm.FieldError{Field: "Location", Reason: "purchase summaries count UTC days"})
	}
	if len(verr.Fields) > 0 {
		return nil, verr
	}
	end := dayNumber(opts.End, time.UTC)
	unitDays := float64(opts.Unit) / float64(Day)
	out := make([]Customer, 0, len(sums))
	seen := make(map[string]bool, len(sums))
	for i, s := range sums {
		switch {
		case seen[s.CustomerID]:
			return nil, &crm.ValidationError{Entity: "clv purchase summaries", Fields: []crm.FieldError{{Field: fmt.Sprintf("summaries[%d].customer_id", i), Reason: "customer " + strconv.Quote(s.CustomerID) + " named twice"}}}
		case i > 0 && s.Total.Currency != sums[0].Total.Currency:
			return nil, &crm.ValidationError{Entity: "clv purchase summaries", Fields: []crm.FieldError{{Field: fmt.Sprintf("summaries[%d].total", i), Reason: fmt.Sprintf("in %s, not %s", s.Total.Currency, sums[0].Total.Currency)}}}
		}
		seen[s.CustomerID] = true
		first, last := dayNumber(s.First, time.UTC), dayNumber(s.Last, time.UTC)
		if first > end {
			continue
		}
		c := Customer{ID: s.CustomerID, X: float64(s.Days - 1), Tx: float64(last-first) / unitDays, T: float64(end-first) / unitDays}
		if s.Days > 1 {
			c.Monetary = s.RepeatTotal.Amount.InexactFloat64() / c.X
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Customer) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
