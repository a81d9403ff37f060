package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/crmkit/crm"
)

// taskColumns are the columns of a task as scanTask reads them, from the
// table aliased t.
const taskColumns = `t.id, t.customer_id, t.contact_id, t.opportunity_id, t.case_id,
	t.kind, t.title, t.notes, t.owner_id, t.priority, t.status, t.due_at, t.done_at, t.source,
	t.created_at, t.created_by, t.updated_at, t.updated_by, t.version`

// taskValues returns the row values of t but its ID and Version, in the
// order of the columns of insertTask and updateTask. An empty Source is
// NULL, so that the unique index on source leaves tasks with no source
// out on every database.
func (s *Store) taskValues(t *crm.Task) []any {
	var source any
	if t.Source != "" {
		source = t.Source
	}
	return []any{
		t.CustomerID, t.ContactID, t.OpportunityID, t.CaseID,
		string(t.Kind), t.Title, t.Notes, t.OwnerID, string(t.Priority), string(t.Status),
		s.timeArg(t.Due), s.timeArg(t.DoneAt), source,
		s.timeArg(t.CreatedAt), t.CreatedBy, s.timeArg(t.UpdatedAt), t.UpdatedBy,
	}
}

// scanTask reads one row of taskColumns.
func (s *Store) scanTask(r interface{ Scan(...any) error }) (*crm.Task, error) {
	t := new(crm.Task)
	var source sql.NullString
	err := r.Scan(&t.ID, &t.CustomerID, &t.ContactID, &t.OpportunityID, &t.CaseID,
		&t.Kind, &t.Title, &t.Notes, &t.OwnerID, &t.Priority, &t.Status,
		s.timeDest(&t.Due), s.timeDest(&t.DoneAt), &source,
		s.timeDest(&t.CreatedAt), &t.CreatedBy, s.timeDest(&t.UpdatedAt), &t.UpdatedBy, &t.Version)
	if err != nil {
		return nil, err
	}
	t.Source = source.String
	return t, nil
}

const insertTask = `INSERT INTO tasks (tenant_id, id,
	customer_id, contact_id, opportunity_id, case_id,
	kind, title, notes, owner_id, priority, status,
	due_at, done_at, source,
	created_at, created_by, updated_at, updated_by,
	version)
VALUES (?, ?,
	?, ?, ?, ?,
	?, ?, ?, ?, ?, ?,
	?, ?, ?,
	?, ?, ?, ?,
	?)`

// CreateTask stores t, in one statement. It fails with an error matching
// [crm.ErrDuplicate] if a task with t.ID exists or another task has its
// Source (the unique index says so), with [crm.ErrNotFound] if
// t.CustomerID names no customer (the foreign key says so), and with
// [crm.ErrInvalid] if t is nil or has no ID.
func (s *Store) CreateTask(ctx context.Context, t *crm.Task) error {
	const op = "create task"
	if t == nil || t.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+t.ID, err)
	}
	args := append(append([]any{s.tenant(ctx), t.ID}, s.taskValues(t)...), t.Version)
	if err := s.insertWithLists(ctx, insertTask, args, []parent{{customersTable, t.CustomerID}}, nil); err != nil {
		return s.fail(ctx, op+" "+t.ID, err)
	}
	return nil
}

const findTaskByID = `SELECT ` + taskColumns + ` FROM tasks t WHERE t.id = ? AND t.tenant_id = ?`

// FindTaskByID returns the task id, or an error matching [crm.ErrNotFound].
func (s *Store) FindTaskByID(ctx context.Context, id string) (*crm.Task, error) {
	return findOne(ctx, s, "find task "+id, findTaskByID, id, s.scanTask)
}

// The parts of the query of FindTasks.
const (
	tasksSelect = `SELECT ` + taskColumns + ` FROM tasks t`
	tasksAfter  = `t.id > ?`
	tasksOrder  = ` ORDER BY t.id LIMIT ?`
)

