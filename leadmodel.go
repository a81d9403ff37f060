package crm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
)

// LeadOutcome is a past lead and how it ended: Won when the business was
// won, false when it was lost.
type LeadOutcome struct {
	Lead *Lead
	Won  bool
}

// LeadModelOptions configure [TrainLeadModel].
type LeadModelOptions struct {
	// Fields are the lead fields the model reads, each at most once; empty
	// means source, industry, region and email domain.
	Fields []LeadField
	// Alpha is the additive smoothing added to every count: 1 is
	// Laplace's rule, smaller values trust the counts more. 0 means 1; it
	// must not be negative.
	Alpha float64
}

// LeadModel is a naive Bayes model of winning a lead, learned from past
// outcomes, as Odoo's predictive lead scoring is: it treats the chosen
// fields as independent given the outcome, so that each field's value
// adds its own, explainable weight of evidence. Build one with
// [TrainLeadModel]; it is immutable and safe for concurrent use.
//
// With W won and L lost examples, N = W+L, smoothing α, and for a field f
// with K distinct values seen in training (plus one for every value not
// seen), the model estimates
//
//	P(won)        = (W + α) / (N + 2α)
//	P(f = v | won) = (won examples with f = v + α) / (W + αK)
//
// and likewise for lost, so a value never seen gets α / (W + αK): small,
// never zero.
type LeadModel struct {
	fields    []LeadField
	alpha     float64
	won, lost int
	// counts holds, per field, the won and lost examples having each
	// (normalised) value.
	counts []map[string][2]int
}

