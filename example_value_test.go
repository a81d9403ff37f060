package crm_test

import (
	"fmt"

	"github.com/crmkit/crm"
)

func ExampleValueTiers() {
	rep, err := crm.ValueTiers([]crm.PurchaseSummary{
		{CustomerID: "acme", Total: crm.MustMoney("52000.00", "EUR")},
		{CustomerID: "globex", Total: crm.MustMoney("21000.00", "EUR")},
		{CustomerID: "initech", Total: crm.MustMoney("9500.00", "EUR")},
		{CustomerID: "umbrella", Total: crm.MustMoney("7000.00", "EUR")},
		{CustomerID: "hooli", Total: crm.MustMoney("6000.00", "EUR")},
		{CustomerID: "stark", Total: crm.MustMoney("2500.00", "EUR")},
		{CustomerID: "wayne", Total: crm.MustMoney("2000.00", "EUR")},
	}, crm.TierOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range rep.Customers {
		fmt.Printf("%-8s %s %13s  cumulative %s\n", c.CustomerID, c.Tier, c.Revenue, c.CumulativeShare.StringFixed(4))
	}
	fmt.Printf("A %d customers %s, B %d %s, C %d %s\n", rep.A.Customers, rep.A.Share, rep.B.Customers, rep.B.Share, rep.C.Customers, rep.C.Share)
	fmt.Printf("top %d customers make %s of %s\n", rep.TopCustomers, rep.TopShare, rep.Revenue)
	// Output:
	// acme     A  52000.00 EUR  cumulative 0.5200
	// globex   A  21000.00 EUR  cumulative 0.7300
	// initech  A   9500.00 EUR  cumulative 0.8250
	// umbrella B   7000.00 EUR  cumulative 0.8950
	// hooli    B   6000.00 EUR  cumulative 0.9550
	// stark    C   2500.00 EUR  cumulative 0.9800
	// wayne    C   2000.00 EUR  cumulative 1.0000
	// A 3 customers 0.825, B 2 0.13, C 2 0.045
	// top 2 customers make 0.73 of 100000.00 EUR
}

func ExampleProfitability() {
	rep, err := crm.Profitability([]crm.PurchaseSummary{
		{CustomerID: "acme", Total: crm.MustMoney("1200.00", "EUR")},
		{CustomerID: "globex", Total: crm.MustMoney("80.00", "EUR")},
	}, crm.CostMap(map[string]crm.Money{
		"acme":   crm.MustMoney("310.25", "EUR"),
		"globex": crm.MustMoney("95.10", "EUR"),
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range rep.Customers {
		fmt.Printf("%-6s %12s - %11s = %12s loss=%v\n", c.CustomerID, c.Revenue, c.Cost, c.Profit, c.Loss)
	}
	fmt.Println("profit", rep.Profit, "loss-making", rep.LossMaking)
	// Output:
	// acme    1200.00 EUR -  310.25 EUR =   889.75 EUR loss=false
	// globex    80.00 EUR -   95.10 EUR =   -15.10 EUR loss=true
	// profit 874.65 EUR loss-making 1
}
