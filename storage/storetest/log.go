package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// logChecks are the checks of [crm.LogStore]: the audit history, the
// event outbox and the consumers' checkpoints.
func logChecks() []check {
	return []check{
		{"Log/Audit/RoundTrip", testAuditRoundTrip},
		{"Log/Audit/Filter", testAuditFilter},
		{"Log/Audit/Rollback", testAuditRollback},
		{"Log/Concurrent", testLogConcurrent},
		{"Log/Events/RoundTrip", testEventsRoundTrip},
		{"Log/Checkpoint", testCheckpoint},
		{"Log/Erase", testEraseLog},
		{"Log/Client/EveryRecord", testAuditEveryRecord},
		{"Log/Client/UndoMerge", testUndoMerge},
		{"Access/Scopes", testAccessScopes},
		{"Tenant/Isolation", testTenantIsolation},
		{"Log/Client/Erase", testEraseEveryRecord},
	}
}

// prefixedIDs makes a Client's IDs prefix-000001, prefix-000002, ... so
// that the checks' records sort in the order they were made.
func prefixedIDs(prefix string) crm.Option {
	var n atomic.Int64
	return crm.WithIDGenerator(crm.IDGeneratorFunc(func() string { return fmt.Sprintf("%s-%06d", prefix, n.Add(1)) }))
}

// fixedClock sets a Client's clock to now, always.
func fixedClock(now time.Time) crm.Option {
	return crm.WithClock(crm.ClockFunc(func() time.Time { return now }))
}

// auditEntry is an entry as the Client makes one, at a time with
// nanoseconds in another zone.
func auditEntry(kind crm.EntityKind, id string, action crm.AuditAction, i int) *crm.AuditEntry {
	zone := time.FixedZone("UTC+2", 2*3600)
	e := &crm.AuditEntry{
		At:       time.Date(2026, 3, 1, 10, 0, i, 123456789, zone),
		ActorID:  "u-" + strconv.Itoa(i%3),
		Entity:   kind,
		EntityID: id,
		Action:   action,
		Salt:     fmt.Sprintf("%032x", i+1),
	}
	switch action {
	case crm.AuditCreated:
		e.Changes = []crm.FieldChange{
			{Field: "Name", After: json.RawMessage(`"Ada Lovelace ` + strconv.Itoa(i) + `"`)},
			{Field: "CreditLimit", After: json.RawMessage(`{"Amount":"1000.10","Currency":"EUR"}`)},
		}
	case crm.AuditUpdated:
		e.Changes = []crm.FieldChange{{Field: "Stage", Before: json.RawMessage(`"prospect"`), After: json.RawMessage(`"customer"`)}}
	}
	return e
}

// auditAll reads the whole audit history.
func auditAll(t *testing.T, s crm.Store, f crm.AuditFilter) []*crm.AuditEntry {
	t.Helper()
	var all []*crm.AuditEntry
	for {
		page, next, err := s.FindAudit(t.Context(), f)
		require.NoError(t, err, "FindAudit %+v", f)
		all = append(all, page...)
		if next == "" {
			return all
		}
		n, err := strconv.ParseInt(string(next), 10, 64)
		require.NoError(t, err, "the cursor of FindAudit is the last Seq of the page")
		require.Equal(t, page[len(page)-1].Seq, n, "the cursor of FindAudit is the last Seq of the page")
		f.AfterSeq = n
	}
}

// checkChain asserts that entries are numbered 1, 2, ... and chained.
func checkChain(t *testing.T, entries []*crm.AuditEntry) {
	t.Helper()
	prev := ""
	for i, e := range entries {
		require.Equal(t, int64(i+1), e.Seq, "entries are numbered from 1 without gaps")
		require.Equal(t, prev, e.PrevHash, "entry %d carries the hash of the one before", e.Seq)
		require.Equal(t, e.ChainHash(), e.Hash, "entry %d carries its own ChainHash", e.Seq)
		prev = e.Hash
	}
}

