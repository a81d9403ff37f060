package crm_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// dues returns the due times of tasks by customer.
func dues(tasks []*crm.Task) map[string]time.Time {
	out := map[string]time.Time{}
	for _, t := range tasks {
		out[t.CustomerID] = t.Due
	}
	return out
}

func TestClient_ScheduleCare_Birthdays(t *testing.T) {
	c, clock, _ := newClient(t)
	ann := actorCtx(t, "ann")
	soon := mustCreate(t, c, ann, &crm.Customer{Name: "Ada", OwnerID: "bob", BirthDate: time.Date(1980, 3, 5, 0, 0, 0, 0, time.UTC)})
	mustCreate(t, c, ann, &crm.Customer{Name: "Later", BirthDate: time.Date(1980, 3, 20, 0, 0, 0, 0, time.UTC)})
	mustCreate(t, c, ann, &crm.Customer{Name: "No birthday"})
	leap := mustCreate(t, c, ann, &crm.Customer{Name: "Leap", BirthDate: time.Date(1996, 2, 29, 0, 0, 0, 0, time.UTC)})
	// Auckland is 13 hours ahead: at 09:30 UTC on 2 March it is 22:30 there.
	kiwi := mustCreate(t, c, ann, &crm.Customer{Name: "Kiri", TimeZone: "Pacific/Auckland", BirthDate: time.Date(1990, 3, 3, 0, 0, 0, 0, time.UTC)})

	plan := crm.CarePlan{Name: "birthdays", Kind: crm.CareBirthday}
	run, err := c.ScheduleCare(ann, plan, 1)
	require.NoError(t, err)
	assert.Empty(t, run.Created, "no birthday today anywhere")

	run, err = c.ScheduleCare(ann, plan, 7)
	require.NoError(t, err)
	got := dues(run.Created)
	assert.Equal(t, map[string]time.Time{
		soon.ID: time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC),
		kiwi.ID: time.Date(2026, 3, 2, 20, 0, 0, 0, time.UTC), // 09:00 on 3 March in Auckland
	}, got)
	for _, task := range run.Created {
		assert.Equal(t, crm.TaskGreeting, task.Kind)
		if task.CustomerID == soon.ID {
			assert.Equal(t, "bob", task.OwnerID, "the customer's owner")
			assert.Equal(t, "Birthday greeting: Ada", task.Title)
			assert.Equal(t, "care:birthdays:"+soon.ID+":2026-03-05", task.Source)
		}
	}

	again, err := c.ScheduleCare(ann, plan, 7)
	require.NoError(t, err)
	assert.Empty(t, again.Created, "idempotent")
	assert.Equal(t, 2, again.Scheduled)

	setTo(clock, time.Date(2027, 2, 25, 12, 0, 0, 0, time.UTC))
	run, err = c.ScheduleCare(ann, plan, 7)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2027, 2, 28, 9, 0, 0, 0, time.UTC), dues(run.Created)[leap.ID], "29 February falls on the 28th")
	setTo(clock, time.Date(2028, 2, 25, 12, 0, 0, 0, time.UTC))
	run, err = c.ScheduleCare(ann, plan, 7)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2028, 2, 29, 9, 0, 0, 0, time.UTC), dues(run.Created)[leap.ID], "and on the 29th in a leap year")
}

func TestClient_ScheduleCare_Anniversaries(t *testing.T) {
	c, clock, _ := newClient(t)
	ann := actorCtx(t, "ann")
	acme := mustCreate(t, c, ann, &crm.Customer{Name: "Acme Ltd"}) // a customer since 2 March 2026
	plan := crm.CarePlan{Name: "anniversaries", Kind: crm.CareAnniversary, DueAt: 10 * time.Hour}
	run, err := c.ScheduleCare(ann, plan, 7)
	require.NoError(t, err)
	assert.Empty(t, run.Created, "the day of joining is no anniversary")
	setTo(clock, time.Date(2028, 2, 28, 0, 0, 0, 0, time.UTC))
	run, err = c.ScheduleCare(ann, plan, 7)
	require.NoError(t, err)
	require.Len(t, run.Created, 1)
	assert.Equal(t, time.Date(2028, 3, 2, 10, 0, 0, 0, time.UTC), run.Created[0].Due)
	assert.Equal(t, "2 years as a customer: Acme Ltd", run.Created[0].Title)
	assert.Equal(t, "ann", run.Created[0].OwnerID, "the acting user when the customer has no owner")
	assert.Equal(t, acme.ID, run.Created[0].CustomerID)
}

