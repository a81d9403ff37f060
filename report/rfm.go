package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/crmkit/crm"
)

// RFMGrid draws the RFM scores as a 5 × 5 grid, R score along x and F
// score up y: each cell holds the number of customers with that pair,
// shaded on a single-hue scale by that count, and the name of its
// segment. The segment of a cell is the Segment the scores in it carry
// or, for a cell with none, the first rule of Options.RFMSegments
// ([crm.DefaultRFMSegments] if nil) it falls in; heavier lines separate
// segments. Scores with R or F outside 1–5 are left out and counted in the
// caption. No scores draws "No data".
func RFMGrid(w io.Writer, scores []crm.RFMScore, opts Options) error {
	c := newCanvas("rfm", opts, "Customers by recency and frequency")
	var count [6][6]int
	var named [6][6][]string
	outside := 0
	for _, s := range scores {
		if s.R < 1 || s.R > 5 || s.F < 1 || s.F > 5 {
			outside++
			continue
		}
		count[s.R][s.F]++
		if s.Segment != "" && !slices.Contains(named[s.R][s.F], s.Segment) {
			named[s.R][s.F] = append(named[s.R][s.F], s.Segment)
		}
	}
	if len(scores) == outside {
		return c.noData(w, "no RFM scores")
	}
	l := c.opts.Locale
	segs := c.opts.RFMSegments
	if segs == nil {
		segs = crm.DefaultRFMSegments()
	}
	var seg [6][6]string
	most := 0
	bestR, bestF := 0, 0
	for r := 5; r >= 1; r-- {
		for f := 5; f >= 1; f-- {
			names := slices.Clone(named[r][f])
			slices.Sort(names)
			if len(names) == 0 {
				for _, s := range segs {
					if r >= s.RMin && r <= s.RMax && f >= s.FMin && f <= s.FMax {
						names = []string{s.Name}
						break
					}
				}
			}
			seg[r][f] = strings.Join(names, " / ")
			if count[r][f] > most {
				most, bestR, bestF = count[r][f], r, f
			}
		}
	}

	width := float64(c.opts.Width)
	gridX, gridY := 16+20+24.0, 60.0
	cellW := max((width-gridX-16)/5, 70)
	width = max(width, gridX+16+cellW*5)
	cellH := 72.0
	xOf := func(r int) float64 { return gridX + cellW*float64(r-1) }
	yOf := func(f int) float64 { return gridY + cellH*float64(5-f) }
	for r := 1; r <= 5; r++ {
		for f := 1; f <= 5; f++ {
			x, y := xOf(r), yOf(f)
			v := 0.0
			if most > 0 {
				v = float64(count[r][f]) / float64(most)
			}
			fill, ink := sequential(v * 0.85) // keep the darkest shade for nothing: text stays legible
			c.rect(x, y, cellW, cellH, `fill="`+fill+`" stroke="#ffffff" stroke-width="1"`)
			c.text(x+cellW/2, y+24, l.Int(count[r][f]), `text-anchor="middle" font-size="16" font-weight="bold" fill="`+ink+`"`)
			lines := wrap(seg[r][f], int((cellW-8)/(10*0.6)))
			if len(lines) > 3 {
				lines = append(lines[:2], fit(strings.Join(lines[2:], " "), cellW-8, 10))
			}
			for i, ln := range lines {
				c.text(x+cellW/2, y+40+12*float64(i), ln, `text-anchor="middle" font-size="10" fill="`+ink+`"`)
			}
		}
	}
	// Segment boundaries.
	for r := 1; r <= 5; r++ {
		for f := 1; f <= 5; f++ {
			if r < 5 && seg[r][f] != seg[r+1][f] {
				c.line(xOf(r+1), yOf(f), xOf(r+1), yOf(f)+cellH, `stroke="`+colText+`" stroke-width="2"`)
			}
			if f < 5 && seg[r][f] != seg[r][f+1] {
				c.line(xOf(r), yOf(f), xOf(r)+cellW, yOf(f), `stroke="`+colText+`" stroke-width="2"`)
			}
		}
	}
	c.rect(gridX, gridY, cellW*5, cellH*5, `fill="none" stroke="`+colText+`" stroke-width="2"`)
	base := gridY + cellH*5
	for i := 1; i <= 5; i++ {
		c.text(xOf(i)+cellW/2, base+16, l.Int(i), `text-anchor="middle" font-size="11" fill="`+colMuted+`"`)
		c.text(gridX-6, yOf(i)+cellH/2+4, l.Int(i), `text-anchor="end" font-size="11" fill="`+colMuted+`"`)
	}
	c.text(gridX+cellW*2.5, base+34, "Recency score R (5 = bought most recently)", `text-anchor="middle" fill="`+colMuted+`"`)
	c.raw(`<text x="24" y="%s" transform="rotate(-90 24 %s)" text-anchor="middle" fill="%s">Frequency score F (5 = most orders)</text>`,
		num(gridY+cellH*2.5), num(gridY+cellH*2.5), colMuted)
	y := base + 56
	shown := len(scores) - outside
	caption := fmt.Sprintf("%s customers; each cell: customers and their segment.", l.Int(shown))
	if outside > 0 {
		caption += fmt.Sprintf(" %s with scores outside 1–5 not shown.", l.Int(outside))
	}
	c.text(16, y, caption, `font-size="11" fill="`+colMuted+`"`)
	bestSeg := seg[bestR][bestF]
	if bestSeg == "" {
		bestSeg = "no segment"
	}
	desc := fmt.Sprintf("%s customers by RFM recency and frequency score; the largest cell is R%d F%d (%s) with %s.",
		l.Int(shown), bestR, bestF, bestSeg, l.Int(most))
	return c.finish(w, width, y+12, desc)
}
