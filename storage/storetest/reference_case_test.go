package storetest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/crmkit/crm"
)

// The cases of refStore, kept as its leads are, with their histories
// kept as the opportunities' are.

func (s *refStore) inCase(c *crm.Case) *crm.Case {
	if s.is("alias-in") {
		return c
	}
	c = c.Clone()
	for _, t := range []*time.Time{&c.OpenedAt, &c.StatusChangedAt, &c.FirstRespondedAt, &c.ResolvedAt, &c.ClosedAt,
		&c.FirstResponseDue, &c.ResolutionDue, &c.CreatedAt, &c.UpdatedAt} {
		*t = s.timestamp(*t)
	}
	if s.is("case-duration-micros") {
		c.FirstResponseTime, c.ResolutionTime = c.FirstResponseTime.Truncate(time.Microsecond), c.ResolutionTime.Truncate(time.Microsecond)
	}
	return c
}

func (s *refStore) outCase(c *crm.Case) *crm.Case {
	if s.is("alias-out") {
		return c
	}
	return c.Clone()
}

// sourceTaken returns an error matching crm.ErrDuplicate if a case of
// customerID but id has source.
func (s *refStore) sourceTaken(st *refState, customerID, id, source string) error {
	if s.is("case-source-not-unique") || source == "" && !s.is("case-source-empty-clashes") {
		return nil
	}
	for _, c := range st.cases {
		if c.ID != id && c.CustomerID == customerID && c.Source == source {
			return fmt.Errorf("ref: case %s has source %q: %w", c.ID, source, crm.ErrDuplicate)
		}
	}
	return nil
}

func (s *refStore) CreateCase(ctx context.Context, c *crm.Case) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.cases[c.ID]; ok && !s.is("create-overwrites") {
			return fmt.Errorf("ref: case %s: %w", c.ID, crm.ErrDuplicate)
		}
		if _, ok := st.customers[c.CustomerID]; !ok && !s.is("no-customer-check") {
			return s.notFound("customer " + c.CustomerID)
		}
		if err := s.sourceTaken(st, c.CustomerID, c.ID, c.Source); err != nil {
			return err
		}
		st.cases[c.ID] = s.inCase(c)
		s.db.seq++
		st.created[c.ID] = s.db.seq
		return nil
	})
}

func (s *refStore) FindCaseByID(ctx context.Context, id string) (*crm.Case, error) {
	var out *crm.Case
	err := s.do(ctx, func(st *refState) error {
		c, ok := st.cases[id]
		if !ok {
			return s.notFound("case " + id)
		}
		out = s.outCase(c)
		return nil
	})
	return out, err
}

func (s *refStore) FindCases(ctx context.Context, f crm.CaseFilter) ([]*crm.Case, crm.Cursor, error) {
	if f.Limit < 0 && !s.is("negative-limit-ok") {
		return nil, "", fmt.Errorf("ref: limit %d: %w", f.Limit, crm.ErrInvalid)
	}
	var page []*crm.Case
	var next crm.Cursor
	err := s.do(ctx, func(st *refState) error {
		match := func(c *crm.Case) bool { return s.matchCase(c, f) }
		page, next = refPage(s, st, st.cases, match, s.outCase, f.After, f.Limit)
		return nil
	})
	return page, next, err
}

// matchCase is crm.CaseFilter.Match, with the faults of case filters.
func (s *refStore) matchCase(c *crm.Case, f crm.CaseFilter) bool {
	g := f
	g.OpenedFrom, g.ResolvedBefore, g.DueBefore, g.Sources = time.Time{}, time.Time{}, time.Time{}, nil
	if !g.Match(c) {
		return false
	}
	if len(f.Sources) > 0 && !slices.Contains(f.Sources, c.Source) || c.Source == "" && len(f.Sources) > 0 && !s.is("case-empty-source-matches") {
		return false
	}
	if !f.OpenedFrom.IsZero() && (c.OpenedAt.Before(f.OpenedFrom) || s.is("case-opened-from-exclusive") && c.OpenedAt.Equal(f.OpenedFrom)) {
		return false
	}
	if !f.ResolvedBefore.IsZero() && (c.ResolvedAt.IsZero() && !s.is("case-resolved-zero-matches") || !c.ResolvedAt.Before(f.ResolvedBefore)) {
		return false
	}
	if f.DueBefore.IsZero() {
		return true
	}
	due := func(t time.Time) bool {
		return !t.IsZero() && (t.Before(f.DueBefore) || s.is("case-due-inclusive") && t.Equal(f.DueBefore))
	}
	return due(c.FirstResponseDue) || due(c.ResolutionDue) && !s.is("case-due-first-only")
}

