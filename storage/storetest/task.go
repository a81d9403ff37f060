package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// The checks of crm.TaskStore and crm.OwnershipStore: tasks with the
// version rule and a Source unique across tasks, filters on every
// TaskFilter and OwnerChangeFilter field, and moves between customers;
// then a rolled-back transaction and a dead context over every method of
// InteractionStore, TaskStore and OwnershipStore.

// newTask returns an open call task for customerID, due a day after
// baseTime, ready to create as the Client builds one.
func newTask(ids crm.IDGenerator, customerID, title string) *crm.Task {
	at := baseTime()
	return &crm.Task{
		ID: ids.NewID(), CustomerID: customerID, Kind: crm.TaskCall, Title: title, OwnerID: "u-test",
		Priority: crm.PriorityNormal, Status: crm.TaskOpen, Due: at.Add(24 * time.Hour),
		CreatedAt: at, CreatedBy: "u-test", UpdatedAt: at, UpdatedBy: "u-test", Version: 1,
	}
}

// fullTask returns a done task with every field set, its times with
// nanoseconds outside UTC.
func fullTask(id, customerID string) *crm.Task {
	return &crm.Task{
		ID: id, CustomerID: customerID, ContactID: "contact-1", OpportunityID: "opp-1", CaseID: "case-1",
		Kind: crm.TaskGreeting, Title: "Birthday card — Zoë", Notes: "Hand-written.\nMention the trip to Ålesund.",
		OwnerID: "u-ann", Priority: crm.PriorityUrgent, Status: crm.TaskDone, Due: fineTime(35), DoneAt: fineTime(36),
		Source:    "care:birthday:c-1:2026-03-14",
		CreatedAt: fineTime(37), CreatedBy: "u-bob", UpdatedAt: fineTime(38), UpdatedBy: "u-ann", Version: 1,
	}
}

func mustCreateTask(tb testing.TB, s crm.Store, tk *crm.Task) {
	tb.Helper()
	require.NoError(tb, s.CreateTask(tb.Context(), tk.Clone()), "CreateTask %q", tk.Title)
}

func assertStoredTask(tb testing.TB, s crm.Store, want *crm.Task, msgAndArgs ...any) bool {
	tb.Helper()
	got, err := s.FindTaskByID(tb.Context(), want.ID)
	if !assert.NoError(tb, err, msgAndArgs...) {
		return false
	}
	return assertRecordEqual(tb, "task", want, got, msgAndArgs...)
}

func assertNoTask(tb testing.TB, s crm.Store, id string, msgAndArgs ...any) bool {
	tb.Helper()
	_, err := s.FindTaskByID(tb.Context(), id)
	return assert.ErrorIs(tb, err, crm.ErrNotFound, msgAndArgs...)
}

func allTasks(tb testing.TB, s crm.Store, f crm.TaskFilter) []*crm.Task {
	tb.Helper()
	return allPages(tb, "FindTasks", s.FindTasks, f, func(f *crm.TaskFilter, c crm.Cursor) { f.After = c })
}

func taskIDs(ts []*crm.Task) []string { return keysOf(func(t *crm.Task) string { return t.ID })(ts) }

func taskLister(s crm.Store, f crm.TaskFilter) lister {
	return pagedLister(s.FindTasks, f, func(f *crm.TaskFilter, after crm.Cursor, limit int) { f.After, f.Limit = after, limit }, taskIDs)
}

func testTaskRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	in := fullTask(ids.NewID(), cust.ID)
	mustCreateTask(t, s, in)
	got, err := s.FindTaskByID(t.Context(), in.ID)
	require.NoError(t, err, "FindTaskByID")
	assertRecordEqual(t, "task", in, got, "FindTaskByID")
	wantDone := time.Date(2024, 2, 29, 18, 0, 36, 123456000, time.UTC)
	assert.True(t, wantDone.Equal(got.DoneAt), "DoneAt: want %s (UTC, truncated to µs), got %s", wantDone, got.DoneAt)
	list := allTasks(t, s, crm.TaskFilter{})
	if assert.Len(t, list, 1) {
		assertRecordEqual(t, "task", in, list[0], "FindTasks")
	}
	zero := &crm.Task{ID: ids.NewID(), CustomerID: cust.ID, Version: 1}
	mustCreateTask(t, s, zero)
	assertStoredTask(t, s, zero, "a task with only an ID, a customer and a version")
}

