package crm_test

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

func ExampleForecast() {
	p := crm.DefaultPipeline()
	p.ID = "sales"
	june := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	deals := []*crm.Opportunity{
		{ID: "d1", PipelineID: "sales", OwnerID: "ann", Stage: "proposal", Status: crm.OpportunityOpen, Probability: 30, Amount: crm.MustMoney("10000", "EUR"), CloseDate: june},
		{ID: "d2", PipelineID: "sales", OwnerID: "ann", Stage: "follow_up", Status: crm.OpportunityOpen, Probability: 80, Amount: crm.MustMoney("5425", "USD"), CloseDate: june},
		{ID: "d3", PipelineID: "sales", OwnerID: "bob", Stage: "won", Status: crm.OpportunityWon, Probability: 100, Amount: crm.MustMoney("2500", "EUR"), CloseDate: june.AddDate(0, -1, 0)},
		{ID: "d4", PipelineID: "sales", OwnerID: "bob", Stage: "lost", Status: crm.OpportunityLost, Amount: crm.MustMoney("9000", "EUR"), CloseDate: june},
	}
	rates := crm.NewRateBook()
	if err := rates.Set("EUR", "USD", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), decimal.RequireFromString("1.085")); err != nil {
		fmt.Println(err)
		return
	}
	opts := crm.ForecastOptions{
		Conversion: crm.Conversion{Currency: "EUR", Rates: rates, AsOf: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)},
		Period:     crm.PeriodQuarter,
	}
	all := func(yield func(*crm.Opportunity, error) bool) {
		for _, d := range deals {
			if !yield(d, nil) {
				return
			}
		}
	}
	r, err := crm.Forecast(all, []*crm.Pipeline{p}, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, row := range r.Rollup(crm.ByPeriod, crm.ByCategory) {
		fmt.Println(row.Period, row.Category, row.Deals, row.Amount, row.Weighted)
	}
	t := r.Totals()
	fmt.Println("commit:", t.Commit, "pipeline:", t.Pipeline, "weighted:", t.Weighted, "excluded:", r.Excluded)
	// Output:
	// 2026-Q2 closed_won 1 2500.00 EUR 2500.00 EUR
	// 2026-Q2 commit 1 5000.00 EUR 4000.00 EUR
	// 2026-Q2 pipeline 1 10000.00 EUR 3000.00 EUR
	// commit: 7500.00 EUR pipeline: 17500.00 EUR weighted: 9500.00 EUR excluded: 1
}

func ExampleClient_Funnel() {
	client := exampleClient()
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann"})
	p, _ := client.CreatePipeline(ctx, crm.DefaultPipeline())
	acme, _ := client.CreateCustomer(ctx, &crm.Customer{Name: "Acme Ltd"})
	for _, path := range [][]string{{"proposal", "negotiation", "won"}, {"proposal", "lost"}, {}} {
		deal, err := client.CreateOpportunity(ctx, &crm.Opportunity{Name: "deal", CustomerID: acme.ID, PipelineID: p.ID,
			Amount: crm.MustMoney("1000", "EUR"), CloseDate: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)})
		for _, to := range path {
			if err != nil {
				break
			}
			deal, err = client.MoveOpportunity(ctx, deal.ID, deal.Version, to, crm.MoveOptions{LostReason: "price"})
		}
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	f, err := client.Funnel(ctx, p.ID, crm.FunnelOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range f.Steps {
		fmt.Printf("%-20s reached %d, lost %d, %3.0f%% on\n", s.Name, s.Reached, s.Lost, s.Conversion*100)
	}
	fmt.Printf("won %d of %d\n", f.Won, f.Deals)
	// Output:
	// Customer collection  reached 3, lost 0,  67% on
	// Proposal design      reached 2, lost 1,  50% on
	// Business negotiation reached 1, lost 0, 100% on
	// Follow-up            reached 1, lost 0, 100% on
	// Won                  reached 1, lost 0,   0% on
	// won 1 of 3
}
