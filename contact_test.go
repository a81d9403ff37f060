package crm_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestClient_Contacts(t *testing.T) {
	c, clock, _ := newClient(t)
	ctx := actorCtx(t, "u-ann")
	acme := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme", Address: crm.Address{Country: "DE"}})
	ann := mustCreate(t, c, ctx, &crm.Customer{Name: "Ann Person", Kind: crm.KindPerson})

	t.Run("add normalises with the organisation's country", func(t *testing.T) {
		in := &crm.Contact{CustomerID: acme.ID, Name: " Dora ", JobTitle: "CFO", Role: crm.RoleFinance,
			Emails: []crm.Email{{Address: "Dora@Acme.example"}}, Phones: []crm.Phone{{Number: "030 123456"}}}
		ct, err := c.AddContact(ctx, in)
		require.NoError(t, err)
		assert.Equal(t, "Dora", ct.Name)
		assert.Equal(t, "dora@acme.example", ct.PrimaryEmail())
		assert.Equal(t, "+4930123456", ct.PrimaryPhone())
		assert.Equal(t, int64(1), ct.Version)
		assert.Equal(t, "u-ann", ct.CreatedBy)
		assert.Equal(t, " Dora ", in.Name)
	})

	t.Run("refused", func(t *testing.T) {
		_, err := c.AddContact(ctx, &crm.Contact{CustomerID: ann.ID, Name: "Spouse"})
		assert.Contains(t, fieldErr(t, err, "customer_id"), "person")
		_, err = c.AddContact(ctx, &crm.Contact{CustomerID: "missing", Name: "X"})
		assert.ErrorIs(t, err, crm.ErrNotFound)
		_, err = c.AddContact(ctx, &crm.Contact{Name: "", Role: "boss"})
		fieldErr(t, err, "customer_id")
		fieldErr(t, err, "name")
		fieldErr(t, err, "role")
	})

	t.Run("update, conflict, list, remove", func(t *testing.T) {
		ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: acme.ID, Name: "Eli"})
		require.NoError(t, err)
		clock.Advance(time.Minute)
		up, err := c.UpdateContact(actorCtx(t, "u-bob"), ct.ID, ct.Version, crm.ContactUpdate{JobTitle: crm.Ptr("Buyer"), Role: crm.Ptr(crm.RolePurchasing)})
		require.NoError(t, err)
		assert.Equal(t, "Buyer", up.JobTitle)
		assert.Equal(t, "Eli", up.Name)
		assert.Equal(t, int64(2), up.Version)
		assert.Equal(t, "u-bob", up.UpdatedBy)
		assert.Equal(t, t0.Add(time.Minute), up.UpdatedAt)

		_, err = c.UpdateContact(ctx, ct.ID, ct.Version, crm.ContactUpdate{Name: crm.Ptr("Stale")})
		assert.ErrorIs(t, err, crm.ErrConflict)
		_, err = c.UpdateContact(ctx, ct.ID, up.Version, crm.ContactUpdate{CustomerID: crm.Ptr(ann.ID)})
		fieldErr(t, err, "customer_id")

		var names []string
		for got, err := range c.Contacts(ctx, crm.ContactFilter{CustomerID: acme.ID, Limit: 1}) {
			require.NoError(t, err)
			names = append(names, got.Name)
		}
		assert.Equal(t, []string{"Dora", "Eli"}, names)

		assert.ErrorIs(t, c.RemoveContact(ctx, ct.ID, ct.Version), crm.ErrConflict)
		require.NoError(t, c.RemoveContact(ctx, ct.ID, up.Version))
		_, err = c.GetContact(ctx, ct.ID)
		assert.ErrorIs(t, err, crm.ErrNotFound)
	})
}
