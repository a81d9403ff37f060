// Command kpi runs eighteen months of a small shop through the library —
// customers buying again month after month or drifting away, leads
// coming in and converting, deals won and lost, service cases against
// business-hours targets, NPS answers — and then prints the
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
	// Cases are answered within 4 and resolved within 16 business hours
	// (high priority) or 8 and 40 (normal), Monday to Friday 9–17 in
	// Berlin.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return err
	}
	office, err := crm.NewBusinessCalendar(berlin, crm.MondayToFriday(crm.WorkingHours{From: 9 * time.Hour, To: 17 * time.Hour}))
	if err != nil {
		return err
	}
	sla := func(first, resolve time.Duration) crm.CaseSLA {
		return crm.CaseSLA{FirstResponse: crm.SLAPolicy{Calendar: office, Target: first},
			Resolution: crm.SLAPolicy{Calendar: office, Target: resolve}}
	}
	client, err := crm.New(store, crm.WithClock(clk),
		crm.WithIDGenerator(crm.IDGeneratorFunc(func() string { n++; return fmt.Sprintf("id-%06d", n) })),
		crm.WithCaseSLA(map[crm.CasePriority]crm.CaseSLA{
			crm.PriorityHigh:   sla(4*time.Hour, 16*time.Hour),
			crm.PriorityNormal: sla(8*time.Hour, 40*time.Hour),
		}))
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
	nps, err := client.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "How likely are you to recommend us?", Period: crm.PeriodQuarter})
	if err != nil {
		return err
	}
	cases, responses := 0, 0

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
		events = append(events, afterFirst(rng, client, nps, first, func() *crm.Customer { return cust }, &cases, &responses)...)
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
	fmt.Printf("%d customers, %d orders, 240 leads, 90 deals, %d cases and %d NPS answers from %s to %s\n\n",
		len(live), orders, cases, responses, start.Format(time.DateOnly), end.Format(time.DateOnly))

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

// afterFirst returns the service story of a customer whose first
// purchase is at first: with a chance of one in three a case some weeks
// later, answered after a few hours and mostly resolved within days; with
// a chance of two in five an NPS answer a month or so after the first
// purchase. cust returns the customer once the story has created it.
func afterFirst(rng *rand.Rand, client *crm.Client, nps *crm.Survey, first time.Time, cust func() *crm.Customer, cases, responses *int) []event {
	var events []event
	if rng.IntN(3) == 0 {
		opened := first.Add(time.Duration(5+rng.IntN(55)) * 24 * time.Hour).Truncate(time.Minute)
		kind := []crm.CaseKind{crm.CaseComplaint, crm.CaseRequest, crm.CaseInquiry}[rng.IntN(3)]
		priority := []crm.CasePriority{crm.PriorityNormal, crm.PriorityNormal, crm.PriorityHigh}[rng.IntN(3)]
		answered := opened.Add(time.Duration(1+rng.IntN(12)) * time.Hour)
		resolved := answered.Add(time.Duration(12+rng.IntN(120)) * time.Hour)
		resolves := rng.IntN(10) < 7
		var cs *crm.Case
		events = append(events,
			event{opened, func(ctx context.Context) (err error) {
				*cases++
				cs, err = client.CreateCase(ctx, &crm.Case{CustomerID: cust().ID, Kind: kind, Priority: priority, Subject: "Order question", Channel: "email"})
				return err
			}},
			event{answered, func(ctx context.Context) (err error) {
				cs, err = client.RespondToCase(ctx, cs.ID, cs.Version)
				return err
			}})
		if resolves {
			events = append(events, event{resolved, func(ctx context.Context) (err error) {
				cs, err = client.SetCaseStatus(ctx, cs.ID, cs.Version, crm.CaseResolved)
				return err
			}})
		}
	}
	if rng.IntN(5) < 2 {
		at := first.Add(time.Duration(20+rng.IntN(40)) * 24 * time.Hour).Truncate(time.Minute)
		score := []int{0, 2, 4, 5, 6, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 10}[rng.IntN(16)]
		events = append(events, event{at, func(ctx context.Context) error {
			*responses++
			_, err := client.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: cust().ID, Score: score, Channel: "email"})
			return err
		}})
	}
	return events
}

// monthStart returns the first instant of t's month.
func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// teaPrice draws the price of an order: 10.00 to 199.99 EUR.
func teaPrice(rng *rand.Rand) crm.Money {
	return crm.Money{Amount: decimal.New(int64(1000+rng.IntN(19000)), -2), Currency: "EUR"}
}
