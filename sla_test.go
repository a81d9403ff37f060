package crm_test

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // the tests name zones; do not depend on the host's database

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func mustLoad(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(tb, err)
	return loc
}

func hours(from, to string) crm.WorkingHours {
	parse := func(s string) time.Duration {
		if s == "24:00" {
			return 24 * time.Hour
		}
		t, err := time.Parse("15:04", s)
		if err != nil {
			panic(err)
		}
		return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	}
	return crm.WorkingHours{From: parse(from), To: parse(to)}
}

// berlinOffice is open 09:00-12:30 and 13:30-17:00 Monday to Friday,
// closed on 2026-12-25, 2026-12-26 and 2027-01-01.
func berlinOffice(tb testing.TB) *crm.BusinessCalendar {
	tb.Helper()
	cal, err := crm.NewBusinessCalendar(mustLoad(tb, "Europe/Berlin"),
		crm.MondayToFriday(hours("09:00", "12:30"), hours("13:30", "17:00")),
		time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 26, 0, 0, 0, 0, time.UTC),
		time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	)
	require.NoError(tb, err)
	return cal
}

// nineToFive is open 09:00-17:00 every day of the week in Berlin.
func nineToFive(tb testing.TB) *crm.BusinessCalendar {
	tb.Helper()
	week := crm.WeeklyHours{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		week[d] = []crm.WorkingHours{hours("09:00", "17:00")}
	}
	cal, err := crm.NewBusinessCalendar(mustLoad(tb, "Europe/Berlin"), week)
	require.NoError(tb, err)
	return cal
}

func TestBusinessCalendarWorkingTime(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, berlin) }
	office, daily := berlinOffice(t), nineToFive(t)
	tests := []struct {
		name     string
		cal      *crm.BusinessCalendar
		from, to time.Time
		want     time.Duration
	}{
		{"one working day", office, at(2026, 3, 2, 0, 0), at(2026, 3, 3, 0, 0), 7 * time.Hour},
		{"inside the morning", office, at(2026, 3, 2, 10, 0), at(2026, 3, 2, 11, 15), 75 * time.Minute},
		{"across lunch", office, at(2026, 3, 2, 12, 0), at(2026, 3, 2, 14, 0), time.Hour},
		{"within lunch", office, at(2026, 3, 2, 12, 40), at(2026, 3, 2, 13, 20), 0},
		{"Friday afternoon to Monday morning", office, at(2026, 3, 6, 16, 0), at(2026, 3, 9, 10, 0), 2 * time.Hour},
		{"weekend only", office, at(2026, 3, 7, 0, 0), at(2026, 3, 9, 0, 0), 0},
		{"a full week", office, at(2026, 3, 2, 0, 0), at(2026, 3, 9, 0, 0), 35 * time.Hour},
		{"to before from", office, at(2026, 3, 3, 0, 0), at(2026, 3, 2, 0, 0), 0},
		{"Christmas holidays", office, at(2026, 12, 24, 16, 0), at(2026, 12, 28, 10, 0), 2 * time.Hour},
		{"across the year end", office, at(2026, 12, 31, 16, 0), at(2027, 1, 4, 10, 0), 2 * time.Hour},
		{"from instants in UTC", office, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), 210 * time.Minute},
		{"spring forward day", daily, at(2026, 3, 29, 0, 0), at(2026, 3, 30, 0, 0), 8 * time.Hour},
		{"fall back day", daily, at(2026, 10, 25, 0, 0), at(2026, 10, 26, 0, 0), 8 * time.Hour},
		{"around spring forward", daily, at(2026, 3, 28, 16, 0), at(2026, 3, 29, 10, 0), 2 * time.Hour},
		{"always open, spring forward", crm.AlwaysOpen(), at(2026, 3, 29, 0, 0), at(2026, 3, 30, 0, 0), 23 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.cal.WorkingTime(tt.from, tt.to))
		})
	}
}