func (s *refStore) UpdateCase(ctx context.Context, c *crm.Case) error {
	return s.do(ctx, func(st *refState) error {
		old, ok := st.cases[c.ID]
		switch {
		case !ok && !s.is("update-upserts"):
			return s.notFound("case " + c.ID)
		case ok && old.Version != c.Version && !s.is("no-version-check"):
			return fmt.Errorf("ref: case %s: %w", c.ID, crm.ErrConflict)
		case st.customers[c.CustomerID] == nil && !s.is("no-customer-check"):
			return s.notFound("customer " + c.CustomerID)
		}
		if err := s.sourceTaken(st, c.CustomerID, c.ID, c.Source); err != nil {
			return err
		}
		nc := s.inCase(c)
		nc.Version = c.Version + 1
		st.cases[c.ID] = nc
		if !s.is("version-not-set") {
			c.Version = nc.Version
		}
		return nil
	})
}

func (s *refStore) AddCaseChange(ctx context.Context, ch *crm.CaseChange) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.cases[ch.CaseID]; !ok {
			return s.notFound("case " + ch.CaseID)
		}
		nc := *ch
		nc.At = s.timestamp(nc.At)
		i := slices.IndexFunc(st.caseChanges, func(c *crm.CaseChange) bool { return c.CaseID == ch.CaseID && c.Version == ch.Version })
		switch {
		case i >= 0 && s.is("case-history-overwrites"):
			st.caseChanges[i] = &nc
		case i >= 0:
			return fmt.Errorf("ref: change %d of case %s: %w", ch.Version, ch.CaseID, crm.ErrDuplicate)
		default:
			st.caseChanges = append(st.caseChanges, &nc)
		}
		return nil
	})
}

func (s *refStore) FindCaseChanges(ctx context.Context, f crm.CaseChangeFilter) ([]*crm.CaseChange, crm.Cursor, error) {
	return refFindChanges(ctx, s, "case-", func(st *refState) []*crm.CaseChange { return st.caseChanges }, f.CaseIDs, f.After, f.Limit,
		func(ch *crm.CaseChange) (string, int64) { return ch.CaseID, ch.Version },
		func(ch *crm.CaseChange) *crm.CaseChange { c := *ch; return &c })
}

func (s *refStore) MoveCases(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	n := 0
	err := s.do(ctx, func(st *refState) error {
		if _, ok := st.customers[toID]; !ok && !s.is("move-no-target-check") {
			return s.notFound("customer " + toID)
		}
		var moving []*crm.Case
		for _, c := range st.cases {
			if c.CustomerID != fromID {
				continue
			}
			if fromID != toID {
				if err := s.sourceTaken(st, toID, c.ID, c.Source); err != nil {
					return err
				}
			}
			moving = append(moving, c)
		}
		for _, c := range moving {
			nc := c.Clone()
			nc.CustomerID, nc.UpdatedAt, nc.UpdatedBy = toID, s.timestamp(at), by
			if !s.is("move-no-version") {
				nc.Version++
			}
			st.cases[c.ID] = nc
			if s.is("case-move-writes-history") {
				st.caseChanges = append(st.caseChanges, &crm.CaseChange{CaseID: c.ID, Version: nc.Version, At: nc.UpdatedAt, By: by})
			}
		}
		n = len(moving)
		return nil
	})
	return n, err
}
