package crm

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"time"
)

// This file holds the Client's side of tasks: creating, updating,
// completing and cancelling them, and the agendas of an owner's day,
// week and month.

// CreateTask validates in and stores it as a new open task with a fresh
// ID, Version 1 and the time and actor of creation. Its kind is a
// follow-up and its priority normal unless given; its owner is in.OwnerID,
// or failing that the customer's owner, or failing that the acting user.
// It leaves in untouched and returns the stored task.
//
// Errors: a [*ValidationError] naming every bad field (no customer,
// title or due time, an unknown kind or priority, a status other than
// open, a contact, deal or case of another customer, no owner to be
// found); an error matching [ErrDuplicate] if another task has
// in.Source; [ErrNotFound] for a missing customer, contact, deal or
// case; [ErrTransition] for an archived or merged customer. On any error
// nothing is stored.
func (c *Client) CreateTask(ctx context.Context, in *Task) (*Task, error) {
	var out *Task
	err := c.store.RunInTx(ctx, func(tx Store) error {
		var err error
		out, err = c.createTask(ctx, tx, in, c.now())
		return err
	})
	if err != nil {
		return nil, wrapUnlessTyped("create task", err)
	}
	return out, nil
}

// createTask is CreateTask inside the transaction tx.
func (c *Client) createTask(ctx context.Context, tx Store, in *Task, now time.Time) (*Task, error) {
	if in == nil {
		return nil, required("task", "task")
	}
	by := actorID(ctx)
	t := in.Clone()
	normalizeTask(t)
	t.Kind = cmp.Or(t.Kind, TaskFollowUp)
	t.Priority = cmp.Or(t.Priority, PriorityNormal)
	verr := &ValidationError{Entity: "task"}
	if t.Status != "" && t.Status != TaskOpen {
		verr.add("status", "a new task is open, not %q", t.Status)
	}
	if !t.DoneAt.IsZero() {
		verr.add("done_at", "set by CompleteTask and CancelTask")
	}
	checkTask(t, verr)
	if err := verr.err(); err != nil {
		return nil, err
	}
	cust, err := loadParent(ctx, tx, t.CustomerID)
	if err != nil {
		return nil, err
	}
	t.OwnerID = cmp.Or(t.OwnerID, cust.OwnerID, by)
	if t.OwnerID == "" {
		return nil, &ValidationError{Entity: "task", Fields: []FieldError{{Field: "owner_id", Reason: "required: the customer has no owner and there is no acting user"}}}
	}
	if err := checkLinks(ctx, tx, &Interaction{CustomerID: t.CustomerID, ContactID: t.ContactID, OpportunityID: t.OpportunityID, CaseID: t.CaseID}); err != nil {
		return nil, err
	}
	t.ID = c.ids.NewID()
	t.Status = TaskOpen
	t.CreatedAt, t.CreatedBy = now, by
	t.UpdatedAt, t.UpdatedBy = now, by
	t.Version = 1
	if err := tx.CreateTask(ctx, t); err != nil {
		return nil, err
	}
	return t.Clone(), nil
}

// GetTask returns the task with id, or an error matching [ErrNotFound].
func (c *Client) GetTask(ctx context.Context, id string) (*Task, error) {
	t, err := c.store.FindTaskByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("crm: get task %s: %w", id, err)
	}
	return t, nil
}

// ListTasks returns one page of the tasks f selects, in ID order, and
// the cursor for the next page ("" after the last).
func (c *Client) ListTasks(ctx context.Context, f TaskFilter) ([]*Task, Cursor, error) {
	return listPage(ctx, "task filter", "list tasks", f, f.Limit, c.store.FindTasks)
}

// Tasks iterates over every task f selects, fetching page by page. An
// error ends the iteration after being yielded.
func (c *Client) Tasks(ctx context.Context, f TaskFilter) iter.Seq2[*Task, error] {
	return pages(ctx, f, c.ListTasks, func(f *TaskFilter, next Cursor) { f.After = next })
}

// TaskUpdate is a patch of a task: nil fields are left as they are. The
// status moves only with [Client.CompleteTask] and [Client.CancelTask].
type TaskUpdate struct {
	Kind          *TaskKind
	Title         *string
	Notes         *string
	OwnerID       *string
	Priority      *Priority
	Due           *time.Time
	ContactID     *string
	OpportunityID *string
	CaseID        *string
}

