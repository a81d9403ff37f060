package crm

import (
	"cmp"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// The analytics of the sales process — forecast, funnel, win rate, deal
// size, cycle length, velocity, stale deals and coverage — are pure
// functions over streamed opportunities and their histories. Their
// memory is bounded by the number of groups they report, not by the
// number of deals, except where a median needs every value (noted on
// [MeasureSales]).

// PeriodUnit is the length of a reporting period.
type PeriodUnit string

// Period units.
const (
	PeriodMonth   PeriodUnit = "month"
	PeriodQuarter PeriodUnit = "quarter"
	PeriodYear    PeriodUnit = "year"
)

// Valid reports whether u is one of the defined units.
func (u PeriodUnit) Valid() bool { return u == PeriodMonth || u == PeriodQuarter || u == PeriodYear }

// Period is a calendar month, quarter or year in UTC. The zero Period
// stands for "no date": deals with no close date fall in it.
type Period struct {
	// Start is midnight UTC of the period's first day.
	Start time.Time
	Unit  PeriodUnit
}

// PeriodOf returns the period of unit that holds the date of t, or the
// zero Period for the zero time.
func PeriodOf(t time.Time, unit PeriodUnit) Period {
	if t.IsZero() {
		return Period{}
	}
	t = t.UTC()
	y, m := t.Year(), t.Month()
	switch unit {
	case PeriodQuarter:
		m = (m-1)/3*3 + 1
	case PeriodYear:
		m = time.January
	}
	return Period{Start: time.Date(y, m, 1, 0, 0, 0, 0, time.UTC), Unit: unit}
}

// IsZero reports whether p is the zero Period.
func (p Period) IsZero() bool { return p.Start.IsZero() }

// End returns the start of the next period; the zero time for the zero
// Period.
func (p Period) End() time.Time {
	switch {
	case p.IsZero():
		return time.Time{}
	case p.Unit == PeriodQuarter:
		return p.Start.AddDate(0, 3, 0)
	case p.Unit == PeriodYear:
		return p.Start.AddDate(1, 0, 0)
	}
	return p.Start.AddDate(0, 1, 0)
}

// Contains reports whether t falls in p.
func (p Period) Contains(t time.Time) bool {
	return !p.IsZero() && !t.Before(p.Start) && t.Before(p.End())
}

// String formats p as "2026-06", "2026-Q2" or "2026", the year in four
// digits at least ("0999-Q4"), and the zero Period as "no date".
func (p Period) String() string {
	switch {
	case p.IsZero():
		return "no date"
	case p.Unit == PeriodQuarter:
		return fmt.Sprintf("%04d-Q%d", p.Start.Year(), (p.Start.Month()-1)/3+1)
	case p.Unit == PeriodYear:
		return fmt.Sprintf("%04d", p.Start.Year())
	}
	return p.Start.Format("2006-01")
}

// compare orders periods by start, the zero Period last.
func (p Period) compare(o Period) int {
	switch {
	case p.IsZero() || o.IsZero():
		return cmp.Compare(boolInt(p.IsZero()), boolInt(o.IsZero()))
	}
	return p.Start.Compare(o.Start)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// RateDate says which date's exchange rate converts a deal's amount into
// a report's currency.
type RateDate string

// Rate-date policies.
const (
	// RateAtCloseDate converts at the rate of the deal's close date: the
	// expected one while open, the actual one once closed. It is the
	// default, as in Salesforce's dated exchange rates.
	RateAtCloseDate RateDate = "close_date"
	// RateAtBookingDate converts at the rate of the date the deal was
	// booked into the pipeline: its creation.
	RateAtBookingDate RateDate = "booking_date"
	// RateAtAsOf converts every deal at the rate of the report's as-of
	// date.
	RateAtAsOf RateDate = "as_of"
)

// Valid reports whether d is one of the defined policies.
func (d RateDate) Valid() bool {
	return d == RateAtCloseDate || d == RateAtBookingDate || d == RateAtAsOf
}

// RoundEachDeal is the rounding rule of every total the analytics report:
// each deal's amount is converted exactly, rounded to the report
// currency's minor unit (half to even), then weighted and rounded again,
// and only then summed. A total is therefore the sum of amounts a person
// can check one by one.
const RoundEachDeal = "each deal's converted and weighted amounts rounded to the currency's minor unit, half to even, then summed"

// Basis states how a report's money was totalled: in which currency, at
// which dates' rates, as of when, and rounded how.
type Basis struct {
	Currency string
	RateDate RateDate
	// AsOf is the date the report describes.
	AsOf     time.Time
	Rounding string
}

// String states the basis in a sentence, for the foot of a report.
func (b Basis) String() string {
	return fmt.Sprintf("in %s at %s rates, as of %s; %s", b.Currency, b.RateDate, b.AsOf.Format(time.DateOnly), b.Rounding)
}

// Conversion converts deal amounts into one currency: the settings every
// analytic that totals money shares.
type Conversion struct {
	// Currency is the ISO 4217 code of every total; required.
	Currency string
	// Rates converts amounts in other currencies; a deal in another
	// currency with no rate for its date is an error ([ErrNoRate]).
	Rates *RateBook
	// RateDate picks the rate's date; default [RateAtCloseDate].
	RateDate RateDate
	// AsOf is the date the report describes (and the rate date for
	// [RateAtAsOf]); required.
	AsOf time.Time
}

// basis checks cv, fills its defaults and returns the Basis it states.
func (cv *Conversion) basis(verr *ValidationError) Basis {
	cv.Currency = strings.ToUpper(strings.TrimSpace(cv.Currency))
	if _, ok := CurrencyDigits(cv.Currency); !ok {
		verr.add("currency", "%q is not an ISO 4217 code", cv.Currency)
	}
	if cv.RateDate == "" {
		cv.RateDate = RateAtCloseDate
	}
	if !cv.RateDate.Valid() {
		verr.add("rate_date", "unknown policy %q", cv.RateDate)
	}
	if cv.AsOf.IsZero() {
		verr.add("as_of", "required")
	}
	return Basis{Currency: cv.Currency, RateDate: cv.RateDate, AsOf: Timestamp(cv.AsOf), Rounding: RoundEachDeal}
}

// convert returns o's amount in the report currency, rounded, and the
// same weighted by o's probability, rounded: the two figures of one deal.
func (cv *Conversion) convert(o *Opportunity) (amount, weighted decimal.Decimal, err error) {
	if o.Amount.IsZero() {
		return decimal.Zero, decimal.Zero, nil
	}
	on := cv.AsOf
	switch cv.RateDate {
	case RateAtCloseDate:
		if !o.CloseDate.IsZero() {
			on = o.CloseDate
		}
	case RateAtBookingDate:
		if !o.CreatedAt.IsZero() {
			on = o.CreatedAt
		}
	}
	m, err := cv.Rates.Convert(o.Amount, cv.Currency, on)
	if err != nil {
		return decimal.Zero, decimal.Zero, fmt.Errorf("opportunity %s: %w", o.ID, err)
	}
	digits, _ := CurrencyDigits(cv.Currency)
	amount = m.Amount.RoundBank(int32(digits))
	weighted = amount.Mul(decimal.NewFromInt(int64(o.Probability))).Shift(-2).RoundBank(int32(digits)) // exact: ÷ 100
	return amount, weighted, nil
}

// ForecastOptions configure a [Forecaster].
type ForecastOptions struct {
	Conversion
	// Period groups deals by the period of their close date; default
	// [PeriodMonth].
	Period PeriodUnit
	// From and To, if set, keep only deals whose close date is on or
	// after From and before To.
	From, To time.Time
}

// ForecastDimension names a grouping of forecast rows.
type ForecastDimension int

// Forecast dimensions, for [ForecastReport.Rollup].
const (
	ByPeriod ForecastDimension = iota + 1
	ByOwner
	ByCategory
)

// ForecastRow totals the deals of one period, owner and forecast
// category (or of a coarser group, after [ForecastReport.Rollup]: the
// dimensions left out are zero).
type ForecastRow struct {
	Period   Period
	OwnerID  string
	Category ForecastCategory
	// Deals counts the deals of the group.
	Deals int
	// Amount totals their amounts and Weighted their amounts weighted by
	// probability, as the report's Basis states.
	Amount   Money
	Weighted Money
}

// ForecastTotals are the cumulative forecast figures, as Salesforce
// reports them: Closed is what was won; Commit adds the commit deals,
// BestCase the best-case ones, and Pipeline every open deal. Weighted is
// the probability-weighted total of all of them.
type ForecastTotals struct {
	Closed, Commit, BestCase, Pipeline Money
	Weighted                           Money
	Deals                              int
}

// ForecastReport is a forecast: rows by period, owner and category, with
// the basis of its money.
type ForecastReport struct {
	Basis Basis
	// Rows are ordered by period (deals with no close date last), owner,
	// and category from the most certain.
	Rows []ForecastRow
	// Excluded counts the deals left out: lost, in an omitted stage, or
	// closing outside the report's dates.
	Excluded int
}

// Totals returns the cumulative figures of the whole report.
func (r *ForecastReport) Totals() ForecastTotals {
	var t ForecastTotals
	var closed, commit, best, open, weighted decimal.Decimal
	for _, row := range r.Rows {
		t.Deals += row.Deals
		weighted = weighted.Add(row.Weighted.Amount)
		switch row.Category {
		case CategoryClosedWon:
			closed = closed.Add(row.Amount.Amount)
		case CategoryCommit:
			commit = commit.Add(row.Amount.Amount)
		case CategoryBestCase:
			best = best.Add(row.Amount.Amount)
		default:
			open = open.Add(row.Amount.Amount)
		}
	}
	m := func(d decimal.Decimal) Money { return Money{Amount: d, Currency: r.Basis.Currency} }
	t.Closed = m(closed)
	t.Commit = m(closed.Add(commit))
	t.BestCase = m(closed.Add(commit).Add(best))
	t.Pipeline = m(closed.Add(commit).Add(best).Add(open))
	t.Weighted = m(weighted)
	return t
}

// Rollup returns the rows regrouped by the dimensions given, in the
// report's order; the others are zero in every row. With no dimension it
// returns one row, the grand total.
func (r *ForecastReport) Rollup(dims ...ForecastDimension) []ForecastRow {
	keep := func(d ForecastDimension) bool { return slices.Contains(dims, d) }
	groups := make(map[forecastKey]*ForecastRow)
	for _, row := range r.Rows {
		var k forecastKey
		if keep(ByPeriod) {
			k.period = row.Period
		}
		if keep(ByOwner) {
			k.owner = row.OwnerID
		}
		if keep(ByCategory) {
			k.category = row.Category
		}
		g := groups[k]
		if g == nil {
			g = &ForecastRow{Period: k.period, OwnerID: k.owner, Category: k.category,
				Amount: Money{Currency: r.Basis.Currency}, Weighted: Money{Currency: r.Basis.Currency}}
			groups[k] = g
		}
		g.Deals += row.Deals
		g.Amount.Amount = g.Amount.Amount.Add(row.Amount.Amount)
		g.Weighted.Amount = g.Weighted.Amount.Add(row.Weighted.Amount)
	}
	return sortedRows(groups)
}

type forecastKey struct {
	period   Period
	owner    string
	category ForecastCategory
}

// categoryRank orders categories from the most certain.
func categoryRank(c ForecastCategory) int {
	switch c {
	case CategoryClosedWon:
		return 0
	case CategoryCommit:
		return 1
	case CategoryBestCase:
		return 2
	case CategoryPipeline:
		return 3
	case "":
		return 4
	}
	return 5
}

func sortedRows(groups map[forecastKey]*ForecastRow) []ForecastRow {
	rows := make([]ForecastRow, 0, len(groups))
	for _, g := range groups {
		rows = append(rows, *g)
	}
	slices.SortFunc(rows, func(a, b ForecastRow) int {
		return cmp.Or(a.Period.compare(b.Period), strings.Compare(a.OwnerID, b.OwnerID),
			cmp.Compare(categoryRank(a.Category), categoryRank(b.Category)))
	})
	return rows
}

// Forecaster accumulates a forecast one deal at a time, holding one row
// per period, owner and category. It is not safe for concurrent use.
type Forecaster struct {
	opts      ForecastOptions
	basis     Basis
	pipelines map[string]*Pipeline
	groups    map[forecastKey]*ForecastRow
	excluded  int
}

// NewForecaster returns a Forecaster over the deals of pipelines, which
// give each deal's forecast category (by its stage). It fails with a
// [*ValidationError] on bad options.
func NewForecaster(pipelines []*Pipeline, opts ForecastOptions) (*Forecaster, error) {
	verr := &ValidationError{Entity: "forecast options"}
	basis := opts.Conversion.basis(verr)
	if opts.Period == "" {
		opts.Period = PeriodMonth
	}
	if !opts.Period.Valid() {
		verr.add("period", "unknown unit %q", opts.Period)
	}
	opts.From, opts.To = dateOf(opts.From.UTC()), dateOf(opts.To.UTC())
	if !opts.From.IsZero() && !opts.To.IsZero() && !opts.From.Before(opts.To) {
		verr.add("to", "must be after from")
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	f := &Forecaster{opts: opts, basis: basis, pipelines: make(map[string]*Pipeline, len(pipelines)), groups: make(map[forecastKey]*ForecastRow)}
	for _, p := range pipelines {
		f.pipelines[p.ID] = p
	}
	return f, nil
}

// categoryOf returns the forecast category of o's stage in its pipeline.
// A stage the pipeline no longer has (a deal rebuilt from its history)
// falls back on the deal's status: won, lost, or pipeline while open.
func categoryOf(pipelines map[string]*Pipeline, o *Opportunity) ForecastCategory {
	if p := pipelines[o.PipelineID]; p != nil {
		if s, ok := p.Stage(o.Stage); ok {
			return s.Category
		}
	}
	switch o.Status {
	case OpportunityWon:
		return CategoryClosedWon
	case OpportunityLost:
		return CategoryClosedLost
	}
	return CategoryPipeline
}

// Add counts o in the forecast. It fails, counting nothing, when o's
// amount has no exchange rate into the report's currency ([ErrNoRate]).
func (f *Forecaster) Add(o *Opportunity) error {
	cat := categoryOf(f.pipelines, o)
	if cat == CategoryOmitted || cat == CategoryClosedLost ||
		(!f.opts.From.IsZero() && (o.CloseDate.IsZero() || o.CloseDate.Before(f.opts.From))) ||
		(!f.opts.To.IsZero() && (o.CloseDate.IsZero() || !o.CloseDate.Before(f.opts.To))) {
		f.excluded++
		return nil
	}
	amount, weighted, err := f.opts.convert(o)
	if err != nil {
		return fmt.Errorf("crm: forecast: %w", err)
	}
	k := forecastKey{period: PeriodOf(o.CloseDate, f.opts.Period), owner: o.OwnerID, category: cat}
	g := f.groups[k]
	if g == nil {
		g = &ForecastRow{Period: k.period, OwnerID: k.owner, Category: k.category,
			Amount: Money{Currency: f.basis.Currency}, Weighted: Money{Currency: f.basis.Currency}}
		f.groups[k] = g
	}
	g.Deals++
	g.Amount.Amount = g.Amount.Amount.Add(amount)
	g.Weighted.Amount = g.Weighted.Amount.Add(weighted)
	return nil
}

// Report returns the forecast of the deals added so far.
func (f *Forecaster) Report() *ForecastReport {
	return &ForecastReport{Basis: f.basis, Rows: sortedRows(f.groups), Excluded: f.excluded}
}

// Forecast totals the deals opps yields — open and won ones, by period of
// their close date, owner and forecast category — as [Forecaster] does.
// An error from opps, or a missing exchange rate, ends it with that error.
func Forecast(opps iter.Seq2[*Opportunity, error], pipelines []*Pipeline, opts ForecastOptions) (*ForecastReport, error) {
	f, err := NewForecaster(pipelines, opts)
	if err != nil {
		return nil, err
	}
	for o, err := range opps {
		if err != nil {
			return nil, err
		}
		if err := f.Add(o); err != nil {
			return nil, err
		}
	}
	return f.Report(), nil
}

// Coverage compares the pipeline of a period with a quota: how much is
// won, how much remains to win, and how many times over the open deals
// cover what remains.
type Coverage struct {
	// Basis is the forecast's: how its money was totalled.
	Basis      Basis
	Quota, Won Money
	// Remaining is the quota less what is won, and zero once the quota is
	// met.
	Remaining Money
	// Open totals the open deals and Weighted weighs them by probability.
	Open, Weighted Money
	// Ratio is Open / Remaining and WeightedRatio Weighted / Remaining;
	// both are zero when nothing remains (the quota is met).
	Ratio, WeightedRatio float64
	Met                  bool
}

// PipelineCoverage returns the coverage of quota by the forecast r, which
// should cover the quota's period. Sales teams usually want a ratio of 3
// or more early in a period. The quota must be in r's currency.
func PipelineCoverage(r *ForecastReport, quota Money) (Coverage, error) {
	if quota.Currency != r.Basis.Currency || quota.Sign() < 0 {
		return Coverage{}, &ValidationError{Entity: "coverage", Fields: []FieldError{{Field: "quota",
			Reason: fmt.Sprintf("want a non-negative amount in %s, have %q", r.Basis.Currency, quota.String())}}}
	}
	t := r.Totals()
	cur := r.Basis.Currency
	cov := Coverage{Basis: r.Basis, Quota: quota, Won: t.Closed, Open: Money{Amount: t.Pipeline.Amount.Sub(t.Closed.Amount), Currency: cur}}
	var wonWeighted decimal.Decimal
	for _, row := range r.Rows {
		if row.Category == CategoryClosedWon {
			wonWeighted = wonWeighted.Add(row.Weighted.Amount)
		}
	}
	cov.Weighted = Money{Amount: t.Weighted.Amount.Sub(wonWeighted), Currency: cur}
	rem := quota.Amount.Sub(t.Closed.Amount)
	if rem.Sign() <= 0 {
		cov.Remaining, cov.Met = Money{Amount: decimal.Zero, Currency: cur}, true
		return cov, nil
	}
	cov.Remaining = Money{Amount: rem, Currency: cur}
	cov.Ratio = cov.Open.Amount.Div(rem).InexactFloat64()
	cov.WeightedRatio = cov.Weighted.Amount.Div(rem).InexactFloat64()
	return cov, nil
}