func testTaskNotFound(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	_, err := s.FindTaskByID(ctx, ids.NewID())
	assert.ErrorIs(t, err, crm.ErrNotFound, "FindTaskByID of a missing ID")

	orphan := newTask(ids, ids.NewID(), "Orphan")
	assert.ErrorIs(t, s.CreateTask(ctx, orphan.Clone()), crm.ErrNotFound, "CreateTask for a missing customer")
	assertNoTask(t, s, orphan.ID, "a refused task must not be stored")

	ghost := newTask(ids, cust.ID, "Ghost")
	assert.ErrorIs(t, s.UpdateTask(ctx, ghost.Clone()), crm.ErrNotFound, "UpdateTask of a missing task")
	assertNoTask(t, s, ghost.ID, "UpdateTask must not create a task")

	present := newTask(ids, cust.ID, "Present")
	mustCreateTask(t, s, present)
	moved := present.Clone()
	moved.CustomerID = ids.NewID()
	assert.ErrorIs(t, s.UpdateTask(ctx, moved), crm.ErrNotFound, "UpdateTask to a missing customer")
	assert.Equal(t, int64(1), moved.Version, "a refused update leaves the version passed in")
	assertStoredTask(t, s, present, "a task after a refused update")
}

// testTaskDuplicate stores tasks with taken IDs and sources: a source is
// taken once across all customers, and only a source that is not "".
func testTaskDuplicate(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 2)
	first := newTask(ids, cs[0].ID, "First")
	first.Source = "care:revisit:1"
	mustCreateTask(t, s, first)

	again := first.Clone()
	again.Title, again.Source = "Same ID", ""
	assert.ErrorIs(t, s.CreateTask(ctx, again), crm.ErrDuplicate, "CreateTask with a taken ID")
	assertStoredTask(t, s, first, "the task whose ID was taken again")

	sameSource := newTask(ids, cs[1].ID, "Same source, other customer")
	sameSource.Source = "care:revisit:1"
	assert.ErrorIs(t, s.CreateTask(ctx, sameSource.Clone()), crm.ErrDuplicate, "CreateTask with a source another task has")
	assertNoTask(t, s, sameSource.ID, "a task refused for its source must not be stored")

	for _, title := range []string{"No source", "No source either"} {
		assert.NoError(t, s.CreateTask(ctx, newTask(ids, cs[0].ID, title)), "no source is no clash")
	}
	second := newTask(ids, cs[1].ID, "Second")
	second.Source = "care:revisit:2"
	mustCreateTask(t, s, second)

	taking := second.Clone()
	taking.Source = "care:revisit:1"
	assert.ErrorIs(t, s.UpdateTask(ctx, taking), crm.ErrDuplicate, "UpdateTask to a source another task has")
	assert.Equal(t, second.Version, taking.Version, "a refused update leaves the version passed in")
	assertStoredTask(t, s, second, "a task after an update refused for its source")

	own := second.Clone()
	own.Title = "Own source kept"
	assert.NoError(t, s.UpdateTask(ctx, own), "its own source is no clash")
	cleared := first.Clone()
	cleared.Source = ""
	require.NoError(t, s.UpdateTask(ctx, cleared), "UpdateTask clearing a source")
	freed := newTask(ids, cs[1].ID, "Source given back")
	freed.Source = "care:revisit:1"
	assert.NoError(t, s.CreateTask(ctx, freed), "a source cleared by an update is free again")
}