// FindTasks returns one page of the tasks f selects, in ascending ID
// order, and the cursor of the next page ("" after the last), with the
// limits of [Store.FindCustomers]. The filter is one query, with an index
// for every filter field; its meaning is [crm.TaskFilter.Match]'s.
func (s *Store) FindTasks(ctx context.Context, f crm.TaskFilter) ([]*crm.Task, crm.Cursor, error) {
	query := func(n int) (string, []any) {
		var w where
		w.add(`t.tenant_id = ?`, s.tenant(ctx))
		if f.After != "" {
			w.add(tasksAfter, string(f.After))
		}
		whereIn(&w, "t.customer_id", f.CustomerIDs)
		whereIn(&w, "t.owner_id", f.Owners)
		whereIn(&w, "t.kind", f.Kinds)
		whereIn(&w, "t.status", f.Statuses)
		whereIn(&w, "t.source", f.Sources) // NULL for no source: never IN
		s.whereTimeRange(&w, "t.due_at", f.DueFrom, f.DueBefore)
		s.whereTimeRange(&w, "t.done_at", f.DoneFrom, f.DoneBefore)
		return tasksSelect + w.String() + tasksOrder, append(w.args, n)
	}
	return findPage(ctx, s, "find tasks", f.Limit, query, s.scanTask, func(t *crm.Task) string { return t.ID })
}

const (
	updateTask = `UPDATE tasks SET
	customer_id = ?, contact_id = ?, opportunity_id = ?, case_id = ?,
	kind = ?, title = ?, notes = ?, owner_id = ?, priority = ?, status = ?,
	due_at = ?, done_at = ?, source = ?,
	created_at = ?, created_by = ?, updated_at = ?, updated_by = ?,
	version = version + 1
WHERE id = ? AND version = ? AND tenant_id = ?`
	taskVersion = `SELECT version FROM tasks WHERE id = ? AND tenant_id = ?`
)

