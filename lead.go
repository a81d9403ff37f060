package crm

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
)

// LeadStatus is where a lead stands in qualification. Changes follow
// [TransitionLead]; only [Client.ConvertLead] makes a lead converted.
type LeadStatus string

// Lead statuses. New, contacted and qualified leads are open.
const (
	// LeadNew: captured, nobody has spoken to the person yet.
	LeadNew LeadStatus = "new"
	// LeadContacted: a seller has reached the person.
	LeadContacted LeadStatus = "contacted"
	// LeadQualified: judged worth a deal (need, budget, authority, timing).
	LeadQualified LeadStatus = "qualified"
	// LeadDisqualified: judged not worth pursuing, for a recorded reason;
	// it may be revived.
	LeadDisqualified LeadStatus = "disqualified"
	// LeadConverted: turned into a customer, a contact and perhaps a deal.
	// Final.
	LeadConverted LeadStatus = "converted"
)

// Valid reports whether s is a known status.
func (s LeadStatus) Valid() bool {
	switch s {
	case LeadNew, LeadContacted, LeadQualified, LeadDisqualified, LeadConverted:
		return true
	}
	return false
}

// Open reports whether a lead in status s is still being worked: new,
// contacted or qualified.
func (s LeadStatus) Open() bool { return s == LeadNew || s == LeadContacted || s == LeadQualified }

// leadMoves is the table of status changes TransitionLead allows.
var leadMoves = map[LeadStatus][]LeadStatus{
	LeadNew:          {LeadContacted, LeadDisqualified},
	LeadContacted:    {LeadQualified, LeadDisqualified},
	LeadQualified:    {LeadDisqualified},
	LeadDisqualified: {LeadNew, LeadContacted},
	LeadConverted:    nil,
}

// LeadMoves returns the statuses a lead in status from may change to
// through [TransitionLead], in the table's order; nil for an unknown or
// final status.
//
//	new          → contacted, disqualified
//	contacted    → qualified, disqualified
//	qualified    → disqualified
//	disqualified → new, contacted (revived)
//	converted    → (final)
//
// Any open lead may also be converted, through [Client.ConvertLead] only.
func LeadMoves(from LeadStatus) []LeadStatus {
	return slices.Clone(leadMoves[from])
}

// TransitionLead checks a change of lead status against the table
// [LeadMoves] documents. Staying in a status is allowed, except for
// converted leads, which no change reaches or leaves. An unknown status
// returns an error matching [ErrInvalid]; a change not in the table, or to
// or from converted, returns one matching [ErrTransition] that says why.
func TransitionLead(from, to LeadStatus) error {
	if !from.Valid() {
		return fmt.Errorf("crm: lead status %q: unknown: %w", from, ErrInvalid)
	}
	if !to.Valid() {
		return fmt.Errorf("crm: lead status %q: unknown: %w", to, ErrInvalid)
	}
	switch {
	case from == LeadConverted:
		return fmt.Errorf("crm: lead %s → %s: a converted lead is final: %w", from, to, ErrTransition)
	case to == LeadConverted:
		return fmt.Errorf("crm: lead %s → %s: only ConvertLead converts a lead: %w", from, to, ErrTransition)
	case from == to || slices.Contains(leadMoves[from], to):
		return nil
	case from == LeadNew && to == LeadQualified:
		return fmt.Errorf("crm: lead %s → %s: contact the lead first: %w", from, to, ErrTransition)
	case from == LeadDisqualified:
		return fmt.Errorf("crm: lead %s → %s: revive it as new or contacted first: %w", from, to, ErrTransition)
	}
	return fmt.Errorf("crm: lead %s → %s: not allowed: %w", from, to, ErrTransition)
}

// Lead is a person, and usually the company they work for, who may buy
// but has not been qualified yet: a web form, a referral, a card from an
// event. Qualifying it ends in [Client.ConvertLead], which turns it into a
// customer, a contact and perhaps a deal, and records the links here.
type Lead struct {
	// ID is set by the Client when the lead is created.
	ID string
	// Name is the person's full name.
	Name string
	// Company is the organisation the person works for, if any; a lead
	// with a company converts into an organisation customer.
	Company string
	// Title is the person's job title, such as "Head of Sales".
	Title string
	// Email and Phone are normalised as a customer's are: a lower-case
	// address, an E.164 number completed with the Client's default region.
	Email string
	Phone string
	// Source says where the lead came from, such as "web", "referral" or
	// "event": free text, trimmed.
	Source string
	Status LeadStatus
	// OwnerID is the actor ID of the seller working the lead.
	OwnerID string
	// Score ranks leads for follow-up; see [LeadScoring].
	Score    int
	Industry string
	// Region is the sales region or territory, such as "north".
	Region string
	// Behaviours counts what the person has done, by kind: keys such as
	// "email_open", "pricing_page", "demo_request" (letters, digits and
	// underscores, starting with a letter) and counts above zero. Rule-based
	// scoring reads them; see [LeadRule].
	Behaviours map[string]int
	// DisqualifiedReason says why a disqualified lead was disqualified.
	DisqualifiedReason string

	// ConvertedAt is when the lead was converted, and CustomerID,
	// ContactID and OpportunityID what it was converted into (ContactID
	// and OpportunityID may stay empty).
	ConvertedAt   time.Time
	CustomerID    string
	ContactID     string
	OpportunityID string

	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	// Version counts the writes to the record; updates must name the
	// version they read.
	Version int64
}

