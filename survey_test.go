package crm_test

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// answers returns count copies of each score, in order: answers(10, 5, 7, 2)
// is five 10s and two 7s.
func answers(pairs ...int) []int {
	var s []int
	for i := 0; i < len(pairs); i += 2 {
		s = append(s, slices.Repeat([]int{pairs[i]}, pairs[i+1])...)
	}
	return s
}

// indexed returns format filled with 0, 1, … n-1.
func indexed(format string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf(format, i)
	}
	return names
}

// z95 and z90 are the two-sided normal critical values, Φ⁻¹(0.975) and
// Φ⁻¹(0.95), to double precision.
const (
	z95 = 1.9599639845400536
	z90 = 1.6448536269514715
)

func TestScoreNPS(t *testing.T) {
	tests := []struct {
		name                  string
		scores                []int
		opts                  []crm.ScoreOption
		n, pro, pas, det      int
		score, stdErr, margin float64
		wald, adjusted        crm.Interval
		small                 bool
	}{
		{
			// The published check: 50 promoters, 30 passives and 20
			// detractors score 30 ± 15.31 at 95%.
			name:   "Published",
			scores: answers(10, 25, 9, 25, 8, 15, 7, 15, 6, 10, 0, 10),
			n:      100, pro: 50, pas: 30, det: 20,
			score: 30, stdErr: 100 * math.Sqrt(0.0061), margin: 15.31,
			wald:     crm.Interval{Low: 14.69, High: 45.31},
			adjusted: crm.Interval{Low: 14.05, High: 44.20},
		},
		{
			name:   "Confidence90",
			scores: answers(10, 25, 9, 25, 8, 15, 7, 15, 6, 10, 0, 10),
			opts:   []crm.ScoreOption{crm.WithConfidence(0.90)},
			n:      100, pro: 50, pas: 30, det: 20,
			score: 30, stdErr: 100 * math.Sqrt(0.0061), margin: z90 * 100 * math.Sqrt(0.0061),
			wald: crm.Interval{Low: 30 - z90*100*math.Sqrt(0.0061), High: 30 + z90*100*math.Sqrt(0.0061)},
			adjusted: crm.Interval{Low: 100 * (30.0/103 - z90*math.Sqrt((71.5/103-(30.0/103)*(30.0/103))/103)),
				High: 100 * (30.0/103 + z90*math.Sqrt((71.5/103-(30.0/103)*(30.0/103))/103))},
		},
		{
			// Every answer a promoter: the Wald interval collapses on 100,
			// the adjusted one keeps width.
			name:   "AllPromoters",
			scores: answers(10, 12),
			n:      12, pro: 12,
			score: 100, stdErr: 0, margin: 0,
			wald:     crm.Interval{Low: 100, High: 100},
			adjusted: crm.Interval{Low: 100 * (12.0/15 - z95*math.Sqrt((13.5/15-(12.0/15)*(12.0/15))/15)), High: 100},
			small:    true,
		},
		{
			name:   "MinSampleOff",
			scores: []int{0},
			opts:   []crm.ScoreOption{crm.WithMinSample(0)},
			n:      1, det: 1,
			score: -100, wald: crm.Interval{Low: -100, High: -100},
			adjusted: crm.Interval{Low: 100 * (-0.25 - z95*0.375), High: 100 * (-0.25 + z95*0.375)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := crm.ScoreNPS(tt.scores, tt.opts...)
			require.NoError(t, err)
			assert.Equal(t, tt.n, got.N)
			assert.Equal(t, tt.pro, got.Promoters)
			assert.Equal(t, tt.pas, got.Passives)
			assert.Equal(t, tt.det, got.Detractors)
			assert.InDelta(t, tt.score, got.Score, 1e-9)
			assert.InDelta(t, tt.stdErr, got.StdErr, 1e-9)
			assert.InDelta(t, tt.margin, got.Margin(), 0.005)
			assert.InDelta(t, tt.wald.Low, got.Wald.Low, 0.005)
			assert.InDelta(t, tt.wald.High, got.Wald.High, 0.005)
			assert.InDelta(t, tt.adjusted.Low, got.AdjustedWald.Low, 0.005)
			assert.InDelta(t, tt.adjusted.High, got.AdjustedWald.High, 0.005)
			assert.Equal(t, tt.small, got.Small)
		})
	}
}

