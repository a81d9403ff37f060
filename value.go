package crm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// This file holds customer value analysis over purchase summaries: ABC
// (Pareto) value tiers, the 80/20 check, and profitability after the
// cost to serve.

// ValueTier is a customer's ABC tier by revenue.
type ValueTier string

// Value tiers.
const (
	// TierA holds the customers making the first share of revenue (80%
	// by default), the biggest first.
	TierA ValueTier = "A"
	// TierB holds the customers making the next share (15%).
	TierB ValueTier = "B"
	// TierC holds the rest.
	TierC ValueTier = "C"
)

// shareDigits is the precision of the revenue shares of reports: four
// decimal places, a hundredth of a percent.
const shareDigits = 4

// TierOptions configures [ValueTiers]. The zero value means the usual
// 80/15/5 split and the top 20% for the 80/20 check.
type TierOptions struct {
	// A is the cumulative share of revenue tier A covers: 0.80 if zero.
	A decimal.Decimal
	// B is the cumulative share tiers A and B cover together: 0.95 if
	// zero. A ≤ B ≤ 1.
	B decimal.Decimal
	// Top is the fraction of customers, the biggest first, whose share
	// of revenue [ValueReport.TopShare] gives: 0.20 if zero.
	Top decimal.Decimal
}

// CustomerValue is one customer's place in a [ValueReport].
type CustomerValue struct {
	// CustomerID is the customer.
	CustomerID string
	// Revenue is the customer's total spend, exact.
	Revenue Money
	// Share is Revenue ÷ the report's total, and CumulativeShare the
	// share of this customer and every one before it; both rounded half
	// to even to four decimal places (the tier is decided exactly).
	Share, CumulativeShare decimal.Decimal
	// Tier is the customer's ABC tier.
	Tier ValueTier
}

// TierTotal sums one tier of a [ValueReport].
type TierTotal struct {
	// Customers counts the tier's customers.
	Customers int
	// Revenue is their revenue, exact.
	Revenue Money
	// Share is Revenue ÷ the report's total, rounded half to even to four
	// decimal places.
	Share decimal.Decimal
}

// ValueReport is the ABC analysis of a set of customers.
type ValueReport struct {
	// Customers lists every customer by revenue, the biggest first, ties
	// in ascending customer ID order.
	Customers []CustomerValue
	// Revenue is the total revenue, exact.
	Revenue Money
	// A, B and C sum the tiers.
	A, B, C TierTotal
	// TopCustomers is the number of customers in the top fraction
	// (TierOptions.Top of them, rounded up), and TopShare their share of
	// revenue, rounded half to even to four decimal places: the 80/20
	// check, 0.8 when the Pareto principle holds exactly.
	TopCustomers int
	TopShare     decimal.Decimal
}

// ValueTiers ranks the customers of summaries, which must be in one
// currency and name each customer once, by revenue (Total), the biggest
// first with ties in ascending customer ID order, and puts them in ABC
// tiers by the revenue the customers before them make. The boundary
// rule: a customer is in tier A if the customers before it make less
// than share A of revenue, so the customer whose revenue crosses (or
// reaches) the A threshold is in A, and the next one is not; likewise
// for B. Shares are compared exactly (revenue before × 1 < A × total,
// never a rounded ratio). With no revenue at all, every customer is in
// tier C.
//
// Bad input is a [*ValidationError]: thresholds out of order
// ("options.a", "options.b", "options.top"), a customer named twice or a
// second currency ("summaries[i].customer_id", "summaries[i].total").
func ValueTiers(summaries []PurchaseSummary, opts TierOptions) (ValueReport, error) {
	verr := &ValidationError{Entity: "value tiers"}
	a, top := orDefault(opts.A, "0.80"), orDefault(opts.Top, "0.20")
	b := orDefault(opts.B, "0.95")
	if opts.B.IsZero() {
		b = decimal.Max(b, a) // a default must not clash with a given A
	}
	one := decimal.NewFromInt(1)
	if a.Sign() <= 0 || a.GreaterThan(one) {
		verr.add("options.a", "must be above 0 and at most 1")
	}
	if b.LessThan(a) || b.GreaterThan(one) {
		verr.add("options.b", "must be between options.a and 1")
	}
	if top.Sign() <= 0 || top.GreaterThan(one) {
		verr.add("options.top", "must be above 0 and at most 1")
	}
	idx, currency := checkSummaries(verr, summaries)
	if err := verr.err(); err != nil {
		return ValueReport{}, err
	}
	slices.SortStableFunc(idx, func(i, j int) int { // idx is in customer ID order: ties stay so
		return -summaries[i].Total.Amount.Cmp(summaries[j].Total.Amount)
	})
	total := decimal.Zero
	for _, i := range idx {
		total = total.Add(summaries[i].Total.Amount)
	}
	rep := ValueReport{
		Customers: make([]CustomerValue, len(idx)),
		Revenue:   Money{Amount: total, Currency: currency},
		A:         TierTotal{Revenue: Money{Amount: decimal.Zero, Currency: currency}},
	}
	rep.B, rep.C = rep.A, rep.A
	aCut, bCut := a.Mul(total), b.Mul(total)
	n := len(idx)
	rep.TopCustomers = int(top.Mul(decimal.NewFromInt(int64(n))).Ceil().IntPart())
	before, topSum := decimal.Zero, decimal.Zero
	for k, i := range idx {
		rev := summaries[i].Total
		tier := TierC
		switch {
		case total.Sign() <= 0:
		case before.LessThan(aCut):
			tier = TierA
		case before.LessThan(bCut):
			tier = TierB
		}
		before = before.Add(rev.Amount)
		if k < rep.TopCustomers {
			topSum = topSum.Add(rev.Amount)
		}
		rep.Customers[k] = CustomerValue{
			CustomerID: summaries[i].CustomerID, Revenue: rev, Tier: tier,
			Share: share(rev.Amount, total), CumulativeShare: share(before, total),
		}
		t := rep.tier(tier)
		t.Customers++
		t.Revenue.Amount = t.Revenue.Amount.Add(rev.Amount)
	}
	for _, t := range []*TierTotal{&rep.A, &rep.B, &rep.C} {
		t.Share = share(t.Revenue.Amount, total)
	}
	rep.TopShare = share(topSum, total)
	return rep, nil
}

