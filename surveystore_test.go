package crm_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// surveySetup returns a Client, a context with an actor, a customer and
// an NPS survey in wave "2026-Q1".
func surveySetup(t *testing.T) (*crm.Client, *testClock, context.Context, *crm.Customer, *crm.Survey) {
	t.Helper()
	c, clock, _ := newClient(t)
	ctx := actorCtx(t, "u-ann")
	cust := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme Ltd"})
	sv, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Relationship NPS", Wave: "2026-Q1",
		Question: "How likely are you to recommend us?"})
	require.NoError(t, err)
	return c, clock, ctx, cust, sv
}

// countResponses counts every stored response.
func countResponses(t *testing.T, c *crm.Client, ctx context.Context) int {
	t.Helper()
	n := 0
	for _, err := range c.Responses(ctx, crm.ResponseFilter{}) {
		require.NoError(t, err)
		n++
	}
	return n
}

func TestClient_CreateSurvey(t *testing.T) {
	c, _, _ := newClient(t)
	ctx := actorCtx(t, "u-ann")
	sv, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindCSAT, Name: "  After support  ", Period: crm.PeriodMonth})
	require.NoError(t, err)
	assert.Equal(t, "After support", sv.Name)
	assert.Equal(t, 1, sv.ScaleMin, "the CSAT scale is filled in")
	assert.Equal(t, 5, sv.ScaleMax)
	assert.EqualValues(t, 1, sv.Version)
	assert.Equal(t, "u-ann", sv.CreatedBy)
	assert.Equal(t, t0, sv.CreatedAt)
	got, err := c.GetSurvey(ctx, sv.ID)
	require.NoError(t, err)
	assert.Equal(t, sv, got)

	custom, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindCustom, Name: "Mood", ScaleMin: -2, ScaleMax: 2})
	require.NoError(t, err)
	assert.Equal(t, -2, custom.ScaleMin)

	cases := []struct {
		name   string
		in     crm.Survey
		fields []string
	}{
		{"NoKindNoName", crm.Survey{}, []string{"kind", "name"}},
		{"UnknownKind", crm.Survey{Kind: "stars", Name: "x"}, []string{"kind"}},
		{"WrongScale", crm.Survey{Kind: crm.SurveyKindNPS, Name: "x", ScaleMin: 1, ScaleMax: 5}, []string{"scale_min"}},
		{"EmptyCustomScale", crm.Survey{Kind: crm.SurveyKindCustom, Name: "x", ScaleMin: 3, ScaleMax: 3}, []string{"scale_max"}},
		{"HugeCustomScale", crm.Survey{Kind: crm.SurveyKindCustom, Name: "x", ScaleMin: 0, ScaleMax: 5000}, []string{"scale_max"}},
		{"WaveAndPeriod", crm.Survey{Kind: crm.SurveyKindCES, Name: "x", Wave: "w1", Period: crm.PeriodYear}, []string{"period"}},
		{"BadPeriod", crm.Survey{Kind: crm.SurveyKindCES, Name: "x", Period: "week"}, []string{"period"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateSurvey(ctx, &tc.in)
			require.ErrorIs(t, err, crm.ErrInvalid)
			for _, f := range tc.fields {
				fieldErr(t, err, f)
			}
		})
	}
	n := 0
	for _, err := range c.Surveys(ctx) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 2, n, "refused surveys are not stored")
}

