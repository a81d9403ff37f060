package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/crmkit/crm"
)

// surveyColumns are the columns of a survey as scanSurvey reads them.
const surveyColumns = `id, kind, name, question, scale_min, scale_max, wave, period,
	created_at, created_by, updated_at, updated_by, version`

// surveyValues returns the row values of sv but its ID and Version, in
// the order of the columns of insertSurvey and updateSurvey.
func (s *Store) surveyValues(sv *crm.Survey) []any {
	return []any{string(sv.Kind), sv.Name, sv.Question, sv.ScaleMin, sv.ScaleMax, sv.Wave, string(sv.Period),
		s.timeArg(sv.CreatedAt), sv.CreatedBy, s.timeArg(sv.UpdatedAt), sv.UpdatedBy}
}

// scanSurvey reads one row of surveyColumns.
func (s *Store) scanSurvey(r interface{ Scan(...any) error }) (*crm.Survey, error) {
	sv := new(crm.Survey)
	err := r.Scan(&sv.ID, &sv.Kind, &sv.Name, &sv.Question, &sv.ScaleMin, &sv.ScaleMax, &sv.Wave, &sv.Period,
		s.timeDest(&sv.CreatedAt), &sv.CreatedBy, s.timeDest(&sv.UpdatedAt), &sv.UpdatedBy, &sv.Version)
	if err != nil {
		return nil, err
	}
	return sv, nil
}

const insertSurvey = `INSERT INTO surveys (tenant_id, ` + surveyColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateSurvey stores sv, in one statement. It fails with an error
// matching [crm.ErrDuplicate] if a survey with sv.ID exists, and with
// [crm.ErrInvalid] if sv is nil or has no ID.
func (s *Store) CreateSurvey(ctx context.Context, sv *crm.Survey) error {
	const op = "create survey"
	if sv == nil || sv.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+sv.ID, err)
	}
	args := append(append([]any{s.tenant(ctx), sv.ID}, s.surveyValues(sv)...), sv.Version)
	if _, err := s.execWrite(ctx, insertSurvey, args...); err != nil {
		return s.fail(ctx, op+" "+sv.ID, err)
	}
	return nil
}

const findSurveyByID = `SELECT ` + surveyColumns + ` FROM surveys WHERE id = ? AND tenant_id = ?`

// FindSurveyByID returns the survey id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindSurveyByID(ctx context.Context, id string) (*crm.Survey, error) {
	return findOne(ctx, s, "find survey "+id, findSurveyByID, id, s.scanSurvey)
}

// The parts of the query of FindSurveys.
const (
	surveysSelect = `SELECT ` + surveyColumns + ` FROM surveys`
	surveysAfter  = `id > ?`
	surveysOrder  = ` ORDER BY id LIMIT ?`
)

// FindSurveys returns one page of the surveys, in ascending ID order, and
// the cursor of the next page ("" after the last), with the limits of
// [Store.FindCustomers].
func (s *Store) FindSurveys(ctx context.Context, f crm.SurveyFilter) ([]*crm.Survey, crm.Cursor, error) {
	query := func(n int) (string, []any) {
		var w where
		w.add(`tenant_id = ?`, s.tenant(ctx))
		if f.After != "" {
			w.add(surveysAfter, string(f.After))
		}
		return surveysSelect + w.String() + surveysOrder, append(w.args, n)
	}
	return findPage(ctx, s, "find surveys", f.Limit, query, s.scanSurvey, func(sv *crm.Survey) string { return sv.ID })
}

const (
	updateSurvey = `UPDATE surveys SET
	kind = ?, name = ?, question = ?, scale_min = ?, scale_max = ?, wave = ?, period = ?,
	created_at = ?, created_by = ?, updated_at = ?, updated_by = ?,
	version = version + 1
WHERE id = ? AND version = ? AND tenant_id = ?`
	surveyVersion = `SELECT version FROM surveys WHERE id = ? AND tenant_id = ?`
)

