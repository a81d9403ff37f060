package crm_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// unmergeFixture is two customers with records of every kind, the
// duplicate's to be merged into the survivor and back.
type unmergeFixture struct {
	c                   *crm.Client
	clock               *testClock
	store               *memory.Store
	survivor, duplicate *crm.Customer
	// moved are the duplicate's records, own the survivor's.
	moved, own []crm.ChildRef
}

func newUnmergeFixture(t *testing.T, opts ...crm.Option) *unmergeFixture {
	t.Helper()
	c, clock, store := newClient(t, opts...)
	ctx := actorCtx(t, "u-ann")
	fx := &unmergeFixture{c: c, clock: clock, store: store}
	fx.survivor = mustCreate(t, c, ctx, &crm.Customer{Name: "Acme Ltd", Kind: crm.KindOrganization,
		Emails: []crm.Email{{Address: "a@acme.example"}}, Tags: []string{"vip"}, CreditLimit: crm.MustMoney("1000.10", "EUR")})
	dup := &crm.Customer{Name: "ACME Limited", Kind: crm.KindOrganization, Industry: "retail", OwnerID: "u-bob",
		Emails: []crm.Email{{Address: "b@acme.example"}}, Tags: []string{"key"}, CreditLimit: crm.MustMoney("2500.55", "EUR"),
		Custom: map[string]crm.CustomValue{"seats": crm.IntValue(12)}}
	dup.Consent.Set(crm.ChannelEmail, true, t0)
	fx.duplicate = mustCreate(t, c, ctx, dup, crm.AllowDuplicates())
	pipeline, err := c.CreatePipeline(ctx, crm.DefaultPipeline())
	require.NoError(t, err)
	survey, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Relationship", Wave: "2026-Q1"})
	require.NoError(t, err)

	add := func(cust *crm.Customer, refs *[]crm.ChildRef, tag string) {
		ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: cust.ID, Name: "Contact " + tag})
		require.NoError(t, err)
		deal, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Deal " + tag, CustomerID: cust.ID, PipelineID: pipeline.ID, ContactID: ct.ID})
		require.NoError(t, err)
		lead, err := c.CreateLead(ctx, &crm.Lead{Company: "Lead " + tag, Source: "web"})
		require.NoError(t, err)
		_, err = c.ConvertLead(ctx, lead.ID, lead.Version, crm.LeadConversion{CustomerID: cust.ID})
		require.NoError(t, err)
		order, err := c.CreateOrder(ctx, &crm.Order{CustomerID: cust.ID, OpportunityID: deal.ID, Lines: []crm.OrderLine{
			{SKU: "SEAT", Quantity: decimal.NewFromInt(3), UnitPrice: crm.MustMoney("100.0500", "EUR")}}})
		require.NoError(t, err)
		pay, err := c.RecordPayment(ctx, &crm.Payment{OrderID: order.ID, Amount: crm.MustMoney("0.45", "EUR")})
		require.NoError(t, err)
		said, err := c.RecordResponse(ctx, &crm.Response{SurveyID: survey.ID, CustomerID: cust.ID, Score: 9})
		require.NoError(t, err)
		cs, err := c.CreateCase(ctx, &crm.Case{CustomerID: cust.ID, Kind: crm.CaseInquiry, Subject: "Question " + tag})
		require.NoError(t, err)
		call, err := c.LogInteraction(ctx, &crm.Interaction{CustomerID: cust.ID, Channel: crm.InteractionCall, At: t0, Summary: "Call " + tag})
		require.NoError(t, err)
		task, err := c.CreateTask(ctx, &crm.Task{CustomerID: cust.ID, Title: "Follow up " + tag, Due: t0.Add(48 * time.Hour)})
		require.NoError(t, err)
		*refs = append(*refs, crm.ChildRef{Kind: "contact", ID: ct.ID}, crm.ChildRef{Kind: "opportunity", ID: deal.ID},
			crm.ChildRef{Kind: "lead", ID: lead.ID}, crm.ChildRef{Kind: "order", ID: order.ID}, crm.ChildRef{Kind: "payment", ID: pay.ID},
			crm.ChildRef{Kind: "response", ID: said.ID}, crm.ChildRef{Kind: "case", ID: cs.ID},
			crm.ChildRef{Kind: "interaction", ID: call.ID}, crm.ChildRef{Kind: "task", ID: task.ID})
	}
	add(fx.duplicate, &fx.moved, "of the duplicate")
	add(fx.survivor, &fx.own, "of the survivor")
	clock.Advance(time.Minute)
	// Loaded again, as stored: a lead conversion writes its customer.
	fx.survivor, fx.duplicate = fx.stored(t, fx.survivor.ID), fx.stored(t, fx.duplicate.ID)
	return fx
}

