package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// opportunityColumns are the columns of an opportunity as
// scanOpportunity reads them, from the table aliased o.
const opportunityColumns = `o.id, o.name, o.customer_id, o.contact_id, o.lead_id, o.pipeline_id, o.stage, o.status,
	o.amount, o.amount_currency, o.probability, o.close_date, o.owner_id, o.lost_reason, o.next_step,
	o.stage_entered_at, o.closed_at,
	o.created_at, o.created_by, o.updated_at, o.updated_by, o.version`

// opportunityParams are the values of an opportunity's row, but its ID
// and Version, in the order of the columns of insertOpportunity and
// updateOpportunity.
type opportunityParams struct {
	Name, CustomerID, ContactID, LeadID, PipelineID, Stage, Status string
	Amount                                                         any // string or nil
	AmountCurrency                                                 string
	Probability                                                    int
	CloseDate                                                      any
	OwnerID, LostReason, NextStep                                  string
	StageEnteredAt, ClosedAt                                       any
	CreatedAt                                                      any
	CreatedBy                                                      string
	UpdatedAt                                                      any
	UpdatedBy                                                      string
}

func (p *opportunityParams) values() []any {
	return []any{
		p.Name, p.CustomerID, p.ContactID, p.LeadID, p.PipelineID, p.Stage, p.Status,
		p.Amount, p.AmountCurrency, p.Probability, p.CloseDate, p.OwnerID, p.LostReason, p.NextStep,
		p.StageEnteredAt, p.ClosedAt,
		p.CreatedAt, p.CreatedBy, p.UpdatedAt, p.UpdatedBy,
	}
}

// opportunityParams returns the row values of o.
func (s *Store) opportunityParams(o *crm.Opportunity) opportunityParams {
	return opportunityParams{
		Name: o.Name, CustomerID: o.CustomerID, ContactID: o.ContactID, LeadID: o.LeadID,
		PipelineID: o.PipelineID, Stage: o.Stage, Status: string(o.Status),
		Amount: amountArg(o.Amount), AmountCurrency: o.Amount.Currency, Probability: o.Probability,
		CloseDate: s.timeArg(o.CloseDate), OwnerID: o.OwnerID, LostReason: o.LostReason, NextStep: o.NextStep,
		StageEnteredAt: s.timeArg(o.StageEnteredAt), ClosedAt: s.timeArg(o.ClosedAt),
		CreatedAt: s.timeArg(o.CreatedAt), CreatedBy: o.CreatedBy,
		UpdatedAt: s.timeArg(o.UpdatedAt), UpdatedBy: o.UpdatedBy,
	}
}

// amountArg returns the value to bind for the amount column of m: NULL
// for the zero Money, otherwise the exact decimal text (decimalText).
func amountArg(m crm.Money) any {
	if m.IsZero() {
		return nil
	}
	return decimalText(m.Amount)
}

// parseAmount reads an amount column, scanned as text so that it never
// passes through a float: the zero decimal for NULL.
func parseAmount(text sql.NullString) (decimal.Decimal, error) {
	if !text.Valid {
		return decimal.Decimal{}, nil
	}
	d, err := decimal.NewFromString(text.String)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("amount %q: %w", text.String, err)
	}
	return d, nil
}

// scanOpportunity reads one row of opportunityColumns.
func (s *Store) scanOpportunity(r interface{ Scan(...any) error }) (*crm.Opportunity, error) {
	o := new(crm.Opportunity)
	var amount sql.NullString
	err := r.Scan(&o.ID, &o.Name, &o.CustomerID, &o.ContactID, &o.LeadID, &o.PipelineID, &o.Stage, &o.Status,
		&amount, &o.Amount.Currency, &o.Probability, s.timeDest(&o.CloseDate), &o.OwnerID, &o.LostReason, &o.NextStep,
		s.timeDest(&o.StageEnteredAt), s.timeDest(&o.ClosedAt),
		s.timeDest(&o.CreatedAt), &o.CreatedBy, s.timeDest(&o.UpdatedAt), &o.UpdatedBy, &o.Version)
	if err != nil {
		return nil, err
	}
	if o.Amount.Amount, err = parseAmount(amount); err != nil {
		return nil, fmt.Errorf("opportunity %s: %w", o.ID, err)
	}
	return o, nil
}