func testAuditRoundTrip(t *testing.T, s crm.Store) {
	ctx := t.Context()
	in := []*crm.AuditEntry{
		auditEntry(crm.EntityCustomer, "c-1", crm.AuditCreated, 1),
		auditEntry(crm.EntityCustomer, "c-1", crm.AuditUpdated, 2),
		auditEntry(crm.EntityContact, "x-1", crm.AuditDeleted, 3),
	}
	want := make([]*crm.AuditEntry, len(in))
	for i, e := range in {
		want[i] = e.Clone()
	}
	require.NoError(t, s.AppendAudit(ctx, in))
	for i, e := range in {
		assert.Equal(t, int64(i+1), e.Seq, "AppendAudit sets Seq on the entries passed in")
		assert.NotEmpty(t, e.Hash, "AppendAudit sets Hash on the entries passed in")
	}
	got := auditAll(t, s, crm.AuditFilter{})
	require.Len(t, got, 3)
	checkChain(t, got)
	for i, g := range got {
		w := want[i]
		assert.True(t, crm.Timestamp(w.At).Equal(g.At), "At of entry %d: want %v, got %v", g.Seq, crm.Timestamp(w.At), g.At)
		assert.Equal(t, time.UTC, g.At.Location(), "At comes back in UTC")
		assert.Equal(t, w.ActorID, g.ActorID)
		assert.Equal(t, w.Entity, g.Entity)
		assert.Equal(t, w.EntityID, g.EntityID)
		assert.Equal(t, w.Action, g.Action)
		assert.Equal(t, w.Salt, g.Salt, "Salt of entry %d", g.Seq)
		require.Len(t, g.Changes, len(w.Changes), "changes of entry %d", g.Seq)
		for j := range w.Changes {
			assert.Equal(t, w.Changes[j].Field, g.Changes[j].Field)
			assert.Equal(t, string(w.Changes[j].Before), string(g.Changes[j].Before), "Before byte for byte")
			assert.Equal(t, string(w.Changes[j].After), string(g.Changes[j].After), "After byte for byte")
		}
	}
	seq, head, err := s.AuditHead(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(3), seq, "AuditHead names the last entry")
	assert.Equal(t, got[2].Hash, head, "AuditHead holds the last entry's hash")

	more := auditEntry(crm.EntityCustomer, "c-2", crm.AuditCreated, 4)
	require.NoError(t, s.AppendAudit(ctx, []*crm.AuditEntry{more}))
	assert.Equal(t, int64(4), more.Seq, "a later append continues the numbering")
	assert.Equal(t, got[2].Hash, more.PrevHash, "a later append continues the chain")
}

