package crm_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// failCaseUpdate fails every UpdateCase, as a store failing midway
// through an erasure would.
type failCaseUpdate struct{ crm.Store }

var errCaseUpdate = errors.New("case update failed")

func (s *failCaseUpdate) RunInTx(ctx context.Context, fn func(tx crm.Store) error) error {
	return s.Store.RunInTx(ctx, func(tx crm.Store) error { return fn(&failCaseUpdate{tx}) })
}

func (s *failCaseUpdate) UpdateCase(context.Context, *crm.Case) error { return errCaseUpdate }

func TestClient_EraseCustomer(t *testing.T) {
	t.Run("ErrNotFound", func(t *testing.T) {
		c, _, _ := newClient(t, crm.WithAudit())
		_, err := c.EraseCustomer(t.Context(), "missing")
		assert.ErrorIs(t, err, crm.ErrNotFound)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		c, _, _ := newClient(t, crm.WithAudit())
		_, err := c.EraseCustomer(t.Context(), "")
		assert.ErrorIs(t, err, crm.ErrInvalid)
		var verr *crm.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.Equal(t, "customer_id", verr.Fields[0].Field, "the error names the field")
	})
	t.Run("a failure midway changes nothing", func(t *testing.T) {
		mem := memory.New()
		c, err := crm.New(&failCaseUpdate{mem}, crm.WithAudit(), crm.WithEvents())
		require.NoError(t, err)
		ctx := crm.WithActor(t.Context(), crm.Actor{ID: "dpo"})
		cust, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Grace Hopper", Emails: []crm.Email{{Address: "grace@example.org"}}})
		require.NoError(t, err)
		ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: cust.ID, Name: "Howard Aiken"})
		require.NoError(t, err)
		_, err = c.CreateCase(ctx, &crm.Case{CustomerID: cust.ID, Kind: crm.CaseInquiry, Subject: "Grace asks"})
		require.NoError(t, err)
		before, err := c.VerifyAudit(ctx)
		require.NoError(t, err)

		_, err = c.EraseCustomer(ctx, cust.ID)
		require.ErrorIs(t, err, errCaseUpdate)
		assert.ErrorContains(t, err, "cases of "+cust.ID, "the error names the records")

		got, err := c.GetCustomer(ctx, cust.ID)
		require.NoError(t, err)
		assert.Equal(t, cust, got, "the customer is as it was")
		gotCt, err := c.GetContact(ctx, ct.ID)
		require.NoError(t, err)
		assert.Equal(t, "Howard Aiken", gotCt.Name, "the contact anonymised before the failure is as it was")
		after, err := c.VerifyAudit(ctx)
		require.NoError(t, err)
		assert.Equal(t, before, after, "no entry is written")
		for e, err := range c.History(ctx, crm.EntityCustomer, cust.ID) {
			require.NoError(t, err)
			assert.False(t, e.Changes[0].Erased, "entry %d keeps its values", e.Seq)
		}
	})
}

// TestClient_EraseCustomer_DeletedRecords: a contact or interaction
// removed before the erasure is gone from listings, but its history and
// events still hold its values; the erasure takes those too.
func TestClient_EraseCustomer_DeletedRecords(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []crm.Option
	}{{"audit and events", []crm.Option{crm.WithAudit(), crm.WithEvents()}}, {"events only", []crm.Option{crm.WithEvents()}}} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, store := newClient(t, tc.opts...)
			ctx := actorCtx(t, "dpo")
			cust := mustCreate(t, c, ctx, &crm.Customer{Name: "Grace Hopper", Emails: []crm.Email{{Address: "grace@example.org"}}})
			ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: cust.ID, Name: "Howard Aiken"})
			require.NoError(t, err)
			require.NoError(t, c.RemoveContact(ctx, ct.ID, ct.Version))
			call, err := c.LogInteraction(ctx, &crm.Interaction{CustomerID: cust.ID, Channel: crm.InteractionCall, At: t0, Summary: "Aiken called"})
			require.NoError(t, err)
			require.NoError(t, c.DeleteInteraction(ctx, call.ID, call.Version))
			other := mustCreate(t, c, ctx, &crm.Customer{Name: "Ada Lovelace"})
			kept, err := c.AddContact(ctx, &crm.Contact{CustomerID: other.ID, Name: "Charles Babbage"})
			require.NoError(t, err)
			require.NoError(t, c.RemoveContact(ctx, kept.ID, kept.Version))

			_, err = c.EraseCustomer(ctx, cust.ID)
			require.NoError(t, err)
			entries, _, err := store.FindAudit(t.Context(), crm.AuditFilter{Limit: crm.MaxPageLimit})
			require.NoError(t, err)
			for _, e := range entries {
				for _, ch := range e.Changes {
					assert.NotContains(t, string(ch.Before)+string(ch.After), "Aiken", "entry %d of %s %s", e.Seq, e.Entity, e.EntityID)
				}
			}
			events, err := store.FindEvents(t.Context(), 0, crm.MaxPageLimit)
			require.NoError(t, err)
			var babbage bool
			for _, e := range events {
				assert.NotContains(t, string(e.Data), "Aiken", "event %d %s", e.Seq, e.Type)
				babbage = babbage || strings.Contains(string(e.Data), "Babbage")
			}
			assert.True(t, babbage, "another customer's removed contact keeps its events")
			_, err = c.VerifyAudit(ctx)
			assert.NoError(t, err)
		})
	}
}
