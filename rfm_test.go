package crm_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// pandasQcut holds pd.qcut(pd.Series(range(1, n+1)), 5, labels=[1..5]) as
// pandas 1.5.3 prints it, for n = 2…12.
var pandasQcut = map[int][]int{
	2:  {1, 5},
	3:  {1, 3, 5},
	4:  {1, 2, 4, 5},
	5:  {1, 2, 3, 4, 5},
	6:  {1, 1, 2, 3, 4, 5},
	7:  {1, 1, 2, 3, 4, 5, 5},
	8:  {1, 1, 2, 3, 3, 4, 5, 5},
	9:  {1, 1, 2, 2, 3, 4, 4, 5, 5},
	10: {1, 1, 2, 2, 3, 3, 4, 4, 5, 5},
	11: {1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5},
	12: {1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5},
}

func TestQuintileMatchesPandas(t *testing.T) {
	for n, want := range pandasQcut {
		got := make([]int, n)
		for k := 1; k <= n; k++ {
			got[k-1] = crm.Quintile(k, n)
		}
		assert.Equal(t, want, got, "n = %d", n)
	}
	assert.Equal(t, 1, crm.Quintile(1, 1))
	assert.Panics(t, func() { crm.Quintile(0, 3) })
	assert.Panics(t, func() { crm.Quintile(4, 3) })
}

// qcutRef is pandas qcut(ranks, 5) written from its definition: the bin
// edges are the quantiles of 1…n by linear interpolation, 1 + (n−1)j/5,
// each bin (edge j−1, edge j], the first including its lower edge. In
// integers: rank k is in bin j when 5(k−1) ≤ (n−1)j.
func qcutRef(k, n int) int {
	for j := 1; j <= 5; j++ {
		if 5*(k-1) <= (n-1)*j {
			return j
		}
	}
	panic("unreachable")
}

// rankFirstRef is pandas rank(method="first"): ranks by value, equal
// values ranked in the order they appear (here, customer ID order).
func rankFirstRef(n int, less func(i, j int) bool) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return less(order[a], order[b]) })
	ranks := make([]int, n)
	for r, i := range order {
		ranks[i] = r + 1
	}
	return ranks
}

func TestScoreRFMMatchesPandasDefinition(t *testing.T) {
	asOf := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	// Narrow keys are ranked by counting, wider ones by sorting: both
	// variants cover each way for each score.
	for _, wide := range []bool{false, true} {
		for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 100, 997} {
			testScoreRFMMatchesPandas(t, rng, asOf, n, wide)
		}
	}
}

func testScoreRFMMatchesPandas(t *testing.T, rng *rand.Rand, asOf time.Time, n int, wide bool) {
	var sums []crm.PurchaseSummary
	for i := range n {
		last := asOf.Add(-time.Duration(rng.IntN(30*24)) * time.Hour) // many recency ties
		amount := decimal.New(rng.Int64N(40), -1)                     // many spend ties
		switch {
		case !wide:
			amount = decimal.New(rng.Int64N(40), -4) // keys close enough to count
		case n > 100 && i%7 == 0:
			amount = decimal.RequireFromString("123456789012345.6789") // beyond the int64 fast path
		case i%11 == 0:
			amount = decimal.RequireFromString("200000000.00") // keys too far apart to pack
		case i%3 == 0:
			last = asOf.AddDate(-rng.IntN(100), 0, 0) // recency over a century
		}
		sums = append(sums, crm.PurchaseSummary{
			CustomerID: fmt.Sprintf("c%05d", i), Orders: 1 + rng.IntN(4), Days: 1,
			Last: last, Total: crm.Money{Amount: amount, Currency: "EUR"},
		})
	}
	shuffled := append([]crm.PurchaseSummary(nil), sums...)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	got, err := crm.ScoreRFM(shuffled, crm.RFMOptions{AsOf: asOf})
	require.NoError(t, err)
	require.Len(t, got, n)

	rec := func(i int) int { return sums[i].RecencyDays(asOf) }
	rRank := rankFirstRef(n, func(i, j int) bool { return rec(i) > rec(j) }) // rank(ascending=False)
	fRank := rankFirstRef(n, func(i, j int) bool { return sums[i].Orders < sums[j].Orders })
	mRank := rankFirstRef(n, func(i, j int) bool { return sums[i].Total.Amount.LessThan(sums[j].Total.Amount) })
	for i, s := range got {
		require.Equal(t, sums[i].CustomerID, s.CustomerID, "ordered by customer ID")
		assert.Equal(t, rec(i), s.Recency)
		assert.Equal(t, sums[i].Orders, s.Frequency)
		assert.True(t, sums[i].Total.Equal(s.Monetary))
		assert.Equal(t, qcutRef(rRank[i], n), s.R, "n %d, customer %d: R", n, i)
		assert.Equal(t, qcutRef(fRank[i], n), s.F, "n %d, customer %d: F", n, i)
		assert.Equal(t, qcutRef(mRank[i], n), s.M, "n %d, customer %d: M", n, i)
	}
}