func TestClient_UpdateSurvey(t *testing.T) {
	c, clock, ctx, _, sv := surveySetup(t)
	clock.Advance(time.Hour)
	got, err := c.UpdateSurvey(ctx, sv.ID, sv.Version, crm.SurveyUpdate{Wave: crm.Ptr("2026-Q2"), Name: crm.Ptr("NPS")})
	require.NoError(t, err)
	assert.Equal(t, "2026-Q2", got.Wave)
	assert.Equal(t, "NPS", got.Name)
	assert.EqualValues(t, 2, got.Version)
	assert.Equal(t, t0.Add(time.Hour), got.UpdatedAt)
	assert.Equal(t, sv.Question, got.Question, "fields not in the update stay")

	same, err := c.UpdateSurvey(ctx, sv.ID, got.Version, crm.SurveyUpdate{Wave: crm.Ptr("2026-Q2")})
	require.NoError(t, err)
	assert.EqualValues(t, 2, same.Version, "an update that changes nothing writes nothing")

	_, err = c.UpdateSurvey(ctx, sv.ID, sv.Version, crm.SurveyUpdate{Name: crm.Ptr("Stale")})
	assert.ErrorIs(t, err, crm.ErrConflict)
	_, err = c.UpdateSurvey(ctx, sv.ID, got.Version, crm.SurveyUpdate{Period: crm.Ptr(crm.PeriodMonth)})
	fieldErr(t, err, "period")
	_, err = c.UpdateSurvey(ctx, "missing", 1, crm.SurveyUpdate{})
	assert.ErrorIs(t, err, crm.ErrNotFound)
	stored, err := c.GetSurvey(ctx, sv.ID)
	require.NoError(t, err)
	assert.Equal(t, got, stored, "refused updates change nothing")
}

func TestClient_RecordResponse(t *testing.T) {
	c, clock, ctx, cust, sv := surveySetup(t)
	ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: cust.ID, Name: "Zoë"})
	require.NoError(t, err)
	clock.Advance(time.Minute)
	r, err := c.RecordResponse(ctx, &crm.Response{SurveyID: sv.ID, CustomerID: cust.ID, ContactID: ct.ID, CaseID: "case-7",
		Score: 4, Comment: " Slow answers ", Channel: "email"})
	require.NoError(t, err)
	assert.Equal(t, crm.SurveyKindNPS, r.Kind, "the survey's kind")
	assert.Equal(t, cust.ID, r.RespondentID, "the customer is the respondent")
	assert.Equal(t, "2026-Q1", r.Wave, "the survey's wave")
	assert.Equal(t, t0.Add(time.Minute), r.AnsweredAt, "answered now")
	assert.Equal(t, "Slow answers", r.Comment)
	assert.Equal(t, "case-7", r.CaseID)
	assert.Equal(t, crm.SentimentNegative, r.Sentiment(), "4 is a detractor: a case to follow up")
	got, err := c.GetResponse(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, r, got)

	// A second response of the customer to the wave is refused.
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: sv.ID, CustomerID: cust.ID, Score: 10})
	require.ErrorIs(t, err, crm.ErrDuplicate)
	assert.Contains(t, err.Error(), cust.ID)
	assert.Contains(t, err.Error(), `wave "2026-Q1"`)
	// Another wave takes it.
	other, err := c.RecordResponse(ctx, &crm.Response{SurveyID: sv.ID, CustomerID: cust.ID, Score: 10, Wave: "pilot"})
	require.NoError(t, err)
	assert.Equal(t, "pilot", other.Wave)
	assert.Equal(t, crm.SentimentPositive, other.Sentiment())
	require.Equal(t, 2, countResponses(t, c, ctx))

	// Bad input names the field and stores nothing.
	otherCust := mustCreate(t, c, ctx, &crm.Customer{Name: "Other plc"})
	bad := []struct {
		name  string
		in    crm.Response
		field string
		is    error
	}{
		{"ScoreAbove", crm.Response{SurveyID: sv.ID, CustomerID: otherCust.ID, Score: 11}, "score", crm.ErrInvalid},
		{"ScoreBelow", crm.Response{SurveyID: sv.ID, CustomerID: otherCust.ID, Score: -1}, "score", crm.ErrInvalid},
		{"NoSurvey", crm.Response{CustomerID: otherCust.ID, Score: 5}, "survey_id", crm.ErrInvalid},
		{"NoCustomer", crm.Response{SurveyID: sv.ID, Score: 5}, "customer_id", crm.ErrInvalid},
		{"OthersContact", crm.Response{SurveyID: sv.ID, CustomerID: otherCust.ID, ContactID: ct.ID, Score: 5}, "contact_id", crm.ErrInvalid},
		{"LongChannel", crm.Response{SurveyID: sv.ID, CustomerID: otherCust.ID, Channel: string(make([]byte, 65)), Score: 5}, "channel", crm.ErrInvalid},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.RecordResponse(ctx, &tc.in)
			require.ErrorIs(t, err, tc.is)
			reason := fieldErr(t, err, tc.field)
			if tc.field == "score" {
				assert.Contains(t, reason, "0–10", "the reason names the scale")
			}
		})
	}
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: "no-such-survey", CustomerID: otherCust.ID, Score: 5})
	assert.ErrorIs(t, err, crm.ErrNotFound, "an unknown survey")
	assert.Contains(t, err.Error(), "no-such-survey")
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: sv.ID, CustomerID: "no-such-customer", Score: 5})
	assert.ErrorIs(t, err, crm.ErrNotFound, "an unknown customer")
	_, err = c.RecordResponse(ctx, nil)
	assert.ErrorIs(t, err, crm.ErrInvalid)
	assert.Equal(t, 2, countResponses(t, c, ctx), "refused responses are not stored")
}

