package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/crmkit/crm"
	"github.com/shopspring/decimal"
)

// TierShares draws the ABC value tiers of r: for each tier A, B and C a
// pair of horizontal bars, its share of the customers and its share of
// revenue, labelled with the count, both shares and the revenue, on a
// 0–100% axis. A report with no customers draws "No data"; a nil r is an
// error.
func TierShares(w io.Writer, r *crm.ValueReport, opts Options) error {
	if r == nil {
		return fmt.Errorf("report: tier shares: %w", ErrNoReport)
	}
	c := newCanvas("tiers", opts, "Value tiers: customers and revenue")
	tiers := []struct {
		name string
		t    crm.TierTotal
	}{{"A", r.A}, {"B", r.B}, {"C", r.C}}
	total := 0
	for _, t := range tiers {
		total += t.t.Customers
	}
	if total == 0 {
		return c.noData(w, "no customers in the value tiers")
	}
	l := c.opts.Locale
	width := float64(c.opts.Width)
	const labelCol, rightCol, top, groupH, barH = 76.0, 250.0, 74.0, 70.0, 20.0
	barX := labelCol
	barW := max(width-barX-rightCol, 80)
	c.legend(barX, 42, []string{okOrange, okBlue}, []string{"Share of customers", "Share of revenue"})

	base := top + groupH*3 - 10
	for v := 0; v <= 100; v += 25 {
		x := barX + barW*float64(v)/100
		c.line(x, top-6, x, base, `stroke="`+colGrid+`"`)
		c.text(x, base+14, l.Percent(float64(v)/100, 0), `text-anchor="middle" font-size="11" fill="`+colMuted+`"`)
	}
	c.text(barX+barW/2, base+32, "Share of all customers and of all revenue", `text-anchor="middle" fill="`+colMuted+`"`)
	parts := make([]string, len(tiers))
	for i, t := range tiers {
		y := top + groupH*float64(i)
		custShare := float64(t.t.Customers) / float64(total)
		revShare := t.t.Share.InexactFloat64()
		c.text(16, y+barH+6, "Tier "+t.name, `font-size="14" font-weight="bold"`)
		c.rect(barX, y, barW*clamp(custShare, 0, 1), barH, `fill="`+okOrange+`"`)
		c.rect(barX, y+barH+4, barW*clamp(revShare, 0, 1), barH, `fill="`+okBlue+`"`)
		noun := "customers"
		if t.t.Customers == 1 {
			noun = "customer"
		}
		custLabel := fmt.Sprintf("%s %s, %s", l.Int(t.t.Customers), noun, l.Percent(custShare, 1))
		share := t.t.Share // rounded to four places: divide afresh when the total allows
		if !r.Revenue.Amount.IsZero() {
			share = t.t.Revenue.Amount.DivRound(r.Revenue.Amount, 16)
		}
		revLabel := fmt.Sprintf("%s of revenue, %s", percentDecimal(l, share, 1), l.Money(t.t.Revenue))
		c.text(barX+barW+8, y+barH/2+4, custLabel, "")
		c.text(barX+barW+8, y+barH*1.5+8, fit(revLabel, rightCol-12, 12), "")
		parts[i] = fmt.Sprintf("tier %s %s and %s", t.name, custLabel, revLabel)
	}
	y := base + 54
	caption := fmt.Sprintf("%s customers, revenue %s.", l.Int(total), l.Money(r.Revenue))
	if r.TopCustomers > 0 {
		caption += fmt.Sprintf(" The top %s customers make %s of it.", l.Int(r.TopCustomers), percentDecimal(l, r.TopShare, 1))
	}
	c.text(16, y, caption, "")
	desc := fmt.Sprintf("ABC value tiers of %s customers: %s.", l.Int(total), strings.Join(parts, "; "))
	return c.finish(w, width, y+14, desc)
}

// percentDecimal formats the fraction d as a percentage exactly, rounded
// half to even to digits places.
func percentDecimal(l Locale, d decimal.Decimal, digits int) string {
	l = l.norm()
	s := l.decimal(d.Shift(2), digits)
	if l.PercentSpace {
		return s + "\u00a0%"
	}
	return s + "%"
}
