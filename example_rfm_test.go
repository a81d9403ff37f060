package crm_test

import (
	"fmt"
	"time"

	"github.com/crmkit/crm"
)

func ExampleScoreRFM() {
	asOf := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	daysAgo := func(d int) time.Time { return asOf.AddDate(0, 0, -d) }
	summaries := []crm.PurchaseSummary{
		{CustomerID: "ada", Orders: 14, Last: daysAgo(2), Total: crm.MustMoney("2150.00", "EUR")},
		{CustomerID: "bea", Orders: 1, Last: daysAgo(5), Total: crm.MustMoney("35.50", "EUR")},
		{CustomerID: "cy", Orders: 6, Last: daysAgo(40), Total: crm.MustMoney("610.00", "EUR")},
		{CustomerID: "dee", Orders: 9, Last: daysAgo(300), Total: crm.MustMoney("980.00", "EUR")},
		{CustomerID: "eve", Orders: 2, Last: daysAgo(410), Total: crm.MustMoney("60.00", "EUR")},
	}
	scores, err := crm.ScoreRFM(summaries, crm.RFMOptions{AsOf: asOf})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range scores {
		fmt.Printf("%-4s R%d F%d M%d  %3d days %2d orders %12s  %s\n", s.CustomerID, s.R, s.F, s.M, s.Recency, s.Frequency, s.Monetary, s.Segment)
	}
	// Output:
	// ada  R5 F5 M5    2 days 14 orders  2150.00 EUR  Champions
	// bea  R4 F1 M1    5 days  1 orders    35.50 EUR  Promising
	// cy   R3 F3 M3   40 days  6 orders   610.00 EUR  Need Attention
	// dee  R2 F4 M4  300 days  9 orders   980.00 EUR  At Risk
	// eve  R1 F2 M2  410 days  2 orders    60.00 EUR  Hibernating
}

func ExampleQuintile() {
	for k := 1; k <= 7; k++ {
		fmt.Print(crm.Quintile(k, 7), " ")
	}
	fmt.Println()
	// Output: 1 1 2 3 4 5 5
}
