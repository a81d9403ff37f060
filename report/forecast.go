package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/crmkit/crm"
	"github.com/shopspring/decimal"
)

// forecastSeries are the categories of a forecast chart, from the bottom
// of a stack: the most certain first.
var forecastSeries = []struct {
	cat    crm.ForecastCategory
	label  string
	colour string
}{
	{crm.CategoryClosedWon, "Closed won", okGreen},
	{crm.CategoryCommit, "Commit", okBlue},
	{crm.CategoryBestCase, "Best case", okSkyBlue},
	{crm.CategoryPipeline, "Pipeline", okOrange},
}

// seriesOf returns the index in forecastSeries of category c; any
// category other than the first three counts as pipeline, as
// [crm.ForecastReport.Totals] counts it.
func seriesOf(c crm.ForecastCategory) int {
	for i, s := range forecastSeries[:3] {
		if s.cat == c {
			return i
		}
	}
	return 3
}

// periodLabel names p in l: "Mar 2026", "Q1 2026", "2026", or "no date".
func periodLabel(l Locale, p crm.Period) string {
	switch {
	case p.IsZero():
		return "no date"
	case p.Unit == crm.PeriodQuarter:
		return fmt.Sprintf("Q%d %d", (p.Start.Month()-1)/3+1, p.Start.Year())
	case p.Unit == crm.PeriodYear:
		return strconv.Itoa(p.Start.Year())
	}
	return l.Month(p.Start)
}

