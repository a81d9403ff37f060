package memory

// Service cases, kept as orders are in order.go: in a children table
// with a per-customer index, which also serves the check that a
// customer's cases have distinct sources. Their histories are kept as the
// opportunities' are (history.go).

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crm"
)

// CreateCase stores a copy of c. It fails with [crm.ErrDuplicate] if a
// case with c.ID exists or a case of its customer has its Source, with
// [crm.ErrNotFound] if c.CustomerID names no customer, and with
// [crm.ErrInvalid] if c is nil or has no ID.
func (s *Store) CreateCase(ctx context.Context, c *crm.Case) error {
	s = s.in(ctx)
	return createChild(ctx, s, &s.d.cases, "case", c, func(c *crm.Case) string { return c.ID }, cloneCase, func(d *data, c *crm.Case) error {
		if d.customers[c.CustomerID] == nil {
			return fmt.Errorf("customer %s: %w", c.CustomerID, crm.ErrNotFound)
		}
		return d.sourceTaken(c.CustomerID, c.ID, c.Source)
	}, s.saveCase)
}

// sourceTaken returns an error matching [crm.ErrDuplicate] if a case of
// customerID other than id has source, which is not "": O(k) in the
// customer's cases. The caller holds the lock.
func (d *data) sourceTaken(customerID, id, source string) error {
	if source == "" {
		return nil
	}
	for _, other := range d.cases.of[customerID] {
		if other != id && d.cases.byID[other].Source == source {
			return fmt.Errorf("case %s of customer %s has source %q: %w", other, customerID, source, crm.ErrDuplicate)
		}
	}
	return nil
}

// FindCaseByID returns a copy of the case id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindCaseByID(ctx context.Context, id string) (*crm.Case, error) {
	s = s.in(ctx)
	return findByID(ctx, s, &s.d.cases.byID, "case", id)
}

// FindCases returns copies of one page of the cases f selects, in
// ascending ID order, and the cursor of the next page ("" after the
// last). Matching is [crm.CaseFilter.Match]; with CustomerIDs only the
// cases of those customers are visited, otherwise every case in ID order.
func (s *Store) FindCases(ctx context.Context, f crm.CaseFilter) ([]*crm.Case, crm.Cursor, error) {
	s = s.in(ctx)
	return findChildren(ctx, s, &s.d.cases, "cases", f.CustomerIDs, nil, f.After, f.Limit, f.Match, (*crm.Case).Clone)
}

// UpdateCase replaces the stored case c.ID with a copy of c under the
// version rule of [Store.UpdateCustomer]. It fails with [crm.ErrNotFound]
// also if c.CustomerID names no customer, and with [crm.ErrDuplicate] if
// another case of the customer has c's Source.
func (s *Store) UpdateCase(ctx context.Context, c *crm.Case) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: update case: %w", err)
	}
	if c == nil {
		return fmt.Errorf("memory: update case: nil case: %w", crm.ErrInvalid)
	}
	nc := cloneCase(c)

	if err := s.lock(true); err != nil {
		return err
	}
	defer s.unlock(true)
	d := s.d
	old, err := storedVersion(d.cases.byID, caseVersion, "update case", nc.ID, nc.Version)
	if err != nil {
		return err
	}
	if d.customers[nc.CustomerID] == nil {
		return fmt.Errorf("memory: update case %s: customer %s: %w", nc.ID, nc.CustomerID, crm.ErrNotFound)
	}
	if err := d.sourceTaken(nc.CustomerID, nc.ID, nc.Source); err != nil {
		return fmt.Errorf("memory: update case %s: %w", nc.ID, err)
	}
	nc.Version++
	s.saveCase(nc.ID, old)
	d.cases.put(nc.ID, nc, old)
	c.Version = nc.Version
	return nil
}

// AddCaseChange stores a copy of ch in the history of its case. It fails
// with [crm.ErrDuplicate] if the history has an entry of ch.Version, with
// [crm.ErrNotFound] if the case does not exist, and with [crm.ErrInvalid]
// if ch is nil.
func (s *Store) AddCaseChange(ctx context.Context, ch *crm.CaseChange) error {
	s = s.in(ctx)
	return addChange(ctx, s, &s.d.caseHistory, "case", ch, func(ch *crm.CaseChange) { stamp(&ch.At) }, func(d *data, id string) bool {
		return d.cases.byID[id] != nil
	})
}

// FindCaseChanges returns copies of one page of the history entries f
// selects, ordered by case ID and then Version, and the cursor of the
// next page ("" after the last). A cursor this store did not return fails
// with [crm.ErrInvalid].
func (s *Store) FindCaseChanges(ctx context.Context, f crm.CaseChangeFilter) ([]*crm.CaseChange, crm.Cursor, error) {
	s = s.in(ctx)
	return findChanges(ctx, s, &s.d.caseHistory, "case changes", f.CaseIDs, f.After, f.Limit)
}

// MoveCases re-points every case of customer fromID to customer toID,
// stamping each with UpdatedAt at, UpdatedBy by and a Version one higher
// (and no history entry), and returns how many it moved. It fails with
// [crm.ErrNotFound] if toID names no customer, and with
// [crm.ErrDuplicate], moving nothing, if a case of fromID and one of toID
// share a Source.
func (s *Store) MoveCases(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	s = s.in(ctx)
	at = crm.Timestamp(at)
	return moveChildRecords(ctx, s, &s.d.cases, "cases", fromID, toID, func(nc *crm.Case) {
		nc.CustomerID, nc.UpdatedAt, nc.UpdatedBy = toID, at, by
		nc.Version++
	}, s.saveCase, func() error {
		if fromID == toID {
			return nil
		}
		for _, id := range s.d.cases.of[fromID] {
			if err := s.d.sourceTaken(toID, id, s.d.cases.byID[id].Source); err != nil {
				return err
			}
		}
		return nil
	})
}

// saveCase records, inside a transaction, how to undo a write to the
// case id whose current record is prev (nil if absent).
func (s *Store) saveCase(id string, prev *crm.Case) {
	s.saveFunc(func(d *data) { d.cases.restore(id, prev) })
}

func caseCustomer(c *crm.Case) string                  { return c.CustomerID }
func caseVersion(c *crm.Case) int64                    { return c.Version }
func caseChangeKey(ch *crm.CaseChange) (string, int64) { return ch.CaseID, ch.Version }

// cloneCase returns a copy of c with every time in the stored form.
func cloneCase(c *crm.Case) *crm.Case {
	nc := c.Clone()
	for _, t := range []*time.Time{&nc.OpenedAt, &nc.StatusChangedAt, &nc.FirstRespondedAt, &nc.ResolvedAt, &nc.ClosedAt,
		&nc.FirstResponseDue, &nc.ResolutionDue, &nc.CreatedAt, &nc.UpdatedAt} {
		stamp(t)
	}
	return nc
}
