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
	office, err := crm.NewBusinessCalendar(london, crm.MondayToFriday(crm.WorkingHours{From: 9 * time.Hour, To: 17 * time.Hour}))
	if err != nil {
		return err
	}
	client, err := crm.New(store, crm.WithClock(clk), crm.WithDefaultRegion("GB"), crm.WithAssigner(rules),
		crm.WithContactPolicy(crm.ContactPolicy{Cooling: 48 * time.Hour, DefaultZone: london}),
		crm.WithCaseSLA(map[crm.CasePriority]crm.CaseSLA{crm.PriorityNormal: {Resolution: crm.SLAPolicy{Calendar: office, Target: 8 * time.Hour}}}))
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
	// Northwind was visited in December, and a renewal opened; the
	// others were not seen since joining.
	northwind := custs["Northwind Traders Ltd"].ID
	clk.At = time.Date(2025, 12, 8, 10, 0, 0, 0, time.UTC)
	if _, err := client.LogInteraction(as("ann"), &crm.Interaction{CustomerID: northwind,
		Channel: crm.InteractionVisit, Subject: "Quarterly review", Outcome: "done"}); err != nil {
		return err
	}
	pipeline, err := client.CreatePipeline(as("mgr"), crm.DefaultPipeline())
	if err != nil {
		return err
	}
	renewal, err := client.CreateOpportunity(as("ann"), &crm.Opportunity{Name: "2026 renewal", CustomerID: northwind, PipelineID: pipeline.ID,
		Amount: crm.MustMoney("24000", "GBP"), CloseDate: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	nps, err := client.CreateSurvey(as("mgr"), &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Relationship NPS", Question: "How likely are you to recommend us?"})
	if err != nil {
		return err
	}

	// Monday early: the care plans fill the week.
	clk.At = at(2, 6, 0)
	demo.Heading("Monday 06:00: care plans scheduled for the week")
	plans := []crm.CarePlan{
		{Name: "birthdays", Kind: crm.CareBirthday},
		{Name: "key-accounts", Kind: crm.CareRevisit, Every: 90, Customers: crm.CustomerFilter{Tags: []string{"key-account"}}, Priority: crm.PriorityHigh},
	}
	tw := demo.Table("plan", "created", "already scheduled", "skipped")
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

	demo.Heading("Monday 08:00: Ann's day")
	clk.At = at(2, 8, 0)
	if err := printAgenda(client, as("ann"), "ann", crm.SpanDay, clk.At); err != nil {
		return err
	}

	demo.Heading("The week, call by call")
	tw = demo.Table("when (UTC)", "who", "customer", "channel", "outcome")
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
		{at(3, 23, 30), "bob", "Kanda Trading KK", crm.InteractionCall, ""},        // 08:30 in Tokyo; his own call is no bar
		{at(4, 9, 0), "ann", "Grace Hopper", crm.InteractionCall, ""},              // her birthday: bob called yesterday
		{at(4, 9, 5), "ann", "Grace Hopper", crm.InteractionCall, "birthday call"}, // Ann owns Grace: override
	}
	for _, s := range steps {
		var opts []crm.ClaimOption
		if s.override != "" {
			opts = append(opts, crm.OverrideClaim(s.override))
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
		"Revisit Hudson Outfitters Inc":   at(2, 14, 30),
		"Confirm the shipment":            at(2, 8, 50),
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

	// The renewal moves on and is won on Thursday.
	clk.At = at(3, 16, 0)
	if renewal, err = client.MoveOpportunity(as("ann"), renewal.ID, renewal.Version, "proposal", crm.MoveOptions{}); err != nil {
		return err
	}
	clk.At = at(5, 11, 0)
	if _, err = client.MoveOpportunity(as("ann"), renewal.ID, renewal.Version, "won", crm.MoveOptions{Order: &crm.Order{}}); err != nil {
		return err
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
	if _, err := client.Reassign(as("mgr"), crm.EntityCustomer, kanda.ID, kanda.Version, "ann", "Japan moves to Ann"); err != nil {
		return err
	}
	clk.At = at(5, 14, 30)
	if _, err := client.ConvertLead(as(lead.OwnerID), lead.ID, lead.Version, crm.LeadConversion{}); err != nil {
		return err
	}
	if cs, err = client.SetCaseStatus(as(cs.OwnerID), cs.ID, cs.Version, crm.CaseResolved); err != nil {
		return err
	}
	for i, name := range []string{"Northwind Traders Ltd", "Hudson Outfitters Inc", "Alan Turing", "Kanda Trading KK"} {
		clk.At = at(6, 9, i)
		if _, err := client.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: custs[name].ID, Score: []int{9, 10, 6, 8}[i]}); err != nil {
			return err
		}
	}
	demo.Heading("Ownership")
	tw = demo.Table("record", "from", "to", "by", "reason")
	for ch, err := range client.OwnerChanges(ctx, crm.OwnerChangeFilter{From: at(5, 0, 0)}) {
		if err != nil {
			return err
		}
		name := map[string]string{lead.ID: "lead " + lead.Name, cs.ID: "case " + cs.Subject, kanda.ID: "customer " + kanda.Name}[ch.EntityID]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, demo.OrDash(ch.From), ch.To, ch.By, ch.Reason)
	}
	tw.Flush()

	clk.At = at(6, 17, 0)
	demo.Heading("Friday evening: Ann's week")
	if err := printAgenda(client, as("ann"), "ann", crm.SpanWeek, clk.At); err != nil {
		return err
	}
	demo.Heading("Friday evening: Bob's week")
	if err := printAgenda(client, as("bob"), "bob", crm.SpanWeek, clk.At); err != nil {
		return err
	}

	demo.Heading("Timeline: Northwind Traders Ltd")
	tw = demo.Table("when (UTC)", "what", "who", "detail")
	for e, err := range client.Timeline(ctx, northwind, crm.TimelineFilter{}) {
		if err != nil {
			return err
		}
		var detail string
		switch {
		case e.Interaction != nil:
			detail = string(e.Interaction.Channel) + ", " + e.Interaction.Outcome
		case e.StageMove != nil:
			detail = demo.OrDash(e.StageMove.FromStage) + " → " + e.StageMove.ToStage
		case e.Order != nil:
			detail = e.Order.Total.String()
		case e.Case != nil:
			detail = string(e.Case.Kind) + ": " + e.Case.Subject
		case e.Response != nil:
			detail = fmt.Sprintf("NPS %d", e.Response.Score)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.At.Format("2006-01-02 15:04"), e.Kind, demo.OrDash(e.ActorID), detail)
	}
	tw.Flush()

	demo.Heading("Overrides")
	tw = demo.Table("when (UTC)", "who", "over", "why")
	for cl, err := range client.ContactClaims(ctx, crm.ContactClaimFilter{OverridesOnly: true}) {
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cl.At.Format("Mon 15:04"), cl.ActorID, cl.Overridden, cl.Reason)
	}
	tw.Flush()

	demo.Heading("Scorecards, 2–6 March")
	cards, err := client.Scorecards(ctx, at(2, 0, 0), at(7, 0, 0), "ann", "bob")
	if err != nil {
		return err
	}
	tw = demo.Table("owner", "interactions", "tasks on time", "leads converted", "deals advanced", "won", "revenue won", "NPS", "complaints in SLA")
	for _, c := range cards {
		score := "–"
		if c.NPS != nil {
			score = fmt.Sprintf("%+.0f (n=%d)", c.NPS.Score, c.NPS.N)
		}
		revenue := "–"
		if len(c.RevenueWon) > 0 {
			revenue = c.RevenueWon[0].String()
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", c.OwnerID, c.Interactions, ratio(c.TasksOnTime), c.LeadsConverted, c.Advanced, c.Won, revenue, score, ratio(c.ComplaintsInSLA))
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
	when := a.Start.Format("Mon 2 Jan")
	if span != crm.SpanDay {
		when += " to " + a.End.Add(-time.Minute).Format("Mon 2 Jan")
	}
	fmt.Printf("%s, %s: %d planned, %d done (%d on time), %d overdue\n", owner, when, len(a.Planned), len(a.Done), a.OnTime(), len(a.Overdue))
	tw := demo.Table("due (UTC)", "task", "customer", "priority", "status")
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
