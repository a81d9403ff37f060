package crm

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Service levels are measured in business time: the time a
// [BusinessCalendar] is open. [SLAClock] runs, pauses and breaches over
// such a calendar. Both are pure values: they read no clock and keep no
// state, so the same inputs always give the same answer.

// WorkingHours is one opening interval of a day, [From, To), in wall-clock
// time of the calendar's zone. From and To are offsets from midnight as
// read on a wall clock, not elapsed time: 9*time.Hour is 09:00 even on a
// day when the clocks change. To may be 24*time.Hour, the end of the day.
type WorkingHours struct {
	From, To time.Duration
}

// String formats h as "09:00-17:00".
func (h WorkingHours) String() string { return wallClock(h.From) + "-" + wallClock(h.To) }

func wallClock(d time.Duration) string {
	s := fmt.Sprintf("%02d:%02d", d/time.Hour, d%time.Hour/time.Minute)
	if rest := d % time.Minute; rest != 0 {
		s += fmt.Sprintf(":%02d", rest/time.Second)
	}
	return s
}

// WeeklyHours maps each weekday to its opening intervals. A weekday that
// is missing, or has no intervals, is closed all day.
type WeeklyHours map[time.Weekday][]WorkingHours

// MondayToFriday returns WeeklyHours open during hours on Monday to
// Friday and closed at weekends.
func MondayToFriday(hours ...WorkingHours) WeeklyHours {
	w := WeeklyHours{}
	for d := time.Monday; d <= time.Friday; d++ {
		w[d] = slices.Clone(hours)
	}
	return w
}

// BusinessCalendar says when a business is open: weekly working hours in
// one time zone, minus holidays. Build one with [NewBusinessCalendar] or
// [AlwaysOpen]; it is immutable and safe for concurrent use. The zero
// BusinessCalendar is always open, like AlwaysOpen.
//
// Business time between two instants is the length of their overlap with
// the open intervals. Each interval starts and ends at its wall-clock
// times on its date in the calendar's zone, so a 09:00-17:00 day is 8
// business hours on the days the clocks change too, unless the change
// falls inside it (a 00:00-24:00 day is then 23 or 25 hours long). A
// wall-clock time that a change skips or repeats resolves as
// [time.Date] resolves it.
type BusinessCalendar struct {
	loc      *time.Location
	week     [7][]WorkingHours // sorted, validated
	holidays map[civilDate]bool
	always   bool
}

type civilDate struct {
	year  int
	month time.Month
	day   int
}

// AlwaysOpen returns the 24×7 calendar: open at every instant, with no
// holidays. Business time on it is elapsed time.
func AlwaysOpen() *BusinessCalendar {
	return &BusinessCalendar{loc: time.UTC, always: true}
}