const insertOpportunity = `INSERT INTO opportunities (tenant_id, id,
	name, customer_id, contact_id, lead_id, pipeline_id, stage, status,
	amount, amount_currency, probability, close_date, owner_id, lost_reason, next_step,
	stage_entered_at, closed_at,
	created_at, created_by, updated_at, updated_by,
	version)
VALUES (?, ?,
	?, ?, ?, ?, ?, ?, ?,
	?, ?, ?, ?, ?, ?, ?,
	?, ?,
	?, ?, ?, ?,
	?)`

// CreateOpportunity stores o, in one statement. It fails with an error
// matching [crm.ErrDuplicate] if an opportunity with o.ID exists, with
// [crm.ErrNotFound] if o.CustomerID or o.PipelineID names nothing (the
// foreign keys say so), and with [crm.ErrInvalid] if o is nil or has no
// ID.
func (s *Store) CreateOpportunity(ctx context.Context, o *crm.Opportunity) error {
	const op = "create opportunity"
	if o == nil || o.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+o.ID, err)
	}
	p := s.opportunityParams(o)
	args := append(append([]any{s.tenant(ctx), o.ID}, p.values()...), o.Version)
	if err := s.insertWithLists(ctx, insertOpportunity, args, opportunityParents(o), nil); err != nil {
		return s.fail(ctx, op+" "+o.ID, err)
	}
	return nil
}

// opportunityParents returns the records o names that must be in its
// tenant.
func opportunityParents(o *crm.Opportunity) []parent {
	return []parent{{customersTable, o.CustomerID}, {pipelinesTable, o.PipelineID}}
}

const findOpportunityByID = `SELECT ` + opportunityColumns + ` FROM opportunities o WHERE o.id = ? AND o.tenant_id = ?`

// FindOpportunityByID returns the opportunity id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindOpportunityByID(ctx context.Context, id string) (*crm.Opportunity, error) {
	return findOne(ctx, s, "find opportunity "+id, findOpportunityByID, id, s.scanOpportunity)
}

// The parts of the query of FindOpportunities.
const (
	opportunitiesSelect = `SELECT ` + opportunityColumns + ` FROM opportunities o`
	opportunitiesTenant = `o.tenant_id = ?`
	opportunitiesAfter  = `o.id > ?`
	opportunitiesOrder  = ` ORDER BY o.id LIMIT ?`
)

// FindOpportunities returns one page of the opportunities f selects, in
// ascending ID order, and the cursor of the next page ("" after the
// last), with the limits of [Store.FindCustomers]. The filter is one
// query, with an index for every filter field; its meaning is
// [crm.OpportunityFilter.Match]'s. CloseFrom and CloseBefore are compared
// as Match compares them with the stored close dates, whole microseconds:
// a bound with nanoseconds counts from the next whole microsecond.
func (s *Store) FindOpportunities(ctx context.Context, f crm.OpportunityFilter) ([]*crm.Opportunity, crm.Cursor, error) {
	query := func(n int) (string, []any) { return s.findOpportunitiesQuery(ctx, f, n) }
	return findPage(ctx, s, "find opportunities", f.Limit, query, s.scanOpportunity, func(o *crm.Opportunity) string { return o.ID })
}

// findOne returns the record id, read with query ("SELECT … WHERE x.id =
// ? AND x.tenant_id = ?") and scan in one statement; op names the
// operation in errors. It
// fails with an error matching [crm.ErrNotFound] if there is no such
// record. Records with list tables use findWithLists.
func findOne[T any](ctx context.Context, s *Store, op, query, id string, scan func(interface{ Scan(...any) error }) (*T, error)) (*T, error) {
	if err := s.begin(ctx); err != nil {
		return nil, s.fail(ctx, op, err)
	}
	v, err := scan(s.queryRow(ctx, s.q, query, id, s.tenant(ctx)))
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return v, nil
}

