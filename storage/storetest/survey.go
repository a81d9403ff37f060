package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// newSurvey returns an NPS survey ready to create, as the Client builds
// one.
func newSurvey(ids crm.IDGenerator, name string) *crm.Survey {
	at := baseTime()
	return &crm.Survey{
		ID: ids.NewID(), Kind: crm.SurveyKindNPS, Name: name, ScaleMin: crm.NPSMin, ScaleMax: crm.NPSMax,
		CreatedAt: at, CreatedBy: "u-test", UpdatedAt: at, UpdatedBy: "u-test", Version: 1,
	}
}

// fullSurvey returns a custom survey with every field set and times with
// nanoseconds outside UTC.
func fullSurvey(id string) *crm.Survey {
	return &crm.Survey{
		ID: id, Kind: crm.SurveyKindCustom, Name: "Onboarding — Ålesund", Question: "How was your first week? (−3 awful … 3 great)",
		ScaleMin: -3, ScaleMax: 3, Period: crm.PeriodQuarter,
		CreatedAt: fineTime(10), CreatedBy: "u-ann", UpdatedAt: fineTime(11), UpdatedBy: "u-bob", Version: 1,
	}
}

// newResponse returns a response of customerID to sv in wave, ready to
// create: the customer is its respondent, the score 10.
func newResponse(ids crm.IDGenerator, sv *crm.Survey, customerID, wave string) *crm.Response {
	at := baseTime()
	return &crm.Response{
		ID: ids.NewID(), SurveyID: sv.ID, Kind: sv.Kind, CustomerID: customerID, RespondentID: customerID,
		Score: sv.ScaleMax, AnsweredAt: at, Wave: wave,
		CreatedAt: at, CreatedBy: "u-test", UpdatedAt: at, UpdatedBy: "u-test", Version: 1,
	}
}

// wantStoredSurvey and wantStoredResponse return what a store must hand
// back: times in UTC, truncated to the microsecond.
func wantStoredSurvey(sv *crm.Survey) *crm.Survey {
	w := sv.Clone()
	w.CreatedAt, w.UpdatedAt = crm.Timestamp(w.CreatedAt), crm.Timestamp(w.UpdatedAt)
	return w
}

func wantStoredResponse(r *crm.Response) *crm.Response {
	w := r.Clone()
	w.AnsweredAt, w.CreatedAt, w.UpdatedAt = crm.Timestamp(w.AnsweredAt), crm.Timestamp(w.CreatedAt), crm.Timestamp(w.UpdatedAt)
	return w
}

func mustCreateSurvey(tb testing.TB, s crm.Store, sv *crm.Survey) {
	tb.Helper()
	require.NoError(tb, s.CreateSurvey(tb.Context(), sv.Clone()), "CreateSurvey %s", sv.ID)
}

func mustCreateResponse(tb testing.TB, s crm.Store, r *crm.Response) {
	tb.Helper()
	require.NoError(tb, s.CreateResponse(tb.Context(), r.Clone()), "CreateResponse %s", r.ID)
}

func assertStoredSurvey(tb testing.TB, s crm.Store, want *crm.Survey, msgAndArgs ...any) bool {
	tb.Helper()
	got, err := s.FindSurveyByID(tb.Context(), want.ID)
	if !assert.NoError(tb, err, msgAndArgs...) {
		return false
	}
	return assertRecordEqual(tb, "survey", want, got, msgAndArgs...)
}

func assertStoredResponse(tb testing.TB, s crm.Store, want *crm.Response, msgAndArgs ...any) bool {
	tb.Helper()
	got, err := s.FindResponseByID(tb.Context(), want.ID)
	if !assert.NoError(tb, err, msgAndArgs...) {
		return false
	}
	return assertRecordEqual(tb, "response", want, got, msgAndArgs...)
}

func allResponses(tb testing.TB, s crm.Store, f crm.ResponseFilter) []*crm.Response {
	tb.Helper()
	return allPages(tb, "FindResponses", s.FindResponses, f, func(f *crm.ResponseFilter, c crm.Cursor) { f.After = c })
}

