package crm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"time"
)

// This file holds the Client's side of service cases: cases stored with
// their history and the SLA facts of their clocks. The rules are in
// case.go.

// CaseExistsError reports a case refused because its customer already
// has a case from the same Source: what makes creating a case for a
// source idempotent. It matches [ErrDuplicate] with [errors.Is].
type CaseExistsError struct {
	// Case is the case that exists.
	Case *Case
}

// Error names the case that exists.
func (e *CaseExistsError) Error() string {
	return fmt.Sprintf("crm: customer %s has case %s from source %q already", e.Case.CustomerID, e.Case.ID, e.Case.Source)
}

// Is reports whether target is [ErrDuplicate].
func (e *CaseExistsError) Is(target error) bool { return target == ErrDuplicate }

// checkCaseSLAs records in verr the problems of the service levels of
// [WithCaseSLA]: an unknown priority, or a policy with a target that
// [NewSLAClock] refuses.
func checkCaseSLAs(slas map[CasePriority]CaseSLA, verr *ValidationError) {
	for _, p := range slices.Sorted(maps.Keys(slas)) {
		field := fmt.Sprintf("case_sla[%s]", p)
		if !p.Valid() {
			verr.add(field, "unknown priority")
			continue
		}
		for _, clock := range []struct {
			name   string
			policy SLAPolicy
		}{{"first_response", slas[p].FirstResponse}, {"resolution", slas[p].Resolution}} {
			if clock.policy.Target == 0 {
				continue
			}
			if _, err := NewSLAClock(clock.policy); err != nil {
				for _, f := range err.(*ValidationError).Fields {
					verr.add(field+"."+clock.name+"."+f.Field, "%s", f.Reason)
				}
			}
		}
	}
}

// CreateCase validates in and stores it as a new case with a fresh ID,
// status new, Version 1, the time and actor of creation, and the first
// entry of its history. It is opened at in.OpenedAt, or now if that is
// zero, and its priority is normal unless given. Its owner is in.OwnerID,
// or failing that the customer's owner, or failing that the acting user.
// The SLA facts are set from the policy of its priority ([WithCaseSLA]).
// It leaves in untouched and returns the stored case.
//
// Errors: a [*ValidationError] naming every bad field (a missing subject,
// kind or customer, an unknown kind or priority, an opening time in the
// future, a contact of another customer); a [*CaseExistsError] if the
// customer has a case with in.Source already; [ErrNotFound] for a missing
// customer or contact; [ErrTransition] for an archived or merged
// customer. On any error nothing is stored.
func (c *Client) CreateCase(ctx context.Context, in *Case) (*Case, error) {
	now, by := c.now(), actorID(ctx)
	cs, err := prepareCase(in, now)
	if err != nil {
		return nil, err
	}
	var out *Case
	err = c.store.RunInTx(ctx, func(tx Store) error {
		out, err = c.createCase(ctx, tx, cs, now, by)
		return err
	})
	if err != nil {
		return nil, c.caseExists(ctx, cs, wrapUnlessTyped("create case", err))
	}
	return out, nil
}

// prepareCase returns a normalised copy of in, with its defaults (normal
// priority, opened now) filled in, or a [*ValidationError] naming every
// bad field it can judge without the store.
func prepareCase(in *Case, now time.Time) (*Case, error) {
	if in == nil {
		return nil, required("case", "case")
	}
	cs := in.Clone()
	normalizeCase(cs)
	if cs.Priority == "" {
		cs.Priority = PriorityNormal
	}
	cs.OpenedAt = Timestamp(cs.OpenedAt)
	if cs.OpenedAt.IsZero() {
		cs.OpenedAt = now
	}
	verr := &ValidationError{Entity: "case"}
	if cs.CustomerID == "" {
		verr.add("customer_id", "required")
	}
	checkCase(cs, verr)
	if cs.OpenedAt.After(now) {
		verr.add("opened_at", "%s is in the future", cs.OpenedAt.Format(time.RFC3339))
	}
	return cs, verr.err()
}