// findPage returns one keyset page of records, in ascending ID order, and
// the cursor of the next page ("" after the last), with the limits of
// [Store.FindCustomers]: limit is the filter's Limit, query returns the
// statement selecting the first n records after the filter's cursor and
// its arguments, scan reads a row and id the ID of a record. op names the
// operation in errors.
func findPage[T any](ctx context.Context, s *Store, op string, limit int, query func(n int) (string, []any),
	scan func(interface{ Scan(...any) error }) (*T, error), id func(*T) string,
) ([]*T, crm.Cursor, error) {
	limit, err := s.beginPage(ctx, op, limit)
	if err != nil {
		return nil, "", err
	}
	q, args := query(limit + 1)
	page, err := collectRows(ctx, s, s.q, q, args, scan)
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	page, next := cutPage(page, limit, func(v *T) crm.Cursor { return crm.Cursor(id(v)) })
	return page, next, nil
}

// findOpportunitiesQuery returns the query selecting the first n
// opportunities f selects after f.After, and its arguments.
func (s *Store) findOpportunitiesQuery(ctx context.Context, f crm.OpportunityFilter, n int) (string, []any) {
	var w where
	w.add(opportunitiesTenant, s.tenant(ctx))
	if f.After != "" {
		w.add(opportunitiesAfter, string(f.After))
	}
	whereIn(&w, "o.customer_id", f.CustomerIDs)
	whereIn(&w, "o.pipeline_id", f.PipelineIDs)
	whereIn(&w, "o.owner_id", f.Owners)
	whereIn(&w, "o.stage", f.Stages)
	whereIn(&w, "o.status", f.Statuses)
	s.whereTimeRange(&w, "o.close_date", f.CloseFrom, f.CloseBefore)
	return opportunitiesSelect + w.String() + opportunitiesOrder, append(w.args, n)
}

// beginPage starts a listing, op, with the page limit limit: it checks
// that the Store may be used with ctx and returns the page size limit
// asks for, or the error to return, wrapped.
func (s *Store) beginPage(ctx context.Context, op string, limit int) (int, error) {
	if err := s.begin(ctx); err != nil {
		return 0, s.fail(ctx, op, err)
	}
	n, err := pageLimit(limit)
	if err != nil {
		return 0, s.fail(ctx, op, err)
	}
	return n, nil
}

// whereTimeRange adds to w the conditions that the time column is at or
// after from and before before, for the bounds that are not zero. A NULL
// (zero) time satisfies neither bound, as the filters' Match methods
// have it. Bounds are compared as stored times are, whole microseconds:
// a bound with nanoseconds counts from the next whole microsecond.
func (s *Store) whereTimeRange(w *where, column string, from, before time.Time) {
	if !from.IsZero() {
		w.add(column+" >= ?", s.d.TimeArg(ceilMicrosecond(from)))
	}
	if !before.IsZero() {
		w.add(column+" < ?", s.d.TimeArg(ceilMicrosecond(before)))
	}
}

// ceilMicrosecond returns t in UTC rounded up to a whole microsecond: a
// stored time (whole microseconds) is at or after t exactly when it is at
// or after the result, and before t exactly when it is before the result.
func ceilMicrosecond(t time.Time) time.Time {
	c := crm.Timestamp(t)
	if c.Before(t) {
		c = c.Add(time.Microsecond)
	}
	return c
}

const (
	updateOpportunity = `UPDATE opportunities SET
	name = ?, customer_id = ?, contact_id = ?, lead_id = ?, pipeline_id = ?, stage = ?, status = ?,
	amount = ?, amount_currency = ?, probability = ?, close_date = ?, owner_id = ?, lost_reason = ?, next_step = ?,
	stage_entered_at = ?, closed_at = ?,
	created_at = ?, created_by = ?, updated_at = ?, updated_by = ?,
	version = version + 1
WHERE id = ? AND version = ? AND tenant_id = ?`
	opportunityVersion = `SELECT version FROM opportunities WHERE id = ? AND tenant_id = ?`
)

