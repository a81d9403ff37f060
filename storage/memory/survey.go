package memory

// Surveys and their responses, kept as orders and payments are in
// order.go: each in a children table. Surveys belong to no customer;
// responses are indexed by customer and by survey, and unique by survey,
// wave and respondent.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

func noCustomer(*crm.Survey) string           { return "" }
func responseCustomer(r *crm.Response) string { return r.CustomerID }
func responseSurvey(r *crm.Response) string   { return r.SurveyID }

// responseKey is the unique key of a response: its survey, wave and
// respondent, separated by NUL bytes, which IDs and waves do not hold.
func responseKey(r *crm.Response) string {
	return r.SurveyID + "\x00" + r.Wave + "\x00" + r.RespondentID
}

func (s *Store) saveSurvey(id string, prev *crm.Survey) {
	s.saveFunc(func(d *data) { d.surveys.restore(id, prev) })
}

func (s *Store) saveResponse(id string, prev *crm.Response) {
	s.saveFunc(func(d *data) { d.responses.restore(id, prev) })
}

// prepareSurvey returns a copy of sv in the stored form.
func prepareSurvey(sv *crm.Survey) *crm.Survey {
	ns := sv.Clone()
	stamp(&ns.CreatedAt)
	stamp(&ns.UpdatedAt)
	return ns
}

// CreateSurvey stores a copy of sv. It fails with [crm.ErrDuplicate] if a
// survey with sv.ID exists, and with [crm.ErrInvalid] if sv is nil or has
// no ID.
func (s *Store) CreateSurvey(ctx context.Context, sv *crm.Survey) error {
	s = s.in(ctx)
	return createChild(ctx, s, &s.d.surveys, "survey", sv, func(sv *crm.Survey) string { return sv.ID }, prepareSurvey,
		func(*data, *crm.Survey) error { return nil }, s.saveSurvey)
}

// FindSurveyByID returns a copy of the survey id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindSurveyByID(ctx context.Context, id string) (*crm.Survey, error) {
	s = s.in(ctx)
	return findByID(ctx, s, &s.d.surveys.byID, "survey", id)
}

// FindSurveys returns copies of one page of the surveys, in ascending ID
// order, and the cursor of the next page ("" after the last).
func (s *Store) FindSurveys(ctx context.Context, f crm.SurveyFilter) ([]*crm.Survey, crm.Cursor, error) {
	s = s.in(ctx)
	return findChildren(ctx, s, &s.d.surveys, "surveys", nil, nil, f.After, f.Limit, nil, (*crm.Survey).Clone)
}

// UpdateSurvey replaces the stored survey sv.ID with a copy of sv under
// the version rule of [Store.UpdateCustomer].
func (s *Store) UpdateSurvey(ctx context.Context, sv *crm.Survey) error {
	s = s.in(ctx)
	return updateChild(ctx, s, &s.d.surveys, "survey", sv, func(sv *crm.Survey) (string, *int64) { return sv.ID, &sv.Version },
		prepareSurvey, func(*data, *crm.Survey) error { return nil }, s.saveSurvey)
}

// CreateResponse stores a copy of r. It fails with [crm.ErrDuplicate] if
// a response with r.ID exists or the survey has a response of
// r.RespondentID in r.Wave, with [crm.ErrNotFound] if r.SurveyID names no
// survey or r.CustomerID no customer, and with [crm.ErrInvalid] if r is
// nil or has no ID. The checks and the write share the write lock, so
// concurrent responses cannot both pass.
func (s *Store) CreateResponse(ctx context.Context, r *crm.Response) error {
	s = s.in(ctx)
	return createChild(ctx, s, &s.d.responses, "response", r, func(r *crm.Response) string { return r.ID }, func(r *crm.Response) *crm.Response {
		nr := r.Clone()
		stamp(&nr.AnsweredAt)
		stamp(&nr.CreatedAt)
		stamp(&nr.UpdatedAt)
		return nr
	}, func(d *data, r *crm.Response) error {
		switch {
		case d.surveys.byID[r.SurveyID] == nil:
			return fmt.Errorf("survey %s: %w", r.SurveyID, crm.ErrNotFound)
		case d.customers[r.CustomerID] == nil:
			return fmt.Errorf("customer %s: %w", r.CustomerID, crm.ErrNotFound)
		}
		return nil
	}, s.saveResponse)
}

