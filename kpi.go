package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"time"
)

// This file holds the KPIs of a period: pure measures over streamed
// purchase summaries, leads and deals, and the Client's [Client.KPIs],
// which streams them out of the Store into a [Report].

// DefaultActiveWithin is the activity window of the customer KPIs when
// [KPIOptions] gives none: a customer who bought in the 365 days before
// an instant is a customer at that instant.
const DefaultActiveWithin = 365 * 24 * time.Hour

// Ratio is a rate with the counts it is made of: Numerator ÷
// Denominator. With a zero Denominator the rate is undefined (no
// customers at the start, no lead created): [Ratio.Valid] is false and
// its JSON value is null.
type Ratio struct {
	Numerator, Denominator int
}

// Valid reports whether the rate is defined: a non-zero Denominator.
func (r Ratio) Valid() bool { return r.Denominator != 0 }

// Value returns Numerator ÷ Denominator, or 0 when the rate is undefined.
func (r Ratio) Value() float64 {
	if !r.Valid() {
		return 0
	}
	return float64(r.Numerator) / float64(r.Denominator)
}

// String formats the rate as a percentage to one decimal, or "–" when it
// is undefined.
func (r Ratio) String() string { return percent(r.Value(), r.Valid()) }

// MarshalJSON writes {"numerator": n, "denominator": d, "value": n ÷ d},
// with a null value when d is zero.
func (r Ratio) MarshalJSON() ([]byte, error) {
	var v *float64
	if r.Valid() {
		f := r.Value()
		v = &f
	}
	return json.Marshal(struct {
		Numerator   int      `json:"numerator"`
		Denominator int      `json:"denominator"`
		Value       *float64 `json:"value"`
	}{r.Numerator, r.Denominator, v})
}

// DurationStats summarises N durations: their mean, their median (the
// mean of the middle two for an even N) and their nearest-rank 90th
// percentile (the shortest duration at least 90% of them do not
// exceed). All three are zero when N is zero.
type DurationStats struct {
	N                 int
	Mean, Median, P90 time.Duration
}

// newDurationStats summarises ds, which it sorts.
func newDurationStats(ds []time.Duration) DurationStats {
	s := DurationStats{N: len(ds)}
	if len(ds) == 0 {
		return s
	}
	slices.Sort(ds)
	var total time.Duration
	for _, d := range ds {
		total += d
	}
	mid := len(ds) / 2
	s.Mean = total / time.Duration(len(ds))
	if len(ds)%2 == 1 {
		s.Median = ds[mid]
	} else {
		s.Median = (ds[mid-1] + ds[mid]) / 2
	}
	s.P90 = ds[(len(ds)*9+9)/10-1]
	return s
}

// MarshalJSON writes {"n": N, "mean_seconds": …, "median_seconds": …,
// "p90_seconds": …}, the durations in seconds, null when N is zero.
func (s DurationStats) MarshalJSON() ([]byte, error) {
	sec := func(d time.Duration) *float64 {
		if s.N == 0 {
			return nil
		}
		v := d.Seconds()
		return &v
	}
	return json.Marshal(struct {
		N      int      `json:"n"`
		Mean   *float64 `json:"mean_seconds"`
		Median *float64 `json:"median_seconds"`
		P90    *float64 `json:"p90_seconds"`
	}{s.N, sec(s.Mean), sec(s.Median), sec(s.P90)})
}

// MeanAmount is a mean of N amounts, rounded half to even to its
// currency's minor unit; undefined when N is zero.
type MeanAmount struct {
	Mean Money
	N    int
}

// MarshalJSON writes {"amount": "1234.50", "currency": "EUR", "n": N},
// the amount as exact decimal text, null when N is zero.
func (m MeanAmount) MarshalJSON() ([]byte, error) {
	var amount *string
	if m.N > 0 {
		a := m.Mean.Amount.String()
		amount = &a
	}
	return json.Marshal(struct {
		Amount   *string `json:"amount"`
		Currency string  `json:"currency"`
		N        int     `json:"n"`
	}{amount, m.Mean.Currency, m.N})
}

