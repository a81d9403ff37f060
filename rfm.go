package crm

import (
	"cmp"
	"context"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// This file holds RFM analysis: recency, frequency and monetary value
// scored in quintiles over purchase summaries, and the named segments
// of the R and F scores.

// RFMScore is one customer's RFM analysis.
type RFMScore struct {
	// CustomerID is the customer scored.
	CustomerID string
	// Recency is the whole days from the last purchase to the as-of
	// instant, rounded down ([PurchaseSummary.RecencyDays]).
	Recency int
	// Frequency is the number of orders.
	Frequency int
	// Monetary is the total spend, exact.
	Monetary Money
	// R, F and M are the quintile scores, 1 to 5: 5 is the most recent
	// fifth of customers, the most frequent, the biggest spenders.
	R, F, M int
	// Segment is the name of the first rule of the segment map that the
	// R and F scores fall in, or "" if none does.
	Segment string
}

// RFMSegment is one rule of a segment map: customers whose R score is in
// RMin…RMax and whose F score is in FMin…FMax, bounds included, belong to
// the segment Name.
type RFMSegment struct {
	Name       string
	RMin, RMax int
	FMin, FMax int
}

// Names of the segments of [DefaultRFMSegments].
const (
	RFMChampions          = "Champions"
	RFMLoyalCustomers     = "Loyal Customers"
	RFMPotentialLoyalists = "Potential Loyalists"
	RFMNewCustomers       = "New Customers"
	RFMPromising          = "Promising"
	RFMNeedAttention      = "Need Attention"
	RFMAboutToSleep       = "About to Sleep"
	RFMAtRisk             = "At Risk"
	RFMCantLoseThem       = "Can't Lose Them"
	RFMHibernating        = "Hibernating"
)

// DefaultRFMSegments returns the widely used ten-segment map of the R and
// F scores, which covers every pair once:
//
//	R\F   1            2           3           4          5
//	5     New          Potential   Potential   Champions  Champions
//	4     Promising    Potential   Potential   Loyal      Loyal
//	3     About to Sleep           Need Att.   Loyal      Loyal
//	2     Hibernating  Hibernating At Risk     At Risk    Can't Lose Them
//	1     Hibernating  Hibernating At Risk     At Risk    Can't Lose Them
//
// (R 3 with F 1 or 2 is About to Sleep.)
func DefaultRFMSegments() []RFMSegment {
	return []RFMSegment{
		{RFMChampions, 5, 5, 4, 5},
		{RFMLoyalCustomers, 3, 4, 4, 5},
		{RFMPotentialLoyalists, 4, 5, 2, 3},
		{RFMNewCustomers, 5, 5, 1, 1},
		{RFMPromising, 4, 4, 1, 1},
		{RFMNeedAttention, 3, 3, 3, 3},
		{RFMAboutToSleep, 3, 3, 1, 2},
		{RFMAtRisk, 1, 2, 3, 4},
		{RFMCantLoseThem, 1, 2, 5, 5},
		{RFMHibernating, 1, 2, 1, 2},
	}
}

// RFMOptions configures [ScoreRFM].
type RFMOptions struct {
	// AsOf is the instant recency is measured to. Required.
	AsOf time.Time
	// Segments is the segment map, tried in order; nil means
	// [DefaultRFMSegments]. An empty, non-nil map names no segments.
	Segments []RFMSegment
}

// ScoreRFM scores each customer of summaries, which must be in one
// currency and name each customer once, and returns the scores in
// ascending customer ID order.
//
// Each of recency, frequency and monetary value is ranked over all the
// customers, and the ranks are cut into quintiles as pandas
// qcut(x.rank(method="first"), 5) does: customers are ordered by the
// value (recency descending, so that the most recent come last;
// frequency and monetary ascending), ties by customer ID ascending, and
// the customer at rank k of n (1-based) scores ⌈5(k−1)/(n−1)⌉, at least
// 1: qcut's bin edges lie at 1 + (n−1)j/5 and each bin is closed on the
// right. So tied customers may score differently, the lower ID the lower
// score, and the result is deterministic. A single customer scores 1.
//
// Bad input is a [*ValidationError]: a zero AsOf ("as_of"), a bad
// segment rule ("segments[i]"), a customer named twice
// ("summaries[i].customer_id") or a second currency
// ("summaries[i].total"). ScoreRFM sorts a copy of its input: it needs
// memory for all the customers at once, O(n), and O(n log n) time.
func ScoreRFM(summaries []PurchaseSummary, opts RFMOptions) ([]RFMScore, error) {
	segments, err := rfmOptions(opts)
	if err != nil {
		return nil, err
	}
	verr := &ValidationError{Entity: "rfm"}
	idx, _ := checkSummaries(verr, summaries)
	if err := verr.err(); err != nil {
		return nil, err
	}
	out := make([]RFMScore, len(summaries))
	for pos, i := range idx {
		out[pos] = newRFMScore(&summaries[i], opts.AsOf)
	}
	scoreRFM(out, segments)
	return out, nil
}

// scoreRFMPages is [ScoreRFM] over the concatenation of pages, read in
// place, when their customers ascend strictly and they are in one
// currency, as a store's pages are; ok is false, and nothing is done,
// otherwise or if opts are bad.
func scoreRFMPages(pages [][]PurchaseSummary, opts RFMOptions) (out []RFMScore, ok bool) {
	segments, err := rfmOptions(opts)
	if err != nil {
		return nil, false
	}
	n, prev, currency := 0, (*PurchaseSummary)(nil), ""
	for _, page := range pages {
		for i := range page {
			s := &page[i]
			if prev == nil {
				currency = s.Total.Currency
			} else if s.CustomerID <= prev.CustomerID || s.Total.Currency != currency {
				return nil, false
			}
			n, prev = n+1, s
		}
	}
	out = make([]RFMScore, 0, n)
	for _, page := range pages {
		for i := range page {
			out = append(out, newRFMScore(&page[i], opts.AsOf))
		}
	}
	scoreRFM(out, segments)
	return out, true
}

// rfmOptions returns the segment map of opts, or a [*ValidationError]
// naming a zero AsOf and each bad segment rule.
func rfmOptions(opts RFMOptions) ([]RFMSegment, error) {
	verr := &ValidationError{Entity: "rfm"}
	if opts.AsOf.IsZero() {
		verr.add("as_of", "required")
	}
	segments := opts.Segments
	if segments == nil {
		segments = DefaultRFMSegments()
	}
	validateRFMSegments(verr, segments)
	return segments, verr.err()
}

// newRFMScore returns the unscored RFM values of s as of asOf.
func newRFMScore(s *PurchaseSummary, asOf time.Time) RFMScore {
	return RFMScore{CustomerID: s.CustomerID, Recency: s.RecencyDays(asOf), Frequency: s.Orders, Monetary: s.Total}
}

// scoreRFM sets the R, F and M scores and the segment of out, in
// customer ID order.
func scoreRFM(out []RFMScore, segments []RFMSegment) {
	n := len(out)
	ranks, packed := make([]rankKey, n), make([]uint64, 2*n) // keys, then scratch
	// The scores go to compact arrays first, where the sorted ranks
	// write them out of order, and then to out in one pass.
	scores := make([]int8, 3*n)
	r, f, m := scores[:n], scores[n:2*n], scores[2*n:]
	for i := range out {
		ranks[i] = rankKey{-int64(out[i].Recency), int32(i)} // the most recent last
	}
	setQuintiles(ranks, packed, r)
	for i := range out {
		ranks[i] = rankKey{int64(out[i].Frequency), int32(i)}
	}
	setQuintiles(ranks, packed, f)
	monetaryQuintiles(out, ranks, packed, m)
	var names [5][5]string // by R and F score
	for r := range names {
		for f := range names[r] {
			names[r][f] = rfmSegment(segments, r+1, f+1)
		}
	}
	for i := range out {
		s := &out[i]
		s.R, s.F, s.M = int(r[i]), int(f[i]), int(m[i])
		s.Segment = names[s.R-1][s.F-1]
	}
}

// ScoreRFM reads the purchase summaries f selects, in f.Currency (which
// is required: RFM compares spend in one currency), and scores them with
// [ScoreRFM]; opts.AsOf defaults to f.AsOf. It holds every summary in
// memory at once.
func (c *Client) ScoreRFM(ctx context.Context, f PurchaseSummaryFilter, opts RFMOptions) ([]RFMScore, error) {
	if strings.TrimSpace(f.Currency) == "" {
		return nil, &ValidationError{Entity: "purchase summary filter", Fields: []FieldError{{Field: "currency", Reason: "required: RFM compares spend in one currency"}}}
	}
	if opts.AsOf.IsZero() {
		opts.AsOf = f.AsOf
	}
	var pages [][]PurchaseSummary // scored in place, not copied summary by summary
	for {
		page, next, err := c.ListPurchaseSummaries(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("crm: score rfm: %w", err)
		}
		pages = append(pages, page)
		if next == "" {
			break
		}
		f.After = next
	}
	if out, ok := scoreRFMPages(pages, opts); ok {
		return out, nil
	}
	return ScoreRFM(slices.Concat(pages...), opts) // to name what is wrong
}

// validateRFMSegments records in verr every rule of segments without a
// name or with bounds outside 1…5 or reversed.
func validateRFMSegments(verr *ValidationError, segments []RFMSegment) {
	in := func(lo, hi int) bool { return 1 <= lo && lo <= hi && hi <= 5 }
	for i, s := range segments {
		switch {
		case strings.TrimSpace(s.Name) == "":
			verr.add(fmt.Sprintf("segments[%d].name", i), "required")
		case !in(s.RMin, s.RMax) || !in(s.FMin, s.FMax):
			verr.add(fmt.Sprintf("segments[%d]", i), "scores must satisfy 1 ≤ min ≤ max ≤ 5")
		}
	}
}

// rfmSegment returns the name of the first rule of segments that r and f
// fall in, or "".
func rfmSegment(segments []RFMSegment, r, f int) string {
	for _, s := range segments {
		if s.RMin <= r && r <= s.RMax && s.FMin <= f && f <= s.FMax {
			return s.Name
		}
	}
	return ""
}

// Quintile returns the score, 1 to 5, of rank k (1-based) among n, as
// pandas qcut(ranks, 5) bins the ranks 1…n: ⌈5(k−1)/(n−1)⌉, and 1 for
// k = 1 or n = 1. It panics unless 1 ≤ k ≤ n.
func Quintile(k, n int) int {
	if k < 1 || k > n {
		panic(fmt.Sprintf("crm: quintile of rank %d among %d", k, n))
	}
	if n == 1 || k == 1 {
		return 1
	}
	return (5*(k-1) + n - 2) / (n - 1)
}

// rankKey orders one customer, at position pos of the scores (customer ID
// order), by key.
type rankKey struct {
	key int64
	pos int32
}

func compareRank(a, b rankKey) int {
	return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.pos, b.pos))
}