// Clone returns a deep copy of l that shares no map with it.
func (l *Lead) Clone() *Lead {
	if l == nil {
		return nil
	}
	out := *l
	out.Behaviours = maps.Clone(l.Behaviours)
	return &out
}

// Converted reports whether l has been converted.
func (l *Lead) Converted() bool { return l.Status == LeadConverted }

// Limits on a lead, in bytes or entries.
const (
	maxReasonLen  = 1000
	maxBehaviours = 50
)

// normalizeLead trims and canonicalises the fields of l a caller sets, in
// place, recording every problem in verr. region completes phone numbers.
func normalizeLead(l *Lead, region string, verr *ValidationError) {
	l.Name = strings.TrimSpace(l.Name)
	checkText(verr, "name", l.Name, maxNameLen, false)
	l.Company = strings.TrimSpace(l.Company)
	checkText(verr, "company", l.Company, maxNameLen, false)
	if l.Name == "" && l.Company == "" {
		verr.add("name", "required: a lead names a person or a company")
	}
	l.Title = strings.TrimSpace(l.Title)
	checkText(verr, "title", l.Title, maxTextLen, false)
	if l.Email = strings.TrimSpace(l.Email); l.Email != "" {
		if e, err := NormalizeEmail(l.Email); err != nil {
			verr.add("email", "%s", reason(err))
		} else {
			l.Email = e
		}
	}
	if l.Phone = strings.TrimSpace(l.Phone); l.Phone != "" {
		if p, err := NormalizePhone(l.Phone, region); err != nil {
			verr.add("phone", "%s", reason(err))
		} else {
			l.Phone = p
		}
	}
	l.Source = strings.TrimSpace(l.Source)
	checkText(verr, "source", l.Source, maxTextLen, false)
	l.OwnerID = strings.TrimSpace(l.OwnerID)
	checkText(verr, "owner_id", l.OwnerID, maxKeyLen*2, false)
	l.Industry = strings.TrimSpace(l.Industry)
	checkText(verr, "industry", l.Industry, maxTextLen, false)
	l.Region = strings.TrimSpace(l.Region)
	checkText(verr, "region", l.Region, maxTextLen, false)
	for _, k := range slices.Sorted(maps.Keys(l.Behaviours)) {
		switch n := l.Behaviours[k]; {
		case !validBehaviour(k):
			verr.add("behaviours."+k, "want lower-case letters, digits and underscores, starting with a letter")
		case n < 0:
			verr.add("behaviours."+k, "negative count")
		case n == 0:
			delete(l.Behaviours, k)
		}
	}
	if len(l.Behaviours) > maxBehaviours {
		verr.add("behaviours", "more than %d kinds", maxBehaviours)
	}
	if len(l.Behaviours) == 0 {
		l.Behaviours = nil
	}
	l.DisqualifiedReason = strings.TrimSpace(l.DisqualifiedReason)
	checkText(verr, "disqualified_reason", l.DisqualifiedReason, maxReasonLen, false)
}

