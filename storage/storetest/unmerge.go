package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// undoPair is two customers to merge and unmerge, the duplicate with a
// record of several kinds and the survivor with its own.
type undoPair struct {
	survivor, dup *crm.Customer
	// moved are the duplicate's records, own the survivor's.
	moved, own []crm.ChildRef
	task       *crm.Task
}

func seedUndoPair(t *testing.T, c *crm.Client, s crm.Store, ctx context.Context, name string, at time.Time) *undoPair {
	t.Helper()
	p := &undoPair{}
	survivor, err := c.CreateCustomer(ctx, &crm.Customer{Name: name + " Survivor", Tags: []string{"a"},
		CreditLimit: crm.MustMoney("1000.10", "EUR")})
	require.NoError(t, err)
	dup, err := c.CreateCustomer(ctx, &crm.Customer{Name: name + " Duplicate", Industry: "retail", Tags: []string{"b"},
		CreditLimit: crm.MustMoney("1234567890.4500", "EUR"), Emails: []crm.Email{{Address: strings.ToLower(name) + "@undo.example"}}})
	require.NoError(t, err)
	ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: dup.ID, Name: "Goes Back"})
	require.NoError(t, err)
	own, err := c.AddContact(ctx, &crm.Contact{CustomerID: survivor.ID, Name: "Stays"})
	require.NoError(t, err)
	order, err := c.CreateOrder(ctx, &crm.Order{CustomerID: dup.ID, Lines: []crm.OrderLine{
		{SKU: "SEAT", Quantity: decimal.NewFromInt(2), UnitPrice: crm.MustMoney("10.0500", "EUR")}}})
	require.NoError(t, err)
	pay, err := c.RecordPayment(ctx, &crm.Payment{OrderID: order.ID, Amount: crm.MustMoney("5.01", "EUR")})
	require.NoError(t, err)
	nps, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: name + " NPS", Wave: "2026-Q2"})
	require.NoError(t, err)
	said, err := c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: dup.ID, Score: 4})
	require.NoError(t, err)
	ownSaid, err := c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: survivor.ID, Score: 10})
	require.NoError(t, err)
	p.task, err = c.CreateTask(ctx, &crm.Task{CustomerID: dup.ID, Title: "Call back", Due: at.Add(24 * time.Hour)})
	require.NoError(t, err)
	p.moved = []crm.ChildRef{{Kind: "contact", ID: ct.ID}, {Kind: "order", ID: order.ID}, {Kind: "payment", ID: pay.ID},
		{Kind: "response", ID: said.ID}, {Kind: "task", ID: p.task.ID}}
	p.own = []crm.ChildRef{{Kind: "contact", ID: own.ID}, {Kind: "response", ID: ownSaid.ID}}
	p.survivor, err = s.FindCustomerByID(ctx, survivor.ID)
	require.NoError(t, err)
	p.dup, err = s.FindCustomerByID(ctx, dup.ID)
	require.NoError(t, err)
	return p
}

// undoChildren lists the contacts, orders, payments, responses and tasks
// of customer id.
func undoChildren(t *testing.T, s crm.Store, ctx context.Context, id string) []crm.ChildRef {
	t.Helper()
	var out []crm.ChildRef
	cts, _, err := s.FindContacts(ctx, crm.ContactFilter{CustomerID: id})
	require.NoError(t, err)
	for _, r := range cts {
		out = append(out, crm.ChildRef{Kind: "contact", ID: r.ID})
	}
	orders, _, err := s.FindOrders(ctx, crm.OrderFilter{CustomerIDs: []string{id}})
	require.NoError(t, err)
	for _, r := range orders {
		out = append(out, crm.ChildRef{Kind: "order", ID: r.ID})
	}
	pays, _, err := s.FindPayments(ctx, crm.PaymentFilter{CustomerIDs: []string{id}})
	require.NoError(t, err)
	for _, r := range pays {
		out = append(out, crm.ChildRef{Kind: "payment", ID: r.ID})
	}
	said, _, err := s.FindResponses(ctx, crm.ResponseFilter{CustomerIDs: []string{id}})
	require.NoError(t, err)
	for _, r := range said {
		out = append(out, crm.ChildRef{Kind: "response", ID: r.ID})
	}
	tasks, _, err := s.FindTasks(ctx, crm.TaskFilter{CustomerIDs: []string{id}})
	require.NoError(t, err)
	for _, r := range tasks {
		out = append(out, crm.ChildRef{Kind: "task", ID: r.ID})
	}
	return out
}