// posBits is how many low bits of a packed rank key hold the position.
const posBits = 24

// quintileCuts are, for n ranks, the last ranks that [Quintile] scores
// 1, 2, 3 and 4: the score of rank k is one more than the number of
// cuts below k, with no division per rank.
type quintileCuts [4]int

func newQuintileCuts(n int) quintileCuts {
	var c quintileCuts
	for q := range c {
		c[q] = (q+1)*(n-1)/5 + 1 // 5(k−1) ≤ (q+1)(n−1)
	}
	return c
}

// score returns Quintile(k, n) for the n of c.
func (c *quintileCuts) score(k int) int8 {
	s := int8(1)
	for _, last := range c {
		if k > last {
			s++
		}
	}
	return s
}

// setQuintiles sets scores[ranks[i].pos] to the quintile of it by
// ranks[i].key, ties in position order; ranks are in position order.
// Keys spanning at most four values per score, such as recency in days
// and order counts, are ranked by counting, in linear time. Otherwise,
// when the keys span less than 2^40 and there are fewer than 2^24
// scores, it sorts (key, position) packed into one uint64, a plain
// integer sort, in packed (reused between calls; twice as long as ranks,
// the second half scratch).
func setQuintiles(ranks []rankKey, packed []uint64, scores []int8) {
	n := len(ranks)
	if n == 0 {
		return
	}
	cuts := newQuintileCuts(n)
	lo, hi := ranks[0].key, ranks[0].key
	for _, r := range ranks {
		lo, hi = min(lo, r.key), max(hi, r.key)
	}
	span := uint64(hi - lo)
	switch {
	case hi-lo >= 0 && span < 4*uint64(n):
		// next[v] is the 1-based rank of the next key lo+v in
		// position order.
		next := make([]int32, span+1)
		for _, r := range ranks {
			next[r.key-lo]++
		}
		rank := int32(1)
		for v, c := range next {
			next[v], rank = rank, rank+c
		}
		for _, r := range ranks {
			k := &next[r.key-lo]
			scores[r.pos] = cuts.score(int(*k))
			*k++
		}
	case n < 1<<posBits && hi-lo >= 0 && span < 1<<(64-posBits):
		for i, r := range ranks {
			packed[i] = uint64(r.key-lo)<<posBits | uint64(r.pos)
		}
		keys := packed[:n]
		if n < radixMin {
			slices.Sort(keys)
		} else {
			radixSort(keys, packed[n:2*n], bits.Len64(span)+posBits)
		}
		for k, p := range keys {
			scores[p&(1<<posBits-1)] = cuts.score(k + 1)
		}
	default:
		slices.SortFunc(ranks, compareRank)
		for k, r := range ranks {
			scores[r.pos] = cuts.score(k + 1)
		}
	}
}