// CreateLead validates and normalises in and stores it as a new lead with
// a fresh ID, Version 1 and the time and actor of creation. Email and
// phone are normalised as a customer's are, the phone with the Client's
// default region. The lead starts in in.Status, which must be open, or as
// new; its owner is the acting user unless OwnerID says otherwise. With
// [WithLeadScoring] its Score is computed, otherwise kept as given. It
// leaves in untouched and returns the stored lead.
//
// Errors: a [*ValidationError] naming every bad field — no name and no
// company, a malformed email or phone, a bad behaviour key or count, a
// status that is not open, conversion links or a disqualification reason
// set, a Score given while the Client computes it.
func (c *Client) CreateLead(ctx context.Context, in *Lead) (*Lead, error) {
	if in == nil {
		return nil, required("lead", "lead")
	}
	now, by := c.now(), actorID(ctx)
	l := in.Clone()
	verr := &ValidationError{Entity: "lead"}
	normalizeLead(l, c.region, verr)
	if l.Status == "" {
		l.Status = LeadNew
	}
	if !l.Status.Open() {
		verr.add("status", "a new lead is new, contacted or qualified, not %q", l.Status)
	}
	if l.DisqualifiedReason != "" {
		verr.add("disqualified_reason", "only a disqualified lead has one")
	}
	checkUnconverted(l, verr)
	if c.scoring != nil && l.Score != 0 {
		verr.add("score", "computed by the Client's lead scoring")
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	var rule string
	if l.OwnerID == "" {
		l.OwnerID, rule = c.assign(AssignmentSubject{Entity: EntityLead, Region: l.Region, Industry: l.Industry})
	}
	if l.OwnerID == "" {
		l.OwnerID = by
	}
	c.scoreLead(l)
	l.ID = c.ids.NewID()
	l.CreatedAt, l.CreatedBy = now, by
	l.UpdatedAt, l.UpdatedBy = now, by
	l.Version = 1
	err := c.store.RunInTx(ctx, func(tx Store) error {
		if err := tx.CreateLead(ctx, l); err != nil {
			return err
		}
		if rule == "" {
			return nil
		}
		return c.recordOwnerChange(ctx, tx, EntityLead, l.ID, "", "", l.OwnerID, now, by, rule)
	})
	if err != nil {
		return nil, wrapUnlessTyped("create lead", err)
	}
	return l.Clone(), nil
}

// checkUnconverted records in verr each conversion link l has: only
// ConvertLead sets them.
func checkUnconverted(l *Lead, verr *ValidationError) {
	if !l.ConvertedAt.IsZero() {
		verr.add("converted_at", "set by ConvertLead")
	}
	if l.CustomerID != "" {
		verr.add("customer_id", "set by ConvertLead")
	}
	if l.ContactID != "" {
		verr.add("contact_id", "set by ConvertLead")
	}
	if l.OpportunityID != "" {
		verr.add("opportunity_id", "set by ConvertLead")
	}
}

// GetLead returns the lead with id, or an error matching [ErrNotFound].
func (c *Client) GetLead(ctx context.Context, id string) (*Lead, error) {
	l, err := c.store.FindLeadByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("crm: get lead %s: %w", id, err)
	}
	return l, nil
}

// ListLeads returns one page of the leads f selects, in ID order (the
// order of creation), and the cursor for the next page ("" after the
// last). Sources are trimmed, as stored ones are.
func (c *Client) ListLeads(ctx context.Context, f LeadFilter) ([]*Lead, Cursor, error) {
	if err := checkLimit("lead filter", f.Limit); err != nil {
		return nil, "", err
	}
	f.Sources = mapClone(f.Sources, strings.TrimSpace)
	page, next, err := c.store.FindLeads(ctx, f)
	if err != nil {
		return nil, "", fmt.Errorf("crm: list leads: %w", err)
	}
	return page, next, nil
}

// Leads iterates over every lead f selects, fetching page by page. An
// error ends the iteration after being yielded.
func (c *Client) Leads(ctx context.Context, f LeadFilter) iter.Seq2[*Lead, error] {
	return pages(ctx, f, c.ListLeads, func(f *LeadFilter, next Cursor) { f.After = next })
}

// LeadUpdate is a patch of a lead: nil fields are left as they are. The
// status changes only through [Client.SetLeadStatus] and
// [Client.ConvertLead].
type LeadUpdate struct {
	Name     *string
	Company  *string
	Title    *string
	Email    *string
	Phone    *string
	Source   *string
	OwnerID  *string
	Industry *string
	Region   *string
	// Score sets the score; refused when the Client computes it
	// ([WithLeadScoring]).
	Score *int
	// Behaviours replaces the behaviour counts; AddBehaviours then adds
	// to them, so that a tracker can record "one more pricing page view"
	// without reading the lead first.
	Behaviours    *map[string]int
	AddBehaviours map[string]int
}

// UpdateLead applies the patch u to the lead id, provided its stored
// version is still version, and returns the updated lead, validated and
// normalised as in [Client.CreateLead] and, with [WithLeadScoring],
// scored again. Errors: a [*ValidationError] for bad input,
// [ErrTransition] for a converted lead (it is a record of the
// conversion), [ErrConflict] for a stale version, [ErrNotFound] for a
// missing lead; on any error nothing changes.
func (c *Client) UpdateLead(ctx context.Context, id string, version int64, u LeadUpdate) (*Lead, error) {
	return c.modifyLead(ctx, c.store, id, version, "update", func(_ Store, l *Lead, _ time.Time) error {
		if l.Converted() {
			return fmt.Errorf("the lead was converted on %s: it can no longer change: %w", l.ConvertedAt.Format(time.DateOnly), ErrTransition)
		}
		verr := &ValidationError{Entity: "lead"}
		set(&l.Name, u.Name)
		set(&l.Company, u.Company)
		set(&l.Title, u.Title)
		set(&l.Email, u.Email)
		set(&l.Phone, u.Phone)
		set(&l.Source, u.Source)
		set(&l.OwnerID, u.OwnerID)
		set(&l.Industry, u.Industry)
		set(&l.Region, u.Region)
		if u.Score != nil {
			if c.scoring != nil {
				verr.add("score", "computed by the Client's lead scoring")
			}
			l.Score = *u.Score
		}
		if u.Behaviours != nil {
			l.Behaviours = maps.Clone(*u.Behaviours)
		}
		for _, k := range slices.Sorted(maps.Keys(u.AddBehaviours)) {
			n := u.AddBehaviours[k]
			if n < 0 {
				verr.add("add_behaviours."+k, "negative count")
				continue
			}
			if l.Behaviours == nil {
				l.Behaviours = make(map[string]int, len(u.AddBehaviours))
			}
			l.Behaviours[k] += n
		}
		normalizeLead(l, c.region, verr)
		return verr.err()
	})
}