// testTaskUpdate replaces every field of a task, moving it to another
// customer, then checks the version rule.
func testTaskUpdate(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 2)
	tk := newTask(ids, cs[0].ID, "Before")
	mustCreateTask(t, s, tk)

	u := fullTask(tk.ID, cs[1].ID)
	require.NoError(t, s.UpdateTask(ctx, u), "UpdateTask")
	assert.Equal(t, int64(2), u.Version, "UpdateTask sets the new version")
	assertStoredTask(t, s, u, "the updated task")

	stale := tk.Clone()
	stale.Status = crm.TaskCancelled
	assert.ErrorIs(t, s.UpdateTask(ctx, stale), crm.ErrConflict, "UpdateTask with a stale version")
	assert.Equal(t, int64(1), stale.Version, "a refused update leaves the version passed in")
	assertStoredTask(t, s, u, "the task after a stale update")

	u.Status, u.DoneAt = crm.TaskOpen, time.Time{}
	require.NoError(t, s.UpdateTask(ctx, u), "UpdateTask with the version the last update set")
	assert.Equal(t, int64(3), u.Version)
	assertStoredTask(t, s, u, "a task reopened: DoneAt cleared")

	// The owner filter follows a task to its new owner, and back when a
	// transaction that gave it away rolls back.
	owned := func(owner string) []string {
		t.Helper()
		page, _, err := s.FindTasks(ctx, crm.TaskFilter{Owners: []string{owner}})
		require.NoError(t, err)
		var ids []string
		for _, tk := range page {
			ids = append(ids, tk.ID)
		}
		return ids
	}
	u.OwnerID = "u-new"
	require.NoError(t, s.UpdateTask(ctx, u))
	assert.Equal(t, []string{u.ID}, owned("u-new"), "the new owner's")
	assert.Empty(t, owned(fullTask(tk.ID, cs[1].ID).OwnerID), "no longer the old owner's")
	errRollback := errors.New("roll back")
	err := s.RunInTx(ctx, func(tx crm.Store) error {
		moved := u.Clone()
		moved.OwnerID = "u-other"
		require.NoError(t, tx.UpdateTask(ctx, moved))
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	assert.Equal(t, []string{u.ID}, owned("u-new"), "a rolled-back reassignment leaves the owner")
	assert.Empty(t, owned("u-other"))
}

// The tasks every task filter subtest starts from, in ID order: hours
// after baseTime of the due time and of done (-1 for an open task).
var taskFixtureRows = []struct {
	name, customer, owner string
	kind                  crm.TaskKind
	status                crm.TaskStatus
	source                string
	due, done             float64
}{
	{"T1", "A", "u-ann", crm.TaskCall, crm.TaskOpen, "care:1", 0, -1},
	{"T2", "A", "u-bob", crm.TaskEmail, crm.TaskDone, "", 1, 0.5},
	{"T3", "B", "u-ann", crm.TaskGreeting, crm.TaskCancelled, "care:2", 2, 3},
	{"T4", "B", "u-bob", crm.TaskCall, crm.TaskDone, "", 3, 4},
	{"T5", "A", "", crm.TaskRevisit, crm.TaskOpen, "", 4, -1},
}

type taskFilterCase struct {
	name string
	f    crm.TaskFilter
	want []string
}

func (fc taskFilterCase) test(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	custs := seedCaseCustomers(t, s, ids, 2)
	customer := map[string]string{"A": custs[0].ID, "B": custs[1].ID}
	recs := make([]*crm.Task, len(taskFixtureRows))
	names := make([]string, len(recs))
	for k, r := range taskFixtureRows {
		tk := newTask(ids, customer[r.customer], r.name)
		tk.OwnerID, tk.Kind, tk.Status, tk.Source = r.owner, r.kind, r.status, r.source
		tk.Due, tk.DoneAt = caseHour(r.due), caseHour(r.done)
		recs[k], names[k] = tk, r.name
	}
	for _, k := range []int{3, 1, 4, 0, 2} {
		mustCreateTask(t, s, recs[k])
	}
	f := fc.f
	f.CustomerIDs = slices.Clone(f.CustomerIDs)
	for k, c := range f.CustomerIDs {
		f.CustomerIDs[k] = customer[c]
	}
	assertMatchListing(t, "FindTasks", s.FindTasks, f,
		func(f *crm.TaskFilter, after crm.Cursor, limit int) { f.After, f.Limit = after, limit },
		f.Match, func(tk *crm.Task) string { return tk.ID }, recs, names, fc.want)
}

func taskFilterCases() []taskFilterCase {
	type f = crm.TaskFilter
	h := caseHour
	return []taskFilterCase{
		{"None", f{}, []string{"T1", "T2", "T3", "T4", "T5"}},
		{"CustomerIDs", f{CustomerIDs: []string{"A"}}, []string{"T1", "T2", "T5"}},
		{"CustomerIDs/Several", f{CustomerIDs: []string{"B", "A"}}, []string{"T1", "T2", "T3", "T4", "T5"}},
		{"Owners", f{Owners: []string{"u-ann"}}, []string{"T1", "T3"}},
		{"Owners/NoOwner", f{Owners: []string{""}}, []string{"T5"}},
		{"Kinds", f{Kinds: []crm.TaskKind{crm.TaskCall}}, []string{"T1", "T4"}},
		{"Kinds/Several", f{Kinds: []crm.TaskKind{crm.TaskRevisit, crm.TaskGreeting}}, []string{"T3", "T5"}},
		{"Statuses", f{Statuses: []crm.TaskStatus{crm.TaskOpen}}, []string{"T1", "T5"}},
		{"Statuses/Several", f{Statuses: []crm.TaskStatus{crm.TaskDone, crm.TaskCancelled}}, []string{"T2", "T3", "T4"}},
		{"Sources", f{Sources: []string{"care:2"}}, []string{"T3"}},
		{"Sources/Several", f{Sources: []string{"care:2", "care:1", "care:none"}}, []string{"T1", "T3"}},
		{"Sources/NoSource", f{Sources: []string{""}}, nil},
		{"DueFrom", f{DueFrom: h(2)}, []string{"T3", "T4", "T5"}},
		{"DueFrom/OtherZone", f{DueFrom: h(2).In(offsetZone())}, []string{"T3", "T4", "T5"}},
		{"DueBefore", f{DueBefore: h(2)}, []string{"T1", "T2"}},
		{"DueBefore/JustAfter", f{DueBefore: h(2).Add(time.Microsecond)}, []string{"T1", "T2", "T3"}},
		{"DueRange", f{DueFrom: h(1), DueBefore: h(3)}, []string{"T2", "T3"}},
		{"DoneFrom", f{DoneFrom: h(3)}, []string{"T3", "T4"}},
		{"DoneFrom/Early", f{DoneFrom: h(0).Add(-24 * time.Hour)}, []string{"T2", "T3", "T4"}},
		{"DoneBefore", f{DoneBefore: h(4)}, []string{"T2", "T3"}},
		{"DoneBefore/JustAfter", f{DoneBefore: h(4).Add(time.Microsecond)}, []string{"T2", "T3", "T4"}},
		{"DoneRange", f{DoneFrom: h(0.5), DoneBefore: h(3)}, []string{"T2"}},
		{"Combined", f{CustomerIDs: []string{"B"}, Owners: []string{"u-bob"}, Statuses: []crm.TaskStatus{crm.TaskDone}, DueBefore: h(4)}, []string{"T4"}},
		{"Combined/NoneMatch", f{Kinds: []crm.TaskKind{crm.TaskEmail}, Statuses: []crm.TaskStatus{crm.TaskOpen}}, nil},
	}
}

func testTaskPaginate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 2)
	all := newIDs(t, ids, crm.DefaultPageLimit+7)
	ofB := createSplit(all, func(_ int, id string, toB bool) {
		tk := newTask(crm.IDGeneratorFunc(func() string { return id }), cs[0].ID, "Paged")
		if toB {
			tk.CustomerID = cs[1].ID
		}
		mustCreateTask(t, s, tk)
	})
	assert.Equal(t, all, walkPages(t, taskLister(s, crm.TaskFilter{}), 9, nil), "every task in pages of 9")
	assert.Equal(t, all, walkPages(t, taskLister(s, crm.TaskFilter{}), 0, nil), "every task with the default limit")
	assert.Equal(t, ofB, walkPages(t, taskLister(s, crm.TaskFilter{CustomerIDs: []string{cs[1].ID}}), 5, nil), "one customer's tasks in pages of 5")
	_, _, err := s.FindTasks(t.Context(), crm.TaskFilter{Limit: -1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "FindTasks with a negative Limit")
}