// radixMin is the number of keys from which setQuintiles sorts them by
// radix rather than by comparison.
const radixMin = 256

// radixDigit is the width in bits of a digit of radixSort.
const radixDigit = 11

// radixSort sorts keys, all below 2^width, in ascending order, by least
// significant digit first, in O(n · width/radixDigit) time; scratch is
// as long as keys.
func radixSort(keys, scratch []uint64, width int) {
	src, dst := keys, scratch
	for shift := 0; shift < width; shift += radixDigit {
		var at [1 << radixDigit]int // where the next key of each digit goes
		for _, k := range src {
			at[k>>shift&(1<<radixDigit-1)]++
		}
		n := 0
		for d, c := range at {
			at[d], n = n, n+c
		}
		for _, k := range src {
			d := k >> shift & (1<<radixDigit - 1)
			dst[at[d]] = k
			at[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}

// monetaryQuintiles sets the M scores of out in scores: by amounts scaled to whole
// ten-thousandths when every one fits an int64 so, by decimal comparison
// otherwise.
func monetaryQuintiles(out []RFMScore, ranks []rankKey, packed []uint64, scores []int8) {
	for i := range out {
		v, ok := scaledAmount(out[i].Monetary.Amount)
		if !ok {
			for i := range ranks {
				ranks[i] = rankKey{pos: int32(i)}
			}
			slices.SortFunc(ranks, func(a, b rankKey) int {
				return cmp.Or(out[a.pos].Monetary.Amount.Cmp(out[b.pos].Monetary.Amount), cmp.Compare(a.pos, b.pos))
			})
			cuts := newQuintileCuts(len(out))
			for k, r := range ranks {
				scores[r.pos] = cuts.score(k + 1)
			}
			return
		}
		ranks[i] = rankKey{v, int32(i)}
	}
	setQuintiles(ranks, packed, scores)
}

// pow10 holds 10^0 … 10^4.
var pow10 = [...]int64{1, 10, 100, 1000, 10000}

// scaledAmount returns d in whole ten-thousandths, if that is exact and
// fits comfortably in an int64, without allocating.
func scaledAmount(d decimal.Decimal) (int64, bool) {
	exp := d.Exponent()
	if exp < -4 || exp > 0 || d.NumDigits() > 14 {
		return 0, false
	}
	return d.CoefficientInt64() * pow10[exp+4], true
}
