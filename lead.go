package crm

import (
	"fmt"
	"maps"
	"slices"
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
