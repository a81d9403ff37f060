package crm

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Service cases: a customer's complaints, requests and inquiries, worked
// through a status workflow against two service-level clocks. The pure
// rules — the workflow ([TransitionCase], [Case.Respond]) and the clocks
// ([CaseClocks]) — come first; the Client's methods are in
// caseservice.go.

// CaseKind says what a customer raised.
type CaseKind string

// Case kinds.
const (
	CaseComplaint CaseKind = "complaint"
	CaseRequest   CaseKind = "request"
	CaseInquiry   CaseKind = "inquiry"
)

// Valid reports whether k is one of the case kinds.
func (k CaseKind) Valid() bool {
	switch k {
	case CaseComplaint, CaseRequest, CaseInquiry:
		return true
	}
	return false
}

// CasePriority says how urgent a case is; it chooses the case's
// [CaseSLA].
type CasePriority = Priority

// Priority is how urgent a case or a task is.
type Priority string

// Priorities, from the least to the most urgent.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Valid reports whether p is one of the priorities.
func (p Priority) Valid() bool {
	switch p {
	case PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent:
		return true
	}
	return false
}

// CaseStatus is where a case stands in its workflow; see
// [TransitionCase].
type CaseStatus string

// Case statuses.
const (
	// CaseNew is a case raised and not yet taken up.
	CaseNew CaseStatus = "new"
	// CaseOpen is a case being worked on.
	CaseOpen CaseStatus = "open"
	// CaseWaiting is a case waiting on the customer: its resolution
	// clock is paused.
	CaseWaiting CaseStatus = "waiting_on_customer"
	// CaseResolved is a case the service considers solved; the customer
	// may still disagree, which reopens it.
	CaseResolved CaseStatus = "resolved"
	// CaseClosed is a case done for good.
	CaseClosed CaseStatus = "closed"
	// CaseReopened is a resolved case the customer came back on, worked
	// on again.
	CaseReopened CaseStatus = "reopened"
)

// Valid reports whether s is one of the case statuses.
func (s CaseStatus) Valid() bool {
	switch s {
	case CaseNew, CaseOpen, CaseWaiting, CaseResolved, CaseClosed, CaseReopened:
		return true
	}
	return false
}

// caseMoves lists the statuses each status may move to.
var caseMoves = map[CaseStatus][]CaseStatus{
	CaseNew:      {CaseOpen, CaseWaiting, CaseResolved},
	CaseOpen:     {CaseWaiting, CaseResolved},
	CaseWaiting:  {CaseOpen, CaseResolved},
	CaseReopened: {CaseOpen, CaseWaiting, CaseResolved},
	CaseResolved: {CaseClosed, CaseReopened},
}

