package storetest

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// The reference store's surveys and responses: plain maps, every listing
// a scan, the unique key of a response checked by a scan too.

func (s *refStore) inSurvey(sv *crm.Survey) *crm.Survey {
	sv = sv.Clone()
	sv.CreatedAt, sv.UpdatedAt = s.timestamp(sv.CreatedAt), s.timestamp(sv.UpdatedAt)
	return sv
}

func (s *refStore) inResponse(r *crm.Response) *crm.Response {
	r = r.Clone()
	r.AnsweredAt, r.CreatedAt, r.UpdatedAt = s.timestamp(r.AnsweredAt), s.timestamp(r.CreatedAt), s.timestamp(r.UpdatedAt)
	return r
}

func (s *refStore) CreateSurvey(ctx context.Context, sv *crm.Survey) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.surveys[sv.ID]; ok {
			return fmt.Errorf("ref: survey %s: %w", sv.ID, crm.ErrDuplicate)
		}
		st.surveys[sv.ID] = s.inSurvey(sv)
		return nil
	})
}

func (s *refStore) FindSurveyByID(ctx context.Context, id string) (*crm.Survey, error) {
	var out *crm.Survey
	err := s.do(ctx, func(st *refState) error {
		sv, ok := st.surveys[id]
		if !ok {
			return s.notFound("survey " + id)
		}
		out = sv.Clone()
		return nil
	})
	return out, err
}

func (s *refStore) FindSurveys(ctx context.Context, f crm.SurveyFilter) ([]*crm.Survey, crm.Cursor, error) {
	if f.Limit < 0 {
		return nil, "", fmt.Errorf("ref: limit %d: %w", f.Limit, crm.ErrInvalid)
	}
	var page []*crm.Survey
	var next crm.Cursor
	err := s.do(ctx, func(st *refState) error {
		page, next = refPage(s, st, st.surveys, func(*crm.Survey) bool { return true }, (*crm.Survey).Clone, f.After, f.Limit)
		return nil
	})
	return page, next, err
}

func (s *refStore) UpdateSurvey(ctx context.Context, sv *crm.Survey) error {
	return s.do(ctx, func(st *refState) error {
		old, ok := st.surveys[sv.ID]
		switch {
		case !ok:
			return s.notFound("survey " + sv.ID)
		case old.Version != sv.Version && !s.is("survey-no-version-check"):
			return fmt.Errorf("ref: survey %s: %w", sv.ID, crm.ErrConflict)
		}
		ns := s.inSurvey(sv)
		ns.Version = old.Version + 1
		st.surveys[sv.ID] = ns
		sv.Version = ns.Version
		return nil
	})
}

// answered returns the ID of a response of st with the unique key of r,
// if there is one.
func (s *refStore) answered(st *refState, r *crm.Response) (string, bool) {
	for id, o := range st.responses {
		if o.SurveyID == r.SurveyID && o.Wave == r.Wave && o.RespondentID == r.RespondentID && !s.is("response-no-unique") {
			return id, true
		}
	}
	return "", false
}