// SetLeadStatus changes the status of the lead id to status, as
// [TransitionLead] rules, provided its stored version is still version.
// Disqualifying takes a reason, which the lead keeps until it is revived;
// no other change takes one. Setting the status a lead has changes
// nothing, except that a disqualified lead's reason may be corrected.
// Errors: [ErrTransition] for a change the rules forbid (converting
// included: see [Client.ConvertLead]), a [*ValidationError] for an
// unknown status or a missing or unexpected reason, [ErrConflict] for a
// stale version, [ErrNotFound] for a missing lead; on any error nothing
// changes.
func (c *Client) SetLeadStatus(ctx context.Context, id string, version int64, status LeadStatus, reason string) (*Lead, error) {
	reason = strings.TrimSpace(reason)
	verr := &ValidationError{Entity: "lead status"}
	switch {
	case !status.Valid():
		verr.add("status", "unknown lead status %q", status)
	case status == LeadDisqualified && reason == "":
		verr.add("reason", "required to disqualify a lead")
	case status != LeadDisqualified && reason != "":
		verr.add("reason", "only disqualifying takes a reason")
	}
	checkText(verr, "reason", reason, maxReasonLen, false)
	if err := verr.err(); err != nil {
		return nil, err
	}
	return c.modifyLead(ctx, c.store, id, version, "set status of lead", func(_ Store, l *Lead, _ time.Time) error {
		if err := TransitionLead(l.Status, status); err != nil {
			return err
		}
		l.Status, l.DisqualifiedReason = status, reason
		return nil
	})
}

// modifyLead loads the lead id at version from s, lets change edit it,
// scores it when the Client scores leads and, if it changed, writes it
// back, all in one transaction (joining s's, if s is a transaction's).
func (c *Client) modifyLead(ctx context.Context, s Store, id string, version int64, op string, change func(tx Store, l *Lead, now time.Time) error) (*Lead, error) {
	now, by := c.now(), actorID(ctx)
	var out *Lead
	err := s.RunInTx(ctx, func(tx Store) error {
		l, err := tx.FindLeadByID(ctx, id)
		if err != nil {
			return err
		}
		if l.Version != version {
			return fmt.Errorf("have version %d, stored %d: %w", version, l.Version, ErrConflict)
		}
		before := l.Clone()
		if err := change(tx, l, now); err != nil {
			return err
		}
		c.scoreLead(l)
		if sameLead(l, before) {
			out = l
			return nil
		}
		l.UpdatedAt, l.UpdatedBy = now, by
		if err := tx.UpdateLead(ctx, l); err != nil {
			return err
		}
		if err := c.recordOwnerChange(ctx, tx, EntityLead, id, l.CustomerID, before.OwnerID, l.OwnerID, now, by, ""); err != nil {
			return err
		}
		out = l.Clone()
		return nil
	})
	if err != nil {
		return nil, wrapUnlessTyped(op+" "+id, err)
	}
	return out, nil
}

// sameLead reports whether a and b hold the same values; both come from
// one stored lead, so their times compare as stored.
func sameLead(a, b *Lead) bool { return reflect.DeepEqual(a, b) }

// scoreLead sets the score of l when the Client scores leads.
func (c *Client) scoreLead(l *Lead) {
	if c.scoring != nil {
		l.Score, _ = c.scoring.Score(l)
	}
}

// leadKind moves converted leads in a merge.
var leadKind = ChildKind{
	Name: "lead",
	List: func(ctx context.Context, tx Store, customerID string) ([]string, error) {
		f := LeadFilter{CustomerIDs: []string{customerID}, Limit: MaxPageLimit}
		return childIDs(pages(ctx, f, tx.FindLeads, func(f *LeadFilter, c Cursor) { f.After = c }), func(l *Lead) string { return l.ID })
	},
	Move: func(ctx context.Context, tx Store, fromID, toID string, at time.Time, by string) (int, error) {
		return tx.MoveLeads(ctx, fromID, toID, at, by)
	},
}