func responseIDs(rs []*crm.Response) []string {
	ids := []string{}
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

func surveyLister(s crm.Store) lister {
	return func(ctx context.Context, after crm.Cursor, limit int) ([]string, crm.Cursor, error) {
		page, next, err := s.FindSurveys(ctx, crm.SurveyFilter{After: after, Limit: limit})
		ids := []string{}
		for _, sv := range page {
			ids = append(ids, sv.ID)
		}
		return ids, next, err
	}
}

func responseLister(s crm.Store, f crm.ResponseFilter) lister {
	return func(ctx context.Context, after crm.Cursor, limit int) ([]string, crm.Cursor, error) {
		f.After, f.Limit = after, limit
		page, next, err := s.FindResponses(ctx, f)
		return responseIDs(page), next, err
	}
}

// concurrently calls try from workers goroutines at once, each with its
// number, and returns how many calls succeeded. A call failing with
// crm.ErrConflict is retried, up to 50 times; one failing with refused is
// counted as refused; any other error fails the test.
func concurrently(t *testing.T, workers int, refused error, try func(i int) error) int {
	t.Helper()
	var wg sync.WaitGroup
	ok := make([]bool, workers)
	errs := make([]error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				err := try(i)
				switch {
				case errors.Is(err, crm.ErrConflict):
					continue
				case errors.Is(err, refused):
				case err != nil:
					errs[i] = err
				default:
					ok[i] = true
				}
				return
			}
			errs[i] = errors.New("still conflicting after 50 tries")
		}()
	}
	wg.Wait()
	n := 0
	for i, err := range errs {
		require.NoError(t, err, "worker %d", i)
		if ok[i] {
			n++
		}
	}
	return n
}

// createSplit calls create for each of ids, in a shuffled order, with
// its position in that order and whether it goes to the second of two
// customers (every third does), and returns the IDs that go to the
// second, ascending.
func createSplit(ids []string, create func(i int, id string, toB bool)) []string {
	var ofB []string
	for i, id := range shuffled(ids) {
		toB := i%3 == 0
		if toB {
			ofB = append(ofB, id)
		}
		create(i, id, toB)
	}
	slices.Sort(ofB)
	return ofB
}

// countScores counts rs per kind and score by hand, as ResponseScores
// must: ascending by kind and score, no zero counts.
func countScores(rs []*crm.Response) []crm.ScoreCount {
	counts := map[crm.ScoreCount]int{}
	for _, r := range rs {
		counts[crm.ScoreCount{Kind: r.Kind, Score: r.Score}]++
	}
	out := []crm.ScoreCount{}
	for k, n := range counts {
		k.N = n
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b crm.ScoreCount) int {
		return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), cmp.Compare(a.Score, b.Score))
	})
	return out
}

// assertScores checks ResponseScores of f against want, in order.
func assertScores(tb testing.TB, s crm.Store, f crm.ResponseFilter, want []crm.ScoreCount, msgAndArgs ...any) bool {
	tb.Helper()
	got, err := s.ResponseScores(tb.Context(), f)
	if !assert.NoError(tb, err, msgAndArgs...) {
		return false
	}
	if got == nil {
		got = []crm.ScoreCount{}
	}
	return assert.Equal(tb, want, got, msgAndArgs...)
}

func testSurveyRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	in := fullSurvey(ids.NewID())
	mustCreateSurvey(t, s, in)
	want := wantStoredSurvey(in)
	assertStoredSurvey(t, s, want, "FindSurveyByID")
	plain := newSurvey(ids, "Plain")
	plain.Wave = "2026 relaunch"
	mustCreateSurvey(t, s, plain)
	page, next, err := s.FindSurveys(t.Context(), crm.SurveyFilter{})
	require.NoError(t, err)
	assert.Empty(t, next)
	if assert.Len(t, page, 2, "FindSurveys") {
		assertRecordEqual(t, "survey", want, page[0], "FindSurveys")
		assertRecordEqual(t, "survey", plain, page[1], "FindSurveys")
	}
	page[1].Name = "changed by the caller"
	assertStoredSurvey(t, s, plain, "a listed survey is a copy")
}

func testSurveyNotFound(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	mustCreateSurvey(t, s, newSurvey(ids, "Present"))
	_, err := s.FindSurveyByID(t.Context(), ids.NewID())
	assert.ErrorIs(t, err, crm.ErrNotFound, "FindSurveyByID of a missing ID")
	ghost := newSurvey(ids, "Ghost")
	err = s.UpdateSurvey(t.Context(), ghost)
	assert.ErrorIs(t, err, crm.ErrNotFound, "UpdateSurvey of a missing ID")
	assert.EqualValues(t, 1, ghost.Version, "a failed UpdateSurvey must leave the Version passed in")
	_, err = s.FindSurveyByID(t.Context(), ghost.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound, "UpdateSurvey must not create")
}

func testSurveyDuplicate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	sv := newSurvey(ids, "First")
	mustCreateSurvey(t, s, sv)
	again := newSurvey(crm.IDGeneratorFunc(func() string { return sv.ID }), "Second")
	assert.ErrorIs(t, s.CreateSurvey(t.Context(), again), crm.ErrDuplicate)
	assertStoredSurvey(t, s, sv, "the first survey is kept")
}