// TestScoreRFMHandChecked scores seven customers worked out by hand.
// Ranks 1…7 get the scores 1 1 2 3 4 5 5.
func TestScoreRFMHandChecked(t *testing.T) {
	asOf := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	day := func(d int) time.Time { return asOf.Add(-time.Duration(d)*24*time.Hour + time.Hour) }
	sum := func(id string, recency, orders int, total string) crm.PurchaseSummary {
		return crm.PurchaseSummary{CustomerID: id, Orders: orders, Days: orders, Last: day(recency), Total: crm.MustMoney(total, "EUR")}
	}
	got, err := crm.ScoreRFM([]crm.PurchaseSummary{
		sum("g", 400, 1, "15.00"),
		sum("a", 3, 12, "900.00"),
		sum("b", 3, 2, "40.00"),
		sum("c", 30, 5, "250.00"),
		sum("d", 90, 5, "250.00"),
		sum("e", 200, 9, "1200.00"),
		sum("f", 10, 1, "0.01"),
	}, crm.RFMOptions{AsOf: asOf})
	require.NoError(t, err)
	// Recency, days: g 399, e 199, d 89, c 29, f 9, a 2, b 2 (descending,
	// ties by ID: a before b) → R g1 e1 d2 c3 f4 a5 b5.
	// Orders: f 1, g 1, b 2, c 5, d 5, e 9, a 12 → F f1 g1 b2 c3 d4 e5 a5.
	// Spend: f, g, b, c, d (ties by ID), a, e → M f1 g1 b2 c3 d4 a5 e5.
	want := []struct {
		id      string
		r, f, m int
		segment string
	}{
		{"a", 5, 5, 5, crm.RFMChampions},
		{"b", 5, 2, 2, crm.RFMPotentialLoyalists},
		{"c", 3, 3, 3, crm.RFMNeedAttention},
		{"d", 2, 4, 4, crm.RFMAtRisk},
		{"e", 1, 5, 5, crm.RFMCantLoseThem},
		{"f", 4, 1, 1, crm.RFMPromising},
		{"g", 1, 1, 1, crm.RFMHibernating},
	}
	require.Len(t, got, len(want))
	for i, w := range want {
		assert.Equal(t, w.id, got[i].CustomerID)
		assert.Equal(t, [3]int{w.r, w.f, w.m}, [3]int{got[i].R, got[i].F, got[i].M}, "customer %s", w.id)
		assert.Equal(t, w.segment, got[i].Segment, "customer %s", w.id)
	}
	assert.Equal(t, 399, got[6].Recency)
}

func TestDefaultRFMSegmentsCoverEachPairOnce(t *testing.T) {
	want := [5][5]string{ // want[r-1][f-1]
		{crm.RFMHibernating, crm.RFMHibernating, crm.RFMAtRisk, crm.RFMAtRisk, crm.RFMCantLoseThem},
		{crm.RFMHibernating, crm.RFMHibernating, crm.RFMAtRisk, crm.RFMAtRisk, crm.RFMCantLoseThem},
		{crm.RFMAboutToSleep, crm.RFMAboutToSleep, crm.RFMNeedAttention, crm.RFMLoyalCustomers, crm.RFMLoyalCustomers},
		{crm.RFMPromising, crm.RFMPotentialLoyalists, crm.RFMPotentialLoyalists, crm.RFMLoyalCustomers, crm.RFMLoyalCustomers},
		{crm.RFMNewCustomers, crm.RFMPotentialLoyalists, crm.RFMPotentialLoyalists, crm.RFMChampions, crm.RFMChampions},
	}
	segs := crm.DefaultRFMSegments()
	require.Len(t, segs, 10)
	for r := 1; r <= 5; r++ {
		for f := 1; f <= 5; f++ {
			n := 0
			for _, s := range segs {
				if s.RMin <= r && r <= s.RMax && s.FMin <= f && f <= s.FMax {
					n++
					assert.Equal(t, want[r-1][f-1], s.Name, "R%d F%d", r, f)
				}
			}
			assert.Equal(t, 1, n, "R%d F%d is in exactly one segment", r, f)
		}
	}
}

