package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/crmkit/crm"
)

// CohortHeatMap draws the cohort matrix m as a heat map: a row per
// acquisition month with its size, a column per month since acquisition
// (0, 1, 2, …), each cell coloured on a single-hue scale by retention
// with the percentage written in it (in white or dark text, whichever
// contrasts more), and an empty cell where retention is undefined. A
// matrix with no customers draws "No data"; a nil m is an error. The
// chart grows wider than Options.Width rather than crowd its cells.
func CohortHeatMap(w io.Writer, m *crm.CohortMatrix, opts Options) error {
	if m == nil {
		return fmt.Errorf("report: cohort heat map: %w", ErrNoReport)
	}
	c := newCanvas("cohort", opts, "Retention by acquisition cohort")
	cols, customers := 0, 0
	for _, r := range m.Rows {
		cols = max(cols, len(r.Active))
		customers += r.Size
	}
	if customers == 0 || cols == 0 {
		return c.noData(w, "no customers acquired in the range")
	}
	l := c.opts.Locale
	label := func(r crm.CohortRow) string { return l.Month(r.Cohort) + " (n=" + l.Int(r.Size) + ")" }

	parts := make([]string, 0, len(m.Rows))
	for _, r := range m.Rows {
		var cells []string
		for k := range r.Active {
			if v, ok := r.Retention(k); ok {
				cells = append(cells, l.Percent(v, 0))
			}
		}
		if len(cells) == 0 {
			cells = []string{"no customers"}
		}
		parts = append(parts, label(r)+" "+strings.Join(cells, ", "))
	}
	desc := fmt.Sprintf("Share of each monthly cohort of %s customers buying again 0 to %d months after acquisition: %s.",
		l.Int(customers), cols-1, strings.Join(parts, "; "))

	labelCol := 0.0
	for _, r := range m.Rows {
		labelCol = max(labelCol, textWidth(label(r), 11))
	}
	labelCol += 28
	width := float64(c.opts.Width)
	cellW := max((width-labelCol-16)/float64(cols), 38)
	width = max(width, labelCol+16+cellW*float64(cols))
	const cellH, top = 26.0, 108.0

	// A stepped legend rather than a gradient: readable without colour
	// interpolation and needs no id.
	lx := 16.0
	c.text(lx, 54, "Retention:", `fill="`+colMuted+`"`)
	lx += textWidth("Retention:", 12) + 8
	for i := 0; i <= 5; i++ {
		v := float64(i) / 5
		fill, ink := sequential(v)
		c.rect(lx, 42, 44, 16, `fill="`+fill+`" stroke="`+colBorder+`" stroke-width="0.5"`)
		c.text(lx+22, 54, l.Percent(v, 0), `text-anchor="middle" font-size="10" fill="`+ink+`"`)
		lx += 44
	}

	c.text(labelCol+cellW*float64(cols)/2, top-26, "Months since first purchase", `text-anchor="middle" fill="`+colMuted+`"`)
	c.text(labelCol-8, top-8, "Cohort (customers)", `text-anchor="end" font-size="11" fill="`+colMuted+`"`)
	for k := range cols {
		c.text(labelCol+cellW*(float64(k)+0.5), top-8, l.Int(k), `text-anchor="middle" font-size="11" fill="`+colMuted+`"`)
	}
	for i, r := range m.Rows {
		y := top + cellH*float64(i)
		c.text(labelCol-8, y+cellH/2+4, label(r), `text-anchor="end" font-size="11"`)
		for k := range cols {
			x := labelCol + cellW*float64(k)
			v, ok := r.Retention(k)
			if !ok {
				c.rect(x, y, cellW, cellH, `fill="#ffffff" stroke="#eeeeee" stroke-width="1"`)
				continue
			}
			fill, ink := sequential(v)
			c.rect(x, y, cellW, cellH, `fill="`+fill+`" stroke="#ffffff" stroke-width="1"`)
			c.text(x+cellW/2, y+cellH/2+4, l.Percent(v, 0), `text-anchor="middle" font-size="11" fill="`+ink+`"`)
		}
	}
	y := top + cellH*float64(len(m.Rows)) + 20
	c.text(16, y, "Share of the cohort ordering in each month; blank where undefined (month to come, or no customers).", `font-size="11" fill="`+colMuted+`"`)
	c.setID(desc)
	return c.finish(w, width, y+12, desc)
}
