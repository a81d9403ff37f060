package crm

import (
	"fmt"
	"iter"
	"math"
)

// Listening to customers — surveys with NPS, CSAT and CES scores, their
// confidence intervals, breakdowns and closed-loop follow-up — lives in
// this file. Responses belong to a customer and join merges through a
// [ChildKind].
//
// The scoring is pure: a tally counts responses in constant memory (a
// handful of integers, however many responses), and its Result states
// the score with its confidence intervals. Every percentage is in
// percent (0–100) and the NPS in NPS points (−100…100).

// Score scales.
const (
	// NPSMin and NPSMax bound a likelihood-to-recommend answer.
	NPSMin, NPSMax = 0, 10
	// CSATMin and CSATMax bound a customer-satisfaction answer.
	CSATMin, CSATMax = 1, 5
	// CESMin and CESMax bound a customer-effort answer ("the company
	// made it easy for me to handle my issue", 1 strongly disagree … 7
	// strongly agree).
	CESMin, CESMax = 1, 7
)

// The lowest answers that count as satisfied (CSAT, top two boxes) and
// as agreeing (CES).
const (
	csatSatisfied = 4
	cesAgreeing   = 5
)

// SurveyKind says what a survey measures, and so on which scale it is
// answered.
type SurveyKind string

// Survey kinds.
const (
	// SurveyKindNPS asks how likely the customer is to recommend, 0–10.
	SurveyKindNPS SurveyKind = "nps"
	// SurveyKindCSAT asks how satisfied the customer is, 1–5.
	SurveyKindCSAT SurveyKind = "csat"
	// SurveyKindCES asks how easy the company made it, 1–7.
	SurveyKindCES SurveyKind = "ces"
	// SurveyKindCustom is answered on a scale of the survey's own.
	SurveyKindCustom SurveyKind = "custom"
)

// Valid reports whether k is one of the survey kinds.
func (k SurveyKind) Valid() bool {
	switch k {
	case SurveyKindNPS, SurveyKindCSAT, SurveyKindCES, SurveyKindCustom:
		return true
	}
	return false
}

// Scale returns the answer scale of the NPS, CSAT and CES kinds; ok is
// false for a custom or unknown kind, whose scale is the survey's.
func (k SurveyKind) Scale() (lo, hi int, ok bool) {
	switch k {
	case SurveyKindNPS:
		return NPSMin, NPSMax, true
	case SurveyKindCSAT:
		return CSATMin, CSATMax, true
	case SurveyKindCES:
		return CESMin, CESMax, true
	}
	return 0, 0, false
}

// Sentiment is what an answer says of the customer's mood: the class a
// closed loop follows up on.
type Sentiment string

// Sentiments.
const (
	// SentimentPositive: an NPS promoter, a satisfied CSAT or an
	// agreeing CES answer.
	SentimentPositive Sentiment = "positive"
	// SentimentNeutral: an NPS passive, a CSAT 3, a CES 4.
	SentimentNeutral Sentiment = "neutral"
	// SentimentNegative: an NPS detractor, a CSAT of 1 or 2, a CES of
	// 1 to 3.
	SentimentNegative Sentiment = "negative"
)

// Sentiment classes score, an answer to a survey of kind k:
//
//	        negative  neutral  positive
//	NPS     0–6       7–8      9–10
//	CSAT    1–2       3        4–5
//	CES     1–3       4        5–7
//
// The scores and tallies count the same way. An answer off the kind's
// scale, or to a custom survey, has no sentiment: "".
func (k SurveyKind) Sentiment(score int) Sentiment {
	lo, hi, ok := k.Scale()
	if !ok || score < lo || score > hi {
		return ""
	}
	var good, fair int // the lowest positive and neutral answers
	switch k {
	case SurveyKindNPS:
		good, fair = 9, 7
	case SurveyKindCSAT:
		good, fair = csatSatisfied, csatSatisfied-1
	default:
		good, fair = cesAgreeing, cesAgreeing-1
	}
	switch {
	case score >= good:
		return SentimentPositive
	case score >= fair:
		return SentimentNeutral
	}
	return SentimentNegative
}

// DefaultConfidence is the confidence level of every interval and test
// unless [WithConfidence] says otherwise.
const DefaultConfidence = 0.95

// DefaultMinSample is the sample size below which a result is flagged
// Small unless [WithMinSample] says otherwise.
const DefaultMinSample = 30