// testTaskMove re-points the tasks of one customer to another, stamping
// each; a missing target is refused.
func testTaskMove(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 3)
	from, to, other := cs[0], cs[1], cs[2]
	var moving []*crm.Task
	for k, src := range []string{"care:1", "", "care:2"} {
		tk := newTask(ids, from.ID, "Moving")
		tk.Source, tk.Version = src, int64(1+2*k)
		mustCreateTask(t, s, tk)
		moving = append(moving, tk)
	}
	staying := newTask(ids, to.ID, "Already there")
	mustCreateTask(t, s, staying)
	bystander := newTask(ids, other.ID, "Elsewhere")
	mustCreateTask(t, s, bystander)

	at := fineTime(42)
	n, err := s.MoveTasks(ctx, from.ID, to.ID, at, "u-merger")
	require.NoError(t, err, "MoveTasks")
	assert.Equal(t, len(moving), n, "MoveTasks must return how many tasks moved")
	for _, tk := range moving {
		want := tk.Clone()
		want.CustomerID, want.UpdatedAt, want.UpdatedBy, want.Version = to.ID, at, "u-merger", tk.Version+1
		assertStoredTask(t, s, want, "moved task %s", tk.ID)
	}
	assertStoredTask(t, s, staying, "a task already with the target")
	assertStoredTask(t, s, bystander, "a task of another customer")
	assert.Equal(t, append(taskIDs(moving), staying.ID), taskIDs(allTasks(t, s, crm.TaskFilter{CustomerIDs: []string{to.ID}})), "tasks of the target")
	assert.Empty(t, allTasks(t, s, crm.TaskFilter{CustomerIDs: []string{from.ID}}), "tasks left with the source customer")

	_, err = s.MoveTasks(ctx, to.ID, ids.NewID(), fineTime(43), "u-merger")
	assert.ErrorIs(t, err, crm.ErrNotFound, "MoveTasks to a missing customer")
	assert.Len(t, allTasks(t, s, crm.TaskFilter{CustomerIDs: []string{to.ID}}), 4, "the target's tasks after a refused move")
}

// newOwnerChange returns the first owner of the customer customerID.
func newOwnerChange(ids crm.IDGenerator, customerID, to string) *crm.OwnerChange {
	return &crm.OwnerChange{ID: ids.NewID(), Entity: crm.EntityCustomer, EntityID: customerID, CustomerID: customerID,
		To: to, At: baseTime(), By: "u-test", Reason: "created"}
}

