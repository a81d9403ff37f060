package crm_test

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// A complaint worked against a first response within 4 business hours
// and a resolution within 2 business days (16 hours) on a Monday to
// Friday, 09:00-17:00 calendar: the clocks pause while the case waits on
// the customer, and the case keeps its due times, so breached cases are
// found by the store.
func ExampleClient_CreateCase() {
	cal, err := crm.NewBusinessCalendar(time.UTC, crm.MondayToFriday(crm.WorkingHours{From: 9 * time.Hour, To: 17 * time.Hour}))
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 3, 6, 15, 0, 0, 0, time.UTC) // Friday 15:00
	client, err := crm.New(memory.New(),
		crm.WithClock(crm.ClockFunc(func() time.Time { return now })),
		crm.WithCaseSLA(map[crm.CasePriority]crm.CaseSLA{
			crm.PriorityHigh: {
				FirstResponse: crm.SLAPolicy{Calendar: cal, Target: 4 * time.Hour},
				Resolution:    crm.SLAPolicy{Calendar: cal, Target: 16 * time.Hour},
			},
		}))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann"})
	acme, err := client.CreateCustomer(ctx, &crm.Customer{Kind: crm.KindOrganization, Name: "Acme Ltd", OwnerID: "u-bob"})
	if err != nil {
		fmt.Println(err)
		return
	}
	cs, err := client.CreateCase(ctx, &crm.Case{CustomerID: acme.ID, Kind: crm.CaseComplaint, Priority: crm.PriorityHigh,
		Subject: "Invoice charged twice", Channel: "email"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cs.Status, "owner", cs.OwnerID, "first response due", cs.FirstResponseDue.Format("Mon 15:04"))

	now = time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC) // Monday 10:00: asks for the invoice number
	if cs, err = client.SetCaseStatus(ctx, cs.ID, cs.Version, crm.CaseWaiting); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cs.Status, "first response after", cs.FirstResponseTime)

	now = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC) // Tuesday 09:00: the customer answers
	if cs, err = client.SetCaseStatus(ctx, cs.ID, cs.Version, crm.CaseOpen); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cs.Status, "resolution due", cs.ResolutionDue.Format("Mon 15:04"))

	state, err := client.CaseSLA(ctx, cs.ID, time.Date(2026, 3, 11, 15, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("Wed 15:00 resolution: elapsed", state.Resolution.Elapsed, "breached", state.Resolution.Breached,
		"at", state.Resolution.BreachedAt.Format("Mon 15:04"))
	for b, err := range client.BreachedCases(ctx, time.Date(2026, 3, 11, 15, 0, 0, 0, time.UTC), crm.CaseFilter{}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		_, resolution := b.Breached(time.Date(2026, 3, 11, 15, 0, 0, 0, time.UTC))
		fmt.Println("breached:", b.Subject, "resolution", resolution)
	}
	// Output:
	// new owner u-bob first response due Mon 11:00
	// waiting_on_customer first response after 3h0m0s
	// open resolution due Wed 14:00
	// Wed 15:00 resolution: elapsed 17h0m0s breached true at Wed 14:00
	// breached: Invoice charged twice resolution true
}

// The SLA engine is not tied to cases: here a new lead must get a first
// response within 4 business hours of its creation, measured on the
// lead's own times (from CreatedAt until the first call).
func ExampleSLAClock_leadFirstResponse() {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		fmt.Println(err)
		return
	}
	cal, err := crm.NewBusinessCalendar(berlin, crm.MondayToFriday(crm.WorkingHours{From: 8 * time.Hour, To: 18 * time.Hour}))
	if err != nil {
		fmt.Println(err)
		return
	}
	lead := &crm.Lead{Name: "Zoë Ålander", Status: crm.LeadNew, CreatedAt: time.Date(2026, 3, 6, 16, 30, 0, 0, berlin)} // Friday 16:30
	policy := crm.SLAPolicy{Calendar: cal, Target: 4 * time.Hour, WarnBefore: time.Hour}

	clock, err := crm.NewSLAClock(policy, crm.SLAEvent{At: lead.CreatedAt, Kind: crm.SLAStart})
	if err != nil {
		fmt.Println(err)
		return
	}
	monday := time.Date(2026, 3, 9, 10, 0, 0, 0, berlin)
	st := clock.State(monday)
	fmt.Println("Mon 10:00 elapsed", st.Elapsed, "warning", st.Warning, "due", st.Due.Format("Mon 15:04"))

	calledAt := time.Date(2026, 3, 9, 11, 15, 0, 0, berlin) // the seller calls
	clock, err = crm.NewSLAClock(policy, crm.SLAEvent{At: lead.CreatedAt, Kind: crm.SLAStart}, crm.SLAEvent{At: calledAt, Kind: crm.SLAStop})
	if err != nil {
		fmt.Println(err)
		return
	}
	st = clock.State(calledAt.Add(24 * time.Hour))
	fmt.Println("answered after", st.Elapsed, "breached", st.Breached, "at", st.BreachedAt.In(berlin).Format("Mon 15:04"))
	// Output:
	// Mon 10:00 elapsed 3h30m0s warning true due Mon 10:30
	// answered after 4h45m0s breached true at Mon 10:30
}
