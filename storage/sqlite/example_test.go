package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/sqlite"
)

// Open a database file, put a Client over it, and find a customer again
// after reopening the file.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "crm-example-*")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "crm.db")

	store, err := sqlite.Open(ctx, path)
	if err != nil {
		log.Fatal(err)
	}
	client, err := crm.New(store,
		crm.WithDefaultRegion("GB"),
		crm.WithClock(crm.ClockFunc(func() time.Time { return time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC) })))
	if err != nil {
		log.Fatal(err)
	}
	ctx = crm.WithActor(ctx, crm.Actor{ID: "u-ann"})
	_, err = client.CreateCustomer(ctx, &crm.Customer{
		Name:        "Ålander & Söhne GmbH",
		Emails:      []crm.Email{{Address: "Info@Alander.example"}},
		CreditLimit: crm.MustMoney("25000.00", "EUR"),
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Close(); err != nil {
		log.Fatal(err)
	}

	// The data is in the file: open it again.
	store, err = sqlite.Open(ctx, path)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	client, err = crm.New(store)
	if err != nil {
		log.Fatal(err)
	}
	found, _, err := client.ListCustomers(ctx, crm.CustomerFilter{Search: "åLANDER"})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range found {
		fmt.Println(c.Name, c.PrimaryEmail(), c.CreditLimit, c.CreatedAt.Format(time.RFC3339))
	}
	// Output:
	// Ålander & Söhne GmbH info@alander.example 25000.00 EUR 2025-03-14T09:00:00Z
}
