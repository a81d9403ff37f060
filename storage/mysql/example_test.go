package mysql_test

import (
	"context"
	"fmt"
	"log"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/mysql"
)

// Open a Store on a MySQL or MariaDB database and run a Client over it.
// Every replica of a service opens the same database; optimistic versions
// keep their writes apart.
func ExampleOpen() {
	ctx := context.Background()
	store, err := mysql.Open(ctx, "crm:secret@tcp(db.internal:3306)/crm",
		mysql.WithMaxOpenConns(32))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	client, err := crm.New(store)
	if err != nil {
		log.Fatal(err)
	}
	acme, err := client.CreateCustomer(ctx, &crm.Customer{Kind: crm.KindOrganization, Name: "Acme Ltd"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(acme.Name, acme.Version)
}
