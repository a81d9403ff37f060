package crm_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestLeadScoring_Score(t *testing.T) {
	rules := crm.LeadScoring{Rules: []crm.LeadRule{
		{Name: "company", Field: crm.LeadFieldCompany, Points: 10},
		{Name: "senior", Field: crm.LeadFieldTitle, Contains: []string{"vp", "vice president", "head"}, Points: 20},
		{Name: "warm", Field: crm.LeadFieldSource, Equals: []string{"referral", "event"}, Points: 15},
		{Name: "free mail", Field: crm.LeadFieldEmailDomain, Equals: []string{"gmail.com"}, Points: -10},
		{Name: "pricing", Behaviour: "pricing_page", Points: 5, Max: 15},
		{Behaviour: "unsubscribe", Points: -20, Max: 30},
		{Field: crm.LeadFieldPhone, Points: 3},
	}}
	tests := []struct {
		name  string
		lead  crm.Lead
		want  int
		parts []crm.ScorePart
	}{
		{"Nothing", crm.Lead{Name: "Ann"}, 0, nil},
		{"FieldPresent", crm.Lead{Company: "Acme"}, 10, []crm.ScorePart{{Rule: "company", Points: 10}}},
		{"BlankIsAbsent", crm.Lead{Company: "  "}, 0, nil},
		{"EqualsIgnoresCase", crm.Lead{Source: "Referral"}, 15, []crm.ScorePart{{Rule: "warm", Points: 15}}},
		{"EqualsNoMatch", crm.Lead{Source: "web"}, 0, nil},
		{"ContainsWholeWord", crm.Lead{Title: "VP Sales"}, 20, []crm.ScorePart{{Rule: "senior", Points: 20}}},
		{"ContainsPhrase", crm.Lead{Title: "Vice-President, Europe"}, 20, []crm.ScorePart{{Rule: "senior", Points: 20}}},
		{"ContainsNotInsideWord", crm.Lead{Title: "MVP of the year; Headhunter"}, 0, nil},
		{"Negative", crm.Lead{Email: "ann@GMAIL.com"}, -10, []crm.ScorePart{{Rule: "free mail", Points: -10}}},
		{"BehaviourEach", crm.Lead{Behaviours: map[string]int{"pricing_page": 2}}, 10,
			[]crm.ScorePart{{Rule: "pricing", Points: 10, Count: 2}}},
		{"BehaviourCapped", crm.Lead{Behaviours: map[string]int{"pricing_page": 7}}, 15,
			[]crm.ScorePart{{Rule: "pricing", Points: 15, Count: 7}}},
		{"NegativeBehaviourCapped", crm.Lead{Behaviours: map[string]int{"unsubscribe": 2}}, -30,
			[]crm.ScorePart{{Rule: "unsubscribe", Points: -30, Count: 2}}},
		{"DescribedRule", crm.Lead{Phone: "+442079460000"}, 3, []crm.ScorePart{{Rule: "phone given", Points: 3}}},
		{"Everything", crm.Lead{
			Company: "Acme", Title: "Head of IT", Source: "event", Email: "ann@gmail.com",
			Behaviours: map[string]int{"pricing_page": 1},
		}, 10 + 20 + 15 - 10 + 5, []crm.ScorePart{
			{Rule: "company", Points: 10}, {Rule: "senior", Points: 20}, {Rule: "warm", Points: 15},
			{Rule: "free mail", Points: -10}, {Rule: "pricing", Points: 5, Count: 1},
		}},
	}
	require.NoError(t, rules.Validate())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, parts := rules.Score(&tc.lead)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.parts, parts)
			sum := 0
			for _, p := range parts {
				sum += p.Points
			}
			assert.Equal(t, got, sum, "the parts add up to the score")
		})
	}
}

func TestDefaultLeadScoring(t *testing.T) {
	s := crm.DefaultLeadScoring()
	require.NoError(t, s.Validate())
	hot := &crm.Lead{
		Name: "Ann", Company: "Acme", Title: "Chief Revenue Officer", Email: "ann@acme.example", Phone: "+442079460000",
		Source: "referral", Behaviours: map[string]int{crm.BehaviourDemoRequest: 2, crm.BehaviourEmailOpen: 9},
	}
	cold := &crm.Lead{Name: "Bob", Email: "bob@gmail.com", Source: "web"}
	hotScore, parts := s.Score(hot)
	coldScore, _ := s.Score(cold)
	// company 10 + senior 20 + email 5 + phone 5 + warm 15 + demo 30 (capped) + opens 5 (capped)
	assert.Equal(t, 90, hotScore)
	assert.Len(t, parts, 7)
	// email 5 − free mail 10 + web 5
	assert.Equal(t, 0, coldScore)
}

func TestLeadScoring_Validate(t *testing.T) {
	s := crm.LeadScoring{Rules: []crm.LeadRule{
		{Name: "both", Field: crm.LeadFieldCompany, Behaviour: "x", Points: 1},
		{Name: "neither", Points: 1},
		{Field: "shoe_size", Points: 1},
		{Behaviour: "Demo Request", Points: 1},
		{Field: crm.LeadFieldTitle, Equals: []string{"a"}, Contains: []string{"b"}},
		{Behaviour: "demo", Equals: []string{"a"}},
		{Behaviour: "demo", Max: -1},
		{Field: crm.LeadFieldTitle, Max: 5},
	}}
	assert.Equal(t, []string{
		"rules[0]", "rules[1]", "rules[2].field", "rules[3].behaviour", "rules[4]", "rules[5]", "rules[6].max", "rules[7].max",
	}, fieldNames(t, s.Validate()))
}

// fieldNames returns the fields a validation error names, in its order.
func fieldNames(tb testing.TB, err error) []string {
	tb.Helper()
	require.ErrorIs(tb, err, crm.ErrInvalid)
	var verr *crm.ValidationError
	require.True(tb, errors.As(err, &verr), "want *crm.ValidationError, got %T: %v", err, err)
	var fields []string
	for _, f := range verr.Fields {
		fields = append(fields, f.Field)
	}
	return fields
}
