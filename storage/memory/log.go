package memory

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/crmkit/crm"
)

// logData is the audit history, the event outbox and the consumers'
// checkpoints. Entries and events are kept in Seq order, the position in
// the slice plus one; byRecord lists the positions of each record's
// entries.
type logData struct {
	entries     []*crm.AuditEntry
	byRecord    map[logKey][]int
	events      []*crm.Event
	checkpoints map[string]int64
}

type logKey struct {
	entity crm.EntityKind
	id     string
}

// AppendAudit numbers copies of entries after the last, chains their
// hashes and stores them. A transaction holds the write lock until it
// commits, so Seq order is commit order.
func (s *Store) AppendAudit(ctx context.Context, entries []*crm.AuditEntry) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: append audit: %w", err)
	}
	if err := s.lock(true); err != nil {
		return err
	}
	defer s.unlock(true)
	l := &s.d.log
	if l.byRecord == nil {
		l.byRecord = map[logKey][]int{}
	}
	n := len(l.entries)
	for _, in := range entries {
		e := in.Clone()
		e.At = crm.Timestamp(e.At)
		e.Seq = int64(len(l.entries) + 1)
		if len(l.entries) > 0 {
			e.PrevHash = l.entries[len(l.entries)-1].Hash
		}
		e.Hash = e.ChainHash()
		in.Seq, in.PrevHash, in.Hash = e.Seq, e.PrevHash, e.Hash
		k := logKey{e.Entity, e.EntityID}
		l.byRecord[k] = append(l.byRecord[k], len(l.entries))
		l.entries = append(l.entries, e)
	}
	s.saveFunc(func(d *data) {
		for _, e := range d.log.entries[n:] {
			k := logKey{e.Entity, e.EntityID}
			if pos := d.log.byRecord[k][:len(d.log.byRecord[k])-1]; len(pos) > 0 {
				d.log.byRecord[k] = pos
			} else {
				delete(d.log.byRecord, k)
			}
		}
		d.log.entries = d.log.entries[:n]
	})
	return nil
}

// FindAudit returns copies of one page of the entries f selects, in Seq
// order: for one record through its positions (O(log k + page)),
// otherwise by a scan from f.AfterSeq.
func (s *Store) FindAudit(ctx context.Context, f crm.AuditFilter) ([]*crm.AuditEntry, crm.Cursor, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memory: find audit: %w", err)
	}
	limit, err := pageLimit("find audit", f.Limit)
	if err != nil {
		return nil, "", err
	}
	if err := s.lock(false); err != nil {
		return nil, "", err
	}
	defer s.unlock(false)
	l := &s.d.log
	var page []*crm.AuditEntry
	more := false
	take := func(e *crm.AuditEntry) bool {
		if len(page) == limit {
			more = true
			return false
		}
		page = append(page, e.Clone())
		return true
	}
	switch {
	case f.EntityID != "":
		pos := l.byRecord[logKey{f.Entity, f.EntityID}]
		i := sort.Search(len(pos), func(i int) bool { return int64(pos[i]+1) > f.AfterSeq })
		for _, p := range pos[i:] {
			if !take(l.entries[p]) {
				break
			}
		}
	default:
		for _, e := range l.entries[min(max(f.AfterSeq, 0), int64(len(l.entries))):] {
			if f.Entity != "" && e.Entity != f.Entity {
				continue
			}
			if !take(e) {
				break
			}
		}
	}
	if !more {
		return page, "", nil
	}
	return page, crm.Cursor(strconv.FormatInt(page[len(page)-1].Seq, 10)), nil
}

// AuditHead returns the Seq and Hash of the last entry.
func (s *Store) AuditHead(ctx context.Context) (int64, string, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return 0, "", fmt.Errorf("memory: audit head: %w", err)
	}
	if err := s.lock(false); err != nil {
		return 0, "", err
	}
	defer s.unlock(false)
	if n := len(s.d.log.entries); n > 0 {
		return int64(n), s.d.log.entries[n-1].Hash, nil
	}
	return 0, "", nil
}