func testSurveyUpdate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	sv := newSurvey(ids, "Before")
	mustCreateSurvey(t, s, sv)
	u := sv.Clone()
	u.Name, u.Question, u.Wave, u.UpdatedAt, u.UpdatedBy = "After", "Would you recommend us?", "2026-Q3", fineTime(20), "u-upd"
	require.NoError(t, s.UpdateSurvey(t.Context(), u))
	assert.EqualValues(t, 2, u.Version, "UpdateSurvey sets the new Version")
	want := wantStoredSurvey(u)
	assertStoredSurvey(t, s, want)

	stale := sv.Clone()
	stale.Name = "Stale"
	assert.ErrorIs(t, s.UpdateSurvey(t.Context(), stale), crm.ErrConflict, "an update naming a stale version")
	assert.EqualValues(t, 1, stale.Version, "a failed UpdateSurvey must leave the Version passed in")
	assertStoredSurvey(t, s, want, "a stale update changes nothing")
}

func testSurveyPaginate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	all := newIDs(t, ids, 23)
	for _, id := range shuffled(all) {
		mustCreateSurvey(t, s, newSurvey(crm.IDGeneratorFunc(func() string { return id }), "S "+id))
	}
	assert.Equal(t, all, walkPages(t, surveyLister(s), 5, nil), "every survey in pages of 5")
	assert.Equal(t, all, walkPages(t, surveyLister(s), 0, nil), "every survey in one default page")
	_, _, err := s.FindSurveys(t.Context(), crm.SurveyFilter{Limit: -1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "a negative Limit")
}

// surveyFixture is a customer with a survey, stored.
type surveyFixture struct {
	cust   *crm.Customer
	survey *crm.Survey
}

func seedSurveyFixture(tb testing.TB, s crm.Store, ids crm.IDGenerator) surveyFixture {
	tb.Helper()
	fx := surveyFixture{cust: newCustomer(ids, "Respondent"), survey: newSurvey(ids, "Relationship NPS")}
	mustCreateCustomer(tb, s, fx.cust)
	mustCreateSurvey(tb, s, fx.survey)
	return fx
}

func testResponseRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSurveyFixture(t, s, ids)
	in := &crm.Response{
		ID: ids.NewID(), SurveyID: fx.survey.ID, Kind: fx.survey.Kind, CustomerID: fx.cust.ID, RespondentID: "cust-merged-away",
		ContactID: "contact-1", CaseID: "case-1", OpportunityID: "opp-1", Score: 0,
		Comment: "Zoë says: the invoice was wrong — twice", Channel: "sms", AnsweredAt: fineTime(30), Wave: "2026-Q1",
		CreatedAt: fineTime(31), CreatedBy: "u-ann", UpdatedAt: fineTime(32), UpdatedBy: "u-bob", Version: 1,
	}
	mustCreateResponse(t, s, in)
	want := wantStoredResponse(in)
	assertStoredResponse(t, s, want, "FindResponseByID")
	assert.Equal(t, "UTC", mustFindResponse(t, s, in.ID).AnsweredAt.Location().String())
	list := allResponses(t, s, crm.ResponseFilter{})
	if assert.Len(t, list, 1, "FindResponses") {
		assertRecordEqual(t, "response", want, list[0], "FindResponses")
		list[0].Comment = "changed by the caller"
	}
	in.Comment = "changed after storing"
	assertStoredResponse(t, s, want, "the store keeps copies")
}

func mustFindResponse(tb testing.TB, s crm.Store, id string) *crm.Response {
	tb.Helper()
	r, err := s.FindResponseByID(tb.Context(), id)
	require.NoError(tb, err, "FindResponseByID %s", id)
	return r
}

func testResponseNotFound(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSurveyFixture(t, s, ids)
	_, err := s.FindResponseByID(t.Context(), ids.NewID())
	assert.ErrorIs(t, err, crm.ErrNotFound, "FindResponseByID of a missing ID")

	ghostSurvey := newSurvey(ids, "Never stored")
	r := newResponse(ids, ghostSurvey, fx.cust.ID, "w")
	assert.ErrorIs(t, s.CreateResponse(t.Context(), r), crm.ErrNotFound, "CreateResponse to a missing survey")
	ghostCust := ids.NewID()
	r2 := newResponse(ids, fx.survey, ghostCust, "w")
	assert.ErrorIs(t, s.CreateResponse(t.Context(), r2), crm.ErrNotFound, "CreateResponse of a missing customer")
	assert.Empty(t, allResponses(t, s, crm.ResponseFilter{}), "refused responses are not stored")
}

