package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/crmkit/crm"
)

// caseColumns are the columns of a case as scanCase reads them, from the
// table aliased c.
const caseColumns = `c.id, c.customer_id, c.contact_id, c.kind, c.priority, c.status, c.subject, c.description,
	c.owner_id, c.channel, c.source,
	c.opened_at, c.status_changed_at, c.first_responded_at, c.resolved_at, c.closed_at, c.reopened,
	c.first_response_time_ns, c.resolution_time_ns, c.first_response_due, c.resolution_due,
	c.created_at, c.created_by, c.updated_at, c.updated_by, c.version`

// caseValues returns the row values of c but its ID and Version, in the
// order of the columns of insertCase and updateCase. An empty Source is
// NULL, so that the unique index on (customer_id, source) leaves cases
// with no source out on every database.
func (s *Store) caseValues(c *crm.Case) []any {
	var source any
	if c.Source != "" {
		source = c.Source
	}
	return []any{
		c.CustomerID, c.ContactID, string(c.Kind), string(c.Priority), string(c.Status), c.Subject, c.Description,
		c.OwnerID, c.Channel, source,
		s.timeArg(c.OpenedAt), s.timeArg(c.StatusChangedAt), s.timeArg(c.FirstRespondedAt), s.timeArg(c.ResolvedAt), s.timeArg(c.ClosedAt), c.Reopened,
		int64(c.FirstResponseTime), int64(c.ResolutionTime), s.timeArg(c.FirstResponseDue), s.timeArg(c.ResolutionDue),
		s.timeArg(c.CreatedAt), c.CreatedBy, s.timeArg(c.UpdatedAt), c.UpdatedBy,
	}
}

// scanCase reads one row of caseColumns.
func (s *Store) scanCase(r interface{ Scan(...any) error }) (*crm.Case, error) {
	c := new(crm.Case)
	var source sql.NullString
	var firstResponse, resolution int64
	err := r.Scan(&c.ID, &c.CustomerID, &c.ContactID, &c.Kind, &c.Priority, &c.Status, &c.Subject, &c.Description,
		&c.OwnerID, &c.Channel, &source,
		s.timeDest(&c.OpenedAt), s.timeDest(&c.StatusChangedAt), s.timeDest(&c.FirstRespondedAt), s.timeDest(&c.ResolvedAt), s.timeDest(&c.ClosedAt), &c.Reopened,
		&firstResponse, &resolution, s.timeDest(&c.FirstResponseDue), s.timeDest(&c.ResolutionDue),
		s.timeDest(&c.CreatedAt), &c.CreatedBy, s.timeDest(&c.UpdatedAt), &c.UpdatedBy, &c.Version)
	if err != nil {
		return nil, err
	}
	c.Source = source.String
	c.FirstResponseTime, c.ResolutionTime = time.Duration(firstResponse), time.Duration(resolution)
	return c, nil
}

const insertCase = `INSERT INTO cases (tenant_id, id,
	customer_id, contact_id, kind, priority, status, subject, description,
	owner_id, channel, source,
	opened_at, status_changed_at, first_responded_at, resolved_at, closed_at, reopened,
	first_response_time_ns, resolution_time_ns, first_response_due, resolution_due,
	created_at, created_by, updated_at, updated_by,
	version)
VALUES (?, ?,
	?, ?, ?, ?, ?, ?, ?,
	?, ?, ?,
	?, ?, ?, ?, ?, ?,
	?, ?, ?, ?,
	?, ?, ?, ?,
	?)`

// CreateCase stores c, in one statement. It fails with an error matching
// [crm.ErrDuplicate] if a case with c.ID exists or a case of its customer
// has its Source (the unique index says so), with [crm.ErrNotFound] if
// c.CustomerID names no customer (the foreign key says so), and with
// [crm.ErrInvalid] if c is nil or has no ID.
func (s *Store) CreateCase(ctx context.Context, c *crm.Case) error {
	const op = "create case"
	if c == nil || c.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+c.ID, err)
	}
	args := append(append([]any{s.tenant(ctx), c.ID}, s.caseValues(c)...), c.Version)
	if err := s.insertWithLists(ctx, insertCase, args, []parent{{customersTable, c.CustomerID}}, nil); err != nil {
		return s.fail(ctx, op+" "+c.ID, err)
	}
	return nil
}

