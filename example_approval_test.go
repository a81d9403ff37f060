package crm_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// Raising a credit limit above the policy's threshold waits for a second
// person: the call returns the pending request, and an approval by
// someone else executes the raise, once.
func ExampleClient_Approve() {
	client, err := crm.New(memory.New(), crm.WithApprovals(crm.ApprovalPolicy{
		CreditLimits: []crm.Money{crm.MustMoney("10000", "EUR")},
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	ann := crm.WithActor(context.Background(), crm.Actor{ID: "ann"})
	mia := crm.WithActor(context.Background(), crm.Actor{ID: "mia"})
	cust, err := client.CreateCustomer(ann, &crm.Customer{Name: "Hudson Outfitters", CreditLimit: crm.MustMoney("5000", "EUR")})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.UpdateCustomer(ann, cust.ID, cust.Version, crm.CustomerUpdate{CreditLimit: crm.Ptr(crm.MustMoney("25000", "EUR"))})
	var held *crm.ApprovalRequiredError
	if !errors.As(err, &held) {
		fmt.Println("not held:", err)
		return
	}
	fmt.Println("held:", held.Request.Kind, held.Request.Status)

	_, err = client.Approve(ann, held.Request.ID, held.Request.Version)
	fmt.Println("ann approves her own:", errors.Is(err, crm.ErrForbidden))
	req, err := client.Approve(mia, held.Request.ID, held.Request.Version)
	if err != nil {
		fmt.Println(err)
		return
	}
	now, _ := client.GetCustomer(ann, cust.ID)
	fmt.Println(req.Status, "by", req.DecidedBy+":", now.CreditLimit)
	// Output:
	// held: credit_limit pending
	// ann approves her own: true
	// approved by mia: 25000.00 EUR
}