func TestBusinessCalendarAdd(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, berlin) }
	office, daily := berlinOffice(t), nineToFive(t)
	tests := []struct {
		name string
		cal  *crm.BusinessCalendar
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{"within the morning", office, at(2026, 3, 2, 9, 0), 2 * time.Hour, at(2026, 3, 2, 11, 0)},
		{"over lunch", office, at(2026, 3, 2, 12, 0), time.Hour, at(2026, 3, 2, 14, 0)},
		{"ends exactly at lunch", office, at(2026, 3, 2, 12, 0), 30 * time.Minute, at(2026, 3, 2, 12, 30)},
		{"ends exactly at close", office, at(2026, 3, 2, 16, 0), time.Hour, at(2026, 3, 2, 17, 0)},
		{"from lunch starts at reopening", office, at(2026, 3, 2, 13, 0), time.Minute, at(2026, 3, 2, 13, 31)},
		{"over the weekend", office, at(2026, 3, 6, 16, 0), 4 * time.Hour, at(2026, 3, 9, 12, 0)},
		{"from Saturday", office, at(2026, 3, 7, 11, 0), time.Hour, at(2026, 3, 9, 10, 0)},
		{"over Christmas", office, at(2026, 12, 24, 16, 0), 2 * time.Hour, at(2026, 12, 28, 10, 0)},
		{"over the year end", office, at(2026, 12, 31, 16, 0), 2 * time.Hour, at(2027, 1, 4, 10, 0)},
		{"zero when open", office, at(2026, 3, 2, 10, 0), 0, at(2026, 3, 2, 10, 0)},
		{"zero when closed", office, at(2026, 3, 2, 18, 0), 0, at(2026, 3, 3, 9, 0)},
		{"negative is zero", office, at(2026, 3, 2, 18, 0), -time.Hour, at(2026, 3, 3, 9, 0)},
		{"to seconds", office, at(2026, 3, 2, 9, 0), 90*time.Minute + 7*time.Second, time.Date(2026, 3, 2, 10, 30, 7, 0, berlin)},
		{"spring forward day", daily, at(2026, 3, 29, 9, 0), 8 * time.Hour, at(2026, 3, 29, 17, 0)},
		{"fall back day", daily, at(2026, 10, 25, 9, 0), 8 * time.Hour, at(2026, 10, 25, 17, 0)},
		{"across spring forward", daily, at(2026, 3, 28, 16, 0), 2 * time.Hour, at(2026, 3, 29, 10, 0)},
		{"always open", crm.AlwaysOpen(), at(2026, 3, 29, 1, 0), 2 * time.Hour, at(2026, 3, 29, 4, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Add(tt.from, tt.d)
			assert.True(t, tt.want.Equal(got), "want %s, got %s", tt.want, got)
			if tt.d > 0 {
				assert.Equal(t, tt.d, tt.cal.WorkingTime(tt.from, got), "WorkingTime inverts Add")
			}
		})
	}
}

func TestBusinessCalendarIsOpen(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, berlin) }
	office := berlinOffice(t)
	tests := []struct {
		at   time.Time
		want bool
	}{
		{at(2026, 3, 2, 8, 59), false},
		{at(2026, 3, 2, 9, 0), true},
		{at(2026, 3, 2, 12, 30), false}, // intervals are half-open
		{at(2026, 3, 2, 13, 30), true},
		{at(2026, 3, 2, 16, 59), true},
		{at(2026, 3, 2, 17, 0), false},
		{at(2026, 3, 7, 10, 0), false},   // Saturday
		{at(2026, 12, 25, 10, 0), false}, // holiday
		{at(2027, 1, 1, 10, 0), false},   // holiday
		{time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), true},
		{time.Time{}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, office.IsOpen(tt.at), "%s", tt.at)
	}
	assert.True(t, crm.AlwaysOpen().IsOpen(time.Time{}))
}