// CustomerKPIs are the acquisition and retention measures of a period
// [From, To), from the customers' counted orders (not [OrderCancelled],
// in any currency: a customer is counted once however many currencies it
// buys in), with an activity window W: a customer is active at an
// instant t if it placed a counted order at or after t − W and before t.
type CustomerKPIs struct {
	// AtStart (S) counts the customers active at From.
	AtStart int `json:"at_start"`
	// New (N) counts the customers acquired in the period: their first
	// counted order was placed at or after From and before To.
	New int `json:"new"`
	// AtEnd (E) counts the customers active at To.
	AtEnd int `json:"at_end"`
	// Retention is (E − N) ÷ S: the customers at the end who were not
	// acquired in the period, over the customers at the start. Customers
	// who lapsed before From and bought again in the period count in
	// E − N, so it may exceed 1; with a W shorter than the period, new
	// customers may lapse before To and it may be negative.
	Retention Ratio `json:"retention_rate"`
	// Churn is 1 − Retention, as (S − (E − N)) ÷ S.
	Churn Ratio `json:"churn_rate"`
	// Repurchase is the share of the period's buyers who bought again
	// in it: the customers with at least two counted orders placed in
	// [From, To), over the customers with at least one.
	Repurchase Ratio `json:"repurchase_rate"`
}

// customerPurchases is what the customer KPIs need of one customer's
// summaries, all currencies together.
type customerPurchases struct {
	id     string
	orders int
	last   time.Time
}

// byCustomer merges the summaries of each customer, which sums yields
// together, in ascending customer order; it fails on summaries out of
// that order.
func byCustomer(sums iter.Seq2[PurchaseSummary, error]) iter.Seq2[customerPurchases, error] {
	return func(yield func(customerPurchases, error) bool) {
		var cur customerPurchases
		for s, err := range sums {
			if err != nil {
				yield(customerPurchases{}, err)
				return
			}
			switch {
			case cur.id != "" && s.CustomerID == cur.id:
				cur.orders += s.Orders
				if s.Last.After(cur.last) {
					cur.last = s.Last
				}
				continue
			case cur.id != "" && s.CustomerID < cur.id:
				yield(customerPurchases{}, fmt.Errorf("crm: purchase summaries out of customer order: %s after %s", s.CustomerID, cur.id))
				return
			case cur.id != "" && !yield(cur, nil):
				return
			}
			cur = customerPurchases{id: s.CustomerID, orders: s.Orders, last: s.Last}
		}
		if cur.id != "" {
			yield(cur, nil)
		}
	}
}

// checkPeriod records in verr a zero period, an unknown unit and a start
// that does not begin a calendar period of its unit.
func checkPeriod(verr *ValidationError, p Period) {
	switch {
	case p.IsZero():
		verr.add("period", "required")
	case !p.Unit.Valid():
		verr.add("period", "unknown unit %q", p.Unit)
	case !p.Start.Equal(PeriodOf(p.Start, p.Unit).Start):
		verr.add("period", "must start a calendar %s at midnight UTC, have %s", p.Unit, p.Start.Format(time.RFC3339Nano))
	}
}

// MeasureCustomers measures the customers of period p, with activity
// window activeWithin, as [CustomerKPIs] defines, from the purchase
// summaries of every customer as of p's start (atStart) and as of its
// end (atEnd), each in ascending customer order as
// [OrderStore.PurchaseSummaries] gives them. It reads both streams side
// by side, holding one customer of each. A bad period or a window that
// is not positive is a [*ValidationError]; an error from either stream
// ends it with that error.
func MeasureCustomers(atStart, atEnd iter.Seq2[PurchaseSummary, error], p Period, activeWithin time.Duration) (CustomerKPIs, error) {
	var k CustomerKPIs
	verr := &ValidationError{Entity: "customer measures"}
	checkPeriod(verr, p)
	if activeWithin <= 0 {
		verr.add("active_within", "must be positive")
	}
	if err := verr.err(); err != nil {
		return k, err
	}
	startActive, endActive := p.Start.Add(-activeWithin), p.End().Add(-activeWithin)
	nextStart, stopStart := iter.Pull2(byCustomer(atStart))
	defer stopStart()
	nextEnd, stopEnd := iter.Pull2(byCustomer(atEnd))
	defer stopEnd()
	s, err, okS := nextStart()
	e, errE, okE := nextEnd()
	buyers, repeat := 0, 0
	for okS || okE {
		if err == nil {
			err = errE
		}
		if err != nil {
			return CustomerKPIs{}, err
		}
		var before, after customerPurchases // one customer, as of the start and the end
		switch {
		case okS && (!okE || s.id <= e.id):
			before = s
			if okE && e.id == s.id {
				after = e
				e, errE, okE = nextEnd()
			}
			s, err, okS = nextStart()
		default:
			after = e
			e, errE, okE = nextEnd()
		}
		if before.id != "" && !before.last.Before(startActive) {
			k.AtStart++
		}
		if after.id == "" {
			continue
		}
		if before.id == "" {
			k.New++
		}
		if !after.last.Before(endActive) {
			k.AtEnd++
		}
		if in := after.orders - before.orders; in >= 1 {
			buyers++
			if in >= 2 {
				repeat++
			}
		}
	}
	retained := k.AtEnd - k.New
	k.Retention = Ratio{Numerator: retained, Denominator: k.AtStart}
	k.Churn = Ratio{Numerator: k.AtStart - retained, Denominator: k.AtStart}
	k.Repurchase = Ratio{Numerator: repeat, Denominator: buyers}
	return k, nil
}

