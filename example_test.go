package crm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// exampleClient returns a Client with a fixed clock and numbered IDs, so
// that examples print the same output every run.
func exampleClient() *crm.Client {
	n := 0
	client, err := crm.New(memory.New(),
		crm.WithClock(crm.ClockFunc(func() time.Time { return time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC) })),
		crm.WithIDGenerator(crm.IDGeneratorFunc(func() string { n++; return fmt.Sprintf("cus_%d", n) })),
		crm.WithDefaultRegion("GB"),
	)
	if err != nil {
		panic(err)
	}
	return client
}

func ExampleNew() {
	store := memory.New()
	defer store.Close()

	client, err := crm.New(store,
		crm.WithDefaultRegion("GB"), // completes phone numbers written without a country code
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann", Name: "Ann Example"})
	cust, err := client.CreateCustomer(ctx, &crm.Customer{Name: "Acme Ltd", Phones: []crm.Phone{{Number: "020 7946 0000"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cust.Name, cust.PrimaryPhone(), cust.CreatedBy)
	// Output: Acme Ltd +442079460000 u-ann
}

func ExampleClient_CreateCustomer() {
	client := exampleClient()
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann"})

	acme, err := client.CreateCustomer(ctx, &crm.Customer{
		Kind:        crm.KindOrganization,
		Name:        "  Acme Ltd ",
		Emails:      []crm.Email{{Address: "Sales@ACME.example", Label: "work"}},
		Phones:      []crm.Phone{{Number: "030 123456"}},
		Address:     crm.Address{City: "Berlin", Country: "DE"},
		Tags:        []string{"VIP", "vip", "Key-Account"},
		CreditLimit: crm.MustMoney("25000.00", "EUR"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %q %s %s %v %s v%d\n", acme.ID, acme.Name, acme.PrimaryEmail(), acme.PrimaryPhone(), acme.Tags, acme.CreditLimit, acme.Version)

	// Bad input names every bad field and stores nothing.
	_, err = client.CreateCustomer(ctx, &crm.Customer{Name: "", Emails: []crm.Email{{Address: "bob@"}}})
	fmt.Println(err)
	fmt.Println(errors.Is(err, crm.ErrInvalid))

	// A likely duplicate is refused unless the caller insists.
	_, err = client.CreateCustomer(ctx, &crm.Customer{Name: "ACME Limited", Emails: []crm.Email{{Address: "sales@acme.example"}}})
	fmt.Println(errors.Is(err, crm.ErrDuplicate))
	// Output:
	// cus_1 "Acme Ltd" sales@acme.example +4930123456 [vip key-account] 25000.00 EUR v1
	// crm: invalid customer: name: required; emails[0].address: email "bob@": nothing after "@"
	// true
	// true
}

func ExampleFindDuplicates() {
	newcomer := &crm.Customer{
		Name:   "ACME Corporation",
		Region: "north",
		Emails: []crm.Email{{Address: "Info@Acme.example"}},
	}
	stored := []*crm.Customer{
		{ID: "c1", Name: "Acme Ltd", Region: "north"},
		{ID: "c2", Name: "Zenith", Region: "south", Emails: []crm.Email{{Address: "info@acme.example"}}},
		{ID: "c3", Name: "Apex Ltd", Region: "north"},
	}
	for _, m := range crm.FindDuplicates(newcomer, stored, crm.DefaultDuplicateRules()) {
		for _, r := range m.Reasons {
			fmt.Printf("%s %s: %s %s (%.2f)\n", m.Customer.ID, m.Customer.Name, r.Rule, r.Value, r.Score)
		}
	}
	// Output:
	// c1 Acme Ltd: name "acme" ~ "acme" (1.00)
	// c2 Zenith: email info@acme.example (1.00)
}

func ExampleClient_MergeCustomers() {
	client := exampleClient()
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann"})

	survivor, err := client.CreateCustomer(ctx, &crm.Customer{Name: "Acme Ltd", Emails: []crm.Email{{Address: "sales@acme.example"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	duplicate, err := client.CreateCustomer(ctx, &crm.Customer{
		Name:     "ACME Limited",
		Industry: "manufacturing",
		Emails:   []crm.Email{{Address: "billing@acme.example"}},
	}, crm.AllowDuplicates())
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := client.AddContact(ctx, &crm.Contact{CustomerID: duplicate.ID, Name: "Dora Buyer", Role: crm.RoleFinance}); err != nil {
		fmt.Println(err)
		return
	}

	// A dry run shows the plan and changes nothing.
	plan, err := client.MergeCustomers(ctx, survivor.ID, duplicate.ID, crm.MergeOptions{DryRun: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range plan.Fields {
		if f.Value != "" {
			fmt.Printf("%-14s %-40s from %s\n", f.Field, f.Value, f.From)
		}
	}
	fmt.Println("children:", plan.Children)

	// Merge what was reviewed: the versions make a changed record fail.
	if _, err := client.MergeCustomers(ctx, survivor.ID, duplicate.ID, crm.MergeOptions{
		SurvivorVersion:  plan.Survivor.Version,
		DuplicateVersion: plan.Duplicate.Version,
	}); err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.GetCustomer(ctx, duplicate.ID)
	fmt.Println(err)
	// Output:
	// name           Acme Ltd                                 from survivor
	// industry       manufacturing                            from duplicate
	// stage          prospect                                 from both
	// owner_id       u-ann                                    from both
	// emails         sales@acme.example, billing@acme.example from both
	// do_not_contact false                                    from both
	// children: [{contact cus_3}]
	// crm: customer cus_2 was merged into cus_1
}

func ExampleClient_ImportCustomers() {
	client := exampleClient()
	ctx := context.Background()

	csv := `id,name,email,phone,country,tags
ext-1,Acme Ltd,sales@acme.example,020 7946 0000,GB,vip
ext-2,Globex GmbH,info@globex.example,030 1234567,DE,
ext-3,,nobody@example.com,,,
ext-4,Acme Limited,SALES@acme.example,,GB,
`
	res, err := client.ImportCustomers(ctx, crm.ReadCustomersCSV(strings.NewReader(csv)), crm.ImportOptions{
		BatchSize:  1000,
		Duplicates: crm.SkipDuplicates,
		OnRowError: func(e *crm.RowError) error {
			fmt.Println("not imported:", e)
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d rows: %d created, %d skipped, %d rejected\n", res.Rows, res.Created, res.Skipped, res.Rejected)
	globex, _ := client.GetCustomer(ctx, "ext-2")
	fmt.Println(globex.Name, globex.PrimaryPhone())
	// Output:
	// not imported: row 3: crm: invalid customer: name: required
	// not imported: row 4: crm: likely duplicate of customer ext-1 "Acme Ltd": email sales@acme.example (1.00)
	// 4 rows: 2 created, 1 skipped, 1 rejected
	// Globex GmbH +49301234567
}

func ExamplePipeline_Move() {
	p := crm.DefaultPipeline()
	deal := &crm.Opportunity{ID: "o-1", Name: "40 seats", Stage: "collection", Status: crm.OpportunityOpen}
	monday := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	// A proposal needs an amount and an expected close date.
	err := p.Move(deal, "proposal", monday)
	fmt.Println(err)

	deal.Amount = crm.MustMoney("12000", "EUR")
	deal.CloseDate = time.Date(2026, 5, 29, 0, 0, 0, 0, time.UTC)
	if err := p.Move(deal, "proposal", monday); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(deal.Stage, deal.Probability, "% weighted", deal.Weighted())

	deal.LostReason = "competitor"
	_ = p.Move(deal, "lost", monday.Add(72*time.Hour))
	fmt.Println(deal.Status, deal.CloseDate.Format(time.DateOnly))
	fmt.Println(p.Move(deal, "negotiation", monday.Add(96*time.Hour)))
	// Output:
	// crm: invalid opportunity move: amount: required to enter stage "proposal"; close_date: required to enter stage "proposal"
	// proposal 30 % weighted 3600.00 EUR
	// lost 2026-03-05
	// crm: move opportunity o-1: it is lost; reopen it first: crm: transition not allowed
}

func ExampleClient_MoveOpportunity() {
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann"})
	client := exampleClient()
	pipeline, _ := client.CreatePipeline(ctx, crm.DefaultPipeline())
	acme, _ := client.CreateCustomer(ctx, &crm.Customer{Name: "Acme Ltd"})

	deal, err := client.CreateOpportunity(ctx, &crm.Opportunity{
		Name: "Acme fleet", CustomerID: acme.ID, PipelineID: pipeline.ID,
		Amount: crm.MustMoney("48000", "EUR"), CloseDate: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, stage := range []string{"proposal", "negotiation", "won"} {
		if deal, err = client.MoveOpportunity(ctx, deal.ID, deal.Version, stage, crm.MoveOptions{}); err != nil {
			fmt.Println(err)
			return
		}
	}
	history, _ := client.OpportunityHistory(ctx, deal.ID)
	for _, ch := range history {
		fmt.Printf("v%d %-11s → %-11s %3d%% %s\n", ch.Version, ch.FromStage, ch.ToStage, ch.Probability, ch.Amount)
	}
	// Output:
	// v1             → collection   10% 48000.00 EUR
	// v2 collection  → proposal     30% 48000.00 EUR
	// v3 proposal    → negotiation  60% 48000.00 EUR
	// v4 negotiation → won         100% 48000.00 EUR
}

func ExampleClient_CreateOrder() {
	client := exampleClient()
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann"})

	shop, err := client.CreateCustomer(ctx, &crm.Customer{Name: "Corner Shop", CreditLimit: crm.MustMoney("500.00", "EUR")})
	if err != nil {
		fmt.Println(err)
		return
	}
	seat := crm.OrderLine{SKU: "SEAT", Quantity: decimal.NewFromInt(3), UnitPrice: crm.MustMoney("99.90", "EUR"), Discount: crm.MustMoney("9.70", "EUR")}
	first, err := client.CreateOrder(ctx, &crm.Order{CustomerID: shop.ID, Lines: []crm.OrderLine{seat}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(first.ID, first.Total, first.Status)

	// A second order of the same would take the exposure to 580.00 EUR.
	_, err = client.CreateOrder(ctx, &crm.Order{CustomerID: shop.ID, Lines: []crm.OrderLine{seat}})
	var limit *crm.CreditLimitError
	if errors.As(err, &limit) {
		fmt.Println(errors.Is(err, crm.ErrCreditLimit), "short by", limit.Shortfall)
		fmt.Println(err)
	}

	// Paying part of the first order frees credit.
	if _, err := client.RecordPayment(ctx, &crm.Payment{OrderID: first.ID, Amount: crm.MustMoney("100", "EUR"), Method: "transfer"}); err != nil {
		fmt.Println(err)
		return
	}
	second, err := client.CreateOrder(ctx, &crm.Order{CustomerID: shop.ID, Lines: []crm.OrderLine{seat}})
	if err != nil {
		fmt.Println(err)
		return
	}
	owed, _ := client.CustomerBalance(ctx, shop.ID)
	fmt.Println(second.ID, "placed; owed", owed)
	// Output:
	// cus_2 290.00 EUR open
	// true short by 80.00 EUR
	// crm: create order: customer cus_1: credit limit 500.00 EUR, exposure 290.00 EUR, order 290.00 EUR: short by 80.00 EUR: credit limit exceeded
	// cus_4 placed; owed [480.00 EUR]
}

func ExampleClient_SegmentMembers() {
	client := exampleClient()
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann"})
	for _, c := range []*crm.Customer{
		{Name: "Acme Ltd", Industry: "manufacturing", Tags: []string{"vip"}},
		{Name: "Bolt plc", Industry: "manufacturing", Tags: []string{"vip"}},
		{Name: "Cog GmbH", Industry: "retail"},
	} {
		if _, err := client.CreateCustomer(ctx, c); err != nil {
			fmt.Println(err)
			return
		}
	}
	rule, err := crm.ParseCondition(`industry = "manufacturing" and r >= 4 and tags has "vip"`)
	if err != nil {
		fmt.Println(err)
		return
	}
	// RFM scores come from elsewhere; here, a fixed table.
	scores := map[string]crm.Metrics{"cus_1": {R: 5, F: 2, M: 3}, "cus_2": {R: 2, F: 4, M: 4}}
	opts := crm.SegmentOptions{Metrics: func(id string) (crm.Metrics, bool) { m, ok := scores[id]; return m, ok }}

	for c, err := range client.SegmentMembers(ctx, &crm.Segment{Name: "hot", Rule: rule}, opts) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(c.ID, c.Name)
	}
	_, err = crm.ParseCondition(`industry = "manufacturing" and r >= "high"`)
	fmt.Println(err)
	// Output:
	// cus_1 Acme Ltd
	// crm: segment rule 1:34: field r: value must be a number
}

func ExampleClassifyLifecycle() {
	asOf := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	monthly := []time.Time{
		asOf.AddDate(0, -1, -10), asOf.AddDate(0, -2, -10), asOf.AddDate(0, -3, -10),
		asOf.AddDate(0, -4, -10), asOf.AddDate(0, -5, -10),
	}
	h := crm.NewPurchaseHistory(monthly)
	fmt.Println(h.Days, "purchase days, typical gap", int(h.TypicalGap.Hours()/24), "days")
	fmt.Println(crm.ClassifyLifecycle(h, asOf, crm.LifecycleRules{}))
	fmt.Println(crm.ClassifyLifecycle(h, asOf.AddDate(0, 2, 0), crm.LifecycleRules{}))
	fmt.Println(crm.ClassifyLifecycle(h, asOf.AddDate(0, 2, 0), crm.LifecycleRules{ChurnedAfter: 2.5}))
	fmt.Println(crm.ClassifyLifecycle(crm.PurchaseHistory{}, asOf, crm.LifecycleRules{}))
	// Output:
	// 5 purchase days, typical gap 31 days
	// loyal
	// at-risk
	// churned
	// prospect
}
