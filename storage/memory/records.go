package memory

// Helpers that every kind of record shares: lookups by ID, version checks,
// keyset pages and moves between customers. They are generic over the
// stored pointer type, so each use compiles to the same code the
// hand-written loops did.

import (
	"context"
	"fmt"

	"github.com/crmkit/crm"
)

// cloner is a stored record type: a pointer whose Clone returns a deep
// copy.
type cloner[P any] interface {
	Clone() P
}

// findByID returns a copy of the record id of the map *m, or an error
// matching [crm.ErrNotFound]. what names the kind of record in errors
// ("customer"). m points at the field of s.d so that the map is read
// under the lock, which Close needs.
func findByID[P cloner[P]](ctx context.Context, s *Store, m *map[string]P, what, id string) (P, error) {
	var none P
	if err := ctx.Err(); err != nil {
		return none, fmt.Errorf("memory: find %s %s: %w", what, id, err)
	}
	if err := s.lock(false); err != nil {
		return none, err
	}
	r, ok := (*m)[id]
	s.unlock(false)
	if !ok {
		return none, fmt.Errorf("memory: find %s %s: %w", what, id, crm.ErrNotFound)
	}
	return r.Clone(), nil // stored records are immutable: copy outside the lock
}

// storedVersion returns the record id of m that a write naming version
// may replace or delete. It fails with an error matching
// [crm.ErrNotFound] if there is no such record, and with one matching
// [crm.ErrConflict] if its Version, as versionOf reads it, differs from
// version. op names the write in errors ("update customer"). The caller
// holds the write lock.
func storedVersion[P any](m map[string]P, versionOf func(P) int64, op, id string, version int64) (P, error) {
	old, ok := m[id]
	if !ok {
		return old, fmt.Errorf("memory: %s %s: %w", op, id, crm.ErrNotFound)
	}
	if v := versionOf(old); v != version {
		return old, fmt.Errorf("memory: %s %s: version %d, stored %d: %w", op, id, version, v, crm.ErrConflict)
	}
	return old, nil
}

// The versionOf functions of [storedVersion].
func customerVersion(c *crm.Customer) int64       { return c.Version }
func contactVersion(ct *crm.Contact) int64        { return ct.Version }
func pipelineVersion(p *crm.Pipeline) int64       { return p.Version }
func opportunityVersion(o *crm.Opportunity) int64 { return o.Version }

// scanPage returns one keyset page of the records of m that ids, which
// ascend, names: the first limit records after the cursor that match
// admits (every one if match is nil), and the cursor of the next page (""
// after the last). It visits one match more than the page holds, to know
// whether another page follows, and checks ctx every 1024 records,
// returning its error unwrapped. The caller holds the lock; the page
// holds the stored records, to be copied with [clonePage] once the lock
// is released.
func scanPage[P any](ctx context.Context, m map[string]P, ids []string, after crm.Cursor, limit int, match func(P) bool) ([]P, crm.Cursor, error) {
	start := startAfter(ids, after)
	page := make([]P, 0, min(limit, len(ids)-start))
	last := start // index in ids of the last record of page
	for i := start; i < len(ids); i++ {
		if (i-start)&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, "", err
			}
		}
		r := m[ids[i]]
		if match != nil && !match(r) {
			continue
		}
		if len(page) == limit {
			return page, crm.Cursor(ids[last]), nil
		}
		page = append(page, r)
		last = i
	}
	return page, "", nil
}

// clonePage replaces each record of page with a copy of it and returns
// page. Call it after releasing the lock.
func clonePage[P cloner[P]](page []P) []P {
	for i, r := range page {
		page[i] = r.Clone()
	}
	return page
}

// beginMove starts moving the records of kind what ("contacts") of
// customer fromID to customer toID: it checks ctx and takes the write
// lock. It fails, without the lock, with the lock's error, the context's
// error, or an error matching [crm.ErrNotFound] if toID names no
// customer; on success the caller holds the write lock.
func (s *Store) beginMove(ctx context.Context, what, fromID, toID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: move %s %s to %s: %w", what, fromID, toID, err)
	}
	if err := s.lock(true); err != nil {
		return err
	}
	if _, ok := s.d.customers[toID]; !ok {
		s.unlock(true)
		return fmt.Errorf("memory: move %s %s to %s: customer %s: %w", what, fromID, toID, toID, crm.ErrNotFound)
	}
	return nil
}

// moveRecords replaces each record of ids in m with a copy that restamp
// re-points and stamps, recording the old one with save. The copies share
// one new array, and their slices and maps with the records they replace:
// stored records are never modified, so that is safe. The caller holds
// the write lock and moves the per-customer index with [moveChildren].
func moveRecords[E any](m map[string]*E, ids []string, restamp func(*E), save func(id string, old *E)) {
	moved := make([]E, len(ids))
	for i, id := range ids {
		old := m[id]
		r := &moved[i]
		*r = *old
		restamp(r)
		save(id, old)
		m[id] = r
	}
}

// moveChildren moves the IDs of the records of customer fromID to
// customer toID in the per-customer index of. It does nothing when fromID
// equals toID.
func moveChildren(of map[string][]string, fromID, toID string) {
	ids := of[fromID]
	if fromID != toID && len(ids) > 0 {
		of[toID] = mergeSorted(of[toID], ids)
		delete(of, fromID)
	}
}