func TestClient_ScheduleCare_Revisits(t *testing.T) {
	c, clock, _ := newClient(t)
	ann := actorCtx(t, "ann")
	key := mustCreate(t, c, ann, &crm.Customer{Name: "Key Ltd", Tags: []string{"key-account"}, OwnerID: "ann"})
	quiet := mustCreate(t, c, ann, &crm.Customer{Name: "Quiet Ltd", Tags: []string{"key-account"}, OwnerID: "ann"})
	mustCreate(t, c, ann, &crm.Customer{Name: "Small Ltd"})
	clock.Advance(10 * 24 * time.Hour)
	_, err := c.LogInteraction(ann, &crm.Interaction{CustomerID: key.ID, Channel: crm.InteractionVisit})
	require.NoError(t, err)

	plan := crm.CarePlan{Name: "key-accounts", Kind: crm.CareRevisit, Every: 90, Customers: crm.CustomerFilter{Tags: []string{"key-account"}}}
	setTo(clock, time.Date(2026, 5, 28, 8, 0, 0, 0, time.UTC))
	run, err := c.ScheduleCare(ann, plan, 7)
	require.NoError(t, err)
	assert.Equal(t, map[string]time.Time{
		quiet.ID: time.Date(2026, 5, 31, 9, 0, 0, 0, time.UTC), // 90 days after 2 March, when it became a customer
	}, dues(run.Created), "the visited customer is not due yet; the other is")

	run, err = c.ScheduleCare(ann, plan, 14)
	require.NoError(t, err)
	assert.Equal(t, map[string]time.Time{
		key.ID: time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC), // 90 days after the visit on 12 March
	}, dues(run.Created), "the quiet customer's revisit is open already")
	require.Len(t, run.Created, 1)

	// Done on 11 June, the next revisit counts from then; one long
	// overdue is due today.
	setTo(clock, time.Date(2026, 6, 11, 15, 0, 0, 0, time.UTC))
	_, err = c.CompleteTask(ann, run.Created[0].ID, run.Created[0].Version)
	require.NoError(t, err)
	setTo(clock, time.Date(2026, 9, 8, 8, 0, 0, 0, time.UTC))
	run, err = c.ScheduleCare(ann, plan, 3)
	require.NoError(t, err)
	assert.Equal(t, map[string]time.Time{key.ID: time.Date(2026, 9, 9, 9, 0, 0, 0, time.UTC)}, dues(run.Created))

	var bad crm.CarePlan
	_, err = c.ScheduleCare(ann, bad, 0)
	assert.NotEmpty(t, fieldErr(t, err, "name"))
	assert.NotEmpty(t, fieldErr(t, err, "kind"))
	assert.NotEmpty(t, fieldErr(t, err, "days"))
	_, err = c.ScheduleCare(ann, crm.CarePlan{Name: "key accounts", Kind: crm.CareRevisit}, 7)
	assert.NotEmpty(t, fieldErr(t, err, "name"))
	assert.NotEmpty(t, fieldErr(t, err, "every"))
}