// testResponseDuplicate checks the unique keys of responses: the ID, and
// one response per survey, wave and respondent.
func testResponseDuplicate(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	fx := seedSurveyFixture(t, s, ids)
	other := newCustomer(ids, "Other")
	mustCreateCustomer(t, s, other)
	second := newSurvey(ids, "Second survey")
	mustCreateSurvey(t, s, second)

	first := newResponse(ids, fx.survey, fx.cust.ID, "2026-Q1")
	mustCreateResponse(t, s, first)
	sameID := newResponse(crm.IDGeneratorFunc(func() string { return first.ID }), fx.survey, other.ID, "other wave")
	assert.ErrorIs(t, s.CreateResponse(ctx, sameID), crm.ErrDuplicate, "a taken ID")
	again := newResponse(ids, fx.survey, fx.cust.ID, "2026-Q1")
	again.Score = 3
	assert.ErrorIs(t, s.CreateResponse(ctx, again), crm.ErrDuplicate, "a second response of one respondent in one wave")
	assertStoredResponse(t, s, first, "the first response is kept")

	// Another wave, survey or respondent is another key.
	mustCreateResponse(t, s, newResponse(ids, fx.survey, fx.cust.ID, "2026-Q2"))
	mustCreateResponse(t, s, newResponse(ids, second, fx.cust.ID, "2026-Q1"))
	mustCreateResponse(t, s, newResponse(ids, fx.survey, other.ID, "2026-Q1"))
	moved := newResponse(ids, fx.survey, other.ID, "2026-Q3")
	moved.RespondentID = fx.cust.ID // given by fx.cust, merged into other
	mustCreateResponse(t, s, moved)
	byOther := newResponse(ids, fx.survey, other.ID, "2026-Q3")
	mustCreateResponse(t, s, byOther) // other's own answer to the wave
	dupMoved := newResponse(ids, fx.survey, fx.cust.ID, "2026-Q3")
	assert.ErrorIs(t, s.CreateResponse(ctx, dupMoved), crm.ErrDuplicate, "the key is the respondent's, not the customer's")

	// The wave "" is a wave too.
	mustCreateResponse(t, s, newResponse(ids, fx.survey, fx.cust.ID, ""))
	assert.ErrorIs(t, s.CreateResponse(ctx, newResponse(ids, fx.survey, fx.cust.ID, "")), crm.ErrDuplicate, "the wave \"\"")

	// A refused duplicate inside a transaction leaves it usable.
	kept := newResponse(ids, fx.survey, other.ID, "2026-Q4")
	err := s.RunInTx(ctx, func(tx crm.Store) error {
		assert.ErrorIs(t, tx.CreateResponse(ctx, newResponse(ids, fx.survey, fx.cust.ID, "2026-Q1")), crm.ErrDuplicate, "in a transaction")
		return tx.CreateResponse(ctx, kept.Clone())
	})
	require.NoError(t, err, "the transaction goes on after a refused duplicate")
	assertStoredResponse(t, s, kept, "committed after a refused duplicate")
	assert.Len(t, allResponses(t, s, crm.ResponseFilter{}), 8)
}

// testResponseConcurrent stores one respondent's answer to one wave from
// many goroutines at once: exactly one is stored, every other is refused
// as a duplicate. A writer told to retry (ErrConflict) tries again.
func testResponseConcurrent(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSurveyFixture(t, s, ids)
	n := concurrently(t, 8, crm.ErrDuplicate, func(i int) error {
		r := newResponse(ids, fx.survey, fx.cust.ID, "2026-Q1")
		r.Score = i
		return s.CreateResponse(t.Context(), r)
	})
	assert.Equal(t, 1, n, "responses of one respondent to one wave stored at once")
	assert.Len(t, allResponses(t, s, crm.ResponseFilter{}), 1, "responses stored")
}

// responseFixture is the set of responses the filter subtests query:
// customers "A", "B", "C"; surveys "N" (NPS) and "S" (CSAT); waves,
// channels and answer days of June 2025.
type responseFixture struct {
	customers, surveys map[string]string // name → ID
	responses          map[string]string // name → ID
}

func seedResponseFixture(tb testing.TB, s crm.Store) *responseFixture {
	tb.Helper()
	ids := new(crm.UUIDv7)
	fx := &responseFixture{customers: map[string]string{}, surveys: map[string]string{}, responses: map[string]string{}}
	for _, name := range []string{"A", "B", "C"} {
		c := newCustomer(ids, name)
		mustCreateCustomer(tb, s, c)
		fx.customers[name] = c.ID
	}
	surveys := map[string]*crm.Survey{"N": newSurvey(ids, "N")}
	csat := newSurvey(ids, "S")
	csat.Kind, csat.ScaleMin, csat.ScaleMax = crm.SurveyKindCSAT, crm.CSATMin, crm.CSATMax
	surveys["S"] = csat
	for name, sv := range surveys {
		mustCreateSurvey(tb, s, sv)
		fx.surveys[name] = sv.ID
	}
	specs := []struct {
		name, survey, customer, wave, channel string
		score, day                            int
	}{
		{"a1", "N", "A", "Q1", "email", 10, 1},
		{"a2", "N", "A", "Q2", "web", 3, 15},
		{"a3", "S", "A", "Q1", "", 5, 2},
		{"b1", "N", "B", "Q1", "email", 10, 14},
		{"b2", "S", "B", "", "sms", 2, 20},
		{"c1", "N", "C", "Q2", "web", 7, 30},
		{"c2", "S", "C", "Q2", "email", 2, 15},
	}
	for _, sp := range specs {
		r := newResponse(ids, surveys[sp.survey], fx.customers[sp.customer], sp.wave)
		r.Channel, r.Score, r.AnsweredAt = sp.channel, sp.score, june(sp.day).Add(9*time.Hour)
		mustCreateResponse(tb, s, r)
		fx.responses[sp.name] = r.ID
	}
	return fx
}

