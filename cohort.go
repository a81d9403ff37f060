package crm

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// This file holds cohort retention: customers grouped by the month of
// their first purchase, and the share of each group buying again month
// by month. Stores count the groups where the orders are
// ([OrderStore.PurchaseCohorts]); [NewCohortMatrix] lays the counts out.

// CohortCount is how many customers of one acquisition cohort bought in
// one month: an entry of [OrderStore.PurchaseCohorts].
type CohortCount struct {
	// Cohort is the month of the customers' first counted order, and
	// Month a month in which they placed a counted order: each as the
	// first instant of the month, in UTC.
	Cohort, Month time.Time
	// Customers counts the customers of Cohort who placed at least one
	// counted order in Month.
	Customers int
}

// PurchaseCohortFilter selects the orders [OrderStore.PurchaseCohorts]
// counts.
type PurchaseCohortFilter struct {
	// AsOf is the instant the cohorts are taken at: only orders placed
	// before it count. Required.
	AsOf time.Time
}

// CohortCounter counts customers by acquisition cohort and month from
// each customer's order times, as [OrderStore.PurchaseCohorts] returns
// them: the rule for a Store that counts in Go rather than in a
// database. The zero CohortCounter is empty and ready to use. It is not
// safe for concurrent use.
type CohortCounter struct {
	counts map[[2]int]int // (cohort, month), as month numbers, to customers
	months []int
}

// monthNumber numbers the UTC month of t: year × 12 + month − 1.
func monthNumber(t time.Time) int {
	t = t.UTC()
	return t.Year()*12 + int(t.Month()) - 1
}

// monthStart returns the first instant of the month numbered n.
func monthStart(n int) time.Time {
	y, m := n/12, n%12
	if m < 0 {
		y, m = y-1, m+12
	}
	return time.Date(y, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)
}

// Add counts one customer whose counted orders were placed at the times
// given, in any order: once in its cohort (the UTC month of the earliest)
// for each distinct UTC month among them. No time counts nothing.
func (c *CohortCounter) Add(placed []time.Time) {
	if len(placed) == 0 {
		return
	}
	if c.counts == nil {
		c.counts = map[[2]int]int{}
	}
	c.months = c.months[:0]
	for _, t := range placed {
		c.months = append(c.months, monthNumber(t))
	}
	slices.Sort(c.months)
	c.months = slices.Compact(c.months)
	for _, m := range c.months {
		c.counts[[2]int{c.months[0], m}]++
	}
}

// Counts returns what has been counted, ordered by cohort and then month.
func (c *CohortCounter) Counts() []CohortCount {
	keys := slices.SortedFunc(maps.Keys(c.counts), func(a, b [2]int) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	})
	out := make([]CohortCount, len(keys))
	for i, k := range keys {
		out[i] = CohortCount{Cohort: monthStart(k[0]), Month: monthStart(k[1]), Customers: c.counts[k]}
	}
	return out
}

// CohortMatrix is the retention of the customers acquired in each month
// of a range, month by month after it. A customer is acquired in the UTC
// month of its first counted order (not [OrderCancelled]), in any
// currency, and is active in a month in which it placed a counted order.
type CohortMatrix struct {
	// From and To bound the cohorts: the months from From up to, not
	// including, To; both are the first instants of months, in UTC. Only
	// orders placed before To count.
	From, To time.Time
	// Rows holds one row per month of the range, in order, including
	// months in which nobody was acquired.
	Rows []CohortRow
}

// CohortRow is one acquisition cohort of a [CohortMatrix].
type CohortRow struct {
	// Cohort is the first instant (UTC) of the cohort's month.
	Cohort time.Time
	// Size is the number of customers acquired in the month.
	Size int
	// Active[k] counts the customers of the cohort who placed a counted
	// order in the k-th month after the cohort's, for every month before
	// the matrix's To; Active[0] is Size.
	Active []int
}

// Retention returns the share of the cohort active k months after its
// month, Active[k] ÷ Size, and whether it is defined: false when k is
// outside Active or the cohort is empty.
func (r CohortRow) Retention(k int) (float64, bool) {
	if k < 0 || k >= len(r.Active) || r.Size == 0 {
		return 0, false
	}
	return float64(r.Active[k]) / float64(r.Size), true
}

// checkMonthRange records in verr a from or to that is not the first
// instant of a UTC month, and a to not after from.
func checkMonthRange(verr *ValidationError, from, to time.Time) {
	isMonth := func(t time.Time) bool { return !t.IsZero() && t.Equal(monthStart(monthNumber(t))) }
	if !isMonth(from) {
		verr.add("from", "must be the first instant of a month in UTC, have %s", from.Format(time.RFC3339Nano))
	}
	if !isMonth(to) {
		verr.add("to", "must be the first instant of a month in UTC, have %s", to.Format(time.RFC3339Nano))
	}
	if isMonth(from) && isMonth(to) && !from.Before(to) {
		verr.add("to", "must be after from")
	}
}