// MeasureLeadConversion returns the lead conversion rate of period p:
// of the leads leads yields that were created in p (CreatedAt at or
// after its start and before its end), the share converted by the end
// of p (status converted, ConvertedAt before its end). A lead converted
// after the period counts in the denominator only. A bad period is a
// [*ValidationError]; an error from leads ends it with that error.
func MeasureLeadConversion(leads iter.Seq2[*Lead, error], p Period) (Ratio, error) {
	verr := &ValidationError{Entity: "lead measures"}
	checkPeriod(verr, p)
	if err := verr.err(); err != nil {
		return Ratio{}, err
	}
	var r Ratio
	end := p.End()
	for l, err := range leads {
		if err != nil {
			return Ratio{}, err
		}
		if !p.Contains(l.CreatedAt) {
			continue
		}
		r.Denominator++
		if l.Converted() && l.ConvertedAt.Before(end) {
			r.Numerator++
		}
	}
	return r, nil
}

// SalesKPIs are the sales-process measures of a period [From, To).
type SalesKPIs struct {
	// LeadConversion is the share of the leads created in the period
	// that were converted by its end ([MeasureLeadConversion]).
	LeadConversion Ratio `json:"lead_conversion_rate"`
	// WinRate is the deals won in the period over the deals closed (won
	// or lost) in it, by ClosedAt ([MeasureSales]).
	WinRate Ratio `json:"win_rate"`
	// AverageDeal is the mean amount of the deals won in the period,
	// converted into the report's currency as its Basis states
	// ([SalesMetrics.AverageDeal]); N counts those deals.
	AverageDeal MeanAmount `json:"average_deal_size"`
	// Cycle summarises the sales cycles of the deals won in the period,
	// each from its creation to its winning (CreatedAt to ClosedAt).
	Cycle DurationStats `json:"sales_cycle"`
}

// salesKPIs returns the KPIs of m, the [MeasureSales] of a period.
func salesKPIs(m *SalesMetrics) SalesKPIs {
	return SalesKPIs{
		WinRate:     Ratio{Numerator: m.Won, Denominator: m.Won + m.Lost},
		AverageDeal: MeanAmount{Mean: m.AverageDeal, N: m.Won},
		Cycle:       DurationStats{N: m.Won, Mean: m.MeanCycle, Median: m.MedianCycle, P90: m.P90Cycle},
	}
}

// Report holds the KPIs of one period, each with the counts behind it so
// that it can be checked, and renders them as JSON ([Report.MarshalJSON])
// and as an aligned text table ([Report.WriteText]). Each group of KPIs
// is a field; each KPI states its definition on its own field.
type Report struct {
	// Period is the calendar month, quarter or year measured: the
	// half-open range [Period.Start, Period.End()) in UTC.
	Period Period
	// ActiveWithin is the activity window of the customer KPIs.
	ActiveWithin time.Duration
	// Basis states how the money KPIs were converted and rounded.
	Basis     Basis
	Customers CustomerKPIs
	Sales     SalesKPIs
	Service   ServiceKPIs
	Surveys   SurveyKPIs
}

// KPIOptions configure [Client.KPIs].
type KPIOptions struct {
	// Conversion converts deal amounts into one currency for the
	// average deal size: Currency is required; AsOf defaults to the
	// period's end.
	Conversion
	// ActiveWithin is the activity window of the customer KPIs: a
	// customer is active at an instant if it bought within this long
	// before it [DefaultActiveWithin].
	ActiveWithin time.Duration
}