func TestNewBusinessCalendarInvalid(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	tests := []struct {
		name     string
		loc      *time.Location
		week     crm.WeeklyHours
		holidays []time.Time
		fields   []string
	}{
		{"nil location", nil, crm.MondayToFriday(hours("09:00", "17:00")), nil, []string{"location"}},
		{"inverted", berlin, crm.WeeklyHours{time.Monday: {hours("17:00", "09:00")}}, nil, []string{"hours[Monday][0]"}},
		{"empty interval", berlin, crm.WeeklyHours{time.Monday: {hours("09:00", "17:00"), hours("18:00", "18:00")}}, nil, []string{"hours[Monday][1]"}},
		{"past midnight", berlin, crm.WeeklyHours{time.Friday: {{From: 20 * time.Hour, To: 26 * time.Hour}}}, nil, []string{"hours[Friday][0]"}},
		{"negative", berlin, crm.WeeklyHours{time.Friday: {{From: -time.Hour, To: time.Hour}}}, nil, []string{"hours[Friday][0]"}},
		{"overlapping", berlin, crm.WeeklyHours{time.Tuesday: {hours("13:00", "17:00"), hours("09:00", "13:30")}}, nil, []string{"hours[Tuesday]"}},
		{"not a weekday", berlin, crm.WeeklyHours{time.Monday: {hours("09:00", "17:00")}, 7: {hours("09:00", "17:00")}}, nil, []string{"hours[7]"}},
		{"never open", berlin, crm.WeeklyHours{time.Monday: nil}, nil, []string{"hours"}},
		{"zero holiday", berlin, crm.MondayToFriday(hours("09:00", "17:00")), []time.Time{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), {}}, []string{"holidays[1]"}},
		{"everything at once", nil, nil, []time.Time{{}}, []string{"location", "hours", "holidays[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := crm.NewBusinessCalendar(tt.loc, tt.week, tt.holidays...)
			require.Error(t, err)
			assert.Nil(t, cal)
			assert.True(t, errors.Is(err, crm.ErrInvalid))
			var verr *crm.ValidationError
			require.ErrorAs(t, err, &verr)
			var got []string
			for _, f := range verr.Fields {
				got = append(got, f.Field)
			}
			assert.Equal(t, tt.fields, got, "%v", err)
		})
	}
}

func TestNewBusinessCalendarTouchingIntervals(t *testing.T) {
	cal, err := crm.NewBusinessCalendar(time.UTC, crm.WeeklyHours{
		time.Monday:  {hours("12:00", "24:00"), hours("09:00", "12:00")},
		time.Tuesday: {hours("00:00", "02:00")},
	})
	require.NoError(t, err)
	from := time.Date(2026, 3, 2, 23, 0, 0, 0, time.UTC) // Monday
	assert.Equal(t, 3*time.Hour, cal.WorkingTime(from, from.Add(48*time.Hour)))
	assert.Equal(t, time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC), cal.Add(from, 2*time.Hour))
}