func testAuditFilter(t *testing.T, s crm.Store) {
	ctx := t.Context()
	var in []*crm.AuditEntry
	for i := range 12 {
		kind, id := crm.EntityCustomer, fmt.Sprintf("c-%d", i%3)
		if i%4 == 3 {
			kind, id = crm.EntityLead, "c-0" // same ID, another kind
		}
		in = append(in, auditEntry(kind, id, crm.AuditUpdated, i))
	}
	require.NoError(t, s.AppendAudit(ctx, in[:5]))
	require.NoError(t, s.AppendAudit(ctx, in[5:]))
	seqs := func(entries []*crm.AuditEntry) []int64 {
		var out []int64
		for _, e := range entries {
			out = append(out, e.Seq)
		}
		return out
	}
	want := func(keep func(e *crm.AuditEntry) bool) []int64 {
		var out []int64
		for _, e := range in {
			if keep(e) {
				out = append(out, e.Seq)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    crm.AuditFilter
		keep func(e *crm.AuditEntry) bool
	}{
		{"record", crm.AuditFilter{Entity: crm.EntityCustomer, EntityID: "c-0"},
			func(e *crm.AuditEntry) bool { return e.Entity == crm.EntityCustomer && e.EntityID == "c-0" }},
		{"kind", crm.AuditFilter{Entity: crm.EntityLead},
			func(e *crm.AuditEntry) bool { return e.Entity == crm.EntityLead }},
		{"after", crm.AuditFilter{AfterSeq: 7},
			func(e *crm.AuditEntry) bool { return e.Seq > 7 }},
		{"record after, small pages", crm.AuditFilter{Entity: crm.EntityCustomer, EntityID: "c-1", AfterSeq: 2, Limit: 2},
			func(e *crm.AuditEntry) bool {
				return e.Entity == crm.EntityCustomer && e.EntityID == "c-1" && e.Seq > 2
			}},
		{"all, pages of 5", crm.AuditFilter{Limit: 5},
			func(*crm.AuditEntry) bool { return true }},
	} {
		assert.Equal(t, want(tc.keep), seqs(auditAll(t, s, tc.f)), tc.name)
	}
	_, _, err := s.FindAudit(ctx, crm.AuditFilter{Limit: -1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "a negative Limit")
}

func testAuditRollback(t *testing.T, s crm.Store) {
	ctx := t.Context()
	boom := errors.New("boom")
	err := s.RunInTx(ctx, func(tx crm.Store) error {
		require.NoError(t, tx.AppendAudit(ctx, []*crm.AuditEntry{auditEntry(crm.EntityCustomer, "c-1", crm.AuditCreated, 1)}))
		require.NoError(t, tx.AppendEvents(ctx, []*crm.Event{{Type: "customer.created", Entity: crm.EntityCustomer, EntityID: "c-1"}}))
		require.NoError(t, tx.SaveCheckpoint(ctx, "mailer", 1))
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Empty(t, auditAll(t, s, crm.AuditFilter{}), "a rolled-back append leaves no entry")
	seq, head, err := s.AuditHead(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(0), seq, "a rolled-back append leaves the head")
	assert.Empty(t, head)
	evs, err := s.FindEvents(ctx, 0, 0)
	require.NoError(t, err)
	assert.Empty(t, evs, "a rolled-back append leaves no event")
	cp, err := s.Checkpoint(ctx, "mailer")
	require.NoError(t, err)
	assert.Zero(t, cp, "a rolled-back checkpoint is not saved")

	e := auditEntry(crm.EntityCustomer, "c-1", crm.AuditCreated, 2)
	ev := &crm.Event{Type: "customer.created", Entity: crm.EntityCustomer, EntityID: "c-1"}
	require.NoError(t, s.RunInTx(ctx, func(tx crm.Store) error {
		if err := tx.AppendAudit(ctx, []*crm.AuditEntry{e}); err != nil {
			return err
		}
		return tx.AppendEvents(ctx, []*crm.Event{ev})
	}))
	assert.Equal(t, int64(1), e.Seq, "numbers of a rolled-back append are handed out again")
	assert.Empty(t, e.PrevHash)
	assert.Equal(t, int64(1), ev.Seq, "numbers of rolled-back events are handed out again")
}

// testLogConcurrent appends from eight goroutines at once, each
// transaction one entry and one event, while a reader follows the
// events: numbers must come out without gaps, and the reader must never
// see an event before all those numbered before it (commit order).
func testLogConcurrent(t *testing.T, s crm.Store) {
	ctx := t.Context()
	const writers, each = 8, 6
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := s.RunInTx(ctx, func(tx crm.Store) error {
					id := fmt.Sprintf("c-%d-%d", w, i)
					if err := tx.AppendAudit(ctx, []*crm.AuditEntry{auditEntry(crm.EntityCustomer, id, crm.AuditCreated, i)}); err != nil {
						return err
					}
					return tx.AppendEvents(ctx, []*crm.Event{{Type: "customer.created", Entity: crm.EntityCustomer, EntityID: id}})
				})
				if errors.Is(err, crm.ErrConflict) {
					continue // a lost race is the caller's to retry; the numbering must hold anyway
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	readErr := make(chan error, 1)
	go func() {
		var last int64
		for {
			select {
			case <-done:
				readErr <- nil
				return
			default:
			}
			evs, err := s.FindEvents(ctx, last, 0)
			if err != nil {
				readErr <- err
				return
			}
			for _, e := range evs {
				if e.Seq != last+1 {
					readErr <- fmt.Errorf("after event %d the reader saw %d: an event became visible before one numbered earlier", last, e.Seq)
					return
				}
				last = e.Seq
			}
		}
	}()
	wg.Wait()
	close(done)
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, <-readErr)

	entries := auditAll(t, s, crm.AuditFilter{})
	checkChain(t, entries)
	evs, err := s.FindEvents(ctx, 0, crm.MaxPageLimit)
	require.NoError(t, err)
	require.Len(t, evs, len(entries), "one event per entry")
	for i, e := range evs {
		require.Equal(t, int64(i+1), e.Seq, "events are numbered from 1 without gaps")
	}
	assert.Greater(t, len(entries), writers, "most transactions commit")
}

func testEventsRoundTrip(t *testing.T, s crm.Store) {
	ctx := t.Context()
	zone := time.FixedZone("UTC-5", -5*3600)
	at := time.Date(2026, 3, 1, 10, 0, 0, 987654321, zone)
	in := []*crm.Event{
		{Type: "customer.created", At: at, ActorID: "u-1", Entity: crm.EntityCustomer, EntityID: "c-1",
			Data: json.RawMessage(`{"ID":"c-1","Name":"Zoë","CreditLimit":{"Amount":"12.3400","Currency":"EUR"}}`)},
		{Type: "contact.deleted", At: at.Add(time.Second), ActorID: "u-2", Entity: crm.EntityContact, EntityID: "x-1"},
		{Type: "customer.moved", At: at.Add(2 * time.Second), Entity: crm.EntityCustomer, EntityID: "c-2",
			Data: json.RawMessage(`[{"Field":"contacts","After":{"to":"c-1","count":2}}]`)},
	}
	want := make([]*crm.Event, len(in))
	for i, e := range in {
		want[i] = e.Clone()
	}
	require.NoError(t, s.AppendEvents(ctx, in[:1]))
	require.NoError(t, s.AppendEvents(ctx, in[1:]))
	got, err := s.FindEvents(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, g := range got {
		w := want[i]
		assert.Equal(t, int64(i+1), g.Seq, "events are numbered from 1")
		assert.Equal(t, g.Seq, in[i].Seq, "AppendEvents sets Seq on the events passed in")
		assert.Equal(t, w.Type, g.Type)
		assert.True(t, crm.Timestamp(w.At).Equal(g.At), "At of event %d", g.Seq)
		assert.Equal(t, time.UTC, g.At.Location(), "At comes back in UTC")
		assert.Equal(t, w.ActorID, g.ActorID)
		assert.Equal(t, w.Entity, g.Entity)
		assert.Equal(t, w.EntityID, g.EntityID)
		assert.Equal(t, string(w.Data), string(g.Data), "Data byte for byte")
	}
	after, err := s.FindEvents(ctx, 1, 1)
	require.NoError(t, err)
	require.Len(t, after, 1, "limit")
	assert.Equal(t, int64(2), after[0].Seq, "the first event after 1")
	none, err := s.FindEvents(ctx, 3, 0)
	require.NoError(t, err)
	assert.Empty(t, none, "nothing after the last")
	_, err = s.FindEvents(ctx, 0, -1)
	assert.ErrorIs(t, err, crm.ErrInvalid, "a negative limit")
}

func testCheckpoint(t *testing.T, s crm.Store) {
	ctx := t.Context()
	get := func(consumer string) int64 {
		t.Helper()
		seq, err := s.Checkpoint(ctx, consumer)
		require.NoError(t, err)
		return seq
	}
	assert.Zero(t, get("mailer"), "a consumer never saved starts at 0")
	require.NoError(t, s.SaveCheckpoint(ctx, "mailer", 5))
	assert.Equal(t, int64(5), get("mailer"))
	require.NoError(t, s.SaveCheckpoint(ctx, "mailer", 5), "saving the same checkpoint again")
	assert.Equal(t, int64(5), get("mailer"))
	require.NoError(t, s.SaveCheckpoint(ctx, "mailer", 9))
	assert.Equal(t, int64(9), get("mailer"), "a later save replaces the checkpoint")
	require.NoError(t, s.RunInTx(ctx, func(tx crm.Store) error { return tx.SaveCheckpoint(ctx, "crm-sync", 2) }))
	assert.Equal(t, int64(2), get("crm-sync"), "consumers keep checkpoints of their own")
	assert.Equal(t, int64(9), get("mailer"))
	assert.ErrorIs(t, s.SaveCheckpoint(ctx, "", 1), crm.ErrInvalid, "a consumer with no name")
	assert.ErrorIs(t, s.SaveCheckpoint(ctx, "mailer", -1), crm.ErrInvalid, "a negative checkpoint")
	assert.Equal(t, int64(9), get("mailer"), "a refused save changes nothing")
}

// testEraseLog erases one record's entries and events among others: the
// values and the salt go, the digests stay, so the chain and the head are
// as they were; nothing else changes, and a rolled-back erasure undoes
// itself.
func testEraseLog(t *testing.T, s crm.Store) {
	ctx := t.Context()
	entries := []*crm.AuditEntry{
		auditEntry(crm.EntityCustomer, "c-1", crm.AuditCreated, 1),
		auditEntry(crm.EntityCustomer, "c-2", crm.AuditCreated, 2),
		auditEntry(crm.EntityLead, "c-1", crm.AuditCreated, 3), // same ID, another kind
		auditEntry(crm.EntityCustomer, "c-1", crm.AuditUpdated, 4),
		auditEntry(crm.EntityCustomer, "c-1", crm.AuditDeleted, 5),
	}
	require.NoError(t, s.AppendAudit(ctx, entries))
	data := json.RawMessage(`{"ID":"c-1","Name":"Ada Lovelace"}`)
	events := []*crm.Event{
		{Type: "customer.created", Entity: crm.EntityCustomer, EntityID: "c-1", Data: data},
		{Type: "lead.created", Entity: crm.EntityLead, EntityID: "c-1", Data: data},
		{Type: "customer.created", Entity: crm.EntityCustomer, EntityID: "c-2", Data: data},
	}
	require.NoError(t, s.AppendEvents(ctx, events))
	before := auditAll(t, s, crm.AuditFilter{})
	seq, head, err := s.AuditHead(ctx)
	require.NoError(t, err)

	boom := errors.New("boom")
	err = s.RunInTx(ctx, func(tx crm.Store) error {
		require.NoError(t, tx.EraseLog(ctx, crm.EntityCustomer, []string{"c-1"}))
		return boom
	})
	require.ErrorIs(t, err, boom)
	assertEntriesEqual(t, before, auditAll(t, s, crm.AuditFilter{}), "a rolled-back erasure")

	for range 2 { // erasing again changes nothing
		require.NoError(t, s.EraseLog(ctx, crm.EntityCustomer, []string{"c-1", "c-missing"}))
		after := auditAll(t, s, crm.AuditFilter{})
		require.Len(t, after, len(before))
		checkChain(t, after)
		gotSeq, gotHead, err := s.AuditHead(ctx)
		require.NoError(t, err)
		assert.Equal(t, seq, gotSeq, "erasure keeps the head")
		assert.Equal(t, head, gotHead, "erasure keeps the head")
		for i, e := range after {
			w := before[i]
			assert.Equal(t, w.Hash, e.Hash, "entry %d keeps its hash", e.Seq)
			if e.Entity != crm.EntityCustomer || e.EntityID != "c-1" {
				assertEntriesEqual(t, []*crm.AuditEntry{w}, []*crm.AuditEntry{e}, "another record's entry")
				continue
			}
			assert.Empty(t, e.Salt, "entry %d: the salt is erased", e.Seq)
			require.Len(t, e.Changes, len(w.Changes), "entry %d keeps its changes", e.Seq)
			for j, ch := range e.Changes {
				assert.Equal(t, w.Changes[j].Field, ch.Field, "entry %d keeps its field names", e.Seq)
				assert.True(t, ch.Erased, "entry %d: %s is marked erased", e.Seq, ch.Field)
				assert.Nil(t, ch.Before, "entry %d: %s: Before is erased", e.Seq, ch.Field)
				assert.Nil(t, ch.After, "entry %d: %s: After is erased", e.Seq, ch.Field)
				assert.Equal(t, w.ValueDigest(w.Changes[j].Before), ch.BeforeDigest, "entry %d: %s keeps the digest of Before", e.Seq, ch.Field)
				assert.Equal(t, w.ValueDigest(w.Changes[j].After), ch.AfterDigest, "entry %d: %s keeps the digest of After", e.Seq, ch.Field)
			}
		}
		evs, err := s.FindEvents(ctx, 0, 0)
		require.NoError(t, err)
		require.Len(t, evs, 3)
		assert.Nil(t, evs[0].Data, "the erased record's event loses its data")
		assert.Equal(t, "customer.created", evs[0].Type, "the erased record's event keeps its type")
		assert.Equal(t, "c-1", evs[0].EntityID, "the erased record's event keeps its record")
		assert.Equal(t, string(data), string(evs[1].Data), "another kind's event keeps its data")
		assert.Equal(t, string(data), string(evs[2].Data), "another record's event keeps its data")
	}
	require.NoError(t, s.EraseLog(ctx, crm.EntityCustomer, nil), "erasing no record")
	many := make([]string, crm.MaxPageLimit+1)
	for i := range many {
		many[i] = fmt.Sprintf("c-%d", i)
	}
	assert.ErrorIs(t, s.EraseLog(ctx, crm.EntityCustomer, many), crm.ErrInvalid, "more than MaxPageLimit IDs")
}

// assertEntriesEqual asserts that two lists of entries are the same, byte
// for byte.
func assertEntriesEqual(t *testing.T, want, got []*crm.AuditEntry, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	for i, w := range want {
		g := got[i]
		assert.Equal(t, w.Seq, g.Seq, msg)
		assert.Equal(t, w.Hash, g.Hash, msg)
		assert.Equal(t, w.Salt, g.Salt, "%s: Salt of entry %d", msg, w.Seq)
		require.Len(t, g.Changes, len(w.Changes), "%s: changes of entry %d", msg, w.Seq)
		for j, ch := range w.Changes {
			assert.Equal(t, ch.Erased, g.Changes[j].Erased, "%s: entry %d", msg, w.Seq)
			assert.Equal(t, string(ch.Before), string(g.Changes[j].Before), "%s: Before of entry %d", msg, w.Seq)
			assert.Equal(t, string(ch.After), string(g.Changes[j].After), "%s: After of entry %d", msg, w.Seq)
		}
	}
}
