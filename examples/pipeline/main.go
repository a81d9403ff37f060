// Command pipeline runs a small sales team's quarter through the library:
// leads come in and are scored, qualified, disqualified and converted
// (one into a customer that already exists), deals move through the
// stages, two are won with their orders, one is lost, one win is refused
// by the customer's credit limit, and a payment comes in. Then it prints
// the forecast, the forecast as it stood mid-quarter, the funnel, the
// win rate, deal size, cycle and velocity, the stale deals and the
// coverage of the quota, as aligned tables.
//
//	go run ./examples/pipeline           # a SQLite file in a temporary folder
//	go run ./examples/pipeline -memory   # everything in memory
//
// The quarter runs on a clock of its own, so the output is the same on
// every run.
package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/internal/demo"
)

func main() { demo.Main(run) }

// clock is the quarter's clock: it moves only when the story says so.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// day moves the clock to 09:00 on the given day of the quarter.
func (c *clock) day(month time.Month, d int) { c.now = time.Date(2026, month, d, 9, 0, 0, 0, time.UTC) }

// team is who sells, by actor ID.
var team = map[string]crm.Actor{
	"ann": {ID: "ann", Name: "Ann Archer"},
	"bob": {ID: "bob", Name: "Bob Brand"},
	"cho": {ID: "cho", Name: "Cho Chen"},
}