func (fx *unmergeFixture) stored(t *testing.T, id string) *crm.Customer {
	t.Helper()
	got, err := fx.store.FindCustomerByID(t.Context(), id)
	require.NoError(t, err)
	return got
}

// childrenOf lists the records of every kind that belong to customer id.
func (fx *unmergeFixture) childrenOf(t *testing.T, id string) []crm.ChildRef {
	t.Helper()
	ctx, s, in := t.Context(), fx.store, []string{id}
	var out []crm.ChildRef
	add := func(kind string, ids []string) {
		for _, id := range ids {
			out = append(out, crm.ChildRef{Kind: kind, ID: id})
		}
	}
	contacts, _, err := s.FindContacts(ctx, crm.ContactFilter{CustomerID: id})
	require.NoError(t, err)
	add("contact", recordIDs(contacts, func(r *crm.Contact) string { return r.ID }))
	deals, _, err := s.FindOpportunities(ctx, crm.OpportunityFilter{CustomerIDs: in})
	require.NoError(t, err)
	add("opportunity", recordIDs(deals, func(r *crm.Opportunity) string { return r.ID }))
	leads, _, err := s.FindLeads(ctx, crm.LeadFilter{CustomerIDs: in})
	require.NoError(t, err)
	add("lead", recordIDs(leads, func(r *crm.Lead) string { return r.ID }))
	orders, _, err := s.FindOrders(ctx, crm.OrderFilter{CustomerIDs: in})
	require.NoError(t, err)
	add("order", recordIDs(orders, func(r *crm.Order) string { return r.ID }))
	pays, _, err := s.FindPayments(ctx, crm.PaymentFilter{CustomerIDs: in})
	require.NoError(t, err)
	add("payment", recordIDs(pays, func(r *crm.Payment) string { return r.ID }))
	said, _, err := s.FindResponses(ctx, crm.ResponseFilter{CustomerIDs: in})
	require.NoError(t, err)
	add("response", recordIDs(said, func(r *crm.Response) string { return r.ID }))
	cases, _, err := s.FindCases(ctx, crm.CaseFilter{CustomerIDs: in})
	require.NoError(t, err)
	add("case", recordIDs(cases, func(r *crm.Case) string { return r.ID }))
	calls, _, err := s.FindInteractions(ctx, crm.InteractionFilter{CustomerIDs: in})
	require.NoError(t, err)
	add("interaction", recordIDs(calls, func(r *crm.Interaction) string { return r.ID }))
	tasks, _, err := s.FindTasks(ctx, crm.TaskFilter{CustomerIDs: in})
	require.NoError(t, err)
	add("task", recordIDs(tasks, func(r *crm.Task) string { return r.ID }))
	return out
}

func recordIDs[T any](rs []*T, id func(*T) string) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = id(r)
	}
	return out
}