// KPIs measures period p: the customer KPIs from the store's purchase
// summaries as of p's start and as of its end, read side by side page by
// page ([OrderStore.PurchaseSummaries], grouped by the database in SQL
// stores); the lead conversion from the leads created in p
// ([LeadFilter.CreatedFrom]); the win rate, average deal size and sales
// cycle from the deals won or lost, by [MeasureSales]; the service KPIs
// from the cases opened and those resolved in p ([MeasureService], with
// the targets of [WithCaseSLA]); the NPS, CSAT and CES of the responses
// answered in p from the store's counts per score ([MeasureSurveys]).
// Memory holds a page of each stream, and the amount and cycle of each
// deal won in p and the response and resolution time of each case (for
// the medians). Bad input is a [*ValidationError] naming every bad
// field, and nothing is read.
func (c *Client) KPIs(ctx context.Context, p Period, opts KPIOptions) (*Report, error) {
	verr := &ValidationError{Entity: "kpi options"}
	checkPeriod(verr, p)
	if opts.ActiveWithin == 0 {
		opts.ActiveWithin = DefaultActiveWithin
	}
	if opts.ActiveWithin < 0 {
		verr.add("active_within", "must be positive")
	}
	if opts.AsOf.IsZero() && !p.IsZero() {
		opts.AsOf = p.End()
	}
	basis := opts.Conversion.basis(verr)
	if err := verr.err(); err != nil {
		return nil, err
	}
	r := &Report{Period: p, ActiveWithin: opts.ActiveWithin, Basis: basis}
	summaries := func(asOf time.Time) iter.Seq2[PurchaseSummary, error] {
		return c.PurchaseSummaries(ctx, PurchaseSummaryFilter{AsOf: asOf, Limit: MaxPageLimit})
	}
	var err error
	if r.Customers, err = MeasureCustomers(summaries(p.Start), summaries(p.End()), p, opts.ActiveWithin); err != nil {
		return nil, fmt.Errorf("crm: kpis: %w", err)
	}
	closed := OpportunityFilter{Statuses: []OpportunityStatus{OpportunityWon, OpportunityLost}, Limit: MaxPageLimit}
	sales, err := MeasureSales(c.Opportunities(ctx, closed), SalesOptions{Conversion: opts.Conversion, From: p.Start, To: p.End()})
	if err != nil {
		return nil, fmt.Errorf("crm: kpis: %w", err)
	}
	r.Sales = salesKPIs(sales)
	leads := c.Leads(ctx, LeadFilter{CreatedFrom: p.Start, CreatedBefore: p.End(), Limit: MaxPageLimit})
	if r.Sales.LeadConversion, err = MeasureLeadConversion(leads, p); err != nil {
		return nil, fmt.Errorf("crm: kpis: %w", err)
	}
	if err := c.serviceAndSurveyKPIs(ctx, r, p); err != nil {
		return nil, fmt.Errorf("crm: kpis: %w", err)
	}
	return r, nil
}

// kpiRow is one line of a report's text table.
type kpiRow struct {
	label, value, basis string
}

// rows returns the lines of the text table, in the report's order.
func (r *Report) rows() []kpiRow {
	ratio := func(label string, v Ratio) kpiRow {
		return kpiRow{label, v.String(), fmt.Sprintf("%d / %d", v.Numerator, v.Denominator)}
	}
	count := func(label string, n int) kpiRow { return kpiRow{label, fmt.Sprint(n), ""} }
	cu, sa := r.Customers, r.Sales
	deals := fmt.Sprintf("%d deals", sa.Cycle.N)
	rows := []kpiRow{
		count("customers at start", cu.AtStart),
		count("new customers", cu.New),
		count("customers at end", cu.AtEnd),
		ratio("retention rate", cu.Retention),
		ratio("churn rate", cu.Churn),
		ratio("repurchase rate", cu.Repurchase),
		ratio("lead conversion rate", sa.LeadConversion),
		ratio("win rate", sa.WinRate),
		{"average deal size", meanText(sa.AverageDeal), fmt.Sprintf("%d deals", sa.AverageDeal.N)},
		{"sales cycle, mean", daysText(sa.Cycle, sa.Cycle.Mean), deals},
		{"sales cycle, median", daysText(sa.Cycle, sa.Cycle.Median), deals},
		{"sales cycle, p90", daysText(sa.Cycle, sa.Cycle.P90), deals},
	}
	se, su := r.Service, r.Surveys
	firsts, resolutions := fmt.Sprintf("%d cases", se.FirstResponse.N), fmt.Sprintf("%d cases", se.Resolution.N)
	rows = append(rows,
		count("cases opened", se.Opened),
		ratio("complaint resolution rate", se.ComplaintResolution),
		kpiRow{"first response, median", hoursText(se.FirstResponse, se.FirstResponse.Median), firsts},
		kpiRow{"first response, p90", hoursText(se.FirstResponse, se.FirstResponse.P90), firsts},
		kpiRow{"resolution time, median", hoursText(se.Resolution, se.Resolution.Median), resolutions},
		kpiRow{"resolution time, p90", hoursText(se.Resolution, se.Resolution.P90), resolutions},
		ratio("SLA breach rate", se.SLABreach),
	)
	nps, csat := kpiRow{"NPS", "–", "0 responses"}, kpiRow{"CSAT, top two box", "–", "0 responses"}
	if s := su.NPS; s != nil {
		nps = kpiRow{"NPS", fmt.Sprintf("%.1f ± %.1f", s.Score, s.Margin()), fmt.Sprintf("%d responses", s.N)}
	}
	if s := su.CSAT; s != nil {
		csat = kpiRow{"CSAT, top two box", fmt.Sprintf("%.1f%%", s.TopTwoBox), fmt.Sprintf("%d responses", s.N)}
	}
	return append(rows, nps, csat)
}