func (s *refStore) CreateResponse(ctx context.Context, r *crm.Response) error {
	check := func(st *refState) error {
		switch _, taken := s.answered(st, r); {
		case st.responses[r.ID] != nil:
			return fmt.Errorf("ref: response %s: %w", r.ID, crm.ErrDuplicate)
		case taken:
			return fmt.Errorf("ref: response %s: answered already: %w", r.ID, crm.ErrDuplicate)
		case st.surveys[r.SurveyID] == nil && !s.is("response-no-survey-check"):
			return s.notFound("survey " + r.SurveyID)
		case st.customers[r.CustomerID] == nil:
			return s.notFound("customer " + r.CustomerID)
		}
		return nil
	}
	store := func(st *refState) error {
		st.responses[r.ID] = s.inResponse(r)
		return nil
	}
	if s.is("response-racy-unique") && s.tx == nil {
		// Checks the key and writes in two critical sections.
		if err := s.do(ctx, check); err != nil {
			return err
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
		return s.do(ctx, store)
	}
	return s.do(ctx, func(st *refState) error {
		if err := check(st); err != nil {
			return err
		}
		return store(st)
	})
}

func (s *refStore) FindResponseByID(ctx context.Context, id string) (*crm.Response, error) {
	var out *crm.Response
	err := s.do(ctx, func(st *refState) error {
		r, ok := st.responses[id]
		if !ok {
			return s.notFound("response " + id)
		}
		out = r.Clone()
		return nil
	})
	return out, err
}

// matchResponse is f.Match, but for the faults.
func (s *refStore) matchResponse(r *crm.Response, f crm.ResponseFilter) bool {
	switch {
	case s.is("response-surveys-first-only"):
		f.SurveyIDs = f.SurveyIDs[:min(1, len(f.SurveyIDs))]
	case s.is("response-customers-ignored"):
		f.CustomerIDs = nil
	case s.is("response-waves-ignored"):
		f.Waves = nil
	case s.is("response-empty-channel-ignored"):
		f.Channels = slices.DeleteFunc(slices.Clone(f.Channels), func(c string) bool { return c == "" })
	case s.is("response-from-exclusive") && !f.AnsweredFrom.IsZero() && r.AnsweredAt.Equal(crm.Timestamp(f.AnsweredFrom)):
		return false
	case s.is("response-before-inclusive") && !f.AnsweredBefore.IsZero() && r.AnsweredAt.Equal(crm.Timestamp(f.AnsweredBefore)):
		f.AnsweredBefore = time.Time{}
	}
	return f.Match(r)
}

func (s *refStore) FindResponses(ctx context.Context, f crm.ResponseFilter) ([]*crm.Response, crm.Cursor, error) {
	if f.Limit < 0 {
		return nil, "", fmt.Errorf("ref: limit %d: %w", f.Limit, crm.ErrInvalid)
	}
	var page []*crm.Response
	var next crm.Cursor
	err := s.do(ctx, func(st *refState) error {
		match := func(r *crm.Response) bool { return s.matchResponse(r, f) }
		page, next = refPage(s, st, st.responses, match, (*crm.Response).Clone, f.After, f.Limit)
		return nil
	})
	return page, next, err
}

func (s *refStore) MoveResponses(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return refMove(s, ctx, func(st *refState) map[string]*crm.Response { return st.responses },
		func(r *crm.Response) (*string, *time.Time, *string, *int64) {
			if s.is("response-move-respondent") && r.CustomerID == fromID {
				r.RespondentID = toID
			}
			return &r.CustomerID, &r.UpdatedAt, &r.UpdatedBy, &r.Version
		},
		fromID, toID, at, by)
}

func (s *refStore) MoveResponse(ctx context.Context, id string, version int64, toID string, at time.Time, by string) error {
	return refMoveOne(s, ctx, func(st *refState) map[string]*crm.Response { return st.responses },
		func(r *crm.Response) (*string, *time.Time, *string, *int64) {
			return &r.CustomerID, &r.UpdatedAt, &r.UpdatedBy, &r.Version
		},
		"response", id, version, toID, at, by)
}

func (s *refStore) ResponseScores(ctx context.Context, f crm.ResponseFilter) ([]crm.ScoreCount, error) {
	var out []crm.ScoreCount
	err := s.do(ctx, func(st *refState) error {
		counts := map[crm.ScoreCount]int{}
		for _, r := range st.responses {
			if s.is("scores-ignore-filter") || s.matchResponse(r, f) {
				key := crm.ScoreCount{Kind: r.Kind, Score: r.Score}
				if s.is("scores-ignore-kind") {
					key.Kind = crm.SurveyKindNPS
				}
				counts[key]++
			}
		}
		for k, n := range counts {
			k.N = n
			if s.is("scores-count-once") {
				k.N = 1
			}
			out = append(out, k)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b crm.ScoreCount) int {
		if s.is("scores-by-count") {
			return cmp.Compare(a.N, b.N)
		}
		return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), cmp.Compare(a.Score, b.Score))
	})
	return out, err
}

func (s *refStore) EraseResponseComments(ctx context.Context, customerID string, at time.Time, by string) (int, error) {
	n := 0
	err := s.do(ctx, func(st *refState) error {
		for _, r := range st.responses {
			if r.CustomerID != customerID || r.Comment == "" && !s.is("erase-comments-restamps-all") {
				continue
			}
			if !s.is("erase-comments-keeps-text") {
				r.Comment = ""
			}
			r.UpdatedAt, r.UpdatedBy = s.timestamp(at), by
			r.Version++
			n++
		}
		return nil
	})
	return n, err
}