// createCase stores cs, prepared by prepareCase, as a new case inside the
// transaction tx, as CreateCase describes, and returns a copy of it.
func (c *Client) createCase(ctx context.Context, tx Store, cs *Case, now time.Time, by string) (*Case, error) {
	cust, err := loadParent(ctx, tx, cs.CustomerID)
	if err != nil {
		return nil, err
	}
	if err := checkContactOf(ctx, tx, "case", cs.ContactID, cs.CustomerID); err != nil {
		return nil, err
	}
	if existing, err := caseFromSource(ctx, tx, cs.CustomerID, cs.Source); err != nil || existing != nil {
		if existing != nil {
			return nil, &CaseExistsError{Case: existing}
		}
		return nil, err
	}
	var rule string
	if cs.OwnerID == "" {
		cs.OwnerID, rule = c.assign(AssignmentSubject{Entity: EntityCase, Region: cust.Region, Industry: cust.Industry, Country: cust.Address.Country})
	}
	if cs.OwnerID == "" {
		cs.OwnerID = cmp.Or(cust.OwnerID, by)
	}
	cs.ID = c.ids.NewID()
	cs.Status, cs.StatusChangedAt = CaseNew, cs.OpenedAt
	cs.FirstRespondedAt, cs.ResolvedAt, cs.ClosedAt, cs.Reopened = time.Time{}, time.Time{}, time.Time{}, 0
	cs.CreatedAt, cs.CreatedBy = now, by
	cs.UpdatedAt, cs.UpdatedBy = now, by
	cs.Version = 1
	ch, _ := caseChangeOf(nil, cs)
	if err := c.caseFacts(cs, []CaseChange{ch}, now); err != nil {
		return nil, err
	}
	if err := tx.CreateCase(ctx, cs); err != nil {
		return nil, err
	}
	if err := tx.AddCaseChange(ctx, &ch); err != nil {
		return nil, err
	}
	if rule != "" {
		if err := c.recordOwnerChange(ctx, tx, EntityCase, cs.ID, cs.CustomerID, "", cs.OwnerID, now, by, rule); err != nil {
			return nil, err
		}
	}
	return cs.Clone(), nil
}

// caseExists returns err, the failure of a transaction that created cs,
// as a [*CaseExistsError] when a concurrent create from the same source
// won the race, so that the loser learns the winner's case.
func (c *Client) caseExists(ctx context.Context, cs *Case, err error) error {
	var exists *CaseExistsError
	if !errors.As(err, &exists) && errors.Is(err, ErrDuplicate) && cs.Source != "" {
		if existing, ferr := caseFromSource(ctx, c.store, cs.CustomerID, cs.Source); ferr == nil && existing != nil {
			return &CaseExistsError{Case: existing}
		}
	}
	return err
}

// caseFromSource returns the case of customerID with source, nil if it
// has none or source is "".
func caseFromSource(ctx context.Context, s Store, customerID, source string) (*Case, error) {
	if source == "" {
		return nil, nil
	}
	page, _, err := s.FindCases(ctx, CaseFilter{CustomerIDs: []string{customerID}, Sources: []string{source}, Limit: 1})
	if err != nil || len(page) == 0 {
		return nil, err
	}
	return page[0], nil
}

// caseFacts sets the SLA facts of cs — the business times measured at
// its first response and resolution, and the due times of its clocks as
// of now — from its history under the policy of its priority.
func (c *Client) caseFacts(cs *Case, history []CaseChange, now time.Time) error {
	sla := c.caseSLA[cs.Priority]
	first, res, err := CaseClocks(cs, history, sla)
	if err != nil {
		return err
	}
	cs.FirstResponseDue = caseState(first, sla.FirstResponse, now).Due
	cs.ResolutionDue = caseState(res, sla.Resolution, now).Due
	cs.FirstResponseTime, cs.ResolutionTime = 0, 0
	if !cs.FirstRespondedAt.IsZero() {
		cs.FirstResponseTime = first.State(cs.FirstRespondedAt).Elapsed
	}
	if !cs.ResolvedAt.IsZero() {
		cs.ResolutionTime = res.State(cs.ResolvedAt).Elapsed
	}
	return nil
}

// GetCase returns the case with id, or an error matching [ErrNotFound].
func (c *Client) GetCase(ctx context.Context, id string) (*Case, error) {
	cs, err := c.store.FindCaseByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("crm: get case %s: %w", id, err)
	}
	return cs, nil
}

// ListCases returns one page of the cases f selects, in ID order, and
// the cursor for the next page ("" after the last).
func (c *Client) ListCases(ctx context.Context, f CaseFilter) ([]*Case, Cursor, error) {
	if err := checkLimit("case filter", f.Limit); err != nil {
		return nil, "", err
	}
	page, next, err := c.store.FindCases(ctx, f)
	if err != nil {
		return nil, "", fmt.Errorf("crm: list cases: %w", err)
	}
	return page, next, nil
}