func (fx *responseFixture) names(rs []*crm.Response) []string {
	out := []string{}
	for _, r := range rs {
		for n, id := range fx.responses {
			if id == r.ID {
				out = append(out, n)
			}
		}
	}
	return out
}

// responseFilterCase is one filter subtest: the responses of the fixture
// it selects, by name, in ID (creation) order.
type responseFilterCase struct {
	name   string
	filter func(fx *responseFixture) crm.ResponseFilter
	want   []string
}

func responseFilterCases() []responseFilterCase {
	type f = crm.ResponseFilter
	at := func(day, hour int) time.Time { return june(day).Add(time.Duration(hour) * time.Hour) }
	return []responseFilterCase{
		{"None", func(*responseFixture) f { return f{} }, []string{"a1", "a2", "a3", "b1", "b2", "c1", "c2"}},
		{"SurveyIDs", func(fx *responseFixture) f { return f{SurveyIDs: []string{fx.surveys["S"]}} }, []string{"a3", "b2", "c2"}},
		{"SurveyIDs/Several", func(fx *responseFixture) f {
			return f{SurveyIDs: []string{fx.surveys["S"], fx.surveys["N"]}}
		}, []string{"a1", "a2", "a3", "b1", "b2", "c1", "c2"}},
		{"CustomerIDs", func(fx *responseFixture) f { return f{CustomerIDs: []string{fx.customers["A"]}} }, []string{"a1", "a2", "a3"}},
		{"CustomerIDs/Several", func(fx *responseFixture) f {
			return f{CustomerIDs: []string{fx.customers["C"], fx.customers["B"]}}
		}, []string{"b1", "b2", "c1", "c2"}},
		{"Waves", func(*responseFixture) f { return f{Waves: []string{"Q2"}} }, []string{"a2", "c1", "c2"}},
		{"Waves/None", func(*responseFixture) f { return f{Waves: []string{"", "Q1"}} }, []string{"a1", "a3", "b1", "b2"}},
		{"Channels", func(*responseFixture) f { return f{Channels: []string{"email", "sms"}} }, []string{"a1", "b1", "b2", "c2"}},
		{"Channels/None", func(*responseFixture) f { return f{Channels: []string{""}} }, []string{"a3"}},
		{"AnsweredFrom", func(*responseFixture) f { return f{AnsweredFrom: at(15, 9)} }, []string{"a2", "b2", "c1", "c2"}},
		{"AnsweredFrom/OtherZone", func(*responseFixture) f { return f{AnsweredFrom: at(15, 9).In(offsetZone())} }, []string{"a2", "b2", "c1", "c2"}},
		{"AnsweredBefore", func(*responseFixture) f { return f{AnsweredBefore: at(15, 9)} }, []string{"a1", "a3", "b1"}},
		{"AnsweredBefore/JustAfter", func(*responseFixture) f {
			return f{AnsweredBefore: at(15, 9).Add(time.Microsecond)}
		}, []string{"a1", "a2", "a3", "b1", "c2"}},
		{"Combined", func(fx *responseFixture) f {
			return f{SurveyIDs: []string{fx.surveys["N"]}, Waves: []string{"Q1", "Q2"}, Channels: []string{"email", "web"},
				AnsweredFrom: june(2), AnsweredBefore: june(30)}
		}, []string{"a2", "b1"}},
		{"NoneMatch", func(fx *responseFixture) f {
			return f{CustomerIDs: []string{fx.customers["C"]}, Waves: []string{"Q1"}}
		}, []string{}},
	}
}

// testResponseFilter lists the responses each filter case selects, page
// by page, and checks them against the names wanted, against
// ResponseFilter.Match, and the store's ResponseScores of the filter
// against counting them by hand.
func testResponseFilter(t *testing.T, s crm.Store) {
	fx := seedResponseFixture(t, s)
	all := allResponses(t, s, crm.ResponseFilter{})
	for _, fc := range responseFilterCases() {
		t.Run(fc.name, func(t *testing.T) {
			f := fc.filter(fx)
			f.Limit = 2
			got := allResponses(t, s, f)
			assert.Equal(t, fc.want, fx.names(got), "FindResponses %+v", f)
			var matched []*crm.Response
			for _, r := range all {
				if f.Match(r) {
					matched = append(matched, r)
				}
			}
			assert.Equal(t, responseIDs(matched), responseIDs(got), "ResponseFilter.Match must agree with the store")
			assertScores(t, s, f, countScores(matched), "ResponseScores %+v", f)
		})
	}
}

