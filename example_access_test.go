package crm_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// With an Authorizer every read and write is checked: a sales rep lists
// her own customers only, cannot open a colleague's, and a context with
// no actor is refused.
func ExampleWithAuthorizer() {
	roles, err := crm.NewRoles(crm.DefaultRoles(), map[string][]string{"east": {"ann", "bob"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	client, err := crm.New(memory.New(), crm.WithAuthorizer(roles))
	if err != nil {
		fmt.Println(err)
		return
	}
	admin := crm.WithActor(context.Background(), crm.Actor{ID: "root", Roles: []string{"admin"}})
	ann := crm.WithActor(context.Background(), crm.Actor{ID: "ann", Roles: []string{"sales"}, Team: "east"})
	mia := crm.WithActor(context.Background(), crm.Actor{ID: "mia", Roles: []string{"manager"}, Team: "east"})
	var bobs *crm.Customer
	for _, owner := range []string{"ann", "bob", "carl"} {
		c, err := client.CreateCustomer(admin, &crm.Customer{Name: "Customer of " + owner, OwnerID: owner}, crm.AllowDuplicates())
		if err != nil {
			fmt.Println(err)
			return
		}
		if owner == "bob" {
			bobs = c
		}
	}
	list := func(ctx context.Context) {
		for c, err := range client.Customers(ctx, crm.CustomerFilter{}) {
			if err != nil {
				fmt.Println(" ", err)
				return
			}
			fmt.Println(" ", c.Name)
		}
	}
	fmt.Println("ann sees:")
	list(ann)
	fmt.Println("mia sees:")
	list(mia)
	_, err = client.GetCustomer(ann, bobs.ID)
	fmt.Println("ann opens bob's:", errors.Is(err, crm.ErrForbidden))
	_, err = client.GetCustomer(context.Background(), bobs.ID)
	fmt.Println("nobody opens bob's:", errors.Is(err, crm.ErrForbidden))
	// Output:
	// ann sees:
	//   Customer of ann
	// mia sees:
	//   Customer of ann
	//   Customer of bob
	// ann opens bob's: true
	// nobody opens bob's: true
}