// snapshot returns everything the store holds of the two customers, as
// JSON, so that two snapshots compare exactly.
func (fx *unmergeFixture) snapshot(t *testing.T) string {
	t.Helper()
	ctx, s := t.Context(), fx.store
	ids := []string{fx.survivor.ID, fx.duplicate.ID}
	state := map[string]any{}
	for _, id := range ids {
		state["customer "+id] = fx.stored(t, id)
		contacts, _, err := s.FindContacts(ctx, crm.ContactFilter{CustomerID: id})
		require.NoError(t, err)
		state["contacts "+id] = contacts
	}
	var err error
	put := func(name string, v any, e error) {
		require.NoError(t, e)
		state[name] = v
	}
	deals, _, err := s.FindOpportunities(ctx, crm.OpportunityFilter{CustomerIDs: ids})
	put("opportunities", deals, err)
	leads, _, err := s.FindLeads(ctx, crm.LeadFilter{CustomerIDs: ids})
	put("leads", leads, err)
	orders, _, err := s.FindOrders(ctx, crm.OrderFilter{CustomerIDs: ids})
	put("orders", orders, err)
	pays, _, err := s.FindPayments(ctx, crm.PaymentFilter{CustomerIDs: ids})
	put("payments", pays, err)
	said, _, err := s.FindResponses(ctx, crm.ResponseFilter{CustomerIDs: ids})
	put("responses", said, err)
	cases, _, err := s.FindCases(ctx, crm.CaseFilter{CustomerIDs: ids})
	put("cases", cases, err)
	calls, _, err := s.FindInteractions(ctx, crm.InteractionFilter{CustomerIDs: ids})
	put("interactions", calls, err)
	tasks, _, err := s.FindTasks(ctx, crm.TaskFilter{CustomerIDs: ids})
	put("tasks", tasks, err)
	owners, _, err := s.FindOwnerChanges(ctx, crm.OwnerChangeFilter{CustomerIDs: ids})
	put("owner changes", owners, err)
	seq, head, err := s.AuditHead(ctx)
	put("audit head", []any{seq, head}, err)
	b, err := json.Marshal(state)
	require.NoError(t, err)
	return string(b)
}

// assertRestored checks that got holds the values of want, as stored
// before the merge, with a later version.
func assertRestored(t *testing.T, want, got *crm.Customer, at time.Time, by string) {
	t.Helper()
	assert.Greater(t, got.Version, want.Version, "%s: the version goes up, never back", want.ID)
	assert.Equal(t, at, got.UpdatedAt)
	assert.Equal(t, by, got.UpdatedBy)
	assert.True(t, want.CreditLimit.Amount.Equal(got.CreditLimit.Amount), "%s: credit limit %s, want %s", want.ID, got.CreditLimit, want.CreditLimit)
	assert.Equal(t, want.CreditLimit.String(), got.CreditLimit.String(), "to the cent")
	w, g := want.Clone(), got.Clone()
	g.Version, g.UpdatedAt, g.UpdatedBy = w.Version, w.UpdatedAt, w.UpdatedBy
	wj, err := json.Marshal(w)
	require.NoError(t, err)
	gj, err := json.Marshal(g)
	require.NoError(t, err)
	assert.JSONEq(t, string(wj), string(gj), "%s: every value as before the merge", want.ID)
}