const findCaseByID = `SELECT ` + caseColumns + ` FROM cases c WHERE c.id = ? AND c.tenant_id = ?`

// FindCaseByID returns the case id, or an error matching [crm.ErrNotFound].
func (s *Store) FindCaseByID(ctx context.Context, id string) (*crm.Case, error) {
	return findOne(ctx, s, "find case "+id, findCaseByID, id, s.scanCase)
}

// The parts of the query of FindCases. casesDue holds for a case one of
// whose due times is before ?: each side can use the index of its column.
const (
	casesSelect = `SELECT ` + caseColumns + ` FROM cases c`
	casesAfter  = `c.id > ?`
	casesDue    = `(c.first_response_due < ? OR c.resolution_due < ?)`
	casesOrder  = ` ORDER BY c.id LIMIT ?`
)

// FindCases returns one page of the cases f selects, in ascending ID
// order, and the cursor of the next page ("" after the last), with the
// limits of [Store.FindCustomers]. The filter is one query, with an index
// for every filter field; its meaning is [crm.CaseFilter.Match]'s. Time
// bounds are compared as stored times are, whole microseconds.
func (s *Store) FindCases(ctx context.Context, f crm.CaseFilter) ([]*crm.Case, crm.Cursor, error) {
	query := func(n int) (string, []any) {
		var w where
		w.add(`c.tenant_id = ?`, s.tenant(ctx))
		if f.After != "" {
			w.add(casesAfter, string(f.After))
		}
		whereIn(&w, "c.customer_id", f.CustomerIDs)
		whereIn(&w, "c.owner_id", f.Owners)
		whereIn(&w, "c.kind", f.Kinds)
		whereIn(&w, "c.priority", f.Priorities)
		whereIn(&w, "c.status", f.Statuses)
		whereIn(&w, "c.source", f.Sources) // NULL for no source: never IN
		s.whereTimeRange(&w, "c.opened_at", f.OpenedFrom, f.OpenedBefore)
		s.whereTimeRange(&w, "c.resolved_at", f.ResolvedFrom, f.ResolvedBefore)
		if !f.DueBefore.IsZero() {
			due := s.d.TimeArg(ceilMicrosecond(f.DueBefore))
			w.add(casesDue, due, due)
		}
		return casesSelect + w.String() + casesOrder, append(w.args, n)
	}
	return findPage(ctx, s, "find cases", f.Limit, query, s.scanCase, func(c *crm.Case) string { return c.ID })
}

const (
	updateCase = `UPDATE cases SET
	customer_id = ?, contact_id = ?, kind = ?, priority = ?, status = ?, subject = ?, description = ?,
	owner_id = ?, channel = ?, source = ?,
	opened_at = ?, status_changed_at = ?, first_responded_at = ?, resolved_at = ?, closed_at = ?, reopened = ?,
	first_response_time_ns = ?, resolution_time_ns = ?, first_response_due = ?, resolution_due = ?,
	created_at = ?, created_by = ?, updated_at = ?, updated_by = ?,
	version = version + 1
WHERE id = ? AND version = ? AND tenant_id = ?`
	caseVersion = `SELECT version FROM cases WHERE id = ? AND tenant_id = ?`
)