// Interval is a two-sided confidence interval, in the units of the
// figure it brackets.
type Interval struct {
	Low, High float64
}

// Contains reports whether v lies in the closed interval.
func (i Interval) Contains(v float64) bool { return i.Low <= v && v <= i.High }

// ScoreOption configures the scoring functions, tallies and comparisons.
// A nil option is ignored.
type ScoreOption func(*scoreConfig)

type scoreConfig struct {
	confidence float64
	minSample  int
}

// WithConfidence sets the confidence level of intervals and tests, a
// number strictly between 0 and 1; default [DefaultConfidence]. The
// two-sided critical value is computed exactly, z = √2·erfinv(level)
// (1.959964 at 0.95, 1.644854 at 0.90).
func WithConfidence(level float64) ScoreOption {
	return func(c *scoreConfig) { c.confidence = level }
}

// WithMinSample sets the sample size below which a result is flagged
// Small; default [DefaultMinSample], and 0 turns the flag off.
func WithMinSample(n int) ScoreOption {
	return func(c *scoreConfig) { c.minSample = n }
}

// scoreOptions applies opts over the defaults and checks the result.
func scoreOptions(opts []ScoreOption) (scoreConfig, error) {
	c := scoreConfig{confidence: DefaultConfidence, minSample: DefaultMinSample}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	verr := &ValidationError{Entity: "score options"}
	if !(c.confidence > 0 && c.confidence < 1) {
		verr.add("confidence", "%v is not strictly between 0 and 1", c.confidence)
	}
	if c.minSample < 0 {
		verr.add("min_sample", "%d is negative", c.minSample)
	}
	return c, verr.err()
}

// z returns the two-sided critical value of the confidence level.
func (c scoreConfig) z() float64 { return math.Sqrt2 * math.Erfinv(c.confidence) }

// small reports whether n is below the minimum sample.
func (c scoreConfig) small(n int) bool { return n < c.minSample }

// maxFieldErrors caps the bad scores one error lists.
const maxFieldErrors = 10

// outOfRange says that score lies outside [lo, hi].
func outOfRange(score, lo, hi int) string {
	return fmt.Sprintf("%d is outside %d–%d", score, lo, hi)
}

// noResponses is the error of a score over nothing.
func noResponses(entity string) error {
	return &ValidationError{Entity: entity, Fields: []FieldError{{Field: "scores", Reason: "no responses"}}}
}