func TestSLAClockState(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	at := func(m time.Month, d, h, min, sec int) time.Time { return time.Date(2026, m, d, h, min, sec, 0, berlin) }
	office := berlinOffice(t)
	fourHours := crm.SLAPolicy{Calendar: office, Target: 4 * time.Hour, WarnFraction: 0.75}
	tests := []struct {
		name   string
		policy crm.SLAPolicy
		events []crm.SLAEvent
		at     time.Time
		want   crm.SLAState
	}{
		{
			name: "not started", policy: fourHours, at: at(3, 2, 10, 0, 0),
			want: crm.SLAState{Remaining: 4 * time.Hour},
		},
		{
			name: "before the start", policy: fourHours, at: at(3, 2, 9, 0, 0),
			events: []crm.SLAEvent{{At: at(3, 2, 10, 0, 0), Kind: crm.SLAStart}},
			want:   crm.SLAState{Remaining: 4 * time.Hour},
		},
		{
			name: "running over lunch", policy: fourHours, at: at(3, 2, 14, 0, 0),
			events: []crm.SLAEvent{{At: at(3, 2, 10, 0, 0), Kind: crm.SLAStart}},
			want: crm.SLAState{Elapsed: 3 * time.Hour, Remaining: time.Hour, Due: at(3, 2, 15, 0, 0),
				Warning: true, Running: true},
		},
		{
			name: "just before the warning", policy: fourHours, at: at(3, 2, 13, 59, 59),
			events: []crm.SLAEvent{{At: at(3, 2, 10, 0, 0), Kind: crm.SLAStart}},
			want: crm.SLAState{Elapsed: 3*time.Hour - time.Second, Remaining: time.Hour + time.Second,
				Due: at(3, 2, 15, 0, 0), Running: true},
		},
		{
			name: "warn before, as a duration", at: at(3, 2, 14, 0, 0),
			policy: crm.SLAPolicy{Calendar: office, Target: 4 * time.Hour, WarnBefore: 30 * time.Minute},
			events: []crm.SLAEvent{{At: at(3, 2, 10, 0, 0), Kind: crm.SLAStart}},
			want:   crm.SLAState{Elapsed: 3 * time.Hour, Remaining: time.Hour, Due: at(3, 2, 15, 0, 0), Running: true},
		},
		{
			name: "breached to the second", policy: fourHours, at: at(3, 3, 12, 0, 0),
			events: []crm.SLAEvent{{At: at(3, 2, 16, 20, 13), Kind: crm.SLAStart}},
			want: crm.SLAState{Elapsed: 40*time.Minute - 13*time.Second + 3*time.Hour, Due: at(3, 3, 12, 20, 13),
				Warning: true, Running: true, Remaining: 20*time.Minute + 13*time.Second},
		},
		{
			name: "breach instant", policy: fourHours, at: at(3, 3, 12, 20, 13),
			events: []crm.SLAEvent{{At: at(3, 2, 16, 20, 13), Kind: crm.SLAStart}},
			want: crm.SLAState{Elapsed: 4 * time.Hour, Due: at(3, 3, 12, 20, 13),
				Breached: true, BreachedAt: at(3, 3, 12, 20, 13), Running: true},
		},
		{
			name: "paused across the weekend", policy: fourHours, at: at(3, 9, 10, 0, 0),
			events: []crm.SLAEvent{
				{At: at(3, 6, 15, 0, 0), Kind: crm.SLAStart},  // Friday
				{At: at(3, 6, 16, 0, 0), Kind: crm.SLAPause},  // waiting on the customer
				{At: at(3, 9, 9, 30, 0), Kind: crm.SLAResume}, // Monday
			},
			want: crm.SLAState{Elapsed: 90 * time.Minute, Remaining: 150 * time.Minute, Due: at(3, 9, 12, 30, 0), Running: true},
		},
		{
			name: "paused", policy: fourHours, at: at(3, 9, 10, 0, 0),
			events: []crm.SLAEvent{
				{At: at(3, 6, 15, 0, 0), Kind: crm.SLAStart},
				{At: at(3, 6, 16, 0, 0), Kind: crm.SLAPause},
			},
			want: crm.SLAState{Elapsed: time.Hour, Remaining: 3 * time.Hour},
		},
		{
			name: "breached, then paused", policy: fourHours, at: at(3, 10, 10, 0, 0),
			events: []crm.SLAEvent{
				{At: at(3, 9, 9, 0, 0), Kind: crm.SLAStart},
				{At: at(3, 9, 16, 0, 0), Kind: crm.SLAPause},
			},
			want: crm.SLAState{Elapsed: 6 * time.Hour, Due: at(3, 9, 14, 0, 0), Breached: true, BreachedAt: at(3, 9, 14, 0, 0)},
		},
		{
			name: "stopped in time", policy: fourHours, at: at(3, 20, 10, 0, 0),
			events: []crm.SLAEvent{
				{At: at(3, 9, 9, 0, 0), Kind: crm.SLAStart},
				{At: at(3, 9, 9, 45, 0), Kind: crm.SLAStop},
			},
			want: crm.SLAState{Elapsed: 45 * time.Minute, Remaining: 195 * time.Minute},
		},
		{
			name: "breach across spring forward", at: time.Date(2026, 3, 30, 0, 0, 0, 0, berlin),
			policy: crm.SLAPolicy{Calendar: nineToFive(t), Target: 8 * time.Hour},
			events: []crm.SLAEvent{{At: at(3, 28, 13, 0, 0), Kind: crm.SLAStart}},
			want: crm.SLAState{Elapsed: 12 * time.Hour, Due: at(3, 29, 13, 0, 0), Breached: true,
				BreachedAt: at(3, 29, 13, 0, 0), Running: true},
		},
		{
			name: "breach across fall back", at: time.Date(2026, 10, 25, 13, 0, 0, 0, berlin),
			policy: crm.SLAPolicy{Calendar: nineToFive(t), Target: 8 * time.Hour},
			events: []crm.SLAEvent{{At: at(10, 24, 13, 0, 0), Kind: crm.SLAStart}},
			want: crm.SLAState{Elapsed: 8 * time.Hour, Due: at(10, 25, 13, 0, 0), Breached: true,
				BreachedAt: at(10, 25, 13, 0, 0), Running: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock, err := crm.NewSLAClock(tt.policy, tt.events...)
			require.NoError(t, err)
			got := clock.State(tt.at)
			assert.True(t, tt.want.Due.Equal(got.Due), "due: want %s, got %s", tt.want.Due, got.Due)
			assert.True(t, tt.want.BreachedAt.Equal(got.BreachedAt), "breached at: want %s, got %s", tt.want.BreachedAt, got.BreachedAt)
			tt.want.Due, tt.want.BreachedAt, got.Due, got.BreachedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNewSLAClockInvalid(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ev := func(min int, k crm.SLAEventKind) crm.SLAEvent {
		return crm.SLAEvent{At: t0.Add(time.Duration(min) * time.Minute), Kind: k}
	}
	ok := crm.SLAPolicy{Calendar: crm.AlwaysOpen(), Target: time.Hour}
	tests := []struct {
		name   string
		policy crm.SLAPolicy
		events []crm.SLAEvent
		fields []string
	}{
		{"no calendar", crm.SLAPolicy{Target: time.Hour}, nil, []string{"calendar"}},
		{"no target", crm.SLAPolicy{Calendar: crm.AlwaysOpen()}, nil, []string{"target"}},
		{"fraction too big", crm.SLAPolicy{Calendar: crm.AlwaysOpen(), Target: time.Hour, WarnFraction: 1.2}, nil, []string{"warn_fraction"}},
		{"warn before the target", crm.SLAPolicy{Calendar: crm.AlwaysOpen(), Target: time.Hour, WarnBefore: time.Hour}, nil, []string{"warn_before"}},
		{"both warnings", crm.SLAPolicy{Calendar: crm.AlwaysOpen(), Target: time.Hour, WarnBefore: time.Minute, WarnFraction: 0.5}, nil, []string{"warn_before"}},
		{"resume without pause", ok, []crm.SLAEvent{ev(0, crm.SLAStart), ev(5, crm.SLAResume)}, []string{"events[1]"}},
		{"pause before start", ok, []crm.SLAEvent{ev(0, crm.SLAPause)}, []string{"events[0]"}},
		{"two starts", ok, []crm.SLAEvent{ev(0, crm.SLAStart), ev(1, crm.SLAStart)}, []string{"events[1]"}},
		{"out of order", ok, []crm.SLAEvent{ev(0, crm.SLAStart), ev(10, crm.SLAPause), ev(5, crm.SLAResume)}, []string{"events[2]"}},
		{"after stop", ok, []crm.SLAEvent{ev(0, crm.SLAStart), ev(10, crm.SLAStop), ev(20, crm.SLAResume)}, []string{"events[2]"}},
		{"zero time", ok, []crm.SLAEvent{{Kind: crm.SLAStart}}, []string{"events[0]"}},
		{"unknown kind", ok, []crm.SLAEvent{ev(0, crm.SLAStart), ev(1, 0)}, []string{"events[1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock, err := crm.NewSLAClock(tt.policy, tt.events...)
			require.Error(t, err)
			assert.Nil(t, clock)
			assert.True(t, errors.Is(err, crm.ErrInvalid))
			var verr *crm.ValidationError
			require.ErrorAs(t, err, &verr)
			var got []string
			for _, f := range verr.Fields {
				got = append(got, f.Field)
			}
			assert.Equal(t, tt.fields, got, "%v", err)
		})
	}
}

func TestBusinessCalendarZeroIsAlwaysOpen(t *testing.T) {
	var cal crm.BusinessCalendar
	from := time.Date(2026, 3, 7, 22, 0, 0, 0, time.UTC) // Saturday night
	assert.True(t, cal.IsOpen(from))
	assert.Equal(t, 5*time.Hour, cal.WorkingTime(from, from.Add(5*time.Hour)))
	assert.True(t, from.Add(5*time.Hour).Equal(cal.Add(from, 5*time.Hour)))
	assert.Equal(t, time.UTC, cal.Location())
}

// TestSLAClockStopWhilePaused stops a paused clock: the stop counts
// nothing after the pause.
func TestSLAClockStopWhilePaused(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock, err := crm.NewSLAClock(crm.SLAPolicy{Calendar: crm.AlwaysOpen(), Target: 4 * time.Hour},
		crm.SLAEvent{At: start, Kind: crm.SLAStart},
		crm.SLAEvent{At: start.Add(time.Hour), Kind: crm.SLAPause},
		crm.SLAEvent{At: start.Add(5 * time.Hour), Kind: crm.SLAStop},
	)
	if err != nil {
		t.Fatal(err)
	}
	st := clock.State(start.Add(24 * time.Hour))
	if st.Elapsed != time.Hour || st.Running || st.Breached {
		t.Fatalf("state after a stop while paused: %+v, want 1h elapsed, stopped, not breached", st)
	}
}
