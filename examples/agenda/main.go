// Command agenda runs a week of two account managers through the
// library: care plans put birthday greetings and key-account revisits on
// their agendas, new leads and cases are assigned by rules, calls are
// claimed before they are made — and refused when a colleague was in
// touch the day before, when it is night where the customer lives, or
// when the customer has not consented — an override by the owner is
// recorded, a customer moves to a new owner, and the week ends with
// each manager's agenda, a customer's timeline and the scorecards.
//
//	go run ./examples/agenda           # a SQLite file in a temporary folder
//	go run ./examples/agenda -memory   # everything in memory
//
// The week runs on a clock of its own, so the output is the same on
// every run.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	_ "time/tzdata" // customers live in named zones; do not depend on the host's database

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/internal/demo"
)

func main() { demo.Main(run) }

var team = map[string]crm.Actor{
	"ann": {ID: "ann", Name: "Ann Archer"},
	"bob": {ID: "bob", Name: "Bob Brand"},
	"mgr": {ID: "mgr", Name: "Mia Manager"},
}

// at returns hh:mm UTC on the given day of March 2026.
func at(day, hh, mm int) time.Time { return time.Date(2026, 3, day, hh, mm, 0, 0, time.UTC) }

func run(ctx context.Context, inMemory bool) error {
	store, closeStore, err := demo.OpenStore(ctx, "crm-agenda-", inMemory)
	if err != nil {
		return err
	}
	defer closeStore()
	clk := &demo.Clock{At: time.Date(2025, 11, 3, 9, 0, 0, 0, time.UTC)}
	rules, err := crm.NewAssigner(
		crm.AssignmentRule{Name: "service desk", Entities: []crm.EntityKind{crm.EntityCase}, Team: []string{"bob"}},
		crm.AssignmentRule{Name: "inbound leads", Entities: []crm.EntityKind{crm.EntityLead}, Team: []string{"ann", "bob"}},
	)
	if err != nil {
		return err
	}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		return err
	}
	client, err := crm.New(store, crm.WithClock(clk), crm.WithDefaultRegion("GB"), crm.WithAssigner(rules),
		crm.WithContactPolicy(crm.ContactPolicy{Cooling: 48 * time.Hour, DefaultZone: london}))
	if err != nil {
		return err
	}
	as := func(id string) context.Context { return crm.WithActor(ctx, team[id]) }

	// The book of business, from last autumn.
	type book struct {
		name, owner, zone, tag string
		birthday               time.Time
		consent, dnc           bool
	}
	accounts := []book{
		{"Northwind Traders Ltd", "ann", "Europe/London", "key-account", time.Time{}, true, false},
		{"Hudson Outfitters Inc", "ann", "America/New_York", "key-account", time.Time{}, true, false},
		{"Kanda Trading KK", "bob", "Asia/Tokyo", "", time.Time{}, true, false},
		{"Grace Hopper", "ann", "", "", time.Date(1970, 3, 4, 0, 0, 0, 0, time.UTC), true, false},
		{"Alan Turing", "bob", "", "", time.Date(1982, 3, 6, 0, 0, 0, 0, time.UTC), false, false},
		{"Berg Maskin AB", "bob", "Europe/Stockholm", "key-account", time.Time{}, true, true},
	}
	custs := map[string]*crm.Customer{}
	for _, a := range accounts {
		c := &crm.Customer{Name: a.name, OwnerID: a.owner, TimeZone: a.zone, BirthDate: a.birthday, DoNotContact: a.dnc}
		if a.birthday.IsZero() {
			c.Kind = crm.KindOrganization
		}
		if a.tag != "" {
			c.Tags = []string{a.tag}
		}
		for _, ch := range crm.Channels() {
			c.Consent.Set(ch, a.consent, clk.At)
		}
		if custs[a.name], err = client.CreateCustomer(as("mgr"), c); err != nil {
			return err
		}
		clk.At = clk.At.Add(time.Hour)
	}
	// Northwind was visited in December; the others not since joining.
	clk.At = time.Date(2025, 12, 8, 10, 0, 0, 0, time.UTC)
	if _, err := client.LogInteraction(as("ann"), &crm.Interaction{CustomerID: custs["Northwind Traders Ltd"].ID,
		Channel: crm.InteractionVisit, Subject: "Quarterly review", Outcome: "done"}); err != nil {
		return err
	}

	// Sunday evening: the care plans fill the week.
	clk.At = at(1, 18, 0)
	heading("Sunday: care plans scheduled for the week")
	plans := []crm.CarePlan{
		{Name: "birthdays", Kind: crm.CareBirthday},
		{Name: "key-accounts", Kind: crm.CareRevisit, Every: 90, Customers: crm.CustomerFilter{Tags: []string{"key-account"}}, Priority: crm.PriorityHigh},
	}
	tw := table("plan", "created", "already scheduled", "skipped")
	for _, p := range plans {
		r, err := client.ScheduleCare(as("mgr"), p, 7)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", p.Name, len(r.Created), r.Scheduled, len(r.Skipped))
	}
	tw.Flush()
	r, err := client.ScheduleCare(as("mgr"), plans[0], 7)
	if err != nil {
		return err
	}
	fmt.Printf("run again: %d created, %d already scheduled\n", len(r.Created), r.Scheduled)

	// Follow-ups the managers set themselves.
	for _, t := range []struct {
		owner, cust, title string
		kind               crm.TaskKind
		due                time.Time
	}{
		{"ann", "Northwind Traders Ltd", "Send the renewal quote", crm.TaskEmail, at(2, 12, 0)},
		{"ann", "Hudson Outfitters Inc", "Call about the spring order", crm.TaskCall, at(3, 15, 0)},
		{"bob", "Kanda Trading KK", "Confirm the shipment", crm.TaskCall, at(2, 9, 0)},
		{"bob", "Alan Turing", "Chase the signed contract", crm.TaskFollowUp, at(4, 12, 0)},
	} {
		if _, err := client.CreateTask(as(t.owner), &crm.Task{CustomerID: custs[t.cust].ID, Title: t.title, Kind: t.kind, Due: t.due, OwnerID: t.owner}); err != nil {
			return err
		}
	}

	heading("Monday: Ann's day")
	clk.At = at(2, 8, 0)
	if err := printAgenda(client, as("ann"), "ann", crm.SpanDay, clk.At); err != nil {
		return err
	}

	heading("The week, call by call")
	tw = table("when (UTC)", "who", "customer", "channel", "outcome")
	attempt := func(when time.Time, who, cust string, ch crm.InteractionChannel, opts ...crm.ClaimOption) (bool, error) {
		clk.At = when
		claim, err := client.ClaimContact(as(who), custs[cust].ID, ch, opts...)
		var conflict *crm.ContactConflictError
		switch {
		case errors.As(err, &conflict):
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\trefused: %s\n", when.Format("Mon 15:04"), who, cust, ch, describe(conflict))
			return false, nil
		case err != nil:
			return false, err
		}
		outcome := "claimed"
		if claim.Override {
			outcome = "override: " + claim.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", when.Format("Mon 15:04"), who, cust, ch, outcome)
		_, err = client.LogInteraction(as(who), &crm.Interaction{CustomerID: custs[cust].ID, Channel: ch, Outcome: "reached"})
		return true, err
	}
	steps := []struct {
		when     time.Time
		who      string
		cust     string
		ch       crm.InteractionChannel
		override string
	}{
		{at(2, 9, 0), "bob", "Kanda Trading KK", crm.InteractionCall, ""},          // 18:00 in Tokyo
		{at(2, 10, 0), "ann", "Northwind Traders Ltd", crm.InteractionCall, ""},    // the renewal
		{at(2, 11, 0), "bob", "Northwind Traders Ltd", crm.InteractionEmail, ""},   // Ann called an hour ago
		{at(2, 11, 30), "ann", "Hudson Outfitters Inc", crm.InteractionCall, ""},   // 06:30 in New York
		{at(2, 14, 0), "ann", "Hudson Outfitters Inc", crm.InteractionCall, ""},    // 09:00 there
		{at(3, 9, 0), "bob", "Alan Turing", crm.InteractionEmail, ""},              // no consent
		{at(3, 9, 30), "bob", "Berg Maskin AB", crm.InteractionMeeting, ""},        // do not contact
		{at(3, 10, 0), "bob", "Grace Hopper", crm.InteractionCall, ""},             // bob gets there first
		{at(4, 9, 0), "ann", "Grace Hopper", crm.InteractionCall, ""},              // her birthday: bob called yesterday
		{at(4, 9, 5), "ann", "Grace Hopper", crm.InteractionCall, "birthday call"}, // Ann owns Grace: override
		{at(4, 23, 30), "bob", "Kanda Trading KK", crm.InteractionCall, ""},        // 08:30 in Tokyo, but bob's own contact is no bar
	}
	for _, s := range steps {
		var opts []crm.ClaimOption
		if s.override != "" {
			opts = append(opts, crm.Override(s.override))
		}
		if _, err := attempt(s.when, s.who, s.cust, s.ch, opts...); err != nil {
			return err
		}
	}
	tw.Flush()

	// Work gets done: tasks completed as the calls were made.
	done := map[string]time.Time{
		"Send the renewal quote":          at(2, 11, 0),
		"Call about the spring order":     at(2, 14, 20),
		"Confirm the shipment":            at(2, 9, 10),
		"Birthday greeting: Grace Hopper": at(4, 9, 10),
	}
	for t, err := range client.Tasks(as("mgr"), crm.TaskFilter{Statuses: []crm.TaskStatus{crm.TaskOpen}}) {
		if err != nil {
			return err
		}
		if when, ok := done[t.Title]; ok {
			clk.At = when
			if _, err := client.CompleteTask(as(t.OwnerID), t.ID, t.Version); err != nil {
				return err
			}
		}
	}

	// New business: a lead and a complaint assigned by the rules; Kanda
	// moves to Ann.
	clk.At = at(5, 10, 0)
	lead, err := client.CreateLead(as("mgr"), &crm.Lead{Name: "Noor Haddad", Company: "Haddad Foods", Source: "web"})
	if err != nil {
		return err
	}
	cs, err := client.CreateCase(as("mgr"), &crm.Case{CustomerID: custs["Northwind Traders Ltd"].ID, Kind: crm.CaseComplaint, Subject: "Damaged pallet"})
	if err != nil {
		return err
	}
	kanda := custs["Kanda Trading KK"]
	if kanda, err = client.GetCustomer(ctx, kanda.ID); err != nil {
		return err
	}
	if err := client.Reassign(as("mgr"), crm.EntityCustomer, kanda.ID, kanda.Version, "ann", "Japan moves to Ann"); err != nil {
		return err
	}
	heading("Ownership")
	tw = table("record", "from", "to", "by", "reason")
	for ch, err := range client.OwnerChanges(ctx, crm.OwnerChangeFilter{From: at(5, 0, 0)}) {
		if err != nil {
			return err
		}
		name := map[string]string{lead.ID: "lead " + lead.Name, cs.ID: "case " + cs.Subject, kanda.ID: "customer " + kanda.Name}[ch.EntityID]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, orDash(ch.From), ch.To, ch.By, ch.Reason)
	}
	tw.Flush()

	clk.At = at(6, 17, 0)
	heading("Friday evening: Ann's week")
	if err := printAgenda(client, as("ann"), "ann", crm.SpanWeek, clk.At); err != nil {
		return err
	}
	heading("Friday evening: Bob's week")
	if err := printAgenda(client, as("bob"), "bob", crm.SpanWeek, clk.At); err != nil {
		return err
	}

	heading("Timeline: Grace Hopper")
	tw = table("when (UTC)", "what", "who", "detail")
	for e, err := range client.Timeline(ctx, custs["Grace Hopper"].ID, crm.TimelineFilter{}) {
		if err != nil {
			return err
		}
		detail := ""
		if e.Interaction != nil {
			detail = string(e.Interaction.Channel) + ", " + e.Interaction.Outcome
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.At.Format("2006-01-02 15:04"), e.Kind, orDash(e.ActorID), detail)
	}
	tw.Flush()

	heading("Overrides")
	tw = table("when (UTC)", "who", "over", "why")
	for cl, err := range client.ContactClaims(ctx, crm.ContactClaimFilter{OverridesOnly: true}) {
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cl.At.Format("Mon 15:04"), cl.ActorID, strings.TrimPrefix(cl.Overridden, "crm: "), cl.Reason)
	}
	tw.Flush()

	heading("Scorecards, 2–6 March")
	cards, err := client.Scorecards(ctx, at(2, 0, 0), at(7, 0, 0), "ann", "bob")
	if err != nil {
		return err
	}
	tw = table("owner", "interactions", "tasks on time", "leads converted", "deals advanced", "won", "complaints in SLA")
	for _, c := range cards {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%d\t%s\n", c.OwnerID, c.Interactions, ratio(c.TasksOnTime), c.LeadsConverted, c.Advanced, c.Won, ratio(c.ComplaintsInSLA))
	}
	tw.Flush()
	return nil
}