// UpdateTask replaces the stored task t.ID with t under the version rule
// of [Store.UpdateCustomer]. It fails with [crm.ErrNotFound] also if
// t.CustomerID names no customer, and with [crm.ErrDuplicate] if another
// task has t's Source.
func (s *Store) UpdateTask(ctx context.Context, t *crm.Task) error {
	const op = "update task"
	if t == nil {
		return s.fail(ctx, op, fmt.Errorf("nil task: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+t.ID, err)
	}
	parents := []parent{{customersTable, t.CustomerID}}
	if err := s.updateParented(ctx, updateTask, taskVersion, t.ID, t.Version, s.taskValues(t), parents, nil); err != nil {
		return s.fail(ctx, op+" "+t.ID, err)
	}
	t.Version++
	return nil
}

const moveTasks = `UPDATE tasks SET customer_id = ?, updated_at = ?, updated_by = ?, version = version + 1
WHERE customer_id = ? AND tenant_id = ?`

// MoveTasks re-points every task of customer fromID to customer toID,
// stamping each with UpdatedAt at, UpdatedBy by and a Version one higher,
// and returns how many it moved, in one statement. Sources are unique
// across customers, so a move never makes two tasks share one. It fails
// with [crm.ErrNotFound] if toID names no customer.
func (s *Store) MoveTasks(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.moveToCustomer(ctx, "tasks", moveTasks, fromID, toID, at, by)
}

// ownerChangeColumns are the columns of an ownership history entry as
// scanOwnerChange reads them, from the table aliased oc.
const ownerChangeColumns = `oc.id, oc.entity, oc.entity_id, oc.customer_id, oc.from_owner, oc.to_owner,
	oc.changed_at, oc.changed_by, oc.reason`

// scanOwnerChange reads one row of ownerChangeColumns.
func (s *Store) scanOwnerChange(r interface{ Scan(...any) error }) (*crm.OwnerChange, error) {
	ch := new(crm.OwnerChange)
	err := r.Scan(&ch.ID, &ch.Entity, &ch.EntityID, &ch.CustomerID, &ch.From, &ch.To,
		s.timeDest(&ch.At), &ch.By, &ch.Reason)
	if err != nil {
		return nil, err
	}
	return ch, nil
}

const insertOwnerChange = `INSERT INTO owner_changes (tenant_id, id, entity, entity_id, customer_id, from_owner, to_owner,
	changed_at, changed_by, reason)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// AddOwnerChange stores ch, in one statement. It fails with an error
// matching [crm.ErrDuplicate] if an entry with ch.ID exists, and with
// [crm.ErrInvalid] if ch is nil or has no ID. The record ch names is not
// checked (the table has no foreign key to it): the entry outlives it.
func (s *Store) AddOwnerChange(ctx context.Context, ch *crm.OwnerChange) error {
	const op = "add owner change"
	if ch == nil || ch.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+ch.ID, err)
	}
	_, err := s.execWrite(ctx, insertOwnerChange, s.tenant(ctx), ch.ID, string(ch.Entity), ch.EntityID, ch.CustomerID,
		ch.From, ch.To, s.timeArg(ch.At), ch.By, ch.Reason)
	if err != nil {
		return s.fail(ctx, op+" "+ch.ID, err)
	}
	return nil
}

// The parts of the query of FindOwnerChanges. ownerChangesOwner holds
// for an entry whose From or To is one of the owners: each side can use
// the index of its column. ownerChangesCustomer keeps the entries of ""
// in CustomerIDs out: they belong to no customer (a lead not converted).
const (
	ownerChangesSelect   = `SELECT ` + ownerChangeColumns + ` FROM owner_changes oc`
	ownerChangesAfter    = `oc.id > ?`
	ownerChangesCustomer = `oc.customer_id <> ''`
	ownerChangesOrder    = ` ORDER BY oc.id LIMIT ?`
)

// FindOwnerChanges returns one page of the entries f selects, in
// ascending ID order, and the cursor of the next page ("" after the
// last), with the limits of [Store.FindCustomers], in one query; its
// meaning is [crm.OwnerChangeFilter.Match]'s, but for "" in CustomerIDs,
// which matches nothing.
func (s *Store) FindOwnerChanges(ctx context.Context, f crm.OwnerChangeFilter) ([]*crm.OwnerChange, crm.Cursor, error) {
	query := func(n int) (string, []any) {
		var w where
		w.add(`oc.tenant_id = ?`, s.tenant(ctx))
		if f.After != "" {
			w.add(ownerChangesAfter, string(f.After))
		}
		whereIn(&w, "oc.entity", f.Entities)
		whereIn(&w, "oc.entity_id", f.EntityIDs)
		if len(f.CustomerIDs) > 0 {
			whereIn(&w, "oc.customer_id", f.CustomerIDs)
			w.add(ownerChangesCustomer)
		}
		if len(f.Owners) > 0 {
			in := inList(len(f.Owners))
			owners := anys(f.Owners)
			w.add("(oc.from_owner IN "+in+" OR oc.to_owner IN "+in+")", append(owners, owners...)...)
		}
		s.whereAtRange(&w, "oc.changed_at", f.From, f.Before)
		return ownerChangesSelect + w.String() + ownerChangesOrder, append(w.args, n)
	}
	return findPage(ctx, s, "find owner changes", f.Limit, query, s.scanOwnerChange, func(ch *crm.OwnerChange) string { return ch.ID })
}

const moveOwnerChanges = `UPDATE owner_changes SET customer_id = ? WHERE customer_id = ? AND tenant_id = ?`

// MoveOwnerChanges sets CustomerID to toID on every entry of customer
// fromID, and returns how many it moved, in one statement; nothing else
// about the entries changes, and toID is not checked. The entries of ""
// belong to no customer: fromID "" moves none.
func (s *Store) MoveOwnerChanges(ctx context.Context, fromID, toID string) (int, error) {
	op := fmt.Sprintf("move owner changes %s to %s", fromID, toID)
	if err := s.begin(ctx); err != nil {
		return 0, s.fail(ctx, op, err)
	}
	if fromID == "" {
		return 0, nil
	}
	res, err := s.execWrite(ctx, moveOwnerChanges, toID, fromID, s.tenant(ctx))
	if err != nil {
		return 0, s.fail(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.fail(ctx, op, err)
	}
	return int(n), nil
}