func TestClient_RecordResponse_period(t *testing.T) {
	c, _, _ := newClient(t)
	ctx := actorCtx(t, "u-ann")
	cust := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme Ltd"})
	sv, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindCSAT, Name: "After support", Period: crm.PeriodMonth})
	require.NoError(t, err)
	march, err := c.RecordResponse(ctx, &crm.Response{SurveyID: sv.ID, CustomerID: cust.ID, Score: 2})
	require.NoError(t, err)
	assert.Equal(t, "2026-03", march.Wave, "the month of now")
	may, err := c.RecordResponse(ctx, &crm.Response{SurveyID: sv.ID, CustomerID: cust.ID, Score: 5,
		AnsweredAt: time.Date(2026, 5, 31, 23, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	assert.Equal(t, "2026-05", may.Wave, "the month it was answered")
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: sv.ID, CustomerID: cust.ID, Score: 4,
		AnsweredAt: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)})
	assert.ErrorIs(t, err, crm.ErrDuplicate, "one answer a month")
	assert.Equal(t, crm.SentimentNegative, march.Sentiment(), "a CSAT of 2")
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: sv.ID, CustomerID: cust.ID, Score: 6})
	assert.Contains(t, fieldErr(t, err, "score"), "1–5")
}

// TestClient_RecordResponse_concurrent records one customer's answer to
// one wave from many goroutines: one is stored.
func TestClient_RecordResponse_concurrent(t *testing.T) {
	c, _, ctx, cust, sv := surveySetup(t)
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := c.RecordResponse(ctx, &crm.Response{SurveyID: sv.ID, CustomerID: cust.ID, Score: i})
			errs <- err
		}()
	}
	ok := 0
	for range n {
		if err := <-errs; err == nil {
			ok++
		} else {
			assert.ErrorIs(t, err, crm.ErrDuplicate)
		}
	}
	assert.Equal(t, 1, ok)
	assert.Equal(t, 1, countResponses(t, c, ctx))
}

// seedScores records one response per score of scores, each from a new
// customer in region, to sv, answered at.
func seedScores(t *testing.T, c *crm.Client, ctx context.Context, sv *crm.Survey, region string, at time.Time, scores []int) {
	t.Helper()
	for i, s := range scores {
		cust := mustCreate(t, c, ctx, &crm.Customer{Name: fmt.Sprintf("%s %s %d", sv.Name, region, i), Region: region, OwnerID: "u-" + region},
			crm.AllowDuplicates())
		_, err := c.RecordResponse(ctx, &crm.Response{SurveyID: sv.ID, CustomerID: cust.ID, Score: s, AnsweredAt: at})
		require.NoError(t, err)
	}
}