func TestNPSTally(t *testing.T) {
	// Ten million answers in a tally of three counters: 0…10 in turn.
	var a, b crm.NPSTally
	for i := range 10_000_000 {
		tally := &a
		if i%2 == 1 {
			tally = &b
		}
		require.NoError(t, tally.Add(i%11))
	}
	a.Merge(b)
	got, err := a.Result()
	require.NoError(t, err)
	assert.Equal(t, 10_000_000, got.N)
	// 10,000,000 = 11·909,090 + 10: the answers 0–9 come once more.
	assert.Equal(t, 909_090+909_091, got.Promoters)
	assert.Equal(t, 2*909_091, got.Passives)
	assert.Equal(t, 7*909_091, got.Detractors)
	assert.InDelta(t, 100*float64(909_090+909_091-7*909_091)/10_000_000, got.Score, 1e-9)
	assert.False(t, got.Small)
	assert.Less(t, got.Wald.High-got.Wald.Low, 0.1)

	err = a.Add(11)
	var verr *crm.ValidationError
	require.ErrorAs(t, err, &verr)
	_, ok := verr.Field("score")
	assert.True(t, ok)
	assert.Equal(t, 10_000_000, a.N(), "a bad answer is not counted")

	var empty crm.NPSTally
	_, err = empty.Result()
	assert.ErrorIs(t, err, crm.ErrInvalid)
}

// TestTallyAddN checks that adding counts equals adding the answers one
// by one, and that a bad count or score adds nothing.
func TestTallyAddN(t *testing.T) {
	counts := map[int]int{0: 3, 6: 2, 7: 4, 8: 1, 9: 5, 10: 7}
	var byOne, byN crm.NPSTally
	for score, n := range counts {
		for range n {
			require.NoError(t, byOne.Add(score))
		}
		require.NoError(t, byN.AddN(score, n))
	}
	want, err := byOne.Result()
	require.NoError(t, err)
	got, err := byN.Result()
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, 22, got.N)
	assert.Equal(t, 12, got.Promoters)
	assert.Equal(t, 5, got.Passives)
	assert.Equal(t, 5, got.Detractors)

	for _, bad := range []struct {
		score, n int
		field    string
	}{{11, 1, "score"}, {-1, 1, "score"}, {5, -1, "n"}} {
		err := byN.AddN(bad.score, bad.n)
		var verr *crm.ValidationError
		require.True(t, errors.As(err, &verr), "AddN(%d, %d): %v", bad.score, bad.n, err)
		_, named := verr.Field(bad.field)
		assert.True(t, named, "AddN(%d, %d) names %q: %v", bad.score, bad.n, bad.field, err)
	}
	assert.Equal(t, 22, byN.N(), "refused counts add nothing")

	var csat crm.CSATTally
	require.NoError(t, csat.AddN(5, 3))
	require.NoError(t, csat.AddN(2, 1))
	require.NoError(t, csat.AddN(4, 0))
	r, err := csat.Result()
	require.NoError(t, err)
	assert.Equal(t, 4, r.N)
	assert.Equal(t, 3, r.Satisfied)
	assert.InDelta(t, 17.0/4, r.Mean, 1e-12)
	assert.Error(t, csat.AddN(6, 1), "6 is off the CSAT scale")

	var ces crm.CESTally
	require.NoError(t, ces.AddN(7, 2))
	require.NoError(t, ces.AddN(4, 2))
	e, err := ces.Result()
	require.NoError(t, err)
	assert.Equal(t, 2, e.Agreeing)
	assert.Error(t, ces.AddN(0, 1), "0 is off the CES scale")
}

