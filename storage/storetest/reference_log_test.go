package storetest

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/crmkit/crm"
)

// refLog is the reference store's audit history, events and checkpoints.
type refLog struct {
	entries     []*crm.AuditEntry
	events      []*crm.Event
	checkpoints map[string]int64
}

func (l refLog) clone() refLog {
	out := refLog{checkpoints: map[string]int64{}}
	for _, e := range l.entries {
		out.entries = append(out.entries, e.Clone())
	}
	for _, e := range l.events {
		out.events = append(out.events, e.Clone())
	}
	for k, v := range l.checkpoints {
		out.checkpoints[k] = v
	}
	return out
}

func (s *refStore) AppendAudit(ctx context.Context, entries []*crm.AuditEntry) error {
	return s.do(ctx, func(st *refState) error {
		for _, in := range entries {
			e := in.Clone()
			e.At = s.timestamp(e.At)
			e.Seq = int64(len(st.log.entries) + 1)
			if s.is("audit-seq-from-zero") {
				e.Seq--
			}
			if n := len(st.log.entries); n > 0 && !s.is("audit-unchained") {
				e.PrevHash = st.log.entries[n-1].Hash
			}
			e.Hash = e.ChainHash()
			if s.is("audit-changes-dropped") {
				e.Changes = nil
			}
			if s.is("audit-salt-dropped") {
				e.Salt = ""
			}
			in.Seq, in.PrevHash, in.Hash = e.Seq, e.PrevHash, e.Hash
			st.log.entries = append(st.log.entries, e)
		}
		return nil
	})
}

func (s *refStore) FindAudit(ctx context.Context, f crm.AuditFilter) ([]*crm.AuditEntry, crm.Cursor, error) {
	limit, err := refPageSize(f.Limit)
	if err != nil {
		return nil, "", err
	}
	var page []*crm.AuditEntry
	var next crm.Cursor
	err = s.do(ctx, func(st *refState) error {
		for _, e := range st.log.entries {
			if e.Seq <= f.AfterSeq || (f.Entity != "" && e.Entity != f.Entity) ||
				(f.EntityID != "" && e.EntityID != f.EntityID && !s.is("audit-id-ignored")) {
				continue
			}
			if len(page) == limit {
				next = crm.Cursor(strconv.FormatInt(page[limit-1].Seq, 10))
				break
			}
			page = append(page, e.Clone())
		}
		return nil
	})
	return page, next, err
}

func (s *refStore) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := s.do(ctx, func(st *refState) error {
		if n := len(st.log.entries); n > 0 {
			seq, hash = st.log.entries[n-1].Seq, st.log.entries[n-1].Hash
		}
		return nil
	})
	return seq, hash, err
}

func (s *refStore) AppendEvents(ctx context.Context, events []*crm.Event) error {
	return s.do(ctx, func(st *refState) error {
		for _, in := range events {
			e := in.Clone()
			e.At = s.timestamp(e.At)
			e.Seq = int64(len(st.log.events) + 1)
			in.Seq = e.Seq
			st.log.events = append(st.log.events, e)
		}
		return nil
	})
}

func (s *refStore) FindEvents(ctx context.Context, after int64, limit int) ([]*crm.Event, error) {
	limit, err := refPageSize(limit)
	if err != nil {
		return nil, err
	}
	var out []*crm.Event
	err = s.do(ctx, func(st *refState) error {
		for _, e := range st.log.events {
			if e.Seq > after && len(out) < limit {
				out = append(out, e.Clone())
			}
		}
		if s.is("events-newest-first") {
			slices.Reverse(out)
		}
		return nil
	})
	return out, err
}

func (s *refStore) Checkpoint(ctx context.Context, consumer string) (int64, error) {
	var seq int64
	err := s.do(ctx, func(st *refState) error {
		seq = st.log.checkpoints[consumer]
		return nil
	})
	return seq, err
}

func (s *refStore) SaveCheckpoint(ctx context.Context, consumer string, seq int64) error {
	if consumer == "" || seq < 0 {
		return fmt.Errorf("ref: save checkpoint: %w", crm.ErrInvalid)
	}
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.log.checkpoints[consumer]; ok && s.is("checkpoint-first-only") {
			return nil
		}
		st.log.checkpoints[consumer] = seq
		return nil
	})
}

// refPageSize is the page size a limit asks for.
func refPageSize(limit int) (int, error) {
	switch {
	case limit == 0:
		return crm.DefaultPageLimit, nil
	case limit < 0:
		return 0, fmt.Errorf("ref: limit %d: %w", limit, crm.ErrInvalid)
	}
	return min(limit, crm.MaxPageLimit), nil
}

func (s *refStore) EraseLog(ctx context.Context, entity crm.EntityKind, ids []string) error {
	if len(ids) > crm.MaxPageLimit {
		return fmt.Errorf("ref: erase log: %d IDs: %w", len(ids), crm.ErrInvalid)
	}
	return s.do(ctx, func(st *refState) error {
		for _, e := range st.log.entries {
			if !slices.Contains(ids, e.EntityID) || e.Entity != entity && !s.is("erase-log-any-kind") {
				continue
			}
			switch {
			case s.is("erase-log-keeps-values"):
				e.Salt = ""
			case s.is("erase-log-drops-digests"):
				for i := range e.Changes {
					e.Changes[i] = crm.FieldChange{Field: e.Changes[i].Field, Erased: true}
				}
			default:
				e.Erase()
			}
		}
		for _, e := range st.log.events {
			if slices.Contains(ids, e.EntityID) && e.Entity == entity && !s.is("erase-log-keeps-events") {
				e.Data = nil
			}
		}
		return nil
	})
}
