package crm_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// exampleOrders stores, for each customer name, orders placed on the
// dates given (2026, UTC).
func exampleOrders(ctx context.Context, client *crm.Client, orders map[string][]string) error {
	for _, name := range []string{"Ada", "Ben", "Cy", "Dee"} {
		cust, err := client.CreateCustomer(ctx, &crm.Customer{Name: name})
		if err != nil {
			return err
		}
		for _, day := range orders[name] {
			at, _ := time.Parse(time.DateOnly, day)
			_, err := client.CreateOrder(ctx, &crm.Order{CustomerID: cust.ID, OrderedAt: at,
				Lines: []crm.OrderLine{{SKU: "TEA", Quantity: decimal.NewFromInt(1), UnitPrice: crm.MustMoney("12.50", "EUR")}}})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func ExampleClient_KPIs() {
	client := exampleClient()
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann"})
	err := exampleOrders(ctx, client, map[string][]string{
		"Ada": {"2025-11-03", "2026-01-20", "2026-02-11"}, // a customer at the start who bought twice
		"Ben": {"2025-12-15"},                             // a customer at the start who lapses by the end
		"Cy":  {"2026-02-01"},                             // new
		"Dee": {"2024-10-01"},                             // lapsed long ago
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	q1 := crm.PeriodOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), crm.PeriodQuarter)
	r, err := client.KPIs(ctx, q1, crm.KPIOptions{Conversion: crm.Conversion{Currency: "EUR"}, ActiveWithin: 90 * 24 * time.Hour})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := r.Customers
	fmt.Println("start", c.AtStart, "new", c.New, "end", c.AtEnd)
	fmt.Println("retention", c.Retention, "churn", c.Churn, "repurchase", c.Repurchase)
	fmt.Println("win rate", r.Sales.WinRate, "of", r.Sales.WinRate.Denominator, "deals")
	// Output:
	// start 2 new 1 end 2
	// retention 50.0% churn 50.0% repurchase 50.0%
	// win rate – of 0 deals
}

func ExampleClient_Cohorts() {
	client := exampleClient()
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann"})
	err := exampleOrders(ctx, client, map[string][]string{
		"Ada": {"2026-01-20", "2026-02-11", "2026-03-02"},
		"Ben": {"2026-01-05", "2026-03-15"},
		"Cy":  {"2026-02-01", "2026-02-28"},
		"Dee": {"2026-02-14", "2026-03-01"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := client.Cohorts(ctx, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := m.WriteText(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// cohort  customers      m0     m1      m2
	// 2026-01          2  100.0%  50.0%  100.0%
	// 2026-02          2  100.0%  50.0%
	// 2026-03          0       –
}
