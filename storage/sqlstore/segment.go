package sqlstore

import (
	"context"
	"fmt"

	"github.com/crmkit/crm"
)

// segmentColumns are the columns of a segment as scanSegment reads them.
const segmentColumns = `id, name, description, rule, created_at, created_by, updated_at, updated_by, version`

// scanSegment reads one row of segmentColumns. The rule is kept in its
// text form ([crm.Condition.String]) and parsed back.
func (s *Store) scanSegment(r interface{ Scan(...any) error }) (*crm.Segment, error) {
	seg := new(crm.Segment)
	var rule string
	err := r.Scan(&seg.ID, &seg.Name, &seg.Description, &rule,
		s.timeDest(&seg.CreatedAt), &seg.CreatedBy, s.timeDest(&seg.UpdatedAt), &seg.UpdatedBy, &seg.Version)
	if err != nil {
		return nil, err
	}
	if rule != "" {
		if seg.Rule, err = crm.ParseCondition(rule); err != nil {
			return nil, fmt.Errorf("segment %s: stored rule: %w", seg.ID, err)
		}
	}
	return seg, nil
}

// ruleText is the stored form of a segment's rule: "" for the zero
// condition.
func ruleText(c crm.Condition) string {
	if c.Op == "" {
		return ""
	}
	return c.String()
}

const insertSegment = `INSERT INTO segments (tenant_id, ` + segmentColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateSegment stores seg. It fails with an error matching
// [crm.ErrDuplicate] if a segment with seg.ID exists.
func (s *Store) CreateSegment(ctx context.Context, seg *crm.Segment) error {
	const op = "create segment"
	if seg == nil || seg.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+seg.ID, err)
	}
	err := s.atomically(ctx, func(q dbtx) error {
		_, err := s.exec(ctx, q, insertSegment, s.tenant(ctx), seg.ID, seg.Name, seg.Description, ruleText(seg.Rule),
			s.timeArg(seg.CreatedAt), seg.CreatedBy, s.timeArg(seg.UpdatedAt), seg.UpdatedBy, seg.Version)
		return err
	})
	if err != nil {
		return s.fail(ctx, op+" "+seg.ID, err)
	}
	return nil
}

const findSegmentByID = `SELECT ` + segmentColumns + ` FROM segments WHERE id = ? AND tenant_id = ?`

// FindSegmentByID returns the segment id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindSegmentByID(ctx context.Context, id string) (*crm.Segment, error) {
	const op = "find segment"
	if err := s.begin(ctx); err != nil {
		return nil, s.fail(ctx, op+" "+id, err)
	}
	var seg *crm.Segment
	err := s.read(ctx, func(q dbtx) error {
		var err error
		seg, err = s.scanSegment(s.queryRow(ctx, q, findSegmentByID, id, s.tenant(ctx)))
		return err
	})
	if err != nil {
		return nil, s.fail(ctx, op+" "+id, err)
	}
	return seg, nil
}

const (
	segmentsSelect = `SELECT ` + segmentColumns + ` FROM segments`
	segmentsAfter  = `id > ?`
	segmentsOrder  = ` ORDER BY id LIMIT ?`
)

// FindSegments returns one page of the segments in ascending ID order and
// the cursor of the next page ("" after the last).
func (s *Store) FindSegments(ctx context.Context, f crm.SegmentFilter) ([]*crm.Segment, crm.Cursor, error) {
	const op = "find segments"
	limit, err := s.beginPage(ctx, op, f.Limit)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add(`tenant_id = ?`, s.tenant(ctx))
	if f.After != "" {
		w.add(segmentsAfter, string(f.After))
	}
	var page []*crm.Segment
	err = s.read(ctx, func(q dbtx) error {
		var err error
		page, err = collectRows(ctx, s, q, segmentsSelect+w.String()+segmentsOrder, append(w.args, limit+1), s.scanSegment)
		return err
	})
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	page, next := cutPage(page, limit, func(seg *crm.Segment) crm.Cursor { return crm.Cursor(seg.ID) })
	return page, next, nil
}

const (
	updateSegment = `UPDATE segments SET
	name = ?, description = ?, rule = ?, created_at = ?, created_by = ?, updated_at = ?, updated_by = ?,
	version = version + 1
WHERE id = ? AND version = ? AND tenant_id = ?`
	segmentVersion = `SELECT version FROM segments WHERE id = ? AND tenant_id = ?`
)

