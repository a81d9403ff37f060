package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// testClaimContactConcurrent has eight members of staff claim one
// customer at once through Clients over the store: exactly one claim is
// stored and the others are refused as contact conflicts naming the
// winner — the store's unique (customer, seq) deciding the race — and
// nothing else reaches the callers.
func testClaimContactConcurrent(t *testing.T, s crm.Store) {
	c, ctx := mergeClient(t, s)
	cust := &crm.Customer{Name: "Claimed Ltd"}
	cust.Consent.Set(crm.ChannelEmail, true, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	cust, err := c.CreateCustomer(ctx, cust)
	require.NoError(t, err)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.ClaimContact(crm.WithActor(ctx, crm.Actor{ID: fmt.Sprintf("u-%d", i)}), cust.ID, crm.InteractionEmail)
		}()
	}
	wg.Wait()
	var winners []int
	for i, err := range errs {
		var conflict *crm.ContactConflictError
		switch {
		case err == nil:
			winners = append(winners, i)
		case errors.As(err, &conflict):
			assert.Equal(t, crm.ConflictClaimed, conflict.Reason)
		default:
			t.Errorf("claim %d: %v", i, err)
		}
	}
	require.Len(t, winners, 1, "one claim gets through")
	claims, _, err := s.FindContactClaims(ctx, crm.ContactClaimFilter{CustomerIDs: []string{cust.ID}})
	require.NoError(t, err)
	require.Len(t, claims, 1)
	assert.Equal(t, fmt.Sprintf("u-%d", winners[0]), claims[0].ActorID)
	for i, err := range errs {
		var conflict *crm.ContactConflictError
		if errors.As(err, &conflict) {
			assert.Equal(t, claims[0].ActorID, conflict.ActorID, "claim %d names the winner", i)
		}
	}
}

// testCareConcurrent runs four care schedulers at once through a Client
// over the store: each birthday in the window gets one task, and every
// run accounts for every date, made by it or found made.
func testCareConcurrent(t *testing.T, s crm.Store) {
	c, ctx := mergeClient(t, s) // 4 May 2026, 03:02 UTC
	want := 0
	var ids []string
	for i := range 12 {
		cust, err := c.CreateCustomer(ctx, &crm.Customer{Name: fmt.Sprintf("Care %02d", i), Tags: []string{"care-test"},
			BirthDate: time.Date(1980, 5, 1+i, 0, 0, 0, 0, time.UTC)}, crm.AllowDuplicates())
		require.NoError(t, err)
		ids = append(ids, cust.ID)
		if d := 1 + i; d >= 4 && d < 11 {
			want++
		}
	}
	plan := crm.CarePlan{Name: "storetest", Kind: crm.CareBirthday, Customers: crm.CustomerFilter{Tags: []string{"care-test"}}}
	var wg sync.WaitGroup
	runs := make([]*crm.CareRun, 4)
	errs := make([]error, len(runs))
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i], errs[i] = c.ScheduleCare(ctx, plan, 7)
		}()
	}
	wg.Wait()
	created := 0
	for i, r := range runs {
		require.NoError(t, errs[i])
		created += len(r.Created)
		assert.Equal(t, want, len(r.Created)+r.Scheduled, "run %d accounts for every date", i)
	}
	assert.Equal(t, want, created, "each task made once")
	tasks, _, err := s.FindTasks(ctx, crm.TaskFilter{CustomerIDs: ids, Limit: crm.MaxPageLimit})
	require.NoError(t, err)
	assert.Len(t, tasks, want)
}

// testMergeRelationship merges two customers through a Client over the
// store: the duplicate's interactions (and so its last contact), tasks
// and ownership history go to the survivor.
func testMergeRelationship(t *testing.T, s crm.Store) {
	c, ctx := mergeClient(t, s)
	survivor, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Relationship Survivor", OwnerID: "u-a"})
	require.NoError(t, err)
	dup, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Relationship Duplicate", OwnerID: "u-a"}, crm.AllowDuplicates())
	require.NoError(t, err)
	i, err := c.LogInteraction(ctx, &crm.Interaction{CustomerID: dup.ID, Channel: crm.InteractionCall, At: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	task, err := c.CreateTask(ctx, &crm.Task{CustomerID: dup.ID, Title: "call back", Due: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	_, err = c.Reassign(ctx, crm.EntityCustomer, dup.ID, dup.Version, "u-b", "territory")
	require.NoError(t, err)

	plan, err := c.MergeCustomers(ctx, survivor.ID, dup.ID, crm.MergeOptions{})
	require.NoError(t, err)
	kinds := map[string][]string{}
	for _, ch := range plan.Children {
		kinds[ch.Kind] = append(kinds[ch.Kind], ch.ID)
	}
	assert.Equal(t, []string{i.ID}, kinds["interaction"])
	assert.Equal(t, []string{task.ID}, kinds["task"])
	assert.Len(t, kinds["owner_change"], 1)
	got, err := s.FindInteractionByID(ctx, i.ID)
	require.NoError(t, err)
	assert.Equal(t, survivor.ID, got.CustomerID)
	gotTask, err := s.FindTaskByID(ctx, task.ID)
	require.NoError(t, err)
	assert.Equal(t, survivor.ID, gotTask.CustomerID)
	last, err := s.LastContacts(ctx, []string{survivor.ID, dup.ID})
	require.NoError(t, err)
	require.Len(t, last, 1)
	assert.Equal(t, crm.LastContact{CustomerID: survivor.ID, InteractionID: i.ID, At: i.At, ActorID: "u-merge", Channel: crm.InteractionCall}, last[0])
	changes, _, err := s.FindOwnerChanges(ctx, crm.OwnerChangeFilter{EntityIDs: []string{dup.ID}})
	require.NoError(t, err)
	require.Len(t, changes, 1)
	assert.Equal(t, survivor.ID, changes[0].CustomerID)
	assert.Equal(t, "u-a", changes[0].From)
	assert.Equal(t, "u-b", changes[0].To)
}
