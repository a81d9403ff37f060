package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// testAccessScopes drives a Client with crm.WithAuthorizer and the
// default roles over the store: a sales rep sees and changes only her own
// records, a manager her team's, an auditor reads all and changes
// nothing, and a context without an actor is refused. Listings come back
// narrowed by the store's own query.
func testAccessScopes(t *testing.T, s crm.Store) {
	roles, err := crm.NewRoles(crm.DefaultRoles(), map[string][]string{"east": {"ann", "bob"}})
	require.NoError(t, err)
	c, err := crm.New(s, crm.WithAuthorizer(roles), crm.WithAudit(),
		fixedClock(time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)),
		prefixedIDs("z"))
	require.NoError(t, err)
	as := func(id, role, team string) context.Context {
		return crm.WithActor(t.Context(), crm.Actor{ID: id, Roles: []string{role}, Team: team})
	}
	admin, ann, mia, ada := as("root", "admin", ""), as("ann", "sales", "east"), as("mia", "manager", "east"), as("ada", "auditor", "")

	pipeline, err := c.CreatePipeline(admin, crm.DefaultPipeline())
	require.NoError(t, err)
	type owned struct {
		cust    *crm.Customer
		contact *crm.Contact
		deal    *crm.Opportunity
	}
	of := map[string]owned{}
	for _, owner := range []string{"ann", "bob", "carl"} {
		cust, err := c.CreateCustomer(admin, &crm.Customer{Name: "Customer of " + owner, OwnerID: owner}, crm.AllowDuplicates())
		require.NoError(t, err)
		ct, err := c.AddContact(admin, &crm.Contact{CustomerID: cust.ID, Name: "Contact of " + owner})
		require.NoError(t, err)
		deal, err := c.CreateOpportunity(admin, &crm.Opportunity{Name: "Deal of " + owner, CustomerID: cust.ID, PipelineID: pipeline.ID, OwnerID: owner})
		require.NoError(t, err)
		of[owner] = owned{cust, ct, deal}
	}
	customers := func(ctx context.Context) ([]string, error) {
		var out []string
		for cust, err := range c.Customers(ctx, crm.CustomerFilter{}) {
			if err != nil {
				return out, err
			}
			out = append(out, cust.OwnerID)
		}
		return out, nil
	}
	deals := func(ctx context.Context) []string {
		page, _, err := c.ListOpportunities(ctx, crm.OpportunityFilter{})
		require.NoError(t, err)
		var out []string
		for _, d := range page {
			out = append(out, d.OwnerID)
		}
		return out
	}

	// ann: her own records only.
	got, err := customers(ann)
	require.NoError(t, err)
	assert.Equal(t, []string{"ann"}, got, "a sales rep lists her own customers")
	assert.Equal(t, []string{"ann"}, deals(ann), "and her own deals")
	_, err = c.GetCustomer(ann, of["bob"].cust.ID)
	assert.ErrorIs(t, err, crm.ErrForbidden, "another rep's customer")
	_, err = c.UpdateCustomer(ann, of["bob"].cust.ID, of["bob"].cust.Version, crm.CustomerUpdate{Name: crm.Ptr("Taken")})
	assert.ErrorIs(t, err, crm.ErrForbidden, "changing another rep's customer")
	stored, err := c.GetCustomer(admin, of["bob"].cust.ID)
	require.NoError(t, err)
	assert.Equal(t, "Customer of bob", stored.Name, "a refused update changes nothing")
	_, err = c.GetContact(ann, of["bob"].contact.ID)
	assert.ErrorIs(t, err, crm.ErrForbidden, "another rep's customer's contact")
	_, _, err = c.ListContacts(ann, crm.ContactFilter{})
	assert.ErrorIs(t, err, crm.ErrForbidden, "contacts across customers need a grant of all records")
	page, _, err := c.ListContacts(ann, crm.ContactFilter{CustomerID: of["ann"].cust.ID})
	require.NoError(t, err)
	assert.Len(t, page, 1, "her own customer's contacts")
	_, err = c.AddContact(ann, &crm.Contact{CustomerID: of["bob"].cust.ID, Name: "Intruder"})
	assert.ErrorIs(t, err, crm.ErrForbidden, "adding to another rep's customer")
	_, err = c.CreateCustomer(ann, &crm.Customer{Name: "For Bob", OwnerID: "bob"})
	assert.ErrorIs(t, err, crm.ErrForbidden, "creating a customer for another rep")
	mine, err := c.CreateCustomer(ann, &crm.Customer{Name: "Ann's new customer"})
	require.NoError(t, err, "creating her own")
	_, err = c.ArchiveCustomer(ann, mine.ID, mine.Version)
	assert.ErrorIs(t, err, crm.ErrForbidden, "a sales rep may not archive")
	_, err = c.MoveOpportunity(ann, of["bob"].deal.ID, of["bob"].deal.Version, "qualified", crm.MoveOptions{})
	assert.ErrorIs(t, err, crm.ErrForbidden, "moving another rep's deal")
	_, err = seqErr(c.AuditLog(ann, crm.AuditFilter{}))
	assert.ErrorIs(t, err, crm.ErrForbidden, "the audit history is the auditor's")

	// mia, manager of ann and bob.
	got, err = customers(mia)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"ann", "ann", "bob"}, got, "a manager lists her team's customers")
	_, err = c.GetCustomer(mia, of["carl"].cust.ID)
	assert.ErrorIs(t, err, crm.ErrForbidden, "outside her team")
	_, err = c.ArchiveCustomer(mia, of["bob"].cust.ID, of["bob"].cust.Version)
	assert.NoError(t, err, "a manager archives her team's customers")

	// ada, auditor: reads all, changes nothing.
	got, err = customers(ada)
	require.NoError(t, err)
	assert.Len(t, got, 3, "an auditor lists every live customer")
	_, err = c.UpdateCustomer(ada, of["carl"].cust.ID, of["carl"].cust.Version, crm.CustomerUpdate{Name: crm.Ptr("Audited")})
	assert.ErrorIs(t, err, crm.ErrForbidden, "an auditor changes nothing")
	entries, err := seqErr(c.AuditLog(ada, crm.AuditFilter{}))
	require.NoError(t, err)
	assert.NotEmpty(t, entries, "an auditor reads the audit history")

	// Nobody.
	_, err = c.GetCustomer(t.Context(), of["ann"].cust.ID)
	assert.ErrorIs(t, err, crm.ErrForbidden, "no actor: access control fails closed")
	_, err = customers(t.Context())
	assert.ErrorIs(t, err, crm.ErrForbidden, "no actor lists nothing")
}

// seqErr collects a sequence, stopping at its first error.
func seqErr[T any](s func(func(T, error) bool)) ([]T, error) {
	var out []T
	for v, err := range s {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