func TestScoreRFMCustomSegments(t *testing.T) {
	asOf := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	sums := []crm.PurchaseSummary{
		{CustomerID: "a", Orders: 1, Last: asOf.Add(-time.Hour), Total: crm.MustMoney("1", "EUR")},
		{CustomerID: "b", Orders: 3, Last: asOf.Add(-100 * time.Hour), Total: crm.MustMoney("2", "EUR")},
	}
	got, err := crm.ScoreRFM(sums, crm.RFMOptions{AsOf: asOf, Segments: []crm.RFMSegment{{Name: "Recent", RMin: 4, RMax: 5, FMin: 1, FMax: 5}}})
	require.NoError(t, err)
	assert.Equal(t, "Recent", got[0].Segment)
	assert.Equal(t, "", got[1].Segment, "no rule matches")

	got, err = crm.ScoreRFM(sums, crm.RFMOptions{AsOf: asOf, Segments: []crm.RFMSegment{}})
	require.NoError(t, err)
	assert.Equal(t, "", got[0].Segment, "an empty map names no segment")

	got, err = crm.ScoreRFM(nil, crm.RFMOptions{AsOf: asOf})
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestScoreRFMInvalid(t *testing.T) {
	_, err := crm.ScoreRFM(nil, crm.RFMOptions{Segments: []crm.RFMSegment{{Name: "", RMin: 1, RMax: 5, FMin: 1, FMax: 5}, {Name: "x", RMin: 0, RMax: 5, FMin: 1, FMax: 5}}})
	require.ErrorIs(t, err, crm.ErrInvalid)
	assert.Equal(t, "required", fieldErr(t, err, "as_of"))
	fieldErr(t, err, "segments[0].name")
	fieldErr(t, err, "segments[1]")

	asOf := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	_, err = crm.ScoreRFM([]crm.PurchaseSummary{
		{CustomerID: "b", Orders: 1, Total: crm.MustMoney("1", "EUR")},
		{CustomerID: "a", Orders: 1, Total: crm.MustMoney("1", "USD")},
		{CustomerID: "b", Orders: 1, Total: crm.MustMoney("1", "EUR")},
	}, crm.RFMOptions{AsOf: asOf})
	require.ErrorIs(t, err, crm.ErrInvalid)
	fieldErr(t, err, "summaries[0].total")
	fieldErr(t, err, "summaries[2].customer_id")
}

func TestClientScoreRFM(t *testing.T) {
	c, clock, _ := newClient(t)
	ctx := actorCtx(t, "u-ann")
	for i, name := range []string{"Ada", "Bea"} {
		cu := mustCreate(t, c, ctx, &crm.Customer{Kind: crm.KindPerson, Name: name})
		for range i + 1 {
			_, err := c.CreateOrder(ctx, &crm.Order{CustomerID: cu.ID, Lines: []crm.OrderLine{{SKU: "X", Quantity: decimal.NewFromInt(1), UnitPrice: crm.MustMoney("10", "EUR")}}})
			require.NoError(t, err)
		}
	}
	_, err := c.ScoreRFM(ctx, crm.PurchaseSummaryFilter{AsOf: clock.Now().Add(time.Hour)}, crm.RFMOptions{})
	assert.Equal(t, "required: RFM compares spend in one currency", fieldErr(t, err, "currency"))
	got, err := c.ScoreRFM(ctx, crm.PurchaseSummaryFilter{AsOf: clock.Now().Add(time.Hour), Currency: "EUR"}, crm.RFMOptions{})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []int{1, 5}, []int{got[0].F, got[1].F})
}

// BenchmarkScoreRFM scores 100,000 customers with skewed, tied values.
func BenchmarkScoreRFM(b *testing.B) {
	asOf := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(3, 4))
	sums := make([]crm.PurchaseSummary, 100_000)
	for i := range sums {
		orders := 1 + int(rng.ExpFloat64()*8)
		sums[i] = crm.PurchaseSummary{
			CustomerID: fmt.Sprintf("c%07d", i), Orders: orders, Days: orders,
			Last:  asOf.Add(-time.Duration(rng.IntN(730*24)) * time.Hour),
			Total: crm.Money{Amount: decimal.New(int64(orders)*rng.Int64N(20000), -2), Currency: "EUR"},
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := crm.ScoreRFM(sums, crm.RFMOptions{AsOf: asOf}); err != nil {
			b.Fatal(err)
		}
	}
}
