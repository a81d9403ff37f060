// Command quickstart walks through the customer archive and the sales
// pipeline: it creates customers and contacts, shows a duplicate being
// caught and merged, moves a lifecycle stage, works a deal from the first
// stage to won, shows a validation error, and prints a summary.
//
//	go run ./examples/quickstart                 # a new SQLite file in a temporary folder
//	go run ./examples/quickstart -db crm.db      # a SQLite file of your choice (kept; must be new)
//	go run ./examples/quickstart -memory         # everything in memory
//
// SQLite is the embedded default (storage/sqlite, pure Go): no database
// server is needed either way.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
	"github.com/crmkit/crm/storage/sqlite"
)

func main() {
	path := flag.String("db", "", "SQLite file to use (default: a new file in a temporary folder, removed afterwards)")
	inMemory := flag.Bool("memory", false, "keep everything in memory instead of SQLite")
	flag.Parse()
	if err := run(context.Background(), *path, *inMemory); err != nil {
		log.Fatal(err)
	}
}

// openStore opens the store the flags ask for, and returns a function that
// closes it and removes what it made.
func openStore(ctx context.Context, path string, inMemory bool) (crm.Store, func(), error) {
	if inMemory {
		s := memory.New()
		fmt.Println("store: memory")
		return s, func() { s.Close() }, nil
	}
	cleanup := func() {}
	if path == "" {
		dir, err := os.MkdirTemp("", "crm-quickstart-")
		if err != nil {
			return nil, nil, err
		}
		path = filepath.Join(dir, "crm.db")
		cleanup = func() { os.RemoveAll(dir) }
	}
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	fmt.Println("store: SQLite file", path)
	return s, func() { s.Close(); cleanup() }, nil
}

func run(ctx context.Context, path string, inMemory bool) error {
	store, closeStore, err := openStore(ctx, path, inMemory)
	if err != nil {
		return err
	}
	defer closeStore()
	client, err := crm.New(store, crm.WithDefaultRegion("GB"))
	if err != nil {
		return err
	}
	// Every change records who made it.
	ctx = crm.WithActor(ctx, crm.Actor{ID: "u-ann", Name: "Ann Archer"})

	step("Create customers and contacts")
	acme, err := client.CreateCustomer(ctx, &crm.Customer{
		Kind:        crm.KindOrganization,
		Name:        "Acme Ltd",
		Emails:      []crm.Email{{Address: "Sales@Acme.example", Label: "sales"}},
		Phones:      []crm.Phone{{Number: "020 7946 0000", Label: "office"}},
		Address:     crm.Address{City: "London", Country: "GB"},
		Industry:    "manufacturing",
		Region:      "south",
		Size:        crm.SizeMedium,
		OwnerID:     "u-ann",
		Tags:        []string{"Key-Account"},
		CreditLimit: crm.MustMoney("50000", "GBP"),
		RiskLevel:   crm.RiskLow,
	})
	if err != nil {
		return err
	}
	fmt.Printf("  %s  email %s, phone %s (normalised)\n", acme.Name, acme.PrimaryEmail(), acme.PrimaryPhone())

	globex, err := client.CreateCustomer(ctx, &crm.Customer{
		Kind:    crm.KindOrganization,
		Name:    "Globex GmbH",
		Emails:  []crm.Email{{Address: "info@globex.example"}},
		Phones:  []crm.Phone{{Number: "030 1234567"}},
		Address: crm.Address{City: "Berlin", Country: "DE"},
		Region:  "central",
		OwnerID: "u-bob",
	})
	if err != nil {
		return err
	}
	fmt.Printf("  %s  phone %s (German number from the address)\n", globex.Name, globex.PrimaryPhone())

	dora, err := client.AddContact(ctx, &crm.Contact{
		CustomerID: acme.ID, Name: "Dora Finch", JobTitle: "Head of Purchasing", Role: crm.RoleDecisionMaker,
		Emails: []crm.Email{{Address: "dora@acme.example"}},
	})
	if err != nil {
		return err
	}
	fmt.Printf("  contact %s (%s) at %s\n", dora.Name, dora.Role, acme.Name)

	step("Catch a duplicate")
	_, err = client.CreateCustomer(ctx, &crm.Customer{
		Kind:   crm.KindOrganization,
		Name:   "ACME Limited",
		Region: "south",
		Emails: []crm.Email{{Address: "accounts@acme.example"}},
	})
	var dup *crm.DuplicateError
	if errors.As(err, &dup) {
		fmt.Printf("  refused: %v\n", dup)
	} else {
		return fmt.Errorf("expected a duplicate, got %v", err)
	}
	// The caller knows better (say, a second record for the accounts team),
	// creates it anyway, and then decides to merge after all.
	acme2, err := client.CreateCustomer(ctx, &crm.Customer{
		Kind:   crm.KindOrganization,
		Name:   "ACME Limited",
		Region: "south",
		Emails: []crm.Email{{Address: "accounts@acme.example"}},
		TaxID:  "GB 123 4567 89",
	}, crm.AllowDuplicates())
	if err != nil {
		return err
	}
	if _, err := client.AddContact(ctx, &crm.Contact{CustomerID: acme2.ID, Name: "Eli Ledger", Role: crm.RoleFinance}); err != nil {
		return err
	}

	step("Merge it")
	plan, err := client.MergeCustomers(ctx, acme.ID, acme2.ID, crm.MergeOptions{DryRun: true})
	if err != nil {
		return err
	}
	fmt.Println("  dry run:")
	for _, f := range plan.Fields {
		if f.From == crm.FromDuplicate || f.Field == "emails" {
			fmt.Printf("    %-7s %-42s (from %s)\n", f.Field, f.Value, f.From)
		}
	}
	fmt.Printf("    %d child record(s) move to %s\n", len(plan.Children), acme.Name)
	if _, err := client.MergeCustomers(ctx, acme.ID, acme2.ID, crm.MergeOptions{}); err != nil {
		return err
	}
	_, err = client.GetCustomer(ctx, acme2.ID)
	fmt.Printf("  lookup of the old ID: %v\n", err)

	step("Move a lifecycle stage")
	acme, err = client.GetCustomer(ctx, acme.ID)
	if err != nil {
		return err
	}
	_, err = client.UpdateCustomer(ctx, acme.ID, acme.Version, crm.CustomerUpdate{Stage: crm.Ptr(crm.StageChurned)})
	fmt.Printf("  prospect → churned: %v\n", err)
	acme, err = client.UpdateCustomer(ctx, acme.ID, acme.Version, crm.CustomerUpdate{Stage: crm.Ptr(crm.StageNew)})
	if err != nil {
		return err
	}
	fmt.Printf("  prospect → new: ok, %s is now %s (version %d)\n", acme.Name, acme.Stage, acme.Version)

	step("Work a deal through the sales pipeline")
	if err := workDeal(ctx, client, acme, dora); err != nil {
		return err
	}

	step("Bad input")
	_, err = client.CreateCustomer(ctx, &crm.Customer{
		Name:        " ",
		Emails:      []crm.Email{{Address: "bob@localhost"}},
		Phones:      []crm.Phone{{Number: "call me"}},
		CreditLimit: crm.Money{Amount: crm.MustMoney("100", "EUR").Amount, Currency: "EURO"},
	})
	var verr *crm.ValidationError
	if errors.As(err, &verr) {
		for _, f := range verr.Fields {
			fmt.Printf("  %-18s %s\n", f.Field, f.Reason)
		}
	} else {
		return fmt.Errorf("expected a validation error, got %v", err)
	}

	step("Summary")
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  NAME\tSTAGE\tREGION\tOWNER\tEMAILS\tCONTACTS\tVERSION")
	for cust, err := range client.Customers(ctx, crm.CustomerFilter{}) {
		if err != nil {
			return err
		}
		var contacts []string
		for ct, err := range client.Contacts(ctx, crm.ContactFilter{CustomerID: cust.ID}) {
			if err != nil {
				return err
			}
			contacts = append(contacts, ct.Name)
		}
		emails := make([]string, len(cust.Emails))
		for i, e := range cust.Emails {
			emails[i] = e.Address
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\t%s\t%d\n", cust.Name, cust.Stage, cust.Region, cust.OwnerID,
			strings.Join(emails, ", "), strings.Join(contacts, ", "), cust.Version)
	}
	return w.Flush()
}