// UpdateOpportunity replaces the stored opportunity o.ID with o under the
// version rule of [Store.UpdateCustomer]. It fails with [crm.ErrNotFound]
// also if o.CustomerID or o.PipelineID names nothing.
func (s *Store) UpdateOpportunity(ctx context.Context, o *crm.Opportunity) error {
	const op = "update opportunity"
	if o == nil {
		return s.fail(ctx, op, fmt.Errorf("nil opportunity: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+o.ID, err)
	}
	p := s.opportunityParams(o)
	err := s.updateParented(ctx, updateOpportunity, opportunityVersion, o.ID, o.Version, p.values(), opportunityParents(o), nil)
	if err != nil {
		return s.fail(ctx, op+" "+o.ID, err)
	}
	o.Version++
	return nil
}

const moveOpportunities = `UPDATE opportunities SET customer_id = ?, updated_at = ?, updated_by = ?, version = version + 1
WHERE customer_id = ? AND tenant_id = ?`

// MoveOpportunities re-points every opportunity of customer fromID to
// customer toID, stamping each with UpdatedAt at, UpdatedBy by and a
// Version one higher, and returns how many it moved, in one statement; it
// writes no history entry. It fails with [crm.ErrNotFound] if toID names
// no customer. When fromID equals toID the opportunities stay where they
// are but are stamped and counted all the same.
func (s *Store) MoveOpportunities(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.moveToCustomer(ctx, "opportunities", moveOpportunities, fromID, toID, at, by)
}

// opportunityChangeColumns are the columns of a history entry as
// scanOpportunityChange reads them.
const opportunityChangeColumns = `opportunity_id, version, changed_at, changed_by, from_stage, to_stage, status,
	amount, amount_currency, probability, close_date, owner_id`

// scanOpportunityChange reads one row of opportunityChangeColumns.
func (s *Store) scanOpportunityChange(r interface{ Scan(...any) error }) (*crm.OpportunityChange, error) {
	ch := new(crm.OpportunityChange)
	var amount sql.NullString
	err := r.Scan(&ch.OpportunityID, &ch.Version, s.timeDest(&ch.At), &ch.By, &ch.FromStage, &ch.ToStage, &ch.Status,
		&amount, &ch.Amount.Currency, &ch.Probability, s.timeDest(&ch.CloseDate), &ch.OwnerID)
	if err != nil {
		return nil, err
	}
	if ch.Amount.Amount, err = parseAmount(amount); err != nil {
		return nil, fmt.Errorf("opportunity %s version %d: %w", ch.OpportunityID, ch.Version, err)
	}
	return ch, nil
}

const insertOpportunityChange = `INSERT INTO opportunity_changes (tenant_id, ` + opportunityChangeColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// AddOpportunityChange appends ch to the history of its opportunity, in
// one statement. It fails with an error matching [crm.ErrDuplicate] if
// the history has an entry of ch.Version, with [crm.ErrNotFound] if the
// opportunity does not exist (the foreign key says so), and with
// [crm.ErrInvalid] if ch is nil.
func (s *Store) AddOpportunityChange(ctx context.Context, ch *crm.OpportunityChange) error {
	if ch == nil {
		return s.fail(ctx, "add opportunity change", fmt.Errorf("nil change: %w", crm.ErrInvalid))
	}
	op := fmt.Sprintf("add opportunity change %s version %d", ch.OpportunityID, ch.Version)
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op, err)
	}
	args := []any{s.tenant(ctx),
		ch.OpportunityID, ch.Version, s.timeArg(ch.At), ch.By, ch.FromStage, ch.ToStage, string(ch.Status),
		amountArg(ch.Amount), ch.Amount.Currency, ch.Probability, s.timeArg(ch.CloseDate), ch.OwnerID}
	err := s.insertWithLists(ctx, insertOpportunityChange, args, []parent{{opportunitiesTable, ch.OpportunityID}}, nil)
	if err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// The parts of the query of FindOpportunityChanges: see findChanges.
const (
	changesSelect = `SELECT ` + opportunityChangeColumns + ` FROM opportunity_changes`
	changesAfter  = `opportunity_id >= ? AND (opportunity_id > ? OR version > ?)`
	changesOrder  = ` ORDER BY opportunity_id, version LIMIT ?`
)

// FindOpportunityChanges returns one page of the history entries f
// selects, ordered by opportunity ID and then Version, and the cursor of
// the next page ("" after the last), with the limits of
// [Store.FindCustomers]. Pages are keyset pages on the primary key
// (opportunity_id, version); the cursor encodes the key of the last entry
// of the page (see changeCursor). A cursor the Store did not make fails
// with [crm.ErrInvalid].
func (s *Store) FindOpportunityChanges(ctx context.Context, f crm.OpportunityChangeFilter) ([]*crm.OpportunityChange, crm.Cursor, error) {
	q := changesQuery{sel: changesSelect, after: changesAfter, order: changesOrder, key: "opportunity_id"}
	return findChanges(ctx, s, "find opportunity changes", q, f.OpportunityIDs, f.After, f.Limit, s.scanOpportunityChange,
		func(ch *crm.OpportunityChange) (string, int64) { return ch.OpportunityID, ch.Version })
}

// changesQuery is the query of a history table keyed by (record ID,
// version): its SELECT, the condition holding for the entries after
// record ? and version ? (a range of the primary key first, so that
// every database starts the page where the last one ended, in the key's
// order; then a condition that skips the cursor's own record's earlier
// versions), the ORDER BY … LIMIT ?, and the record ID column.
type changesQuery struct {
	sel, after, order, key string
}

// findChanges returns one keyset page of the history entries of q of
// the records ids (every record's if empty), after the cursor after, with
// the limits of [Store.FindCustomers], and the cursor of the next page
// ("" after the last); scan reads a row and key the key of an entry. op
// names the operation in errors.
func findChanges[T any](ctx context.Context, s *Store, op string, q changesQuery, ids []string, after crm.Cursor, limit int,
	scan func(interface{ Scan(...any) error }) (*T, error), key func(*T) (string, int64),
) ([]*T, crm.Cursor, error) {
	limit, err := s.beginPage(ctx, op, limit)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add(`tenant_id = ?`, s.tenant(ctx))
	if after != "" {
		id, version, err := parseChangeCursor(after)
		if err != nil {
			return nil, "", s.fail(ctx, op, err)
		}
		w.add(q.after, id, id, version)
	}
	whereIn(&w, q.key, ids)
	page, err := collectRows(ctx, s, s.q, q.sel+w.String()+q.order, append(w.args, limit+1), scan)
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	page, next := cutPage(page, limit, func(last *T) crm.Cursor { return changeCursor(key(last)) })
	return page, next, nil
}

// changeCursor returns the cursor of the history entry of opportunity id
// and version: "<version>:<id>" in unpadded base64url. The version comes
// first and has no ":", so the ID after the first ":" may be any string;
// the encoding keeps the cursor opaque, and printable whatever bytes the
// ID holds.
func changeCursor(id string, version int64) crm.Cursor {
	return crm.Cursor(base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(version, 10) + ":" + id)))
}

// parseChangeCursor reads a cursor made by changeCursor, failing with
// crm.ErrInvalid for anything else.
func parseChangeCursor(c crm.Cursor) (id string, version int64, err error) {
	b, err := base64.RawURLEncoding.DecodeString(string(c))
	if err != nil {
		return "", 0, fmt.Errorf("cursor %q: %w", c, crm.ErrInvalid)
	}
	v, id, ok := strings.Cut(string(b), ":")
	if !ok {
		return "", 0, fmt.Errorf("cursor %q: %w", c, crm.ErrInvalid)
	}
	version, err = strconv.ParseInt(v, 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("cursor %q: %w", c, crm.ErrInvalid)
	}
	return id, version, nil
}