// Case is a customer's complaint, request or inquiry, worked by its owner
// through the statuses of [TransitionCase]. Besides its workflow, a case
// keeps the facts its service level is measured by, in fields of their
// own, so that reports need not replay histories: when it was opened,
// first responded to, resolved and closed, the business time each of its
// two clocks had counted then, and when each clock breaches.
type Case struct {
	// ID is set by the Client when the case is created.
	ID string
	// CustomerID is the customer who raised the case; required.
	CustomerID string
	// ContactID is the contact person at the customer, if any: a contact
	// of that customer.
	ContactID string
	// Kind is complaint, request or inquiry; required.
	Kind CaseKind
	// Priority chooses the case's service level; normal if not given.
	Priority CasePriority
	// Status is set by the Client: new on creation, then as
	// [TransitionCase] moves it.
	Status CaseStatus
	// Subject is required, such as "Invoice 4711 charged twice".
	Subject string
	// Description is the customer's account, if any.
	Description string
	// OwnerID is the actor ID of whoever works the case: when not given,
	// the customer's owner, or failing one the acting user.
	OwnerID string
	// Channel is how the case came in, such as "email" or "phone".
	Channel string
	// Source, if not empty, names what raised the case, such as
	// "response:0192…" for a survey response: at most one case of a
	// customer has a given Source, so that creating a case for it is
	// idempotent ([CaseExistsError]).
	Source string

	// OpenedAt is when the case was raised, where both clocks start: the
	// time of creation unless given (not in the future).
	OpenedAt time.Time
	// StatusChangedAt is when the case entered its status.
	StatusChangedAt time.Time
	// FirstRespondedAt is when the customer first heard back; zero until
	// then. [Case.Respond] sets it, and so does the first move to
	// waiting on the customer or to resolved.
	FirstRespondedAt time.Time
	// ResolvedAt is when the case was last resolved; zero while it is
	// not resolved (a reopen clears it). ClosedAt is when it was closed.
	ResolvedAt time.Time
	ClosedAt   time.Time
	// Reopened counts the times the case was reopened.
	Reopened int

	// FirstResponseTime is the business time the first-response clock
	// had counted at the first response; ResolutionTime the business
	// time the resolution clock had counted at the last resolution
	// (zero while not resolved). Both are kept by the Client, on the
	// calendar of the case's policy (elapsed time without one).
	FirstResponseTime time.Duration
	ResolutionTime    time.Duration
	// FirstResponseDue and ResolutionDue are the instants the clocks
	// breach their targets, as of the case's last write: while a clock
	// runs, when it will breach if nothing changes; once breached, the
	// exact breach time, for good; zero when the clock cannot breach as
	// things stand (met, paused before the target, or no target). A
	// clock is breached as of t exactly when its due is set and not
	// after t ([Case.Breached]). Kept by the Client from the policy of
	// the case's priority when it last changed the case.
	FirstResponseDue time.Time
	ResolutionDue    time.Time

	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	// Version counts the writes to the record; updates must name the
	// version they read.
	Version int64
}

// Clone returns a copy of c.
func (c *Case) Clone() *Case {
	if c == nil {
		return nil
	}
	out := *c
	return &out
}

// Breached reports, from the stored due times, whether the first-response
// and the resolution clocks of c are breached as of at.
func (c *Case) Breached(at time.Time) (firstResponse, resolution bool) {
	due := func(t time.Time) bool { return !t.IsZero() && !t.After(at) }
	return due(c.FirstResponseDue), due(c.ResolutionDue)
}

// TransitionCase moves c to the status to at time at. The workflow is:
//
//	new                 → open, waiting_on_customer, resolved
//	open                → waiting_on_customer, resolved
//	waiting_on_customer → open, resolved
//	reopened            → open, waiting_on_customer, resolved
//	resolved            → closed, reopened
//
// A closed case moves no further: a customer who comes back after it
// raises a new one. Moving to the status c is in changes nothing. On a
// move c gets StatusChangedAt at; a move to waiting on the customer or
// to resolved is a response, and sets FirstRespondedAt if it is zero; a
// move to resolved sets ResolvedAt, to closed ClosedAt; a reopen clears
// ResolvedAt and ResolutionTime and counts in Reopened.
//
// It refuses, changing nothing: an unknown status or a zero time, or a
// time before c entered its status (a [*ValidationError] naming "status"
// or "at"), and a move not in the table ([ErrTransition]).
func TransitionCase(c *Case, to CaseStatus, at time.Time) error {
	at = Timestamp(at)
	verr := &ValidationError{Entity: "case move"}
	if !to.Valid() {
		verr.add("status", "unknown status %q", to)
	}
	checkCaseTime(c, at, verr)
	if err := verr.err(); err != nil {
		return err
	}
	if to == c.Status {
		return nil
	}
	if !slices.Contains(caseMoves[c.Status], to) {
		return fmt.Errorf("crm: case %s: %s → %s: %w", c.ID, c.Status, to, ErrTransition)
	}
	c.Status, c.StatusChangedAt = to, at
	switch to {
	case CaseWaiting:
		c.respond(at)
	case CaseResolved:
		c.respond(at)
		c.ResolvedAt = at
	case CaseClosed:
		c.ClosedAt = at
	case CaseReopened:
		c.ResolvedAt, c.ResolutionTime = time.Time{}, 0
		c.Reopened++
	}
	return nil
}

