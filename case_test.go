package crm_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

var allCaseStatuses = []crm.CaseStatus{crm.CaseNew, crm.CaseOpen, crm.CaseWaiting, crm.CaseResolved, crm.CaseClosed, crm.CaseReopened}

// TestTransitionCase tries every move between two statuses: the legal
// ones move the case and stamp it, the others fail with ErrTransition and
// change nothing.
func TestTransitionCase(t *testing.T) {
	legal := map[[2]crm.CaseStatus]bool{}
	for _, m := range [][2]crm.CaseStatus{
		{crm.CaseNew, crm.CaseOpen}, {crm.CaseNew, crm.CaseWaiting}, {crm.CaseNew, crm.CaseResolved},
		{crm.CaseOpen, crm.CaseWaiting}, {crm.CaseOpen, crm.CaseResolved},
		{crm.CaseWaiting, crm.CaseOpen}, {crm.CaseWaiting, crm.CaseResolved},
		{crm.CaseReopened, crm.CaseOpen}, {crm.CaseReopened, crm.CaseWaiting}, {crm.CaseReopened, crm.CaseResolved},
		{crm.CaseResolved, crm.CaseClosed}, {crm.CaseResolved, crm.CaseReopened},
	} {
		legal[m] = true
	}
	entered := t0
	at := t0.Add(time.Hour)
	for _, from := range allCaseStatuses {
		for _, to := range allCaseStatuses {
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				c := &crm.Case{ID: "k1", Status: from, StatusChangedAt: entered, ResolvedAt: entered, ResolutionTime: time.Hour, Reopened: 1}
				before := *c
				err := crm.TransitionCase(c, to, at)
				switch {
				case from == to:
					require.NoError(t, err)
					assert.Equal(t, before, *c, "staying in a status changes nothing")
				case legal[[2]crm.CaseStatus{from, to}]:
					require.NoError(t, err)
					assert.Equal(t, to, c.Status)
					assert.Equal(t, at, c.StatusChangedAt)
				default:
					require.ErrorIs(t, err, crm.ErrTransition)
					assert.Equal(t, before, *c, "a refused move changes nothing")
				}
			})
		}
	}
}

func TestTransitionCaseFacts(t *testing.T) {
	c := &crm.Case{ID: "k1", Status: crm.CaseNew, StatusChangedAt: t0}
	require.NoError(t, crm.TransitionCase(c, crm.CaseOpen, t0.Add(time.Minute)))
	assert.True(t, c.FirstRespondedAt.IsZero(), "taking a case up is not a response")
	require.NoError(t, crm.TransitionCase(c, crm.CaseWaiting, t0.Add(2*time.Minute)))
	assert.Equal(t, t0.Add(2*time.Minute), c.FirstRespondedAt, "asking the customer is a response")
	require.NoError(t, crm.TransitionCase(c, crm.CaseResolved, t0.Add(3*time.Minute)))
	assert.Equal(t, t0.Add(2*time.Minute), c.FirstRespondedAt, "the first response stays")
	assert.Equal(t, t0.Add(3*time.Minute), c.ResolvedAt)
	c.ResolutionTime = time.Minute
	require.NoError(t, crm.TransitionCase(c, crm.CaseReopened, t0.Add(4*time.Minute)))
	assert.True(t, c.ResolvedAt.IsZero(), "a reopened case is not resolved")
	assert.Zero(t, c.ResolutionTime)
	assert.Equal(t, 1, c.Reopened)
	require.NoError(t, crm.TransitionCase(c, crm.CaseResolved, t0.Add(5*time.Minute)))
	require.NoError(t, crm.TransitionCase(c, crm.CaseClosed, t0.Add(6*time.Minute)))
	assert.Equal(t, t0.Add(6*time.Minute), c.ClosedAt)
}

func TestTransitionCaseInvalid(t *testing.T) {
	for _, tc := range []struct {
		name  string
		to    crm.CaseStatus
		at    time.Time
		field string
	}{
		{"UnknownStatus", "done", t0.Add(time.Hour), "status"},
		{"NoTime", crm.CaseOpen, time.Time{}, "at"},
		{"BeforeStatus", crm.CaseOpen, t0.Add(-time.Second), "at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &crm.Case{Status: crm.CaseNew, StatusChangedAt: t0}
			before := *c
			err := crm.TransitionCase(c, tc.to, tc.at)
			var verr *crm.ValidationError
			require.ErrorAs(t, err, &verr)
			_, named := verr.Field(tc.field)
			assert.True(t, named, "the error names %q: %v", tc.field, err)
			assert.Equal(t, before, *c)
		})
	}
}

