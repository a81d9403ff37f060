package report

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/crmkit/crm"
)

// ErrNoReport is returned, wrapped, when a chart is given a nil report.
var ErrNoReport = errors.New("report: nil report")

// Options shape one chart.
type Options struct {
	// Locale formats the numbers, percentages, money and months; the
	// zero value means [English].
	Locale Locale
	// Title is the chart's heading and its SVG <title>; each chart has a
	// sensible default.
	Title string
	// Width is the width in px; 0 means 640. Tables and heat maps with
	// many columns grow wider than Width rather than overlap.
	Width int
	// IDPrefix, if set, starts every id of the chart instead of the kind
	// of chart and a hash of its title and summary; set it to tell apart
	// two charts with the same title and data inlined into one page. Only
	// ASCII letters, digits, '-' and '_' are kept.
	IDPrefix string
	// RFMSegments is the segment map that labels the regions of
	// [RFMGrid]; nil means [crm.DefaultRFMSegments].
	RFMSegments []crm.RFMSegment
}

const (
	defaultWidth = 640
	fontStack    = `system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif`

	colText   = "#222222"
	colMuted  = "#555555"
	colAxis   = "#666666"
	colGrid   = "#dddddd"
	colBorder = "#bbbbbb"
)

// The Okabe–Ito palette, which stays distinguishable with the common
// colour-vision deficiencies.
const (
	okOrange    = "#E69F00"
	okSkyBlue   = "#56B4E9"
	okGreen     = "#009E73"
	okYellow    = "#F0E442"
	okBlue      = "#0072B2"
	okVermilion = "#D55E00"
	okPurple    = "#CC79A7"
	okBlack     = "#000000"
)

// canvas collects the body of one SVG document; finish writes it whole,
// so a writer never receives half a chart.
type canvas struct {
	body  bytes.Buffer
	kind  string
	opts  Options
	title string
	id    string
}

// newCanvas starts a chart of kind (such as "funnel") titled by opts or,
// failing that, by def.
func newCanvas(kind string, opts Options, def string) *canvas {
	opts.Locale = opts.Locale.norm()
	if opts.Width <= 0 {
		opts.Width = defaultWidth
	}
	t := strings.TrimSpace(opts.Title)
	if t == "" {
		t = def
	}
	return &canvas{kind: kind, opts: opts, title: t}
}

// setID fixes the chart's id prefix from the options, or from its kind
// and a hash of its title and desc.
func (c *canvas) setID(desc string) {
	if p := sanitizeID(c.opts.IDPrefix); p != "" {
		c.id = p
		return
	}
	h := fnv.New32a()
	io.WriteString(h, c.title+"\x00"+desc)
	c.id = fmt.Sprintf("crm-%s-%06x", c.kind, h.Sum32()&0xffffff)
}

func sanitizeID(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if out != "" && !(out[0] >= 'a' && out[0] <= 'z' || out[0] >= 'A' && out[0] <= 'Z' || out[0] == '_') {
		out = "id" + out
	}
	return out
}

// ref returns the chart's id for name, such as "crm-funnel-1a2b3c-title".
func (c *canvas) ref(name string) string { return c.id + "-" + name }

