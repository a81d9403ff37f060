package sqlite_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// TestRelationshipEdges checks, against the memory store, the corners of
// interactions and the ownership history that the conformance suite
// leaves alone: interactions with no time, in LastContacts and under a
// Before bound, and history entries of no customer.
func TestRelationshipEdges(t *testing.T) {
	ctx := t.Context()
	stores := map[string]crm.Store{
		"memory": memory.New(),
		"sqlite": mustOpen(t, filepath.Join(t.TempDir(), "crm.db")),
	}
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	type result struct {
		last             []crm.LastContact
		before           []string
		ownersNone       []string
		ownersAll        []string
		movedNone, moved int
	}
	results := map[string]result{}
	for name, s := range stores {
		for _, id := range []string{"c1", "c2", "c3"} {
			require.NoError(t, s.CreateCustomer(ctx, &crm.Customer{ID: id, Kind: crm.KindPerson, Name: id, Version: 1}), name)
		}
		for _, i := range []*crm.Interaction{
			{ID: "i1", CustomerID: "c1", Channel: crm.InteractionCall, At: t0, ActorID: "a"},
			{ID: "i2", CustomerID: "c1", Channel: crm.InteractionEmail, At: t0, ActorID: "b"}, // tie: greater ID
			{ID: "i0", CustomerID: "c1", Channel: crm.InteractionSMS},                         // no time: earliest
			{ID: "i3", CustomerID: "c2", Channel: crm.InteractionSMS},
			{ID: "i4", CustomerID: "c2", Channel: crm.InteractionChat},
		} {
			i.Version = 1
			require.NoError(t, s.CreateInteraction(ctx, i), name)
		}
		for _, ch := range []*crm.OwnerChange{
			{ID: "o1", Entity: crm.EntityLead, EntityID: "l1", To: "a", At: t0},
			{ID: "o2", Entity: crm.EntityCustomer, EntityID: "c1", CustomerID: "c1", From: "a", To: "b", At: t0},
		} {
			require.NoError(t, s.AddOwnerChange(ctx, ch), name)
		}
		var r result
		var err error
		r.last, err = s.LastContacts(ctx, []string{"c3", "c2", "nobody", "c1", "c2"})
		require.NoError(t, err, name)
		is, _, err := s.FindInteractions(ctx, crm.InteractionFilter{Before: t0.Add(time.Nanosecond)})
		require.NoError(t, err, name)
		for _, i := range is {
			r.before = append(r.before, i.ID)
		}
		chs, _, err := s.FindOwnerChanges(ctx, crm.OwnerChangeFilter{CustomerIDs: []string{""}})
		require.NoError(t, err, name)
		for _, ch := range chs {
			r.ownersNone = append(r.ownersNone, ch.ID)
		}
		r.movedNone, err = s.MoveOwnerChanges(ctx, "", "c3")
		require.NoError(t, err, name)
		r.moved, err = s.MoveOwnerChanges(ctx, "c1", "c3")
		require.NoError(t, err, name)
		chs, _, err = s.FindOwnerChanges(ctx, crm.OwnerChangeFilter{Owners: []string{"a"}})
		require.NoError(t, err, name)
		for _, ch := range chs {
			r.ownersAll = append(r.ownersAll, ch.ID+":"+ch.CustomerID)
		}
		_, err = s.LastContacts(ctx, make([]string, crm.MaxPageLimit+1))
		assert.ErrorIs(t, err, crm.ErrInvalid, name)
		results[name] = r
	}
	assert.Equal(t, results["memory"], results["sqlite"])
	assert.Equal(t, []string{"i2", "i4"}, []string{results["sqlite"].last[0].InteractionID, results["sqlite"].last[1].InteractionID})
}