// Forecast draws the forecast r by period and category: a stacked bar
// per period (closed won, commit, best case and pipeline, from the
// bottom), with its total above it and each part's amount written on it
// where it fits, a legend, and a y axis in the report's basis currency.
// A report with no rows draws "No data"; a nil r is an error.
func Forecast(w io.Writer, r *crm.ForecastReport, opts Options) error {
	if r == nil {
		return fmt.Errorf("report: forecast: %w", ErrNoReport)
	}
	rows := r.Rollup(crm.ByPeriod, crm.ByCategory)
	unit := "period"
	if len(rows) > 0 {
		switch rows[0].Period.Unit {
		case crm.PeriodMonth:
			unit = "month"
		case crm.PeriodQuarter:
			unit = "quarter"
		case crm.PeriodYear:
			unit = "year"
		}
	}
	c := newCanvas("forecast", opts, "Forecast by "+unit)
	if len(r.Rows) == 0 {
		return c.noData(w, "no deals in the forecast")
	}
	l := c.opts.Locale
	cur := r.Basis.Currency

	var periods []crm.Period
	var amounts [][4]decimal.Decimal
	for _, row := range rows {
		n := len(periods)
		if n == 0 || !periods[n-1].Start.Equal(row.Period.Start) || periods[n-1].Unit != row.Period.Unit {
			periods = append(periods, row.Period)
			amounts = append(amounts, [4]decimal.Decimal{})
			n++
		}
		k := seriesOf(row.Category)
		amounts[n-1][k] = amounts[n-1][k].Add(row.Amount.Amount)
	}
	periods, amounts = fillPeriods(periods, amounts)
	totals := make([]decimal.Decimal, len(periods))
	hi := 0.0
	for i, a := range amounts {
		stack := 0.0
		for _, d := range a {
			totals[i] = totals[i].Add(d)
			if d.Sign() > 0 {
				stack += d.InexactFloat64()
			}
		}
		hi = max(hi, stack)
	}
	topV, step := niceScale(hi, 5)
	digits := stepDigits(step)

	width := float64(c.opts.Width)
	tickW := 0.0
	for v := 0.0; v <= topV+step/2; v += step {
		tickW = max(tickW, textWidth(l.Number(v, digits), 11))
	}
	plotX := 16 + 20 + tickW + 8
	plotY, plotH := 78.0, 240.0
	plotW := max(width-plotX-16, 80)
	base := plotY + plotH
	yOf := func(v float64) float64 { return base - plotH*v/topV }

	colours, labels := make([]string, len(forecastSeries)), make([]string, len(forecastSeries))
	for i, s := range forecastSeries {
		colours[i], labels[i] = s.colour, s.label
	}
	c.legend(plotX, 42, colours, labels)

	for v := 0.0; v <= topV+step/2; v += step {
		y := yOf(v)
		c.line(plotX, y, plotX+plotW, y, `stroke="`+colGrid+`"`)
		c.text(plotX-6, y+4, l.Number(v, digits), `text-anchor="end" font-size="11" fill="`+colMuted+`"`)
	}
	axisTitle := "Amount (" + cur + ")"
	c.raw(`<text x="%s" y="%s" transform="rotate(-90 %s %s)" text-anchor="middle" fill="%s">%s</text>`,
		num(24), num(plotY+plotH/2), num(24), num(plotY+plotH/2), colMuted, esc(axisTitle))

	slot := plotW / float64(len(periods))
	barW := min(slot*0.6, 90)
	parts := make([]string, len(periods))
	for i, p := range periods {
		x := plotX + slot*float64(i) + (slot-barW)/2
		acc := 0.0
		var detail []string
		for k, d := range amounts[i] {
			if d.IsZero() {
				continue
			}
			detail = append(detail, strings.ToLower(forecastSeries[k].label)+" "+l.decimal(d, 0))
			if d.Sign() < 0 {
				continue // a negative amount (credits) has no height; the total and desc count it
			}
			v := d.InexactFloat64()
			y0, y1 := yOf(acc), yOf(acc+v)
			c.rect(x, y1, barW, y0-y1, `fill="`+forecastSeries[k].colour+`" stroke="#ffffff" stroke-width="0.5"`)
			s := l.decimal(d, 0)
			if y0-y1 >= 15 && textWidth(s, 10) <= barW-4 {
				ink := inkOn(forecastSeries[k].colour)
				c.text(x+barW/2, (y0+y1)/2+3.5, s, `text-anchor="middle" font-size="10" fill="`+ink+`"`)
			}
			acc += v
		}
		total := l.decimal(totals[i], 0)
		if textWidth(total, 11) <= slot {
			c.text(x+barW/2, yOf(acc)-5, total, `text-anchor="middle" font-size="11" font-weight="bold"`)
		}
		c.text(x+barW/2, base+16, fit(periodLabel(l, p), slot, 11), `text-anchor="middle" font-size="11"`)
		parts[i] = fmt.Sprintf("%s %s (%s)", periodLabel(l, p), total, strings.Join(detail, ", "))
	}
	c.line(plotX, base, plotX+plotW, base, `stroke="`+colAxis+`"`)
	c.text(plotX+plotW/2, base+36, "Expected close "+unit, `text-anchor="middle" fill="`+colMuted+`"`)

	t := r.Totals()
	caption := fmt.Sprintf("Amounts in %s; pipeline total %s, weighted %s.", cur, l.Money(t.Pipeline), l.Money(t.Weighted))
	if !r.Basis.AsOf.IsZero() {
		caption = fmt.Sprintf("Amounts in %s as of %s; pipeline total %s, weighted %s.",
			cur, r.Basis.AsOf.Format(time.DateOnly), l.Money(t.Pipeline), l.Money(t.Weighted))
	}
	c.text(16, base+60, caption, "")
	desc := fmt.Sprintf("Forecast in %s by %s and category: %s; pipeline total %s.",
		cur, unit, strings.Join(parts, "; "), l.Money(t.Pipeline))
	return c.finish(w, width, base+76, desc)
}

// fillPeriods returns periods, in order, with the periods missing between
// two dated ones put in with no amounts, so that the axis keeps time's
// spacing; the zero Period ("no date") stays last.
func fillPeriods(periods []crm.Period, amounts [][4]decimal.Decimal) ([]crm.Period, [][4]decimal.Decimal) {
	var ps []crm.Period
	var as [][4]decimal.Decimal
	for i, p := range periods {
		if n := len(ps); n > 0 && !p.IsZero() && !ps[n-1].IsZero() && p.Unit == ps[n-1].Unit {
			for next := crm.PeriodOf(ps[n-1].End(), p.Unit); next.Start.Before(p.Start); next = crm.PeriodOf(next.End(), p.Unit) {
				ps = append(ps, next)
				as = append(as, [4]decimal.Decimal{})
			}
		}
		ps = append(ps, p)
		as = append(as, amounts[i])
	}
	return ps, as
}