func mustAddOwnerChange(tb testing.TB, s crm.Store, ch *crm.OwnerChange) {
	tb.Helper()
	require.NoError(tb, s.AddOwnerChange(tb.Context(), ch.Clone()), "AddOwnerChange %s", ch.ID)
}

func allOwnerChanges(tb testing.TB, s crm.Store, f crm.OwnerChangeFilter) []*crm.OwnerChange {
	tb.Helper()
	return allPages(tb, "FindOwnerChanges", s.FindOwnerChanges, f, func(f *crm.OwnerChangeFilter, c crm.Cursor) { f.After = c })
}

func ownerChangeIDs(chs []*crm.OwnerChange) []string {
	return keysOf(func(ch *crm.OwnerChange) string { return ch.ID })(chs)
}

func ownerChangeLister(s crm.Store, f crm.OwnerChangeFilter) lister {
	return pagedLister(s.FindOwnerChanges, f, func(f *crm.OwnerChangeFilter, after crm.Cursor, limit int) { f.After, f.Limit = after, limit }, ownerChangeIDs)
}

// testOwnerChangeRoundTrip stores an entry with every field set, of a
// record that does not exist: the history outlives what it names.
func testOwnerChangeRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	in := &crm.OwnerChange{ID: ids.NewID(), Entity: crm.EntityOpportunity, EntityID: ids.NewID(), CustomerID: ids.NewID(),
		From: "u-ann", To: "u-bob", At: fineTime(39), By: "u-carol", Reason: "rule: EMEA key accounts — Zoë"}
	mustAddOwnerChange(t, s, in)
	list := allOwnerChanges(t, s, crm.OwnerChangeFilter{EntityIDs: []string{in.EntityID}})
	if assert.Len(t, list, 1, "FindOwnerChanges by entity") {
		assertRecordEqual(t, "owner change", in, list[0], "FindOwnerChanges")
	}
}

func testOwnerChangeDuplicate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	first := newOwnerChange(ids, ids.NewID(), "u-ann")
	mustAddOwnerChange(t, s, first)
	again := first.Clone()
	again.To, again.Reason = "u-bob", "same ID"
	assert.ErrorIs(t, s.AddOwnerChange(t.Context(), again), crm.ErrDuplicate, "AddOwnerChange with a taken ID")
	list := allOwnerChanges(t, s, crm.OwnerChangeFilter{})
	if assert.Len(t, list, 1, "entries after the refused one") {
		assertRecordEqual(t, "owner change", first, list[0], "the entry whose ID was taken again")
	}
}

// The entries every owner change filter subtest starts from, in ID
// order. The records they name need not exist.
var ownerChangeFixtureRows = []struct {
	name     string
	entity   crm.EntityKind
	record   string
	customer string
	from, to string
	at       float64
}{
	{"O1", crm.EntityCustomer, "A", "A", "", "u-ann", 0},
	{"O2", crm.EntityLead, "L1", "", "", "u-bob", 1},
	{"O3", crm.EntityCustomer, "A", "A", "u-ann", "u-bob", 2},
	{"O4", crm.EntityOpportunity, "P1", "B", "u-bob", "u-carol", 3},
	{"O5", crm.EntityCase, "S1", "A", "u-carol", "u-ann", 4},
}

type ownerChangeFilterCase struct {
	name string
	f    crm.OwnerChangeFilter
	want []string
}

func (fc ownerChangeFilterCase) test(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	ref := map[string]string{"": ""}
	for _, k := range []string{"A", "B", "L1", "P1", "S1"} {
		ref[k] = ids.NewID()
	}
	recs := make([]*crm.OwnerChange, len(ownerChangeFixtureRows))
	names := make([]string, len(recs))
	for k, r := range ownerChangeFixtureRows {
		recs[k] = &crm.OwnerChange{ID: ids.NewID(), Entity: r.entity, EntityID: ref[r.record], CustomerID: ref[r.customer],
			From: r.from, To: r.to, At: caseHour(r.at), By: "u-test"}
		names[k] = r.name
	}
	for _, k := range []int{3, 1, 4, 0, 2} {
		mustAddOwnerChange(t, s, recs[k])
	}
	f := fc.f
	f.CustomerIDs, f.EntityIDs = slices.Clone(f.CustomerIDs), slices.Clone(f.EntityIDs)
	for _, list := range [][]string{f.CustomerIDs, f.EntityIDs} {
		for k, c := range list {
			list[k] = ref[c]
		}
	}
	assertMatchListing(t, "FindOwnerChanges", s.FindOwnerChanges, f,
		func(f *crm.OwnerChangeFilter, after crm.Cursor, limit int) { f.After, f.Limit = after, limit },
		f.Match, func(ch *crm.OwnerChange) string { return ch.ID }, recs, names, fc.want)
}

