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
