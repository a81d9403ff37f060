package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/crmkit/crm"
)

// segmentData holds saved segments and their snapshots. The zero value
// is empty and ready.
type segmentData struct {
	byID      map[string]*crm.Segment
	ids       []string // keys of byID, ascending
	snapshots map[string]*snapshot
	latest    map[string]string // segment ID → ID of its latest snapshot
}

// snapshot is a stored snapshot and its members, ascending.
type snapshot struct {
	crm.SegmentSnapshot
	members []string
}

func (sd *segmentData) init() {
	if sd.byID == nil {
		sd.byID = map[string]*crm.Segment{}
		sd.snapshots = map[string]*snapshot{}
		sd.latest = map[string]string{}
	}
}

// put stores seg (nil removes id), keeping ids sorted.
func (sd *segmentData) put(id string, seg *crm.Segment) {
	sd.init()
	_, had := sd.byID[id]
	switch {
	case seg != nil:
		sd.byID[id] = seg
		if !had {
			sd.ids = insertSorted(sd.ids, id)
		}
	case had:
		delete(sd.byID, id)
		if i, ok := slices.BinarySearch(sd.ids, id); ok {
			sd.ids = slices.Delete(sd.ids, i, i+1)
		}
	}
}

// saveFunc records, inside a transaction, how to undo a write.
func (s *Store) saveFunc(restore func(*data)) {
	s.save(undoEntry{kind: kindFunc, restore: restore})
}

// CreateSegment stores a copy of seg. It fails with [crm.ErrDuplicate] if
// a segment with seg.ID exists.
func (s *Store) CreateSegment(ctx context.Context, seg *crm.Segment) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: create segment: %w", err)
	}
	if seg == nil || seg.ID == "" {
		return fmt.Errorf("memory: create segment: no ID: %w", crm.ErrInvalid)
	}
	ns := seg.Clone()
	normSegment(ns)
	if err := s.lock(true); err != nil {
		return err
	}
	defer s.unlock(true)
	sd := &s.d.segments
	if _, ok := sd.byID[ns.ID]; ok {
		return fmt.Errorf("memory: create segment %s: %w", ns.ID, crm.ErrDuplicate)
	}
	s.saveFunc(func(d *data) { d.segments.put(ns.ID, nil) })
	sd.put(ns.ID, ns)
	return nil
}

// normSegment puts times in the form every store keeps.
func normSegment(seg *crm.Segment) {
	seg.CreatedAt, seg.UpdatedAt = crm.Timestamp(seg.CreatedAt), crm.Timestamp(seg.UpdatedAt)
}

// FindSegmentByID returns a copy of the segment id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindSegmentByID(ctx context.Context, id string) (*crm.Segment, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: find segment: %w", err)
	}
	if err := s.lock(false); err != nil {
		return nil, err
	}
	defer s.unlock(false)
	seg, ok := s.d.segments.byID[id]
	if !ok {
		return nil, fmt.Errorf("memory: segment %s: %w", id, crm.ErrNotFound)
	}
	return seg.Clone(), nil
}

// FindSegments returns copies of one page of the segments, in ascending
// ID order, and the cursor of the next page ("" after the last).
func (s *Store) FindSegments(ctx context.Context, f crm.SegmentFilter) ([]*crm.Segment, crm.Cursor, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memory: find segments: %w", err)
	}
	limit, err := pageLimit("find segments", f.Limit)
	if err != nil {
		return nil, "", err
	}
	if err := s.lock(false); err != nil {
		return nil, "", err
	}
	defer s.unlock(false)
	sd := &s.d.segments
	page, next, err := scanPage(ctx, sd.byID, sd.ids, f.After, limit, func(*crm.Segment) bool { return true })
	if err != nil {
		return nil, "", fmt.Errorf("memory: find segments: %w", err)
	}
	return clonePage(page), next, nil
}

// UpdateSegment replaces the stored segment seg.ID with a copy of seg if
// the stored Version equals seg.Version, storing and setting
// seg.Version+1. It fails with [crm.ErrConflict] or [crm.ErrNotFound],
// changing nothing.
func (s *Store) UpdateSegment(ctx context.Context, seg *crm.Segment) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: update segment: %w", err)
	}
	if seg == nil {
		return fmt.Errorf("memory: update segment: nil segment: %w", crm.ErrInvalid)
	}
	ns := seg.Clone()
	normSegment(ns)
	if err := s.lock(true); err != nil {
		return err
	}
	defer s.unlock(true)
	sd := &s.d.segments
	old, ok := sd.byID[ns.ID]
	switch {
	case !ok:
		return fmt.Errorf("memory: update segment %s: %w", ns.ID, crm.ErrNotFound)
	case old.Version != ns.Version:
		return fmt.Errorf("memory: update segment %s: have version %d, stored %d: %w", ns.ID, ns.Version, old.Version, crm.ErrConflict)
	}
	ns.Version++
	s.saveFunc(func(d *data) { d.segments.put(old.ID, old) })
	sd.put(ns.ID, ns)
	seg.Version = ns.Version
	return nil
}