func ownerChangeFilterCases() []ownerChangeFilterCase {
	type f = crm.OwnerChangeFilter
	h := caseHour
	return []ownerChangeFilterCase{
		{"None", f{}, []string{"O1", "O2", "O3", "O4", "O5"}},
		{"Entities", f{Entities: []crm.EntityKind{crm.EntityCustomer}}, []string{"O1", "O3"}},
		{"Entities/Several", f{Entities: []crm.EntityKind{crm.EntityCase, crm.EntityLead}}, []string{"O2", "O5"}},
		{"EntityIDs", f{EntityIDs: []string{"A"}}, []string{"O1", "O3"}},
		{"EntityIDs/Several", f{EntityIDs: []string{"P1", "L1"}}, []string{"O2", "O4"}},
		{"CustomerIDs", f{CustomerIDs: []string{"A"}}, []string{"O1", "O3", "O5"}},
		{"CustomerIDs/Several", f{CustomerIDs: []string{"B", "A"}}, []string{"O1", "O3", "O4", "O5"}},
		{"Owners", f{Owners: []string{"u-bob"}}, []string{"O2", "O3", "O4"}},
		{"Owners/From", f{Owners: []string{"u-carol"}}, []string{"O4", "O5"}},
		{"Owners/Several", f{Owners: []string{"u-carol", "u-ann"}}, []string{"O1", "O3", "O4", "O5"}},
		{"From", f{From: h(2)}, []string{"O3", "O4", "O5"}},
		{"From/OtherZone", f{From: h(2).In(offsetZone())}, []string{"O3", "O4", "O5"}},
		{"Before", f{Before: h(2)}, []string{"O1", "O2"}},
		{"Before/JustAfter", f{Before: h(2).Add(time.Microsecond)}, []string{"O1", "O2", "O3"}},
		{"Combined", f{CustomerIDs: []string{"A"}, Owners: []string{"u-ann"}, From: h(1)}, []string{"O3", "O5"}},
		{"Combined/NoneMatch", f{Entities: []crm.EntityKind{crm.EntityLead}, Owners: []string{"u-ann"}}, nil},
	}
}

func testOwnerChangePaginate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	a, b := ids.NewID(), ids.NewID()
	all := newIDs(t, ids, crm.DefaultPageLimit+7)
	ofB := createSplit(all, func(_ int, id string, toB bool) {
		ch := newOwnerChange(crm.IDGeneratorFunc(func() string { return id }), a, "u-ann")
		if toB {
			ch.CustomerID = b
		}
		mustAddOwnerChange(t, s, ch)
	})
	assert.Equal(t, all, walkPages(t, ownerChangeLister(s, crm.OwnerChangeFilter{}), 9, nil), "every entry in pages of 9")
	assert.Equal(t, all, walkPages(t, ownerChangeLister(s, crm.OwnerChangeFilter{}), 0, nil), "every entry with the default limit")
	assert.Equal(t, ofB, walkPages(t, ownerChangeLister(s, crm.OwnerChangeFilter{CustomerIDs: []string{b}}), 5, nil), "one customer's entries in pages of 5")
	_, _, err := s.FindOwnerChanges(t.Context(), crm.OwnerChangeFilter{Limit: -1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "FindOwnerChanges with a negative Limit")
}

// testOwnerChangeMove re-points the entries of one customer to another:
// only CustomerID changes, EntityID included.
func testOwnerChangeMove(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 3)
	from, to, other := cs[0], cs[1], cs[2]
	moving := []*crm.OwnerChange{newOwnerChange(ids, from.ID, "u-ann"), newOwnerChange(ids, from.ID, "u-bob")}
	moving[1].Entity, moving[1].EntityID, moving[1].From, moving[1].At = crm.EntityCase, ids.NewID(), "u-ann", fineTime(44)
	staying := newOwnerChange(ids, to.ID, "u-carol")
	bystander := newOwnerChange(ids, other.ID, "u-dan")
	for _, ch := range append(slices.Clone(moving), staying, bystander) {
		mustAddOwnerChange(t, s, ch)
	}

	n, err := s.MoveOwnerChanges(ctx, from.ID, to.ID)
	require.NoError(t, err, "MoveOwnerChanges")
	assert.Equal(t, 2, n, "MoveOwnerChanges must return how many entries moved")
	got := allOwnerChanges(t, s, crm.OwnerChangeFilter{CustomerIDs: []string{to.ID}})
	want := []*crm.OwnerChange{moving[0].Clone(), moving[1].Clone(), staying}
	want[0].CustomerID, want[1].CustomerID = to.ID, to.ID
	if assert.Equal(t, ownerChangeIDs(want), ownerChangeIDs(got), "entries of the target") {
		for k := range want {
			assertRecordEqual(t, "owner change", want[k], got[k], "entry %s after the move", want[k].ID)
		}
	}
	assert.Empty(t, allOwnerChanges(t, s, crm.OwnerChangeFilter{CustomerIDs: []string{from.ID}}), "entries left with the source customer")
	list := allOwnerChanges(t, s, crm.OwnerChangeFilter{CustomerIDs: []string{other.ID}})
	if assert.Len(t, list, 1) {
		assertRecordEqual(t, "owner change", bystander, list[0], "an entry of another customer")
	}
	n, err = s.MoveOwnerChanges(ctx, from.ID, to.ID)
	require.NoError(t, err, "MoveOwnerChanges of a customer with none")
	assert.Zero(t, n, "MoveOwnerChanges of a customer with none")
}

