package postgres_test

import (
	"context"
	"errors"
	"log"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/postgres"
)

// Open a store in its own schema and retry an update that lost to
// another replica. The example needs a server, so it is compiled but not
// run.
func ExampleOpen() {
	ctx := context.Background()
	store, err := postgres.Open(ctx, "postgres://crm@localhost:5432/crm?sslmode=disable",
		postgres.WithSchema("crm"), postgres.WithMaxOpenConns(20))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	client, err := crm.New(store)
	if err != nil {
		log.Fatal(err)
	}
	acme, err := client.CreateCustomer(ctx, &crm.Customer{Name: "Acme Ltd", Kind: crm.KindOrganization})
	if err != nil {
		log.Fatal(err)
	}
	id, version := acme.ID, acme.Version
	for {
		_, err = client.UpdateCustomer(ctx, id, version, crm.CustomerUpdate{Industry: crm.Ptr("retail")})
		if !errors.Is(err, crm.ErrConflict) {
			break
		}
		// Another replica updated it first: read it again and retry.
		current, err := client.GetCustomer(ctx, id)
		if err != nil {
			log.Fatal(err)
		}
		version = current.Version
	}
	if err != nil {
		log.Fatal(err)
	}
}
