// Command kpibench times the crm KPI report (Client.KPIs) and the cohort
// matrix (Client.Cohorts) over 100,000 customers and 1,000,000 orders,
// with leads and deals, on SQLite and, given -pg, PostgreSQL, next to the
// hand-written SQL a program without the library would run for the same
// numbers, in the same run on the same database. Every path's numbers
// are checked equal to the raw SQL's.
//
//	go run ./cmd/kpibench                          # from bench/
//	go run ./cmd/kpibench -reps 5 -pg "$CRM_POSTGRES_DSN"
//
// Times are medians of -reps runs, from the loaded store to the report.
// Peak heap is the most the live heap grew during one run, sampled every
// millisecond; loading is reported apart and not compared.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/postgres"
	"github.com/crmkit/crm/storage/sqlite"

	"github.com/crmkit/crm/bench/internal/rows"
	"github.com/crmkit/crm/bench/internal/sqlload"
)

// The data span two years; the report is of their last quarter and the
// cohorts are those of every month.
var (
	dataFrom = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	dataTo   = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	quarter  = crm.PeriodOf(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), crm.PeriodQuarter)
)

// result is one path's figures.
type result struct {
	store, path string
	seconds     float64
	peak        uint64 // bytes
	equal       bool
}

func main() {
	nCust := flag.Int("customers", 100_000, "customers")
	nOrd := flag.Int("orders", 1_000_000, "orders")
	nLeads := flag.Int("leads", 20_000, "leads")
	nDeals := flag.Int("deals", 5_000, "deals")
	reps := flag.Int("reps", 3, "runs of each path; the median is reported")
	pg := flag.String("pg", "", "PostgreSQL URL (empty: SQLite only)")
	rowsFile := flag.String("rows", "", "append each path's figures to this file as JSON lines (see internal/rows)")
	flag.Parse()
	ctx := context.Background()
	d := generate(*nCust, *nOrd, *nLeads, *nDeals, 1)

	var results []result
	dir, err := os.MkdirTemp("", "kpibench-")
	must("temp dir", err)
	defer os.RemoveAll(dir)
	s, err := sqlite.Open(ctx, filepath.Join(dir, "crm.db"))
	must("open sqlite", err)
	results = append(results, runStore(ctx, "sqlite", s, s.DB(), d, *reps)...)
	must("close sqlite", s.Close())
	if *pg != "" {
		schema := fmt.Sprintf("kpibench_%d", time.Now().UnixNano())
		admin, err := sql.Open("pgx", *pg)
		must("open postgres", err)
		_, err = admin.ExecContext(ctx, "CREATE SCHEMA "+schema)
		must("create schema", err)
		p, err := postgres.Open(ctx, *pg, postgres.WithSchema(schema))
		must("open postgres store", err)
		results = append(results, runStore(ctx, "postgres", p, p.DB(), d, *reps)...)
		must("close postgres", p.Close())
		_, err = admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		must("drop schema", err)
		admin.Close()
	}
	fmt.Printf("%d customers, %d orders, %d leads, %d deals; KPIs of %s, cohorts %s to %s; median of %d runs\n\n",
		*nCust, *nOrd, *nLeads, *nDeals, quarter, dataFrom.Format("2006-01"), dataTo.Format("2006-01"), *reps)
	printTable(os.Stdout, results)
	size := fmt.Sprintf("%s customers, %s orders", rows.Count(*nCust), rows.Count(*nOrd))
	var out []rows.Row
	for _, r := range results {
		store := map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[r.store]
		comparison := "KPI report of a quarter, " + store
		if strings.Contains(r.path, "ohort") {
			comparison = "cohort matrix, 24 months, " + store
		}
		row := rows.Row{Comparison: comparison, Path: r.path, Size: size, Seconds: r.seconds,
			Baseline: strings.HasPrefix(r.path, "raw"), HeapBytes: r.peak}
		switch {
		case row.Baseline:
		case r.equal:
			row.Check = "= raw SQL's"
		default:
			row.Check = "DIFFERS from raw SQL's"
		}
		out = append(out, row)
	}
	must("rows", rows.Append(*rowsFile, out...))
}

func must(what string, err error) {
	if err != nil {
		log.Fatalf("%s: %v", what, err)
	}
}