// AppendEvents numbers copies of events after the last and stores them.
func (s *Store) AppendEvents(ctx context.Context, events []*crm.Event) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: append events: %w", err)
	}
	if err := s.lock(true); err != nil {
		return err
	}
	defer s.unlock(true)
	l := &s.d.log
	n := len(l.events)
	for _, in := range events {
		e := in.Clone()
		e.At = crm.Timestamp(e.At)
		e.Seq = int64(len(l.events) + 1)
		in.Seq = e.Seq
		l.events = append(l.events, e)
	}
	s.saveFunc(func(d *data) { d.log.events = d.log.events[:n] })
	return nil
}

// FindEvents returns copies of up to limit events after Seq after.
func (s *Store) FindEvents(ctx context.Context, after int64, limit int) ([]*crm.Event, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: find events: %w", err)
	}
	limit, err := pageLimit("find events", limit)
	if err != nil {
		return nil, err
	}
	if err := s.lock(false); err != nil {
		return nil, err
	}
	defer s.unlock(false)
	evs := s.d.log.events
	evs = evs[min(max(after, 0), int64(len(evs))):]
	evs = evs[:min(limit, len(evs))]
	out := make([]*crm.Event, len(evs))
	for i, e := range evs {
		out[i] = e.Clone()
	}
	return out, nil
}

// Checkpoint returns the Seq consumer saved last, 0 if none.
func (s *Store) Checkpoint(ctx context.Context, consumer string) (int64, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memory: checkpoint: %w", err)
	}
	if err := s.lock(false); err != nil {
		return 0, err
	}
	defer s.unlock(false)
	return s.d.log.checkpoints[consumer], nil
}

// SaveCheckpoint records seq as consumer's checkpoint.
func (s *Store) SaveCheckpoint(ctx context.Context, consumer string, seq int64) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: save checkpoint: %w", err)
	}
	if consumer == "" || seq < 0 {
		return fmt.Errorf("memory: save checkpoint %q at %d: %w", consumer, seq, crm.ErrInvalid)
	}
	if err := s.lock(true); err != nil {
		return err
	}
	defer s.unlock(true)
	l := &s.d.log
	if l.checkpoints == nil {
		l.checkpoints = map[string]int64{}
	}
	prev, had := l.checkpoints[consumer]
	l.checkpoints[consumer] = seq
	s.saveFunc(func(d *data) {
		if had {
			d.log.checkpoints[consumer] = prev
		} else {
			delete(d.log.checkpoints, consumer)
		}
	})
	return nil
}

// EraseLog erases the entries of the records ids through their
// positions, and the Data of their events in one pass over the outbox,
// which keeps no index by record.
func (s *Store) EraseLog(ctx context.Context, entity crm.EntityKind, ids []string) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: erase log: %w", err)
	}
	if len(ids) > crm.MaxPageLimit {
		return fmt.Errorf("memory: erase log: %d %s IDs, more than %d: %w", len(ids), entity, crm.MaxPageLimit, crm.ErrInvalid)
	}
	if len(ids) == 0 {
		return nil
	}
	if err := s.lock(true); err != nil {
		return err
	}
	defer s.unlock(true)
	l := &s.d.log
	erased := map[string]bool{}
	for _, id := range ids {
		erased[id] = true
		for _, p := range l.byRecord[logKey{entity, id}] {
			e := l.entries[p].Clone()
			if !e.Erase() {
				continue
			}
			old := l.entries[p]
			l.entries[p] = e
			s.saveFunc(func(d *data) { d.log.entries[p] = old })
		}
	}
	for i, ev := range l.events {
		if ev.Entity != entity || !erased[ev.EntityID] || ev.Data == nil {
			continue
		}
		e := ev.Clone()
		e.Data = nil
		l.events[i] = e
		s.saveFunc(func(d *data) { d.log.events[i] = ev })
	}
	return nil
}