func TestClient_UndoMerge(t *testing.T) {
	t.Run("restores both customers and moves every record back", func(t *testing.T) {
		fx := newUnmergeFixture(t, crm.WithAudit())
		ctx := actorCtx(t, "u-carol")
		s, d := fx.survivor, fx.duplicate
		plan, err := fx.c.MergeCustomers(ctx, s.ID, d.ID, crm.MergeOptions{})
		require.NoError(t, err)
		for _, ref := range fx.moved {
			assert.Contains(t, plan.Children, ref)
		}
		merged := fx.stored(t, s.ID)
		assert.Equal(t, "retail", merged.Industry, "the merge filled the survivor")
		assert.Empty(t, fx.childrenOf(t, d.ID))
		fx.clock.Advance(time.Hour)
		at := t0.Add(time.Minute + time.Hour)

		res, err := fx.c.UndoMerge(ctx, s.ID, d.ID)
		require.NoError(t, err)
		assertRestored(t, s, res.Survivor, at, "u-carol")
		assertRestored(t, d, res.Duplicate, at, "u-carol")
		assertRestored(t, s, fx.stored(t, s.ID), at, "u-carol")
		gotDup := fx.stored(t, d.ID)
		assertRestored(t, d, gotDup, at, "u-carol")
		assert.Empty(t, gotDup.MergedInto)
		assert.False(t, gotDup.Archived())
		_, err = fx.c.GetCustomer(ctx, d.ID)
		assert.NoError(t, err, "the duplicate is live again")

		assert.ElementsMatch(t, fx.moved, res.Restored, "every record the merge moved goes back")
		assert.ElementsMatch(t, fx.moved, fx.childrenOf(t, d.ID))
		assert.ElementsMatch(t, fx.own, fx.childrenOf(t, s.ID), "the survivor keeps its own records")
		for _, ref := range res.Kept {
			assert.Contains(t, []string{"owner_change", "contact_claim"}, ref.Kind, "only history stays: %v", ref)
		}
		owed, err := fx.store.CustomerExposure(ctx, d.ID)
		require.NoError(t, err)
		if assert.Len(t, owed, 1) {
			assert.True(t, decimal.RequireFromString("299.70").Equal(owed[0].Amount), "the duplicate owes its order again: %s", owed[0])
		}
		pays, _, err := fx.store.FindPayments(ctx, crm.PaymentFilter{CustomerIDs: []string{d.ID}})
		require.NoError(t, err)
		if assert.Len(t, pays, 1) {
			assert.Equal(t, "0.45 EUR", pays[0].Amount.String(), "to the cent")
			assert.Equal(t, int64(3), pays[0].Version, "moved twice")
		}

		// The undo is in the history, and the history still verifies.
		var actions []crm.AuditAction
		for e, err := range fx.c.History(ctx, crm.EntityCustomer, d.ID) {
			require.NoError(t, err)
			actions = append(actions, e.Action)
		}
		assert.Equal(t, []crm.AuditAction{crm.AuditUnmerged}, actions[len(actions)-1:], "the duplicate's history ends with the undo: %v", actions)
		assert.Contains(t, actions, crm.AuditUpdated)
		var unmerged *crm.AuditEntry
		for e, err := range fx.c.History(ctx, crm.EntityCustomer, s.ID) {
			require.NoError(t, err)
			if e.Action == crm.AuditUnmerged {
				unmerged = e
			}
		}
		require.NotNil(t, unmerged, "the survivor's history holds the undo")
		assert.Equal(t, "u-carol", unmerged.ActorID)
		var payHist []crm.AuditAction
		for e, err := range fx.c.History(ctx, crm.EntityPayment, pays[0].ID) {
			require.NoError(t, err)
			payHist = append(payHist, e.Action)
		}
		assert.Equal(t, []crm.AuditAction{crm.AuditCreated, crm.AuditUpdated}, payHist, "the payment moved back is entered")
		_, err = fx.c.VerifyAudit(ctx)
		assert.NoError(t, err)

		// Undone once: a second undo is refused and changes nothing.
		before := fx.snapshot(t)
		_, err = fx.c.UndoMerge(ctx, s.ID, d.ID)
		assert.ErrorIs(t, err, crm.ErrTransition)
		assert.ErrorContains(t, err, "undone already")
		assert.Equal(t, before, fx.snapshot(t))

		// Merged again, the new merge can be undone.
		_, err = fx.c.MergeCustomers(ctx, s.ID, d.ID, crm.MergeOptions{})
		require.NoError(t, err)
		res, err = fx.c.UndoMerge(ctx, s.ID, d.ID)
		require.NoError(t, err)
		assert.ElementsMatch(t, fx.moved, res.Restored)
		_, err = fx.c.VerifyAudit(ctx)
		assert.NoError(t, err)
	})

	t.Run("changed since the merge", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			change func(t *testing.T, fx *unmergeFixture, ctx context.Context) crm.ChildRef
		}{
			{"survivor updated", func(t *testing.T, fx *unmergeFixture, ctx context.Context) crm.ChildRef {
				got := fx.stored(t, fx.survivor.ID)
				_, err := fx.c.UpdateCustomer(ctx, got.ID, got.Version, crm.CustomerUpdate{Region: crm.Ptr("west")})
				require.NoError(t, err)
				return crm.ChildRef{Kind: "customer", ID: got.ID}
			}},
			{"moved contact updated", func(t *testing.T, fx *unmergeFixture, ctx context.Context) crm.ChildRef {
				ref := fx.moved[0]
				ct, err := fx.c.GetContact(ctx, ref.ID)
				require.NoError(t, err)
				_, err = fx.c.UpdateContact(ctx, ct.ID, ct.Version, crm.ContactUpdate{JobTitle: crm.Ptr("Buyer")})
				require.NoError(t, err)
				return ref
			}},
			{"moved task completed", func(t *testing.T, fx *unmergeFixture, ctx context.Context) crm.ChildRef {
				ref := fx.moved[slices.IndexFunc(fx.moved, func(r crm.ChildRef) bool { return r.Kind == "task" })]
				tk, err := fx.store.FindTaskByID(ctx, ref.ID)
				require.NoError(t, err)
				_, err = fx.c.CompleteTask(ctx, tk.ID, tk.Version)
				require.NoError(t, err)
				return ref
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				fx := newUnmergeFixture(t, crm.WithAudit())
				ctx := actorCtx(t, "u-carol")
				_, err := fx.c.MergeCustomers(ctx, fx.survivor.ID, fx.duplicate.ID, crm.MergeOptions{})
				require.NoError(t, err)
				fx.clock.Advance(time.Minute)
				changed := tc.change(t, fx, ctx)
				before := fx.snapshot(t)

				_, err = fx.c.UndoMerge(ctx, fx.survivor.ID, fx.duplicate.ID)
				require.ErrorIs(t, err, crm.ErrConflict)
				var conflict *crm.MergeConflictError
				require.True(t, errors.As(err, &conflict), "%T: %v", err, err)
				assert.Equal(t, []crm.ChildRef{changed}, conflict.Changed)
				assert.ErrorContains(t, err, changed.Kind+" "+changed.ID)
				assert.Equal(t, before, fx.snapshot(t), "a refused undo changes nothing")
			})
		}
	})

	t.Run("without audit", func(t *testing.T) {
		fx := newUnmergeFixture(t)
		ctx := t.Context()
		_, err := fx.c.MergeCustomers(ctx, fx.survivor.ID, fx.duplicate.ID, crm.MergeOptions{})
		require.NoError(t, err)
		before := fx.snapshot(t)
		_, err = fx.c.UndoMerge(ctx, fx.survivor.ID, fx.duplicate.ID)
		assert.ErrorIs(t, err, crm.ErrInvalid)
		assert.ErrorContains(t, err, "WithAudit")
		assert.Equal(t, before, fx.snapshot(t))
	})

	t.Run("errors", func(t *testing.T) {
		fx := newUnmergeFixture(t, crm.WithAudit())
		ctx := t.Context()
		_, err := fx.c.UndoMerge(ctx, fx.survivor.ID, fx.duplicate.ID)
		assert.ErrorIs(t, err, crm.ErrNotFound, "no merge to undo")
		_, err = fx.c.UndoMerge(ctx, "", "")
		fieldErr(t, err, "survivor_id")
		fieldErr(t, err, "duplicate_id")
		_, err = fx.c.MergeCustomers(ctx, fx.survivor.ID, fx.duplicate.ID, crm.MergeOptions{DryRun: true})
		require.NoError(t, err)
		_, err = fx.c.UndoMerge(ctx, fx.survivor.ID, fx.duplicate.ID)
		assert.ErrorIs(t, err, crm.ErrNotFound, "a dry run is no merge")
		_, err = fx.c.UndoMerge(ctx, fx.duplicate.ID, fx.survivor.ID)
		assert.ErrorIs(t, err, crm.ErrNotFound, "the pair the other way round")
	})
}

