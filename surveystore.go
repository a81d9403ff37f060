package crm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"
)

// This file holds surveys and their responses as the store keeps them,
// the Client's methods on them, and the scores computed from the store:
// the store counts the answers per score ([SurveyStore.ResponseScores])
// and the pure tallies of survey.go turn the counts into scores, so that
// scoring millions of responses never loads them.

// Survey is a question put to customers on one scale: a Net Promoter,
// satisfaction or effort survey, or one of a scale of its own. Its
// responses are grouped in waves: named ones (a quarterly relationship
// survey) or one per calendar period (a survey that runs all the time).
type Survey struct {
	// ID is set by the Client when the survey is created.
	ID string
	// Kind says what the survey measures; required. It cannot change
	// once the survey is created.
	Kind SurveyKind
	// Name is required.
	Name string
	// Question is the question asked, such as "How likely are you to
	// recommend us to a friend?".
	Question string
	// ScaleMin and ScaleMax bound the answers. The Client sets them for
	// the NPS, CSAT and CES kinds; a custom survey must give them, with
	// ScaleMin below ScaleMax. They cannot change once the survey is
	// created.
	ScaleMin, ScaleMax int
	// Wave names the wave being run, such as "2026-Q2" or "spring
	// relaunch": a response that names no wave joins it.
	Wave string
	// Period, when set, makes each calendar period a wave: a response
	// that names no wave joins the period of its AnsweredAt, named as
	// [Period.String] names it ("2026-06", "2026-Q2", "2026"). A survey
	// has a Wave or a Period, not both; with neither, its responses name
	// their waves, or all share the wave "".
	Period PeriodUnit

	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	// Version counts the writes to the survey; updates must name the
	// version they read.
	Version int64
}

// Clone returns a copy of s.
func (s *Survey) Clone() *Survey {
	if s == nil {
		return nil
	}
	out := *s
	return &out
}

// WaveOf returns the wave a response answered at t joins when it names
// none: the survey's Wave, or the name of the Period holding t, or "".
func (s *Survey) WaveOf(t time.Time) string {
	if s.Period != "" && s.Wave == "" {
		return PeriodOf(t, s.Period).String()
	}
	return s.Wave
}

// Response is one customer's answer to a survey. A customer answers a
// survey at most once per wave; a merge moves its responses to the
// survivor and keeps them all (see RespondentID).
type Response struct {
	// ID is set by the Client when the response is recorded.
	ID string
	// SurveyID is the survey answered; required.
	SurveyID string
	// Kind is the survey's kind, set by the Client.
	Kind SurveyKind
	// CustomerID is the customer who answered; required.
	CustomerID string
	// RespondentID is the customer that gave the response, set by the
	// Client: CustomerID, unless a merge has moved the response since.
	// It never changes. A survey takes one response per respondent and
	// wave, so that a merge of two customers who both answered one wave
	// moves both responses, and a later response of the survivor in that
	// wave is refused.
	RespondentID string
	// ContactID is the person at the customer who answered, if known; a
	// contact of the customer.
	ContactID string
	// CaseID is the service case the survey followed up, if any. It is
	// kept as given.
	CaseID string
	// OpportunityID is the deal the survey followed up, if any; a deal
	// of the customer.
	OpportunityID string
	// Score is the answer, on the survey's scale.
	Score int
	// Comment is what the customer wrote, if anything.
	Comment string
	// Channel says how the answer came in, such as "email", "web" or
	// "sms".
	Channel string
	// AnsweredAt is when the customer answered; the time of recording
	// if not given.
	AnsweredAt time.Time
	// Wave is the wave the response belongs to: as given, or
	// [Survey.WaveOf] its AnsweredAt.
	Wave string

	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	// Version counts the writes to the record.
	Version int64
}

// Clone returns a copy of r.
func (r *Response) Clone() *Response {
	if r == nil {
		return nil
	}
	out := *r
	return &out
}

// Sentiment classes the answer on its survey's scale, as
// [SurveyKind.Sentiment] does: SentimentNegative for an NPS detractor
// (0–6), a CSAT of 1 or 2 or a CES of 1 to 3, the responses a closed loop
// follows up.
func (r *Response) Sentiment() Sentiment { return r.Kind.Sentiment(r.Score) }

