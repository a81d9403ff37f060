package crm

import (
	"slices"
	"strings"
	"time"
)

// This file holds the rules of tasks, the follow-ups of an account
// manager's plan. The Client's side, agendas included, is in
// taskservice.go; care plans, which make tasks, are in care.go.

// TaskKind says what a task asks for.
type TaskKind string

// Task kinds.
const (
	TaskCall     TaskKind = "call"
	TaskEmail    TaskKind = "email"
	TaskMeeting  TaskKind = "meeting"
	TaskVisit    TaskKind = "visit"
	TaskFollowUp TaskKind = "follow-up"
	// TaskGreeting: a birthday or anniversary greeting.
	TaskGreeting TaskKind = "greeting"
	// TaskRevisit: a periodic revisit of a customer.
	TaskRevisit TaskKind = "revisit"
	TaskToDo    TaskKind = "todo"
)

// Valid reports whether k is one of the task kinds.
func (k TaskKind) Valid() bool {
	switch k {
	case TaskCall, TaskEmail, TaskMeeting, TaskVisit, TaskFollowUp, TaskGreeting, TaskRevisit, TaskToDo:
		return true
	}
	return false
}

// TaskStatus is where a task stands: open until done or cancelled.
type TaskStatus string

// Task statuses.
const (
	TaskOpen      TaskStatus = "open"
	TaskDone      TaskStatus = "done"
	TaskCancelled TaskStatus = "cancelled"
)

// Valid reports whether s is one of the task statuses.
func (s TaskStatus) Valid() bool { return s == TaskOpen || s == TaskDone || s == TaskCancelled }

// Task is a follow-up someone on the staff is to do for a customer by a
// due time.
type Task struct {
	// ID is set by the Client when the task is created.
	ID string
	// CustomerID is the customer the task is for; required.
	CustomerID string
	// ContactID, OpportunityID and CaseID link the task to a contact,
	// deal or case of the customer, if any.
	ContactID     string
	OpportunityID string
	CaseID        string
	Kind          TaskKind
	// Title says what to do; required.
	Title string
	Notes string
	// OwnerID is who is to do it: the customer's owner, or the acting
	// user, if empty.
	OwnerID string
	// Priority is normal unless set.
	Priority Priority
	// Status is open when the task is created; it moves with
	// [Client.CompleteTask] and [Client.CancelTask].
	Status TaskStatus
	// Due is when the task is to be done by; required.
	Due time.Time
	// DoneAt is when it was done or cancelled; zero while open.
	DoneAt time.Time
	// Source, if not empty, identifies what made the task, such as
	// "care:birthday:<customer>:2026-03-14": a store keeps it unique, so
	// whatever makes tasks from a source makes each one once.
	Source string

	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	// Version counts the writes to the record.
	Version int64
}

// Clone returns a copy of t.
func (t *Task) Clone() *Task {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// Overdue reports whether t is open and its due time is before at.
func (t *Task) Overdue(at time.Time) bool { return t.Status == TaskOpen && t.Due.Before(at) }

// OnTime reports whether t was done at or before its due time.
func (t *Task) OnTime() bool { return t.Status == TaskDone && !t.DoneAt.After(t.Due) }

// Limits on the text of a task, in bytes.
const (
	maxTaskTitleLen = 200
	maxTaskNotesLen = 10000
)

// normalizeTask trims the fields of t and lower-cases its codes.
func normalizeTask(t *Task) {
	t.CustomerID = strings.TrimSpace(t.CustomerID)
	t.ContactID = strings.TrimSpace(t.ContactID)
	t.OpportunityID = strings.TrimSpace(t.OpportunityID)
	t.CaseID = strings.TrimSpace(t.CaseID)
	t.Title = strings.TrimSpace(t.Title)
	t.Notes = strings.TrimSpace(t.Notes)
	t.OwnerID = strings.TrimSpace(t.OwnerID)
	t.Source = strings.TrimSpace(t.Source)
	t.Kind = TaskKind(strings.ToLower(strings.TrimSpace(string(t.Kind))))
	t.Priority = Priority(strings.ToLower(strings.TrimSpace(string(t.Priority))))
	t.Due = Timestamp(t.Due)
}

// checkTask records in verr the problems of the fields a caller sets.
func checkTask(t *Task, verr *ValidationError) {
	if t.CustomerID == "" {
		verr.add("customer_id", "required")
	}
	switch {
	case t.Kind == "":
		verr.add("kind", "required")
	case !t.Kind.Valid():
		verr.add("kind", "unknown kind %q", t.Kind)
	}
	if !t.Priority.Valid() {
		verr.add("priority", "unknown priority %q", t.Priority)
	}
	checkText(verr, "title", t.Title, maxTaskTitleLen, true)
	checkText(verr, "notes", t.Notes, maxTaskNotesLen, false)
	checkText(verr, "owner_id", t.OwnerID, maxIDLen, false)
	checkText(verr, "source", t.Source, maxSourceLen, false)
	if t.Due.IsZero() {
		verr.add("due", "required")
	}
}

// TaskFilter selects tasks. Each non-zero field narrows the selection; a
// slice matches any of its values.
type TaskFilter struct {
	// CustomerIDs matches the tasks for these customers.
	CustomerIDs []string
	// Owners matches tasks whose OwnerID is one of these.
	Owners   []string
	Kinds    []TaskKind
	Statuses []TaskStatus
	// Sources matches tasks whose Source is one of these; "" in the list
	// matches nothing.
	Sources []string
	// DueFrom and DueBefore match tasks whose Due is at or after DueFrom
	// and before DueBefore.
	DueFrom, DueBefore time.Time
	// DoneFrom and DoneBefore match tasks whose DoneAt is at or after
	// DoneFrom and before DoneBefore; an open task matches neither bound.
	DoneFrom, DoneBefore time.Time

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// Match reports whether f selects t (paging fields are ignored): the
// reference a Store's query must agree with.
func (f *TaskFilter) Match(t *Task) bool {
	inRange := func(v, from, before time.Time) bool {
		return (from.IsZero() || !v.IsZero() && !v.Before(from)) && (before.IsZero() || !v.IsZero() && v.Before(before))
	}
	switch {
	case len(f.CustomerIDs) > 0 && !slices.Contains(f.CustomerIDs, t.CustomerID),
		len(f.Owners) > 0 && !slices.Contains(f.Owners, t.OwnerID),
		len(f.Kinds) > 0 && !slices.Contains(f.Kinds, t.Kind),
		len(f.Statuses) > 0 && !slices.Contains(f.Statuses, t.Status),
		len(f.Sources) > 0 && (t.Source == "" || !slices.Contains(f.Sources, t.Source)),
		!inRange(t.Due, f.DueFrom, f.DueBefore),
		!inRange(t.DoneAt, f.DoneFrom, f.DoneBefore):
		return false
	}
	return true
}
