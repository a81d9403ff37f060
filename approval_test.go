package crm_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// TestClient_ExportApproval holds a bulk export for approval: the
// approval lets the requester run that export, with that filter, once.
func TestClient_ExportApproval(t *testing.T) {
	roles, err := crm.NewRoles(crm.DefaultRoles(), nil)
	require.NoError(t, err)
	c, _, _ := newClient(t, crm.WithAuthorizer(roles), crm.WithApprovals(crm.ApprovalPolicy{Export: true}))
	as := func(id, role string) context.Context {
		return crm.WithActor(t.Context(), crm.Actor{ID: id, Roles: []string{role}})
	}
	ana, dpo, sam := as("ana", "admin"), as("dpo", "admin"), as("sam", "sales")
	for _, name := range []string{"Acme Ltd", "Globex Inc"} {
		mustCreate(t, c, ana, &crm.Customer{Name: name})
	}
	f := crm.CustomerFilter{Industries: nil}
	var buf bytes.Buffer

	_, err = c.ExportCustomers(sam, &buf, f, crm.ExportOptions{})
	assert.ErrorIs(t, err, crm.ErrForbidden, "no data:export: refused before any request")
	_, err = c.ExportCustomers(ana, &buf, f, crm.ExportOptions{})
	var held *crm.ApprovalRequiredError
	require.ErrorAs(t, err, &held, "an export waits for approval")
	assert.Equal(t, crm.ApprovalExport, held.Request.Kind)
	assert.Zero(t, buf.Len(), "nothing written")

	_, err = c.ExportCustomers(ana, &buf, f, crm.ExportOptions{Approval: held.Request.ID})
	assert.ErrorIs(t, err, crm.ErrTransition, "a pending request does not export")
	_, err = c.Approve(ana, held.Request.ID, held.Request.Version)
	assert.ErrorIs(t, err, crm.ErrForbidden, "not by the requester")
	approved, err := c.Approve(dpo, held.Request.ID, held.Request.Version)
	require.NoError(t, err)
	assert.Equal(t, crm.ApprovalApproved, approved.Status)

	_, err = c.ExportCustomers(dpo, &buf, f, crm.ExportOptions{Approval: approved.ID})
	assert.ErrorIs(t, err, crm.ErrForbidden, "the approver does not run the requester's export")
	_, err = c.ExportCustomers(ana, &buf, crm.CustomerFilter{Search: "Acme"}, crm.ExportOptions{Approval: approved.ID})
	assert.ErrorIs(t, err, crm.ErrInvalid, "the approval is for the export asked for, not another")
	stats, err := c.ExportCustomers(ana, &buf, f, crm.ExportOptions{Approval: approved.ID})
	require.NoError(t, err)
	assert.Equal(t, 2, stats.Customers)
	assert.Equal(t, 2, strings.Count(buf.String(), "\n"), "one line per customer")
	_, err = c.ExportCustomers(ana, &buf, f, crm.ExportOptions{Approval: approved.ID})
	assert.ErrorIs(t, err, crm.ErrTransition, "an approval runs one export")
	used, err := c.GetApproval(ana, approved.ID)
	require.NoError(t, err)
	assert.Equal(t, crm.ApprovalUsed, used.Status)
}

