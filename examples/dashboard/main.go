// Command dashboard serves the library's HTML dashboard over a demo data
// set: a year of a small business — customers acquired month by month
// and buying again less and less often, deals moving through the
// pipeline, NPS answers, complaints, and three account managers' calls
// and tasks — drawn as the sales funnel, the forecast, the NPS trend,
// cohort retention, the RFM grid, value tiers and the scorecards.
//
//	go run ./examples/dashboard                        # http://127.0.0.1:8080/, on a SQLite file
//	go run ./examples/dashboard -memory -addr :9000    # in memory, another port
//	go run ./examples/dashboard -out dashboard.html    # write March 2026 to a file and stop
//
// The data is generated from a fixed seed, so every run shows the same.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/internal/demo"
	"github.com/crmkit/crm/report"
)

var (
	addr   = flag.String("addr", "127.0.0.1:8080", "address to serve the dashboard on")
	out    = flag.String("out", "", "write the dashboard of -period to this file and stop, instead of serving")
	period = flag.String("period", "2026-03", "the period the file shows (with -out), as 2026-03, 2026-Q1 or 2026")
	lang   = flag.String("lang", "en", "the language of the file (with -out): en, de or fr")
)

// end is the demo's present: the end of March 2026.
var end = time.Date(2026, 3, 31, 18, 0, 0, 0, time.UTC)

func main() { demo.Main(run) }

func run(ctx context.Context, inMemory bool) error {
	store, closeStore, err := demo.OpenStore(ctx, "crm-dashboard-", inMemory)
	if err != nil {
		return err
	}
	defer closeStore()
	client, err := Seed(ctx, store)
	if err != nil {
		return err
	}
	opts := LoadOptions()
	if *out != "" {
		p, err := report.ParsePeriod(*period)
		if err != nil {
			return err
		}
		d, err := report.Load(ctx, client, p, opts)
		if err != nil {
			return err
		}
		if err := report.WriteFile(*out, d, report.Options{Locale: report.LocaleFor(*lang)}); err != nil {
			return err
		}
		fmt.Println("wrote", *out)
		return nil
	}
	opts.ErrorLog = func(r *http.Request, err error) { log.Printf("%s: %v", r.URL, err) }
	http.Handle("/", report.Handler(client, opts))
	log.Printf("serving the dashboard on http://%s/ (try ?period=2026-Q1 or ?lang=de)", *addr)
	return http.ListenAndServe(*addr, nil)
}

// LoadOptions are the dashboard's: euros, the months up to the demo's
// present.
func LoadOptions() report.LoadOptions {
	return report.LoadOptions{Title: "Northwind Supplies", Currency: "EUR", Now: func() time.Time { return end }}
}

