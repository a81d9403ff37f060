package crm_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// With WithAudit every write leaves an entry in the same transaction:
// who, when, which record, and each field that changed, before and after.
// The entries are chained by hash, and VerifyAudit checks the chain.
func ExampleClient_History() {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	client, err := crm.New(memory.New(), crm.WithAudit(),
		crm.WithClock(crm.ClockFunc(func() time.Time { return now })))
	if err != nil {
		fmt.Println(err)
		return
	}
	ann := crm.WithActor(context.Background(), crm.Actor{ID: "ann"})
	cust, err := client.CreateCustomer(ann, &crm.Customer{Name: "Hudson Outfitters", CreditLimit: crm.MustMoney("5000.00", "USD")})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.UpdateCustomer(ann, cust.ID, cust.Version, crm.CustomerUpdate{
		Name:        crm.Ptr("Hudson Outfitters Inc"),
		CreditLimit: crm.Ptr(crm.MustMoney("7500.00", "USD")),
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	for e, err := range client.History(ann, crm.EntityCustomer, cust.ID) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(e.Seq, e.Action, "by", e.ActorID)
		for _, ch := range e.Changes {
			if e.Action == crm.AuditUpdated {
				fmt.Printf("  %s: %s -> %s\n", ch.Field, ch.Before, ch.After)
			}
		}
	}
	check, err := client.VerifyAudit(ann)
	fmt.Println("verified:", check.Entries, "entries", err)
	// Output:
	// 1 created by ann
	// 2 updated by ann
	//   Name: "Hudson Outfitters" -> "Hudson Outfitters Inc"
	//   CreditLimit: {"Amount":"5000","Currency":"USD"} -> {"Amount":"7500","Currency":"USD"}
	// verified: 2 entries <nil>
}

// With WithEvents every write appends an event to the outbox in its own
// transaction. A consumer reads them in order from its checkpoint; an
// event whose handling failed is delivered again on the next call.
func ExampleClient_ConsumeEvents() {
	client, err := crm.New(memory.New(), crm.WithEvents())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "importer"})
	for _, name := range []string{"Acme", "Globex"} {
		if _, err := client.CreateCustomer(ctx, &crm.Customer{Name: name}); err != nil {
			fmt.Println(err)
			return
		}
	}
	n, err := client.ConsumeEvents(ctx, "search-index", func(_ context.Context, e *crm.Event) error {
		fmt.Println(e.Seq, e.Type)
		return nil
	})
	fmt.Println("delivered", n, err)
	n, err = client.ConsumeEvents(ctx, "search-index", func(context.Context, *crm.Event) error { return nil })
	fmt.Println("delivered", n, err)
	// Output:
	// 1 customer.created
	// 2 customer.created
	// delivered 2 <nil>
	// delivered 0 <nil>
}

// A merge made by an audited Client can be undone while nothing it
// touched has changed: both customers get their own values back and the
// duplicate's records return to it.
func ExampleClient_UndoMerge() {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	client, err := crm.New(memory.New(), crm.WithAudit(),
		crm.WithClock(crm.ClockFunc(func() time.Time { return now })))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "ann"})
	keep, err := client.CreateCustomer(ctx, &crm.Customer{Name: "Hudson Outfitters", CreditLimit: crm.MustMoney("5000.00", "USD")})
	if err != nil {
		fmt.Println(err)
		return
	}
	other, err := client.CreateCustomer(ctx, &crm.Customer{Name: "Hudson Outfitters Inc", Industry: "retail"}, crm.AllowDuplicates())
	if err != nil {
		fmt.Println(err)
		return
	}
	buyer, err := client.AddContact(ctx, &crm.Contact{CustomerID: other.ID, Name: "Rita Buyer"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := client.MergeCustomers(ctx, keep.ID, other.ID, crm.MergeOptions{}); err != nil {
		fmt.Println(err)
		return
	}

	res, err := client.UndoMerge(ctx, keep.ID, other.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: industry %q, limit %s, version %d\n", res.Survivor.Name, res.Survivor.Industry, res.Survivor.CreditLimit, res.Survivor.Version)
	fmt.Printf("%s: industry %q, merged into %q\n", res.Duplicate.Name, res.Duplicate.Industry, res.Duplicate.MergedInto)
	for _, ref := range res.Restored {
		fmt.Println("back:", ref.Kind, ref.ID == buyer.ID)
	}
	_, err = client.UndoMerge(ctx, keep.ID, other.ID)
	fmt.Println("again:", errors.Is(err, crm.ErrTransition))
	// Output:
	// Hudson Outfitters: industry "", limit 5000.00 USD, version 3
	// Hudson Outfitters Inc: industry "retail", merged into ""
	// back: contact true
	// again: true
}

// EraseCustomer forgets a person: the personal values go from the
// records, the audit history and the events, the sales figures stay, the
// history still verifies, and the erasure is recorded without them.
func ExampleClient_EraseCustomer() {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	client, err := crm.New(memory.New(), crm.WithAudit(), crm.WithEvents(),
		crm.WithClock(crm.ClockFunc(func() time.Time { return now })))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "dpo"})
	cust, err := client.CreateCustomer(ctx, &crm.Customer{Kind: crm.KindPerson, Name: "Grace Hopper",
		Emails: []crm.Email{{Address: "grace@example.org"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := client.CreateOrder(ctx, &crm.Order{CustomerID: cust.ID, OrderedAt: now.Add(-time.Hour),
		Lines: []crm.OrderLine{{SKU: "BOOK", Quantity: decimal.NewFromInt(2), UnitPrice: crm.MustMoney("19.90", "USD")}}}); err != nil {
		fmt.Println(err)
		return
	}

	erasure, err := client.EraseCustomer(ctx, cust.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("customers erased:", erasure.Customers)
	got, _ := client.GetCustomer(ctx, cust.ID)
	fmt.Println(got.Name, got.Emails, got.Erased())
	for o, err := range client.Orders(ctx, crm.OrderFilter{CustomerIDs: []string{cust.ID}}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("order total:", o.Total)
	}
	for e, err := range client.History(ctx, crm.EntityCustomer, cust.ID) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(e.Seq, e.Action, "by", e.ActorID, "values erased:", len(e.Changes) > 0 && e.Changes[0].Erased)
	}
	_, err = client.VerifyAudit(ctx)
	fmt.Println("verified:", err == nil)
	// Output:
	// customers erased: 1
	// (erased) [] true
	// order total: 39.80 USD
	// 1 created by dpo values erased: true
	// 3 erased by dpo values erased: false
	// verified: true
}