// runStore loads d into s and times the four paths on it.
func runStore(ctx context.Context, name string, s crm.Store, db *sql.DB, d *data, reps int) []result {
	t0 := time.Now()
	must(name+": load", load(ctx, s, db, d))
	if sqlload.IsPostgres(db) {
		_, err := db.ExecContext(ctx, "VACUUM ANALYZE")
		must("vacuum", err)
	}
	log.Printf("%s: loaded in %.1f s", name, time.Since(t0).Seconds())
	client, err := crm.New(s)
	must("client", err)
	opts := crm.KPIOptions{Conversion: crm.Conversion{Currency: "EUR"}}
	pg := sqlload.IsPostgres(db)

	var want, got kpiNumbers
	sqlKPI := timed(name, "raw SQL: KPI numbers", reps, func() {
		want = rawKPIs(ctx, db, pg, crm.DefaultActiveWithin)
	})
	libKPI := timed(name, "crm: Client.KPIs", reps, func() {
		r, err := client.KPIs(ctx, quarter, opts)
		must("kpis", err)
		got = numbersOf(r)
	})
	sqlKPI.equal, libKPI.equal = true, got == want
	if !libKPI.equal {
		log.Printf("%s: KPIs differ:\n  crm %+v\n  sql %+v", name, got, want)
	}

	var wantC, gotC []crm.CohortCount
	sqlCoh := timed(name, "raw SQL: cohort counts", reps, func() { wantC = rawCohorts(ctx, db, pg) })
	libCoh := timed(name, "crm: Client.Cohorts", reps, func() {
		m, err := client.Cohorts(ctx, dataFrom, dataTo)
		must("cohorts", err)
		gotC = countsOf(m)
	})
	sqlCoh.equal, libCoh.equal = true, slices.Equal(gotC, wantC)
	if !libCoh.equal {
		log.Printf("%s: cohorts differ: crm %d entries, sql %d", name, len(gotC), len(wantC))
	}
	return []result{sqlKPI, libKPI, sqlCoh, libCoh}
}

// timed runs fn reps times and returns the median time and the peak heap
// growth of the runs.
func timed(store, path string, reps int, fn func()) result {
	r := result{store: store, path: path}
	var times []float64
	for range max(reps, 1) {
		runtime.GC()
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
		base := read()
		var peak atomic.Uint64
		done := make(chan struct{})
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for {
				if h := read(); h > base && h-base > peak.Load() {
					peak.Store(h - base)
				}
				select {
				case <-done:
					return
				case <-tick.C:
				}
			}
		}()
		t := time.Now()
		fn()
		times = append(times, time.Since(t).Seconds())
		close(done)
		<-stopped
		r.peak = max(r.peak, peak.Load())
	}
	sort.Float64s(times)
	r.seconds = times[len(times)/2]
	return r
}

func printTable(w io.Writer, rs []result) {
	fmt.Fprintln(w, "| store | path | seconds | × raw SQL | peak heap MiB | equal to raw SQL |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | --- |")
	var base float64
	for _, r := range rs {
		if r.path[:3] == "raw" {
			base = r.seconds
		}
		fmt.Fprintf(w, "| %s | %s | %.3f | %.2f | %.1f | %v |\n", r.store, r.path, r.seconds, r.seconds/base, float64(r.peak)/(1<<20), r.equal)
	}
}

// data is the generated data set.
type data struct {
	customers []string
	orders    []sqlload.Order
	leads     []*crm.Lead
	deals     []*crm.Opportunity
}