func TestCaseRespond(t *testing.T) {
	c := &crm.Case{Status: crm.CaseNew, StatusChangedAt: t0}
	require.NoError(t, c.Respond(t0.Add(time.Hour)))
	assert.Equal(t, crm.CaseOpen, c.Status, "the first response takes a new case to open")
	assert.Equal(t, t0.Add(time.Hour), c.FirstRespondedAt)
	require.NoError(t, c.Respond(t0.Add(2*time.Hour)))
	assert.Equal(t, t0.Add(time.Hour), c.FirstRespondedAt, "a later response changes nothing")
	closed := &crm.Case{Status: crm.CaseClosed, StatusChangedAt: t0}
	assert.ErrorIs(t, closed.Respond(t0.Add(time.Hour)), crm.ErrTransition)
	assert.True(t, closed.FirstRespondedAt.IsZero())
}

// serviceCalendar is open 09:00-17:00 UTC Monday to Friday, closed on
// Monday 2026-03-09.
func serviceCalendar(t *testing.T) *crm.BusinessCalendar {
	t.Helper()
	cal, err := crm.NewBusinessCalendar(time.UTC, crm.MondayToFriday(crm.WorkingHours{From: 9 * time.Hour, To: 17 * time.Hour}),
		time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	return cal
}

// march returns the instant of hour:min on 2026-03-day, UTC.
func march(d, hour, min int) time.Time { return time.Date(2026, 3, d, hour, min, 0, 0, time.UTC) }

// TestCaseClocks rebuilds the two clocks of a case opened on a Friday
// afternoon, answered after the weekend and a holiday, waiting on the
// customer for a day, breached, resolved, reopened.
func TestCaseClocks(t *testing.T) {
	cal := serviceCalendar(t)
	sla := crm.CaseSLA{
		FirstResponse: crm.SLAPolicy{Calendar: cal, Target: 4 * time.Hour},
		Resolution:    crm.SLAPolicy{Calendar: cal, Target: 8 * time.Hour, WarnBefore: time.Hour},
	}
	c := &crm.Case{OpenedAt: march(6, 15, 0), FirstRespondedAt: march(10, 10, 0)} // Fri 15:00; Tue 10:00
	move := func(v int64, at time.Time, from, to crm.CaseStatus) crm.CaseChange {
		return crm.CaseChange{Version: v, At: at, FromStatus: from, ToStatus: to}
	}
	history := []crm.CaseChange{
		{Version: 1, At: march(6, 15, 0), ToStatus: crm.CaseNew},
		move(2, march(10, 10, 0), crm.CaseNew, crm.CaseOpen),
		move(3, march(10, 11, 0), crm.CaseOpen, crm.CaseWaiting),  // Tue 11:00: 4h counted
		move(4, march(11, 9, 0), crm.CaseWaiting, crm.CaseOpen),   // Wed 09:00
		move(5, march(11, 15, 0), crm.CaseOpen, crm.CaseResolved), // Wed 15:00: 10h counted
		move(6, march(12, 9, 0), crm.CaseResolved, crm.CaseReopened),
		move(7, march(12, 10, 30), crm.CaseReopened, crm.CaseResolved),
		move(8, march(13, 9, 0), crm.CaseResolved, crm.CaseClosed),
	}
	first, res, err := crm.CaseClocks(c, history, sla)
	require.NoError(t, err)

	fs := first.State(march(20, 0, 0))
	assert.Equal(t, 3*time.Hour, fs.Elapsed, "Fri 15-17 and Tue 9-10; the weekend and the holiday do not count")
	assert.False(t, fs.Breached)
	assert.False(t, fs.Running)

	st := res.State(march(10, 16, 0)) // waiting on the customer
	assert.Equal(t, 4*time.Hour, st.Elapsed, "paused while waiting on the customer")
	assert.False(t, st.Running)
	assert.True(t, st.Due.IsZero(), "no due time while paused")

	st = res.State(march(11, 12, 0))
	assert.True(t, st.Running)
	assert.True(t, st.Warning, "an hour before the target")
	assert.Equal(t, march(11, 13, 0), st.Due, "4h left from Wed 09:00")

	st = res.State(march(11, 14, 0))
	assert.True(t, st.Breached)
	assert.Equal(t, march(11, 13, 0), st.BreachedAt, "the exact breach time")

	st = res.State(march(12, 10, 0))
	assert.Equal(t, 11*time.Hour, st.Elapsed, "a reopen continues the clock")
	st = res.State(march(20, 0, 0))
	assert.Equal(t, 11*time.Hour+30*time.Minute, st.Elapsed)
	assert.Equal(t, march(11, 13, 0), st.BreachedAt, "a breach stays")
	assert.False(t, st.Running)

	_, _, err = crm.CaseClocks(&crm.Case{OpenedAt: march(6, 15, 0)}, []crm.CaseChange{move(2, march(6, 14, 0), crm.CaseNew, crm.CaseWaiting)}, sla)
	assert.ErrorIs(t, err, crm.ErrInvalid, "a change before the case was opened")
}

// caseSetup returns a Client with service levels for high and normal
// cases on serviceCalendar, its clock set to Friday 2026-03-06 15:00, a
// context acting as "ann" and a customer owned by "bob".
func caseSetup(t *testing.T) (*crm.Client, *testClock, context.Context, *crm.Customer) {
	t.Helper()
	cal := serviceCalendar(t)
	c, clock, _ := newClient(t, crm.WithCaseSLA(map[crm.CasePriority]crm.CaseSLA{
		crm.PriorityHigh: {
			FirstResponse: crm.SLAPolicy{Calendar: cal, Target: 4 * time.Hour},
			Resolution:    crm.SLAPolicy{Calendar: cal, Target: 8 * time.Hour},
		},
		crm.PriorityNormal: {Resolution: crm.SLAPolicy{Calendar: cal, Target: 40 * time.Hour}},
	}))
	clock.Advance(march(6, 15, 0).Sub(t0))
	ctx := actorCtx(t, "ann")
	cust := mustCreate(t, c, ctx, &crm.Customer{Kind: crm.KindOrganization, Name: "Acme Ltd", OwnerID: "bob"})
	return c, clock, ctx, cust
}

// setTo sets the clock to at.
func setTo(clock *testClock, at time.Time) { clock.Advance(at.Sub(clock.Now())) }

// TestCaseService works a high-priority case through the Client: the
// stored SLA facts follow every change, the history records each one,
// and BreachedCases finds the case by its due time.
func TestCaseService(t *testing.T) {
	c, clock, ctx, cust := caseSetup(t)
	cs, err := c.CreateCase(ctx, &crm.Case{CustomerID: cust.ID, Kind: crm.CaseComplaint, Priority: crm.PriorityHigh,
		Subject: "  Charged twice ", Channel: "Email"})
	require.NoError(t, err)
	assert.Equal(t, crm.CaseNew, cs.Status)
	assert.Equal(t, "Charged twice", cs.Subject)
	assert.Equal(t, "email", cs.Channel)
	assert.Equal(t, "bob", cs.OwnerID, "the customer's owner by default")
	assert.Equal(t, march(6, 15, 0), cs.OpenedAt)
	assert.Equal(t, march(10, 11, 0), cs.FirstResponseDue, "4 business hours: Fri 15-17, Tue 9-11 (Monday is a holiday)")
	assert.Equal(t, march(10, 15, 0), cs.ResolutionDue, "8 business hours: Fri 15-17, Tue 9-15")

	setTo(clock, march(10, 10, 0))
	cs, err = c.RespondToCase(ctx, cs.ID, cs.Version)
	require.NoError(t, err)
	assert.Equal(t, crm.CaseOpen, cs.Status)
	assert.Equal(t, 3*time.Hour, cs.FirstResponseTime)
	assert.True(t, cs.FirstResponseDue.IsZero(), "met: it cannot breach any more")

	setTo(clock, march(10, 11, 0))
	cs, err = c.SetCaseStatus(ctx, cs.ID, cs.Version, crm.CaseWaiting)
	require.NoError(t, err)
	assert.True(t, cs.ResolutionDue.IsZero(), "paused before its target")
	breached := func(at time.Time) []string {
		var ids []string
		for b, err := range c.BreachedCases(ctx, at, crm.CaseFilter{}) {
			require.NoError(t, err)
			ids = append(ids, b.ID)
		}
		return ids
	}
	assert.Empty(t, breached(march(20, 0, 0)), "a paused clock does not breach")

	setTo(clock, march(11, 9, 0))
	cs, err = c.SetCaseStatus(ctx, cs.ID, cs.Version, crm.CaseOpen)
	require.NoError(t, err)
	assert.Equal(t, march(11, 13, 0), cs.ResolutionDue, "4 business hours left from Wed 09:00")
	assert.Empty(t, breached(march(11, 12, 59)))
	assert.Equal(t, []string{cs.ID}, breached(march(11, 13, 0)), "breached at its due time exactly")
	_, resBreached := cs.Breached(march(11, 13, 0))
	assert.True(t, resBreached)

	state, err := c.CaseSLA(ctx, cs.ID, march(11, 12, 0))
	require.NoError(t, err)
	assert.Equal(t, 7*time.Hour, state.Resolution.Elapsed, "Fri 15-17, Tue 9-11, Wed 9-12")
	assert.Equal(t, time.Hour, state.Resolution.Remaining)
	assert.True(t, state.FirstResponse.Elapsed == 3*time.Hour && !state.FirstResponse.Breached)

	setTo(clock, march(11, 15, 0))
	cs, err = c.SetCaseStatus(ctx, cs.ID, cs.Version, crm.CaseResolved)
	require.NoError(t, err)
	assert.Equal(t, 10*time.Hour, cs.ResolutionTime)
	assert.Equal(t, march(11, 13, 0), cs.ResolutionDue, "the breach time stays with the case")
	assert.Equal(t, []string{cs.ID}, breached(march(20, 0, 0)))
	open, _, err := c.ListCases(ctx, crm.CaseFilter{Statuses: []crm.CaseStatus{crm.CaseOpen}, DueBefore: march(20, 0, 0)})
	require.NoError(t, err)
	assert.Empty(t, open, "narrowed to cases still open")

	setTo(clock, march(12, 9, 0))
	cs, err = c.SetCaseStatus(ctx, cs.ID, cs.Version, crm.CaseReopened)
	require.NoError(t, err)
	assert.True(t, cs.ResolvedAt.IsZero())
	assert.Equal(t, 1, cs.Reopened)

	setTo(clock, march(12, 9, 30))
	cs, err = c.UpdateCase(ctx, cs.ID, cs.Version, crm.CaseUpdate{Priority: crm.Ptr(crm.PriorityNormal), OwnerID: crm.Ptr("carol")})
	require.NoError(t, err)
	assert.True(t, cs.ResolutionDue.After(march(12, 9, 30)), "under the normal policy (40h) it is not breached")

	history, err := c.CaseHistory(ctx, cs.ID)
	require.NoError(t, err)
	var moves []string
	for i, ch := range history {
		assert.Equal(t, int64(i+1), ch.Version, "history keyed by version")
		moves = append(moves, fmt.Sprintf("%s>%s %s %s %t", ch.FromStatus, ch.ToStatus, ch.Priority, ch.OwnerID, ch.Responded))
	}
	assert.Equal(t, []string{
		">new high bob false",
		"new>open high bob true",
		"open>waiting_on_customer high bob false",
		"waiting_on_customer>open high bob false",
		"open>resolved high bob false",
		"resolved>reopened high bob false",
		"reopened>reopened normal carol false",
	}, moves)

	_, err = c.SetCaseStatus(ctx, cs.ID, cs.Version, crm.CaseClosed)
	assert.ErrorIs(t, err, crm.ErrTransition, "a reopened case is resolved before it closes")
	_, err = c.SetCaseStatus(ctx, cs.ID, cs.Version-1, crm.CaseResolved)
	assert.ErrorIs(t, err, crm.ErrConflict)
	got, err := c.GetCase(ctx, cs.ID)
	require.NoError(t, err)
	assert.Equal(t, cs, got, "refused moves change nothing")
}

// TestCreateCaseInvalid sends bad cases: each error names the fields,
// and nothing is stored.
func TestCreateCaseInvalid(t *testing.T) {
	c, _, ctx, cust := caseSetup(t)
	other := mustCreate(t, c, ctx, &crm.Customer{Kind: crm.KindOrganization, Name: "Other Org"})
	ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: other.ID, Name: "Not Acme's"})
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		in     *crm.Case
		fields []string
	}{
		{"Empty", &crm.Case{}, []string{"customer_id", "subject", "kind"}},
		{"UnknownKindAndPriority", &crm.Case{CustomerID: cust.ID, Subject: "x", Kind: "praise", Priority: "asap"}, []string{"kind", "priority"}},
		{"Future", &crm.Case{CustomerID: cust.ID, Subject: "x", Kind: crm.CaseRequest, OpenedAt: march(7, 0, 0)}, []string{"opened_at"}},
		{"ContactOfAnother", &crm.Case{CustomerID: cust.ID, Subject: "x", Kind: crm.CaseRequest, ContactID: ct.ID}, []string{"contact_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateCase(ctx, tc.in)
			var verr *crm.ValidationError
			require.ErrorAs(t, err, &verr)
			for _, f := range tc.fields {
				_, named := verr.Field(f)
				assert.True(t, named, "names %q: %v", f, err)
			}
		})
	}
	_, err = c.CreateCase(ctx, &crm.Case{CustomerID: "c-missing", Subject: "x", Kind: crm.CaseRequest})
	assert.ErrorIs(t, err, crm.ErrNotFound)
	page, _, err := c.ListCases(ctx, crm.CaseFilter{})
	require.NoError(t, err)
	assert.Empty(t, page, "bad input stores nothing")
}

