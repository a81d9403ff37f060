package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/crmkit/crm"
)

// The audit history and the event outbox of a tenant are numbered through
// a head row each in log_heads, keyed by tenant and log name, which an
// append updates first: the row lock it takes
// keeps every other appender waiting until the transaction ends, so that
// entries and events are numbered in commit order, and a reader that has
// seen Seq n committed never sees n-1 committed later. The Client appends
// last in its transactions, so the wait is for a commit.
const (
	headAudit  = "audit"
	headEvents = "events"

	advanceHead = `UPDATE log_heads SET seq = seq + ? WHERE tenant_id = ? AND name = ?`
	insertHead  = `INSERT INTO log_heads (tenant_id, name, seq, hash) VALUES (?, ?, ?, '')`
	readHead    = `SELECT seq, hash FROM log_heads WHERE tenant_id = ? AND name = ?`
	sealHead    = `UPDATE log_heads SET hash = ? WHERE tenant_id = ? AND name = ?`
)

// advance takes n numbers of the log name of the tenant of ctx and returns
// the first, with the hash of the log's last entry. The migrations make
// the head rows of the tenant ""; the first append of another tenant
// makes its row, as one found missing (the tables were emptied) is made
// again, and of two appenders making it at once the second fails with
// crm.ErrConflict.
func (s *Store) advance(ctx context.Context, q dbtx, name string, n int) (first int64, prev string, err error) {
	tenant := s.tenant(ctx)
	res, err := s.exec(ctx, q, advanceHead, n, tenant, name)
	if err != nil {
		return 0, "", err
	}
	if rows, err := res.RowsAffected(); err != nil {
		return 0, "", err
	} else if rows == 0 {
		if _, err := s.exec(ctx, q, insertHead, tenant, name, n); err != nil {
			if errors.Is(s.translate(ctx, err), crm.ErrDuplicate) {
				return 0, "", fmt.Errorf("log head %s made by another appender: %w", name, crm.ErrConflict)
			}
			return 0, "", err
		}
	}
	var last int64
	if err := s.queryRow(ctx, q, readHead, tenant, name).Scan(&last, &prev); err != nil {
		return 0, "", err
	}
	return last - int64(n) + 1, prev, nil
}

const insertAudit = `INSERT INTO audit_log (tenant_id, seq, at, actor_id, entity, entity_id, action, changes, salt, prev_hash, hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// AppendAudit numbers entries after the last of the tenant's log, chains
// their hashes and stores them, in one transaction (RunInTx's, if called
// inside it).
func (s *Store) AppendAudit(ctx context.Context, entries []*crm.AuditEntry) error {
	const op = "append audit"
	if len(entries) == 0 {
		return nil
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op, err)
	}
	err := s.atomically(ctx, func(q dbtx) error {
		first, prev, err := s.advance(ctx, q, headAudit, len(entries))
		if err != nil {
			return err
		}
		tenant := s.tenant(ctx)
		for i, e := range entries {
			e.At = crm.Timestamp(e.At)
			e.Seq, e.PrevHash = first+int64(i), prev
			e.Hash = e.ChainHash()
			prev = e.Hash
			changes, err := crm.EncodeChanges(e.Changes)
			if err != nil {
				return err
			}
			if _, err := s.exec(ctx, q, insertAudit, tenant, e.Seq, s.timeArg(e.At), e.ActorID, string(e.Entity), e.EntityID,
				string(e.Action), changes, e.Salt, e.PrevHash, e.Hash); err != nil {
				return err
			}
		}
		_, err = s.exec(ctx, q, sealHead, prev, tenant, headAudit)
		return err
	})
	if err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

const (
	auditSelect = `SELECT a.seq, a.at, a.actor_id, a.entity, a.entity_id, a.action, a.changes, a.salt, a.prev_hash, a.hash