func testResponsePaginate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSurveyFixture(t, s, ids)
	b := newCustomer(ids, "B")
	mustCreateCustomer(t, s, b)
	all := newIDs(t, ids, 31)
	ofB := createSplit(all, func(i int, id string, toB bool) {
		r := newResponse(crm.IDGeneratorFunc(func() string { return id }), fx.survey, fx.cust.ID, fmt.Sprintf("w%02d", i))
		if toB {
			r.CustomerID, r.RespondentID = b.ID, b.ID
		}
		mustCreateResponse(t, s, r)
	})
	assert.Equal(t, all, walkPages(t, responseLister(s, crm.ResponseFilter{}), 7, nil), "every response in pages of 7")
	assert.Equal(t, ofB, walkPages(t, responseLister(s, crm.ResponseFilter{CustomerIDs: []string{b.ID}}), 3, nil), "B's responses in pages of 3")
	_, _, err := s.FindResponses(t.Context(), crm.ResponseFilter{Limit: -1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "a negative Limit")
}

// testResponseMove re-points the responses of one customer to another,
// as a merge does, when both answered the same wave: both responses are
// kept, each with its respondent.
func testResponseMove(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	fx := seedSurveyFixture(t, s, ids)
	from, bystander := newCustomer(ids, "From"), newCustomer(ids, "Bystander")
	mustCreateCustomer(t, s, from)
	mustCreateCustomer(t, s, bystander)
	to := fx.cust
	r1, r2 := newResponse(ids, fx.survey, from.ID, "Q1"), newResponse(ids, fx.survey, from.ID, "Q2")
	own := newResponse(ids, fx.survey, to.ID, "Q1") // the survivor answered Q1 too
	r3 := newResponse(ids, fx.survey, bystander.ID, "Q1")
	for _, r := range []*crm.Response{r1, r2, own, r3} {
		mustCreateResponse(t, s, r)
	}
	at := fineTime(55)
	n, err := s.MoveResponses(ctx, from.ID, to.ID, at, "u-merge")
	require.NoError(t, err, "a move onto a customer with a response to the same wave")
	assert.Equal(t, 2, n, "responses moved")
	for _, r := range []*crm.Response{r1, r2} {
		want := r.Clone()
		want.CustomerID, want.UpdatedAt, want.UpdatedBy, want.Version = to.ID, crm.Timestamp(at), "u-merge", 2
		assertStoredResponse(t, s, want, "a moved response keeps its respondent")
	}
	assertStoredResponse(t, s, own, "the survivor's own response is untouched")
	assertStoredResponse(t, s, r3, "the bystander's response is untouched")
	assert.Equal(t, []string{r1.ID, r2.ID, own.ID}, responseIDs(allResponses(t, s, crm.ResponseFilter{CustomerIDs: []string{to.ID}})))
	assert.Empty(t, allResponses(t, s, crm.ResponseFilter{CustomerIDs: []string{from.ID}}))
	assertScores(t, s, crm.ResponseFilter{CustomerIDs: []string{to.ID}, Waves: []string{"Q1"}},
		[]crm.ScoreCount{{Kind: crm.SurveyKindNPS, Score: 10, N: 2}}, "both answers to Q1 count for the survivor")

	again := newResponse(ids, fx.survey, to.ID, "Q2")
	again.RespondentID = from.ID
	assert.ErrorIs(t, s.CreateResponse(ctx, again), crm.ErrDuplicate, "the moved response still holds its key")

	_, err = s.MoveResponses(ctx, to.ID, ids.NewID(), at, "u-merge")
	assert.ErrorIs(t, err, crm.ErrNotFound, "MoveResponses to a missing customer")
	assert.Len(t, allResponses(t, s, crm.ResponseFilter{CustomerIDs: []string{to.ID}}), 3, "a failed move moves nothing")

	// One response goes back by its ID, as an undone merge hands it back.
	back := fineTime(56)
	assert.ErrorIs(t, s.MoveResponse(ctx, r1.ID, 1, from.ID, back, "u-undo"), crm.ErrConflict, "MoveResponse at a stale version")
	assert.ErrorIs(t, s.MoveResponse(ctx, ids.NewID(), 2, from.ID, back, "u-undo"), crm.ErrNotFound, "MoveResponse of a missing response")
	assert.ErrorIs(t, s.MoveResponse(ctx, r1.ID, 2, ids.NewID(), back, "u-undo"), crm.ErrNotFound, "MoveResponse to a missing customer")
	require.NoError(t, s.MoveResponse(ctx, r1.ID, 2, from.ID, back, "u-undo"))
	want := r1.Clone()
	want.CustomerID, want.UpdatedAt, want.UpdatedBy, want.Version = from.ID, back, "u-undo", 3
	assertStoredResponse(t, s, want, "the response moved back keeps its respondent")
	assert.Equal(t, []string{r1.ID}, responseIDs(allResponses(t, s, crm.ResponseFilter{CustomerIDs: []string{from.ID}})))
	assert.Equal(t, []string{r2.ID, own.ID}, responseIDs(allResponses(t, s, crm.ResponseFilter{CustomerIDs: []string{to.ID}})),
		"the other responses stay")
}