// Cases iterates over every case f selects, fetching page by page. An
// error ends the iteration after being yielded.
func (c *Client) Cases(ctx context.Context, f CaseFilter) iter.Seq2[*Case, error] {
	return pages(ctx, f, c.ListCases, func(f *CaseFilter, next Cursor) { f.After = next })
}

// BreachedCases iterates over the cases f selects one of whose clocks is
// breached as of at, by the due times stored with each case
// ([Case.Breached] tells which clock): the store selects them by their
// due times, without visiting the others. f.DueBefore is replaced; narrow
// with f's other fields, such as Statuses for the cases still being
// worked, or OpenedFrom and OpenedBefore for a period's breach rate. An
// error ends the iteration after being yielded.
func (c *Client) BreachedCases(ctx context.Context, at time.Time, f CaseFilter) iter.Seq2[*Case, error] {
	f.DueBefore = Timestamp(at).Add(time.Microsecond) // due at or before at
	return c.Cases(ctx, f)
}

// CaseUpdate is a patch of a case: nil fields are left as they are. The
// status changes only through [Client.SetCaseStatus] and
// [Client.RespondToCase].
type CaseUpdate struct {
	Subject     *string
	Description *string
	// Priority changes the case's service level: its clocks are measured
	// again, from its opening, under the new priority's policy.
	Priority  *CasePriority
	OwnerID   *string
	ContactID *string
	Channel   *string
}

// UpdateCase applies the patch u to the case id, provided its stored
// version is still version, and returns the updated case. A change of
// priority or owner adds an entry to its history. Errors: a
// [*ValidationError] for bad input, [ErrTransition] for a closed case,
// [ErrConflict] for a stale version, [ErrNotFound] for a missing case or
// contact; on any error nothing changes.
func (c *Client) UpdateCase(ctx context.Context, id string, version int64, u CaseUpdate) (*Case, error) {
	return c.modifyCase(ctx, id, version, "update", func(tx Store, cs *Case, _ time.Time) error {
		if cs.Status == CaseClosed {
			return fmt.Errorf("case %s is closed: %w", cs.ID, ErrTransition)
		}
		set(&cs.Subject, u.Subject)
		set(&cs.Description, u.Description)
		set(&cs.Priority, u.Priority)
		set(&cs.OwnerID, u.OwnerID)
		set(&cs.ContactID, u.ContactID)
		set(&cs.Channel, u.Channel)
		normalizeCase(cs)
		verr := &ValidationError{Entity: "case"}
		checkCase(cs, verr)
		if u.OwnerID != nil && cs.OwnerID == "" {
			verr.add("owner_id", "required")
		}
		if err := verr.err(); err != nil {
			return err
		}
		if u.ContactID != nil {
			return checkContactOf(ctx, tx, "case", cs.ContactID, cs.CustomerID)
		}
		return nil
	})
}

// SetCaseStatus moves the case id to the status to, as [TransitionCase]
// rules, provided its stored version is still version, records the move
// in its history and measures its clocks again. Moving a case to the
// status it is in changes nothing. Errors: as TransitionCase
// ([*ValidationError], [ErrTransition]), [ErrConflict] for a stale
// version, [ErrNotFound] for a missing case; on any error nothing
// changes.
func (c *Client) SetCaseStatus(ctx context.Context, id string, version int64, to CaseStatus) (*Case, error) {
	return c.modifyCase(ctx, id, version, "move", func(_ Store, cs *Case, now time.Time) error {
		return TransitionCase(cs, to, now)
	})
}

// RespondToCase records that the customer heard back on the case id, as
// [Case.Respond] rules, provided its stored version is still version: the
// first response stops the first-response clock and takes a new case to
// open, and is recorded in the history; later ones change nothing.
// Errors: [ErrTransition] for a closed case, [ErrConflict] for a stale
// version, [ErrNotFound] for a missing case; on any error nothing
// changes.
func (c *Client) RespondToCase(ctx context.Context, id string, version int64) (*Case, error) {
	return c.modifyCase(ctx, id, version, "respond to", func(_ Store, cs *Case, now time.Time) error {
		return cs.Respond(now)
	})
}

