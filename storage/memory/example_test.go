package memory_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// A transaction whose fn fails leaves no trace; a nested one that fails
// undoes only its own writes.
func ExampleStore_RunInTx() {
	ctx := context.Background()
	s := memory.New()
	defer s.Close()

	err := s.RunInTx(ctx, func(tx crm.Store) error {
		if err := tx.CreateCustomer(ctx, &crm.Customer{ID: "c1", Name: "Acme Ltd", Version: 1}); err != nil {
			return err
		}
		err := tx.RunInTx(ctx, func(inner crm.Store) error {
			if err := inner.CreateCustomer(ctx, &crm.Customer{ID: "c2", Name: "Bolt", Version: 1}); err != nil {
				return err
			}
			return errors.New("changed my mind")
		})
		fmt.Println("inner:", err)
		page, _, _ := tx.FindCustomers(ctx, crm.CustomerFilter{})
		fmt.Println("inside:", len(page), "customer")
		return errors.New("changed my mind again")
	})
	fmt.Println("outer:", err)

	_, err = s.FindCustomerByID(ctx, "c1")
	fmt.Println(errors.Is(err, crm.ErrNotFound))
	// Output:
	// inner: changed my mind
	// inside: 1 customer
	// outer: changed my mind again
	// true
}
