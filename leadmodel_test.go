package crm_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// tolerance bounds the float error of the model's arithmetic in these
// tests: a few ulps of numbers near 1, far below any difference that
// matters.
const tolerance = 1e-12

// handExamples are seven past leads: three won, four lost.
//
//	won:  (web, retail)  (web, tech)  (referral, tech)
//	lost: (web, retail)  (event, retail)  (event, tech)  (event, retail)
func handExamples() []crm.LeadOutcome {
	mk := func(source, industry string, won bool) crm.LeadOutcome {
		return crm.LeadOutcome{Lead: &crm.Lead{Name: "x", Source: source, Industry: industry}, Won: won}
	}
	return []crm.LeadOutcome{
		mk("web", "retail", true), mk("Web ", "tech", true), mk("referral", "Tech", true),
		mk("web", "retail", false), mk("event", "retail", false), mk("event", "tech", false), mk("event", "retail", false),
	}
}

func TestTrainLeadModel_HandComputed(t *testing.T) {
	m, err := crm.TrainLeadModel(handExamples(), crm.LeadModelOptions{
		Fields: []crm.LeadField{crm.LeadFieldSource, crm.LeadFieldIndustry},
		Alpha:  1,
	})
	require.NoError(t, err)
	won, lost := m.Outcomes()
	require.Equal(t, [2]int{3, 4}, [2]int{won, lost})

	// W = 3, L = 4, α = 1.
	// Prior: P(won) = (3+1)/(7+2) = 4/9, P(lost) = (4+1)/9 = 5/9; odds 4/5.
	// source has K = 3 values seen (web, referral, event) + 1 unseen = 4:
	//   P(web|won)  = (2+1)/(3+1·4) = 3/7    P(web|lost) = (1+1)/(4+1·4) = 1/4
	//   likelihood ratio 12/7.
	// industry has K = 2 (retail, tech) + 1 = 3:
	//   P(tech|won) = (2+1)/(3+3) = 1/2      P(tech|lost) = (1+1)/(4+3) = 2/7
	//   likelihood ratio 7/4.
	// Posterior odds of (web, tech) = 4/5 · 12/7 · 7/4 = 12/5, so
	// P(won) = 12/17 ≈ 0.70588.
	p := m.Predict(&crm.Lead{Source: "WEB", Industry: "tech"})
	assert.InDelta(t, 12.0/17, p.Probability, tolerance)
	assert.Equal(t, 71, p.Percent())
	assert.InDelta(t, math.Log(4.0/5), p.PriorLogOdds, tolerance)
	require.Len(t, p.Contributions, 2)
	assert.Equal(t, crm.FieldContribution{Field: crm.LeadFieldSource, Value: "web", Seen: true,
		LikelihoodRatio: p.Contributions[0].LikelihoodRatio, LogOdds: p.Contributions[0].LogOdds}, p.Contributions[0])
	assert.InDelta(t, 12.0/7, p.Contributions[0].LikelihoodRatio, tolerance)
	assert.InDelta(t, 7.0/4, p.Contributions[1].LikelihoodRatio, tolerance)

	// An unseen source gets the smoothed estimate:
	//   P(partner|won) = (0+1)/7 = 1/7, P(partner|lost) = (0+1)/8 = 1/8,
	//   ratio 8/7; with retail, P(retail|won) = (1+1)/6 = 1/3,
	//   P(retail|lost) = (3+1)/7 = 4/7, ratio 7/12.
	// Odds = 4/5 · 8/7 · 7/12 = 8/15, so P(won) = 8/23 ≈ 0.34783.
	p = m.Predict(&crm.Lead{Source: "partner", Industry: "retail"})
	assert.InDelta(t, 8.0/23, p.Probability, tolerance)
	assert.False(t, p.Contributions[0].Seen)
	assert.InDelta(t, 8.0/7, p.Contributions[0].LikelihoodRatio, tolerance)
	assert.True(t, p.Contributions[1].Seen)

	// No value at all is a value never seen: "" for both fields.
	// Odds = 4/5 · 8/7 · (1/6)/(1/7) = 4/5 · 8/7 · 7/6 = 16/15.
	p = m.Predict(&crm.Lead{})
	assert.InDelta(t, 16.0/31, p.Probability, tolerance)
	assert.Equal(t, "", p.Contributions[1].Value)
}

func TestLeadPrediction_ContributionsAddUp(t *testing.T) {
	m, err := crm.TrainLeadModel(handExamples(), crm.LeadModelOptions{Alpha: 0.5})
	require.NoError(t, err)
	assert.Equal(t, []crm.LeadField{crm.LeadFieldSource, crm.LeadFieldIndustry, crm.LeadFieldRegion, crm.LeadFieldEmailDomain},
		m.Fields(), "the default fields")
	for _, l := range []*crm.Lead{
		{Source: "web", Industry: "tech"},
		{Source: "event", Industry: "retail", Region: "north"},
		{Source: "referral", Email: "a@b.example"},
		nil,
	} {
		p := m.Predict(l)
		logOdds, odds := p.PriorLogOdds, math.Exp(p.PriorLogOdds)
		for _, c := range p.Contributions {
			logOdds += c.LogOdds
			odds *= c.LikelihoodRatio
			assert.InDelta(t, math.Log(c.LikelihoodRatio), c.LogOdds, tolerance)
		}
		assert.InDelta(t, math.Log(p.Probability/(1-p.Probability)), logOdds, 1e-9, "log-odds add up")
		assert.InDelta(t, p.Probability/(1-p.Probability), odds, 1e-9, "likelihood ratios multiply up")
		assert.Greater(t, p.Probability, 0.0)
		assert.Less(t, p.Probability, 1.0)
	}
}

func TestTrainLeadModel_OneClass(t *testing.T) {
	// Smoothing keeps the estimate away from 0 and 1 even when every
	// example was won: odds = (2+1)/(0+1) · ((2+1)/(2+2))/((0+1)/(0+2)) = 3 · 3/2 = 9/2.
	m, err := crm.TrainLeadModel([]crm.LeadOutcome{
		{Lead: &crm.Lead{Source: "web"}, Won: true}, {Lead: &crm.Lead{Source: "web"}, Won: true},
	}, crm.LeadModelOptions{Fields: []crm.LeadField{crm.LeadFieldSource}})
	require.NoError(t, err)
	assert.InDelta(t, 9.0/11, m.Predict(&crm.Lead{Source: "web"}).Probability, tolerance)
}

func TestTrainLeadModel_Invalid(t *testing.T) {
	tests := []struct {
		name     string
		examples []crm.LeadOutcome
		opts     crm.LeadModelOptions
		field    string
	}{
		{"NoExamples", nil, crm.LeadModelOptions{}, "examples"},
		{"NilLead", []crm.LeadOutcome{{Won: true}}, crm.LeadModelOptions{}, "examples[0].lead"},
		{"UnknownField", handExamples(), crm.LeadModelOptions{Fields: []crm.LeadField{"shoe_size"}}, "fields[0]"},
		{"RepeatedField", handExamples(), crm.LeadModelOptions{Fields: []crm.LeadField{"source", "source"}}, "fields[1]"},
		{"NegativeAlpha", handExamples(), crm.LeadModelOptions{Alpha: -1}, "alpha"},
		{"NaNAlpha", handExamples(), crm.LeadModelOptions{Alpha: math.NaN()}, "alpha"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := crm.TrainLeadModel(tc.examples, tc.opts)
			require.ErrorIs(t, err, crm.ErrInvalid)
			assert.NotEmpty(t, fieldErr(t, err, tc.field))
		})
	}
}
