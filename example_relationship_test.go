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
	claim, err := client.ClaimContact(ann, hudson.ID, crm.InteractionCall, crm.Override("renewal due today"))
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