// testResponseEraseComments clears the comments of one customer's
// responses, as an erasure does: the scores stay, responses without a
// comment and other customers' responses are untouched.
func testResponseEraseComments(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	fx := seedSurveyFixture(t, s, ids)
	other := newCustomer(ids, "Other")
	mustCreateCustomer(t, s, other)
	said, silent := newResponse(ids, fx.survey, fx.cust.ID, "Q1"), newResponse(ids, fx.survey, fx.cust.ID, "Q2")
	said.Comment = "Call me on +44 20 7946 0000, Ada"
	theirs := newResponse(ids, fx.survey, other.ID, "Q1")
	theirs.Comment = "Fine"
	for _, r := range []*crm.Response{said, silent, theirs} {
		mustCreateResponse(t, s, r)
	}
	at := fineTime(56)
	for round, wantN := range []int{1, 0} { // a second erasure finds nothing left
		n, err := s.EraseResponseComments(ctx, fx.cust.ID, at, "u-erase")
		require.NoError(t, err)
		assert.Equal(t, wantN, n, "round %d: responses changed", round)
		want := said.Clone()
		want.Comment, want.UpdatedAt, want.UpdatedBy, want.Version = "", crm.Timestamp(at), "u-erase", 2
		assertStoredResponse(t, s, want, "round %d: the comment is cleared, the score kept", round)
		assertStoredResponse(t, s, silent, "round %d: a response without a comment is untouched", round)
		assertStoredResponse(t, s, theirs, "round %d: another customer's response is untouched", round)
	}
	n, err := s.EraseResponseComments(ctx, ids.NewID(), at, "u-erase")
	require.NoError(t, err, "a customer not known")
	assert.Zero(t, n)

	boom := errors.New("boom")
	theirs2 := theirs.Clone()
	err = s.RunInTx(ctx, func(tx crm.Store) error {
		if _, err := tx.EraseResponseComments(ctx, other.ID, at, "u-erase"); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	assertStoredResponse(t, s, theirs2, "a rolled-back erasure")
}

// testResponseScores checks ResponseScores over many responses of every
// kind against counting them by hand.
func testResponseScores(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	kinds := []*crm.Survey{newSurvey(ids, "nps"), newSurvey(ids, "csat"), newSurvey(ids, "ces"), newSurvey(ids, "custom")}
	kinds[1].Kind, kinds[1].ScaleMin, kinds[1].ScaleMax = crm.SurveyKindCSAT, crm.CSATMin, crm.CSATMax
	kinds[2].Kind, kinds[2].ScaleMin, kinds[2].ScaleMax = crm.SurveyKindCES, crm.CESMin, crm.CESMax
	kinds[3].Kind, kinds[3].ScaleMin, kinds[3].ScaleMax = crm.SurveyKindCustom, -3, 3
	for _, sv := range kinds {
		mustCreateSurvey(t, s, sv)
	}
	custs := make([]*crm.Customer, 5)
	for i := range custs {
		custs[i] = newCustomer(ids, fmt.Sprintf("C%d", i))
		mustCreateCustomer(t, s, custs[i])
	}
	var all []*crm.Response
	for i := range 150 {
		sv := kinds[i%len(kinds)]
		c := custs[i%len(custs)]
		r := newResponse(ids, sv, c.ID, fmt.Sprintf("w%03d", i))
		r.Score = sv.ScaleMin + (i*7)%(sv.ScaleMax-sv.ScaleMin+1)
		r.AnsweredAt = baseTime().Add(time.Duration(i) * time.Hour)
		mustCreateResponse(t, s, r)
		all = append(all, r)
	}
	assertScores(t, s, crm.ResponseFilter{}, countScores(all), "every response")
	assertScores(t, s, crm.ResponseFilter{Limit: 1, After: crm.Cursor(all[100].ID)}, countScores(all), "paging fields are ignored")
	for _, sv := range kinds {
		f := crm.ResponseFilter{SurveyIDs: []string{sv.ID}, AnsweredFrom: all[20].AnsweredAt, AnsweredBefore: all[130].AnsweredAt}
		var want []*crm.Response
		for _, r := range all {
			if f.Match(r) {
				want = append(want, r)
			}
		}
		require.NotEmpty(t, want)
		assertScores(t, s, f, countScores(want), "the %s survey over a time range", sv.Kind)
	}
	byKind := map[crm.SurveyKind]int{}
	got, err := s.ResponseScores(t.Context(), crm.ResponseFilter{})
	require.NoError(t, err)
	for _, c := range got {
		assert.Positive(t, c.N, "no zero counts")
		byKind[c.Kind] += c.N
	}
	assert.Equal(t, map[crm.SurveyKind]int{"nps": 38, "csat": 38, "ces": 37, "custom": 37}, byKind)
	assert.Equal(t, []crm.SurveyKind{"ces", "csat", "custom", "nps"}, slices.Sorted(maps.Keys(byKind)))
	assertScores(t, s, crm.ResponseFilter{Waves: []string{"never"}}, []crm.ScoreCount{}, "selecting nothing")
}

func testResponseTxRollback(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSurveyFixture(t, s, ids)
	sv := newSurvey(ids, "Rolled back")
	r := newResponse(ids, fx.survey, fx.cust.ID, "Q1")
	boom := errors.New("boom")
	err := s.RunInTx(t.Context(), func(tx crm.Store) error {
		require.NoError(t, tx.CreateSurvey(t.Context(), sv.Clone()))
		require.NoError(t, tx.CreateResponse(t.Context(), r.Clone()))
		got, err := tx.FindResponseByID(t.Context(), r.ID)
		require.NoError(t, err, "the response is seen inside its transaction")
		assertRecordEqual(t, "response", r, got)
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.FindResponseByID(t.Context(), r.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound, "a rolled-back response must not be stored")
	_, err = s.FindSurveyByID(t.Context(), sv.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound, "a rolled-back survey must not be stored")
	mustCreateResponse(t, s, r) // its key was given back
}

// testSurveyContextCanceled calls every survey and response method with
// a cancelled context, outside and inside a transaction: each fails with
// an error matching context.Canceled, and nothing changes.
func testSurveyContextCanceled(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSurveyFixture(t, s, ids)
	target := newCustomer(ids, "Target")
	mustCreateCustomer(t, s, target)
	r := newResponse(ids, fx.survey, fx.cust.ID, "Q1")
	mustCreateResponse(t, s, r)
	calls := map[string]func(ctx context.Context, s crm.Store) error{
		"CreateSurvey": func(ctx context.Context, s crm.Store) error { return s.CreateSurvey(ctx, newSurvey(ids, "Dead")) },
		"FindSurveyByID": func(ctx context.Context, s crm.Store) error {
			_, err := s.FindSurveyByID(ctx, fx.survey.ID)
			return err
		},
		"FindSurveys": func(ctx context.Context, s crm.Store) error {
			_, _, err := s.FindSurveys(ctx, crm.SurveyFilter{})
			return err
		},
		"UpdateSurvey": func(ctx context.Context, s crm.Store) error {
			u := fx.survey.Clone()
			u.Name = "Updated under a dead context"
			return s.UpdateSurvey(ctx, u)
		},
		"CreateResponse": func(ctx context.Context, s crm.Store) error {
			return s.CreateResponse(ctx, newResponse(ids, fx.survey, fx.cust.ID, "Q2"))
		},
		"FindResponseByID": func(ctx context.Context, s crm.Store) error {
			_, err := s.FindResponseByID(ctx, r.ID)
			return err
		},
		"FindResponses": func(ctx context.Context, s crm.Store) error {
			_, _, err := s.FindResponses(ctx, crm.ResponseFilter{})
			return err
		},
		"MoveResponses": func(ctx context.Context, s crm.Store) error {
			_, err := s.MoveResponses(ctx, fx.cust.ID, target.ID, fineTime(70), "u-dead")
			return err
		},
		"MoveResponse": func(ctx context.Context, s crm.Store) error {
			return s.MoveResponse(ctx, r.ID, r.Version, target.ID, fineTime(70), "u-dead")
		},
		"ResponseScores": func(ctx context.Context, s crm.Store) error {
			_, err := s.ResponseScores(ctx, crm.ResponseFilter{})
			return err
		},
		"EraseResponseComments": func(ctx context.Context, s crm.Store) error {
			_, err := s.EraseResponseComments(ctx, fx.cust.ID, fineTime(70), "u-dead")
			return err
		},
	}
	assertCanceledCalls(t, s, calls)
	assertStoredSurvey(t, s, fx.survey, "after the calls under a dead context")
	assert.Equal(t, []string{r.ID}, responseIDs(allResponses(t, s, crm.ResponseFilter{})))
	assertStoredResponse(t, s, r)
}