// TestCreateCaseSource creates a case for a source twice: the second
// create is refused with the first case; another customer may use the
// same source.
func TestCreateCaseSource(t *testing.T) {
	c, _, _, cust := caseSetup(t)
	ctx := actorCtx(t, "survey-bot")
	unowned := mustCreate(t, c, ctx, &crm.Customer{Kind: crm.KindPerson, Name: "No Owner"})
	first, err := c.CreateCase(ctx, &crm.Case{CustomerID: cust.ID, Kind: crm.CaseComplaint, Subject: "Detractor", Source: "response:r1"})
	require.NoError(t, err)
	_, err = c.CreateCase(ctx, &crm.Case{CustomerID: cust.ID, Kind: crm.CaseComplaint, Subject: "Detractor again", Source: "response:r1"})
	var exists *crm.CaseExistsError
	require.ErrorAs(t, err, &exists)
	assert.ErrorIs(t, err, crm.ErrDuplicate)
	assert.Equal(t, first, exists.Case)
	second, err := c.CreateCase(ctx, &crm.Case{CustomerID: unowned.ID, Kind: crm.CaseComplaint, Subject: "Detractor", Source: "response:r1"})
	require.NoError(t, err)
	assert.Equal(t, "survey-bot", second.OwnerID, "no customer owner: the acting user")
	page, _, err := c.ListCases(ctx, crm.CaseFilter{Sources: []string{"response:r1"}})
	require.NoError(t, err)
	assert.Len(t, page, 2)
}

