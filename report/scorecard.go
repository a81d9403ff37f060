package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// Scorecards draws the account-manager scorecards as a table: a row per
// card, in the order given, with the owner, interactions, tasks done on
// time, leads converted, deals advanced, deals won, revenue won (a line
// per currency), NPS (score and number of responses) and complaints
// resolved within SLA; an undefined rate or a missing NPS is "–". The
// table grows wider than Options.Width rather than overlap. No cards
// draws "No data".
func Scorecards(w io.Writer, cards []crm.Scorecard, opts Options) error {
	c := newCanvas("scorecards", opts, "Account manager scorecards")
	if len(cards) == 0 {
		return c.noData(w, "no scorecards")
	}
	l := c.opts.Locale
	ratio := func(r crm.Ratio) string {
		if !r.Valid() {
			return "–"
		}
		return fmt.Sprintf("%s (%s/%s)", l.Percent(r.Value(), 0), l.Int(r.Numerator), l.Int(r.Denominator))
	}
	headers := [][]string{
		{"Owner"}, {"Interactions"}, {"Tasks", "on time"}, {"Leads", "converted"}, {"Deals", "advanced"},
		{"Won"}, {"Revenue won"}, {"NPS"}, {"Complaints", "in SLA"},
	}
	cells := make([][][]string, len(cards))
	for i, s := range cards {
		revenue := []string{"–"}
		if len(s.RevenueWon) > 0 {
			revenue = revenue[:0]
			for _, m := range s.RevenueWon {
				revenue = append(revenue, l.Money(m))
			}
		}
		nps := "–"
		if s.NPS != nil {
			nps = fmt.Sprintf("%s (n=%s)", l.Number(s.NPS.Score, 0), l.Int(s.NPS.N))
		}
		owner := s.OwnerID
		if strings.TrimSpace(owner) == "" {
			owner = "(no owner)"
		}
		cells[i] = [][]string{
			{owner}, {l.Int(s.Interactions)}, {ratio(s.TasksOnTime)}, {l.Int(s.LeadsConverted)},
			{l.Int(s.Advanced)}, {l.Int(s.Won)}, revenue, {nps}, {ratio(s.ComplaintsInSLA)},
		}
	}
	colW := make([]float64, len(headers))
	for k, h := range headers {
		for _, s := range h {
			colW[k] = max(colW[k], textWidth(s, 11))
		}
		for _, row := range cells {
			for _, s := range row[k] {
				colW[k] = max(colW[k], textWidth(s, 12))
			}
		}
		colW[k] += 16
	}
	colW[0] = min(colW[0], 200)
	tableW := 0.0
	for _, cw := range colW {
		tableW += cw
	}
	width := max(float64(c.opts.Width), tableW+32)
	x0, top := 16.0, 44.0
	const headH, lineH = 36.0, 18.0

	c.rect(x0, top, tableW, headH, `fill="#eeeeee"`)
	x := x0
	for k, h := range headers {
		for j, s := range h {
			if k == 0 {
				c.text(x+8, top+15+13*float64(j), s, `font-size="11" font-weight="bold"`)
			} else {
				c.text(x+colW[k]-8, top+15+13*float64(j), s, `text-anchor="end" font-size="11" font-weight="bold"`)
			}
		}
		x += colW[k]
	}
	y := top + headH
	parts := make([]string, len(cards))
	for i, row := range cells {
		lines := 1
		for _, cell := range row {
			lines = max(lines, len(cell))
		}
		h := lineH*float64(lines) + 8
		if i%2 == 1 {
			c.rect(x0, y, tableW, h, `fill="#f6f6f6"`)
		}
		x = x0
		for k, cell := range row {
			for j, s := range cell {
				ty := y + 17 + lineH*float64(j)
				if k == 0 {
					c.text(x+8, ty, fit(s, colW[k]-16, 12), `font-weight="bold"`)
				} else {
					c.text(x+colW[k]-8, ty, s, `text-anchor="end"`)
				}
			}
			x += colW[k]
		}
		y += h
		c.line(x0, y, x0+tableW, y, `stroke="`+colGrid+`"`)
		parts[i] = fmt.Sprintf("%s: %s interactions, tasks on time %s, %s leads converted, %s deals advanced, %s won for %s, NPS %s, complaints in SLA %s",
			row[0][0], row[1][0], row[2][0], row[3][0], row[4][0], row[5][0], strings.Join(row[6], " and "), row[7][0], row[8][0])
	}
	y += 20
	if from, before, ok := samePeriod(cards); ok {
		c.text(16, y, fmt.Sprintf("Period: %s to %s (exclusive).", from.UTC().Format(time.DateOnly), before.UTC().Format(time.DateOnly)), `font-size="11" fill="`+colMuted+`"`)
		y += 16
	}
	desc := fmt.Sprintf("Scorecards of %s account managers: %s.", l.Int(len(cards)), strings.Join(parts, "; "))
	return c.finish(w, width, y, desc)
}

// samePeriod returns the period of the cards if they all share one.
func samePeriod(cards []crm.Scorecard) (from, before time.Time, ok bool) {
	from, before = cards[0].From, cards[0].Before
	if from.IsZero() || before.IsZero() {
		return from, before, false
	}
	for _, s := range cards[1:] {
		if !s.From.Equal(from) || !s.Before.Equal(before) {
			return from, before, false
		}
	}
	return from, before, true
}
