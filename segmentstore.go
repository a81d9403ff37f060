package crm

import (
	"context"
	"errors"
	"iter"
	"strings"
	"time"
)

// SegmentFilter selects saved segments.
type SegmentFilter struct {
	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// SegmentSnapshot records who was in a segment at one time. Its members
// are kept apart, read page by page with
// [SegmentStore.FindSegmentSnapshotMembers], so that a snapshot of a
// large segment never has to be held in memory at once.
type SegmentSnapshot struct {
	// ID is set by the Client when the snapshot is taken.
	ID        string
	SegmentID string
	// SegmentVersion is the version of the segment whose rule selected
	// the members.
	SegmentVersion int64
	// Members counts the members.
	Members int
	TakenAt time.Time
	TakenBy string
}

// SegmentStore keeps saved segments and snapshots of their members.
type SegmentStore interface {
	// CreateSegment stores s, which has its ID, timestamps and Version set
	// by the caller. It returns an error matching [ErrDuplicate] if a
	// segment with s.ID exists.
	CreateSegment(ctx context.Context, s *Segment) error

	// FindSegmentByID returns the segment with id, or an error matching
	// [ErrNotFound].
	FindSegmentByID(ctx context.Context, id string) (*Segment, error)

	// FindSegments returns one page of the segments, in ascending ID
	// order, and the cursor of the next page ("" after the last), with
	// the same guarantees and limits as FindCustomers.
	FindSegments(ctx context.Context, f SegmentFilter) ([]*Segment, Cursor, error)

	// UpdateSegment replaces the stored segment s.ID with s under the
	// version rule of UpdateCustomer ([ErrConflict], [ErrNotFound]).
	UpdateSegment(ctx context.Context, s *Segment) error

	// CreateSegmentSnapshot stores snap with its members, memberIDs,
	// which are in ascending order without repeats; snap.Members is their
	// number. It returns an error matching [ErrDuplicate] if a snapshot
	// with snap.ID exists and [ErrNotFound] if its segment does not.
	// A caller with many members calls it once with the first page and
	// then AddSegmentSnapshotMembers, in one transaction.
	CreateSegmentSnapshot(ctx context.Context, snap *SegmentSnapshot, memberIDs []string) error

	// AddSegmentSnapshotMembers adds memberIDs, in ascending order and
	// all after those stored already, to the snapshot snapshotID and
	// raises its Members count by their number. It returns an error
	// matching [ErrNotFound] if there is no such snapshot.
	AddSegmentSnapshotMembers(ctx context.Context, snapshotID string, memberIDs []string) error

	// FindLatestSegmentSnapshot returns the snapshot of segmentID taken
	// last (latest TakenAt; of equal times, the greatest ID), or an error
	// matching [ErrNotFound] if it has none.
	FindLatestSegmentSnapshot(ctx context.Context, segmentID string) (*SegmentSnapshot, error)

	// FindSegmentSnapshotMembers returns one page of the member IDs of
	// snapshot snapshotID, in ascending order, after the cursor after,
	// at most limit (0 means DefaultPageLimit; at most MaxPageLimit), and
	// the cursor of the next page. A snapshot that does not exist has no
	// members.
	FindSegmentSnapshotMembers(ctx context.Context, snapshotID string, after Cursor, limit int) ([]string, Cursor, error)
}

// validate checks and normalises a segment the Client is about to store.
func (s *Segment) validate() error {
	verr := &ValidationError{Entity: "segment"}
	s.Name = strings.TrimSpace(s.Name)
	s.Description = strings.TrimSpace(s.Description)
	checkText(verr, "name", s.Name, maxNameLen, true)
	checkText(verr, "description", s.Description, 2000, false)
	if err := s.Rule.Validate(); err != nil {
		for _, f := range err.(*ValidationError).Fields {
			verr.add("rule."+f.Field, "%s", f.Reason)
		}
	}
	return verr.err()
}

// CreateSegment saves a segment: a name, a description and a rule. It
// sets ID, timestamps and Version and returns the stored segment, leaving
// in untouched. Errors: a [*ValidationError] for a missing name or a bad
// rule (its fields are "rule.<field>", such as "rule.industry").
func (c *Client) CreateSegment(ctx context.Context, in *Segment) (*Segment, error) {
	return createRecord(ctx, c, "segment", in, (*Segment).created, c.store.CreateSegment)
}

// created stamps s as a new record, as [Survey.created] does.
func (s *Segment) created(id string, now time.Time, by string) {
	s.ID, s.Version = id, 1
	s.CreatedAt, s.CreatedBy, s.UpdatedAt, s.UpdatedBy = now, by, now, by
}

// GetSegment returns the saved segment id, or an error matching
// [ErrNotFound].
func (c *Client) GetSegment(ctx context.Context, id string) (*Segment, error) {
	return getRecord(ctx, "segment", id, c.store.FindSegmentByID)
}

// ListSegments returns one page of the saved segments, in ID order, and
// the cursor for the next page ("" after the last).
func (c *Client) ListSegments(ctx context.Context, f SegmentFilter) ([]*Segment, Cursor, error) {
	return listPage(ctx, "segment filter", "list segments", f, f.Limit, c.store.FindSegments)
}

// Segments iterates over every saved segment in ascending ID order,
// fetching page by page. An error ends the iteration after being yielded.
func (c *Client) Segments(ctx context.Context) iter.Seq2[*Segment, error] {
	return pages(ctx, SegmentFilter{}, c.ListSegments, func(f *SegmentFilter, next Cursor) { f.After = next })
}

// SegmentUpdate changes a saved segment; nil fields stay as they are.
type SegmentUpdate struct {
	Name        *string
	Description *string
	Rule        *Condition
}

// UpdateSegment applies u to the segment id, provided its stored version
// is still version, and returns the result with Version raised by one.
// Errors: a [*ValidationError] as for CreateSegment, [ErrConflict] for a
// stale version, [ErrNotFound]; on any error nothing changes.
func (c *Client) UpdateSegment(ctx context.Context, id string, version int64, u SegmentUpdate) (*Segment, error) {
	return updateInTx(ctx, c, "update segment "+id, version,
		func(tx Store) (*Segment, error) { return tx.FindSegmentByID(ctx, id) },
		func(s *Segment) int64 { return s.Version },
		func(s *Segment) (bool, error) {
			before := s.Clone()
			set(&s.Name, u.Name)
			set(&s.Description, u.Description)
			if u.Rule != nil {
				s.Rule = u.Rule.clone()
			}
			if err := s.validate(); err != nil {
				return false, err
			}
			return s.Name != before.Name || s.Description != before.Description || !s.Rule.Equal(before.Rule), nil
		},
		func(tx Store, s *Segment, now time.Time, by string) error {
			s.UpdatedAt, s.UpdatedBy = now, by
			return tx.UpdateSegment(ctx, s)
		})
}

// SegmentChange is what [Client.SnapshotSegment] found: the new snapshot
// and who entered and who left the segment since the one before.
type SegmentChange struct {
	// Snapshot is the snapshot just taken.
	Snapshot *SegmentSnapshot
	// Previous is the snapshot before it, or nil for the first.
	Previous *SegmentSnapshot
	// Entered and Left list, in ascending order, the customers that are
	// members now but were not in Previous, and the other way round. For
	// the first snapshot every member has entered.
	Entered, Left []string
}

// SnapshotSegment records the current members of the saved segment id
// (see [Client.SegmentMembers]) as a new snapshot and compares them with
// the last snapshot, all in one transaction. Members are written page by
// page and compared by a merge of two ID-ordered streams, so memory holds
// a page and the differences: the result lists every customer that
// entered or left, which for a first snapshot (or a segment emptied) is
// every member. Errors as for GetSegment and SegmentMembers.
func (c *Client) SnapshotSegment(ctx context.Context, id string, opts SegmentOptions) (*SegmentChange, error) {
	var out *SegmentChange
	err := c.store.RunInTx(ctx, func(tx Store) error {
		seg, err := tx.FindSegmentByID(ctx, id)
		if err != nil {
			return err
		}
		ch := &SegmentChange{}
		switch prev, err := tx.FindLatestSegmentSnapshot(ctx, id); {
		case err == nil:
			ch.Previous = prev
		case !errors.Is(err, ErrNotFound):
			return err
		}
		snap := &SegmentSnapshot{ID: c.ids.NewID(), SegmentID: id, SegmentVersion: seg.Version, TakenAt: c.now(), TakenBy: actorID(ctx)}
		if err := tx.CreateSegmentSnapshot(ctx, snap, nil); err != nil {
			return err
		}
		old := c.snapshotMembers(ctx, tx, ch.Previous)
		next, stop := iter.Pull2(old)
		defer stop()
		prevID, prevErr, prevOK := next()
		advance := func() { prevID, prevErr, prevOK = next() }
		var batch []string
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			err := tx.AddSegmentSnapshotMembers(ctx, snap.ID, batch)
			snap.Members += len(batch)
			batch = batch[:0]
			return err
		}
		for cust, err := range segmentMembers(ctx, tx, seg, opts) {
			if err != nil {
				return err
			}
			for ; prevOK && prevErr == nil && prevID < cust.ID; advance() {
				ch.Left = append(ch.Left, prevID)
			}
			if prevErr != nil {
				return prevErr
			}
			if prevOK && prevID == cust.ID {
				advance()
			} else {
				ch.Entered = append(ch.Entered, cust.ID)
			}
			if batch = append(batch, cust.ID); len(batch) == MaxPageLimit {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		for ; prevOK; advance() {
			if prevErr != nil {
				return prevErr
			}
			ch.Left = append(ch.Left, prevID)
		}
		if err := flush(); err != nil {
			return err
		}
		ch.Snapshot = snap
		out = ch
		return nil
	})
	if err != nil {
		return nil, wrapUnlessTyped("snapshot segment "+id, err)
	}
	return out, nil
}

// snapshotMembers iterates over the member IDs of snap (none if nil).
func (c *Client) snapshotMembers(ctx context.Context, s Store, snap *SegmentSnapshot) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if snap == nil {
			return
		}
		var after Cursor
		for {
			ids, next, err := s.FindSegmentSnapshotMembers(ctx, snap.ID, after, MaxPageLimit)
			if err != nil {
				yield("", err)
				return
			}
			for _, id := range ids {
				if !yield(id, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			after = next
		}
	}
}