// TestCaseConcurrentChanges changes one case from many goroutines, each
// retrying on a conflict: no change is lost, and the history holds each
// one under its own version.
func TestCaseConcurrentChanges(t *testing.T) {
	c, _, ctx, cust := caseSetup(t)
	cs, err := c.CreateCase(ctx, &crm.Case{CustomerID: cust.ID, Kind: crm.CaseRequest, Subject: "Busy"})
	require.NoError(t, err)
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				cur, err := c.GetCase(ctx, cs.ID)
				if err != nil {
					errs <- err
					return
				}
				if i == 0 {
					_, err = c.RespondToCase(ctx, cs.ID, cur.Version)
				} else {
					_, err = c.UpdateCase(ctx, cs.ID, cur.Version, crm.CaseUpdate{OwnerID: crm.Ptr(fmt.Sprintf("u-%02d", i))})
				}
				if !errors.Is(err, crm.ErrConflict) {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := c.GetCase(ctx, cs.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(n+1), got.Version, "one write per change")
	assert.Equal(t, crm.CaseOpen, got.Status)
	history, err := c.CaseHistory(ctx, cs.ID)
	require.NoError(t, err)
	require.Len(t, history, n+1)
	var owners []string
	for i, ch := range history {
		assert.Equal(t, int64(i+1), ch.Version)
		if i > 0 && ch.OwnerID != history[i-1].OwnerID {
			owners = append(owners, ch.OwnerID)
		}
	}
	slices.Sort(owners)
	assert.Len(t, slices.Compact(owners), n-1, "every owner change is in the history")
}

func TestWithCaseSLAInvalid(t *testing.T) {
	_, err := crm.New(memory.New(), crm.WithCaseSLA(map[crm.CasePriority]crm.CaseSLA{
		"asap":           {},
		crm.PriorityHigh: {FirstResponse: crm.SLAPolicy{Target: -time.Hour}},
	}))
	var verr *crm.ValidationError
	require.ErrorAs(t, err, &verr)
	for _, f := range []string{"case_sla[asap]", "case_sla[high].first_response.target", "case_sla[high].first_response.calendar"} {
		_, named := verr.Field(f)
		assert.True(t, named, "names %q: %v", f, err)
	}
}