// testInteractionTxRollback writes an interaction, a claim, a task and
// an ownership entry, updates and deletes, in a transaction that fails:
// none of the writes remain, and the unique keys they took are free.
func testInteractionTxRollback(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 2)
	cust, target := cs[0], cs[1]
	keptI := newInteraction(ids, cust.ID, "Kept")
	keptT := newTask(ids, cust.ID, "Kept")
	mustCreateInteraction(t, s, keptI)
	mustCreateTask(t, s, keptT)
	addedI := newInteraction(ids, cust.ID, "Added")
	addedI.At = caseHour(5)
	claim := newClaim(ids, cust.ID, 1)
	addedT := newTask(ids, cust.ID, "Added")
	addedT.Source = "care:tx"
	change := newOwnerChange(ids, cust.ID, "u-ann")
	err := s.RunInTx(ctx, func(tx crm.Store) error {
		o := &txOps{tb: t, ctx: ctx, s: tx}
		o.note(tx.CreateInteraction(ctx, addedI.Clone()), "CreateInteraction")
		o.note(tx.CreateContactClaim(ctx, claim.Clone()), "CreateContactClaim")
		o.note(tx.CreateTask(ctx, addedT.Clone()), "CreateTask")
		o.note(tx.AddOwnerChange(ctx, change.Clone()), "AddOwnerChange")
		u := keptT.Clone()
		u.Status = crm.TaskDone
		o.note(tx.UpdateTask(ctx, u), "UpdateTask")
		o.note(tx.DeleteInteraction(ctx, keptI.ID, 1), "DeleteInteraction")
		_, err := tx.MoveTasks(ctx, cust.ID, target.ID, fineTime(60), "u-tx")
		o.note(err, "MoveTasks")
		_, err = tx.MoveOwnerChanges(ctx, cust.ID, target.ID)
		o.note(err, "MoveOwnerChanges")
		lcs, err := tx.LastContacts(ctx, []string{cust.ID})
		o.note(err, "LastContacts")
		if assert.Len(t, lcs, 1, "LastContacts inside the transaction") {
			assert.Equal(t, addedI.ID, lcs[0].InteractionID, "LastContacts inside the transaction")
		}
		last, err := tx.LastContactClaim(ctx, cust.ID)
		o.note(err, "LastContactClaim")
		if last != nil {
			assert.Equal(t, claim.ID, last.ID, "LastContactClaim inside the transaction")
		}
		if o.err != nil {
			return o.err
		}
		return errFn
	})
	require.ErrorIs(t, err, errFn)

	assertNoInteraction(t, s, addedI.ID, "an interaction created in a rolled-back transaction")
	assertStoredInteraction(t, s, keptI, "an interaction deleted in a rolled-back transaction")
	assertNoTask(t, s, addedT.ID, "a task created in a rolled-back transaction")
	assertStoredTask(t, s, keptT, "a task updated and moved in a rolled-back transaction")
	_, err = s.LastContactClaim(ctx, cust.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound, "a claim made in a rolled-back transaction")
	assert.Empty(t, allOwnerChanges(t, s, crm.OwnerChangeFilter{}), "history written in a rolled-back transaction")
	assertLastContacts(t, s, []string{cust.ID}, []crm.LastContact{lastContactOf(keptI)}, "LastContacts after the rollback")

	// The keys the rolled-back writes took are free again.
	mustCreateClaim(t, s, claim)
	mustCreateTask(t, s, addedT)
	mustAddOwnerChange(t, s, change)
}