// SurveyFilter selects surveys.
type SurveyFilter struct {
	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// ResponseFilter selects survey responses. Each non-zero field narrows
// the selection; a slice matches any of its values.
type ResponseFilter struct {
	// SurveyIDs matches the responses to these surveys.
	SurveyIDs []string
	// CustomerIDs matches the responses of these customers.
	CustomerIDs []string
	// Waves matches the responses in these waves; "" in the list matches
	// the responses in the wave "".
	Waves []string
	// Channels matches the responses that came in through one of these
	// channels; "" in the list matches those with no channel.
	Channels []string
	// AnsweredFrom and AnsweredBefore match responses whose AnsweredAt
	// is at or after AnsweredFrom and before AnsweredBefore.
	AnsweredFrom, AnsweredBefore time.Time

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// Match reports whether f selects r (paging fields are ignored): the
// reference a Store's query must agree with.
func (f *ResponseFilter) Match(r *Response) bool {
	switch {
	case len(f.SurveyIDs) > 0 && !slices.Contains(f.SurveyIDs, r.SurveyID):
		return false
	case len(f.CustomerIDs) > 0 && !slices.Contains(f.CustomerIDs, r.CustomerID):
		return false
	case len(f.Waves) > 0 && !slices.Contains(f.Waves, r.Wave):
		return false
	case len(f.Channels) > 0 && !slices.Contains(f.Channels, r.Channel):
		return false
	case !f.AnsweredFrom.IsZero() && (r.AnsweredAt.IsZero() || r.AnsweredAt.Before(f.AnsweredFrom)):
		return false
	case !f.AnsweredBefore.IsZero() && (r.AnsweredAt.IsZero() || !r.AnsweredAt.Before(f.AnsweredBefore)):
		return false
	}
	return true
}

// ScoreCount is how many of the responses of one survey kind gave one
// score: a row of [SurveyStore.ResponseScores].
type ScoreCount struct {
	Kind  SurveyKind
	Score int
	N     int
}

// SurveyStore keeps surveys and their responses.
type SurveyStore interface {
	// CreateSurvey stores s, which has its ID, timestamps and Version
	// set by the caller. It returns an error matching [ErrDuplicate] if a
	// survey with s.ID exists.
	CreateSurvey(ctx context.Context, s *Survey) error

	// FindSurveyByID returns the survey with id, or an error matching
	// [ErrNotFound].
	FindSurveyByID(ctx context.Context, id string) (*Survey, error)

	// FindSurveys returns one page of the surveys, in ascending ID
	// order, and the cursor of the next page ("" after the last), with
	// the same guarantees and limits as FindCustomers.
	FindSurveys(ctx context.Context, f SurveyFilter) ([]*Survey, Cursor, error)

	// UpdateSurvey replaces the stored survey s.ID with s under the
	// version rule of UpdateCustomer ([ErrConflict], [ErrNotFound]).
	UpdateSurvey(ctx context.Context, s *Survey) error

	// CreateResponse stores r, which has its ID, timestamps and Version
	// set by the caller. It returns an error matching [ErrNotFound] if
	// its survey or its customer does not exist, and one matching
	// [ErrDuplicate] if a response with r.ID exists or the survey has a
	// response of r.RespondentID in r.Wave already. The second holds
	// under concurrency: of two responses of one respondent to one wave
	// stored at once, however many goroutines or processes store them,
	// one fails. Kind and the links (ContactID, CaseID, OpportunityID)
	// are kept as given: the Client checks them.
	CreateResponse(ctx context.Context, r *Response) error

	// FindResponseByID returns the response with id, or an error
	// matching [ErrNotFound].
	FindResponseByID(ctx context.Context, id string) (*Response, error)

	// FindResponses returns one page of the responses f selects, in
	// ascending ID order, and the cursor of the next page ("" after the
	// last), with the same guarantees and limits as FindCustomers.
	FindResponses(ctx context.Context, f ResponseFilter) ([]*Response, Cursor, error)

	// EraseResponseComments clears the Comment of every response of
	// customerID that has one, stamping each with UpdatedAt at, UpdatedBy
	// by and a Version one higher, and returns how many it changed; the
	// score and every other field stay. A customer with no response, or
	// none known, is not an error. It is the store's part of
	// [Client.EraseCustomer].
	EraseResponseComments(ctx context.Context, customerID string, at time.Time, by string) (int, error)

	// MoveResponses re-points every response of customer fromID to
	// customer toID, stamping each with UpdatedAt at, UpdatedBy by and a
	// Version one higher, and returns how many moved. RespondentID stays
	// as it is, so the move never clashes with the responses toID has:
	// both customers' answers to one wave are kept. It returns an error
	// matching [ErrNotFound] if toID names no customer.
	MoveResponses(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error)

	// MoveResponse re-points the one response id to customer toID as
	// [OrderStore.MovePayment] does a payment, RespondentID staying as it
	// is: [ErrNotFound] if there is no such response or toID names no
	// customer, [ErrConflict] if its stored Version is not version.
	MoveResponse(ctx context.Context, id string, version int64, toID string, at time.Time, by string) error

	// ResponseScores counts the responses f selects (paging fields are
	// ignored) per kind and score, in ascending order of kind and then
	// score, leaving out counts of zero. The counts are made where the
	// responses are (in SQL stores, grouped by the database), without
	// loading them one by one. Selecting nothing is not an error: an
	// empty result.
	ResponseScores(ctx context.Context, f ResponseFilter) ([]ScoreCount, error)
}

// Limits on the text of surveys and responses, in bytes, and on the
// scale of a custom survey.
const (
	maxQuestionLen = 1000
	maxWaveLen     = 200
	maxCommentLen  = 4000
	maxScale       = 1000
)

// validate checks and normalises a survey the Client is about to store.
func (s *Survey) validate() error {
	verr := &ValidationError{Entity: "survey"}
	s.Name = strings.TrimSpace(s.Name)
	s.Question = strings.TrimSpace(s.Question)
	s.Wave = strings.TrimSpace(s.Wave)
	checkText(verr, "name", s.Name, maxNameLen, true)
	checkText(verr, "question", s.Question, maxQuestionLen, false)
	checkText(verr, "wave", s.Wave, maxWaveLen, false)
	switch {
	case s.Period != "" && !s.Period.Valid():
		verr.add("period", "unknown period unit %q", s.Period)
	case s.Period != "" && s.Wave != "":
		verr.add("period", "a survey has a wave or a period, not both")
	}
	if lo, hi, ok := s.Kind.Scale(); ok {
		if (s.ScaleMin != 0 || s.ScaleMax != 0) && (s.ScaleMin != lo || s.ScaleMax != hi) {
			verr.add("scale_min", "an %s survey is answered %d–%d, not %d–%d", strings.ToUpper(string(s.Kind)), lo, hi, s.ScaleMin, s.ScaleMax)
		}
		s.ScaleMin, s.ScaleMax = lo, hi
		return verr.err()
	}
	switch {
	case s.Kind == "":
		verr.add("kind", "required")
	case !s.Kind.Valid():
		verr.add("kind", "unknown survey kind %q", s.Kind)
	case s.ScaleMin < -maxScale || s.ScaleMin > maxScale:
		verr.add("scale_min", "%d is outside −%d–%d", s.ScaleMin, maxScale, maxScale)
	case s.ScaleMax < -maxScale || s.ScaleMax > maxScale:
		verr.add("scale_max", "%d is outside −%d–%d", s.ScaleMax, maxScale, maxScale)
	case s.ScaleMin >= s.ScaleMax:
		verr.add("scale_max", "%d is not above scale_min %d", s.ScaleMax, s.ScaleMin)
	}
	return verr.err()
}

// CreateSurvey validates in and stores it as a new survey with a fresh
// ID, Version 1 and the time and actor of creation, the scale of its kind
// filled in. It leaves in untouched and returns the stored survey.
// Errors: a [*ValidationError] naming every bad field (a missing or
// unknown kind, a missing name, a custom scale that is empty or out of
// −1000–1000, a scale that is not its kind's, both a wave and a period).
func (c *Client) CreateSurvey(ctx context.Context, in *Survey) (*Survey, error) {
	return createRecord(ctx, c, "survey", in, (*Survey).created, c.store.CreateSurvey)
}

// created stamps s as a new record: its ID, Version 1, the time and
// actor of creation.
func (s *Survey) created(id string, now time.Time, by string) {
	s.ID, s.Version = id, 1
	s.CreatedAt, s.CreatedBy, s.UpdatedAt, s.UpdatedBy = now, by, now, by
}

// newRecord is a pointer to a record that createRecord makes: it can be
// copied and validated.
type newRecord[T any] interface {
	*T
	Clone() *T
	validate() error
}

// createRecord validates a copy of in, stamps it as new with created and
// stores it with create, returning the stored copy; entity names the
// record in errors ("survey").
func createRecord[T any, P newRecord[T]](ctx context.Context, c *Client, entity string, in P,
	created func(r P, id string, now time.Time, by string), create func(context.Context, *T) error,
) (*T, error) {
	if in == nil {
		return nil, required(entity, entity)
	}
	r := P(in.Clone())
	if err := r.validate(); err != nil {
		return nil, err
	}
	created(r, c.ids.NewID(), c.now(), actorID(ctx))
	if err := create(ctx, r); err != nil {
		return nil, wrapUnlessTyped("create "+entity, err)
	}
	return r, nil
}

// GetSurvey returns the survey id, or an error matching [ErrNotFound].
func (c *Client) GetSurvey(ctx context.Context, id string) (*Survey, error) {
	return getRecord(ctx, "survey", id, c.store.FindSurveyByID)
}

// ListSurveys returns one page of the surveys, in ID order, and the
// cursor for the next page ("" after the last).
func (c *Client) ListSurveys(ctx context.Context, f SurveyFilter) ([]*Survey, Cursor, error) {
	return listPage(ctx, "survey filter", "list surveys", f, f.Limit, c.store.FindSurveys)
}

// Surveys iterates over every survey in ascending ID order, fetching page
// by page. An error ends the iteration after being yielded.
func (c *Client) Surveys(ctx context.Context) iter.Seq2[*Survey, error] {
	return pages(ctx, SurveyFilter{}, c.ListSurveys, func(f *SurveyFilter, next Cursor) { f.After = next })
}

// SurveyUpdate changes a survey; nil fields stay as they are. The kind
// and the scale never change: the responses are answers on them.
type SurveyUpdate struct {
	Name     *string
	Question *string
	// Wave starts a new wave: responses recorded from now on that name
	// no wave join it.
	Wave   *string
	Period *PeriodUnit
}

// UpdateSurvey applies u to the survey id, provided its stored version is
// still version, and returns the result with Version raised by one; an
// update that changes nothing writes nothing. Errors: a
// [*ValidationError] as for CreateSurvey, [ErrConflict] for a stale
// version, [ErrNotFound]; on any error nothing changes.
func (c *Client) UpdateSurvey(ctx context.Context, id string, version int64, u SurveyUpdate) (*Survey, error) {
	return updateInTx(ctx, c, "update survey "+id, version,
		func(tx Store) (*Survey, error) { return tx.FindSurveyByID(ctx, id) },
		func(s *Survey) int64 { return s.Version },
		func(s *Survey) (bool, error) {
			before := *s
			set(&s.Name, u.Name)
			set(&s.Question, u.Question)
			set(&s.Wave, u.Wave)
			set(&s.Period, u.Period)
			if err := s.validate(); err != nil {
				return false, err
			}
			return *s != before, nil
		},
		func(tx Store, s *Survey, now time.Time, by string) error {
			s.UpdatedAt, s.UpdatedBy = now, by
			return tx.UpdateSurvey(ctx, s)
		})
}

// updateInTx is the frame of a versioned update, in one transaction:
// find loads the record, whose stored version (versionOf) must be version
// or the update fails with [ErrConflict]; edit applies the update to it
// and validates it, reporting whether anything changed; a changed record
// is written with write, which stamps it with the time and actor. An
// update that changes nothing writes nothing. It returns the record as
// stored; op names the update in errors ("update survey s-1").
func updateInTx[T any](ctx context.Context, c *Client, op string, version int64,
	find func(tx Store) (*T, error), versionOf func(*T) int64, edit func(*T) (bool, error),
	write func(tx Store, r *T, now time.Time, by string) error,
) (*T, error) {
	var out *T
	err := c.store.RunInTx(ctx, func(tx Store) error {
		r, err := find(tx)
		if err != nil {
			return err
		}
		if v := versionOf(r); v != version {
			return fmt.Errorf("have version %d, stored %d: %w", version, v, ErrConflict)
		}
		switch changed, err := edit(r); {
		case err != nil:
			return err
		case changed:
			if err := write(tx, r, c.now(), actorID(ctx)); err != nil {
				return err
			}
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, wrapUnlessTyped(op, err)
	}
	return out, nil
}

// prepareResponse returns a normalised copy of in, or a
// [*ValidationError] naming every bad field it can judge without the
// store.
func prepareResponse(in *Response, now time.Time) (*Response, error) {
	r := in.Clone()
	r.SurveyID = strings.TrimSpace(r.SurveyID)
	r.CustomerID = strings.TrimSpace(r.CustomerID)
	r.ContactID = strings.TrimSpace(r.ContactID)
	r.CaseID = strings.TrimSpace(r.CaseID)
	r.OpportunityID = strings.TrimSpace(r.OpportunityID)
	r.Comment = strings.TrimSpace(r.Comment)
	r.Channel = strings.TrimSpace(r.Channel)
	r.Wave = strings.TrimSpace(r.Wave)
	verr := &ValidationError{Entity: "response"}
	checkText(verr, "survey_id", r.SurveyID, maxIDLen, true)
	checkText(verr, "customer_id", r.CustomerID, maxIDLen, true)
	checkText(verr, "contact_id", r.ContactID, maxIDLen, false)
	checkText(verr, "case_id", r.CaseID, maxIDLen, false)
	checkText(verr, "opportunity_id", r.OpportunityID, maxIDLen, false)
	checkText(verr, "comment", r.Comment, maxCommentLen, false)
	checkText(verr, "channel", r.Channel, maxChannelLen, false)
	checkText(verr, "wave", r.Wave, maxWaveLen, false)
	if r.AnsweredAt = Timestamp(r.AnsweredAt); r.AnsweredAt.IsZero() {
		r.AnsweredAt = now
	}
	return r, verr.err()
}

// RecordResponse validates in and stores it as a new response to the
// survey in.SurveyID, with a fresh ID, Version 1 and the time and actor
// of recording, in one transaction. It takes the survey's kind, the
// customer as RespondentID, AnsweredAt now if not given, and the wave
// [Survey.WaveOf] names if in gives none. It leaves in untouched and
// returns the stored response. With [WithFollowUp], an answer the policy
// triggers also opens its follow-up case ([FollowUpPolicy]) in the same
// transaction: the response is recorded with its case or not at all.
//
// Errors: a [*ValidationError] naming every bad field (no survey or
// customer, a score off the survey's scale — "score" names the scale —,
// a contact or deal of another customer, text too long); [ErrNotFound]
// for a survey, customer, contact or deal that does not exist;
// [ErrTransition] for an archived or merged customer; [ErrDuplicate] if
// the customer has answered the survey in that wave already, itself or
// as a customer merged into it — refused however many responses arrive
// at once. On any error nothing changes.
func (c *Client) RecordResponse(ctx context.Context, in *Response) (*Response, error) {
	if in == nil {
		return nil, required("response", "response")
	}
	now, by := c.now(), actorID(ctx)
	r, err := prepareResponse(in, now)
	if err != nil {
		return nil, err
	}
	err = c.store.RunInTx(ctx, func(tx Store) error {
		s, err := tx.FindSurveyByID(ctx, r.SurveyID)
		if err != nil {
			return fmt.Errorf("survey %s: %w", r.SurveyID, err)
		}
		if r.Score < s.ScaleMin || r.Score > s.ScaleMax {
			return &ValidationError{Entity: "response", Fields: []FieldError{{Field: "score",
				Reason: fmt.Sprintf("%s, the scale of %s survey %s", outOfRange(r.Score, s.ScaleMin, s.ScaleMax), s.Kind, s.ID)}}}
		}
		if _, err := loadParent(ctx, tx, r.CustomerID); err != nil {
			return err
		}
		if err := checkContactOf(ctx, tx, "response", r.ContactID, r.CustomerID); err != nil {
			return err
		}
		if err := checkDealOf(ctx, tx, "response", r.OpportunityID, r.CustomerID); err != nil {
			return err
		}
		if r.Wave == "" {
			r.Wave = s.WaveOf(r.AnsweredAt)
		}
		answered := fmt.Errorf("customer %s has answered survey %s in wave %q already: %w", r.CustomerID, s.ID, r.Wave, ErrDuplicate)
		// The store refuses a second response of one respondent; this
		// finds the responses of customers merged into this one.
		prior, _, err := tx.FindResponses(ctx, ResponseFilter{SurveyIDs: []string{s.ID}, CustomerIDs: []string{r.CustomerID}, Waves: []string{r.Wave}, Limit: 1})
		switch {
		case err != nil:
			return err
		case len(prior) > 0:
			return answered
		}
		r.ID, r.Kind, r.RespondentID = c.ids.NewID(), s.Kind, r.CustomerID
		r.CreatedAt, r.CreatedBy = now, by
		r.UpdatedAt, r.UpdatedBy = now, by
		r.Version = 1
		if err := tx.CreateResponse(ctx, r); err != nil {
			if errors.Is(err, ErrDuplicate) {
				return answered
			}
			return err
		}
		if c.followUp != nil {
			if _, err := c.openFollowUp(ctx, tx, c.followUp, s, r); err != nil {
				return fmt.Errorf("follow-up case: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrapUnlessTyped("record response", err)
	}
	return r.Clone(), nil
}

// GetResponse returns the response id, or an error matching
// [ErrNotFound].
func (c *Client) GetResponse(ctx context.Context, id string) (*Response, error) {
	return getRecord(ctx, "response", id, c.store.FindResponseByID)
}

// ListResponses returns one page of the responses f selects, in ID
// order, and the cursor for the next page ("" after the last).
func (c *Client) ListResponses(ctx context.Context, f ResponseFilter) ([]*Response, Cursor, error) {
	return listPage(ctx, "response filter", "list responses", f, f.Limit, c.store.FindResponses)
}

// Responses iterates over every response f selects, fetching page by
// page. An error ends the iteration after being yielded.
func (c *Client) Responses(ctx context.Context, f ResponseFilter) iter.Seq2[*Response, error] {
	return pages(ctx, f, c.ListResponses, func(f *ResponseFilter, next Cursor) { f.After = next })
}

// responseKind moves survey responses in a merge. Both customers'
// responses are kept, even to one wave: see [Response.RespondentID].
var responseKind = ChildKind{
	Name: "response",
	List: func(ctx context.Context, tx Store, customerID string) ([]string, error) {
		f := ResponseFilter{CustomerIDs: []string{customerID}, Limit: MaxPageLimit}
		return childIDs(pages(ctx, f, tx.FindResponses, func(f *ResponseFilter, c Cursor) { f.After = c }), func(r *Response) string { return r.ID })
	},
	Move: func(ctx context.Context, tx Store, fromID, toID string, at time.Time, by string) (int, error) {
		return tx.MoveResponses(ctx, fromID, toID, at, by)
	},
}

// SurveyNPS scores the responses f selects, as [NPS] defines, from the
// counts per score the store makes ([SurveyStore.ResponseScores]): one
// grouped query however many responses there are, with the same result
// as [ScoreNPS] over their scores. The paging fields of f are ignored.
// Errors: a [*ValidationError] naming "survey_ids" if f selects responses
// to surveys of another kind (score one kind at a time), "scores" if it
// selects none, or a bad option.
func (c *Client) SurveyNPS(ctx context.Context, f ResponseFilter, opts ...ScoreOption) (NPS, error) {
	return storedScore[NPSTally, NPS](ctx, c.store, f, SurveyKindNPS, opts)
}

// SurveyCSAT scores the responses f selects, as [CSAT] defines and
// [Client.SurveyNPS] scores NPS responses.
func (c *Client) SurveyCSAT(ctx context.Context, f ResponseFilter, opts ...ScoreOption) (CSAT, error) {
	return storedScore[CSATTally, CSAT](ctx, c.store, f, SurveyKindCSAT, opts)
}

// SurveyCES scores the responses f selects, as [CES] defines and
// [Client.SurveyNPS] scores NPS responses.
func (c *Client) SurveyCES(ctx context.Context, f ResponseFilter, opts ...ScoreOption) (CES, error) {
	return storedScore[CESTally, CES](ctx, c.store, f, SurveyKindCES, opts)
}

// SurveyNPSChange compares the NPS of the responses f selects answered in
// period before with that of those answered in after, as [CompareNPS]
// does: the change, its standard error, the z-test and whether it is
// significant at the confidence of opts. The answer bounds of f are
// replaced by the periods'. Errors as for [Client.SurveyNPS], for either
// period.
func (c *Client) SurveyNPSChange(ctx context.Context, f ResponseFilter, before, after Period, opts ...ScoreOption) (NPSChange, error) {
	var scores [2]NPS
	for i, p := range [2]Period{before, after} {
		if p.IsZero() {
			return NPSChange{}, required("NPS change", [2]string{"before", "after"}[i])
		}
		f.AnsweredFrom, f.AnsweredBefore = p.Start, p.End()
		s, err := c.SurveyNPS(ctx, f, opts...)
		if err != nil {
			return NPSChange{}, fmt.Errorf("crm: NPS change, %s: %w", p, err)
		}
		scores[i] = s
	}
	return CompareNPS(scores[0], scores[1], opts...)
}

// SurveyNPSByPeriod scores the responses f selects per calendar period
// of unit (month, quarter or year, in UTC) holding their AnsweredAt, as
// [Client.SurveyNPS] does, with one grouped query per period. f must
// bound the time, with AnsweredFrom before AnsweredBefore, over at most
// MaxPageLimit periods; the first and last period count only the
// responses within the bounds. A period with no responses has no entry,
// and each result is flagged Small below the minimum sample. Errors as
// for SurveyNPS, and a [*ValidationError] naming "unit", "answered_from"
// or "answered_before".
func (c *Client) SurveyNPSByPeriod(ctx context.Context, f ResponseFilter, unit PeriodUnit, opts ...ScoreOption) (map[Period]NPS, error) {
	return scoreByPeriod[NPSTally, NPS](ctx, c.store, f, unit, SurveyKindNPS, opts)
}

// SurveyCSATByPeriod scores CSAT responses per period, as
// [Client.SurveyNPSByPeriod] does NPS responses.
func (c *Client) SurveyCSATByPeriod(ctx context.Context, f ResponseFilter, unit PeriodUnit, opts ...ScoreOption) (map[Period]CSAT, error) {
	return scoreByPeriod[CSATTally, CSAT](ctx, c.store, f, unit, SurveyKindCSAT, opts)
}

// SurveyCESByPeriod scores CES responses per period, as
// [Client.SurveyNPSByPeriod] does NPS responses.
func (c *Client) SurveyCESByPeriod(ctx context.Context, f ResponseFilter, unit PeriodUnit, opts ...ScoreOption) (map[Period]CES, error) {
	return scoreByPeriod[CESTally, CES](ctx, c.store, f, unit, SurveyKindCES, opts)
}

// SurveyNPSBy scores the responses f selects grouped by key of their
// customer — owner, region, industry, segment — as [Client.SurveyNPS]
// does. The customers are those cf selects (a segment's stored rule goes
// in cf.Rule; an empty filter selects every live customer), read page by
// page: for each page, one grouped query per key of its customers,
// naming their IDs, so memory holds a page of customers and a tally per
// key, never the responses. Responses of customers cf leaves out are not
// counted; a key with no responses has no entry. Errors as for
// SurveyNPS, and those of [Client.ListCustomers] for cf.
//
//	byOwner, err := client.SurveyNPSBy(ctx, f, crm.CustomerFilter{},
//		func(c *crm.Customer) string { return c.OwnerID })
func (c *Client) SurveyNPSBy(ctx context.Context, f ResponseFilter, cf CustomerFilter, key func(*Customer) string, opts ...ScoreOption) (map[string]NPS, error) {
	return scoreByCustomer[NPSTally, NPS](ctx, c, f, cf, key, SurveyKindNPS, opts)
}

// SurveyCSATBy scores CSAT responses by a key of their customer, as
// [Client.SurveyNPSBy] does NPS responses.
func (c *Client) SurveyCSATBy(ctx context.Context, f ResponseFilter, cf CustomerFilter, key func(*Customer) string, opts ...ScoreOption) (map[string]CSAT, error) {
	return scoreByCustomer[CSATTally, CSAT](ctx, c, f, cf, key, SurveyKindCSAT, opts)
}

// SurveyCESBy scores CES responses by a key of their customer, as
// [Client.SurveyNPSBy] does NPS responses.
func (c *Client) SurveyCESBy(ctx context.Context, f ResponseFilter, cf CustomerFilter, key func(*Customer) string, opts ...ScoreOption) (map[string]CES, error) {
	return scoreByCustomer[CESTally, CES](ctx, c, f, cf, key, SurveyKindCES, opts)
}

// tallyPtr is a pointer to a tally of results R.
type tallyPtr[T, R any] interface {
	*T
	tally[R]
	N() int
}

// storedScore scores the responses f selects with a new tally T.
func storedScore[T, R any, PT tallyPtr[T, R]](ctx context.Context, s Store, f ResponseFilter, kind SurveyKind, opts []ScoreOption) (R, error) {
	var zero R
	if _, err := scoreOptions(opts); err != nil {
		return zero, err
	}
	t := PT(new(T))
	if err := addStoredScores(ctx, s, f, kind, t); err != nil {
		return zero, err
	}
	return t.Result(opts...)
}

// addStoredScores adds to t the counts the store makes of the responses f
// selects, all of which must be answers to surveys of kind.
func addStoredScores(ctx context.Context, s Store, f ResponseFilter, kind SurveyKind, t interface{ AddN(score, n int) error }) error {
	f.After, f.Limit = "", 0
	counts, err := s.ResponseScores(ctx, f)
	if err != nil {
		return fmt.Errorf("crm: %s scores: %w", kind, err)
	}
	var other []string
	for _, sc := range counts {
		if sc.Kind != kind && !slices.Contains(other, string(sc.Kind)) {
			other = append(other, string(sc.Kind))
		}
	}
	if len(other) > 0 {
		return &ValidationError{Entity: "response filter", Fields: []FieldError{{Field: "survey_ids",
			Reason: fmt.Sprintf("selects responses to %s surveys, and %s scores count %s responses only: score one kind at a time", strings.Join(other, ", "), kind, kind)}}}
	}
	for _, sc := range counts {
		if err := t.AddN(sc.Score, sc.N); err != nil {
			return err
		}
	}
	return nil
}

// scoreByPeriod scores the responses f selects per period of unit.
func scoreByPeriod[T, R any, PT tallyPtr[T, R]](ctx context.Context, s Store, f ResponseFilter, unit PeriodUnit, kind SurveyKind, opts []ScoreOption) (map[Period]R, error) {
	if _, err := scoreOptions(opts); err != nil {
		return nil, err
	}
	from, before := Timestamp(f.AnsweredFrom), Timestamp(f.AnsweredBefore)
	verr := &ValidationError{Entity: "response filter"}
	switch {
	case !unit.Valid():
		verr.add("unit", "unknown period unit %q", unit)
	case from.IsZero():
		verr.add("answered_from", "required: periods need bounds")
	case before.IsZero():
		verr.add("answered_before", "required: periods need bounds")
	case !from.Before(before):
		verr.add("answered_before", "%s is not after answered_from %s", before.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	var periods []Period
	for p := PeriodOf(from, unit); p.Start.Before(before); p = PeriodOf(p.End(), unit) {
		if periods = append(periods, p); len(periods) > MaxPageLimit {
			return nil, &ValidationError{Entity: "response filter", Fields: []FieldError{{Field: "answered_before",
				Reason: fmt.Sprintf("more than %d periods of a %s after answered_from", MaxPageLimit, unit)}}}
		}
	}
	out := make(map[Period]R)
	for _, p := range periods {
		pf := f
		pf.AnsweredFrom, pf.AnsweredBefore = latest(from, p.Start), earliest(before, p.End())
		t := PT(new(T))
		if err := addStoredScores(ctx, s, pf, kind, t); err != nil {
			return nil, err
		}
		if t.N() == 0 {
			continue
		}
		r, err := t.Result(opts...)
		if err != nil {
			return nil, err
		}
		out[p] = r
	}
	return out, nil
}

// scoreByCustomer scores the responses f selects by key of the customers
// cf selects.
func scoreByCustomer[T, R any, PT tallyPtr[T, R]](ctx context.Context, c *Client, f ResponseFilter, cf CustomerFilter, key func(*Customer) string,
	kind SurveyKind, opts []ScoreOption,
) (map[string]R, error) {
	if _, err := scoreOptions(opts); err != nil {
		return nil, err
	}
	if key == nil {
		return nil, required("score breakdown", "key")
	}
	var only map[string]bool // f's customers, if it names any
	if len(f.CustomerIDs) > 0 {
		only = make(map[string]bool, len(f.CustomerIDs))
		for _, id := range f.CustomerIDs {
			only[id] = true
		}
	}
	tallies := make(map[string]PT)
	cf.After, cf.Limit = "", MaxPageLimit
	for {
		page, next, err := c.ListCustomers(ctx, cf)
		if err != nil {
			return nil, err
		}
		groups := make(map[string][]string)
		var keys []string
		for _, cust := range page {
			if only != nil && !only[cust.ID] {
				continue
			}
			k := key(cust)
			if groups[k] == nil {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], cust.ID)
		}
		for _, k := range keys {
			t := tallies[k]
			if t == nil {
				t = PT(new(T))
				tallies[k] = t
			}
			pf := f
			pf.CustomerIDs = groups[k]
			if err := addStoredScores(ctx, c.store, pf, kind, t); err != nil {
				return nil, err
			}
		}
		if next == "" {
			break
		}
		cf.After = next
	}
	out := make(map[string]R, len(tallies))
	for k, t := range tallies {
		if t.N() == 0 {
			continue
		}
		r, err := t.Result(opts...)
		if err != nil {
			return nil, err
		}
		out[k] = r
	}
	return out, nil
}
