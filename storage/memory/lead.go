package memory

// Leads, kept as orders and payments are in order.go: in a children
// table, whose per-customer index lists the leads converted into each
// customer.

import (
	"context"
	"time"

	"github.com/crmkit/crm"
)

// CreateLead stores a copy of l. It fails with [crm.ErrDuplicate] if a lead
// with l.ID exists, and with [crm.ErrInvalid] if l is nil or has no ID.
func (s *Store) CreateLead(ctx context.Context, l *crm.Lead) error {
	s = s.in(ctx)
	return createChild(ctx, s, &s.d.leads, "lead", l, func(l *crm.Lead) string { return l.ID }, func(l *crm.Lead) *crm.Lead {
		nl := l.Clone()
		normLead(nl)
		return nl
	}, func(*data, *crm.Lead) error { return nil }, s.saveLead)
}

// FindLeadByID returns a copy of the lead id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindLeadByID(ctx context.Context, id string) (*crm.Lead, error) {
	s = s.in(ctx)
	return findByID(ctx, s, &s.d.leads.byID, "lead", id)
}

// FindLeads returns copies of one page of the leads f selects, in
// ascending ID order, and the cursor of the next page ("" after the last).
// Matching is [crm.LeadFilter.Match]; with CustomerIDs only the leads
// converted into those customers are visited.
func (s *Store) FindLeads(ctx context.Context, f crm.LeadFilter) ([]*crm.Lead, crm.Cursor, error) {
	s = s.in(ctx)
	return findChildren(ctx, s, &s.d.leads, "leads", f.CustomerIDs, nil, f.After, f.Limit, f.Match, (*crm.Lead).Clone)
}

// UpdateLead replaces the stored lead l.ID with a copy of l under the
// version rule of [Store.UpdateCustomer].
func (s *Store) UpdateLead(ctx context.Context, l *crm.Lead) error {
	s = s.in(ctx)
	return updateChild(ctx, s, &s.d.leads, "lead", l, func(l *crm.Lead) (string, *int64) { return l.ID, &l.Version }, func(l *crm.Lead) *crm.Lead {
		nl := l.Clone()
		normLead(nl)
		return nl
	}, func(*data, *crm.Lead) error { return nil }, s.saveLead)
}

// MoveLeads re-points every lead converted into customer fromID to
// customer toID, stamping each with UpdatedAt at, UpdatedBy by and a
// Version one higher, and returns how many it moved. It fails with
// [crm.ErrNotFound] if toID names no customer.
func (s *Store) MoveLeads(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	s = s.in(ctx)
	at = crm.Timestamp(at)
	return moveChildRecords(ctx, s, &s.d.leads, "leads", fromID, toID, func(nl *crm.Lead) {
		nl.CustomerID, nl.UpdatedAt, nl.UpdatedBy = toID, at, by
		nl.Version++
	}, s.saveLead, nil)
}

// saveLead records, inside a transaction, how to undo a write to the lead
// id whose current record is prev (nil if absent).
func (s *Store) saveLead(id string, prev *crm.Lead) {
	s.save(undoEntry{kind: kindLead, id: id, lead: prev})
}

func leadCustomer(l *crm.Lead) string { return l.CustomerID }

// normLead puts every time of l in the stored form and drops an empty
// map of behaviours.
func normLead(l *crm.Lead) {
	stamp(&l.ConvertedAt)
	stamp(&l.CreatedAt)
	stamp(&l.UpdatedAt)
	if len(l.Behaviours) == 0 {
		l.Behaviours = nil
	}
}
