package crm_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestClient_CreateTask(t *testing.T) {
	c, clock, store := newClient(t)
	ann := actorCtx(t, "ann")
	acme := mustCreate(t, c, ann, &crm.Customer{Name: "Acme Ltd", OwnerID: "bob"})
	due := t0.Add(24 * time.Hour)

	task, err := c.CreateTask(ann, &crm.Task{CustomerID: acme.ID, Title: " Send the quote ", Due: due})
	require.NoError(t, err)
	assert.Equal(t, crm.TaskFollowUp, task.Kind, "a follow-up by default")
	assert.Equal(t, crm.PriorityNormal, task.Priority)
	assert.Equal(t, crm.TaskOpen, task.Status)
	assert.Equal(t, "bob", task.OwnerID, "the customer's owner by default")
	assert.Equal(t, "Send the quote", task.Title)
	assert.Equal(t, "ann", task.CreatedBy)
	got, err := c.GetTask(ann, task.ID)
	require.NoError(t, err)
	assert.Equal(t, task, got)

	before, _, err := store.FindTasks(ann, crm.TaskFilter{})
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		in    crm.Task
		field string
	}{
		"no title":    {crm.Task{CustomerID: acme.ID, Due: due}, "title"},
		"no due":      {crm.Task{CustomerID: acme.ID, Title: "x"}, "due"},
		"kind":        {crm.Task{CustomerID: acme.ID, Title: "x", Due: due, Kind: "nap"}, "kind"},
		"priority":    {crm.Task{CustomerID: acme.ID, Title: "x", Due: due, Priority: "asap"}, "priority"},
		"status":      {crm.Task{CustomerID: acme.ID, Title: "x", Due: due, Status: crm.TaskDone}, "status"},
		"done_at":     {crm.Task{CustomerID: acme.ID, Title: "x", Due: due, DoneAt: t0}, "done_at"},
		"no customer": {crm.Task{Title: "x", Due: due}, "customer_id"},
	} {
		_, err := c.CreateTask(ann, &tc.in)
		assert.NotEmpty(t, fieldErr(t, err, tc.field), name)
	}
	_, err = c.CreateTask(ann, &crm.Task{CustomerID: "nobody", Title: "x", Due: due})
	assert.ErrorIs(t, err, crm.ErrNotFound)
	after, _, err := store.FindTasks(ann, crm.TaskFilter{})
	require.NoError(t, err)
	assert.Equal(t, before, after, "a refused task stores nothing")

	_, err = c.CreateTask(ann, &crm.Task{CustomerID: acme.ID, Title: "a", Due: due, Source: "import:1"})
	require.NoError(t, err)
	_, err = c.CreateTask(ann, &crm.Task{CustomerID: acme.ID, Title: "b", Due: due, Source: "import:1"})
	assert.ErrorIs(t, err, crm.ErrDuplicate, "one task per source")

	// Updates, completion and cancellation.
	clock.Advance(time.Hour)
	u, err := c.UpdateTask(ann, task.ID, task.Version, crm.TaskUpdate{Priority: crm.Ptr(crm.PriorityHigh), OwnerID: crm.Ptr("ann")})
	require.NoError(t, err)
	assert.Equal(t, crm.PriorityHigh, u.Priority)
	assert.Equal(t, "ann", u.OwnerID)
	_, err = c.UpdateTask(ann, task.ID, task.Version, crm.TaskUpdate{Title: crm.Ptr("y")})
	assert.ErrorIs(t, err, crm.ErrConflict)
	_, err = c.UpdateTask(ann, task.ID, u.Version, crm.TaskUpdate{OwnerID: crm.Ptr(" ")})
	assert.NotEmpty(t, fieldErr(t, err, "owner_id"))
	done, err := c.CompleteTask(ann, task.ID, u.Version)
	require.NoError(t, err)
	assert.Equal(t, crm.TaskDone, done.Status)
	assert.Equal(t, clock.Now(), done.DoneAt)
	assert.True(t, done.OnTime())
	_, err = c.CompleteTask(ann, task.ID, done.Version)
	assert.ErrorIs(t, err, crm.ErrTransition)
	_, err = c.CancelTask(ann, task.ID, done.Version)
	assert.ErrorIs(t, err, crm.ErrTransition)
	_, err = c.UpdateTask(ann, task.ID, done.Version, crm.TaskUpdate{Title: crm.Ptr("y")})
	assert.ErrorIs(t, err, crm.ErrTransition, "a done task is history")
}