// generate draws n customers acquired over the two years, each with a
// first order then, and the other orders spread over the customers with
// heavy-tailed weights, each after its customer's first; 2% of them
// cancelled. Leads come in over the two years and a third convert within
// two months; deals open over the last year and most close, won or lost,
// within four months.
func generate(nCust, nOrd, nLeads, nDeals int, seed uint64) *data {
	rng := rand.New(rand.NewPCG(seed, 2026))
	span := dataTo.Sub(dataFrom)
	d := &data{customers: make([]string, nCust), orders: make([]sqlload.Order, 0, nOrd)}
	first := make([]time.Time, nCust)
	cum := make([]float64, nCust)
	total := 0.0
	for i := range nCust {
		d.customers[i] = fmt.Sprintf("c%07d", i)
		first[i] = dataFrom.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Second)
		total += rng.ExpFloat64()
		cum[i] = total
	}
	order := func(c int, at time.Time) {
		status := "fulfilled"
		if rng.IntN(50) == 0 {
			status = "cancelled"
		}
		d.orders = append(d.orders, sqlload.Order{ID: fmt.Sprintf("o%08d", len(d.orders)), CustomerID: d.customers[c],
			Status: status, Currency: "EUR", Amount: decimal.New(int64(500+rng.IntN(20000)), -2).String(), At: at})
	}
	for c := range min(nCust, nOrd) {
		order(c, first[c])
	}
	for len(d.orders) < nOrd {
		c, _ := slices.BinarySearch(cum, rng.Float64()*total)
		c = min(c, nCust-1)
		order(c, first[c].Add(time.Duration(rng.Int64N(int64(dataTo.Sub(first[c]))))).Truncate(time.Second))
	}
	stamp := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	for i := range nLeads {
		created := dataFrom.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Second)
		l := &crm.Lead{ID: fmt.Sprintf("l%06d", i), Name: "Lead", Status: crm.LeadNew, CreatedAt: created, UpdatedAt: stamp, Version: 1}
		if converted := created.Add(time.Duration(1+rng.IntN(60)) * 24 * time.Hour); rng.IntN(3) == 0 && converted.Before(dataTo) {
			l.Status, l.ConvertedAt, l.CustomerID = crm.LeadConverted, converted, d.customers[rng.IntN(nCust)]
		}
		d.leads = append(d.leads, l)
	}
	dealsFrom := dataTo.AddDate(-1, 0, 0)
	for i := range nDeals {
		created := dealsFrom.Add(time.Duration(rng.Int64N(int64(dataTo.Sub(dealsFrom))))).Truncate(time.Second)
		o := &crm.Opportunity{ID: fmt.Sprintf("d%06d", i), Name: "Deal", CustomerID: d.customers[rng.IntN(nCust)], PipelineID: "sales",
			Stage: "proposal", Status: crm.OpportunityOpen, Probability: 30, Amount: crm.Money{Amount: decimal.New(int64(50000+rng.IntN(5000000)), -2), Currency: "EUR"},
			StageEnteredAt: created, CreatedAt: created, UpdatedAt: stamp, Version: 1}
		closed := created.Add(time.Duration(5+rng.IntN(115)) * 24 * time.Hour)
		o.CloseDate = time.Date(closed.Year(), closed.Month(), closed.Day(), 0, 0, 0, 0, time.UTC)
		switch fate := rng.IntN(100); {
		case !closed.Before(dataTo):
		case fate < 45:
			o.Stage, o.Status, o.Probability, o.ClosedAt = "won", crm.OpportunityWon, 100, closed
		case fate < 80:
			o.Stage, o.Status, o.Probability, o.ClosedAt, o.LostReason = "lost", crm.OpportunityLost, 0, closed, "price"
		}
		d.deals = append(d.deals, o)
	}
	return d
}

// load stores d: customers through the Store's bulk path, orders straight
// into the table (as the Store stores them), leads, the pipeline and the
// deals through the Store in transactions of a thousand.
func load(ctx context.Context, s crm.Store, db *sql.DB, d *data) error {
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for chunk := range slices.Chunk(d.customers, 1000) {
		cs := make([]*crm.Customer, len(chunk))
		for i, id := range chunk {
			cs[i] = &crm.Customer{ID: id, Kind: crm.KindOrganization, Name: "C", Stage: crm.StageActive, CreatedAt: at, UpdatedAt: at, Version: 1}
		}
		if err := s.CreateCustomers(ctx, cs); err != nil {
			return err
		}
	}
	if err := sqlload.Orders(ctx, db, len(d.orders), func(i int) sqlload.Order { return d.orders[i] }); err != nil {
		return err
	}
	p := crm.DefaultPipeline()
	p.ID, p.CreatedAt, p.UpdatedAt, p.Version = "sales", at, at, 1
	if err := s.CreatePipeline(ctx, p); err != nil {
		return err
	}
	if err := inTxs(ctx, s, d.leads, crm.Store.CreateLead); err != nil {
		return err
	}
	return inTxs(ctx, s, d.deals, crm.Store.CreateOpportunity)
}

// inTxs calls create for each of items, a thousand to a transaction.
func inTxs[T any](ctx context.Context, s crm.Store, items []T, create func(crm.Store, context.Context, T) error) error {
	for chunk := range slices.Chunk(items, 1000) {
		if err := s.RunInTx(ctx, func(tx crm.Store) error {
			for _, v := range chunk {
				if err := create(tx, ctx, v); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}
