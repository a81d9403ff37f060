package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// NPSPoint is one point of an NPS trend: the score of the responses of
// one period.
type NPSPoint struct {
	Period crm.Period
	Score  crm.NPS
}

// interval returns the confidence interval of s: the adjusted Wald one,
// or the Wald one if that is zero, clipped to −100…100.
func interval(s crm.NPS) crm.Interval {
	iv := s.AdjustedWald
	if iv == (crm.Interval{}) {
		iv = s.Wald
	}
	return crm.Interval{Low: clamp(iv.Low, -100, 100), High: clamp(iv.High, -100, 100)}
}

func clamp(v, lo, hi float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return min(max(v, lo), hi)
}

// NPSTrend draws NPS over time: a line through each point's Score with a
// shaded band of its confidence interval (the adjusted Wald interval, or
// the Wald one if that is zero) and an error bar, the score written at
// each point, a y axis from −100 to 100 with a zero line, and the periods
// with each point's number of responses along the x axis. Points are
// drawn in the order given. No points draws "No data".
func NPSTrend(w io.Writer, points []NPSPoint, opts Options) error {
	c := newCanvas("nps", opts, "Net Promoter Score over time")
	if len(points) == 0 {
		return c.noData(w, "no NPS scores")
	}
	l := c.opts.Locale
	width := float64(c.opts.Width)
	plotX, plotY, plotH := 16+20+30.0, 78.0, 240.0
	plotW := max(width-plotX-16, 80)
	yOf := func(v float64) float64 { return plotY + plotH*(100-clamp(v, -100, 100))/200 }
	slot := plotW / float64(len(points))
	xOf := func(i int) float64 { return plotX + slot*(float64(i)+0.5) }

	conf := 0.0
	for _, p := range points {
		if p.Score.Confidence > 0 {
			conf = p.Score.Confidence
			break
		}
	}
	band := "Confidence interval"
	if conf > 0 {
		band = l.Percent(conf, 0) + " confidence interval"
	}
	lx := plotX
	c.line(lx, 48, lx+20, 48, `stroke="`+okBlue+`" stroke-width="2.5"`)
	c.raw(`<circle cx="%s" cy="48" r="3.5" fill="%s"/>`, num(lx+10), okBlue)
	c.text(lx+26, 52, "NPS", "")
	lx += 26 + textWidth("NPS", 12) + 18
	c.rect(lx, 42, 20, 12, `fill="`+okSkyBlue+`" fill-opacity="0.35" stroke="`+okSkyBlue+`"`)
	c.text(lx+26, 52, band, "")

	for v := -100.0; v <= 100; v += 50 {
		y := yOf(v)
		stroke := `stroke="` + colGrid + `"`
		if v == 0 {
			stroke = `stroke="` + colAxis + `" stroke-width="1.5"`
		}
		c.line(plotX, y, plotX+plotW, y, stroke)
		c.text(plotX-6, y+4, l.Number(v, 0), `text-anchor="end" font-size="11" fill="`+colMuted+`"`)
	}
	c.raw(`<text x="24" y="%s" transform="rotate(-90 24 %s)" text-anchor="middle" fill="%s">NPS (−100 to 100)</text>`,
		num(plotY+plotH/2), num(plotY+plotH/2), colMuted)

	var upper, lower, line []string
	for i, p := range points {
		iv := interval(p.Score)
		upper = append(upper, num(xOf(i))+","+num(yOf(iv.High)))
		lower = append([]string{num(xOf(i)) + "," + num(yOf(iv.Low))}, lower...)
		line = append(line, num(xOf(i))+","+num(yOf(p.Score.Score)))
	}
	if len(points) > 1 {
		c.raw(`<polygon points="%s" fill="%s" fill-opacity="0.35" stroke="none"/>`, strings.Join(append(upper, lower...), " "), okSkyBlue)
		c.raw(`<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5" stroke-linejoin="round"/>`, strings.Join(line, " "), okBlue)
	}
	small := false
	parts := make([]string, len(points))
	for i, p := range points {
		x, iv := xOf(i), interval(p.Score)
		c.line(x, yOf(iv.High), x, yOf(iv.Low), `stroke="`+okBlue+`" stroke-width="1"`)
		c.line(x-4, yOf(iv.High), x+4, yOf(iv.High), `stroke="`+okBlue+`" stroke-width="1"`)
		c.line(x-4, yOf(iv.Low), x+4, yOf(iv.Low), `stroke="`+okBlue+`" stroke-width="1"`)
		y := yOf(p.Score.Score)
		c.raw(`<circle cx="%s" cy="%s" r="4" fill="%s" stroke="#ffffff" stroke-width="1.5"/>`, num(x), num(y), okBlue)
		score := l.Number(p.Score.Score, 0)
		ly := y - 9
		if p.Score.Score > 80 {
			ly = y + 18
		}
		c.text(x+7, ly, score, `font-size="11" font-weight="bold"`)
		label := periodLabel(l, p.Period)
		c.text(x, plotY+plotH+16, fit(axisLabel(l, p.Period, label, i == 0, slot), slot, 11), `text-anchor="middle" font-size="11"`)
		n := "n=" + l.Int(p.Score.N)
		if p.Score.Small {
			n += "*"
			small = true
		}
		c.text(x, plotY+plotH+30, n, `text-anchor="middle" font-size="10" fill="`+colMuted+`"`)
		parts[i] = fmt.Sprintf("%s %s (%s to %s, n=%s)", label, score, l.Number(iv.Low, 0), l.Number(iv.High, 0), l.Int(p.Score.N))
	}
	y := plotY + plotH + 52
	if small {
		c.text(16, y, "* small sample: the interval is rough.", `font-size="11" fill="`+colMuted+`"`)
		y += 16
	}
	desc := fmt.Sprintf("Net Promoter Score by period, with its %s: %s.", strings.ToLower(band), strings.Join(parts, "; "))
	return c.finish(w, width, y+4, desc)
}

// axisLabel shortens the label of a month that does not fit its slot to
// the month's name, with the year's last two digits on the first point
// and in January: "Apr '25", "May", …, "Jan '26".
func axisLabel(l Locale, p crm.Period, label string, first bool, slot float64) string {
	if p.Unit != crm.PeriodMonth || textWidth(label, 11) <= slot {
		return label
	}
	short := l.norm().Months[p.Start.Month()-1]
	if first || p.Start.Month() == time.January {
		short += fmt.Sprintf(" ’%02d", p.Start.Year()%100)
	}
	return short
}