func TestSpan_Bounds(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	at := time.Date(2026, 3, 26, 15, 0, 0, 0, berlin) // a Thursday; DST starts on Sunday the 29th
	for _, tc := range []struct {
		span       crm.Span
		start, end time.Time
	}{
		{crm.SpanDay, time.Date(2026, 3, 26, 0, 0, 0, 0, berlin), time.Date(2026, 3, 27, 0, 0, 0, 0, berlin)},
		{crm.SpanWeek, time.Date(2026, 3, 23, 0, 0, 0, 0, berlin), time.Date(2026, 3, 30, 0, 0, 0, 0, berlin)},
		{crm.SpanMonth, time.Date(2026, 3, 1, 0, 0, 0, 0, berlin), time.Date(2026, 4, 1, 0, 0, 0, 0, berlin)},
	} {
		start, end, ok := tc.span.Bounds(at)
		require.True(t, ok)
		assert.True(t, tc.start.Equal(start), "%s starts %v, got %v", tc.span, tc.start, start)
		assert.True(t, tc.end.Equal(end), "%s ends %v, got %v", tc.span, tc.end, end)
	}
	_, end, _ := crm.SpanWeek.Bounds(at)
	start, _, _ := crm.SpanWeek.Bounds(at)
	assert.Equal(t, 7*24*time.Hour-time.Hour, end.Sub(start), "the week of the DST change is an hour short")
	sunday := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	start, _, _ = crm.SpanWeek.Bounds(sunday)
	assert.Equal(t, time.Date(2026, 2, 23, 0, 0, 0, 0, time.UTC), start, "ISO weeks start on Monday")
	_, _, ok := crm.Span("fortnight").Bounds(at)
	assert.False(t, ok)
}

func TestClient_Agenda(t *testing.T) {
	c, clock, _ := newClient(t)
	ann := actorCtx(t, "ann")
	acme := mustCreate(t, c, ann, &crm.Customer{Name: "Acme Ltd", OwnerID: "ann"})
	mk := func(title string, due time.Time) *crm.Task {
		t.Helper()
		task, err := c.CreateTask(ann, &crm.Task{CustomerID: acme.ID, Title: title, Due: due})
		require.NoError(t, err)
		return task
	}
	monday := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // t0's day
	late := mk("carried over", monday.Add(-48*time.Hour))
	early := mk("monday 10:00", monday.Add(10*time.Hour))
	mk("monday 09:00", monday.Add(9*time.Hour))
	wed := mk("wednesday", monday.Add(50*time.Hour))
	cancelled := mk("cancelled", monday.Add(11*time.Hour))
	mk("next week", monday.Add(8*24*time.Hour))
	_, err := c.CreateTask(ann, &crm.Task{CustomerID: acme.ID, Title: "bob's", Due: monday.Add(9 * time.Hour), OwnerID: "bob"})
	require.NoError(t, err)

	_, err = c.CancelTask(ann, cancelled.ID, cancelled.Version)
	require.NoError(t, err)
	clock.Advance(15 * time.Minute) // 09:45: the 09:00 task is overdue
	_, err = c.CompleteTask(ann, late.ID, late.Version)
	require.NoError(t, err)
	_, err = c.CompleteTask(ann, early.ID, early.Version)
	require.NoError(t, err)

	titles := func(ts []*crm.Task) []string {
		out := []string{}
		for _, t := range ts {
			out = append(out, t.Title)
		}
		return out
	}
	day, err := c.Agenda(ann, "ann", crm.SpanDay, t0)
	require.NoError(t, err)
	assert.Equal(t, []string{"monday 09:00", "monday 10:00"}, titles(day.Planned), "due today, cancelled left out")
	assert.Equal(t, []string{"carried over", "monday 10:00"}, titles(day.Done), "done today, whenever due")
	assert.Equal(t, []string{"monday 09:00"}, titles(day.Overdue), "open and past due")
	assert.Equal(t, 1, day.OnTime(), "the carried-over task was done late")

	week, err := c.Agenda(ann, "ann", crm.SpanWeek, t0.Add(72*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, monday, week.Start)
	assert.Equal(t, []string{"monday 09:00", "monday 10:00", "wednesday"}, titles(week.Planned))
	assert.Equal(t, []string{"monday 09:00"}, titles(week.Overdue), "overdue as of now, not of the week's end")
	clock.Advance(72 * time.Hour)
	week, err = c.Agenda(ann, "ann", crm.SpanWeek, t0)
	require.NoError(t, err)
	assert.Equal(t, []string{"monday 09:00", "wednesday"}, titles(week.Overdue))
	month, err := c.Agenda(ann, "ann", crm.SpanMonth, t0)
	require.NoError(t, err)
	assert.Len(t, month.Planned, 4, "the month holds next week's too")
	assert.Equal(t, wed.ID, month.Overdue[1].ID)

	_, err = c.Agenda(ann, "", "year", t0)
	assert.NotEmpty(t, fieldErr(t, err, "span"))
	assert.NotEmpty(t, fieldErr(t, err, "owner_id"))
}