// testUndoMerge drives a Client with crm.WithAudit over the store through
// merges and their undoing: the two customers get their values back, each
// record the merge moved goes back to the duplicate by its ID while the
// survivor's own stay, the undo is in the history, which verifies; an
// undo after a moved record changed is refused, changing nothing, and so
// is a second undo.
func testUndoMerge(t *testing.T, s crm.Store) {
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	c, err := crm.New(s, crm.WithAudit(),
		fixedClock(now),
		prefixedIDs("u"),
	)
	require.NoError(t, err)
	ctx := crm.WithActor(t.Context(), crm.Actor{ID: "u-undo"})

	// Refused: a moved task changed since the merge.
	p := seedUndoPair(t, c, s, ctx, "Refused", now)
	_, err = c.MergeCustomers(ctx, p.survivor.ID, p.dup.ID, crm.MergeOptions{})
	require.NoError(t, err)
	task, err := s.FindTaskByID(ctx, p.task.ID)
	require.NoError(t, err)
	_, err = c.CompleteTask(ctx, task.ID, task.Version)
	require.NoError(t, err)
	merged, err := s.FindCustomerByID(ctx, p.survivor.ID)
	require.NoError(t, err)
	archived, err := s.FindCustomerByID(ctx, p.dup.ID)
	require.NoError(t, err)
	_, err = c.UndoMerge(ctx, p.survivor.ID, p.dup.ID)
	require.ErrorIs(t, err, crm.ErrConflict)
	assert.ErrorContains(t, err, "task "+p.task.ID)
	got, err := s.FindCustomerByID(ctx, p.survivor.ID)
	require.NoError(t, err)
	assertCustomerEqual(t, merged, got)
	got, err = s.FindCustomerByID(ctx, p.dup.ID)
	require.NoError(t, err)
	assertCustomerEqual(t, archived, got)
	assert.Empty(t, undoChildren(t, s, ctx, p.dup.ID), "a refused undo moves nothing")

	// Undone.
	p = seedUndoPair(t, c, s, ctx, "Undone", now)
	_, err = c.MergeCustomers(ctx, p.survivor.ID, p.dup.ID, crm.MergeOptions{})
	require.NoError(t, err)
	res, err := c.UndoMerge(ctx, p.survivor.ID, p.dup.ID)
	require.NoError(t, err)
	assert.ElementsMatch(t, p.moved, res.Restored)
	for _, want := range []*crm.Customer{p.survivor, p.dup} {
		got, err := s.FindCustomerByID(ctx, want.ID)
		require.NoError(t, err)
		assert.Equal(t, want.Version+2, got.Version, "merged, then restored")
		w := want.Clone()
		w.Version, w.UpdatedAt, w.UpdatedBy = got.Version, got.UpdatedAt, got.UpdatedBy
		assertCustomerEqual(t, w, got)
	}
	assert.ElementsMatch(t, p.moved, undoChildren(t, s, ctx, p.dup.ID), "the duplicate's records are back")
	assert.ElementsMatch(t, p.own, undoChildren(t, s, ctx, p.survivor.ID), "the survivor keeps its own")
	pays, _, err := s.FindPayments(ctx, crm.PaymentFilter{CustomerIDs: []string{p.dup.ID}})
	require.NoError(t, err)
	if assert.Len(t, pays, 1) {
		assertDecimalEqual(t, decimal.RequireFromString("5.01"), pays[0].Amount.Amount, "the payment, to the cent")
	}
	var actions []crm.AuditAction
	for e, err := range c.History(ctx, crm.EntityCustomer, p.survivor.ID) {
		require.NoError(t, err)
		actions = append(actions, e.Action)
	}
	assert.Contains(t, actions, crm.AuditMerged)
	assert.Contains(t, actions, crm.AuditUnmerged)
	_, err = c.VerifyAudit(ctx)
	assert.NoError(t, err, "the history verifies after the undo")

	_, err = c.UndoMerge(ctx, p.survivor.ID, p.dup.ID)
	assert.ErrorIs(t, err, crm.ErrTransition, "a second undo of one merge")
	assert.ElementsMatch(t, p.moved, undoChildren(t, s, ctx, p.dup.ID), "and it moves nothing")
}
