package crm_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// Two account managers reach for one customer: the second is refused,
// told who was in touch and when, and the customer's owner may override,
// which is recorded. Quiet hours follow the customer's time zone.
func ExampleClient_ClaimContact() {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	client, err := crm.New(memory.New(), crm.WithClock(crm.ClockFunc(func() time.Time { return now })),
		crm.WithContactPolicy(crm.ContactPolicy{Cooling: 48 * time.Hour}))
	if err != nil {
		fmt.Println(err)
		return
	}
	ann := crm.WithActor(context.Background(), crm.Actor{ID: "ann"})
	bob := crm.WithActor(context.Background(), crm.Actor{ID: "bob"})
	in := &crm.Customer{Name: "Hudson Outfitters Inc", OwnerID: "ann", TimeZone: "America/New_York"}
	in.Consent.Set(crm.ChannelPhone, true, now)
	in.Consent.Set(crm.ChannelEmail, true, now)
	hudson, err := client.CreateCustomer(ann, in)
	if err != nil {
		fmt.Println(err)
		return
	}

	_, err = client.ClaimContact(bob, hudson.ID, crm.InteractionCall) // 05:00 in New York
	var conflict *crm.ContactConflictError
	if errors.As(err, &conflict) {
		fmt.Println("bob:", conflict.Reason, "until", conflict.Until.Format("15:04 MST"))
	}
	if _, err := client.ClaimContact(bob, hudson.ID, crm.InteractionEmail); err == nil {
		fmt.Println("bob: email claimed")
	}
	now = now.Add(4 * time.Hour)
	_, err = client.ClaimContact(ann, hudson.ID, crm.InteractionCall)
	if errors.As(err, &conflict) {
		fmt.Println("ann:", conflict.Reason, "by", conflict.ActorID, "at", conflict.At.Format("15:04"))
	}
	claim, err := client.ClaimContact(ann, hudson.ID, crm.InteractionCall, crm.OverrideClaim("renewal due today"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("ann: override:", claim.Overridden)
	// Output:
	// bob: quiet hours until 13:00 UTC
	// bob: email claimed
	// ann: claimed by bob at 10:00
	// ann: override: claimed by bob at 2026-03-02T10:00:00Z, until 2026-03-04T10:00:00Z
}

// A birthday plan and a revisit plan for key accounts fill an account
// manager's week; a second run makes nothing new. Dates are the
// customer's, in its time zone: tasks fall due at 09:00 there.
func ExampleClient_ScheduleCare() {
	now := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC) // Monday
	client, err := crm.New(memory.New(), crm.WithClock(crm.ClockFunc(func() time.Time { return now })))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "ann"})
	for _, c := range []*crm.Customer{
		{Name: "Grace Hopper", OwnerID: "ann", BirthDate: time.Date(1970, 3, 4, 0, 0, 0, 0, time.UTC)},
		{Name: "Kanda KK", OwnerID: "ann", TimeZone: "Asia/Tokyo", Tags: []string{"key-account"}},
	} {
		if _, err := client.CreateCustomer(ctx, c); err != nil {
			fmt.Println(err)
			return
		}
	}
	plans := []crm.CarePlan{
		{Name: "birthdays", Kind: crm.CareBirthday},
		{Name: "key-accounts", Kind: crm.CareRevisit, Every: 90, Customers: crm.CustomerFilter{Tags: []string{"key-account"}}},
	}
	// A year on, Kanda's visit is long overdue: it falls due today, at
	// 09:00 in Tokyo, which has passed.
	now = time.Date(2027, 3, 1, 6, 0, 0, 0, time.UTC)
	for _, p := range plans {
		run, err := client.ScheduleCare(ctx, p, 7)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, t := range run.Created {
			fmt.Println(p.Name+":", t.Title, "due", t.Due.Format("Mon 2 Jan 15:04 UTC"))
		}
	}
	again, err := client.ScheduleCare(ctx, plans[0], 7)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("again:", len(again.Created), "created,", again.Scheduled, "already scheduled")

	week, err := client.Agenda(ctx, "ann", crm.SpanWeek, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("week of", week.Start.Format("2 Jan:"), len(week.Planned), "planned,", len(week.Overdue), "overdue")
	// Output:
	// birthdays: Birthday greeting: Grace Hopper due Thu 4 Mar 09:00 UTC
	// key-accounts: Revisit Kanda KK due Mon 1 Mar 00:00 UTC
	// again: 0 created, 1 already scheduled
	// week of 1 Mar: 2 planned, 1 overdue
}