// TestClient_ApprovalNeedsTheRequestersGrant: an operation held for
// approval changes customers the requester may change; an actor who may
// not cannot have it done by asking.
func TestClient_ApprovalNeedsTheRequestersGrant(t *testing.T) {
	roles, err := crm.NewRoles(crm.DefaultRoles(), map[string][]string{"east": {"ann"}})
	require.NoError(t, err)
	c, _, store := newClient(t, crm.WithAuthorizer(roles), crm.WithApprovals(crm.ApprovalPolicy{
		CreditLimits: []crm.Money{crm.MustMoney("10000", "EUR")}, Archive: true, Merge: true}))
	as := func(id, role string) context.Context {
		return crm.WithActor(t.Context(), crm.Actor{ID: id, Roles: []string{role}, Team: "east"})
	}
	root, ann, sam := as("root", "admin"), as("ann", "sales"), as("sam", "service")
	cust := mustCreate(t, c, root, &crm.Customer{Name: "Hudson Outfitters", OwnerID: "ann"})
	other := mustCreate(t, c, root, &crm.Customer{Name: "Hudson Outfitters Ltd", OwnerID: "ann"}, crm.AllowDuplicates())

	// sam reads every customer but may write none: he cannot ask either.
	_, err = c.UpdateCustomer(sam, cust.ID, cust.Version, crm.CustomerUpdate{CreditLimit: crm.Ptr(crm.MustMoney("25000", "EUR"))})
	assert.ErrorIs(t, err, crm.ErrForbidden, "a credit raise by an actor without customer:write")
	_, err = c.ArchiveCustomer(sam, cust.ID, cust.Version)
	assert.ErrorIs(t, err, crm.ErrForbidden, "an archive by an actor without customer:write")
	_, err = c.MergeCustomers(sam, cust.ID, other.ID, crm.MergeOptions{})
	assert.ErrorIs(t, err, crm.ErrForbidden, "a merge by an actor without customer:write")
	reqs, _, err := store.FindApprovals(t.Context(), crm.ApprovalFilter{})
	require.NoError(t, err)
	assert.Empty(t, reqs, "no request is stored")

	// ann may change her customers, with a second actor's approval.
	_, err = c.UpdateCustomer(ann, cust.ID, cust.Version, crm.CustomerUpdate{CreditLimit: crm.Ptr(crm.MustMoney("25000", "EUR"))})
	assert.ErrorIs(t, err, crm.ErrApprovalRequired)
	_, err = c.MergeCustomers(ann, cust.ID, other.ID, crm.MergeOptions{})
	assert.ErrorIs(t, err, crm.ErrApprovalRequired, "the approver holds customer:delete")
}

// TestClient_ApprovalsOfInvisibleCustomers: a request shows a customer
// and what is asked for it; an actor who may not read the customer sees
// neither, unless it asked.
func TestClient_ApprovalsOfInvisibleCustomers(t *testing.T) {
	roles, err := crm.NewRoles(crm.DefaultRoles(), nil)
	require.NoError(t, err)
	c, _, _ := newClient(t, crm.WithAuthorizer(roles), crm.WithApprovals(crm.ApprovalPolicy{
		CreditLimits: []crm.Money{crm.MustMoney("10000", "EUR")}}))
	as := func(id, role string) context.Context {
		return crm.WithActor(t.Context(), crm.Actor{ID: id, Roles: []string{role}})
	}
	root, ann, bob := as("root", "admin"), as("ann", "sales"), as("bob", "sales")
	cust := mustCreate(t, c, root, &crm.Customer{Name: "Hudson Outfitters", OwnerID: "ann"})
	_, err = c.UpdateCustomer(ann, cust.ID, cust.Version, crm.CustomerUpdate{CreditLimit: crm.Ptr(crm.MustMoney("25000", "EUR"))})
	var held *crm.ApprovalRequiredError
	require.ErrorAs(t, err, &held)

	_, err = c.GetApproval(bob, held.Request.ID)
	assert.ErrorIs(t, err, crm.ErrForbidden, "bob may not read ann's customer")
	var seen []string
	for r, err := range c.Approvals(bob, crm.ApprovalFilter{}) {
		require.NoError(t, err)
		seen = append(seen, r.ID)
	}
	assert.Empty(t, seen, "nor list its requests")
	_, err = c.GetApproval(ann, held.Request.ID)
	assert.NoError(t, err, "ann reads her customer's request")
	seen = nil
	for r, err := range c.Approvals(ann, crm.ApprovalFilter{}) {
		require.NoError(t, err)
		seen = append(seen, r.ID)
	}
	assert.Equal(t, []string{held.Request.ID}, seen)
}