// testInteractionContextCanceled calls every method of InteractionStore,
// TaskStore and OwnershipStore with a cancelled context, outside and
// inside a transaction: each fails with an error matching
// context.Canceled, and nothing changes.
func testInteractionContextCanceled(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 2)
	cust, target := cs[0], cs[1]
	i := newInteraction(ids, cust.ID, "Existing")
	mustCreateInteraction(t, s, i)
	claim := newClaim(ids, cust.ID, 1)
	mustCreateClaim(t, s, claim)
	tk := newTask(ids, cust.ID, "Existing")
	mustCreateTask(t, s, tk)
	ch := newOwnerChange(ids, cust.ID, "u-ann")
	mustAddOwnerChange(t, s, ch)
	calls := map[string]func(ctx context.Context, s crm.Store) error{
		"CreateInteraction": func(ctx context.Context, s crm.Store) error {
			return s.CreateInteraction(ctx, newInteraction(ids, cust.ID, "Dead"))
		},
		"FindInteractionByID": func(ctx context.Context, s crm.Store) error {
			_, err := s.FindInteractionByID(ctx, i.ID)
			return err
		},
		"FindInteractions": func(ctx context.Context, s crm.Store) error {
			_, _, err := s.FindInteractions(ctx, crm.InteractionFilter{})
			return err
		},
		"UpdateInteraction": func(ctx context.Context, s crm.Store) error {
			u := i.Clone()
			u.Subject = "Updated under a dead context"
			return s.UpdateInteraction(ctx, u)
		},
		"DeleteInteraction": func(ctx context.Context, s crm.Store) error { return s.DeleteInteraction(ctx, i.ID, i.Version) },
		"LastContacts": func(ctx context.Context, s crm.Store) error {
			_, err := s.LastContacts(ctx, []string{cust.ID})
			return err
		},
		"MoveInteractions": func(ctx context.Context, s crm.Store) error {
			_, err := s.MoveInteractions(ctx, cust.ID, target.ID, fineTime(70), "u-dead")
			return err
		},
		"CreateContactClaim": func(ctx context.Context, s crm.Store) error {
			return s.CreateContactClaim(ctx, newClaim(ids, cust.ID, 2))
		},
		"LastContactClaim": func(ctx context.Context, s crm.Store) error {
			_, err := s.LastContactClaim(ctx, cust.ID)
			return err
		},
		"FindContactClaims": func(ctx context.Context, s crm.Store) error {
			_, _, err := s.FindContactClaims(ctx, crm.ContactClaimFilter{})
			return err
		},
		"CreateTask": func(ctx context.Context, s crm.Store) error { return s.CreateTask(ctx, newTask(ids, cust.ID, "Dead")) },
		"FindTaskByID": func(ctx context.Context, s crm.Store) error {
			_, err := s.FindTaskByID(ctx, tk.ID)
			return err
		},
		"FindTasks": func(ctx context.Context, s crm.Store) error {
			_, _, err := s.FindTasks(ctx, crm.TaskFilter{})
			return err
		},
		"UpdateTask": func(ctx context.Context, s crm.Store) error {
			u := tk.Clone()
			u.Title = "Updated under a dead context"
			return s.UpdateTask(ctx, u)
		},
		"MoveTasks": func(ctx context.Context, s crm.Store) error {
			_, err := s.MoveTasks(ctx, cust.ID, target.ID, fineTime(71), "u-dead")
			return err
		},
		"AddOwnerChange": func(ctx context.Context, s crm.Store) error {
			return s.AddOwnerChange(ctx, newOwnerChange(ids, cust.ID, "u-dead"))
		},
		"FindOwnerChanges": func(ctx context.Context, s crm.Store) error {
			_, _, err := s.FindOwnerChanges(ctx, crm.OwnerChangeFilter{})
			return err
		},
		"MoveOwnerChanges": func(ctx context.Context, s crm.Store) error {
			_, err := s.MoveOwnerChanges(ctx, cust.ID, target.ID)
			return err
		},
	}
	assertCanceledCalls(t, s, calls)
	assertStoredInteraction(t, s, i, "after the calls under a dead context")
	assert.Equal(t, []string{i.ID}, interactionIDs(allInteractions(t, s, crm.InteractionFilter{})), "interactions after the calls under a dead context")
	if claims := allClaims(t, s, crm.ContactClaimFilter{}); assert.Len(t, claims, 1, "claims after the calls under a dead context") {
		assertRecordEqual(t, "contact claim", claim, claims[0])
	}
	assertStoredTask(t, s, tk, "after the calls under a dead context")
	assert.Equal(t, []string{tk.ID}, taskIDs(allTasks(t, s, crm.TaskFilter{})), "tasks after the calls under a dead context")
	chs := allOwnerChanges(t, s, crm.OwnerChangeFilter{})
	if assert.Len(t, chs, 1, "entries after the calls under a dead context") {
		assertRecordEqual(t, "owner change", ch, chs[0])
	}
}