// UpdateTask applies the patch u to the open task id, provided its
// stored version is still version, and returns the updated task. Errors:
// a [*ValidationError] for bad values, [ErrTransition] for a task done or
// cancelled, [ErrConflict] for a stale version, [ErrNotFound] for a
// missing task, contact, deal or case; on any error nothing changes.
func (c *Client) UpdateTask(ctx context.Context, id string, version int64, u TaskUpdate) (*Task, error) {
	return c.modifyTask(ctx, id, version, "update", func(tx Store, t *Task, _ time.Time) error {
		if t.Status != TaskOpen {
			return fmt.Errorf("task %s is %s: %w", t.ID, t.Status, ErrTransition)
		}
		set(&t.Kind, u.Kind)
		set(&t.Title, u.Title)
		set(&t.Notes, u.Notes)
		set(&t.OwnerID, u.OwnerID)
		set(&t.Priority, u.Priority)
		set(&t.Due, u.Due)
		set(&t.ContactID, u.ContactID)
		set(&t.OpportunityID, u.OpportunityID)
		set(&t.CaseID, u.CaseID)
		normalizeTask(t)
		verr := &ValidationError{Entity: "task"}
		checkTask(t, verr)
		if t.OwnerID == "" {
			verr.add("owner_id", "required")
		}
		if err := verr.err(); err != nil {
			return err
		}
		return checkLinks(ctx, tx, &Interaction{CustomerID: t.CustomerID, ContactID: t.ContactID, OpportunityID: t.OpportunityID, CaseID: t.CaseID})
	})
}

// CompleteTask marks the open task id done now, provided its stored
// version is still version. Errors: [ErrTransition] for a task done or
// cancelled already, [ErrConflict] for a stale version, [ErrNotFound] for
// a missing task.
func (c *Client) CompleteTask(ctx context.Context, id string, version int64) (*Task, error) {
	return c.closeTask(ctx, id, version, "complete", TaskDone)
}

// CancelTask marks the open task id cancelled now, provided its stored
// version is still version, with the errors of [Client.CompleteTask].
func (c *Client) CancelTask(ctx context.Context, id string, version int64) (*Task, error) {
	return c.closeTask(ctx, id, version, "cancel", TaskCancelled)
}

func (c *Client) closeTask(ctx context.Context, id string, version int64, op string, to TaskStatus) (*Task, error) {
	return c.modifyTask(ctx, id, version, op, func(_ Store, t *Task, now time.Time) error {
		if t.Status != TaskOpen {
			return fmt.Errorf("task %s is %s already: %w", t.ID, t.Status, ErrTransition)
		}
		t.Status, t.DoneAt = to, now
		return nil
	})
}

// modifyTask loads the task id at version, lets change edit it and, if
// it changed, writes it back, all in one transaction.
func (c *Client) modifyTask(ctx context.Context, id string, version int64, op string, change func(tx Store, t *Task, now time.Time) error) (*Task, error) {
	now, by := c.now(), actorID(ctx)
	var out *Task
	err := c.store.RunInTx(ctx, func(tx Store) error {
		t, err := tx.FindTaskByID(ctx, id)
		if err != nil {
			return err
		}
		if t.Version != version {
			return fmt.Errorf("have version %d, stored %d: %w", version, t.Version, ErrConflict)
		}
		before := *t
		if err := change(tx, t, now); err != nil {
			return err
		}
		if *t == before {
			out = t
			return nil
		}
		t.UpdatedAt, t.UpdatedBy = now, by
		if err := tx.UpdateTask(ctx, t); err != nil {
			return err
		}
		out = t.Clone()
		return nil
	})
	if err != nil {
		return nil, wrapUnlessTyped(op+" task "+id, err)
	}
	return out, nil
}

// Span is the length of an agenda: a day, an ISO week (Monday to
// Sunday) or a calendar month.
type Span string

// Agenda spans.
const (
	SpanDay   Span = "day"
	SpanWeek  Span = "week"
	SpanMonth Span = "month"
)