func TestClient_SurveyScores(t *testing.T) {
	c, _, _ := newClient(t)
	ctx := actorCtx(t, "u-ann")
	nps, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "NPS"})
	require.NoError(t, err)
	csat, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindCSAT, Name: "CSAT"})
	require.NoError(t, err)
	ces, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindCES, Name: "CES"})
	require.NoError(t, err)
	npsScores := answers(10, 7, 9, 4, 8, 5, 6, 2, 0, 3, 3, 1)
	csatScores := answers(5, 4, 4, 6, 3, 3, 1, 2)
	cesScores := answers(7, 3, 5, 2, 4, 1, 2, 1)
	seedScores(t, c, ctx, nps, "north", t0, npsScores)
	seedScores(t, c, ctx, csat, "north", t0, csatScores)
	seedScores(t, c, ctx, ces, "north", t0, cesScores)

	wantNPS, err := crm.ScoreNPS(npsScores, crm.WithConfidence(0.9))
	require.NoError(t, err)
	gotNPS, err := c.SurveyNPS(ctx, crm.ResponseFilter{SurveyIDs: []string{nps.ID}}, crm.WithConfidence(0.9))
	require.NoError(t, err)
	assert.Equal(t, wantNPS, gotNPS, "the store's counts score as the scores do")
	wantCSAT, err := crm.ScoreCSAT(csatScores)
	require.NoError(t, err)
	gotCSAT, err := c.SurveyCSAT(ctx, crm.ResponseFilter{SurveyIDs: []string{csat.ID}})
	require.NoError(t, err)
	assert.Equal(t, wantCSAT, gotCSAT)
	wantCES, err := crm.ScoreCES(cesScores)
	require.NoError(t, err)
	gotCES, err := c.SurveyCES(ctx, crm.ResponseFilter{SurveyIDs: []string{ces.ID}, Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, wantCES, gotCES, "paging fields do not limit a score")

	_, err = c.SurveyNPS(ctx, crm.ResponseFilter{})
	assert.Contains(t, fieldErr(t, err, "survey_ids"), "ces, csat surveys", "mixing kinds is refused")
	_, err = c.SurveyCSAT(ctx, crm.ResponseFilter{SurveyIDs: []string{nps.ID}})
	assert.Contains(t, fieldErr(t, err, "survey_ids"), "nps")
	_, err = c.SurveyNPS(ctx, crm.ResponseFilter{SurveyIDs: []string{nps.ID}, Waves: []string{"none"}})
	fieldErr(t, err, "scores")
	_, err = c.SurveyNPS(ctx, crm.ResponseFilter{SurveyIDs: []string{nps.ID}}, crm.WithConfidence(2))
	fieldErr(t, err, "confidence")
}

func TestClient_SurveyNPSByPeriod(t *testing.T) {
	c, _, _ := newClient(t)
	ctx := actorCtx(t, "u-ann")
	sv, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "NPS", Period: crm.PeriodMonth})
	require.NoError(t, err)
	jan, feb, apr := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	byMonth := map[time.Time][]int{jan: answers(10, 1, 2, 2), feb: answers(9, 3, 6, 1, 10, 2), apr: answers(0, 2, 7, 3)}
	var pairs [][2]any
	for at, scores := range byMonth {
		seedScores(t, c, ctx, sv, at.Format("Jan"), at, scores)
		for _, s := range scores {
			pairs = append(pairs, [2]any{crm.PeriodOf(at, crm.PeriodMonth), s})
		}
	}
	want, err := crm.BreakdownNPS(func(yield func(crm.Period, int) bool) {
		for _, p := range pairs {
			if !yield(p[0].(crm.Period), p[1].(int)) {
				return
			}
		}
	}, crm.WithMinSample(5))
	require.NoError(t, err)
	f := crm.ResponseFilter{SurveyIDs: []string{sv.ID}, AnsweredFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), AnsweredBefore: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	got, err := c.SurveyNPSByPeriod(ctx, f, crm.PeriodMonth, crm.WithMinSample(5))
	require.NoError(t, err)
	assert.Equal(t, want, got, "one entry per month with responses")
	assert.True(t, got[crm.PeriodOf(jan, crm.PeriodMonth)].Small, "3 responses are below the minimum sample of 5")
	assert.Len(t, got, 3, "no entry for March and May")
	assert.False(t, got[crm.PeriodOf(feb, crm.PeriodMonth)].Small)

	q, err := c.SurveyNPSByPeriod(ctx, f, crm.PeriodQuarter)
	require.NoError(t, err)
	assert.Equal(t, 9, q[crm.PeriodOf(jan, crm.PeriodQuarter)].N, "January and February make Q1")

	partial := f
	partial.AnsweredFrom = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	got, err = c.SurveyNPSByPeriod(ctx, partial, crm.PeriodQuarter)
	require.NoError(t, err)
	assert.Equal(t, 6, got[crm.PeriodOf(jan, crm.PeriodQuarter)].N, "the bounds cut the first period")

	change, err := c.SurveyNPSChange(ctx, crm.ResponseFilter{SurveyIDs: []string{sv.ID}}, crm.PeriodOf(jan, crm.PeriodMonth), crm.PeriodOf(feb, crm.PeriodMonth), crm.WithMinSample(5))
	require.NoError(t, err)
	wantChange, err := crm.CompareNPS(want[crm.PeriodOf(jan, crm.PeriodMonth)], want[crm.PeriodOf(feb, crm.PeriodMonth)], crm.WithMinSample(5))
	require.NoError(t, err)
	assert.Equal(t, wantChange, change)
	_, err = c.SurveyNPSChange(ctx, crm.ResponseFilter{SurveyIDs: []string{sv.ID}}, crm.Period{}, crm.PeriodOf(feb, crm.PeriodMonth))
	fieldErr(t, err, "before")

	for field, bad := range map[string]crm.ResponseFilter{
		"answered_from":   {SurveyIDs: []string{sv.ID}, AnsweredBefore: f.AnsweredBefore},
		"answered_before": {SurveyIDs: []string{sv.ID}, AnsweredFrom: f.AnsweredBefore, AnsweredBefore: f.AnsweredFrom},
	} {
		_, err := c.SurveyNPSByPeriod(ctx, bad, crm.PeriodMonth)
		fieldErr(t, err, field)
	}
	_, err = c.SurveyNPSByPeriod(ctx, f, "week")
	fieldErr(t, err, "unit")
	long := f
	long.AnsweredFrom = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err = c.SurveyNPSByPeriod(ctx, long, crm.PeriodMonth)
	fieldErr(t, err, "answered_before")
}

