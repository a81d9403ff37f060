// Command kpi runs eighteen months of a small shop through the library —
// customers buying again month after month or drifting away, leads
// coming in and converting, deals won and lost — and then prints the
// KPIs of the second quarter of 2026 as an aligned table and as JSON,
// and the cohort retention of the customers acquired in 2026, month by
// month.
//
//	go run ./examples/kpi           # a SQLite file in a temporary folder
//	go run ./examples/kpi -memory   # everything in memory
//
// The data come from a seeded generator and the story runs on a clock of
// its own, so the output is the same on every run.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/internal/demo"
)

func main() { demo.Main(run) }

// clock is the story's clock: it moves only when the story says so.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// The story runs from start to end; the KPIs are of the second quarter
// of 2026 and the cohorts those of January to June 2026.
var (
	start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	end   = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
)

// event is something that happens at a time.
type event struct {
	at time.Time
	do func(ctx context.Context) error
}

func run(ctx context.Context, inMemory bool) error {
	store, closeStore, err := demo.OpenStore(ctx, "crm-kpi-", inMemory)
	if err != nil {
		return err
	}
	defer closeStore()
	clk := &clock{now: start}
	n := 0
	client, err := crm.New(store, crm.WithClock(clk),
		crm.WithIDGenerator(crm.IDGeneratorFunc(func() string { n++; return fmt.Sprintf("id-%06d", n) })))
	if err != nil {
		return err
	}
	ctx = crm.WithActor(ctx, crm.Actor{ID: "ann", Name: "Ann Archer"})
	pipeline, err := client.CreatePipeline(ctx, crm.DefaultPipeline())
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(2026, 7))
	var events []event

	// 360 customers, each acquired on a day of the eighteen months, who
	// buy again in each later month with a chance that fades.
	var live []string // the customers so far, in the order they came
	orders := 0
	span := end.Sub(start)
	for i := range 360 {
		first := start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Minute)
		var cust *crm.Customer
		buy := func(ctx context.Context, at time.Time, price crm.Money) error {
			_, err := client.CreateOrder(ctx, &crm.Order{CustomerID: cust.ID, OrderedAt: at,
				Lines: []crm.OrderLine{{SKU: "TEA", Quantity: decimal.NewFromInt(1), UnitPrice: price}}})
			orders++
			return err
		}
		firstPrice := teaPrice(rng)
		events = append(events, event{first, func(ctx context.Context) (err error) {
			if cust, err = client.CreateCustomer(ctx, &crm.Customer{Name: fmt.Sprintf("Customer %03d", i)}, crm.AllowDuplicates()); err != nil {
				return err
			}
			live = append(live, cust.ID)
			return buy(ctx, first, firstPrice)
		}})
		chance := 0.45
		for m := monthStart(first).AddDate(0, 1, 0); m.Before(end); m = m.AddDate(0, 1, 0) {
			if rng.Float64() < chance {
				at, price := m.Add(time.Duration(rng.Int64N(int64(m.AddDate(0, 1, 0).Sub(m))))).Truncate(time.Minute), teaPrice(rng)
				events = append(events, event{at, func(ctx context.Context) error { return buy(ctx, at, price) }})
			}
			chance *= 0.85
		}
	}

	// 240 leads from October 2025 on: a third converted within six
	// weeks, some disqualified, the rest still open.
	leadsFrom := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	for i := range 240 {
		created := leadsFrom.Add(time.Duration(rng.Int64N(int64(end.Sub(leadsFrom))))).Truncate(time.Minute)
		fate, after := rng.IntN(100), time.Duration(3+rng.IntN(40))*24*time.Hour
		var lead *crm.Lead
		events = append(events, event{created, func(ctx context.Context) (err error) {
			lead, err = client.CreateLead(ctx, &crm.Lead{Name: fmt.Sprintf("Lead %03d", i), Source: "web",
				Email: fmt.Sprintf("lead%03d@example.com", i)})
			return err
		}})
		switch {
		case fate < 35:
			events = append(events, event{created.Add(after), func(ctx context.Context) error {
				_, err := client.ConvertLead(ctx, lead.ID, lead.Version, crm.LeadConversion{NewCustomer: true})
				return err
			}})
		case fate < 50:
			events = append(events, event{created.Add(after), func(ctx context.Context) error {
				_, err := client.SetLeadStatus(ctx, lead.ID, lead.Version, crm.LeadDisqualified, "no budget")
				return err
			}})
		}
	}

	// 90 deals from December 2025 on, for customers already there:
	// most are won or lost within three months.
	dealsFrom := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 90 {
		created := dealsFrom.Add(time.Duration(rng.Int64N(int64(end.Sub(dealsFrom))))).Truncate(time.Minute)
		pick := rng.Float64()
		amount := crm.Money{Amount: decimal.NewFromInt(int64(1000 + 100*rng.IntN(190))), Currency: "EUR"}
		fate, cycle := rng.IntN(100), time.Duration(10+rng.IntN(80))*24*time.Hour
		var deal *crm.Opportunity
		events = append(events, event{created, func(ctx context.Context) (err error) {
			deal, err = client.CreateOpportunity(ctx, &crm.Opportunity{Name: fmt.Sprintf("Deal %02d", i),
				CustomerID: live[int(pick*float64(len(live)))], PipelineID: pipeline.ID, Amount: amount, CloseDate: created.Add(cycle)})
			return err
		}})
		move := func(to string, opts crm.MoveOptions) event {
			return event{created.Add(cycle), func(ctx context.Context) (err error) {
				if deal, err = client.MoveOpportunity(ctx, deal.ID, deal.Version, "proposal", crm.MoveOptions{}); err != nil {
					return err
				}
				deal, err = client.MoveOpportunity(ctx, deal.ID, deal.Version, to, opts)
				return err
			}}
		}
		switch {
		case fate < 55:
			events = append(events, move("won", crm.MoveOptions{}))
		case fate < 85:
			events = append(events, move("lost", crm.MoveOptions{LostReason: "price"}))
		}
	}

	slices.SortStableFunc(events, func(a, b event) int { return a.at.Compare(b.at) })
	for _, e := range events {
		if !e.at.Before(end) {
			continue // converted or closed after the story ends
		}
		clk.now = e.at
		if err := e.do(ctx); err != nil {
			return err
		}
	}
	clk.now = end
	fmt.Printf("%d customers, %d orders, 240 leads and 90 deals from %s to %s\n\n",
		len(live), orders, start.Format(time.DateOnly), end.Format(time.DateOnly))

	q2 := crm.PeriodOf(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), crm.PeriodQuarter)
	report, err := client.KPIs(ctx, q2, crm.KPIOptions{Conversion: crm.Conversion{Currency: "EUR"}})
	if err != nil {
		return err
	}
	if err := report.WriteText(os.Stdout); err != nil {
		return err
	}
	fmt.Println()
	js, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return err
	}
	fmt.Printf("%s\n\n", js)

	cohorts, err := client.Cohorts(ctx, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), end)
	if err != nil {
		return err
	}
	fmt.Println("Cohort retention: customers acquired each month of 2026, and the share buying k months later")
	return cohorts.WriteText(os.Stdout)
}

// monthStart returns the first instant of t's month.
func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// teaPrice draws the price of an order: 10.00 to 199.99 EUR.
func teaPrice(rng *rand.Rand) crm.Money {
	return crm.Money{Amount: decimal.New(int64(1000+rng.IntN(19000)), -2), Currency: "EUR"}
}