// FindResponseByID returns a copy of the response id, or an error
// matching [crm.ErrNotFound].
func (s *Store) FindResponseByID(ctx context.Context, id string) (*crm.Response, error) {
	s = s.in(ctx)
	return findByID(ctx, s, &s.d.responses.byID, "response", id)
}

// FindResponses returns copies of one page of the responses f selects, in
// ascending ID order, and the cursor of the next page ("" after the
// last). Matching is [crm.ResponseFilter.Match]; with CustomerIDs only
// the responses of those customers are visited, with SurveyIDs only those
// of the surveys.
func (s *Store) FindResponses(ctx context.Context, f crm.ResponseFilter) ([]*crm.Response, crm.Cursor, error) {
	s = s.in(ctx)
	return findChildren(ctx, s, &s.d.responses, "responses", f.CustomerIDs, f.SurveyIDs, f.After, f.Limit, f.Match, (*crm.Response).Clone)
}

// MoveResponses re-points every response of customer fromID to customer
// toID, stamping each with UpdatedAt at, UpdatedBy by and a Version one
// higher, and returns how many it moved; RespondentID, and so the unique
// key, stays. It fails with [crm.ErrNotFound] if toID names no customer.
func (s *Store) MoveResponses(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	s = s.in(ctx)
	at = crm.Timestamp(at)
	return moveChildRecords(ctx, s, &s.d.responses, "responses", fromID, toID, func(nr *crm.Response) {
		nr.CustomerID, nr.UpdatedAt, nr.UpdatedBy = toID, at, by
		nr.Version++
	}, s.saveResponse, nil)
}

// MoveResponse re-points the response id, stored at version, to
// customer toID as [Store.MovePayment] does a payment; RespondentID
// stays.
func (s *Store) MoveResponse(ctx context.Context, id string, version int64, toID string, at time.Time, by string) error {
	s = s.in(ctx)
	at = crm.Timestamp(at)
	return moveChildRecord(ctx, s, &s.d.responses, "response", id, version, toID,
		func(r *crm.Response) int64 { return r.Version },
		func(nr *crm.Response) {
			nr.CustomerID, nr.UpdatedAt, nr.UpdatedBy = toID, at, by
			nr.Version++
		}, s.saveResponse)
}

// ResponseScores counts the responses f selects per kind and score, in
// one pass under the read lock over the responses the per-customer or
// per-survey index names (every response without either filter), checking
// ctx every 1024 responses.
func (s *Store) ResponseScores(ctx context.Context, f crm.ResponseFilter) ([]crm.ScoreCount, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: response scores: %w", err)
	}
	if err := s.lock(false); err != nil {
		return nil, err
	}
	type group struct {
		kind  crm.SurveyKind
		score int
	}
	counts := map[group]int{}
	t := &s.d.responses
	for i, id := range t.idsFor(f.CustomerIDs, f.SurveyIDs) {
		if i&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				s.unlock(false)
				return nil, fmt.Errorf("memory: response scores: %w", err)
			}
		}
		if r := t.byID[id]; f.Match(r) {
			counts[group{r.Kind, r.Score}]++
		}
	}
	s.unlock(false)
	out := make([]crm.ScoreCount, 0, len(counts))
	for g, n := range counts {
		out = append(out, crm.ScoreCount{Kind: g.kind, Score: g.score, N: n})
	}
	slices.SortFunc(out, func(a, b crm.ScoreCount) int {
		return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), cmp.Compare(a.Score, b.Score))
	})
	return out, nil
}

// EraseResponseComments clears the Comment of every response of
// customerID that has one, stamping each with UpdatedAt at, UpdatedBy by
// and a Version one higher, through the per-customer index: O(k).
func (s *Store) EraseResponseComments(ctx context.Context, customerID string, at time.Time, by string) (int, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memory: erase response comments of %s: %w", customerID, err)
	}
	at = crm.Timestamp(at)
	if err := s.lock(true); err != nil {
		return 0, err
	}
	defer s.unlock(true)
	t := &s.d.responses
	var ids []string
	for _, id := range t.of[customerID] {
		if t.byID[id].Comment != "" {
			ids = append(ids, id)
		}
	}
	moveRecords(t.byID, ids, func(r *crm.Response) {
		r.Comment, r.UpdatedAt, r.UpdatedBy = "", at, by
		r.Version++
	}, s.saveResponse)
	return len(ids), nil
}