func TestClient_SurveyNPSBy(t *testing.T) {
	c, _, _ := newClient(t)
	ctx := actorCtx(t, "u-ann")
	sv, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindCSAT, Name: "CSAT"})
	require.NoError(t, err)
	byRegion := map[string][]int{"north": answers(5, 3, 1, 2), "south": answers(4, 4, 2, 1, 3, 1), "west": answers(1, 2)}
	var pairs [][2]any
	for region, scores := range byRegion {
		seedScores(t, c, ctx, sv, region, t0, scores)
		for _, s := range scores {
			pairs = append(pairs, [2]any{region, s})
		}
	}
	mustCreate(t, c, ctx, &crm.Customer{Name: "Silent", Region: "east"}) // no response: no entry
	want, err := crm.BreakdownCSAT(func(yield func(string, int) bool) {
		for _, p := range pairs {
			if !yield(p[0].(string), p[1].(int)) {
				return
			}
		}
	})
	require.NoError(t, err)
	f := crm.ResponseFilter{SurveyIDs: []string{sv.ID}}
	region := func(c *crm.Customer) string { return c.Region }
	got, err := c.SurveyCSATBy(ctx, f, crm.CustomerFilter{}, region)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	south, err := c.SurveyCSATBy(ctx, f, crm.CustomerFilter{Owners: []string{"u-south"}}, func(*crm.Customer) string { return "south owner" })
	require.NoError(t, err)
	assert.Equal(t, map[string]crm.CSAT{"south owner": want["south"]}, south, "the customer filter picks the customers")

	var one string
	for cust, err := range c.Customers(ctx, crm.CustomerFilter{Regions: []string{"west"}}) {
		require.NoError(t, err)
		one = cust.ID
		break
	}
	narrowed, err := c.SurveyCSATBy(ctx, crm.ResponseFilter{SurveyIDs: []string{sv.ID}, CustomerIDs: []string{one}}, crm.CustomerFilter{}, region)
	require.NoError(t, err)
	if assert.Contains(t, narrowed, "west") {
		assert.Equal(t, 1, narrowed["west"].N, "f's customers narrow the groups")
	}
	assert.Len(t, narrowed, 1)

	_, err = c.SurveyNPSBy(ctx, f, crm.CustomerFilter{}, region)
	fieldErr(t, err, "survey_ids")
	_, err = c.SurveyCESBy(ctx, f, crm.CustomerFilter{}, nil)
	fieldErr(t, err, "key")
	var verr *crm.ValidationError
	assert.True(t, errors.As(err, &verr))
}