// tier returns the total of tier t.
func (r *ValueReport) tier(t ValueTier) *TierTotal {
	switch t {
	case TierA:
		return &r.A
	case TierB:
		return &r.B
	}
	return &r.C
}

// orDefault returns d, or the decimal s when d is zero.
func orDefault(d decimal.Decimal, s string) decimal.Decimal {
	if d.IsZero() {
		return decimal.RequireFromString(s)
	}
	return d
}

// share returns part ÷ whole rounded half to even to shareDigits, or zero
// when whole is not positive.
func share(part, whole decimal.Decimal) decimal.Decimal {
	if whole.Sign() <= 0 {
		return decimal.Zero
	}
	return quoBank(part, whole, shareDigits)
}

// checkSummaries records in verr every customer that summaries name twice
// and every summary in another currency than the first, and returns the
// indexes of summaries in ascending customer ID order and the currency.
func checkSummaries(verr *ValidationError, summaries []PurchaseSummary) ([]int, string) {
	idx := make([]int, len(summaries))
	for i := range idx {
		idx[i] = i
	}
	byID := func(i, j int) int { return strings.Compare(summaries[i].CustomerID, summaries[j].CustomerID) }
	if !slices.IsSortedFunc(idx, byID) {
		slices.SortStableFunc(idx, byID)
	}
	currency := ""
	for k, i := range idx {
		s := &summaries[i]
		if k > 0 && summaries[idx[k-1]].CustomerID == s.CustomerID {
			verr.add(fmt.Sprintf("summaries[%d].customer_id", i), "customer %s named twice", s.CustomerID)
		}
		if k == 0 {
			currency = s.Total.Currency
		} else if s.Total.Currency != currency {
			verr.add(fmt.Sprintf("summaries[%d].total", i), "in %s; the others are in %s: one currency at a time", s.Total.Currency, currency)
		}
	}
	return idx, currency
}

// CostFunc returns the cost to serve a customer over the period its
// revenue covers, in the revenue's currency; the zero Money for none.
type CostFunc func(customerID string) Money

// CostMap returns a CostFunc reading costs from m: customers m does not
// name cost nothing.
func CostMap(m map[string]Money) CostFunc {
	return func(id string) Money { return m[id] }
}

// CustomerProfit is one customer's revenue less its cost to serve.
type CustomerProfit struct {
	// CustomerID is the customer.
	CustomerID string
	// Revenue, Cost and Profit (Revenue − Cost) are exact.
	Revenue, Cost, Profit Money
	// Loss reports a negative Profit: a customer that costs more to
	// serve than it brings in.
	Loss bool
}

// ProfitReport is the profitability of a set of customers.
type ProfitReport struct {
	// Customers lists every customer in ascending ID order.
	Customers []CustomerProfit
	// Revenue, Cost and Profit are the exact totals.
	Revenue, Cost, Profit Money
	// LossMaking counts the customers with Loss set, and Losses sums
	// their (negative) profit.
	LossMaking int
	Losses     Money
}

// Profitability subtracts from each customer's revenue (Total) in
// summaries, which must be in one currency and name each customer once,
// the cost to serve that cost returns, and flags the customers that
// make a loss. Sums are exact. Bad input is a [*ValidationError]: a nil
// cost ("cost"), a customer named twice or a second currency
// ("summaries[i]…"), a cost in another currency or with a negative
// amount ("cost[customer ID]").
func Profitability(summaries []PurchaseSummary, cost CostFunc) (ProfitReport, error) {
	verr := &ValidationError{Entity: "profitability"}
	if cost == nil {
		verr.add("cost", "required")
		return ProfitReport{}, verr
	}
	idx, currency := checkSummaries(verr, summaries)
	zero := Money{Amount: decimal.Zero, Currency: currency}
	rep := ProfitReport{Customers: make([]CustomerProfit, 0, len(idx)), Revenue: zero, Cost: zero, Profit: zero, Losses: zero}
	for _, i := range idx {
		s := &summaries[i]
		c := cost(s.CustomerID)
		switch {
		case c.IsZero():
			c = zero
		case c.Currency != currency:
			verr.add("cost["+s.CustomerID+"]", "in %s; revenue is in %s", c.Currency, currency)
			continue
		case c.Sign() < 0:
			verr.add("cost["+s.CustomerID+"]", "must not be negative")
			continue
		}
		p := CustomerProfit{CustomerID: s.CustomerID, Revenue: s.Total, Cost: c,
			Profit: Money{Amount: s.Total.Amount.Sub(c.Amount), Currency: currency}}
		p.Loss = p.Profit.Sign() < 0
		rep.Customers = append(rep.Customers, p)
		rep.Revenue.Amount = rep.Revenue.Amount.Add(p.Revenue.Amount)
		rep.Cost.Amount = rep.Cost.Amount.Add(c.Amount)
		if p.Loss {
			rep.LossMaking++
			rep.Losses.Amount = rep.Losses.Amount.Add(p.Profit.Amount)
		}
	}
	if err := verr.err(); err != nil {
		return ProfitReport{}, err
	}
	rep.Profit.Amount = rep.Revenue.Amount.Sub(rep.Cost.Amount)
	return rep, nil
}