// NewBusinessCalendar returns the calendar open during week in loc, and
// closed all day on each of holidays. Only the date of each holiday
// counts, as it reads in the holiday's own location (t.Date()), and it
// names that date in loc: time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC)
// closes Christmas Day in loc.
//
// It fails with a [*ValidationError] when loc is nil, when an interval is
// empty or inverted (From not before To), lies outside 00:00-24:00 or
// overlaps another of its day (intervals that only touch are fine), when
// a key is not a weekday, when a holiday is the zero time, or when the
// week has no working hours at all.
func NewBusinessCalendar(loc *time.Location, week WeeklyHours, holidays ...time.Time) (*BusinessCalendar, error) {
	verr := &ValidationError{Entity: "business calendar"}
	if loc == nil {
		verr.add("location", "required")
	}
	c := &BusinessCalendar{loc: loc}
	open := false
	for _, d := range slices.Sorted(maps.Keys(week)) {
		if d < time.Sunday || d > time.Saturday {
			verr.add(fmt.Sprintf("hours[%d]", int(d)), "not a weekday")
			continue
		}
		hours := week[d]
		for i, h := range hours {
			field := fmt.Sprintf("hours[%s][%d]", d, i)
			switch {
			case h.From < 0 || h.To > 24*time.Hour:
				verr.add(field, "%s: outside 00:00-24:00", h)
			case h.From >= h.To:
				verr.add(field, "%s: from must be before to", h)
			}
		}
		sorted := slices.Clone(hours)
		slices.SortStableFunc(sorted, func(a, b WorkingHours) int { return cmp.Compare(a.From, b.From) })
		for i := 1; i < len(sorted); i++ {
			if sorted[i].From < sorted[i-1].To {
				verr.add(fmt.Sprintf("hours[%s]", d), "%s overlaps %s", sorted[i-1], sorted[i])
			}
		}
		c.week[d] = sorted
		open = open || len(sorted) > 0
	}
	if !open {
		verr.add("hours", "no working hours in the week")
	}
	for i, h := range holidays {
		if h.IsZero() {
			verr.add(fmt.Sprintf("holidays[%d]", i), "required")
			continue
		}
		if c.holidays == nil {
			c.holidays = map[civilDate]bool{}
		}
		y, m, d := h.Date()
		c.holidays[civilDate{y, m, d}] = true
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Location returns the calendar's time zone.
func (c *BusinessCalendar) Location() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// open24 reports whether c is open at every instant: AlwaysOpen or the
// zero BusinessCalendar.
func (c *BusinessCalendar) open24() bool { return c.always || c.loc == nil }

// intervals yields the open intervals [s, e) of c that end after t, in
// order, starting with those of t's date in c's zone. It yields nothing
// on the always-open calendar; callers handle that case first.
func (c *BusinessCalendar) intervals(t time.Time, yield func(s, e time.Time) bool) {
	y, m, d := t.In(c.loc).Date()
	for i := 0; ; i++ {
		day := time.Date(y, m, d+i, 0, 0, 0, 0, time.UTC) // civil date arithmetic
		dy, dm, dd := day.Date()
		if c.holidays[civilDate{dy, dm, dd}] {
			continue
		}
		for _, h := range c.week[day.Weekday()] {
			s, e := c.wall(dy, dm, dd, h.From), c.wall(dy, dm, dd, h.To)
			if !e.After(t) || !e.After(s) {
				continue
			}
			if !yield(s, e) {
				return
			}
		}
	}
}

// wall returns the instant of the wall-clock offset off on a date in c's
// zone.
func (c *BusinessCalendar) wall(y int, m time.Month, d int, off time.Duration) time.Time {
	h, rest := off/time.Hour, off%time.Hour
	return time.Date(y, m, d, int(h), int(rest/time.Minute), int(rest%time.Minute/time.Second), int(rest%time.Second), c.loc)
}

// IsOpen reports whether t falls in an open interval of c.
func (c *BusinessCalendar) IsOpen(t time.Time) bool {
	if c.open24() {
		return true
	}
	open := false
	c.intervals(t, func(s, e time.Time) bool {
		open = !t.Before(s)
		return false
	})
	return open
}

// WorkingTime returns the business time between from and to: the total
// length of the open intervals of c between them. It is zero when to is
// not after from.
func (c *BusinessCalendar) WorkingTime(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	if c.open24() {
		return to.Sub(from)
	}
	var total time.Duration
	c.intervals(from, func(s, e time.Time) bool {
		if !s.Before(to) {
			return false
		}
		s, e = latest(s, from), earliest(e, to)
		total += e.Sub(s)
		return true
	})
	return total
}

// Add returns the earliest instant t for which c.WorkingTime(from, t) is
// d: the moment d of business time has elapsed after from. From a closed
// period, the count starts at the next opening; an amount that uses up an
// interval exactly ends at its close, not at the next opening. When d is
// zero or negative, Add returns from if c is open then, and the next
// opening otherwise. The result is in c's zone.
func (c *BusinessCalendar) Add(from time.Time, d time.Duration) time.Time {
	if c.open24() {
		return from.Add(max(d, 0)).In(c.Location())
	}
	var at time.Time
	c.intervals(from, func(s, e time.Time) bool {
		s = latest(s, from)
		if n := e.Sub(s); d > n {
			d -= n
			return true
		}
		at = s.Add(max(d, 0))
		return false
	})
	return at.In(c.loc)
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// SLAEventKind is what an [SLAEvent] does to an [SLAClock].
type SLAEventKind int

// SLA event kinds. A clock starts once, may pause and resume any number
// of times, and may stop once, for good.
const (
	SLAStart SLAEventKind = iota + 1
	SLAPause
	SLAResume
	SLAStop
)

// String returns "start", "pause", "resume" or "stop".
func (k SLAEventKind) String() string {
	switch k {
	case SLAStart:
		return "start"
	case SLAPause:
		return "pause"
	case SLAResume:
		return "resume"
	case SLAStop:
		return "stop"
	}
	return fmt.Sprintf("SLAEventKind(%d)", int(k))
}

// SLAEvent is one change of an [SLAClock] at an instant.
type SLAEvent struct {
	At   time.Time
	Kind SLAEventKind
}

// SLAPolicy is a service-level target: Target of business time on
// Calendar, such as a first response within 4 business hours. A warning
// is due when the business time elapsed reaches WarnFraction of Target
// (0.8 warns at 80%), or WarnBefore before Target; set at most one of
// them, or neither for no warning.
type SLAPolicy struct {
	Calendar     *BusinessCalendar
	Target       time.Duration
	WarnFraction float64
	WarnBefore   time.Duration
}

// SLAClock is a pausable clock that measures business time against an
// [SLAPolicy]. It counts the business time of the calendar between a
// start and a stop, leaving out the spans between each pause and the
// resume after it. Build one with [NewSLAClock]; it is immutable and
// safe for concurrent use.
type SLAClock struct {
	cal    *BusinessCalendar
	target time.Duration
	warn   time.Duration // business time elapsed at which to warn; 0 for none
	events []SLAEvent
}

// SLAState is an [SLAClock] as of an instant.
type SLAState struct {
	// Elapsed is the business time counted so far. It keeps growing past
	// the target while the clock runs.
	Elapsed time.Duration
	// Remaining is the target minus Elapsed, or zero once breached.
	Remaining time.Duration
	// Due is the instant the target is breached if the clock runs on
	// with no more pauses: BreachedAt once breached, and the zero time
	// while the clock is paused, stopped or not started, and not
	// breached.
	Due time.Time
	// Warning reports that Elapsed has reached the warning threshold but
	// not the target.
	Warning bool
	// Breached reports that Elapsed has reached the target.
	Breached bool
	// BreachedAt is the instant Elapsed reached the target, exactly; the
	// zero time when not breached.
	BreachedAt time.Time
	// Running reports that the clock has started and is neither paused
	// nor stopped.
	Running bool
}

// NewSLAClock returns the clock of policy with events applied in order.
// Events may share an instant, and are then applied in the order given.
//
// It fails with a [*ValidationError] when the policy's calendar is nil,
// its target is not positive, WarnFraction is set and not between 0 and
// 1 (exclusive), WarnBefore is set and not between 0 and the target
// (exclusive), or both are set; and naming "events[i]" for an event that
// has a zero time, is earlier than the one before it, has an unknown
// kind, or does not fit the clock's state (a second start, a pause or
// resume or stop before the start, a resume while running, a pause while
// paused, anything after the stop).
func NewSLAClock(policy SLAPolicy, events ...SLAEvent) (*SLAClock, error) {
	verr := &ValidationError{Entity: "SLA clock"}
	if policy.Calendar == nil {
		verr.add("calendar", "required")
	}
	if policy.Target <= 0 {
		verr.add("target", "must be positive")
	}
	var warn time.Duration
	switch {
	case policy.WarnFraction != 0 && policy.WarnBefore != 0:
		verr.add("warn_before", "set warn_fraction or warn_before, not both")
	case policy.WarnFraction != 0:
		if !(policy.WarnFraction > 0 && policy.WarnFraction < 1) {
			verr.add("warn_fraction", "%v: must be between 0 and 1", policy.WarnFraction)
		} else {
			warn = time.Duration(float64(policy.Target) * policy.WarnFraction)
		}
	case policy.WarnBefore != 0:
		if policy.WarnBefore < 0 || policy.WarnBefore >= policy.Target {
			verr.add("warn_before", "%s: must be between 0 and the target", policy.WarnBefore)
		} else {
			warn = policy.Target - policy.WarnBefore
		}
	}
	const (
		idle = iota
		running
		paused
		stopped
	)
	state := idle
	var last time.Time
	for i, ev := range events {
		field := fmt.Sprintf("events[%d]", i)
		if ev.At.IsZero() {
			verr.add(field, "time required")
			continue
		}
		if ev.At.Before(last) {
			verr.add(field, "%s at %s is before the event before it", ev.Kind, ev.At.Format(time.RFC3339))
			continue
		}
		next, ok := state, false
		switch ev.Kind {
		case SLAStart:
			next, ok = running, state == idle
		case SLAPause:
			next, ok = paused, state == running
		case SLAResume:
			next, ok = running, state == paused
		case SLAStop:
			next, ok = stopped, state == running || state == paused
		default:
			verr.add(field, "%s: unknown kind", ev.Kind)
			continue
		}
		if !ok {
			verr.add(field, "%s: not allowed when %s", ev.Kind, [...]string{"not started", "running", "paused", "stopped"}[state])
			continue
		}
		state, last = next, ev.At
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	return &SLAClock{cal: policy.Calendar, target: policy.Target, warn: warn, events: slices.Clone(events)}, nil
}

// State returns the clock as of at, counting the events at or before at.
func (c *SLAClock) State(at time.Time) SLAState {
	var (
		st      SLAState
		runFrom time.Time // start of the running span; zero when not running
	)
	// span counts the business time of [from, to) and notes the breach.
	span := func(from, to time.Time) {
		n := c.cal.WorkingTime(from, to)
		if !st.Breached && st.Elapsed+n >= c.target {
			st.Breached = true
			st.BreachedAt = c.cal.Add(from, c.target-st.Elapsed)
		}
		st.Elapsed += n
	}
	for _, ev := range c.events {
		if ev.At.After(at) {
			break
		}
		switch ev.Kind {
		case SLAStart, SLAResume:
			runFrom = ev.At
		case SLAPause, SLAStop:
			if !runFrom.IsZero() { // a stop while paused counts nothing more
				span(runFrom, ev.At)
			}
			runFrom = time.Time{}
		}
	}
	if !runFrom.IsZero() {
		st.Running = true
		span(runFrom, at)
	}
	st.Remaining = max(c.target-st.Elapsed, 0)
	st.Warning = c.warn > 0 && !st.Breached && st.Elapsed >= c.warn
	switch {
	case st.Breached:
		st.Due = st.BreachedAt
	case st.Running:
		st.Due = c.cal.Add(at, st.Remaining)
	}
	return st
}