// TrainLeadModel learns a [LeadModel] from examples. Values are compared
// ignoring case and surrounding space; a field left empty counts as the
// value "" (having no company, say, is evidence too). It fails with a
// [*ValidationError] when there are no examples, an example has no lead,
// a field is unknown or repeated, or Alpha is negative or not finite.
func TrainLeadModel(examples []LeadOutcome, opts LeadModelOptions) (*LeadModel, error) {
	fields := slices.Clone(opts.Fields)
	if len(fields) == 0 {
		fields = []LeadField{LeadFieldSource, LeadFieldIndustry, LeadFieldRegion, LeadFieldEmailDomain}
	}
	alpha := opts.Alpha
	if alpha == 0 {
		alpha = 1
	}
	verr := &ValidationError{Entity: "lead model"}
	if len(examples) == 0 {
		verr.add("examples", "required: at least one past lead")
	}
	for i, f := range fields {
		switch {
		case !f.Valid():
			verr.add(fmt.Sprintf("fields[%d]", i), "unknown lead field %q", f)
		case slices.Index(fields, f) < i:
			verr.add(fmt.Sprintf("fields[%d]", i), "%q repeated", f)
		}
	}
	if alpha < 0 || math.IsNaN(alpha) || math.IsInf(alpha, 0) {
		verr.add("alpha", "must be a finite number not below zero")
	}
	for i, ex := range examples {
		if ex.Lead == nil {
			verr.add(fmt.Sprintf("examples[%d].lead", i), "required")
		}
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	m := &LeadModel{fields: fields, alpha: alpha, counts: make([]map[string][2]int, len(fields))}
	for i := range m.counts {
		m.counts[i] = make(map[string][2]int)
	}
	for _, ex := range examples {
		outcome := 0
		if ex.Won {
			outcome = 1
			m.won++
		} else {
			m.lost++
		}
		for i, f := range fields {
			v := modelValue(f, ex.Lead)
			c := m.counts[i][v]
			c[outcome]++
			m.counts[i][v] = c
		}
	}
	return m, nil
}

// modelValue is the value of f of l as the model compares it.
func modelValue(f LeadField, l *Lead) string { return strings.ToLower(f.Value(l)) }

// Fields returns the fields the model reads, in their order.
func (m *LeadModel) Fields() []LeadField { return slices.Clone(m.fields) }

// Outcomes returns how many won and lost examples the model learned from.
func (m *LeadModel) Outcomes() (won, lost int) { return m.won, m.lost }

// FieldContribution is one field's part in a [LeadPrediction]: how much
// more (or less) likely its value is among won leads than among lost ones.
type FieldContribution struct {
	Field LeadField
	// Value is the lead's value as the model compares it: lower case, ""
	// for none.
	Value string
	// Seen reports whether training saw the value; an unseen value gets
	// the smoothed estimate.
	Seen bool
	// LikelihoodRatio is P(value | won) / P(value | lost): above 1 the
	// value speaks for winning, below 1 against.
	LikelihoodRatio float64
	// LogOdds is the natural logarithm of LikelihoodRatio: what the value
	// adds to the log-odds of winning.
	LogOdds float64
}

// LeadPrediction is a model's estimate for one lead, with its
// explanation: PriorLogOdds plus the LogOdds of every contribution is the
// log-odds of Probability, ln(p / (1−p)); equally, the prior odds times
// every LikelihoodRatio are the odds of winning.
type LeadPrediction struct {
	// Probability is the estimated chance, from 0 to 1, that the lead is
	// won.
	Probability float64
	// PriorLogOdds is ln(P(won) / P(lost)) before looking at the lead.
	PriorLogOdds float64
	// Contributions has one entry per field of the model, in its order.
	Contributions []FieldContribution
}

// Percent returns the probability in whole percent, rounded, as a lead's
// Score or a deal's Probability holds it.
func (p LeadPrediction) Percent() int { return int(math.Round(p.Probability * 100)) }

// Predict returns the model's estimate that l is won, and why.
func (m *LeadModel) Predict(l *Lead) LeadPrediction {
	a := m.alpha
	w, n := float64(m.won), float64(m.lost)
	pred := LeadPrediction{
		PriorLogOdds:  math.Log((w + a) / (n + a)), // the common denominator N + 2α cancels
		Contributions: make([]FieldContribution, len(m.fields)),
	}
	logOdds := pred.PriorLogOdds
	if l == nil {
		l = &Lead{}
	}
	for i, f := range m.fields {
		v := modelValue(f, l)
		c, seen := m.counts[i][v]
		k := float64(len(m.counts[i]) + 1) // the values seen, and one for all the others
		pWon := (float64(c[1]) + a) / (w + a*k)
		pLost := (float64(c[0]) + a) / (n + a*k)
		contrib := math.Log(pWon) - math.Log(pLost)
		pred.Contributions[i] = FieldContribution{
			Field: f, Value: v, Seen: seen, LikelihoodRatio: pWon / pLost, LogOdds: contrib,
		}
		logOdds += contrib
	}
	pred.Probability = logistic(logOdds)
	return pred
}

// logistic returns 1 / (1 + e^−x) without overflow.
func logistic(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// LeadOutcomes iterates over the leads f selects whose outcome is known,
// as examples for [TrainLeadModel]: a converted lead whose deal was won
// (Won) or lost, and a disqualified lead, which counts as lost, as Odoo
// counts its lost leads. Open leads, and converted ones with no deal or an
// open one, are skipped. It reads page by page, one deal per converted
// lead; an error ends the iteration after being yielded.
func (c *Client) LeadOutcomes(ctx context.Context, f LeadFilter) iter.Seq2[LeadOutcome, error] {
	return func(yield func(LeadOutcome, error) bool) {
		for l, err := range c.Leads(ctx, f) {
			if err != nil {
				yield(LeadOutcome{}, err)
				return
			}
			switch {
			case l.Status == LeadDisqualified:
				if !yield(LeadOutcome{Lead: l}, nil) {
					return
				}
			case l.Converted() && l.OpportunityID != "":
				o, err := c.store.FindOpportunityByID(ctx, l.OpportunityID)
				switch {
				case errors.Is(err, ErrNotFound):
					continue
				case err != nil:
					yield(LeadOutcome{}, fmt.Errorf("crm: lead outcomes: lead %s: %w", l.ID, err))
					return
				case o.Closed():
					if !yield(LeadOutcome{Lead: l, Won: o.Status == OpportunityWon}, nil) {
						return
					}
				}
			}
		}
	}
}