// CreateSegmentSnapshot stores snap with memberIDs.
func (s *Store) CreateSegmentSnapshot(ctx context.Context, snap *crm.SegmentSnapshot, memberIDs []string) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: create segment snapshot: %w", err)
	}
	if snap == nil || snap.ID == "" {
		return fmt.Errorf("memory: create segment snapshot: no ID: %w", crm.ErrInvalid)
	}
	if err := s.lock(true); err != nil {
		return err
	}
	defer s.unlock(true)
	sd := &s.d.segments
	sd.init()
	if _, ok := sd.snapshots[snap.ID]; ok {
		return fmt.Errorf("memory: create segment snapshot %s: %w", snap.ID, crm.ErrDuplicate)
	}
	if _, ok := sd.byID[snap.SegmentID]; !ok {
		return fmt.Errorf("memory: create segment snapshot %s: segment %s: %w", snap.ID, snap.SegmentID, crm.ErrNotFound)
	}
	ns := &snapshot{SegmentSnapshot: *snap, members: slices.Clone(memberIDs)}
	ns.TakenAt, ns.Members = crm.Timestamp(ns.TakenAt), len(memberIDs)
	prevLatest, hadLatest := sd.latest[snap.SegmentID]
	s.saveFunc(func(d *data) {
		delete(d.segments.snapshots, ns.ID)
		if hadLatest {
			d.segments.latest[ns.SegmentID] = prevLatest
		} else {
			delete(d.segments.latest, ns.SegmentID)
		}
	})
	sd.snapshots[ns.ID] = ns
	if !hadLatest || laterSnapshot(ns, sd.snapshots[prevLatest]) {
		sd.latest[ns.SegmentID] = ns.ID
	}
	return nil
}

// laterSnapshot reports whether a was taken after b (of equal times, has
// the greater ID).
func laterSnapshot(a, b *snapshot) bool {
	if c := a.TakenAt.Compare(b.TakenAt); c != 0 {
		return c > 0
	}
	return strings.Compare(a.ID, b.ID) > 0
}

// AddSegmentSnapshotMembers appends memberIDs to the snapshot snapshotID.
func (s *Store) AddSegmentSnapshotMembers(ctx context.Context, snapshotID string, memberIDs []string) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: add segment snapshot members: %w", err)
	}
	if err := s.lock(true); err != nil {
		return err
	}
	defer s.unlock(true)
	snap, ok := s.d.segments.snapshots[snapshotID]
	if !ok {
		return fmt.Errorf("memory: add segment snapshot members %s: %w", snapshotID, crm.ErrNotFound)
	}
	n := len(snap.members)
	s.saveFunc(func(*data) { snap.members, snap.Members = snap.members[:n], n })
	snap.members = append(snap.members, memberIDs...)
	snap.Members = len(snap.members)
	return nil
}

// FindLatestSegmentSnapshot returns a copy of the latest snapshot of
// segmentID, or an error matching [crm.ErrNotFound].
func (s *Store) FindLatestSegmentSnapshot(ctx context.Context, segmentID string) (*crm.SegmentSnapshot, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: find latest segment snapshot: %w", err)
	}
	if err := s.lock(false); err != nil {
		return nil, err
	}
	defer s.unlock(false)
	sd := &s.d.segments
	id, ok := sd.latest[segmentID]
	if !ok {
		return nil, fmt.Errorf("memory: segment %s has no snapshot: %w", segmentID, crm.ErrNotFound)
	}
	out := sd.snapshots[id].SegmentSnapshot
	return &out, nil
}

// FindSegmentSnapshotMembers returns one page of the member IDs of the
// snapshot snapshotID.
func (s *Store) FindSegmentSnapshotMembers(ctx context.Context, snapshotID string, after crm.Cursor, limit int) ([]string, crm.Cursor, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memory: find segment snapshot members: %w", err)
	}
	limit, err := pageLimit("find segment snapshot members", limit)
	if err != nil {
		return nil, "", err
	}
	if err := s.lock(false); err != nil {
		return nil, "", err
	}
	defer s.unlock(false)
	snap, ok := s.d.segments.snapshots[snapshotID]
	if !ok {
		return nil, "", nil
	}
	start := 0
	if after != "" {
		start, _ = slices.BinarySearch(snap.members, string(after))
		if start < len(snap.members) && snap.members[start] == string(after) {
			start++
		}
	}
	end := min(start+limit, len(snap.members))
	page := slices.Clone(snap.members[start:end])
	var next crm.Cursor
	if end < len(snap.members) {
		next = crm.Cursor(page[len(page)-1])
	}
	return page, next, nil
}
