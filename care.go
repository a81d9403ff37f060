package crm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// This file holds care plans: birthday and anniversary greetings and
// periodic revisits, which the scheduler turns into tasks.

// CareKind is what a care plan looks after.
type CareKind string

// Kinds of care plans.
const (
	// CareBirthday greets a customer on their BirthDate.
	CareBirthday CareKind = "birthday"
	// CareAnniversary greets a customer on the anniversary of becoming
	// one (its CreatedAt), from the first year on.
	CareAnniversary CareKind = "anniversary"
	// CareRevisit visits a customer again Every days after the last
	// contact (or after the last revisit the plan made was done or
	// cancelled, or after becoming a customer, whichever is latest).
	CareRevisit CareKind = "revisit"
)

// CarePlan describes tasks to make for a set of customers.
type CarePlan struct {
	// Name identifies the plan; it is part of the Source of every task
	// the plan makes ("care:<name>:<customer>:<date>"), which is what
	// makes the scheduler idempotent. Required: letters, digits, '-' and
	// '_'; at most 55 bytes.
	Name string
	Kind CareKind
	// Customers selects the customers in the plan: for example Tags
	// ["key-account"], or the IDs of value tier A ([ValueTiers]). The
	// zero filter selects every live customer. After and Limit are
	// ignored.
	Customers CustomerFilter
	// Every is a revisit plan's interval in days; required for
	// CareRevisit, ignored otherwise.
	Every int
	// DueAt is the time of day, in the customer's time zone, the task is
	// due at on its date; 0 means 09:00.
	DueAt time.Duration
	// Title overrides the task's title; by default it names the
	// occasion and the customer.
	Title string
	// OwnerID gives the tasks to this member of staff; by default each
	// goes to the customer's owner, or failing that the acting user.
	OwnerID  string
	Priority Priority
}

// maxCarePlanNameLen bounds a plan's name, so that the Source of its
// tasks — the name, a customer ID and a date — fits a task's.
const maxCarePlanNameLen = maxSourceLen - maxIDLen - len("care:::2006-01-02")

// validate returns a [*ValidationError] naming the problems of p.
func (p *CarePlan) validate(days int) error {
	verr := &ValidationError{Entity: "care plan"}
	switch {
	case p.Name == "":
		verr.add("name", "required")
	case len(p.Name) > maxCarePlanNameLen:
		verr.add("name", "longer than %d bytes", maxCarePlanNameLen)
	case strings.ContainsFunc(p.Name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}):
		verr.add("name", "%q may hold only letters, digits, '-' and '_'", p.Name)
	}
	switch p.Kind {
	case CareBirthday, CareAnniversary:
	case CareRevisit:
		if p.Every < 1 {
			verr.add("every", "a revisit plan needs an interval of at least one day")
		}
	default:
		verr.add("kind", "unknown kind %q; want birthday, anniversary or revisit", p.Kind)
	}
	if p.DueAt < 0 || p.DueAt >= 24*time.Hour {
		verr.add("due_at", "must lie in [0, 24h)")
	}
	if p.Priority != "" && !p.Priority.Valid() {
		verr.add("priority", "unknown priority %q", p.Priority)
	}
	if days < 1 || days > 366 {
		verr.add("days", "must be between 1 and 366")
	}
	return verr.err()
}

// CareRun reports what [Client.ScheduleCare] did.
type CareRun struct {
	// Created are the tasks made by this run.
	Created []*Task
	// Scheduled counts the care dates in the window that had their task
	// already, made by an earlier run.
	Scheduled int
	// Skipped are the customers the plan could not make a task for, and
	// why.
	Skipped []CareSkip
}

// CareSkip is a customer a care run made no task for.
type CareSkip struct {
	CustomerID string
	Reason     string
}