// UpdateSegment replaces the stored segment seg.ID with seg under the
// version rule of [Store.UpdateCustomer] ([crm.ErrConflict],
// [crm.ErrNotFound]), changing nothing on failure (seg.Version included).
func (s *Store) UpdateSegment(ctx context.Context, seg *crm.Segment) error {
	const op = "update segment"
	if seg == nil {
		return s.fail(ctx, op, fmt.Errorf("nil segment: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+seg.ID, err)
	}
	args := []any{seg.Name, seg.Description, ruleText(seg.Rule),
		s.timeArg(seg.CreatedAt), seg.CreatedBy, s.timeArg(seg.UpdatedAt), seg.UpdatedBy}
	if err := s.updateVersioned(ctx, updateSegment, segmentVersion, seg.ID, seg.Version, args, nil); err != nil {
		return s.fail(ctx, op+" "+seg.ID, err)
	}
	seg.Version++
	return nil
}

const (
	insertSnapshot = `INSERT INTO segment_snapshots (tenant_id, id, segment_id, segment_version, members, taken_at, taken_by)
VALUES (?, ?, ?, ?, ?, ?, ?)`
	insertSnapshotMembers = `INSERT INTO segment_snapshot_members (tenant_id, snapshot_id, customer_id) VALUES `
	countSnapshotMembers  = `UPDATE segment_snapshots SET members = members + ? WHERE id = ? AND tenant_id = ?`
	snapshotExists        = `SELECT 1 FROM segment_snapshots WHERE id = ? AND tenant_id = ?`
	snapshotColumns       = `id, segment_id, segment_version, members, taken_at, taken_by`
	latestSnapshot        = `SELECT ` + snapshotColumns + ` FROM segment_snapshots WHERE segment_id = ? AND tenant_id = ?
ORDER BY taken_at DESC, id DESC LIMIT 1`
	snapshotMembers = `SELECT customer_id FROM segment_snapshot_members
WHERE snapshot_id = ? AND tenant_id = ? AND customer_id > ? ORDER BY customer_id LIMIT ?`
)

// CreateSegmentSnapshot stores snap and its members in one transaction.
// It fails with an error matching [crm.ErrDuplicate] if a snapshot with
// snap.ID exists and [crm.ErrNotFound] if its segment does not.
func (s *Store) CreateSegmentSnapshot(ctx context.Context, snap *crm.SegmentSnapshot, memberIDs []string) error {
	const op = "create segment snapshot"
	if snap == nil || snap.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+snap.ID, err)
	}
	err := s.atomically(ctx, func(q dbtx) error {
		_, err := s.exec(ctx, q, insertSnapshot, s.tenant(ctx), snap.ID, snap.SegmentID, snap.SegmentVersion, len(memberIDs),
			s.timeArg(crm.Timestamp(snap.TakenAt)), snap.TakenBy)
		if err != nil {
			return err
		}
		if err := s.checkParents(ctx, q, parent{segmentsTable, snap.SegmentID}); err != nil {
			return err
		}
		return s.insertSnapshotMembers(ctx, q, snap.ID, memberIDs)
	})
	if err != nil {
		return s.fail(ctx, op+" "+snap.ID, err)
	}
	return nil
}

func (s *Store) insertSnapshotMembers(ctx context.Context, q dbtx, snapshotID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(ids))
	for _, id := range ids {
		args = append(args, snapshotID, id)
	}
	return s.insertRows(ctx, q, insertSnapshotMembers, 2, args)
}

// AddSegmentSnapshotMembers adds memberIDs to the snapshot snapshotID,
// raising its member count. It fails with an error matching
// [crm.ErrNotFound] if there is no such snapshot.
func (s *Store) AddSegmentSnapshotMembers(ctx context.Context, snapshotID string, memberIDs []string) error {
	const op = "add segment snapshot members"
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+snapshotID, err)
	}
	err := s.atomically(ctx, func(q dbtx) error {
		if len(memberIDs) == 0 {
			var one int
			return s.queryRow(ctx, q, snapshotExists, snapshotID, s.tenant(ctx)).Scan(&one)
		}
		res, err := s.exec(ctx, q, countSnapshotMembers, len(memberIDs), snapshotID, s.tenant(ctx))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("snapshot %s: %w", snapshotID, crm.ErrNotFound)
		}
		return s.insertSnapshotMembers(ctx, q, snapshotID, memberIDs)
	})
	if err != nil {
		return s.fail(ctx, op+" "+snapshotID, err)
	}
	return nil
}

// FindLatestSegmentSnapshot returns the snapshot of segmentID taken last,
// or an error matching [crm.ErrNotFound].
func (s *Store) FindLatestSegmentSnapshot(ctx context.Context, segmentID string) (*crm.SegmentSnapshot, error) {
	const op = "find latest segment snapshot"
	if err := s.begin(ctx); err != nil {
		return nil, s.fail(ctx, op+" "+segmentID, err)
	}
	snap := new(crm.SegmentSnapshot)
	err := s.read(ctx, func(q dbtx) error {
		return s.queryRow(ctx, q, latestSnapshot, segmentID, s.tenant(ctx)).Scan(&snap.ID, &snap.SegmentID, &snap.SegmentVersion,
			&snap.Members, s.timeDest(&snap.TakenAt), &snap.TakenBy)
	})
	if err != nil {
		return nil, s.fail(ctx, op+" "+segmentID, err)
	}
	return snap, nil
}

// FindSegmentSnapshotMembers returns one page of the member IDs of the
// snapshot snapshotID in ascending order, and the cursor of the next page.
func (s *Store) FindSegmentSnapshotMembers(ctx context.Context, snapshotID string, after crm.Cursor, limit int) ([]string, crm.Cursor, error) {
	const op = "find segment snapshot members"
	limit, err := s.beginPage(ctx, op, limit)
	if err != nil {
		return nil, "", err
	}
	var ids []string
	err = s.read(ctx, func(q dbtx) error {
		var err error
		ids, err = collectRows(ctx, s, q, snapshotMembers, []any{snapshotID, s.tenant(ctx), string(after), limit + 1},
			func(r interface{ Scan(...any) error }) (string, error) {
				var id string
				return id, r.Scan(&id)
			})
		return err
	})
	if err != nil {
		return nil, "", s.fail(ctx, op+" "+snapshotID, err)
	}
	ids, next := cutPage(ids, limit, func(id string) crm.Cursor { return crm.Cursor(id) })
	return ids, next, nil
}
