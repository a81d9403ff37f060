package crm

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// This file holds purchase summaries: per customer, what its orders add
// up to as of a date. Stores compute them where the orders are
// ([OrderStore.PurchaseSummaries]); RFM scores, value tiers and the CLV
// models of package clv (through clv.FromSummaries) read them.

// PurchaseSummary is what one customer's orders in one currency add up
// to as of a date. Only orders that count are in it: those not
// [OrderCancelled] and placed (OrderedAt) before the as-of instant.
//
// A purchase day is a calendar date in UTC on which the customer placed
// at least one counted order. The first purchase day is the date of
// First; the repeat purchase days are the others. RepeatTotal is the
// spend of the repeat purchase days: Total less the spend of the first
// purchase day. This is the convention of the Gamma-Gamma spend model
// (Fader, Hardie and Lee), which averages the spend per repeat
// transaction and counts every purchase day as one transaction; see
// [PurchaseSummary.RepeatMeanSpend].
type PurchaseSummary struct {
	// CustomerID is the buyer.
	CustomerID string
	// Orders is the number of orders counted; at least one.
	Orders int
	// Days is the number of distinct purchase days; at least one, at
	// most Orders.
	Days int
	// First and Last are when the earliest and the latest counted order
	// were placed, in UTC.
	First, Last time.Time
	// Total is the exact sum of the counted orders' totals; its
	// currency is the orders' currency.
	Total Money
	// RepeatTotal is the exact spend of the repeat purchase days (all
	// days but the first), in Total's currency: zero when Days is 1.
	RepeatTotal Money
}

// RepeatDays returns the number of repeat purchase days, Days − 1: the
// "frequency" of BG/NBD and Gamma-Gamma models.
func (s PurchaseSummary) RepeatDays() int { return max(s.Days-1, 0) }

// MeanSpend returns the mean total of the counted orders, Total ÷
// Orders, rounded half to even to the currency's minor unit.
func (s PurchaseSummary) MeanSpend() Money { return meanMoney(s.Total, s.Orders) }

// RepeatMeanSpend returns the mean spend per repeat purchase day,
// RepeatTotal ÷ (Days − 1), rounded half to even to the currency's
// minor unit: zero (in Total's currency) for a customer with a single
// purchase day. A customer who bought 10.00 on 1 March and 20.00 and
// 40.00 on 5 March has a repeat mean spend of 60.00.
func (s PurchaseSummary) RepeatMeanSpend() Money { return meanMoney(s.RepeatTotal, s.RepeatDays()) }

// RecencyDays returns the whole days from Last to asOf, rounded down
// (zero if Last is not before asOf): the recency of RFM analysis.
func (s PurchaseSummary) RecencyDays(asOf time.Time) int {
	d := asOf.Sub(s.Last)
	if d <= 0 {
		return 0
	}
	return int(d / (24 * time.Hour))
}

// meanDigits is the precision of means in a currency [CurrencyDigits]
// does not know: that of stored amounts.
const meanDigits = 4

// meanMoney returns sum ÷ n rounded half to even to the minor unit of
// sum's currency, or zero in sum's currency when n is not positive.
func meanMoney(sum Money, n int) Money {
	if n <= 0 {
		return Money{Amount: decimal.Zero, Currency: sum.Currency}
	}
	digits, ok := CurrencyDigits(sum.Currency)
	if !ok {
		digits = meanDigits
	}
	return Money{Amount: quoBank(sum.Amount, decimal.NewFromInt(int64(n)), int32(digits)), Currency: sum.Currency}
}

// PurchaseSummaryFilter selects the purchase summaries of
// [OrderStore.PurchaseSummaries].
type PurchaseSummaryFilter struct {
	// AsOf is the instant the summaries are taken at: only orders placed
	// before it count. Required.
	AsOf time.Time
	// Currency, if set, counts only orders in this currency; otherwise
	// a customer who bought in several currencies has one summary for
	// each.
	Currency string
	// CustomerIDs, if set, summarises only these customers.
	CustomerIDs []string

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the number of customers in a page: 0 means
	// DefaultPageLimit; at most MaxPageLimit. A page holds every
	// currency of each of its customers, so it may hold more summaries
	// than customers.
	Limit int
}

// Validate reports, as a [*ValidationError], a zero AsOf, a Currency
// that is not an upper-case ISO 4217 code and a Limit out of range.
func (f *PurchaseSummaryFilter) Validate() error {
	verr := &ValidationError{Entity: "purchase summary filter"}
	if f.AsOf.IsZero() {
		verr.add("as_of", "required")
	}
	if _, ok := CurrencyDigits(f.Currency); f.Currency != "" && !ok {
		verr.add("currency", "%q is not an ISO 4217 code", f.Currency)
	}
	if f.Limit < 0 || f.Limit > MaxPageLimit {
		verr.add("limit", "must be between 0 and %d", MaxPageLimit)
	}
	return verr.err()
}

// ListPurchaseSummaries returns one page of the purchase summaries f
// selects, ordered by customer ID and then currency, and the cursor of
// the next page ("" after the last). The store computes them where the
// orders are (in SQL stores, by the database). Bad input is a
// [*ValidationError] naming the field; Currency is upper-cased.
func (c *Client) ListPurchaseSummaries(ctx context.Context, f PurchaseSummaryFilter) ([]PurchaseSummary, Cursor, error) {
	f.Currency = strings.ToUpper(strings.TrimSpace(f.Currency))
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	page, next, err := c.store.PurchaseSummaries(ctx, f)
	if err != nil {
		return nil, "", fmt.Errorf("crm: list purchase summaries: %w", err)
	}
	return page, next, nil
}

// PurchaseSummaries iterates over every purchase summary f selects, in
// customer ID order and then currency, fetching page by page; see
// [Client.ListPurchaseSummaries]. An error ends the iteration after
// being yielded.
func (c *Client) PurchaseSummaries(ctx context.Context, f PurchaseSummaryFilter) iter.Seq2[PurchaseSummary, error] {
	return func(yield func(PurchaseSummary, error) bool) {
		for {
			page, next, err := c.ListPurchaseSummaries(ctx, f)
			if err != nil {
				yield(PurchaseSummary{}, err)
				return
			}
			for _, s := range page {
				if !yield(s, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			f.After = next
		}
	}
}
