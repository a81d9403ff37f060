package memory

// Leads, kept as opportunities are in pipeline.go, with an index of the
// converted leads of each customer.

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crm"
)

// CreateLead stores a copy of l. It fails with [crm.ErrDuplicate] if a lead
// with l.ID exists, and with [crm.ErrInvalid] if l is nil or has no ID.
func (s *Store) CreateLead(ctx context.Context, l *crm.Lead) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: create lead: %w", err)
	}
	if l == nil || l.ID == "" {
		return fmt.Errorf("memory: create lead: no ID: %w", crm.ErrInvalid)
	}
	nl := l.Clone()
	normLead(nl)

	if err := s.lock(true); err != nil {
		return err
	}
	d := s.d
	if _, ok := d.leads[nl.ID]; ok {
		s.unlock(true)
		return fmt.Errorf("memory: create lead %s: %w", nl.ID, crm.ErrDuplicate)
	}
	s.saveLead(nl.ID, nil)
	d.putLead(nl, nil)
	s.unlock(true)
	return nil
}

// FindLeadByID returns a copy of the lead id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindLeadByID(ctx context.Context, id string) (*crm.Lead, error) {
	return findByID(ctx, s, &s.d.leads, "lead", id)
}

// FindLeads returns copies of one page of the leads f selects, in
// ascending ID order, and the cursor of the next page ("" after the last).
// Matching is [crm.LeadFilter.Match]; with CustomerIDs only the leads
// converted into those customers are visited.
func (s *Store) FindLeads(ctx context.Context, f crm.LeadFilter) ([]*crm.Lead, crm.Cursor, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memory: find leads: %w", err)
	}
	limit, err := pageLimit("find leads", f.Limit)
	if err != nil {
		return nil, "", err
	}

	if err := s.lock(false); err != nil {
		return nil, "", err
	}
	d := s.d
	ids := d.leadIDs
	if len(f.CustomerIDs) > 0 {
		ids = childrenOfAny(d.leadsOf, f.CustomerIDs)
	}
	page, next, err := scanPage(ctx, d.leads, ids, f.After, limit, f.Match)
	s.unlock(false)
	if err != nil {
		return nil, "", fmt.Errorf("memory: find leads: %w", err)
	}
	return clonePage(page), next, nil
}

// UpdateLead replaces the stored lead l.ID with a copy of l under the
// version rule of [Store.UpdateCustomer].
func (s *Store) UpdateLead(ctx context.Context, l *crm.Lead) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: update lead: %w", err)
	}
	if l == nil {
		return fmt.Errorf("memory: update lead: nil lead: %w", crm.ErrInvalid)
	}
	nl := l.Clone()
	normLead(nl)

	if err := s.lock(true); err != nil {
		return err
	}
	d := s.d
	old, err := storedVersion(d.leads, leadVersion, "update lead", nl.ID, nl.Version)
	if err != nil {
		s.unlock(true)
		return err
	}
	nl.Version++
	s.saveLead(nl.ID, old)
	d.putLead(nl, old)
	s.unlock(true)
	l.Version = nl.Version
	return nil
}

// MoveLeads re-points every lead converted into customer fromID to
// customer toID, stamping each with UpdatedAt at, UpdatedBy by and a
// Version one higher, and returns how many it moved. It fails with
// [crm.ErrNotFound] if toID names no customer.
func (s *Store) MoveLeads(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	at = crm.Timestamp(at)
	if err := s.beginMove(ctx, "leads", fromID, toID); err != nil {
		return 0, err
	}
	d := s.d
	ids := d.leadsOf[fromID]
	moveRecords(d.leads, ids, func(nl *crm.Lead) {
		nl.CustomerID = toID
		nl.UpdatedAt = at
		nl.UpdatedBy = by
		nl.Version++
	}, s.saveLead)
	moveChildren(d.leadsOf, fromID, toID)
	s.unlock(true)
	return len(ids), nil
}

// saveLead records, inside a transaction, how to undo a write to the lead
// id whose current record is prev (nil if absent).
func (s *Store) saveLead(id string, prev *crm.Lead) {
	s.save(undoEntry{kind: kindLead, id: id, lead: prev})
}

// putLead stores l in place of old (nil if l is new), keeping the indexes.
// Leads with no customer are not in the per-customer index.
func (d *data) putLead(l, old *crm.Lead) {
	d.leads[l.ID] = l
	if old == nil {
		d.leadIDs = insertSorted(d.leadIDs, l.ID)
	} else if old.CustomerID != l.CustomerID && old.CustomerID != "" {
		unindexChild(d.leadsOf, old.CustomerID, l.ID)
	}
	if l.CustomerID != "" && (old == nil || old.CustomerID != l.CustomerID) {
		indexChild(d.leadsOf, l.CustomerID, l.ID)
	}
}

// restoreLead makes l the lead id, removing it if l is nil.
func (d *data) restoreLead(id string, l *crm.Lead) {
	cur := d.leads[id]
	switch {
	case l == nil && cur != nil:
		delete(d.leads, id)
		d.leadIDs = removeSorted(d.leadIDs, id)
		if cur.CustomerID != "" {
			unindexChild(d.leadsOf, cur.CustomerID, id)
		}
	case l != nil:
		d.putLead(l, cur)
	}
}

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