func run(ctx context.Context, inMemory bool) error {
	store, closeStore, err := demo.OpenStore(ctx, "crm-pipeline-", inMemory)
	if err != nil {
		return err
	}
	defer closeStore()
	clk := &clock{}
	clk.day(time.April, 1)
	client, err := crm.New(store, crm.WithClock(clk), crm.WithDefaultRegion("GB"),
		crm.WithLeadScoring(crm.DefaultLeadScoring()))
	if err != nil {
		return err
	}
	as := func(id string) context.Context { return crm.WithActor(ctx, team[id]) }

	pipeline, err := client.CreatePipeline(as("ann"), crm.DefaultPipeline())
	if err != nil {
		return err
	}
	// A customer from an earlier quarter, with a credit limit.
	northwind, err := client.CreateCustomer(as("ann"), &crm.Customer{
		Kind: crm.KindOrganization, Name: "Northwind Traders Ltd",
		Emails: []crm.Email{{Address: "buying@northwind.example"}}, CreditLimit: crm.MustMoney("20000", "EUR"),
	})
	if err != nil {
		return err
	}

	demo.Heading("April: leads come in")
	type lead struct {
		owner, name, company, email, source, industry string
		behaviours                                    map[string]int
	}
	incoming := []lead{
		{"ann", "Mia Moreau", "Moreau Logistique SARL", "mia@moreau.example", "referral", "logistics", map[string]int{crm.BehaviourDemoRequest: 1}},
		{"bob", "Lars Olsen", "Fjord Fisheries AS", "lars@fjord.example", "event", "food", nil},
		{"ann", "Priya Rao", "Northwind Traders", "priya@northwind.example", "web", "wholesale", map[string]int{crm.BehaviourPricingPage: 3}},
		{"cho", "Tom Baker", "Baker & Sons", "tom@bakers.example", "web", "retail", nil},
		{"cho", "Eva Novak", "Novak Engineering s.r.o.", "eva@novak.example", "referral", "manufacturing", map[string]int{crm.BehaviourDemoRequest: 1}},
		{"bob", "Sam Jones", "", "sam.jones@mail.example", "web", "", nil},
		{"ann", "Kenji Ito", "Ito Robotics KK", "kenji@ito.example", "event", "manufacturing", map[string]int{crm.BehaviourPricingPage: 1}},
	}
	leads := make([]*crm.Lead, len(incoming))
	for i, l := range incoming {
		clk.now = clk.now.Add(40 * time.Minute)
		leads[i], err = client.CreateLead(as(l.owner), &crm.Lead{Name: l.name, Company: l.company, Email: l.email,
			Source: l.source, Industry: l.industry, OwnerID: l.owner, Behaviours: l.behaviours})
		if err != nil {
			return err
		}
	}
	tw := demo.Table("lead", "company", "source", "owner", "score")
	for _, l := range leads {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", l.Name, demo.OrDash(l.Company), l.Source, l.OwnerID, l.Score)
	}
	tw.Flush()

	// Contact, qualify, convert. Sam has no company and no budget.
	clk.day(time.April, 6)
	for i, l := range leads {
		if l, err = client.SetLeadStatus(as(l.OwnerID), l.ID, l.Version, crm.LeadContacted, ""); err != nil {
			return err
		}
		if incoming[i].company == "" {
			l, err = client.SetLeadStatus(as(l.OwnerID), l.ID, l.Version, crm.LeadDisqualified, "no budget")
		} else {
			l, err = client.SetLeadStatus(as(l.OwnerID), l.ID, l.Version, crm.LeadQualified, "")
		}
		if err != nil {
			return err
		}
		leads[i] = l
	}
	amounts := []string{"18000", "9500", "35000", "4200", "26000", "", "61000"}
	closes := []time.Month{time.May, time.June, time.May, time.April, time.June, 0, time.June}
	deals := map[string]*crm.Opportunity{}
	demo.Heading("Conversions")
	tw = demo.Table("lead", "customer", "", "deal", "amount")
	for i, l := range leads {
		if l.Status != crm.LeadQualified {
			continue
		}
		clk.now = clk.now.Add(time.Hour)
		res, err := client.ConvertLead(as(l.OwnerID), l.ID, l.Version, crm.LeadConversion{Opportunity: &crm.LeadOpportunity{
			PipelineID: pipeline.ID, Amount: crm.MustMoney(amounts[i], "EUR"),
			CloseDate: time.Date(2026, closes[i], 28, 0, 0, 0, 0, time.UTC),
		}})
		if err != nil {
			return err
		}
		how := "new customer"
		if !res.CustomerCreated {
			how = "existing customer, matched by " + string(res.Matches[0].Reasons[0].Rule)
		}
		deals[l.Company] = res.Opportunity
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Name, res.Customer.Name, how, res.Opportunity.Name, res.Opportunity.Amount)
	}
	tw.Flush()
	mid := time.Date(2026, time.May, 15, 0, 0, 0, 0, time.UTC)

	demo.Heading("The quarter's moves")
	move := func(month time.Month, d int, company, to string, opts crm.MoveOptions) error {
		clk.day(month, d)
		o := deals[company]
		next, err := client.MoveOpportunity(as(o.OwnerID), o.ID, o.Version, to, opts)
		var credit *crm.CreditLimitError
		switch {
		case errors.As(err, &credit):
			fmt.Printf("%s  %-24s → %-11s refused: the order of %s and %s owed exceed the credit limit of %s by %s\n",
				clk.now.Format("Jan 02"), company, to, credit.Order, credit.Exposure, credit.Limit, credit.Shortfall)
			return nil
		case err != nil:
			return err
		}
		fmt.Printf("%s  %-24s → %s\n", clk.now.Format("Jan 02"), company, to)
		deals[company] = next
		return nil
	}
	win := crm.MoveOptions{Order: &crm.Order{}} // winning creates the deal's order
	steps := []struct {
		month   time.Month
		day     int
		company string
		to      string
		opts    crm.MoveOptions
	}{
		{time.April, 9, "Baker & Sons", "proposal", crm.MoveOptions{}},
		{time.April, 14, "Moreau Logistique SARL", "proposal", crm.MoveOptions{}},
		{time.April, 20, "Baker & Sons", "won", win},
		{time.April, 22, "Northwind Traders", "proposal", crm.MoveOptions{}},
		{time.April, 27, "Novak Engineering s.r.o.", "proposal", crm.MoveOptions{}},
		{time.May, 4, "Moreau Logistique SARL", "negotiation", crm.MoveOptions{}},
		{time.May, 6, "Fjord Fisheries AS", "proposal", crm.MoveOptions{}},
		{time.May, 11, "Northwind Traders", "negotiation", crm.MoveOptions{}},
		{time.May, 20, "Fjord Fisheries AS", "lost", crm.MoveOptions{LostReason: "competitor"}},
		{time.May, 25, "Moreau Logistique SARL", "follow_up", crm.MoveOptions{}},
		{time.May, 27, "Northwind Traders", "won", win}, // 35,000 against a 20,000 limit
		{time.June, 2, "Moreau Logistique SARL", "won", win},
		{time.June, 3, "Northwind Traders", "", crm.MoveOptions{}}, // re-quoted within the limit
		{time.June, 4, "Northwind Traders", "won", win},
		{time.June, 8, "Novak Engineering s.r.o.", "negotiation", crm.MoveOptions{}},
	}
	for _, s := range steps {
		if s.to == "" {
			clk.day(s.month, s.day)
			o := deals[s.company]
			if deals[s.company], err = client.UpdateOpportunity(as(o.OwnerID), o.ID, o.Version, crm.OpportunityUpdate{
				Amount: crm.Ptr(crm.MustMoney("19500", "EUR"))}); err != nil {
				return err
			}
			fmt.Printf("%s  %-24s   re-quoted at %s\n", clk.now.Format("Jan 02"), s.company, deals[s.company].Amount)
			continue
		}
		if err := move(s.month, s.day, s.company, s.to, s.opts); err != nil {
			return err
		}
	}

	demo.Heading("Orders and payments")
	clk.day(time.June, 15)
	for order, err := range client.Orders(as("ann"), crm.OrderFilter{}) {
		if err != nil {
			return err
		}
		if order.Total.Equal(crm.MustMoney("18000", "EUR")) {
			half := order.Total.Mul(decimal.RequireFromString("0.5"))
			if _, err := client.RecordPayment(as("ann"), &crm.Payment{OrderID: order.ID, Amount: half, Method: "transfer"}); err != nil {
				return err
			}
		}
	}
	tw = demo.Table("customer", "order total", "paid", "owed")
	for order, err := range client.Orders(as("ann"), crm.OrderFilter{}) {
		if err != nil {
			return err
		}
		cust, err := client.GetCustomer(as("ann"), order.CustomerID)
		if err != nil {
			return err
		}
		bal, err := client.OrderBalance(as("ann"), order.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cust.Name, bal.Total, demo.OrDash(bal.Paid.String()), bal.Outstanding)
	}
	tw.Flush()
	owed, err := client.CustomerBalance(as("ann"), northwind.ID)
	if err != nil {
		return err
	}
	fmt.Printf("Northwind Traders owes %s against a credit limit of %s\n", demo.OrDash(joinMoney(owed)), northwind.CreditLimit)

	asOf := time.Date(2026, time.June, 30, 18, 0, 0, 0, time.UTC)
	clk.now = asOf
	opts := crm.ForecastOptions{Conversion: crm.Conversion{Currency: "EUR"}}
	now, err := client.Forecast(as("ann"), crm.OpportunityFilter{}, opts)
	if err != nil {
		return err
	}
	demo.Heading("Forecast by month and category")
	fmt.Println(now.Basis)
	printForecast(now.Rollup(crm.ByPeriod, crm.ByCategory), crm.ByPeriod, crm.ByCategory)
	t := now.Totals()
	fmt.Printf("closed %s · commit %s · best case %s · pipeline %s · weighted %s\n",
		t.Closed, t.Commit, t.BestCase, t.Pipeline, t.Weighted)

	demo.Heading("Forecast by owner")
	printForecast(now.Rollup(crm.ByOwner), crm.ByOwner)

	opts.AsOf = mid
	then, err := client.ForecastAsOf(as("ann"), crm.OpportunityFilter{}, opts)
	if err != nil {
		return err
	}
	demo.Heading("The same forecast as it stood on " + mid.Format("2 January"))
	printForecast(then.Rollup(crm.ByPeriod, crm.ByCategory), crm.ByPeriod, crm.ByCategory)

	funnel, err := client.Funnel(as("ann"), pipeline.ID, crm.FunnelOptions{})
	if err != nil {
		return err
	}
	demo.Heading("Funnel")
	tw = demo.Table("stage", "reached", "entered", "lost here", "open here", "to next")
	for _, s := range funnel.Steps {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", s.Name, s.Reached, s.Entered, s.Lost, s.Open, percent(s.Conversion))
	}
	tw.Flush()
	fmt.Printf("%d deals: %d won, %d lost, %d open; end to end %s\n", funnel.Deals, funnel.Won, funnel.Lost, funnel.Open, percent(funnel.WinRate))

	sales, err := crm.MeasureSales(client.Opportunities(as("ann"), crm.OpportunityFilter{}),
		crm.SalesOptions{Conversion: crm.Conversion{Currency: "EUR", AsOf: asOf}})
	if err != nil {
		return err
	}
	demo.Heading("Sales measures")
	tw = demo.Table("measure", "value")
	fmt.Fprintf(tw, "win rate\t%s (%d won, %d lost)\n", percent(sales.WinRate), sales.Won, sales.Lost)
	fmt.Fprintf(tw, "win rate by amount\t%s\n", percent(sales.AmountWinRate))
	fmt.Fprintf(tw, "average / median deal\t%s / %s\n", sales.AverageDeal, sales.MedianDeal)
	fmt.Fprintf(tw, "sales cycle: mean / median / p90\t%s / %s / %s\n", days(sales.MeanCycle), days(sales.MedianCycle), days(sales.P90Cycle))
	fmt.Fprintf(tw, "open deals\t%d worth %s\n", sales.Open, sales.OpenAmount)
	fmt.Fprintf(tw, "sales velocity\t%s a day\n", sales.Velocity)
	tw.Flush()

	demo.Heading("Stale deals: no move for 21 days, or past the close date")
	tw = demo.Table("deal", "stage", "owner", "idle", "days overdue")
	for d, err := range crm.StaleDeals(client.Opportunities(as("ann"), crm.OpportunityFilter{Statuses: []crm.OpportunityStatus{crm.OpportunityOpen}}),
		crm.StaleRule{MaxIdle: 21 * 24 * time.Hour, PastClose: true}, asOf) {
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", d.Opportunity.Name, d.Opportunity.Stage, d.Opportunity.OwnerID, days(d.Idle), d.DaysOverdue)
	}
	tw.Flush()

	q2 := opts
	q2.AsOf, q2.Period = asOf, crm.PeriodQuarter
	q2.From, q2.To = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	quarter, err := client.Forecast(as("ann"), crm.OpportunityFilter{}, q2)
	if err != nil {
		return err
	}
	cov, err := crm.PipelineCoverage(quarter, crm.MustMoney("150000", "EUR"))
	if err != nil {
		return err
	}
	demo.Heading("Quota coverage, Q2")
	fmt.Printf("quota %s, won %s, remaining %s, open %s: coverage %.2f× (weighted %.2f×)\n",
		cov.Quota, cov.Won, cov.Remaining, cov.Open, cov.Ratio, cov.WeightedRatio)
	return nil
}

// printForecast prints forecast rows with the columns of dims.
func printForecast(rows []crm.ForecastRow, dims ...crm.ForecastDimension) {
	var cols []string
	for _, d := range dims {
		cols = append(cols, map[crm.ForecastDimension]string{crm.ByPeriod: "period", crm.ByOwner: "owner", crm.ByCategory: "category"}[d])
	}
	tw := demo.Table(append(cols, "deals", "amount", "weighted")...)
	for _, r := range rows {
		for _, d := range dims {
			switch d {
			case crm.ByPeriod:
				fmt.Fprintf(tw, "%s\t", r.Period)
			case crm.ByOwner:
				fmt.Fprintf(tw, "%s\t", team[r.OwnerID].Name)
			case crm.ByCategory:
				fmt.Fprintf(tw, "%s\t", r.Category)
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", r.Deals, r.Amount, r.Weighted)
	}
	tw.Flush()
}

func joinMoney(ms []crm.Money) string {
	var parts []string
	for _, m := range ms {
		parts = append(parts, m.String())
	}
	return strings.Join(parts, " + ")
}

func percent(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

func days(d time.Duration) string { return fmt.Sprintf("%.1f d", d.Hours()/24) }