// Two schedulers at once make each task once.
func TestClient_ScheduleCare_Concurrent(t *testing.T) {
	c, _, store := newClient(t)
	ann := actorCtx(t, "ann")
	for i := range 20 {
		mustCreate(t, c, ann, &crm.Customer{Name: "Customer " + string(rune('A'+i)), BirthDate: time.Date(1980, 3, 1+i%5, 0, 0, 0, 0, time.UTC)}, crm.AllowDuplicates())
	}
	plan := crm.CarePlan{Name: "birthdays", Kind: crm.CareBirthday}
	var wg sync.WaitGroup
	runs := make([]*crm.CareRun, 4)
	for k := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			runs[k], err = c.ScheduleCare(ann, plan, 7)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	created := 0
	for _, r := range runs {
		created += len(r.Created)
		assert.Equal(t, 16, len(r.Created)+r.Scheduled, "every run accounts for every date")
	}
	assert.Equal(t, 16, created, "four of the twenty birthdays (1 March) are past")
	stored, _, err := store.FindTasks(ann, crm.TaskFilter{Limit: crm.MaxPageLimit})
	require.NoError(t, err)
	assert.Len(t, stored, 16)
}

func TestClient_ScheduleCare_SkipsDoNotContact(t *testing.T) {
	c, _, _ := newClient(t)
	ann := actorCtx(t, "ann")
	quiet := mustCreate(t, c, ann, &crm.Customer{Name: "Quiet", DoNotContact: true, BirthDate: time.Date(1980, 3, 3, 0, 0, 0, 0, time.UTC)})
	run, err := c.ScheduleCare(ann, crm.CarePlan{Name: "birthdays", Kind: crm.CareBirthday}, 7)
	require.NoError(t, err)
	assert.Empty(t, run.Created)
	assert.Equal(t, []crm.CareSkip{{CustomerID: quiet.ID, Reason: "do not contact"}}, run.Skipped)
}

func TestClient_ScheduleCare_Corners(t *testing.T) {
	c, clock, _ := newClient(t)
	ann := actorCtx(t, "ann")
	// Created at 23:30 UTC on New Year's Eve: already 1 January in Berlin.
	setTo(clock, time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC))
	berlin := mustCreate(t, c, ann, &crm.Customer{Name: "Berliner GmbH", TimeZone: "Europe/Berlin", Tags: []string{"key"}})
	setTo(clock, time.Date(2026, 12, 30, 12, 0, 0, 0, time.UTC))
	run, err := c.ScheduleCare(ann, crm.CarePlan{Name: "anniversaries", Kind: crm.CareAnniversary}, 7)
	require.NoError(t, err)
	require.Len(t, run.Created, 1)
	assert.Equal(t, "1 years as a customer: Berliner GmbH", run.Created[0].Title, "counted in the customer's own calendar")
	assert.Equal(t, time.Date(2027, 1, 1, 8, 0, 0, 0, time.UTC), run.Created[0].Due, "09:00 in Berlin")

	// A cancelled revisit starts the plan again from its cancellation.
	plan := crm.CarePlan{Name: "revisits", Kind: crm.CareRevisit, Every: 30, Customers: crm.CustomerFilter{Tags: []string{"key"}}}
	run, err = c.ScheduleCare(ann, plan, 1)
	require.NoError(t, err)
	require.Len(t, run.Created, 1, "long overdue: due today")
	_, err = c.CancelTask(ann, run.Created[0].ID, run.Created[0].Version)
	require.NoError(t, err)
	clock.Advance(24 * time.Hour)
	run, err = c.ScheduleCare(ann, plan, 7)
	require.NoError(t, err)
	assert.Empty(t, run.Created, "not back the next day")
	run, err = c.ScheduleCare(ann, plan, 31)
	require.NoError(t, err)
	require.Len(t, run.Created, 1)
	assert.Equal(t, time.Date(2027, 1, 29, 8, 0, 0, 0, time.UTC), run.Created[0].Due, "30 days after the cancellation")
	assert.Equal(t, berlin.ID, run.Created[0].CustomerID)

	_, err = c.ScheduleCare(ann, crm.CarePlan{Name: strings.Repeat("n", 56), Kind: crm.CareBirthday}, 7)
	assert.NotEmpty(t, fieldErr(t, err, "name"), "the tasks' sources must fit")
	_, err = c.CreateCustomer(ann, &crm.Customer{Name: "Host", TimeZone: "Local"})
	assert.NotEmpty(t, fieldErr(t, err, "time_zone"), "the server's zone is nobody's")
}