// UpdateCase replaces the stored case c.ID with c under the version rule
// of [Store.UpdateCustomer]. It fails with [crm.ErrNotFound] also if
// c.CustomerID names no customer, and with [crm.ErrDuplicate] if another
// case of the customer has c's Source.
func (s *Store) UpdateCase(ctx context.Context, c *crm.Case) error {
	const op = "update case"
	if c == nil {
		return s.fail(ctx, op, fmt.Errorf("nil case: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+c.ID, err)
	}
	parents := []parent{{customersTable, c.CustomerID}}
	if err := s.updateParented(ctx, updateCase, caseVersion, c.ID, c.Version, s.caseValues(c), parents, nil); err != nil {
		return s.fail(ctx, op+" "+c.ID, err)
	}
	c.Version++
	return nil
}

const moveCases = `UPDATE cases SET customer_id = ?, updated_at = ?, updated_by = ?, version = version + 1
WHERE customer_id = ? AND tenant_id = ?`

// MoveCases re-points every case of customer fromID to customer toID,
// stamping each with UpdatedAt at, UpdatedBy by and a Version one higher,
// and returns how many it moved, in one statement; it writes no history
// entry. It fails with [crm.ErrNotFound] if toID names no customer, and
// with [crm.ErrDuplicate], moving nothing, if a case of fromID and one of
// toID share a Source (the unique index says so).
func (s *Store) MoveCases(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.moveToCustomer(ctx, "cases", moveCases, fromID, toID, at, by)
}

// caseChangeColumns are the columns of a case's history entry as
// scanCaseChange reads them.
const caseChangeColumns = `case_id, version, changed_at, changed_by, from_status, to_status, priority, owner_id, responded`

// scanCaseChange reads one row of caseChangeColumns.
func (s *Store) scanCaseChange(r interface{ Scan(...any) error }) (*crm.CaseChange, error) {
	ch := new(crm.CaseChange)
	err := r.Scan(&ch.CaseID, &ch.Version, s.timeDest(&ch.At), &ch.By, &ch.FromStatus, &ch.ToStatus, &ch.Priority, &ch.OwnerID, &ch.Responded)
	if err != nil {
		return nil, err
	}
	return ch, nil
}

const insertCaseChange = `INSERT INTO case_changes (tenant_id, ` + caseChangeColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// AddCaseChange appends ch to the history of its case, in one statement.
// It fails with an error matching [crm.ErrDuplicate] if the history has
// an entry of ch.Version, with [crm.ErrNotFound] if the case does not
// exist (the foreign key says so), and with [crm.ErrInvalid] if ch is
// nil.
func (s *Store) AddCaseChange(ctx context.Context, ch *crm.CaseChange) error {
	if ch == nil {
		return s.fail(ctx, "add case change", fmt.Errorf("nil change: %w", crm.ErrInvalid))
	}
	op := fmt.Sprintf("add case change %s version %d", ch.CaseID, ch.Version)
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op, err)
	}
	args := []any{s.tenant(ctx), ch.CaseID, ch.Version, s.timeArg(ch.At), ch.By,
		string(ch.FromStatus), string(ch.ToStatus), string(ch.Priority), ch.OwnerID, ch.Responded}
	err := s.insertWithLists(ctx, insertCaseChange, args, []parent{{casesTable, ch.CaseID}}, nil)
	if err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// The parts of the query of FindCaseChanges, on the primary key
// (case_id, version): see findChanges.
const (
	caseChangesSelect = `SELECT ` + caseChangeColumns + ` FROM case_changes`
	caseChangesAfter  = `case_id >= ? AND (case_id > ? OR version > ?)`
	caseChangesOrder  = ` ORDER BY case_id, version LIMIT ?`
)

// FindCaseChanges returns one page of the history entries f selects,
// ordered by case ID and then Version, and the cursor of the next page
// ("" after the last), as [Store.FindOpportunityChanges] pages its
// entries.
func (s *Store) FindCaseChanges(ctx context.Context, f crm.CaseChangeFilter) ([]*crm.CaseChange, crm.Cursor, error) {
	q := changesQuery{sel: caseChangesSelect, after: caseChangesAfter, order: caseChangesOrder, key: "case_id"}
	return findChanges(ctx, s, "find case changes", q, f.CaseIDs, f.After, f.Limit, s.scanCaseChange,
		func(ch *crm.CaseChange) (string, int64) { return ch.CaseID, ch.Version })
}