// TestSentiment checks the classes of every answer on each scale against
// the scores' own counting.
func TestSentiment(t *testing.T) {
	want := map[crm.SurveyKind][]crm.Sentiment{}
	neg, neu, pos := crm.SentimentNegative, crm.SentimentNeutral, crm.SentimentPositive
	want[crm.SurveyKindNPS] = []crm.Sentiment{neg, neg, neg, neg, neg, neg, neg, neu, neu, pos, pos}
	want[crm.SurveyKindCSAT] = []crm.Sentiment{"", neg, neg, neu, pos, pos}
	want[crm.SurveyKindCES] = []crm.Sentiment{"", neg, neg, neg, neu, pos, pos, pos}
	for kind, classes := range want {
		for score, class := range classes {
			assert.Equal(t, class, kind.Sentiment(score), "%s %d", kind, score)
		}
		assert.Equal(t, crm.Sentiment(""), kind.Sentiment(len(classes)), "%s %d is off the scale", kind, len(classes))
		assert.Equal(t, crm.Sentiment(""), kind.Sentiment(-1), "%s -1 is off the scale", kind)
	}
	assert.Equal(t, crm.Sentiment(""), crm.SurveyKindCustom.Sentiment(3), "a custom scale has no sentiment")

	nps, err := crm.ScoreNPS([]int{6, 7, 9})
	require.NoError(t, err)
	assert.Equal(t, 1, nps.Detractors, "6 is a detractor, as Sentiment says")
	csat, err := crm.ScoreCSAT([]int{3, 4})
	require.NoError(t, err)
	assert.Equal(t, 1, csat.Satisfied, "4 is satisfied, 3 is not")
	ces, err := crm.ScoreCES([]int{4, 5})
	require.NoError(t, err)
	assert.Equal(t, 1, ces.Agreeing, "5 agrees, 4 does not")
}

func TestScoreCSAT(t *testing.T) {
	t.Run("Wilson", func(t *testing.T) {
		// 7 of 10 satisfied: by hand, p = 0.7, z² = 3.841459,
		// (0.7 + 0.192073 ± 1.959964·√(0.021 + 0.009604)) / 1.384146.
		got, err := crm.ScoreCSAT([]int{5, 5, 5, 4, 4, 4, 4, 3, 2, 1})
		require.NoError(t, err)
		assert.Equal(t, 10, got.N)
		assert.Equal(t, 7, got.Satisfied)
		assert.InDelta(t, 70, got.TopTwoBox, 1e-9)
		assert.InDelta(t, 3.7, got.Mean, 1e-9)
		p, n, z2 := 0.7, 10.0, z95*z95
		mid := (p + z2/(2*n)) / (1 + z2/n)
		half := z95 / (1 + z2/n) * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
		assert.InDelta(t, 100*(mid-half), got.Wilson.Low, 1e-9)
		assert.InDelta(t, 100*(mid+half), got.Wilson.High, 1e-9)
		assert.InDelta(t, 39.677814746114535, got.Wilson.Low, 1e-9)
		assert.InDelta(t, 89.2208732593699, got.Wilson.High, 1e-9)
		assert.True(t, got.Small)
	})
	t.Run("AllSatisfied", func(t *testing.T) {
		got, err := crm.ScoreCSAT(answers(5, 40), crm.WithConfidence(0.90))
		require.NoError(t, err)
		assert.InDelta(t, 100, got.TopTwoBox, 1e-9)
		assert.InDelta(t, 100, got.Wilson.High, 1e-9)
		// At p = 1 the lower bound is n/(n + z²).
		assert.InDelta(t, 100*40/(40+z90*z90), got.Wilson.Low, 1e-9)
		assert.Equal(t, 0.90, got.Confidence)
		assert.False(t, got.Small)
	})
}

func TestScoreCES(t *testing.T) {
	// 3 sevens, 4 sixes, 5 fives, 2 fours, 1 one: 12 of 15 agree, and the
	// mean is (21 + 24 + 25 + 8 + 1) / 15 = 79/15.
	got, err := crm.ScoreCES(answers(7, 3, 6, 4, 5, 5, 4, 2, 1, 1))
	require.NoError(t, err)
	assert.Equal(t, 15, got.N)
	assert.Equal(t, 12, got.Agreeing)
	assert.InDelta(t, 80, got.Agreement, 1e-9)
	assert.InDelta(t, 79.0/15, got.Mean, 1e-9)
	assert.True(t, got.Wilson.Contains(got.Agreement))
	assert.Less(t, got.Wilson.High, 100.0)
}

