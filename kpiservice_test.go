package crm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestMeasureService(t *testing.T) {
	q2 := crm.PeriodOf(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), crm.PeriodQuarter) // [1 Apr, 1 Jul)
	at := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, time.UTC) }
	c1 := &crm.Case{ID: "1", Kind: crm.CaseComplaint, Priority: crm.PriorityHigh, OpenedAt: at(4, 2, 9),
		FirstRespondedAt: at(4, 2, 10), FirstResponseTime: time.Hour, ResolvedAt: at(5, 1, 12), ResolutionTime: 20 * time.Hour}
	c2 := &crm.Case{ID: "2", Kind: crm.CaseComplaint, Priority: crm.PriorityHigh, OpenedAt: at(4, 10, 9),
		FirstRespondedAt: at(4, 12, 9), FirstResponseTime: 5 * time.Hour, FirstResponseDue: at(4, 11, 9)} // breached, unresolved
	c3 := &crm.Case{ID: "3", Kind: crm.CaseRequest, Priority: crm.PriorityLow, OpenedAt: at(5, 5, 9),
		FirstRespondedAt: at(7, 2, 9), FirstResponseTime: 9 * time.Hour, // responded after the period
		ResolvedAt: at(7, 3, 9), ResolutionTime: 50 * time.Hour, FirstResponseDue: at(5, 6, 9)} // no targets: not counted
	c4 := &crm.Case{ID: "4", Kind: crm.CaseComplaint, Priority: crm.PriorityUrgent, OpenedAt: at(6, 30, 9),
		ResolvedAt: at(7, 2, 9), ResolutionDue: at(7, 1, 0)} // resolved after the end; due at the end is not a breach in the period
	c5 := &crm.Case{ID: "5", Kind: crm.CaseComplaint, Priority: crm.PriorityHigh, OpenedAt: at(3, 30, 9),
		ResolutionDue: at(4, 1, 0)} // opened before the period
	c6 := &crm.Case{ID: "6", Kind: crm.CaseInquiry, OpenedAt: at(3, 1, 9), ResolvedAt: at(4, 5, 9), ResolutionTime: 30 * time.Hour}
	c7 := &crm.Case{ID: "7", Kind: crm.CaseRequest, OpenedAt: at(5, 20, 9), ResolvedAt: at(6, 1, 9), ResolutionTime: 2 * time.Hour}
	targets := func(p crm.CasePriority) bool { return p == crm.PriorityHigh || p == crm.PriorityUrgent }

	k, err := crm.MeasureService(seq(nil, c5, c1, c2, c3, c4, c7), seq(nil, c6, c1, c3, c7), q2, targets)
	require.NoError(t, err)
	assert.Equal(t, 5, k.Opened, "c1, c2, c3, c4, c7")
	assert.Equal(t, crm.Ratio{Numerator: 1, Denominator: 3}, k.ComplaintResolution, "c1 of c1, c2, c4")
	assert.Equal(t, crm.DurationStats{N: 2, Mean: 3 * time.Hour, Median: 3 * time.Hour, P90: 5 * time.Hour}, k.FirstResponse, "c1 and c2")
	// c6, c1, c7: 30 h, 20 h, 2 h; nearest-rank p90 of three is the largest.
	assert.Equal(t, crm.DurationStats{N: 3, Mean: 52 * time.Hour / 3, Median: 20 * time.Hour, P90: 30 * time.Hour}, k.Resolution)
	assert.Equal(t, crm.Ratio{Numerator: 1, Denominator: 3}, k.SLABreach, "c2 of c1, c2, c4")

	k, err = crm.MeasureService(seq(nil, c1, c2), seq[*crm.Case](nil), q2, nil)
	require.NoError(t, err)
	assert.False(t, k.SLABreach.Valid(), "no priority has targets")
	assert.Zero(t, k.Resolution.N)

	boom := errors.New("boom")
	_, err = crm.MeasureService(seq(boom, c1), seq[*crm.Case](nil), q2, nil)
	assert.ErrorIs(t, err, boom)
	_, err = crm.MeasureService(seq[*crm.Case](nil), seq[*crm.Case](nil), crm.Period{}, nil)
	assert.ErrorIs(t, err, crm.ErrInvalid)
}

func TestMeasureSurveys(t *testing.T) {
	counts := []crm.ScoreCount{
		{Kind: crm.SurveyKindNPS, Score: 10, N: 5}, {Kind: crm.SurveyKindNPS, Score: 9, N: 3},
		{Kind: crm.SurveyKindNPS, Score: 7, N: 2}, {Kind: crm.SurveyKindNPS, Score: 3, N: 4}, {Kind: crm.SurveyKindNPS, Score: 0, N: 1},
		{Kind: crm.SurveyKindCSAT, Score: 5, N: 6}, {Kind: crm.SurveyKindCSAT, Score: 4, N: 2}, {Kind: crm.SurveyKindCSAT, Score: 2, N: 2},
		{Kind: crm.SurveyKindCustom, Score: 40, N: 9},
	}
	k, err := crm.MeasureSurveys(counts, crm.WithConfidence(0.9))
	require.NoError(t, err)
	require.NotNil(t, k.NPS)
	require.NotNil(t, k.CSAT)
	assert.Nil(t, k.CES, "no CES responses")
	assert.Equal(t, 15, k.NPS.N)
	assert.InDelta(t, 20.0, k.NPS.Score, 1e-12, "(8 − 5) / 15")
	want, err := crm.ScoreNPS([]int{10, 10, 10, 10, 10, 9, 9, 9, 7, 7, 3, 3, 3, 3, 0}, crm.WithConfidence(0.9))
	require.NoError(t, err)
	assert.Equal(t, want, *k.NPS, "as the pure rule scores the same answers")
	assert.Equal(t, 10, k.CSAT.N)
	assert.InDelta(t, 80.0, k.CSAT.TopTwoBox, 1e-12)
	wantCSAT, err := crm.ScoreCSAT([]int{5, 5, 5, 5, 5, 5, 4, 4, 2, 2}, crm.WithConfidence(0.9))
	require.NoError(t, err)
	assert.Equal(t, wantCSAT, *k.CSAT)

	_, err = crm.MeasureSurveys([]crm.ScoreCount{{Kind: crm.SurveyKindCSAT, Score: 6, N: 1}})
	assert.ErrorIs(t, err, crm.ErrInvalid, "a CSAT score of 6")
	none, err := crm.MeasureSurveys(nil)
	require.NoError(t, err)
	assert.Equal(t, crm.SurveyKPIs{}, none)
}