// printAgenda prints the agenda of owner for the span holding day.
func printAgenda(client *crm.Client, ctx context.Context, owner string, span crm.Span, day time.Time) error {
	a, err := client.Agenda(ctx, owner, span, day)
	if err != nil {
		return err
	}
	names := map[string]string{}
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		c, err := client.GetCustomer(ctx, id)
		if err != nil {
			return id
		}
		names[id] = c.Name
		return c.Name
	}
	fmt.Printf("%s, %s to %s: %d planned, %d done (%d on time), %d overdue\n", owner,
		a.Start.Format("Mon 2 Jan"), a.End.Add(-time.Minute).Format("Mon 2 Jan"), len(a.Planned), len(a.Done), a.OnTime(), len(a.Overdue))
	tw := table("due (UTC)", "task", "customer", "priority", "status")
	for _, t := range a.Planned {
		status := string(t.Status)
		if t.Overdue(day) {
			status = "overdue"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Due.Format("Mon 15:04"), t.Title, name(t.CustomerID), t.Priority, status)
	}
	for _, t := range a.Overdue {
		if t.Due.Before(a.Start) {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\tcarried over\n", t.Due.Format("Mon 2 Jan"), t.Title, name(t.CustomerID), t.Priority)
		}
	}
	return tw.Flush()
}

// describe says why a claim was refused, in the customer's terms.
func describe(e *crm.ContactConflictError) string {
	switch e.Reason {
	case crm.ConflictClaimed, crm.ConflictContacted:
		return fmt.Sprintf("%s by %s %s", e.Reason, e.ActorID, e.At.Format("Mon 15:04"))
	case crm.ConflictQuietHours:
		return "quiet hours there until " + e.Until.Format("15:04") + " UTC"
	}
	return string(e.Reason)
}

func ratio(r crm.Ratio) string {
	if !r.Valid() {
		return "–"
	}
	return fmt.Sprintf("%d/%d", r.Numerator, r.Denominator)
}

func heading(s string) { fmt.Printf("\n== %s\n", s) }

// table returns a tab writer with the header written.
func table(cols ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	return tw
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
