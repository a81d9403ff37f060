package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"time"
)

// ServiceKPIs are the service measures of a period [From, To), made from
// the stored facts of each case ([Case.FirstResponseTime],
// [Case.ResolutionTime], [Case.ResolvedAt], the due times), as the cases
// stand when measured, without replaying histories.
type ServiceKPIs struct {
	// Opened counts the cases opened in the period (OpenedAt).
	Opened int `json:"cases_opened"`
	// ComplaintResolution is, of the complaints opened in the period,
	// the share resolved before its end: ResolvedAt set and before To (a
	// case reopened and not resolved again counts as unresolved).
	ComplaintResolution Ratio `json:"complaint_resolution_rate"`
	// FirstResponse summarises the first-response times (business time,
	// [Case.FirstResponseTime]) of the cases opened in the period that
	// were first responded to before its end.
	FirstResponse DurationStats `json:"first_response_time"`
	// Resolution summarises the resolution times (business time, waiting
	// on the customer left out, [Case.ResolutionTime]) of the cases
	// resolved in the period (ResolvedAt in [From, To)).
	Resolution DurationStats `json:"resolution_time"`
	// SLABreach is, of the cases opened in the period whose priority has
	// service-level targets, the share with either clock breached as of
	// the period's end ([Case.Breached] at To).
	SLABreach Ratio `json:"sla_breach_rate"`
}

// MeasureService measures period p over opened, the cases opened in p,
// and resolved, the cases resolved in p, as [ServiceKPIs] defines;
// hasTargets reports whether cases of a priority have service-level
// targets (nil: none has). Cases outside p are skipped, so a superset
// may be passed. It holds one duration per case measured (for the
// medians). It fails with a stream's first error or a
// [*ValidationError] for a bad period.
func MeasureService(opened, resolved iter.Seq2[*Case, error], p Period, hasTargets func(CasePriority) bool) (ServiceKPIs, error) {
	verr := &ValidationError{Entity: "service kpis"}
	checkPeriod(verr, p)
	if err := verr.err(); err != nil {
		return ServiceKPIs{}, err
	}
	end := p.End()
	var k ServiceKPIs
	var firsts, resolutions []time.Duration
	for cs, err := range opened {
		if err != nil {
			return ServiceKPIs{}, err
		}
		if !p.Contains(cs.OpenedAt) {
			continue
		}
		k.Opened++
		resolvedByEnd := !cs.ResolvedAt.IsZero() && cs.ResolvedAt.Before(end)
		if cs.Kind == CaseComplaint {
			k.ComplaintResolution.Denominator++
			if resolvedByEnd {
				k.ComplaintResolution.Numerator++
			}
		}
		if !cs.FirstRespondedAt.IsZero() && cs.FirstRespondedAt.Before(end) {
			firsts = append(firsts, cs.FirstResponseTime)
		}
		if hasTargets != nil && hasTargets(cs.Priority) {
			k.SLABreach.Denominator++
			// Breached as of the instant just before the period ends.
			if first, res := cs.Breached(end.Add(-time.Microsecond)); first || res {
				k.SLABreach.Numerator++
			}
		}
	}
	for cs, err := range resolved {
		if err != nil {
			return ServiceKPIs{}, err
		}
		if cs.ResolvedAt.IsZero() || !p.Contains(cs.ResolvedAt) {
			continue
		}
		resolutions = append(resolutions, cs.ResolutionTime)
	}
	k.FirstResponse = newDurationStats(firsts)
	k.Resolution = newDurationStats(resolutions)
	return k, nil
}

// SurveyKPIs are the survey measures of a period [From, To): the scores
// of the responses answered in it (AnsweredAt), each kind over every
// survey of that kind, from the counts per score the store makes
// ([SurveyStore.ResponseScores]). A kind with no responses in the period
// is nil.
type SurveyKPIs struct {
	NPS  *NPS
	CSAT *CSAT
	CES  *CES
}