func TestScoreBadInput(t *testing.T) {
	tests := []struct {
		name   string
		score  func() error
		fields []string
	}{
		{"NPSEmpty", func() error { _, err := crm.ScoreNPS(nil); return err }, []string{"scores"}},
		{"NPSRange", func() error { _, err := crm.ScoreNPS([]int{10, 11, 5, -1}); return err }, []string{"scores[1]", "scores[3]"}},
		{"CSATRange", func() error { _, err := crm.ScoreCSAT([]int{0, 5, 6}); return err }, []string{"scores[0]", "scores[2]"}},
		{"CSATEmpty", func() error { _, err := crm.ScoreCSAT([]int{}); return err }, []string{"scores"}},
		{"CESRange", func() error { _, err := crm.ScoreCES([]int{1, 8}); return err }, []string{"scores[1]"}},
		{"CESEmpty", func() error { _, err := crm.ScoreCES(nil); return err }, []string{"scores"}},
		{"Confidence", func() error { _, err := crm.ScoreNPS([]int{9}, crm.WithConfidence(1)); return err }, []string{"confidence"}},
		{"ConfidenceNaN", func() error { _, err := crm.ScoreCSAT([]int{5}, crm.WithConfidence(math.NaN())); return err }, []string{"confidence"}},
		{"MinSample", func() error { _, err := crm.ScoreCES([]int{5}, crm.WithMinSample(-1)); return err }, []string{"min_sample"}},
		{"Capped", func() error { _, err := crm.ScoreNPS(slices.Repeat([]int{12}, 25)); return err },
			append(indexed("scores[%d]", 10), "scores")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.score()
			require.ErrorIs(t, err, crm.ErrInvalid)
			assert.Equal(t, tt.fields, fieldNames(t, err))
		})
	}
}

// pairs yields each key with each of its answers, in key order.
func pairs[K comparable](keys []K, answers map[K][]int) func(yield func(K, int) bool) {
	return func(yield func(K, int) bool) {
		for _, k := range keys {
			for _, s := range answers[k] {
				if !yield(k, s) {
					return
				}
			}
		}
	}
}

func TestBreakdownNPS(t *testing.T) {
	byRegion := map[string][]int{
		"emea": answers(10, 50, 8, 30, 3, 20),
		"apac": {9, 9, 0},
	}
	got, err := crm.BreakdownNPS(pairs([]string{"emea", "apac"}, byRegion))
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"emea", "apac"}, slices.Collect(maps.Keys(got)))
	for region, scores := range byRegion {
		want, err := crm.ScoreNPS(scores)
		require.NoError(t, err)
		assert.Equal(t, want, got[region], region)
	}
	assert.InDelta(t, 30, got["emea"].Score, 1e-9)
	assert.False(t, got["emea"].Small)
	assert.True(t, got["apac"].Small)

	got, err = crm.BreakdownNPS(pairs([]string{"apac"}, byRegion), crm.WithMinSample(3))
	require.NoError(t, err)
	assert.False(t, got["apac"].Small)

	t.Run("Periods", func(t *testing.T) {
		q1 := crm.PeriodOf(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), crm.PeriodQuarter)
		q2 := crm.PeriodOf(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), crm.PeriodQuarter)
		csat, err := crm.BreakdownCSAT(pairs([]crm.Period{q1, q2}, map[crm.Period][]int{q1: {5, 4, 1}, q2: {2}}))
		require.NoError(t, err)
		assert.Equal(t, 2, csat[q1].Satisfied)
		assert.Equal(t, 0, csat[q2].Satisfied)
		ces, err := crm.BreakdownCES(pairs([]crm.Period{q1}, map[crm.Period][]int{q1: {7, 5, 4, 1}}))
		require.NoError(t, err)
		assert.InDelta(t, 50, ces[q1].Agreement, 1e-9)
	})
	t.Run("Empty", func(t *testing.T) {
		got, err := crm.BreakdownNPS(pairs[string](nil, nil))
		require.NoError(t, err)
		assert.Empty(t, got)
	})
	t.Run("ErrRange", func(t *testing.T) {
		_, err := crm.BreakdownNPS(pairs([]string{"emea", "apac"}, map[string][]int{"emea": {10, 11}, "apac": {-3}}))
		assert.Equal(t, []string{"scores[1]", "scores[2]"}, fieldNames(t, err))
		_, err = crm.BreakdownCES(pairs([]string{"x"}, map[string][]int{"x": {0}}))
		assert.Equal(t, []string{"scores[0]"}, fieldNames(t, err))
	})
	t.Run("ErrOption", func(t *testing.T) {
		_, err := crm.BreakdownCSAT(pairs([]string{"x"}, map[string][]int{"x": {5}}), crm.WithConfidence(95))
		assert.Equal(t, []string{"confidence"}, fieldNames(t, err))
	})
}