// Respond records at time at that the customer heard back on c: the
// first response sets FirstRespondedAt, and takes a new case to open;
// later responses change nothing. It refuses a zero time, or one before
// c entered its status (a [*ValidationError] naming "at"), and a
// response to a closed case ([ErrTransition]); it then changes nothing.
func (c *Case) Respond(at time.Time) error {
	at = Timestamp(at)
	verr := &ValidationError{Entity: "case response"}
	checkCaseTime(c, at, verr)
	if err := verr.err(); err != nil {
		return err
	}
	if c.Status == CaseClosed {
		return fmt.Errorf("crm: case %s is closed: %w", c.ID, ErrTransition)
	}
	c.respond(at)
	if c.Status == CaseNew {
		c.Status, c.StatusChangedAt = CaseOpen, at
	}
	return nil
}

// respond sets FirstRespondedAt to at if it is zero.
func (c *Case) respond(at time.Time) {
	if c.FirstRespondedAt.IsZero() {
		c.FirstRespondedAt = at
	}
}

// checkCaseTime records in verr a zero time at, or one before c entered
// its status.
func checkCaseTime(c *Case, at time.Time, verr *ValidationError) {
	switch {
	case at.IsZero():
		verr.add("at", "required")
	case at.Before(c.StatusChangedAt):
		verr.add("at", "%s is before the case entered status %q at %s", at.Format(time.RFC3339), c.Status, c.StatusChangedAt.Format(time.RFC3339))
	}
}

// CaseChange is one entry of a case's history, written with its creation
// and every change of its status, priority or owner, and with its first
// response: the case's values right after the change. A case's history,
// in Version order, is what its clocks are rebuilt from ([CaseClocks]).
type CaseChange struct {
	CaseID string
	// Version is the case's version the change made. Versions increase
	// but may skip: a merge re-pointing the case to another customer
	// writes no entry.
	Version int64
	// At and By are when and by whom.
	At time.Time
	By string
	// FromStatus and ToStatus are the statuses before and after; equal
	// when the status did not change, FromStatus "" when the case was
	// created.
	FromStatus CaseStatus
	ToStatus   CaseStatus
	// The case's priority and owner after the change.
	Priority CasePriority
	OwnerID  string
	// Responded reports that the change recorded the case's first
	// response.
	Responded bool
}

// caseChangeOf returns the history entry of a write that turned before
// (nil when the case is new) into after, and whether the write needs
// one.
func caseChangeOf(before, after *Case) (CaseChange, bool) {
	ch := CaseChange{
		CaseID: after.ID, Version: after.Version, At: after.UpdatedAt, By: after.UpdatedBy,
		ToStatus: after.Status, Priority: after.Priority, OwnerID: after.OwnerID,
		Responded: !after.FirstRespondedAt.IsZero(),
	}
	if before == nil {
		return ch, true
	}
	ch.FromStatus = before.Status
	ch.Responded = before.FirstRespondedAt.IsZero() && !after.FirstRespondedAt.IsZero()
	due := before.Status != after.Status || before.Priority != after.Priority || before.OwnerID != after.OwnerID || ch.Responded
	return ch, due
}

// CaseSLA is the service level of the cases of one priority: a target
// for the first response and one for the resolution, each with its
// calendar (business hours, holidays and time zone) and warning
// threshold. A policy with a zero Target sets no target for its clock,
// which then only measures, on its calendar (elapsed time if it has
// none).
type CaseSLA struct {
	FirstResponse SLAPolicy
	Resolution    SLAPolicy
}

// CaseSLAState is a case's two clocks as of an instant.
type CaseSLAState struct {
	FirstResponse SLAState
	Resolution    SLAState
}

// noTarget stands in for the target of a clock that has none: longer
// than any case runs, short enough that adding it to a time cannot
// overflow.
const noTarget = 100 * 365 * 24 * time.Hour