// meanText formats a mean amount, or "–" when it is undefined.
func meanText(m MeanAmount) string {
	if m.N == 0 {
		return "–"
	}
	return m.Mean.String()
}

// daysText formats d, one of the durations s summarises, in days to one
// decimal, or "–" when s is empty.
func daysText(s DurationStats, d time.Duration) string {
	if s.N == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}

// hoursText formats d, one of the durations s summarises, in hours to
// one decimal, or "–" when s is empty.
func hoursText(s DurationStats, d time.Duration) string {
	if s.N == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

// WriteText writes the report as a heading line (the period, the
// activity window, the currency and rate date of the money) and an
// aligned table of three columns: the KPI, its value (rates as percentages to one
// decimal, "–" where undefined) and the counts behind it.
func (r *Report) WriteText(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "KPIs for %s [%s, %s), active within %s; money in %s at %s rates\n",
		r.Period, r.Period.Start.Format(time.DateOnly), r.Period.End().Format(time.DateOnly),
		daysOf(r.ActiveWithin), r.Basis.Currency, r.Basis.RateDate); err != nil {
		return err
	}
	lines := [][]string{{"kpi", "value", "of"}}
	for _, row := range r.rows() {
		lines = append(lines, []string{row.label, row.value, row.basis})
	}
	return writeTable(w, lines, 0)
}

// daysOf formats d as whole days, or as a duration when it is not.
func daysOf(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// MarshalJSON writes the report with stable field names:
//
//	{"period": "2026-Q2", "from": "2026-04-01T00:00:00Z", "to": "2026-07-01T00:00:00Z",
//	 "active_within_seconds": 31536000,
//	 "basis": {"currency": "EUR", "rate_date": "close_date", "as_of": …, "rounding": …},
//	 "customers": {"at_start": …, "new": …, "at_end": …, "retention_rate": {ratio},
//	               "churn_rate": {ratio}, "repurchase_rate": {ratio}},
//	 "sales": {"lead_conversion_rate": {ratio}, "win_rate": {ratio},
//	           "average_deal_size": {mean amount}, "sales_cycle": {duration stats}},
//	 "service": {"cases_opened": …, "complaint_resolution_rate": {ratio},
//	             "first_response_time": {duration stats}, "resolution_time": {duration stats},
//	             "sla_breach_rate": {ratio}},
//	 "surveys": {"nps": …, "csat": …, "ces": …}}
//
// with ratios as [Ratio.MarshalJSON], the mean amount as
// [MeanAmount.MarshalJSON], the durations as [DurationStats.MarshalJSON]
// and the survey scores as [SurveyKPIs.MarshalJSON] write them: an undefined value is null, never NaN.
func (r *Report) MarshalJSON() ([]byte, error) {
	type basis struct {
		Currency string    `json:"currency"`
		RateDate RateDate  `json:"rate_date"`
		AsOf     time.Time `json:"as_of"`
		Rounding string    `json:"rounding"`
	}
	return json.Marshal(struct {
		Period       string       `json:"period"`
		From         time.Time    `json:"from"`
		To           time.Time    `json:"to"`
		ActiveWithin float64      `json:"active_within_seconds"`
		Basis        basis        `json:"basis"`
		Customers    CustomerKPIs `json:"customers"`
		Sales        SalesKPIs    `json:"sales"`
		Service      ServiceKPIs  `json:"service"`
		Surveys      SurveyKPIs   `json:"surveys"`
	}{
		Period: r.Period.String(), From: r.Period.Start, To: r.Period.End(),
		ActiveWithin: r.ActiveWithin.Seconds(),
		Basis:        basis{r.Basis.Currency, r.Basis.RateDate, r.Basis.AsOf, r.Basis.Rounding},
		Customers:    r.Customers,
		Sales:        r.Sales,
		Service:      r.Service,
		Surveys:      r.Surveys,
	})
}