func TestClient_UndoMerge_AccessControl(t *testing.T) {
	roles, err := crm.NewRoles(crm.DefaultRoles(), nil)
	require.NoError(t, err)
	c, _, _ := newClient(t, crm.WithAuthorizer(roles), crm.WithAudit())
	root := crm.WithActor(t.Context(), crm.Actor{ID: "root", Roles: []string{"admin"}})
	s := mustCreate(t, c, root, &crm.Customer{Name: "Acme", Emails: []crm.Email{{Address: "a@acme.example"}}})
	d := mustCreate(t, c, root, &crm.Customer{Name: "Acme Ltd", Emails: []crm.Email{{Address: "b@acme.example"}}}, crm.AllowDuplicates())
	_, err = c.MergeCustomers(root, s.ID, d.ID, crm.MergeOptions{})
	require.NoError(t, err)
	var actions []crm.AuditAction
	for e, err := range c.History(root, crm.EntityCustomer, s.ID) {
		require.NoError(t, err)
		actions = append(actions, e.Action)
	}
	assert.Contains(t, actions, crm.AuditMerged, "a guarded Client records the merge too")
	res, err := c.UndoMerge(root, s.ID, d.ID)
	require.NoError(t, err, "and can undo it")
	assert.False(t, res.Duplicate.Archived())
}
