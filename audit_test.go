package crm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// tamperStore hands out the audit history after tamper has changed it,
// as a database edited behind the library's back would.
type tamperStore struct {
	crm.Store
	tamper func([]*crm.AuditEntry) []*crm.AuditEntry
	head   func(seq int64, hash string) (int64, string)
}

func (s *tamperStore) FindAudit(ctx context.Context, f crm.AuditFilter) ([]*crm.AuditEntry, crm.Cursor, error) {
	var all []*crm.AuditEntry
	f.Limit = crm.MaxPageLimit
	for {
		page, next, err := s.Store.FindAudit(ctx, f)
		if err != nil {
			return nil, "", err
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		f.AfterSeq = page[len(page)-1].Seq
	}
	if s.tamper != nil {
		all = s.tamper(all)
	}
	return all, "", nil
}

func (s *tamperStore) AuditHead(ctx context.Context) (int64, string, error) {
	seq, hash, err := s.Store.AuditHead(ctx)
	if s.head != nil {
		seq, hash = s.head(seq, hash)
	}
	return seq, hash, err
}

// auditedHistory makes a short audited history on a memory store and
// returns the store.
func auditedHistory(t *testing.T) crm.Store {
	t.Helper()
	c, _, store := newClient(t, crm.WithAudit())
	ctx := actorCtx(t, "ann")
	cust := mustCreate(t, c, ctx, &crm.Customer{Name: "Chained Ltd", CreditLimit: crm.MustMoney("500.00", "EUR")})
	for _, name := range []string{"Chained Group", "Chained Holdings"} {
		var err error
		cust, err = c.UpdateCustomer(ctx, cust.ID, cust.Version, crm.CustomerUpdate{Name: crm.Ptr(name)})
		require.NoError(t, err)
	}
	return store
}

func TestClient_VerifyAudit(t *testing.T) {
	store := auditedHistory(t)
	c, err := crm.New(store)
	require.NoError(t, err)
	check, err := c.VerifyAudit(t.Context())
	require.NoError(t, err)
	assert.Equal(t, int64(3), check.Entries)
	assert.Len(t, check.Head, 64, "a hex SHA-256")

	edit := func(e *crm.AuditEntry) {
		e.Changes[0].After = json.RawMessage(`"Someone Else"`)
	}
	for _, tc := range []struct {
		name    string
		tamper  func([]*crm.AuditEntry) []*crm.AuditEntry
		head    func(int64, string) (int64, string)
		wantSeq int64
	}{
		{"a value changed", func(es []*crm.AuditEntry) []*crm.AuditEntry { edit(es[1]); return es }, nil, 2},
		{"a value changed and the entry rehashed", func(es []*crm.AuditEntry) []*crm.AuditEntry {
			edit(es[1])
			es[1].Hash = es[1].ChainHash()
			return es
		}, nil, 3},
		{"the actor changed", func(es []*crm.AuditEntry) []*crm.AuditEntry { es[0].ActorID = "bob"; return es }, nil, 1},
		{"an entry removed", func(es []*crm.AuditEntry) []*crm.AuditEntry { return slices.Delete(es, 1, 2) }, nil, 2},
		{"two entries swapped", func(es []*crm.AuditEntry) []*crm.AuditEntry { es[1], es[2] = es[2], es[1]; return es }, nil, 2},
		{"the last entry cut", func(es []*crm.AuditEntry) []*crm.AuditEntry { return es[:2] }, nil, 3},
		{"the head moved back", nil, func(seq int64, hash string) (int64, string) { return seq - 1, hash }, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := crm.New(&tamperStore{Store: store, tamper: tc.tamper, head: tc.head})
			require.NoError(t, err)
			_, err = c.VerifyAudit(t.Context())
			require.ErrorIs(t, err, crm.ErrTampered)
			var te *crm.TamperError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tc.wantSeq, te.Seq, "the first entry that does not fit: %v", err)
		})
	}
}

func TestAuditEntry_ChainHash(t *testing.T) {
	e := &crm.AuditEntry{Seq: 1, ActorID: "ann", Entity: crm.EntityCustomer, EntityID: "c-1", Action: crm.AuditUpdated,
		Changes: []crm.FieldChange{{Field: "Name", Before: json.RawMessage(`"a"`), After: json.RawMessage(`"b"`)}}}
	h := e.ChainHash()
	// Moving a byte from one field to the next changes the hash: every
	// field is written with its length.
	moved := e.Clone()
	moved.Entity, moved.EntityID = "customerc", "-1"
	assert.NotEqual(t, h, moved.ChainHash())
	swapped := e.Clone()
	swapped.Changes[0].Before, swapped.Changes[0].After = swapped.Changes[0].After, swapped.Changes[0].Before
	assert.NotEqual(t, h, swapped.ChainHash())
	assert.Equal(t, h, e.Clone().ChainHash(), "a copy hashes the same")
}

