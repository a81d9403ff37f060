package crm_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// An export streams the customers a filter selects, one JSON object per
// line with the related records asked for nested in it; as CSV it writes
// one kind of record, here the customers in the layout an import reads.
func ExampleClient_ExportCustomers() {
	clock := crm.ClockFunc(func() time.Time { return time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC) })
	n := 0
	ids := crm.IDGeneratorFunc(func() string { n++; return fmt.Sprintf("id-%d", n) })
	client, err := crm.New(memory.New(), crm.WithClock(clock), crm.WithIDGenerator(ids))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "ann"})
	acme, err := client.CreateCustomer(ctx, &crm.Customer{Name: "Acme Ltd", Tags: []string{"key"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	price := crm.MustMoney("19.90", "EUR")
	if _, err := client.CreateOrder(ctx, &crm.Order{CustomerID: acme.ID,
		Lines: []crm.OrderLine{{SKU: "SEAT", Quantity: decimal.NewFromInt(2), UnitPrice: price}}}); err != nil {
		fmt.Println(err)
		return
	}

	stats, err := client.ExportCustomers(ctx, os.Stdout, crm.CustomerFilter{Tags: []string{"key"}},
		crm.ExportOptions{Include: []crm.ExportKind{crm.ExportOrders}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(stats.Customers, "customer,", stats.Records[crm.ExportOrders], "order")

	if _, err := client.ExportCustomers(ctx, os.Stdout, crm.CustomerFilter{}, crm.ExportOptions{Format: crm.ExportCSV}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"id":"id-1","kind":"organization","name":"Acme Ltd","stage":"prospect","owner_id":"ann","tags":["key"],"created_at":"2026-03-02T09:30:00Z","created_by":"ann","updated_at":"2026-03-02T09:30:00Z","updated_by":"ann","version":1,"orders":[{"id":"id-2","customer_id":"id-1","lines":[{"sku":"SEAT","quantity":"2","unit_price":{"amount":"19.90","currency":"EUR"}}],"total":{"amount":"39.80","currency":"EUR"},"paid":{"amount":"0.00","currency":"EUR"},"status":"open","ordered_at":"2026-03-02T09:30:00Z","created_at":"2026-03-02T09:30:00Z","created_by":"ann","updated_at":"2026-03-02T09:30:00Z","updated_by":"ann","version":1}]}
	// 1 customer, 1 order
	// id,kind,name,emails,phones,street,city,postal_code,state,country,industry,region,size,stage,owner_id,tags,tax_id,credit_rating,credit_limit,risk_level,birth_date,time_zone,consent_email,consent_phone,consent_sms,consent_post,do_not_contact,source,created_at
	// id-1,organization,Acme Ltd,,,,,,,,,,,prospect,ann,key,,,,,,,false,false,false,false,false,,2026-03-02T09:30:00Z
}