// MeasureSurveys scores counts, the responses of a period counted per
// kind and score, into [SurveyKPIs]; counts of custom surveys are left
// out. It fails with a [*ValidationError] for a score out of its kind's
// range or a bad option.
func MeasureSurveys(counts []ScoreCount, opts ...ScoreOption) (SurveyKPIs, error) {
	if _, err := scoreOptions(opts); err != nil {
		return SurveyKPIs{}, err
	}
	var (
		nps  NPSTally
		csat CSATTally
		ces  CESTally
	)
	for _, sc := range counts {
		var err error
		switch sc.Kind {
		case SurveyKindNPS:
			err = nps.AddN(sc.Score, sc.N)
		case SurveyKindCSAT:
			err = csat.AddN(sc.Score, sc.N)
		case SurveyKindCES:
			err = ces.AddN(sc.Score, sc.N)
		}
		if err != nil {
			return SurveyKPIs{}, err
		}
	}
	var k SurveyKPIs
	var err error
	k.NPS, err = resultIfAny(&nps, opts)
	if err == nil {
		k.CSAT, err = resultIfAny(&csat, opts)
	}
	if err == nil {
		k.CES, err = resultIfAny(&ces, opts)
	}
	return k, err
}

// resultIfAny returns t's result, or nil when t is empty.
func resultIfAny[R any](t interface {
	tally[R]
	N() int
}, opts []ScoreOption) (*R, error) {
	if t.N() == 0 {
		return nil, nil
	}
	r, err := t.Result(opts...)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// MarshalJSON writes {"nps": {"n", "promoters", "passives",
// "detractors", "score", "std_err", "wald": {"low", "high"},
// "adjusted_wald": {…}, "confidence", "small"}, "csat": {"n",
// "satisfied", "top_two_box", "mean", "wilson": {…}, "confidence",
// "small"}, "ces": {"n", "agreeing", "agreement", "mean", "wilson": {…},
// "confidence", "small"}}, a kind with no responses as null.
func (k SurveyKPIs) MarshalJSON() ([]byte, error) {
	type interval struct {
		Low  float64 `json:"low"`
		High float64 `json:"high"`
	}
	type nps struct {
		N            int      `json:"n"`
		Promoters    int      `json:"promoters"`
		Passives     int      `json:"passives"`
		Detractors   int      `json:"detractors"`
		Score        float64  `json:"score"`
		StdErr       float64  `json:"std_err"`
		Wald         interval `json:"wald"`
		AdjustedWald interval `json:"adjusted_wald"`
		Confidence   float64  `json:"confidence"`
		Small        bool     `json:"small"`
	}
	type csat struct {
		N          int      `json:"n"`
		Satisfied  int      `json:"satisfied"`
		TopTwoBox  float64  `json:"top_two_box"`
		Mean       float64  `json:"mean"`
		Wilson     interval `json:"wilson"`
		Confidence float64  `json:"confidence"`
		Small      bool     `json:"small"`
	}
	type ces struct {
		N          int      `json:"n"`
		Agreeing   int      `json:"agreeing"`
		Agreement  float64  `json:"agreement"`
		Mean       float64  `json:"mean"`
		Wilson     interval `json:"wilson"`
		Confidence float64  `json:"confidence"`
		Small      bool     `json:"small"`
	}
	var out struct {
		NPS  *nps  `json:"nps"`
		CSAT *csat `json:"csat"`
		CES  *ces  `json:"ces"`
	}
	if s := k.NPS; s != nil {
		out.NPS = &nps{s.N, s.Promoters, s.Passives, s.Detractors, s.Score, s.StdErr,
			interval(s.Wald), interval(s.AdjustedWald), s.Confidence, s.Small}
	}
	if s := k.CSAT; s != nil {
		out.CSAT = &csat{s.N, s.Satisfied, s.TopTwoBox, s.Mean, interval(s.Wilson), s.Confidence, s.Small}
	}
	if s := k.CES; s != nil {
		out.CES = &ces{s.N, s.Agreeing, s.Agreement, s.Mean, interval(s.Wilson), s.Confidence, s.Small}
	}
	return json.Marshal(out)
}

// serviceAndSurveyKPIs measures the cases and responses of p into r.
func (c *Client) serviceAndSurveyKPIs(ctx context.Context, r *Report, p Period) error {
	opened := c.Cases(ctx, CaseFilter{OpenedFrom: p.Start, OpenedBefore: p.End(), Limit: MaxPageLimit})
	resolved := c.Cases(ctx, CaseFilter{ResolvedFrom: p.Start, ResolvedBefore: p.End(), Limit: MaxPageLimit})
	hasTargets := func(pr CasePriority) bool { _, ok := c.caseSLA[pr]; return ok }
	var err error
	if r.Service, err = MeasureService(opened, resolved, p, hasTargets); err != nil {
		return err
	}
	counts, err := c.store.ResponseScores(ctx, ResponseFilter{AnsweredFrom: p.Start, AnsweredBefore: p.End()})
	if err != nil {
		return fmt.Errorf("response scores: %w", err)
	}
	r.Surveys, err = MeasureSurveys(counts)
	return err
}