// UpdateSurvey replaces the stored survey sv.ID with sv under the version
// rule of [Store.UpdateCustomer].
func (s *Store) UpdateSurvey(ctx context.Context, sv *crm.Survey) error {
	const op = "update survey"
	if sv == nil {
		return s.fail(ctx, op, fmt.Errorf("nil survey: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+sv.ID, err)
	}
	if err := s.updateVersioned(ctx, updateSurvey, surveyVersion, sv.ID, sv.Version, s.surveyValues(sv), nil); err != nil {
		return s.fail(ctx, op+" "+sv.ID, err)
	}
	sv.Version++
	return nil
}

// responseColumns are the columns of a response as scanResponse reads
// them, from the table aliased r.
const responseColumns = `r.id, r.survey_id, r.kind, r.customer_id, r.respondent_id, r.contact_id, r.case_id, r.opportunity_id,
	r.score, r.comment, r.channel, r.answered_at, r.wave,
	r.created_at, r.created_by, r.updated_at, r.updated_by, r.version`

// scanResponse reads one row of responseColumns.
func (s *Store) scanResponse(row interface{ Scan(...any) error }) (*crm.Response, error) {
	r := new(crm.Response)
	err := row.Scan(&r.ID, &r.SurveyID, &r.Kind, &r.CustomerID, &r.RespondentID, &r.ContactID, &r.CaseID, &r.OpportunityID,
		&r.Score, &r.Comment, &r.Channel, s.timeDest(&r.AnsweredAt), &r.Wave,
		s.timeDest(&r.CreatedAt), &r.CreatedBy, s.timeDest(&r.UpdatedAt), &r.UpdatedBy, &r.Version)
	if err != nil {
		return nil, err
	}
	return r, nil
}

const insertResponse = `INSERT INTO responses (tenant_id, id, survey_id, kind, customer_id, respondent_id, contact_id, case_id, opportunity_id,
	score, comment, channel, answered_at, wave,
	created_at, created_by, updated_at, updated_by, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateResponse stores r, in one statement. It fails with an error
// matching [crm.ErrDuplicate] if a response with r.ID exists or the
// survey has a response of r.RespondentID in r.Wave (a unique index says
// so, which holds for concurrent writers too), with [crm.ErrNotFound] if
// r.SurveyID names no survey or r.CustomerID no customer (the foreign
// keys say so), and with [crm.ErrInvalid] if r is nil or has no ID.
func (s *Store) CreateResponse(ctx context.Context, r *crm.Response) error {
	const op = "create response"
	if r == nil || r.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+r.ID, err)
	}
	args := []any{s.tenant(ctx), r.ID, r.SurveyID, string(r.Kind), r.CustomerID, r.RespondentID,
		r.ContactID, r.CaseID, r.OpportunityID, r.Score, r.Comment, r.Channel, s.timeArg(r.AnsweredAt), r.Wave,
		s.timeArg(r.CreatedAt), r.CreatedBy, s.timeArg(r.UpdatedAt), r.UpdatedBy, r.Version}
	err := s.insertWithLists(ctx, insertResponse, args, []parent{{surveysTable, r.SurveyID}, {customersTable, r.CustomerID}}, nil)
	if err != nil {
		return s.fail(ctx, op+" "+r.ID, err)
	}
	return nil
}

const findResponseByID = `SELECT ` + responseColumns + ` FROM responses r WHERE r.id = ? AND r.tenant_id = ?`

// FindResponseByID returns the response id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindResponseByID(ctx context.Context, id string) (*crm.Response, error) {
	return findOne(ctx, s, "find response "+id, findResponseByID, id, s.scanResponse)
}

// The parts of the queries of FindResponses and ResponseScores.
const (
	responsesSelect = `SELECT ` + responseColumns + ` FROM responses r`
	responsesAfter  = `r.id > ?`
	responsesOrder  = ` ORDER BY r.id LIMIT ?`
	scoresSelect    = `SELECT r.kind, r.score, COUNT(*) FROM responses r`
	scoresGroup     = ` GROUP BY r.kind, r.score ORDER BY r.kind, r.score`
)

// responsesWhere returns the conditions of f but its paging fields. Each
// field has an index; the AnsweredAt bounds compare as the CloseDate
// bounds of [Store.FindOpportunities] do.
func (s *Store) responsesWhere(ctx context.Context, f crm.ResponseFilter) where {
	var w where
	w.add(`r.tenant_id = ?`, s.tenant(ctx))
	whereIn(&w, "r.survey_id", f.SurveyIDs)
	whereIn(&w, "r.customer_id", f.CustomerIDs)
	whereIn(&w, "r.wave", f.Waves)
	whereIn(&w, "r.channel", f.Channels)
	s.whereTimeRange(&w, "r.answered_at", f.AnsweredFrom, f.AnsweredBefore)
	return w
}

// FindResponses returns one page of the responses f selects, in ascending
// ID order, and the cursor of the next page ("" after the last), with the
// limits of [Store.FindCustomers], in one query; its meaning is
// [crm.ResponseFilter.Match]'s.
func (s *Store) FindResponses(ctx context.Context, f crm.ResponseFilter) ([]*crm.Response, crm.Cursor, error) {
	query := func(n int) (string, []any) {
		w := s.responsesWhere(ctx, f)
		if f.After != "" {
			w.add(responsesAfter, string(f.After))
		}
		return responsesSelect + w.String() + responsesOrder, append(w.args, n)
	}
	return findPage(ctx, s, "find responses", f.Limit, query, s.scanResponse, func(r *crm.Response) string { return r.ID })
}

const moveResponses = `UPDATE responses SET customer_id = ?, updated_at = ?, updated_by = ?, version = version + 1
WHERE customer_id = ? AND tenant_id = ?`

// MoveResponses re-points every response of customer fromID to customer
// toID, stamping each with UpdatedAt at, UpdatedBy by and a Version one
// higher, and returns how many it moved, in one statement. respondent_id,
// and so the unique key, stays. It fails with [crm.ErrNotFound] if toID
// names no customer.
func (s *Store) MoveResponses(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.moveToCustomer(ctx, "responses", moveResponses, fromID, toID, at, by)
}

const (
	moveResponse = `UPDATE responses SET customer_id = ?, updated_at = ?, updated_by = ?, version = version + 1
WHERE id = ? AND version = ? AND tenant_id = ?`
	responseVersion = `SELECT version FROM responses WHERE id = ? AND tenant_id = ?`
)

// MoveResponse re-points the response id, stored at version, to customer
// toID as [Store.MovePayment] does a payment; respondent_id stays.
func (s *Store) MoveResponse(ctx context.Context, id string, version int64, toID string, at time.Time, by string) error {
	return s.moveOne(ctx, "response", moveResponse, responseVersion, id, version, toID, at, by)
}

// ResponseScores counts the responses f selects per kind and score in one
// query grouped by the database, which reads the covering index
// responses_scores (survey_id, answered_at, kind, score) when f names
// surveys.
func (s *Store) ResponseScores(ctx context.Context, f crm.ResponseFilter) ([]crm.ScoreCount, error) {
	const op = "response scores"
	if err := s.begin(ctx); err != nil {
		return nil, s.fail(ctx, op, err)
	}
	w := s.responsesWhere(ctx, f)
	var out []crm.ScoreCount
	err := s.queryEach(ctx, s.q, scoresSelect+w.String()+scoresGroup, w.args, func(rows *sql.Rows) error {
		var c crm.ScoreCount
		if err := rows.Scan(&c.Kind, &c.Score, &c.N); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return out, nil
}

const eraseResponseComments = `UPDATE responses SET comment = '', updated_at = ?, updated_by = ?, version = version + 1
WHERE customer_id = ? AND tenant_id = ? AND comment <> ''`

// EraseResponseComments clears the Comment of every response of
// customerID that has one, stamping each with UpdatedAt at, UpdatedBy by
// and a Version one higher, in one statement.
func (s *Store) EraseResponseComments(ctx context.Context, customerID string, at time.Time, by string) (int, error) {
	op := "erase response comments of " + customerID
	if err := s.begin(ctx); err != nil {
		return 0, s.fail(ctx, op, err)
	}
	res, err := s.execWrite(ctx, eraseResponseComments, s.timeArg(crm.Timestamp(at)), by, customerID, s.tenant(ctx))
	if err != nil {
		return 0, s.fail(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.fail(ctx, op, err)
	}
	return int(n), nil
}
