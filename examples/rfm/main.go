// Command rfm reads an orders CSV into a store, scores every customer
// with RFM (recency, frequency, monetary quintiles) and prints the named
// segments, the ABC value tiers with the 80/20 check, and the customers
// that cost more to serve than they bring in, as aligned tables.
//
//	go run ./examples/rfm                          # generated orders, SQLite file in a temporary folder
//	go run ./examples/rfm -memory                  # everything in memory
//	go run ./examples/rfm -orders orders.csv -asof 2026-06-30
//
// The CSV has the header order_id,customer_id,ordered_at,amount (the
// form bench/gen writes): RFC 3339 times, amounts in EUR with a decimal
// point. Without -orders the program writes a small one itself from a
// fixed seed, so the output is the same on every run.
package main

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
	"github.com/crmkit/crm/storage/sqlite"
)

func main() {
	ordersPath := flag.String("orders", "", "orders CSV (order_id,customer_id,ordered_at,amount); empty: generate one")
	asOfFlag := flag.String("asof", "2026-06-30", "as-of date, UTC (YYYY-MM-DD)")
	inMemory := flag.Bool("memory", false, "keep everything in memory instead of a SQLite file")
	flag.Parse()
	asOf, err := time.Parse(time.DateOnly, *asOfFlag)
	if err != nil {
		log.Fatalf("-asof: %v", err)
	}
	if err := run(context.Background(), os.Stdout, *ordersPath, asOf, *inMemory); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer, ordersPath string, asOf time.Time, inMemory bool) error {
	dir, err := os.MkdirTemp("", "crm-rfm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if ordersPath == "" {
		ordersPath = filepath.Join(dir, "orders.csv")
		if err := writeOrders(ordersPath, asOf); err != nil {
			return err
		}
	}
	var store crm.Store = memory.New()
	if !inMemory {
		if store, err = sqlite.Open(ctx, filepath.Join(dir, "crm.db")); err != nil {
			return err
		}
	}
	defer store.Close()
	client, err := crm.New(store)
	if err != nil {
		return err
	}
	ctx = crm.WithActor(ctx, crm.Actor{ID: "rfm-example", Name: "RFM example"})
	names, err := load(ctx, client, ordersPath)
	if err != nil {
		return err
	}

	// Purchase summaries are computed by the store; RFM and the tiers are
	// pure functions over them.
	var sums []crm.PurchaseSummary
	for s, err := range client.PurchaseSummaries(ctx, crm.PurchaseSummaryFilter{AsOf: asOf, Currency: "EUR"}) {
		if err != nil {
			return err
		}
		sums = append(sums, s)
	}
	scores, err := crm.ScoreRFM(sums, crm.RFMOptions{AsOf: asOf})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d orders of %d customers, as of %s\n\n", countOrders(sums), len(sums), asOf.Format(time.DateOnly))
	printSegments(w, scores)
	tiers, err := crm.ValueTiers(sums, crm.TierOptions{})
	if err != nil {
		return err
	}
	printTiers(w, tiers)
	// A cost to serve: 4.50 EUR per order handled and 25 EUR a year of
	// account upkeep per customer.
	cost := func(id string) crm.Money {
		i, _ := slices.BinarySearchFunc(sums, id, func(s crm.PurchaseSummary, id string) int { return cmp.Compare(s.CustomerID, id) })
		return crm.Money{Amount: decimal.RequireFromString("4.50").Mul(decimal.NewFromInt(int64(sums[i].Orders))).Add(decimal.NewFromInt(25)), Currency: "EUR"}
	}
	profit, err := crm.Profitability(sums, cost)
	if err != nil {
		return err
	}
	printLosses(w, profit, names)
	return nil
}

// load creates a customer for each customer_id of the CSV and an order for
// each row, and returns the customers' names by store ID.
func load(ctx context.Context, client *crm.Client, path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !slices.Equal(head, []string{"order_id", "customer_id", "ordered_at", "amount"}) {
		return nil, fmt.Errorf("%s: header %v, want order_id,customer_id,ordered_at,amount", path, head)
	}
	ids := map[string]string{} // CSV customer_id → store ID
	names := map[string]string{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return names, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		at, err := time.Parse(time.RFC3339, rec[2])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: ordered_at: %w", path, line, err)
		}
		price, err := crm.NewMoney(rec[3], "EUR")
		if err != nil {
			return nil, fmt.Errorf("%s:%d: amount: %w", path, line, err)
		}
		id, ok := ids[rec[1]]
		if !ok {
			c, err := client.CreateCustomer(ctx, &crm.Customer{Kind: crm.KindOrganization, Name: "Customer " + rec[1]}, crm.AllowDuplicates())
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, line, err)
			}
			id, ids[rec[1]], names[c.ID] = c.ID, c.ID, c.Name
		}
		_, err = client.CreateOrder(ctx, &crm.Order{Number: rec[0], CustomerID: id, OrderedAt: at,
			Lines: []crm.OrderLine{{SKU: "ITEM", Quantity: decimal.NewFromInt(1), UnitPrice: price}}})
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
	}
}