func TestAuditEntry_Erase(t *testing.T) {
	e := &crm.AuditEntry{Seq: 1, ActorID: "ann", Entity: crm.EntityCustomer, EntityID: "c-1", Action: crm.AuditUpdated,
		Salt: crm.NewAuditSalt(), Changes: []crm.FieldChange{
			{Field: "Name", Before: json.RawMessage(`"Ada"`), After: json.RawMessage(`"Ada L."`)},
			{Field: "TaxID", After: json.RawMessage(`"GB123"`)},
		}}
	h := e.ChainHash()
	resalted := e.Clone()
	resalted.Salt = crm.NewAuditSalt()
	assert.NotEqual(t, h, resalted.ChainHash(), "the digests the chain covers are salted")

	erased := e.Clone()
	require.True(t, erased.Erase())
	assert.Equal(t, h, erased.ChainHash(), "an erased entry hashes as before")
	assert.Empty(t, erased.Salt, "the salt goes with the values")
	for i, ch := range erased.Changes {
		assert.True(t, ch.Erased)
		assert.Nil(t, ch.Before)
		assert.Nil(t, ch.After)
		assert.Equal(t, e.Changes[i].Field, ch.Field)
	}
	assert.Equal(t, e.ValueDigest(json.RawMessage(`"GB123"`)), erased.Changes[1].AfterDigest)
	assert.Empty(t, erased.Changes[1].BeforeDigest, "no value, no digest")
	assert.NotContains(t, fmt.Sprint(erased.Changes), "GB123")

	again := erased.Clone()
	assert.False(t, again.Erase(), "an erased entry has nothing left to erase")
	assert.Equal(t, erased, again)

	forged := erased.Clone()
	forged.Changes[1].AfterDigest = e.ValueDigest(json.RawMessage(`"GB999"`))
	assert.NotEqual(t, h, forged.ChainHash(), "a changed digest breaks the chain")
}

func TestClient_History_Off(t *testing.T) {
	c, _, store := newClient(t)
	ctx := actorCtx(t, "ann")
	mustCreate(t, c, ctx, &crm.Customer{Name: "Unaudited"})
	page, _, err := store.FindAudit(ctx, crm.AuditFilter{})
	require.NoError(t, err)
	assert.Empty(t, page, "without WithAudit nothing is written")
	evs, err := store.FindEvents(ctx, 0, 0)
	require.NoError(t, err)
	assert.Empty(t, evs, "without WithEvents nothing is written")
}

func TestClient_ConsumeEvents(t *testing.T) {
	c, _, _ := newClient(t, crm.WithEvents())
	ctx := actorCtx(t, "ann")
	for _, name := range []string{"One", "Two", "Three", "Four"} {
		mustCreate(t, c, ctx, &crm.Customer{Name: name})
	}

	var seen []int64
	boom := errors.New("mailer down")
	n, err := c.ConsumeEvents(ctx, "mailer", func(_ context.Context, e *crm.Event) error {
		if e.Seq == 3 {
			return boom
		}
		seen = append(seen, e.Seq)
		return nil
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, 2, n, "delivered before the failure")
	assert.Equal(t, []int64{1, 2}, seen)

	n, err = c.ConsumeEvents(ctx, "mailer", func(_ context.Context, e *crm.Event) error {
		seen = append(seen, e.Seq)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the failed event is delivered again, then the rest")
	assert.Equal(t, []int64{1, 2, 3, 4}, seen)

	n, err = c.ConsumeEvents(ctx, "mailer", func(context.Context, *crm.Event) error { return nil })
	require.NoError(t, err)
	assert.Zero(t, n, "nothing new")
	n, err = c.ConsumeEvents(ctx, "search-index", func(context.Context, *crm.Event) error { return nil })
	require.NoError(t, err)
	assert.Equal(t, 4, n, "another consumer has a checkpoint of its own")

	_, err = c.ConsumeEvents(ctx, "", func(context.Context, *crm.Event) error { return nil })
	assert.Equal(t, "required", fieldErr(t, err, "consumer"))
}

// BenchmarkAuditedUpdate measures what WithAudit and WithEvents add to an
// update on the memory store: the read of the record before, the diff of
// its fields as JSON, and two appends. The baseline is the same update
// without them, in the same run.
func BenchmarkAuditedUpdate(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts []crm.Option
	}{
		{"plain", nil},
		{"audit", []crm.Option{crm.WithAudit()}},
		{"audit+events", []crm.Option{crm.WithAudit(), crm.WithEvents()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c, _, _ := newClient(b, bc.opts...)
			ctx := actorCtx(b, "ann")
			in := &crm.Customer{Name: "Bench Ltd", Industry: "retail", Tags: []string{"a", "b"},
				Emails: []crm.Email{{Address: "bench@example.com"}}, CreditLimit: crm.MustMoney("1000.00", "EUR")}
			cust := mustCreate(b, c, ctx, in)
			names := []string{"Bench Ltd", "Bench Group"}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				var err error
				cust, err = c.UpdateCustomer(ctx, cust.ID, cust.Version, crm.CustomerUpdate{Name: &names[(i+1)%2]})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