// finish writes the document of width × height with desc as its
// summary to w.
func (c *canvas) finish(w io.Writer, width, height float64, desc string) error {
	if c.id == "" {
		c.setID(desc)
	}
	var out bytes.Buffer
	wd, ht := num(math.Ceil(width)), num(math.Ceil(height))
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-labelledby="%s %s" font-family="%s" font-size="12" fill="%s">`+"\n",
		wd, ht, wd, ht, c.ref("title"), c.ref("desc"), fontStack, colText)
	fmt.Fprintf(&out, `<title id="%s">%s</title>`+"\n", c.ref("title"), esc(c.title))
	fmt.Fprintf(&out, `<desc id="%s">%s</desc>`+"\n", c.ref("desc"), esc(desc))
	fmt.Fprintf(&out, `<rect x="0" y="0" width="%s" height="%s" fill="#ffffff"/>`+"\n", wd, ht)
	fmt.Fprintf(&out, `<text x="16" y="26" font-size="16" font-weight="bold">%s</text>`+"\n", esc(c.title))
	out.Write(c.body.Bytes())
	out.WriteString("</svg>\n")
	_, err := w.Write(out.Bytes())
	return err
}

// noData writes a chart that says "No data".
func (c *canvas) noData(w io.Writer, what string) error {
	width := float64(c.opts.Width)
	c.body.Reset()
	c.text(width/2, 76, "No data", `text-anchor="middle" font-size="14" fill="`+colMuted+`"`)
	return c.finish(w, width, 110, "No data: "+what+".")
}

// raw appends formatted markup; arguments must already be escaped.
func (c *canvas) raw(format string, args ...any) {
	fmt.Fprintf(&c.body, format, args...)
	c.body.WriteByte('\n')
}

func (c *canvas) rect(x, y, w, h float64, attrs string) {
	c.raw(`<rect x="%s" y="%s" width="%s" height="%s" %s/>`, num(x), num(y), num(max(w, 0)), num(max(h, 0)), attrs)
}

func (c *canvas) line(x1, y1, x2, y2 float64, attrs string) {
	c.raw(`<line x1="%s" y1="%s" x2="%s" y2="%s" %s/>`, num(x1), num(y1), num(x2), num(y2), attrs)
}

// text writes s, escaped, at x, y; attrs are trusted markup.
func (c *canvas) text(x, y float64, s, attrs string) {
	if attrs != "" {
		attrs = " " + attrs
	}
	c.raw(`<text x="%s" y="%s"%s>%s</text>`, num(x), num(y), attrs, esc(s))
}

// legend draws swatches and labels in a row from x, y (the swatches'
// top) and returns the x after the last.
func (c *canvas) legend(x, y float64, colours, labels []string) float64 {
	for i, l := range labels {
		c.rect(x, y, 12, 12, `fill="`+colours[i]+`" stroke="`+colText+`" stroke-width="0.5"`)
		c.text(x+16, y+10, l, "")
		x += 16 + textWidth(l, 12) + 18
	}
	return x
}

// num writes v with at most two decimals and no trailing zeros.
func num(v float64) string {
	v = math.Round(v*100) / 100
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// esc escapes s for XML text and attribute values; characters XML cannot
// hold become U+FFFD.
func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || r == utf8.RuneError || (r >= 0xD800 && r <= 0xDFFF):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// textWidth estimates the width in px of s at size px: there are no font
// metrics offline, so it takes 0.6 em a character, generous for the
// usual sans-serif fonts.
func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * 0.6
}

// fit shortens s with an ellipsis to fit width px at size px.
func fit(s string, width, size float64) string {
	n := int(width / (size * 0.6))
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 2 {
		return "…"
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// niceScale returns an axis top at or above hi and a tick step, in steps
// of 1, 2, 2.5 or 5 times a power of ten, about n of them.
func niceScale(hi float64, n int) (top, step float64) {
	if hi <= 0 || math.IsNaN(hi) || math.IsInf(hi, 0) {
		return 1, 0.25
	}
	raw := hi / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	return math.Ceil(hi/step-1e-9) * step, step
}

// stepDigits is the number of decimals the ticks of step need.
func stepDigits(step float64) int {
	for d := 0; d < 6; d++ {
		if math.Abs(step*math.Pow(10, float64(d))-math.Round(step*math.Pow(10, float64(d)))) < 1e-9 {
			return d
		}
	}
	return 6
}

// blues is a sequential single-hue scale, light to dark (ColorBrewer
// Blues), readable with every common colour-vision deficiency.
var blues = [...][3]float64{
	{0xf7, 0xfb, 0xff}, {0xde, 0xeb, 0xf7}, {0xc6, 0xdb, 0xef}, {0x9e, 0xca, 0xe1},
	{0x6b, 0xae, 0xd6}, {0x42, 0x92, 0xc6}, {0x21, 0x71, 0xb5}, {0x08, 0x51, 0x9c}, {0x08, 0x30, 0x6b},
}

// sequential returns the colour of v in 0–1 on the blues scale, and the
// text colour (dark or white) that contrasts with it most.
func sequential(v float64) (fill, ink string) {
	v = min(max(v, 0), 1)
	pos := v * float64(len(blues)-1)
	i := min(int(pos), len(blues)-2)
	f := pos - float64(i)
	var rgb [3]float64
	for k := range rgb {
		rgb[k] = math.Round(blues[i][k] + (blues[i+1][k]-blues[i][k])*f)
	}
	return fmt.Sprintf("#%02x%02x%02x", int(rgb[0]), int(rgb[1]), int(rgb[2])), inkFor(rgb)
}

// inkFor returns the text colour, white or dark, whose WCAG contrast
// with the background rgb is higher.
func inkFor(rgb [3]float64) string {
	lum := luminance(rgb)
	dark := luminance([3]float64{0x22, 0x22, 0x22})
	if 1.05/(lum+0.05) > (lum+0.05)/(dark+0.05) {
		return "#ffffff"
	}
	return colText
}

// inkOn returns the text colour that contrasts most with colour, written
// "#rrggbb".
func inkOn(colour string) string {
	var rgb [3]float64
	for k := range rgb {
		v, _ := strconv.ParseUint(colour[1+2*k:3+2*k], 16, 8)
		rgb[k] = float64(v)
	}
	return inkFor(rgb)
}

// luminance is the WCAG relative luminance of an sRGB colour.
func luminance(rgb [3]float64) float64 {
	var l [3]float64
	for k, c := range rgb {
		c /= 255
		if c <= 0.04045 {
			l[k] = c / 12.92
		} else {
			l[k] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

// wrap splits s into lines of at most n characters at spaces; a word
// longer than n stands on its own line.
func wrap(s string, n int) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = w
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) <= n:
			cur += " " + w
		default:
			lines = append(lines, cur)
			cur = w
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}