func countOrders(sums []crm.PurchaseSummary) int {
	n := 0
	for _, s := range sums {
		n += s.Orders
	}
	return n
}

func printSegments(w io.Writer, scores []crm.RFMScore) {
	type agg struct {
		customers, orders int
		revenue           decimal.Decimal
		recency           int
	}
	by := map[string]*agg{}
	for _, s := range scores {
		a := by[s.Segment]
		if a == nil {
			a = &agg{}
			by[s.Segment] = a
		}
		a.customers++
		a.orders += s.Frequency
		a.revenue = a.revenue.Add(s.Monetary.Amount)
		a.recency += s.Recency
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "segment\tcustomers\tshare\torders\trevenue EUR\tmean recency (days)\t")
	for _, seg := range crm.DefaultRFMSegments() {
		a := by[seg.Name]
		if a == nil {
			a = &agg{}
		}
		share, recency := "0.0%", "-"
		if len(scores) > 0 {
			share = decimal.NewFromInt(int64(100*a.customers)).DivRound(decimal.NewFromInt(int64(len(scores))), 1).StringFixed(1) + "%"
		}
		if a.customers > 0 {
			recency = fmt.Sprint(a.recency / a.customers)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t\n", seg.Name, a.customers, share, a.orders, a.revenue.StringFixed(2), recency)
	}
	tw.Flush()
	fmt.Fprintln(w)
}

func printTiers(w io.Writer, rep crm.ValueReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tier\tcustomers\trevenue EUR\tshare of revenue\t")
	for _, t := range []struct {
		name string
		t    crm.TierTotal
	}{{"A", rep.A}, {"B", rep.B}, {"C", rep.C}} {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s%%\t\n", t.name, t.t.Customers, t.t.Revenue.Amount.StringFixed(2), t.t.Share.Shift(2).StringFixed(2))
	}
	tw.Flush()
	fmt.Fprintf(w, "80/20 check: the top %d customers (20%%) make %s%% of %s\n\n", rep.TopCustomers, rep.TopShare.Shift(2).StringFixed(2), rep.Revenue)
}

func printLosses(w io.Writer, rep crm.ProfitReport, names map[string]string) {
	fmt.Fprintf(w, "profit after cost to serve: %s (revenue %s, cost %s); %d customers make a loss, %s in all\n",
		rep.Profit, rep.Revenue, rep.Cost, rep.LossMaking, rep.Losses)
	losers := slices.DeleteFunc(slices.Clone(rep.Customers), func(c crm.CustomerProfit) bool { return !c.Loss })
	slices.SortStableFunc(losers, func(a, b crm.CustomerProfit) int { return a.Profit.Amount.Cmp(b.Profit.Amount) })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "biggest losses\trevenue EUR\tcost EUR\tprofit EUR\t")
	for _, c := range losers[:min(5, len(losers))] {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", names[c.CustomerID], c.Revenue.Amount.StringFixed(2), c.Cost.Amount.StringFixed(2), c.Profit.Amount.StringFixed(2))
	}
	tw.Flush()
}

// writeOrders writes a small orders CSV from a fixed seed: 200 customers
// of very different habits over the two years before asOf.
func writeOrders(path string, asOf time.Time) error {
	rng := rand.New(rand.NewPCG(7, 11))
	type order struct {
		at       time.Time
		customer int
		cents    int64
	}
	var orders []order
	start := asOf.AddDate(-2, 0, 0)
	span := asOf.Sub(start)
	for c := 1; c <= 200; c++ {
		n := min(int(1/(0.02+rng.Float64()*0.98)), 40) // a few buy often, most rarely
		level := 0.5 + rng.ExpFloat64()
		first := start.Add(time.Duration(rng.Float64() * float64(span)))
		for range n {
			at := first.Add(time.Duration(rng.Float64() * float64(asOf.Sub(first)))).Truncate(time.Second)
			orders = append(orders, order{at, c, int64((10 + rng.ExpFloat64()*40) * level * 100)})
		}
	}
	slices.SortFunc(orders, func(a, b order) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.customer, b.customer)) })
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(f)
	cw.Write([]string{"order_id", "customer_id", "ordered_at", "amount"})
	for i, o := range orders {
		cw.Write([]string{fmt.Sprint(i + 1), fmt.Sprint(o.customer), o.at.UTC().Format(time.RFC3339), decimal.New(o.cents, -2).StringFixed(2)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
