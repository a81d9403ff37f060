package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/crmkit/crm"
)

// refSegments holds the reference store's segments and snapshots.
type refSegments struct {
	segments  map[string]*crm.Segment
	snapshots map[string]*crm.SegmentSnapshot
	members   map[string][]string // snapshot ID → member IDs, ascending
}

func (r refSegments) clone() refSegments {
	out := refSegments{
		segments:  map[string]*crm.Segment{},
		snapshots: map[string]*crm.SegmentSnapshot{},
		members:   map[string][]string{},
	}
	for id, s := range r.segments {
		out.segments[id] = s.Clone()
	}
	for id, s := range r.snapshots {
		c := *s
		out.snapshots[id] = &c
	}
	for id, m := range r.members {
		out.members[id] = slices.Clone(m)
	}
	return out
}

func (r *refSegments) init() {
	if r.segments == nil {
		*r = refSegments{}.clone()
	}
}

func (s *refStore) CreateSegment(ctx context.Context, seg *crm.Segment) error {
	return s.do(ctx, func(st *refState) error {
		st.segments.init()
		if _, ok := st.segments.segments[seg.ID]; ok {
			return fmt.Errorf("ref: segment %s: %w", seg.ID, crm.ErrDuplicate)
		}
		c := seg.Clone()
		c.CreatedAt, c.UpdatedAt = crm.Timestamp(c.CreatedAt), crm.Timestamp(c.UpdatedAt)
		st.segments.segments[seg.ID] = c
		return nil
	})
}

func (s *refStore) FindSegmentByID(ctx context.Context, id string) (*crm.Segment, error) {
	var out *crm.Segment
	err := s.do(ctx, func(st *refState) error {
		seg, ok := st.segments.segments[id]
		if !ok {
			return s.notFound("segment " + id)
		}
		out = seg.Clone()
		return nil
	})
	return out, err
}

func (s *refStore) FindSegments(ctx context.Context, f crm.SegmentFilter) ([]*crm.Segment, crm.Cursor, error) {
	var page []*crm.Segment
	var next crm.Cursor
	err := s.do(ctx, func(st *refState) error {
		ids := slices.Sorted(maps.Keys(st.segments.segments))
		from, to, cur := s.pageBounds(ids, f.After, f.Limit)
		for _, id := range ids[from:to] {
			page = append(page, st.segments.segments[id].Clone())
		}
		next = cur
		return nil
	})
	return page, next, err
}

func (s *refStore) UpdateSegment(ctx context.Context, seg *crm.Segment) error {
	return s.do(ctx, func(st *refState) error {
		old, ok := st.segments.segments[seg.ID]
		switch {
		case !ok:
			return s.notFound("segment " + seg.ID)
		case old.Version != seg.Version:
			return fmt.Errorf("ref: segment %s: %w", seg.ID, crm.ErrConflict)
		}
		c := seg.Clone()
		c.CreatedAt, c.UpdatedAt = crm.Timestamp(c.CreatedAt), crm.Timestamp(c.UpdatedAt)
		c.Version++
		st.segments.segments[seg.ID] = c
		seg.Version = c.Version
		return nil
	})
}

func (s *refStore) CreateSegmentSnapshot(ctx context.Context, snap *crm.SegmentSnapshot, memberIDs []string) error {
	return s.do(ctx, func(st *refState) error {
		st.segments.init()
		if _, ok := st.segments.snapshots[snap.ID]; ok {
			return fmt.Errorf("ref: snapshot %s: %w", snap.ID, crm.ErrDuplicate)
		}
		if _, ok := st.segments.segments[snap.SegmentID]; !ok {
			return s.notFound("segment " + snap.SegmentID)
		}
		c := *snap
		c.TakenAt, c.Members = crm.Timestamp(c.TakenAt), len(memberIDs)
		st.segments.snapshots[c.ID] = &c
		st.segments.members[c.ID] = slices.Clone(memberIDs)
		return nil
	})
}

func (s *refStore) AddSegmentSnapshotMembers(ctx context.Context, snapshotID string, memberIDs []string) error {
	return s.do(ctx, func(st *refState) error {
		snap, ok := st.segments.snapshots[snapshotID]
		if !ok {
			return s.notFound("snapshot " + snapshotID)
		}
		st.segments.members[snapshotID] = append(st.segments.members[snapshotID], memberIDs...)
		snap.Members += len(memberIDs)
		return nil
	})
}

func (s *refStore) FindLatestSegmentSnapshot(ctx context.Context, segmentID string) (*crm.SegmentSnapshot, error) {
	var out *crm.SegmentSnapshot
	err := s.do(ctx, func(st *refState) error {
		for _, snap := range st.segments.snapshots {
			if snap.SegmentID != segmentID {
				continue
			}
			if out == nil || snap.TakenAt.After(out.TakenAt) ||
				snap.TakenAt.Equal(out.TakenAt) && strings.Compare(snap.ID, out.ID) > 0 {
				out = snap
			}
		}
		if out == nil {
			return s.notFound("snapshot of " + segmentID)
		}
		c := *out
		out = &c
		return nil
	})
	return out, err
}

func (s *refStore) FindSegmentSnapshotMembers(ctx context.Context, snapshotID string, after crm.Cursor, limit int) ([]string, crm.Cursor, error) {
	var page []string
	var next crm.Cursor
	err := s.do(ctx, func(st *refState) error {
		ids := st.segments.members[snapshotID]
		from, to, cur := s.pageBounds(ids, after, limit)
		page, next = slices.Clone(ids[from:to]), cur
		return nil
	})
	return page, next, err
}