// CaseClocks returns the two clocks of c, a case with history, its
// entries in Version order, under sla:
//
//   - the first-response clock starts at OpenedAt and stops at
//     FirstRespondedAt;
//   - the resolution clock starts at OpenedAt, pauses while the case
//     waits on the customer or is resolved, resumes when the case is
//     open again or reopened (so a reopened case continues its clock
//     where its resolution stopped it), and stops when it is closed.
//
// Both clocks measure the whole case under the policy of its current
// priority, as if it had always had it. A policy with a zero Target
// measures against a target no case reaches. It fails with a
// [*ValidationError] when a policy is invalid ([NewSLAClock]) or the
// history does not fit the case (a change before OpenedAt, changes out
// of order).
func CaseClocks(c *Case, history []CaseChange, sla CaseSLA) (firstResponse, resolution *SLAClock, err error) {
	first := []SLAEvent{{At: c.OpenedAt, Kind: SLAStart}}
	if !c.FirstRespondedAt.IsZero() {
		first = append(first, SLAEvent{At: c.FirstRespondedAt, Kind: SLAStop})
	}
	res := []SLAEvent{{At: c.OpenedAt, Kind: SLAStart}}
	running := true
	for _, ch := range history {
		if ch.FromStatus == "" || ch.FromStatus == ch.ToStatus {
			continue
		}
		switch ch.ToStatus {
		case CaseWaiting, CaseResolved:
			if running {
				res, running = append(res, SLAEvent{At: ch.At, Kind: SLAPause}), false
			}
		case CaseClosed:
			res = append(res, SLAEvent{At: ch.At, Kind: SLAStop})
		default:
			if !running {
				res, running = append(res, SLAEvent{At: ch.At, Kind: SLAResume}), true
			}
		}
	}
	if firstResponse, err = NewSLAClock(measured(sla.FirstResponse), first...); err != nil {
		return nil, nil, err
	}
	if resolution, err = NewSLAClock(measured(sla.Resolution), res...); err != nil {
		return nil, nil, err
	}
	return firstResponse, resolution, nil
}

// measured returns p, or for a policy with no target one that only
// measures: the target no case reaches, no warning, on p's calendar or
// the always-open one.
func measured(p SLAPolicy) SLAPolicy {
	if p.Target != 0 {
		return p
	}
	if p.Calendar == nil {
		p.Calendar = AlwaysOpen()
	}
	return SLAPolicy{Calendar: p.Calendar, Target: noTarget}
}

// caseState returns the state of clock as of at under policy: as
// [SLAClock.State] says, with no Remaining and no Due for a policy with
// no target.
func caseState(clock *SLAClock, policy SLAPolicy, at time.Time) SLAState {
	st := clock.State(at)
	if policy.Target == 0 {
		st.Remaining, st.Due = 0, time.Time{}
	}
	return st
}

// Limits on the text of a case, in bytes; maxChannelLen bounds a
// response's channel too.
const (
	maxSubjectLen     = 200
	maxDescriptionLen = 10000
	maxChannelLen     = 64
	maxSourceLen      = 200
)

// normalizeCase trims the text of c.
func normalizeCase(c *Case) {
	c.CustomerID = strings.TrimSpace(c.CustomerID)
	c.ContactID = strings.TrimSpace(c.ContactID)
	c.Subject = strings.TrimSpace(c.Subject)
	c.Description = strings.TrimSpace(c.Description)
	c.OwnerID = strings.TrimSpace(c.OwnerID)
	c.Channel = strings.ToLower(strings.TrimSpace(c.Channel))
	c.Source = strings.TrimSpace(c.Source)
	c.Kind = CaseKind(strings.ToLower(strings.TrimSpace(string(c.Kind))))
	c.Priority = CasePriority(strings.ToLower(strings.TrimSpace(string(c.Priority))))
}

// checkCase records in verr the problems of the fields a caller sets.
func checkCase(c *Case, verr *ValidationError) {
	checkText(verr, "subject", c.Subject, maxSubjectLen, true)
	checkText(verr, "description", c.Description, maxDescriptionLen, false)
	checkText(verr, "channel", c.Channel, maxChannelLen, false)
	checkText(verr, "source", c.Source, maxSourceLen, false)
	switch {
	case c.Kind == "":
		verr.add("kind", "required")
	case !c.Kind.Valid():
		verr.add("kind", "unknown kind %q", c.Kind)
	}
	if !c.Priority.Valid() {
		verr.add("priority", "unknown priority %q", c.Priority)
	}
}