// Bounds returns the span of s that holds t, as the instants [start,
// end) of its first and next midnights in t's location, or false for an
// unknown span.
func (s Span) Bounds(t time.Time) (start, end time.Time, ok bool) {
	y, m, d := t.Date()
	loc := t.Location()
	switch s {
	case SpanDay:
		start = time.Date(y, m, d, 0, 0, 0, 0, loc)
		end = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	case SpanWeek:
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		start = time.Date(y, m, d-back, 0, 0, 0, 0, loc)
		end = time.Date(y, m, d-back+7, 0, 0, 0, 0, loc)
	case SpanMonth:
		start = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		end = time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	default:
		return time.Time{}, time.Time{}, false
	}
	return start, end, true
}

// Agenda is an owner's plan for a day, a week or a month: what was due
// in it, what was done in it, and what is overdue.
type Agenda struct {
	OwnerID string
	Span    Span
	// Start and End bound the span: [Start, End), in the location asked
	// for.
	Start, End time.Time
	// Planned are the tasks due in the span, open or done (cancelled ones
	// are left out), by due time.
	Planned []*Task
	// Done are the tasks done in the span, whenever they were due, by
	// the time they were done.
	Done []*Task
	// Overdue are the tasks still open whose due time has passed before
	// the end of the span (or before now, if that is earlier), whenever
	// they were due, by due time: what carries over.
	Overdue []*Task
}

// OnTime counts the tasks of Done done by their due time.
func (a *Agenda) OnTime() int {
	n := 0
	for _, t := range a.Done {
		if t.OnTime() {
			n++
		}
	}
	return n
}

// Agenda returns the agenda of ownerID for the span that holds day, in
// day's location: the Day, the ISO Week or the Month. Errors: a
// [*ValidationError] for an empty owner or an unknown span.
func (c *Client) Agenda(ctx context.Context, ownerID string, span Span, day time.Time) (*Agenda, error) {
	start, end, ok := span.Bounds(day)
	verr := &ValidationError{Entity: "agenda"}
	if !ok {
		verr.add("span", "unknown span %q; want day, week or month", span)
	}
	if ownerID == "" {
		verr.add("owner_id", "required")
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	a := &Agenda{OwnerID: ownerID, Span: span, Start: start, End: end}
	owners := []string{ownerID}
	load := func(f TaskFilter) ([]*Task, error) {
		f.Owners, f.Limit = owners, MaxPageLimit
		var out []*Task
		for t, err := range c.Tasks(ctx, f) {
			if err != nil {
				return nil, fmt.Errorf("crm: agenda of %s: %w", ownerID, err)
			}
			out = append(out, t)
		}
		return out, nil
	}
	byDue := func(a, b *Task) int { return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.ID, b.ID)) }
	var err error
	if a.Planned, err = load(TaskFilter{Statuses: []TaskStatus{TaskOpen, TaskDone}, DueFrom: start, DueBefore: end}); err != nil {
		return nil, err
	}
	if a.Done, err = load(TaskFilter{Statuses: []TaskStatus{TaskDone}, DoneFrom: start, DoneBefore: end}); err != nil {
		return nil, err
	}
	cut := end
	if now := c.now(); now.Before(cut) {
		cut = now
	}
	if a.Overdue, err = load(TaskFilter{Statuses: []TaskStatus{TaskOpen}, DueBefore: cut}); err != nil {
		return nil, err
	}
	slices.SortFunc(a.Planned, byDue)
	slices.SortFunc(a.Overdue, byDue)
	slices.SortFunc(a.Done, func(a, b *Task) int { return cmp.Or(a.DoneAt.Compare(b.DoneAt), cmp.Compare(a.ID, b.ID)) })
	return a, nil
}

// taskKind moves tasks in a merge.
var taskKind = ChildKind{
	Name: "task",
	List: func(ctx context.Context, tx Store, customerID string) ([]string, error) {
		f := TaskFilter{CustomerIDs: []string{customerID}, Limit: MaxPageLimit}
		return childIDs(pages(ctx, f, tx.FindTasks, func(f *TaskFilter, c Cursor) { f.After = c }), func(t *Task) string { return t.ID })
	},
	Move: func(ctx context.Context, tx Store, fromID, toID string, at time.Time, by string) (int, error) {
		return tx.MoveTasks(ctx, fromID, toID, at, by)
	},
}