// workDeal stores the default pipeline, opens a deal with acme, moves it
// to won — one move refused for a missing amount — and prints its history.
func workDeal(ctx context.Context, client *crm.Client, acme *crm.Customer, contact *crm.Contact) error {
	pipeline, err := client.CreatePipeline(ctx, crm.DefaultPipeline())
	if err != nil {
		return err
	}
	deal, err := client.CreateOpportunity(ctx, &crm.Opportunity{
		Name: "Acme — 40 seats", CustomerID: acme.ID, ContactID: contact.ID, PipelineID: pipeline.ID,
	})
	if err != nil {
		return err
	}
	fmt.Printf("  %s opened in %q at %d%%\n", deal.Name, deal.Stage, deal.Probability)
	_, err = client.MoveOpportunity(ctx, deal.ID, deal.Version, "proposal", crm.MoveOptions{})
	fmt.Printf("  to proposal: %v\n", err)
	deal, err = client.UpdateOpportunity(ctx, deal.ID, deal.Version, crm.OpportunityUpdate{
		Amount:    crm.Ptr(crm.MustMoney("48000", "GBP")),
		CloseDate: crm.Ptr(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)),
	})
	if err != nil {
		return err
	}
	for _, stage := range []string{"proposal", "negotiation", "won"} {
		if deal, err = client.MoveOpportunity(ctx, deal.ID, deal.Version, stage, crm.MoveOptions{}); err != nil {
			return err
		}
		fmt.Printf("  to %-12s ok, weighted %s\n", stage+":", deal.Weighted().Round())
	}
	history, err := client.OpportunityHistory(ctx, deal.ID)
	if err != nil {
		return err
	}
	fmt.Println("  history:")
	for _, ch := range history {
		fmt.Printf("    v%d  %-11s → %-11s %3d%%  %s\n", ch.Version, ch.FromStage, ch.ToStage, ch.Probability, ch.Amount)
	}
	return nil
}

func step(title string) { fmt.Printf("\n== %s\n", title) }