// NewCohortMatrix lays out counts, as [OrderStore.PurchaseCohorts]
// returns them as of to, into the matrix of the cohorts from the month of
// from up to the month before to. from and to must be the first instants
// of UTC months, from before to; otherwise it returns a
// [*ValidationError] naming them. Counts outside the range are ignored.
func NewCohortMatrix(counts []CohortCount, from, to time.Time) (*CohortMatrix, error) {
	verr := &ValidationError{Entity: "cohort range"}
	checkMonthRange(verr, from, to)
	if err := verr.err(); err != nil {
		return nil, err
	}
	first, end := monthNumber(from), monthNumber(to)
	m := &CohortMatrix{From: from.UTC(), To: to.UTC(), Rows: make([]CohortRow, end-first)}
	for i := range m.Rows {
		m.Rows[i] = CohortRow{Cohort: monthStart(first + i), Active: make([]int, end-first-i)}
	}
	for _, c := range counts {
		cohort, month := monthNumber(c.Cohort), monthNumber(c.Month)
		if cohort < first || cohort >= end || month < cohort || month >= end {
			continue
		}
		row := &m.Rows[cohort-first]
		row.Active[month-cohort] += c.Customers
		if month == cohort {
			row.Size += c.Customers
		}
	}
	return m, nil
}

// Cohorts returns the cohort matrix of the customers acquired in the
// months from from up to the month before to, counted as of to by the
// store ([OrderStore.PurchaseCohorts]). from and to must be the first
// instants of UTC months, from before to; otherwise it returns a
// [*ValidationError] naming them and reads nothing.
func (c *Client) Cohorts(ctx context.Context, from, to time.Time) (*CohortMatrix, error) {
	verr := &ValidationError{Entity: "cohort range"}
	checkMonthRange(verr, from, to)
	if err := verr.err(); err != nil {
		return nil, err
	}
	counts, err := c.store.PurchaseCohorts(ctx, PurchaseCohortFilter{AsOf: to})
	if err != nil {
		return nil, fmt.Errorf("crm: purchase cohorts: %w", err)
	}
	return NewCohortMatrix(counts, from, to)
}

// MarshalJSON writes the matrix as
//
//	{"from": "2024-01", "to": "2024-04", "cohorts": [
//	  {"cohort": "2024-01", "size": 10, "active": [10, 4, 3], "retention": [1, 0.4, 0.3]}, …]}
//
// months as YYYY-MM; the retention of an empty cohort is null at every
// month.
func (m *CohortMatrix) MarshalJSON() ([]byte, error) {
	type row struct {
		Cohort    string     `json:"cohort"`
		Size      int        `json:"size"`
		Active    []int      `json:"active"`
		Retention []*float64 `json:"retention"`
	}
	out := struct {
		From    string `json:"from"`
		To      string `json:"to"`
		Cohorts []row  `json:"cohorts"`
	}{From: m.From.Format("2006-01"), To: m.To.Format("2006-01"), Cohorts: make([]row, len(m.Rows))}
	for i, r := range m.Rows {
		jr := row{Cohort: r.Cohort.Format("2006-01"), Size: r.Size, Active: r.Active, Retention: make([]*float64, len(r.Active))}
		for k := range r.Active {
			if v, ok := r.Retention(k); ok {
				jr.Retention[k] = &v
			}
		}
		out.Cohorts[i] = jr
	}
	return json.Marshal(out)
}

// WriteText writes the matrix as an aligned table, right-aligned: one
// line per cohort with its month, its size and its retention in each
// month after it, as a percentage to one decimal ("–" for an empty
// cohort).
func (m *CohortMatrix) WriteText(w io.Writer) error {
	width := 0
	for _, r := range m.Rows {
		width = max(width, len(r.Active))
	}
	head := []string{"cohort", "customers"}
	for k := range width {
		head = append(head, fmt.Sprintf("m%d", k))
	}
	lines := [][]string{head}
	for _, r := range m.Rows {
		cells := []string{r.Cohort.Format("2006-01"), fmt.Sprint(r.Size)}
		for k := range r.Active {
			cells = append(cells, percent(r.Retention(k)))
		}
		lines = append(lines, cells)
	}
	return writeTable(w, lines, tabwriter.AlignRight)
}

// tablePadding is the space between the columns of a text table.
const tablePadding = 2

// writeTable writes lines of cells as a table aligned by text/tabwriter
// with flags, with no space at the ends of its lines.
func writeTable(w io.Writer, lines [][]string, flags uint) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, tablePadding, ' ', flags)
	for _, cells := range lines {
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for line := range strings.Lines(buf.String()) {
		line = strings.TrimRight(line, " \n")
		if flags&tabwriter.AlignRight != 0 {
			line = strings.TrimPrefix(line, strings.Repeat(" ", tablePadding))
		}
		if _, err := io.WriteString(w, line+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// percent formats a share as a percentage to one decimal, or "–" when
// it is undefined.
func percent(v float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", v*100)
}
