package storetest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/crmkit/crm"
)

// The leads of refStore, kept as its opportunities are.

func (s *refStore) inLead(l *crm.Lead) *crm.Lead {
	if s.is("alias-in") {
		return l
	}
	l = l.Clone()
	l.ConvertedAt, l.CreatedAt, l.UpdatedAt = s.timestamp(l.ConvertedAt), s.timestamp(l.CreatedAt), s.timestamp(l.UpdatedAt)
	return l
}

func (s *refStore) outLead(l *crm.Lead) *crm.Lead {
	if s.is("alias-out") {
		return l
	}
	return l.Clone()
}

func (s *refStore) CreateLead(ctx context.Context, l *crm.Lead) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.leads[l.ID]; ok && !s.is("create-overwrites") {
			return fmt.Errorf("ref: lead %s: %w", l.ID, crm.ErrDuplicate)
		}
		st.leads[l.ID] = s.inLead(l)
		s.db.seq++
		st.created[l.ID] = s.db.seq
		return nil
	})
}

func (s *refStore) FindLeadByID(ctx context.Context, id string) (*crm.Lead, error) {
	var out *crm.Lead
	err := s.do(ctx, func(st *refState) error {
		l, ok := st.leads[id]
		if !ok {
			return s.notFound("lead " + id)
		}
		out = s.outLead(l)
		return nil
	})
	return out, err
}

func (s *refStore) FindLeads(ctx context.Context, f crm.LeadFilter) ([]*crm.Lead, crm.Cursor, error) {
	if f.Limit < 0 && !s.is("negative-limit-ok") {
		return nil, "", fmt.Errorf("ref: limit %d: %w", f.Limit, crm.ErrInvalid)
	}
	var page []*crm.Lead
	var next crm.Cursor
	err := s.do(ctx, func(st *refState) error {
		match := func(l *crm.Lead) bool { return s.matchLead(l, f) }
		page, next = refPage(s, st, st.leads, match, s.outLead, f.After, f.Limit)
		return nil
	})
	return page, next, err
}

func (s *refStore) matchLead(l *crm.Lead, f crm.LeadFilter) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, l.Status) {
		return false
	}
	if len(f.CustomerIDs) > 0 && l.CustomerID == "" && !s.is("lead-empty-customer-matches") {
		return false
	}
	switch {
	case !f.CreatedFrom.IsZero() && (l.CreatedAt.Before(f.CreatedFrom) || s.is("lead-created-from-exclusive") && l.CreatedAt.Equal(f.CreatedFrom)):
		return false
	case !f.CreatedBefore.IsZero() && l.CreatedAt.After(f.CreatedBefore):
		return false
	case !f.CreatedBefore.IsZero() && l.CreatedAt.Equal(f.CreatedBefore) && !s.is("lead-created-before-inclusive"):
		return false
	}
	return in(f.Owners, l.OwnerID) && in(f.Sources, l.Source) && in(f.CustomerIDs, l.CustomerID)
}

func (s *refStore) UpdateLead(ctx context.Context, l *crm.Lead) error {
	return s.do(ctx, func(st *refState) error {
		old, ok := st.leads[l.ID]
		if !ok && !s.is("update-upserts") {
			return s.notFound("lead " + l.ID)
		}
		if ok && old.Version != l.Version && !s.is("no-version-check") {
			return fmt.Errorf("ref: lead %s: %w", l.ID, crm.ErrConflict)
		}
		nl := s.inLead(l)
		nl.Version = l.Version + 1
		if ok && s.is("no-version-check") {
			nl.Version = old.Version + 1
		}
		st.leads[l.ID] = nl
		if !s.is("version-not-set") {
			l.Version = nl.Version
		}
		return nil
	})
}

func (s *refStore) MoveLeads(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	n := 0
	err := s.do(ctx, func(st *refState) error {
		if _, ok := st.customers[toID]; !ok && !s.is("move-no-target-check") {
			return s.notFound("customer " + toID)
		}
		for id, l := range st.leads {
			if l.CustomerID != fromID || fromID == "" && !s.is("lead-move-unconverted") {
				continue
			}
			nl := l.Clone()
			nl.CustomerID = toID
			nl.UpdatedAt = s.timestamp(at)
			nl.UpdatedBy = by
			if !s.is("move-no-version") {
				nl.Version++
			}
			st.leads[id] = nl
			n++
		}
		return nil
	})
	return n, err
}
