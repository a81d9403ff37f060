package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/crmkit/crm"
)

// Funnel draws the sales funnel r of pipeline p: a horizontal bar per
// step, its stage's name (from p.Stages by key; the step's own name if p
// is nil or lacks the stage), the deals that reached it and the
// conversion from the previous step written beside it, and the win rate
// in a caption. A funnel with no steps or no deals draws "No data"; a nil
// r is an error.
func Funnel(w io.Writer, r *crm.FunnelReport, p *crm.Pipeline, opts Options) error {
	if r == nil {
		return fmt.Errorf("report: funnel: %w", ErrNoReport)
	}
	title := "Sales funnel"
	if p != nil && p.Name != "" {
		title += ": " + p.Name
	}
	c := newCanvas("funnel", opts, title)
	if len(r.Steps) == 0 || r.Deals == 0 {
		return c.noData(w, "no deals in the funnel")
	}
	l := c.opts.Locale
	names := make(map[string]string)
	if p != nil {
		for _, s := range p.Stages {
			names[s.Key] = s.Name
		}
	}
	name := func(s crm.FunnelStep) string {
		for _, n := range []string{names[s.Stage], s.Name, s.Stage} {
			if strings.TrimSpace(n) != "" {
				return n
			}
		}
		return "–"
	}

	width := float64(c.opts.Width)
	nameCol := 80.0
	for _, s := range r.Steps {
		nameCol = max(nameCol, textWidth(name(s), 12)+24)
	}
	nameCol = min(nameCol, width*0.35)
	const rightCol, rowH, barH, top = 190.0, 34.0, 22.0, 66.0
	barX := nameCol
	barMax := max(width-barX-rightCol, 60)
	most := 0
	for _, s := range r.Steps {
		most = max(most, s.Reached)
	}

	c.text(16, top-12, "Stage", `font-weight="bold" fill="`+colMuted+`"`)
	c.text(barX, top-12, "Deals reached (conversion from the previous stage)", `font-weight="bold" fill="`+colMuted+`"`)
	c.line(barX, top-4, barX, top+rowH*float64(len(r.Steps)), `stroke="`+colAxis+`"`)
	parts := make([]string, 0, len(r.Steps))
	for i, s := range r.Steps {
		y := top + rowH*float64(i)
		n := name(s)
		c.text(barX-8, y+barH/2+4, fit(n, nameCol-24, 12), `text-anchor="end"`)
		length := 0.0
		if most > 0 {
			length = barMax * float64(s.Reached) / float64(most)
		}
		fill := okBlue
		if i == len(r.Steps)-1 {
			fill = okGreen
		}
		c.rect(barX, y, length, barH, `fill="`+fill+`"`)
		label := l.Int(s.Reached)
		part := fmt.Sprintf("%s %s", n, l.Int(s.Reached))
		if i > 0 {
			conv := r.Steps[i-1].Conversion
			label += " (" + l.Percent(conv, 1) + ")"
			part += " (" + l.Percent(conv, 1) + ")"
		}
		c.text(barX+length+6, y+barH/2+4, label, "")
		parts = append(parts, part)
	}
	y := top + rowH*float64(len(r.Steps)) + 20
	caption := fmt.Sprintf("Win rate %s: %s of %s deals won; %s lost, %s open.",
		l.Percent(r.WinRate, 1), l.Int(r.Won), l.Int(r.Deals), l.Int(r.Lost), l.Int(r.Open))
	c.text(16, y, caption, "")
	desc := fmt.Sprintf("Sales funnel of %s deals, deals reaching each stage: %s; win rate %s.",
		l.Int(r.Deals), strings.Join(parts, ", "), l.Percent(r.WinRate, 1))
	return c.finish(w, width, y+16, desc)
}