func TestCompareNPS(t *testing.T) {
	// Before: 50/30/20 of 100, NPS 30, Var 0.0061, StdErr √61.
	// After: 60/25/15 of 100, NPS 45, Var (0.75 − 0.2025)/100, StdErr √54.75.
	// By hand: StdErr = √115.75 = 10.758717, z = 15/10.758717 = 1.394218,
	// p = erfc(1.394218/√2) = 0.163252.
	before, err := crm.ScoreNPS(answers(10, 50, 8, 30, 2, 20))
	require.NoError(t, err)
	after, err := crm.ScoreNPS(answers(9, 60, 7, 25, 6, 15))
	require.NoError(t, err)

	tests := []struct {
		name        string
		opts        []crm.ScoreOption
		zc          float64
		significant bool
	}{
		{"Default", nil, z95, false},
		{"Confidence80", []crm.ScoreOption{crm.WithConfidence(0.80)}, 1.2815515655446004, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := crm.CompareNPS(before, after, tt.opts...)
			require.NoError(t, err)
			assert.InDelta(t, 15, ch.Delta, 1e-9)
			assert.InDelta(t, math.Sqrt(115.75), ch.StdErr, 1e-9)
			assert.InDelta(t, 1.394218, ch.Z, 1e-6)
			assert.InDelta(t, 0.163252, ch.P, 1e-6)
			assert.InDelta(t, 15-tt.zc*math.Sqrt(115.75), ch.Interval.Low, 1e-9)
			assert.InDelta(t, 15+tt.zc*math.Sqrt(115.75), ch.Interval.High, 1e-9)
			assert.Equal(t, tt.significant, ch.Significant)
			assert.Equal(t, tt.significant, !ch.Interval.Contains(0))
			assert.False(t, ch.Small)
		})
	}
	t.Run("Reversed", func(t *testing.T) {
		ch, err := crm.CompareNPS(after, before)
		require.NoError(t, err)
		assert.InDelta(t, -1.394218, ch.Z, 1e-6)
		assert.InDelta(t, 0.163252, ch.P, 1e-6)
	})
	t.Run("Unanimous", func(t *testing.T) {
		all, err := crm.ScoreNPS(answers(10, 40))
		require.NoError(t, err)
		none, err := crm.ScoreNPS(answers(0, 5))
		require.NoError(t, err)
		ch, err := crm.CompareNPS(all, all)
		require.NoError(t, err)
		assert.Equal(t, 0.0, ch.Z)
		assert.Equal(t, 1.0, ch.P)
		assert.False(t, ch.Significant)
		ch, err = crm.CompareNPS(all, none)
		require.NoError(t, err)
		assert.True(t, math.IsInf(ch.Z, -1))
		assert.Equal(t, 0.0, ch.P)
		assert.True(t, ch.Significant)
		assert.True(t, ch.Small, "five answers is below the minimum sample")
	})
	t.Run("ErrInput", func(t *testing.T) {
		_, err := crm.CompareNPS(crm.NPS{}, after)
		assert.Equal(t, []string{"before"}, fieldNames(t, err))
		_, err = crm.CompareNPS(before, after, crm.WithConfidence(0))
		assert.Equal(t, []string{"confidence"}, fieldNames(t, err))
	})
}

func ExampleScoreNPS() {
	// 10 promoters (9–10), 4 passives (7–8), 6 detractors (0–6).
	scores := []int{10, 10, 10, 10, 10, 9, 9, 9, 9, 9, 8, 8, 7, 7, 6, 6, 5, 3, 2, 0}
	nps, err := crm.ScoreNPS(scores)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("NPS %.0f ± %.1f (n=%d, small sample: %t)\n", nps.Score, nps.Margin(), nps.N, nps.Small)
	fmt.Printf("Wald %.1f to %.1f; adjusted Wald %.1f to %.1f\n",
		nps.Wald.Low, nps.Wald.High, nps.AdjustedWald.Low, nps.AdjustedWald.High)
	// Output:
	// NPS 20 ± 38.2 (n=20, small sample: true)
	// Wald -18.2 to 58.2; adjusted Wald -17.5 to 52.3
}

func BenchmarkNPSTally(b *testing.B) {
	var t crm.NPSTally
	for i := 0; b.Loop(); i++ {
		if err := t.Add(i % 11); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := t.Result(); err != nil {
		b.Fatal(err)
	}
}