// clip bounds v to [lo, hi].
func clip(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// wilson returns the Wilson score interval, in percent, of k successes
// in n trials at critical value z.
func wilson(k, n int, z float64) Interval {
	p, nf, z2 := float64(k)/float64(n), float64(n), z*z
	den := 1 + z2/nf
	mid := (p + z2/(2*nf)) / den
	half := z / den * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return Interval{Low: 100 * clip(mid-half, 0, 1), High: 100 * clip(mid+half, 0, 1)}
}

// NPS is a Net Promoter Score with its sampling error.
//
// Respondents answering 9–10 are promoters, 7–8 passives and 0–6
// detractors. With n responses, p_P = promoters/n and p_D = detractors/n:
//
//	Score  = 100·(p_P − p_D)
//	Var    = [p_P + p_D − (p_P − p_D)²] / n     (proportion units)
//	StdErr = 100·√Var
//	Wald   = Score ± z·StdErr, clipped to [−100, 100]
//
// AdjustedWald is the adjusted-Wald interval that Rocks (2016, "Interval
// estimation for the 'Net Promoter Score'", The American Statistician
// 70(4)) found the best performing and that Sauro and Lewis recommend
// (MeasuringU, "Evaluating NPS Confidence Intervals with Real-World
// Data", 2021): add ¾ of a promoter, 1½ passives and ¾ of a detractor
// (3 pseudo-responses) before computing the Wald interval,
//
//	n' = n + 3, p'_P = (promoters + ¾)/n', p'_D = (detractors + ¾)/n'
//	AdjustedWald = 100·[(p'_P − p'_D) ± z·√((p'_P + p'_D − (p'_P − p'_D)²)/n')]
//
// clipped to [−100, 100]. It is centred on the adjusted score, not on
// Score, and unlike the Wald interval it has width for n = 1 or a
// unanimous sample. The pseudo-counts are Rocks's, the same at every
// confidence level.
type NPS struct {
	N, Promoters, Passives, Detractors int
	// Score is the percentage of promoters less the percentage of
	// detractors.
	Score  float64
	StdErr float64
	// Wald and AdjustedWald are confidence intervals for Score at
	// Confidence.
	Wald, AdjustedWald Interval
	Confidence         float64
	// Small reports N below the minimum sample ([WithMinSample]); the
	// intervals are then rough.
	Small bool
}

// Margin returns the half-width of the Wald interval before clipping,
// z·StdErr: the "±" of "30 ± 15.3".
func (s NPS) Margin() float64 {
	c := scoreConfig{confidence: s.Confidence}
	return c.z() * s.StdErr
}

// NPSTally counts likelihood-to-recommend answers (0–10) in constant
// memory. The zero value is an empty tally. It is not safe for
// concurrent use; tally in parallel and [NPSTally.Merge].
type NPSTally struct {
	promoters, passives, detractors int
}

// Add counts one answer. An answer outside 0–10 is a [*ValidationError]
// naming "score", and is not counted.
func (t *NPSTally) Add(score int) error {
	// The common case inline, without AddN's checks by kind.
	switch {
	case score >= 9 && score <= NPSMax:
		t.promoters++
	case score >= 7 && score <= 8:
		t.passives++
	case score >= NPSMin && score <= 6:
		t.detractors++
	default:
		return t.AddN(score, 1)
	}
	return nil
}

// AddN counts n answers of score, as n calls of Add would: the way to
// add the counts a store groups by score ([SurveyStore.ResponseScores]).
// A score outside 0–10 or a negative n is a [*ValidationError] naming
// "score" or "n", and nothing is counted.
func (t *NPSTally) AddN(score, n int) error {
	if err := checkAddN("NPS response", SurveyKindNPS, score, n); err != nil {
		return err
	}
	switch SurveyKindNPS.Sentiment(score) {
	case SentimentPositive:
		t.promoters += n
	case SentimentNeutral:
		t.passives += n
	default:
		t.detractors += n
	}
	return nil
}

// checkAddN refuses n answers of score to a survey of kind k that a
// tally cannot count: a score off the kind's scale or a negative n.
func checkAddN(entity string, k SurveyKind, score, n int) error {
	lo, hi, _ := k.Scale()
	switch {
	case score < lo || score > hi:
		return &ValidationError{Entity: entity, Fields: []FieldError{{Field: "score", Reason: outOfRange(score, lo, hi)}}}
	case n < 0:
		return &ValidationError{Entity: entity, Fields: []FieldError{{Field: "n", Reason: fmt.Sprintf("%d is negative", n)}}}
	}
	return nil
}

// Merge adds the answers counted by o.
func (t *NPSTally) Merge(o NPSTally) {
	t.promoters += o.promoters
	t.passives += o.passives
	t.detractors += o.detractors
}

// N returns the number of answers counted.
func (t *NPSTally) N() int { return t.promoters + t.passives + t.detractors }

// Result scores the answers counted so far, as [NPS] defines. It fails
// with a [*ValidationError] when the tally is empty or an option is bad.
func (t *NPSTally) Result(opts ...ScoreOption) (NPS, error) {
	c, err := scoreOptions(opts)
	if err != nil {
		return NPS{}, err
	}
	n := t.N()
	if n == 0 {
		return NPS{}, noResponses("NPS scores")
	}
	z := c.z()
	s := NPS{N: n, Promoters: t.promoters, Passives: t.passives, Detractors: t.detractors,
		Confidence: c.confidence, Small: c.small(n)}
	s.Score = 100 * float64(t.promoters-t.detractors) / float64(n)
	score, se := npsWald(float64(t.promoters), float64(t.detractors), float64(n))
	s.StdErr = 100 * se
	s.Wald = npsInterval(score, se, z)
	score, se = npsWald(float64(t.promoters)+0.75, float64(t.detractors)+0.75, float64(n)+3)
	s.AdjustedWald = npsInterval(score, se, z)
	return s, nil
}

// npsWald returns the net score and its standard error, in proportion
// units, of promoters and detractors out of n.
func npsWald(promoters, detractors, n float64) (score, se float64) {
	p, d := promoters/n, detractors/n
	score = p - d
	return score, math.Sqrt(math.Max(0, p+d-score*score) / n)
}

func npsInterval(score, se, z float64) Interval {
	return Interval{Low: 100 * clip(score-z*se, -1, 1), High: 100 * clip(score+z*se, -1, 1)}
}

// ScoreNPS scores likelihood-to-recommend answers (0–10), as [NPS]
// defines. An empty input, or answers out of range, are a
// [*ValidationError] naming "scores" or each bad "scores[i]" (the first
// ten).
func ScoreNPS(scores []int, opts ...ScoreOption) (NPS, error) {
	var t NPSTally
	if err := tallyAll(&t, "NPS scores", scores, NPSMin, NPSMax); err != nil {
		return NPS{}, err
	}
	return t.Result(opts...)
}

// tallyAll adds every score to t, naming every bad one at once.
func tallyAll(t interface{ Add(int) error }, entity string, scores []int, lo, hi int) error {
	verr := &ValidationError{Entity: entity}
	bad := 0
	for i, s := range scores {
		if t.Add(s) != nil {
			if bad++; bad <= maxFieldErrors {
				verr.add(fmt.Sprintf("scores[%d]", i), "%s", outOfRange(s, lo, hi))
			}
		}
	}
	if bad > maxFieldErrors {
		verr.add("scores", "%d more out of range", bad-maxFieldErrors)
	}
	return verr.err()
}

// boxTally counts answers on a 1–k scale.
type boxTally struct {
	counts [CESMax + 1]int // counts[s] answers s; index 0 unused
}

func (b *boxTally) n() (n int) {
	for _, c := range b.counts {
		n += c
	}
	return n
}

// from counts the answers of at least lo, and returns their mean.
func (b *boxTally) from(lo int) (k int, mean float64) {
	var sum int
	for s, c := range b.counts {
		sum += s * c
		if s >= lo {
			k += c
		}
	}
	return k, float64(sum) / float64(b.n())
}

func (b *boxTally) merge(o boxTally) {
	for s, c := range o.counts {
		b.counts[s] += c
	}
}

// CSAT is a customer-satisfaction score on the 1–5 scale.
//
// TopTwoBox is the percentage answering 4 or 5 (satisfied or very
// satisfied), 100·Satisfied/N. Wilson is the Wilson score interval for
// it, in percent: with p = Satisfied/N,
//
//	(p + z²/2N ± z·√(p(1−p)/N + z²/4N²)) / (1 + z²/N)
//
// which stays inside 0–100 and keeps width at p = 0 or 1. Mean is the
// mean answer.
type CSAT struct {
	N, Satisfied int
	TopTwoBox    float64
	Mean         float64
	Wilson       Interval
	Confidence   float64
	// Small reports N below the minimum sample ([WithMinSample]).
	Small bool
}

// CSATTally counts customer-satisfaction answers (1–5) in constant
// memory. The zero value is an empty tally. It is not safe for
// concurrent use.
type CSATTally struct{ b boxTally }

// Add counts one answer. An answer outside 1–5 is a [*ValidationError]
// naming "score", and is not counted.
func (t *CSATTally) Add(score int) error {
	if score < CSATMin || score > CSATMax {
		return t.AddN(score, 1)
	}
	t.b.counts[score]++
	return nil
}

// AddN counts n answers of score, as [NPSTally.AddN] does.
func (t *CSATTally) AddN(score, n int) error {
	if err := checkAddN("CSAT response", SurveyKindCSAT, score, n); err != nil {
		return err
	}
	t.b.counts[score] += n
	return nil
}

// Merge adds the answers counted by o.
func (t *CSATTally) Merge(o CSATTally) { t.b.merge(o.b) }

// N returns the number of answers counted.
func (t *CSATTally) N() int { return t.b.n() }

// Result scores the answers counted so far, as [CSAT] defines. It fails
// with a [*ValidationError] when the tally is empty or an option is bad.
func (t *CSATTally) Result(opts ...ScoreOption) (CSAT, error) {
	c, err := scoreOptions(opts)
	if err != nil {
		return CSAT{}, err
	}
	n := t.N()
	if n == 0 {
		return CSAT{}, noResponses("CSAT scores")
	}
	k, mean := t.b.from(csatSatisfied)
	return CSAT{N: n, Satisfied: k, TopTwoBox: 100 * float64(k) / float64(n), Mean: mean,
		Wilson: wilson(k, n, c.z()), Confidence: c.confidence, Small: c.small(n)}, nil
}

// ScoreCSAT scores customer-satisfaction answers (1–5), as [CSAT]
// defines. An empty input, or answers out of range, are a
// [*ValidationError] naming "scores" or each bad "scores[i]" (the first
// ten).
func ScoreCSAT(scores []int, opts ...ScoreOption) (CSAT, error) {
	var t CSATTally
	if err := tallyAll(&t, "CSAT scores", scores, CSATMin, CSATMax); err != nil {
		return CSAT{}, err
	}
	return t.Result(opts...)
}

// CES is a Customer Effort Score on the 7-point agreement scale (CES
// 2.0: 1 strongly disagree that the company made it easy … 7 strongly
// agree).
//
// Mean is the mean answer. Agreement is the percentage agreeing,
// answering 5, 6 or 7: 100·Agreeing/N. Wilson is the Wilson score
// interval for Agreement, in percent, as for [CSAT].
type CES struct {
	N, Agreeing int
	Mean        float64
	Agreement   float64
	Wilson      Interval
	Confidence  float64
	// Small reports N below the minimum sample ([WithMinSample]).
	Small bool
}

// CESTally counts customer-effort answers (1–7) in constant memory. The
// zero value is an empty tally. It is not safe for concurrent use.
type CESTally struct{ b boxTally }

// Add counts one answer. An answer outside 1–7 is a [*ValidationError]
// naming "score", and is not counted.
func (t *CESTally) Add(score int) error {
	if score < CESMin || score > CESMax {
		return t.AddN(score, 1)
	}
	t.b.counts[score]++
	return nil
}

// AddN counts n answers of score, as [NPSTally.AddN] does.
func (t *CESTally) AddN(score, n int) error {
	if err := checkAddN("CES response", SurveyKindCES, score, n); err != nil {
		return err
	}
	t.b.counts[score] += n
	return nil
}

// Merge adds the answers counted by o.
func (t *CESTally) Merge(o CESTally) { t.b.merge(o.b) }

// N returns the number of answers counted.
func (t *CESTally) N() int { return t.b.n() }

// Result scores the answers counted so far, as [CES] defines. It fails
// with a [*ValidationError] when the tally is empty or an option is bad.
func (t *CESTally) Result(opts ...ScoreOption) (CES, error) {
	c, err := scoreOptions(opts)
	if err != nil {
		return CES{}, err
	}
	n := t.N()
	if n == 0 {
		return CES{}, noResponses("CES scores")
	}
	k, mean := t.b.from(cesAgreeing)
	return CES{N: n, Agreeing: k, Mean: mean, Agreement: 100 * float64(k) / float64(n),
		Wilson: wilson(k, n, c.z()), Confidence: c.confidence, Small: c.small(n)}, nil
}

// ScoreCES scores customer-effort answers (1–7), as [CES] defines. An
// empty input, or answers out of range, are a [*ValidationError] naming
// "scores" or each bad "scores[i]" (the first ten).
func ScoreCES(scores []int, opts ...ScoreOption) (CES, error) {
	var t CESTally
	if err := tallyAll(&t, "CES scores", scores, CESMin, CESMax); err != nil {
		return CES{}, err
	}
	return t.Result(opts...)
}

// tally is what [NPSTally], [CSATTally] and [CESTally] share.
type tally[R any] interface {
	Add(score int) error
	AddN(score, n int) error
	Result(opts ...ScoreOption) (R, error)
}

// breakdown tallies the answers of scores by key, in one pass.
func breakdown[K comparable, T any, R any, PT interface {
	*T
	tally[R]
}](entity string, scores iter.Seq2[K, int], lo, hi int, opts []ScoreOption) (map[K]R, error) {
	if _, err := scoreOptions(opts); err != nil {
		return nil, err
	}
	tallies := make(map[K]PT)
	verr := &ValidationError{Entity: entity}
	i, bad := 0, 0
	for k, s := range scores {
		t := tallies[k]
		if t == nil {
			t = PT(new(T))
			tallies[k] = t
		}
		if t.Add(s) != nil {
			if bad++; bad <= maxFieldErrors {
				verr.add(fmt.Sprintf("scores[%d]", i), "%s", outOfRange(s, lo, hi))
			}
		}
		i++
	}
	if bad > maxFieldErrors {
		verr.add("scores", "%d more out of range", bad-maxFieldErrors)
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	out := make(map[K]R, len(tallies))
	for k, t := range tallies {
		r, err := t.Result(opts...)
		if err != nil { // a group holds at least one answer, and the options are checked
			return nil, err
		}
		out[k] = r
	}
	return out, nil
}

// BreakdownNPS scores the answers scores yields (0–10) by their key —
// segment, owner, region, [Period] — in one pass, holding one tally per
// key. Each group is flagged Small below the minimum sample. A key with
// no answers has no entry; no answers at all give an empty map. Answers
// out of range are a [*ValidationError] naming each bad "scores[i]",
// counting pairs from 0 (the first ten).
//
//	byRegion, err := crm.BreakdownNPS(func(yield func(string, int) bool) {
//		for _, r := range responses {
//			if !yield(r.Region, r.Score) {
//				return
//			}
//		}
//	})
func BreakdownNPS[K comparable](scores iter.Seq2[K, int], opts ...ScoreOption) (map[K]NPS, error) {
	return breakdown[K, NPSTally, NPS]("NPS scores", scores, NPSMin, NPSMax, opts)
}

// BreakdownCSAT scores customer-satisfaction answers (1–5) by key, as
// [BreakdownNPS] does.
func BreakdownCSAT[K comparable](scores iter.Seq2[K, int], opts ...ScoreOption) (map[K]CSAT, error) {
	return breakdown[K, CSATTally, CSAT]("CSAT scores", scores, CSATMin, CSATMax, opts)
}

// BreakdownCES scores customer-effort answers (1–7) by key, as
// [BreakdownNPS] does.
func BreakdownCES[K comparable](scores iter.Seq2[K, int], opts ...ScoreOption) (map[K]CES, error) {
	return breakdown[K, CESTally, CES]("CES scores", scores, CESMin, CESMax, opts)
}

// NPSChange is the change of a Net Promoter Score between two
// independent samples, such as two periods, and whether it is larger
// than sampling error explains:
//
//	Delta  = After.Score − Before.Score            (NPS points)
//	StdErr = √(Before.StdErr² + After.StdErr²)
//	Z      = Delta / StdErr
//	P      = erfc(|Z|/√2)                          (two-sided)
//	Interval = Delta ± z·StdErr, clipped to [−200, 200]
//
// Significant reports P < 1 − Confidence, which is the same as the
// interval excluding 0. When both samples are unanimous StdErr is 0: a
// change of 0 then has Z 0 and P 1, any other change an infinite Z and
// P 0.
type NPSChange struct {
	Before, After NPS
	Delta, StdErr float64
	Z, P          float64
	Interval      Interval
	Confidence    float64
	Significant   bool
	// Small reports either sample below the minimum sample
	// ([WithMinSample]): the test is then rough, whatever it says.
	Small bool
}

// CompareNPS tests the change from before to after, as [NPSChange]
// defines, at the confidence level of opts (not of before and after).
// It fails with a [*ValidationError] on a bad option or a score with no
// responses.
func CompareNPS(before, after NPS, opts ...ScoreOption) (NPSChange, error) {
	c, err := scoreOptions(opts)
	if err != nil {
		return NPSChange{}, err
	}
	verr := &ValidationError{Entity: "NPS change"}
	if before.N <= 0 {
		verr.add("before", "no responses")
	}
	if after.N <= 0 {
		verr.add("after", "no responses")
	}
	if err := verr.err(); err != nil {
		return NPSChange{}, err
	}
	ch := NPSChange{Before: before, After: after, Confidence: c.confidence,
		Small: c.small(before.N) || c.small(after.N)}
	ch.Delta = after.Score - before.Score
	ch.StdErr = math.Hypot(before.StdErr, after.StdErr)
	switch {
	case ch.StdErr > 0:
		ch.Z = ch.Delta / ch.StdErr
		ch.P = math.Erfc(math.Abs(ch.Z) / math.Sqrt2)
	case ch.Delta == 0:
		ch.Z, ch.P = 0, 1
	default:
		ch.Z, ch.P = math.Copysign(math.Inf(1), ch.Delta), 0
	}
	m := c.z() * ch.StdErr
	ch.Interval = Interval{Low: clip(ch.Delta-m, -200, 200), High: clip(ch.Delta+m, -200, 200)}
	ch.Significant = ch.P < 1-c.confidence
	return ch, nil
}