// TestRelationshipIndexesUsed checks that LastContacts and the filters of
// interactions and tasks search indexes.
func TestRelationshipIndexesUsed(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "crm.db"))
	db := s.DB()
	for _, tc := range []struct{ name, query, index string }{
		{"last contacts", `SELECT i.customer_id, i.id FROM (SELECT COALESCE(
			(SELECT j.id FROM interactions j WHERE j.customer_id = c.id AND j.tenant_id = c.tenant_id AND j.occurred_at IS NOT NULL
				ORDER BY j.occurred_at DESC, j.id DESC LIMIT 1),
			(SELECT j.id FROM interactions j WHERE j.customer_id = c.id AND j.tenant_id = c.tenant_id AND j.occurred_at IS NULL
				ORDER BY j.id DESC LIMIT 1)) AS last_id
			FROM customers c WHERE c.tenant_id = '' AND c.id IN ('a', 'b')) l JOIN interactions i ON i.id = l.last_id`, "interactions_last"},
		{"interactions of a customer", `SELECT * FROM interactions i WHERE i.tenant_id = '' AND i.customer_id IN ('a') AND i.id > '' ORDER BY i.id LIMIT 101`, "interactions_customer_id"},
		{"interactions of an actor", `SELECT * FROM interactions i WHERE i.tenant_id = '' AND i.actor_id IN ('a') ORDER BY i.id LIMIT 101`, "interactions_actor_id"},
		{"last claim", `SELECT * FROM contact_claims cc WHERE cc.tenant_id = '' AND cc.customer_id = 'a' ORDER BY cc.seq DESC LIMIT 1`, "contact_claims_customer_seq"},
		{"tasks due", `SELECT * FROM tasks t WHERE t.tenant_id = '' AND t.due_at >= '2026-01-01T00:00:00.000000Z' AND t.due_at < '2026-02-01T00:00:00.000000Z' ORDER BY t.id LIMIT 101`, "tasks_due_at"},
		{"tasks of an owner", `SELECT * FROM tasks t WHERE t.tenant_id = '' AND t.owner_id IN ('a') ORDER BY t.id LIMIT 101`, "tasks_owner_"},
		{"an owner's agenda, due", `SELECT * FROM tasks t WHERE t.tenant_id = '' AND t.owner_id IN ('a') AND t.status IN ('open', 'done') AND t.due_at >= '2026-01-05T00:00:00.000000Z' AND t.due_at < '2026-01-12T00:00:00.000000Z' ORDER BY t.id LIMIT 101`, "tasks_owner_due"},
		{"an owner's agenda, done", `SELECT * FROM tasks t WHERE t.tenant_id = '' AND t.owner_id IN ('a') AND t.status IN ('done') AND t.done_at >= '2026-01-05T00:00:00.000000Z' AND t.done_at < '2026-01-12T00:00:00.000000Z' ORDER BY t.id LIMIT 101`, "tasks_owner_done"},
		{"an owner's overdue tasks", `SELECT * FROM tasks t WHERE t.tenant_id = '' AND t.owner_id IN ('a') AND t.status IN ('open') AND t.due_at < '2026-01-12T00:00:00.000000Z' ORDER BY t.id LIMIT 1001`, "tasks_owner_due"},
		{"tasks by source", `SELECT * FROM tasks t WHERE t.tenant_id = '' AND t.source IN ('x') ORDER BY t.id LIMIT 101`, "tasks_source"},
		{"history of an owner", `SELECT * FROM owner_changes oc WHERE oc.tenant_id = '' AND (oc.from_owner IN ('a') OR oc.to_owner IN ('a')) ORDER BY oc.id LIMIT 101`, "owner_changes_to_owner"},
	} {
		plan := queryPlan(t, db, tc.query)
		assert.Contains(t, strings.Join(plan, "\n"), tc.index, "%s: plan %q", tc.name, plan)
		for _, step := range plan {
			assert.NotRegexp(t, `^SCAN (i|j|t|cc|oc|interactions|tasks)( |$)`, step, "%s: plan %q", tc.name, plan)
		}
	}
}