FROM audit_log a`
	auditOrder = ` ORDER BY a.seq LIMIT ?`
)

func (s *Store) scanAudit(r interface{ Scan(...any) error }) (*crm.AuditEntry, error) {
	e := new(crm.AuditEntry)
	var changes string
	if err := r.Scan(&e.Seq, s.timeDest(&e.At), &e.ActorID, &e.Entity, &e.EntityID, &e.Action,
		&changes, &e.Salt, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	var err error
	e.Changes, err = crm.DecodeChanges(changes)
	return e, err
}

// FindAudit returns one page of the entries of the tenant's log f
// selects, in Seq order, in one query: a record's history through the
// index (tenant_id, entity, entity_id, seq), the whole log through the
// primary key (tenant_id, seq).
func (s *Store) FindAudit(ctx context.Context, f crm.AuditFilter) ([]*crm.AuditEntry, crm.Cursor, error) {
	const op = "find audit"
	limit, err := s.beginPage(ctx, op, f.Limit)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add(`a.tenant_id = ?`, s.tenant(ctx))
	if f.Entity != "" {
		w.add(`a.entity = ?`, string(f.Entity))
	}
	if f.EntityID != "" {
		w.add(`a.entity_id = ?`, f.EntityID)
	}
	if f.AfterSeq > 0 {
		w.add(`a.seq > ?`, f.AfterSeq)
	}
	page, err := collectRows(ctx, s, s.q, auditSelect+w.String()+auditOrder, append(w.args, limit+1), s.scanAudit)
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	page, next := cutPage(page, limit, func(e *crm.AuditEntry) crm.Cursor { return crm.Cursor(strconv.FormatInt(e.Seq, 10)) })
	return page, next, nil
}

// AuditHead returns the Seq and Hash the head row of the tenant's audit
// log holds: 0 and "" before its first entry.
func (s *Store) AuditHead(ctx context.Context) (int64, string, error) {
	const op = "audit head"
	if err := s.begin(ctx); err != nil {
		return 0, "", s.fail(ctx, op, err)
	}
	var seq int64
	var hash string
	switch err := s.queryRow(ctx, s.q, readHead, s.tenant(ctx), headAudit).Scan(&seq, &hash); {
	case errors.Is(s.translate(ctx, err), crm.ErrNotFound):
		return 0, "", nil // no entry yet in the tenant, or the tables were emptied
	case err != nil:
		return 0, "", s.fail(ctx, op, err)
	}
	return seq, hash, nil
}

const insertEvent = `INSERT INTO events (tenant_id, seq, type, at, actor_id, entity, entity_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// AppendEvents numbers events after the last of the tenant's outbox and
// stores them, in one transaction (RunInTx's, if called inside it).
func (s *Store) AppendEvents(ctx context.Context, events []*crm.Event) error {
	const op = "append events"
	if len(events) == 0 {
		return nil
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op, err)
	}
	err := s.atomically(ctx, func(q dbtx) error {
		first, _, err := s.advance(ctx, q, headEvents, len(events))
		if err != nil {
			return err
		}
		for i, e := range events {
			e.At = crm.Timestamp(e.At)
			e.Seq = first + int64(i)
			data := string(e.Data)
			if data == "" {
				data = "null"
			}
			if _, err := s.exec(ctx, q, insertEvent, s.tenant(ctx), e.Seq, e.Type, s.timeArg(e.At), e.ActorID, string(e.Entity), e.EntityID, data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

const findEvents = `SELECT e.seq, e.type, e.at, e.actor_id, e.entity, e.entity_id, e.data
FROM events e WHERE e.tenant_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`

// FindEvents returns up to limit events of the tenant after Seq after, in
// one query.
func (s *Store) FindEvents(ctx context.Context, after int64, limit int) ([]*crm.Event, error) {
	const op = "find events"
	limit, err := s.beginPage(ctx, op, limit)
	if err != nil {
		return nil, err
	}
	page, err := collectRows(ctx, s, s.q, findEvents, []any{s.tenant(ctx), after, limit}, func(r interface{ Scan(...any) error }) (*crm.Event, error) {
		e := new(crm.Event)
		var data string
		if err := r.Scan(&e.Seq, &e.Type, s.timeDest(&e.At), &e.ActorID, &e.Entity, &e.EntityID, &data); err != nil {
			return nil, err
		}
		if data != "null" {
			e.Data = []byte(data)
		}
		return e, nil
	})
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return page, nil
}

const (
	readCheckpoint   = `SELECT seq FROM event_checkpoints WHERE tenant_id = ? AND consumer = ?`
	updateCheckpoint = `UPDATE event_checkpoints SET seq = ? WHERE tenant_id = ? AND consumer = ?`
	insertCheckpoint = `INSERT INTO event_checkpoints (tenant_id, consumer, seq) VALUES (?, ?, ?)`
)

// Checkpoint returns the Seq consumer saved last in the tenant, 0 if none.
func (s *Store) Checkpoint(ctx context.Context, consumer string) (int64, error) {
	const op = "checkpoint"
	if err := s.begin(ctx); err != nil {
		return 0, s.fail(ctx, op, err)
	}
	var seq int64
	switch err := s.queryRow(ctx, s.q, readCheckpoint, s.tenant(ctx), consumer).Scan(&seq); {
	case errors.Is(s.translate(ctx, err), crm.ErrNotFound):
		return 0, nil
	case err != nil:
		return 0, s.fail(ctx, op+" "+consumer, err)
	}
	return seq, nil
}

// SaveCheckpoint records seq as consumer's checkpoint in the tenant: an update, or an
// insert for a consumer's first. An update that matched no row (MySQL
// also reports none for a row that already holds seq) tries the insert,
// and an insert that finds the row there updates it.
func (s *Store) SaveCheckpoint(ctx context.Context, consumer string, seq int64) error {
	const op = "save checkpoint"
	if consumer == "" || seq < 0 {
		return s.fail(ctx, op, fmt.Errorf("consumer %q at %d: %w", consumer, seq, crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op, err)
	}
	tenant := s.tenant(ctx)
	err := s.atomically(ctx, func(q dbtx) error {
		res, err := s.exec(ctx, q, updateCheckpoint, seq, tenant, consumer)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		_, err = s.exec(ctx, q, insertCheckpoint, tenant, consumer, seq)
		return err
	})
	if errors.Is(s.translate(ctx, err), crm.ErrDuplicate) {
		_, err = s.execWrite(ctx, updateCheckpoint, seq, tenant, consumer)
	}
	if err != nil {
		return s.fail(ctx, op+" "+consumer, err)
	}
	return nil
}

const (
	eraseAuditSelect = auditSelect + ` WHERE a.tenant_id = ? AND a.entity = ? AND a.entity_id IN `
	eraseAudit       = `UPDATE audit_log SET changes = ?, salt = '' WHERE tenant_id = ? AND seq = ?`
	eraseEvents      = `UPDATE events SET data = 'null' WHERE tenant_id = ? AND entity = ? AND data <> 'null' AND entity_id IN `
)

// EraseLog erases the entries of the records ids, read through the index
// audit_log_record and written back one by one (only those with
// anything left to erase), and the Data of their events, found through
// the index events_record, in one statement per chunk of IDs, all in one
// transaction (RunInTx's, if called inside it).
func (s *Store) EraseLog(ctx context.Context, entity crm.EntityKind, ids []string) error {
	const op = "erase log"
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op, err)
	}
	if len(ids) > crm.MaxPageLimit {
		return s.fail(ctx, op, fmt.Errorf("%d %s IDs, more than %d: %w", len(ids), entity, crm.MaxPageLimit, crm.ErrInvalid))
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 {
		return nil
	}
	tenant := s.tenant(ctx)
	err := s.atomically(ctx, func(q dbtx) error {
		for chunk := range s.argChunks(ids) {
			args := append([]any{tenant, string(entity)}, chunk...)
			entries, err := collectRows(ctx, s, q, eraseAuditSelect+inList(len(chunk)), args, s.scanAudit)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if !e.Erase() {
					continue
				}
				changes, err := crm.EncodeChanges(e.Changes)
				if err != nil {
					return err
				}
				if _, err := s.exec(ctx, q, eraseAudit, changes, tenant, e.Seq); err != nil {
					return err
				}
			}
			if _, err := s.exec(ctx, q, eraseEvents+inList(len(chunk)), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.fail(ctx, op+" "+string(entity), err)
	}
	return nil
}