// ScheduleCare makes the tasks plan calls for over the next days days —
// today and the days after it, each in its customer's time zone (the
// [ContactPolicy]'s DefaultZone for customers without one) — due at
// plan.DueAt local time. A birthday on 29 February is kept on 28
// February in other years. A revisit falls Every days after its base
// date, or today if that has passed, and is not made while the plan has
// an open revisit for the customer. Customers marked do-not-contact are
// skipped, and reported so.
//
// Running it again makes nothing new: each task carries a Source of the
// plan, customer and date, which the store keeps unique; two runs at
// once make each task once. The customers are read a page at a time.
// Errors: a [*ValidationError] for a bad plan or days; a store error
// ends the run, and what was made until then stays made (a later run
// completes it).
func (c *Client) ScheduleCare(ctx context.Context, plan CarePlan, days int) (*CareRun, error) {
	if err := plan.validate(days); err != nil {
		return nil, err
	}
	plan.DueAt = cmp.Or(plan.DueAt, 9*time.Hour)
	run := &CareRun{}
	f := plan.Customers
	f.After, f.Limit = "", MaxPageLimit
	now := c.now()
	for {
		page, next, err := c.ListCustomers(ctx, f)
		if err != nil {
			return run, fmt.Errorf("crm: schedule care %s: %w", plan.Name, err)
		}
		if err := c.careForPage(ctx, &plan, page, days, now, run); err != nil {
			return run, fmt.Errorf("crm: schedule care %s: %w", plan.Name, err)
		}
		if next == "" {
			return run, nil
		}
		f.After = next
	}
}

// careDue is a task a plan calls for: the customer, the local date and
// the due instant.
type careDue struct {
	cust   *Customer
	date   time.Time // midnight, in the customer's zone
	due    time.Time
	source string
}

// careForPage makes the tasks plan calls for for one page of customers.
func (c *Client) careForPage(ctx context.Context, plan *CarePlan, page []*Customer, days int, now time.Time, run *CareRun) error {
	var live []*Customer
	for _, cust := range page {
		switch {
		case cust.MergedInto != "" || cust.Archived():
		case cust.DoNotContact:
			run.Skipped = append(run.Skipped, CareSkip{CustomerID: cust.ID, Reason: "do not contact"})
		default:
			live = append(live, cust)
		}
	}
	if len(live) == 0 {
		return nil
	}
	var base map[string]time.Time // revisits: the date each is counted from
	var open map[string]bool      // revisits: customers with an open one
	if plan.Kind == CareRevisit {
		var err error
		if base, open, err = c.revisitBases(ctx, plan, live); err != nil {
			return err
		}
	}
	var dues []careDue
	for _, cust := range live {
		loc := c.customerZone(cust)
		local := now.In(loc)
		today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
		horizon := today.AddDate(0, 0, days)
		var dates []time.Time
		switch plan.Kind {
		case CareBirthday:
			dates = yearly(cust.BirthDate, today, horizon, false)
		case CareAnniversary:
			dates = yearly(cust.CreatedAt.In(loc), today, horizon, true)
		case CareRevisit:
			if open[cust.ID] {
				continue
			}
			b := base[cust.ID].In(loc)
			d := time.Date(b.Year(), b.Month(), b.Day()+plan.Every, 0, 0, 0, 0, loc)
			if d.Before(today) {
				d = today
			}
			if d.Before(horizon) {
				dates = []time.Time{d}
			}
		}
		for _, d := range dates {
			dues = append(dues, careDue{
				cust: cust, date: d, due: clockTime(d, plan.DueAt).UTC(),
				source: fmt.Sprintf("care:%s:%s:%s", plan.Name, cust.ID, d.Format(time.DateOnly)),
			})
		}
	}
	return c.makeCareTasks(ctx, plan, dues, run)
}

