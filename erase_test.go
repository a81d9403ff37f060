package crm_test

import (
	"context"
	"errors"
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