// modifyCase loads the case id at version, lets change edit it and, if it
// changed, writes it back with its SLA facts measured again and a
// history entry when one is due, all in one transaction.
func (c *Client) modifyCase(ctx context.Context, id string, version int64, op string, change func(tx Store, cs *Case, now time.Time) error) (*Case, error) {
	now, by := c.now(), actorID(ctx)
	var out *Case
	err := c.store.RunInTx(ctx, func(tx Store) error {
		cs, err := tx.FindCaseByID(ctx, id)
		if err != nil {
			return err
		}
		if cs.Version != version {
			return fmt.Errorf("have version %d, stored %d: %w", version, cs.Version, ErrConflict)
		}
		before := cs.Clone()
		if err := change(tx, cs, now); err != nil {
			return err
		}
		if *cs == *before {
			out = cs
			return nil
		}
		history, err := caseHistory(ctx, tx, id)
		if err != nil {
			return err
		}
		cs.UpdatedAt, cs.UpdatedBy = now, by
		cs.Version = before.Version + 1 // the version the write makes, for the entry
		ch, due := caseChangeOf(before, cs)
		if due {
			history = append(history, ch)
		}
		if err := c.caseFacts(cs, history, now); err != nil {
			return err
		}
		cs.Version = before.Version
		if err := tx.UpdateCase(ctx, cs); err != nil {
			return err
		}
		if err := c.recordOwnerChange(ctx, tx, EntityCase, id, cs.CustomerID, before.OwnerID, cs.OwnerID, now, by, ""); err != nil {
			return err
		}
		if due {
			if err := tx.AddCaseChange(ctx, &ch); err != nil {
				return err
			}
		}
		out = cs.Clone()
		return nil
	})
	if err != nil {
		return nil, wrapUnlessTyped(op+" case "+id, err)
	}
	return out, nil
}

// CaseHistory returns the history of the case id, in the order it
// happened: its creation, then every change of status, priority or owner
// and its first response. A missing case returns an error matching
// [ErrNotFound].
func (c *Client) CaseHistory(ctx context.Context, id string) ([]CaseChange, error) {
	if _, err := c.store.FindCaseByID(ctx, id); err != nil {
		return nil, fmt.Errorf("crm: case history %s: %w", id, err)
	}
	history, err := caseHistory(ctx, c.store, id)
	if err != nil {
		return nil, fmt.Errorf("crm: case history %s: %w", id, err)
	}
	return history, nil
}

// caseHistory reads the history of the case id from s.
func caseHistory(ctx context.Context, s Store, id string) ([]CaseChange, error) {
	var out []CaseChange
	f := CaseChangeFilter{CaseIDs: []string{id}, Limit: MaxPageLimit}
	for ch, err := range pages(ctx, f, s.FindCaseChanges, func(f *CaseChangeFilter, next Cursor) { f.After = next }) {
		if err != nil {
			return nil, err
		}
		out = append(out, *ch)
	}
	return out, nil
}

// CaseSLA returns the two clocks of the case id as of at (now if at is
// zero), rebuilt from its history under the policy of its current
// priority ([CaseClocks]): elapsed and remaining business time, the due
// and breach times, warnings. A clock whose policy has no target reports
// no Remaining and no Due. A missing case returns an error matching
// [ErrNotFound].
func (c *Client) CaseSLA(ctx context.Context, id string, at time.Time) (CaseSLAState, error) {
	if at.IsZero() {
		at = c.now()
	}
	cs, err := c.store.FindCaseByID(ctx, id)
	if err != nil {
		return CaseSLAState{}, fmt.Errorf("crm: case SLA %s: %w", id, err)
	}
	history, err := caseHistory(ctx, c.store, id)
	if err != nil {
		return CaseSLAState{}, fmt.Errorf("crm: case SLA %s: %w", id, err)
	}
	sla := c.caseSLA[cs.Priority]
	first, res, err := CaseClocks(cs, history, sla)
	if err != nil {
		return CaseSLAState{}, fmt.Errorf("crm: case SLA %s: %w", id, err)
	}
	return CaseSLAState{
		FirstResponse: caseState(first, sla.FirstResponse, at),
		Resolution:    caseState(res, sla.Resolution, at),
	}, nil
}

// caseKind moves cases in a merge.
var caseKind = ChildKind{
	Name: "case",
	List: func(ctx context.Context, tx Store, customerID string) ([]string, error) {
		f := CaseFilter{CustomerIDs: []string{customerID}, Limit: MaxPageLimit}
		return childIDs(pages(ctx, f, tx.FindCases, func(f *CaseFilter, c Cursor) { f.After = c }), func(cs *Case) string { return cs.ID })
	},
	Move: func(ctx context.Context, tx Store, fromID, toID string, at time.Time, by string) (int, error) {
		return tx.MoveCases(ctx, fromID, toID, at, by)
	},
}