// yearly returns the dates in [today, horizon) that fall on the month
// and day of t (29 February on 28 February in other years), each at
// midnight in today's location; none for the zero t. With after, only
// dates in later years than t's count.
func yearly(t, today, horizon time.Time, after bool) []time.Time {
	if t.IsZero() {
		return nil
	}
	var out []time.Time
	loc := today.Location()
	for y := today.Year(); y <= horizon.Year(); y++ {
		if after && y <= t.Year() {
			continue
		}
		m, d := t.Month(), t.Day()
		if m == time.February && d == 29 && !isLeap(y) {
			d = 28
		}
		date := time.Date(y, m, d, 0, 0, 0, 0, loc)
		if !date.Before(today) && date.Before(horizon) {
			out = append(out, date)
		}
	}
	return out
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// revisitBases returns, for the customers of a revisit plan, the instant
// each next revisit is counted from — the latest of becoming a customer,
// the last contact and the last revisit of the plan done or cancelled —
// and which customers have one of the plan's revisits open.
func (c *Client) revisitBases(ctx context.Context, plan *CarePlan, custs []*Customer) (map[string]time.Time, map[string]bool, error) {
	ids := make([]string, len(custs))
	base := make(map[string]time.Time, len(custs))
	for i, cust := range custs {
		ids[i] = cust.ID
		base[cust.ID] = cust.CreatedAt
	}
	later := func(id string, t time.Time) {
		if t.After(base[id]) {
			base[id] = t
		}
	}
	contacts, err := c.LastContacts(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, lc := range contacts {
		later(lc.CustomerID, lc.At)
	}
	open := map[string]bool{}
	prefix := "care:" + plan.Name + ":"
	f := TaskFilter{CustomerIDs: ids, Kinds: []TaskKind{TaskRevisit}, Limit: MaxPageLimit}
	for t, err := range c.Tasks(ctx, f) {
		if err != nil {
			return nil, nil, err
		}
		if !strings.HasPrefix(t.Source, prefix) {
			continue
		}
		if t.Status == TaskOpen {
			open[t.CustomerID] = true
		} else { // done, or cancelled: either way the plan starts again
			later(t.CustomerID, t.DoneAt)
		}
	}
	return base, open, nil
}

// makeCareTasks creates the tasks of dues that do not exist yet.
func (c *Client) makeCareTasks(ctx context.Context, plan *CarePlan, dues []careDue, run *CareRun) error {
	if len(dues) == 0 {
		return nil
	}
	sources := make([]string, len(dues))
	for i, d := range dues {
		sources[i] = d.source
	}
	exists := map[string]bool{}
	for chunk := range slices.Chunk(sources, MaxPageLimit) {
		for t, err := range c.Tasks(ctx, TaskFilter{Sources: chunk, Limit: MaxPageLimit}) {
			if err != nil {
				return err
			}
			exists[t.Source] = true
		}
	}
	kind := TaskGreeting
	if plan.Kind == CareRevisit {
		kind = TaskRevisit
	}
	for _, d := range dues {
		if exists[d.source] {
			run.Scheduled++
			continue
		}
		in := &Task{
			CustomerID: d.cust.ID, Kind: kind, Title: cmp.Or(plan.Title, careTitle(plan.Kind, d)),
			OwnerID: plan.OwnerID, Priority: plan.Priority, Due: d.due, Source: d.source,
		}
		t, err := c.CreateTask(ctx, in)
		for try := 0; errors.Is(err, ErrConflict) && try < 3; try++ {
			t, err = c.CreateTask(ctx, in) // a concurrent run held the lock
		}
		var verr *ValidationError
		switch {
		case errors.Is(err, ErrDuplicate): // a concurrent run made it
			run.Scheduled++
		case errors.As(err, &verr), errors.Is(err, ErrTransition):
			run.Skipped = append(run.Skipped, CareSkip{CustomerID: d.cust.ID, Reason: reason(err)})
		case err != nil:
			return err
		default:
			run.Created = append(run.Created, t)
		}
	}
	return nil
}

// careTitle is the default title of the task of d.
func careTitle(kind CareKind, d careDue) string {
	switch kind {
	case CareBirthday:
		return "Birthday greeting: " + d.cust.Name
	case CareAnniversary:
		return fmt.Sprintf("%d years as a customer: %s", d.date.Year()-d.cust.CreatedAt.In(d.date.Location()).Year(), d.cust.Name)
	}
	return "Revisit " + d.cust.Name
}