// Seed fills store with the demo year and returns a Client over it whose
// clock stands at the demo's present.
func Seed(ctx context.Context, store crm.Store) (*crm.Client, error) {
	clk := &demo.Clock{At: time.Date(2025, 4, 1, 8, 0, 0, 0, time.UTC)}
	cal, err := crm.NewBusinessCalendar(time.UTC, crm.MondayToFriday(crm.WorkingHours{From: 9 * time.Hour, To: 17 * time.Hour}))
	if err != nil {
		return nil, err
	}
	client, err := crm.New(store, crm.WithClock(clk), crm.WithDefaultRegion("GB"),
		crm.WithCaseSLA(map[crm.CasePriority]crm.CaseSLA{crm.PriorityNormal: {Resolution: crm.SLAPolicy{Calendar: cal, Target: 16 * time.Hour}}}))
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(2026, 3))
	owners := []string{"ann", "bob", "cho"}
	as := func(id string) context.Context { return crm.WithActor(ctx, crm.Actor{ID: id}) }
	pipeline, err := client.CreatePipeline(as("ann"), crm.DefaultPipeline())
	if err != nil {
		return nil, err
	}
	nps, err := client.CreateSurvey(as("ann"), &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Relationship NPS", Question: "How likely are you to recommend us?"})
	if err != nil {
		return nil, err
	}

	type account struct {
		cust  *crm.Customer
		loyal float64 // the chance of an order in a month after the first
		spend float64 // typical order, in euros
	}
	var book []*account
	var deals []*crm.Opportunity
	stages := []string{"collection", "proposal", "negotiation", "follow_up"}
	for m := range 12 {
		month := time.Date(2025, time.April+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		days := month.AddDate(0, 1, -1).Day()
		at := func(day int, hour int) time.Time {
			return time.Date(month.Year(), month.Month(), min(day, days), hour, rng.IntN(60), 0, 0, time.UTC)
		}
		// New customers, each with a first order.
		for i := range 18 + rng.IntN(10) {
			clk.At = at(1+rng.IntN(days), 9+rng.IntN(8))
			owner := owners[rng.IntN(len(owners))]
			cust, err := client.CreateCustomer(as(owner), &crm.Customer{Kind: crm.KindOrganization,
				Name: fmt.Sprintf("Customer %02d-%02d", m+1, i+1), OwnerID: owner}, crm.AllowDuplicates())
			if err != nil {
				return nil, err
			}
			a := &account{cust: cust, loyal: 0.15 + 0.6*rng.Float64()*rng.Float64(), spend: 50 + 900*rng.ExpFloat64()/3}
			book = append(book, a)
			if err := order(ctx, client, as(owner), a.cust.ID, a.spend*(0.5+rng.Float64()), clk.At); err != nil {
				return nil, err
			}
		}
		// Repeat orders from earlier customers.
		for _, a := range book {
			if a.cust.CreatedAt.Before(month) && rng.Float64() < a.loyal {
				clk.At = at(1+rng.IntN(days), 10)
				if err := order(ctx, client, as(a.cust.OwnerID), a.cust.ID, a.spend*(0.5+rng.Float64()), clk.At); err != nil {
					return nil, err
				}
			}
		}
		// Deals: a few new ones, and the open ones move on or close.
		for range 4 + rng.IntN(4) {
			a := book[rng.IntN(len(book))]
			clk.At = at(1+rng.IntN(days), 11)
			d, err := client.CreateOpportunity(as(a.cust.OwnerID), &crm.Opportunity{Name: "Supply contract", CustomerID: a.cust.ID,
				PipelineID: pipeline.ID, Amount: euros(2000 + 500*float64(rng.IntN(40))), CloseDate: month.AddDate(0, 1+rng.IntN(4), 14)})
			if err != nil {
				return nil, err
			}
			deals = append(deals, d)
		}
		for i, d := range deals {
			if d.Status != crm.OpportunityOpen || !d.CreatedAt.Before(month) {
				continue
			}
			clk.At = at(2+rng.IntN(days-1), 15)
			next := ""
			switch r := rng.Float64(); {
			case r < 0.15:
				next = "lost"
			case r < 0.55:
				k := 0
				for k < len(stages) && stages[k] != d.Stage {
					k++
				}
				if k+1 < len(stages) {
					next = stages[k+1]
				} else {
					next = "won"
				}
			}
			if next == "" {
				continue
			}
			opts := crm.MoveOptions{}
			switch next {
			case "lost":
				opts.LostReason = []string{"price", "competitor", "timing"}[rng.IntN(3)]
			case "won":
				opts.Order = &crm.Order{}
			}
			if deals[i], err = client.MoveOpportunity(as(d.OwnerID), d.ID, d.Version, next, opts); err != nil {
				return nil, err
			}
		}
		// NPS answers, kinder as the year goes on.
		for range 25 + rng.IntN(15) {
			a := book[rng.IntN(len(book))]
			clk.At = at(1+rng.IntN(days), 12)
			score := min(10, max(0, int(math.Round(7+float64(m)*0.12+rng.NormFloat64()*2.2))))
			if _, err := client.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: a.cust.ID, Score: score,
				Wave: month.Format("2006-01")}); err != nil && !isDuplicate(err) {
				return nil, err
			}
		}
	}
	// March: leads converted, and the account managers' calls, tasks and
	// complaints.
	for i := range 9 {
		owner := owners[i%len(owners)]
		clk.At = time.Date(2026, 3, 2+2*i, 10, 0, 0, 0, time.UTC)
		l, err := client.CreateLead(as(owner), &crm.Lead{Name: fmt.Sprintf("Lead %d", i+1), Company: fmt.Sprintf("Prospect %d Ltd", i+1), OwnerID: owner})
		if err != nil {
			return nil, err
		}
		if i%3 != 2 {
			clk.At = clk.At.Add(26 * time.Hour)
			if _, err := client.ConvertLead(as(owner), l.ID, l.Version, crm.LeadConversion{}); err != nil {
				return nil, err
			}
		}
	}
	march := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for day := range 30 {
		date := march.AddDate(0, 0, day)
		if date.Weekday() == time.Saturday || date.Weekday() == time.Sunday || date.Month() != time.March {
			continue
		}
		for k, owner := range owners {
			for range 2 + rng.IntN(3) + k {
				a := book[rng.IntN(len(book))]
				clk.At = date.Add(time.Duration(rng.IntN(8*60)) * time.Minute)
				if _, err := client.LogInteraction(as(owner), &crm.Interaction{CustomerID: a.cust.ID,
					Channel: []crm.InteractionChannel{crm.InteractionCall, crm.InteractionEmail, crm.InteractionMeeting}[rng.IntN(3)], Outcome: "reached"}); err != nil {
					return nil, err
				}
			}
			clk.At = date.Add(-time.Hour)
			a := book[rng.IntN(len(book))]
			t, err := client.CreateTask(as(owner), &crm.Task{CustomerID: a.cust.ID, Title: "Follow up", OwnerID: owner, Due: date.Add(6 * time.Hour)})
			if err != nil {
				return nil, err
			}
			if rng.Float64() < 0.6+0.15*float64(k) {
				clk.At = date.Add(time.Duration(3+rng.IntN(6)) * time.Hour)
				if _, err := client.CompleteTask(as(owner), t.ID, t.Version); err != nil {
					return nil, err
				}
			}
		}
		if day%4 == 0 {
			a := book[rng.IntN(len(book))]
			clk.At = date.Add(time.Hour)
			cs, err := client.CreateCase(as("ann"), &crm.Case{CustomerID: a.cust.ID, Kind: crm.CaseComplaint, Subject: "Late delivery"})
			if err != nil {
				return nil, err
			}
			clk.At = clk.At.Add(time.Duration(2+rng.IntN(30)) * time.Hour)
			if _, err := client.SetCaseStatus(as(cs.OwnerID), cs.ID, cs.Version, crm.CaseResolved); err != nil {
				return nil, err
			}
		}
	}
	clk.At = end
	return client, nil
}

// order places an order of about amount euros for customerID at at.
func order(ctx context.Context, client *crm.Client, as context.Context, customerID string, amount float64, at time.Time) error {
	_, err := client.CreateOrder(as, &crm.Order{CustomerID: customerID, OrderedAt: at, Lines: []crm.OrderLine{{
		SKU: "SUPPLIES", Quantity: decimal.NewFromInt(1), UnitPrice: euros(amount),
	}}})
	return err
}

// euros returns amount in euros, to the cent: the demo draws amounts
// as floats, and money is made exact here, once.
func euros(amount float64) crm.Money {
	return crm.Money{Amount: decimal.New(int64(math.Round(amount*100)), -2), Currency: "EUR"}
}

func isDuplicate(err error) bool { return errors.Is(err, crm.ErrDuplicate) }
