// Command rfmbench measures RFM scoring with the crm library next to the
// programs a user would write instead, on the same data in the same run:
// the plain hand-written Go loop (the physical limit), pandas
// (groupby + rank(method="first") + qcut), and one SQL statement with
// NTILE(5) in SQLite and, given -pg, PostgreSQL. The data are
// /work/shared/bench/gen's (100,000 customers and 1,000,000 orders by
// default); every path scores the same customers and its scores are
// checked against the loop's.
//
//	go run ./cmd/rfmbench                       # from bench/
//	go run ./cmd/rfmbench -reps 5 -pg "$CRM_POSTGRES_DSN"
//
// Times are of the compute part only: from the loaded data (column
// slices, a pandas frame, rows in a table, orders in a crm store) to the
// scores. Loading is reported separately and not compared.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "embed"

	"github.com/shopspring/decimal"
	_ "modernc.org/sqlite"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
	"github.com/crmkit/crm/storage/sqlite"

	"github.com/crmkit/crm/bench/internal/rows"
	"github.com/crmkit/crm/bench/internal/sqlload"
)

//go:embed rfm.sql
var rfmSQL string

//go:embed rfm_pandas.py
var pandasScript []byte

// result is one path's figures.
type result struct {
	name      string
	load      float64 // seconds
	compute   float64 // median seconds
	customers int
	mismatch  int // customers whose r, f or m differ from the loop's
	note      string
}

func main() {
	nCust := flag.Int("customers", 100_000, "customers")
	nOrd := flag.Int("orders", 1_000_000, "orders")
	seed := flag.Uint64("seed", 1, "data seed")
	asOfFlag := flag.String("asof", "2026-06-30", "as-of date (UTC)")
	dataDir := flag.String("data", "", "data folder (default data/rfm-<customers>-<orders>-<seed>)")
	reps := flag.Int("reps", 3, "runs of each compute part; the median is reported")
	pg := flag.String("pg", os.Getenv("CRM_POSTGRES_DSN"), "PostgreSQL URL for the PostgreSQL paths (empty: skip)")
	python := flag.String("python", "", "python3 with pandas (default: the first of python3, /usr/bin/python3 that imports pandas)")
	only := flag.String("only", "", "comma-separated paths to run (default all)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	rowsFile := flag.String("rows", "", "append each path's figures to this file as JSON lines (see internal/rows)")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	asOf, err := time.Parse(time.DateOnly, *asOfFlag)
	if err != nil {
		log.Fatal(err)
	}
	if *dataDir == "" {
		*dataDir = filepath.Join("data", fmt.Sprintf("rfm-%d-%d-%d", *nCust, *nOrd, *seed))
	}
	ordersCSV := filepath.Join(*dataDir, "orders.csv")
	if _, err := os.Stat(ordersCSV); err != nil {
		generate(*dataDir, *nCust, *nOrd, *seed, *asOfFlag, 2)
	}
	want := func(name string) bool { return *only == "" || slices.Contains(strings.Split(*only, ","), name) }

	t0 := time.Now()
	o, err := readOrders(ordersCSV)
	if err != nil {
		log.Fatal(err)
	}
	readS := time.Since(t0).Seconds()
	var ref []segment
	loop := result{name: "go loop", load: readS}
	loop.compute = median(*reps, func() { ref = rfm(o, asOf.Unix()) })
	loop.customers = len(ref)
	loop.note = "peers/rfm_go_loop: dense arrays, int64 cents, packed-key sort"
	results := []result{loop}
	byID := make(map[int32]segment, len(ref))
	for _, s := range ref {
		byID[s.customer] = s
	}
	check := func(r *result, id int32, rs, fs, ms int) {
		s, ok := byID[id]
		if !ok || int(s.r) != rs || int(s.f) != fs || int(s.m) != ms {
			r.mismatch++
		}
	}
	checkScores := func(r *result, scores []crm.RFMScore) {
		r.customers = len(scores)
		for _, s := range scores {
			id, _ := strconv.ParseInt(strings.TrimPrefix(s.CustomerID, "c"), 10, 32)
			check(r, int32(id), s.R, s.F, s.M)
		}
	}
	ctx := context.Background()

	if want("crm/memory") {
		results = append(results, crmPaths(ctx, "memory", o, asOf, *reps, checkScores, func() (crm.Store, error) { return memory.New(), nil })...)
	}
	if want("crm/sqlite") {
		dir, err := os.MkdirTemp("", "rfmbench-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		results = append(results, crmPaths(ctx, "sqlite", o, asOf, *reps, checkScores, func() (crm.Store, error) {
			return sqlite.Open(ctx, filepath.Join(dir, "crm.db"))
		})...)
	}
	if want("crm/postgres") && *pg != "" {
		results = append(results, crmPostgres(ctx, *pg, o, asOf, *reps, checkScores)...)
	}
	if want("pandas") {
		results = append(results, runPandas(*python, ordersCSV, *asOfFlag, *reps, check))
	}
	if want("sql/sqlite") {
		results = append(results, ntileSQLite(ctx, o, asOf, *reps, check))
	}
	if want("sql/postgres") && *pg != "" {
		results = append(results, ntilePostgres(ctx, *pg, o, asOf, *reps, check))
	}
	printTable(os.Stdout, results, *nCust, *nOrd, *reps)
	if err := rows.Append(*rowsFile, rowsOf(results, *nCust, *nOrd)...); err != nil {
		log.Fatal(err)
	}
}

// rowsOf gives the results as rows of one comparison, the loop's first.
func rowsOf(rs []result, nCust, nOrd int) []rows.Row {
	var out []rows.Row
	for i, r := range rs {
		row := rows.Row{Comparison: "RFM scores", Path: r.name, Size: rows.Count(nCust) + " customers, " + rows.Count(nOrd) + " orders",
			Seconds: r.compute, Baseline: i == 0, Note: r.note}
		switch {
		case r.compute == 0:
			row.Failed, row.Note = r.note, ""
		case i == 0, strings.HasSuffix(r.name, "summaries only"):
		case r.mismatch == 0 && r.customers == rs[0].customers:
			row.Check = "scores = loop's"
		case r.customers != rs[0].customers && r.mismatch == 0:
			row.Check = fmt.Sprintf("%d of %d customers", r.customers, rs[0].customers)
		default:
			row.Check = fmt.Sprintf("%d of %d scores ≠ loop's", r.mismatch, r.customers)
		}
		out = append(out, row)
	}
	return out
}

// median runs fn reps times and returns the median seconds. It collects
// garbage first, as testing.B does before a benchmark, so that no path
// pays for the garbage of what ran before it (loading a store leaves
// much); what fn allocates is collected, if at all, inside the times.
func median(reps int, fn func()) float64 {
	runtime.GC()
	times := make([]float64, 0, reps)
	for range max(reps, 1) {
		t := time.Now()
		fn()
		times = append(times, time.Since(t).Seconds())
	}
	slices.Sort(times)
	return times[len(times)/2]
}

// customerID is the crm ID of the loop's customer c: zero-padded, so that
// string order is numeric order and ties break alike.
func customerID(c int32) string { return fmt.Sprintf("c%07d", c) }

// loadStore stores a customer for each customer with orders and every
// order, through the Store (no Client checks: the rows are known good).
func loadStore(ctx context.Context, s crm.Store, o orders) error {
	seen := map[int32]bool{}
	var custs []*crm.Customer
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range o.customer {
		if !seen[c] {
			seen[c] = true
			custs = append(custs, &crm.Customer{ID: customerID(c), Kind: crm.KindOrganization, Name: "C", Stage: crm.StageActive, CreatedAt: at, UpdatedAt: at, Version: 1})
		}
	}
	slices.SortFunc(custs, func(a, b *crm.Customer) int { return strings.Compare(a.ID, b.ID) })
	for i := 0; i < len(custs); i += 1000 {
		if err := s.CreateCustomers(ctx, custs[i:min(i+1000, len(custs))]); err != nil {
			return err
		}
	}
	if sq, ok := s.(interface{ DB() *sql.DB }); ok {
		if err := loadOrdersSQL(ctx, sq.DB(), o); err != nil {
			return err
		}
		if sqlload.IsPostgres(sq.DB()) { // as the NTILE peer does after its COPY
			_, err := sq.DB().ExecContext(ctx, "VACUUM ANALYZE orders")
			return err
		}
		return nil
	}
	for i := range o.customer {
		total := crm.Money{Amount: decimal.New(o.cents[i], -2), Currency: "EUR"}
		err := s.CreateOrder(ctx, &crm.Order{
			ID: fmt.Sprintf("o%08d", i), CustomerID: customerID(o.customer[i]), Status: crm.OrderFulfilled,
			Lines: []crm.OrderLine{{SKU: "X", Quantity: decimal.NewFromInt(1), UnitPrice: total}},
			Total: total, Paid: total, OrderedAt: time.Unix(o.at[i], 0).UTC(), CreatedAt: at, UpdatedAt: at, Version: 1,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// loadOrdersSQL inserts the orders into the crm schema's orders table in
// one transaction, as the Store would store them.
func loadOrdersSQL(ctx context.Context, db *sql.DB, o orders) error {
	return sqlload.Orders(ctx, db, len(o.customer), func(i int) sqlload.Order {
		amount := decimal.New(o.cents[i], -2).String()
		return sqlload.Order{ID: fmt.Sprintf("o%08d", i), CustomerID: customerID(o.customer[i]), Status: "fulfilled",
			Currency: "EUR", Amount: amount, At: time.Unix(o.at[i], 0).UTC()}
	})
}

// crmPaths loads the orders into the store open returns and times, on
// it, the summaries and scores end to end, and ScoreRFM alone.
func crmPaths(ctx context.Context, name string, o orders, asOf time.Time, reps int, checkScores func(*result, []crm.RFMScore), open func() (crm.Store, error)) []result {
	s, err := open()
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	t0 := time.Now()
	if err := loadStore(ctx, s, o); err != nil {
		log.Fatalf("%s: load: %v", name, err)
	}
	load := time.Since(t0).Seconds()
	client, err := crm.New(s)
	if err != nil {
		log.Fatal(err)
	}
	f := crm.PurchaseSummaryFilter{AsOf: asOf, Currency: "EUR", Limit: crm.MaxPageLimit}
	var scores []crm.RFMScore
	end := result{name: "crm/" + name + ": summaries + ScoreRFM", load: load}
	end.compute = median(reps, func() {
		if scores, err = client.ScoreRFM(ctx, f, crm.RFMOptions{}); err != nil {
			log.Fatal(err)
		}
	})
	checkScores(&end, scores)
	end.note = "Store.PurchaseSummaries paged by 1000 customers, exact decimals"
	var sums []crm.PurchaseSummary
	for sm, err := range client.PurchaseSummaries(ctx, f) {
		if err != nil {
			log.Fatal(err)
		}
		sums = append(sums, sm)
	}
	sum := result{name: "crm/" + name + ": summaries only"}
	sum.compute = median(reps, func() {
		n := 0
		for _, err := range client.PurchaseSummaries(ctx, f) {
			if err != nil {
				log.Fatal(err)
			}
			n++
		}
		sum.customers = n
	})
	out := []result{end, sum}
	if name == "memory" {
		pure := result{name: "crm: ScoreRFM alone"}
		pure.compute = median(reps, func() {
			if scores, err = crm.ScoreRFM(sums, crm.RFMOptions{AsOf: asOf}); err != nil {
				log.Fatal(err)
			}
		})
		checkScores(&pure, scores)
		pure.note = "over the 100k summaries in memory (the pure rule)"
		out = append(out, pure)
	}
	return out
}

// runPandas writes the peer script to a temporary file, runs it reps
// times and reads its compute_s.
func runPandas(python, ordersCSV, asOf string, reps int, check func(*result, int32, int, int, int)) result {
	r := result{name: "pandas"}
	if python == "" {
		for _, p := range []string{"python3", "/usr/bin/python3"} {
			if exec.Command(p, "-c", "import pandas").Run() == nil {
				python = p
				break
			}
		}
	}
	if python == "" {
		r.note = "skipped: no python3 with pandas"
		return r
	}
	dir, err := os.MkdirTemp("", "rfmbench-pandas-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	script, out := filepath.Join(dir, "rfm_pandas.py"), filepath.Join(dir, "rfm.csv")
	if err := os.WriteFile(script, pandasScript, 0o644); err != nil {
		log.Fatal(err)
	}
	re := regexp.MustCompile(`^(pandas \S+): .*read_s=([0-9.]+).*compute_s=([0-9.]+)`)
	var computes []float64
	for range max(reps, 1) {
		msg, err := exec.Command(python, script, "--orders", ordersCSV, "--asof", asOf, "--out", out).CombinedOutput()
		m := re.FindStringSubmatch(strings.TrimSpace(string(msg)))
		if err != nil || m == nil {
			r.note = fmt.Sprintf("failed: %v: %s", err, msg)
			return r
		}
		r.note = m[1] + ", float64 sums"
		r.load, _ = strconv.ParseFloat(m[2], 64)
		c, _ := strconv.ParseFloat(m[3], 64)
		computes = append(computes, c)
	}
	slices.Sort(computes)
	r.compute = computes[len(computes)/2]
	f, err := os.Open(out)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		v := strings.Split(sc.Text(), ",")
		id, _ := strconv.ParseInt(v[0], 10, 32)
		rs, _ := strconv.Atoi(v[4])
		fs, _ := strconv.Atoi(v[5])
		ms, _ := strconv.Atoi(v[6])
		check(&r, int32(id), rs, fs, ms)
		r.customers++
	}
	return r
}

// ntileSQLite loads the orders into a plain SQLite table (modernc, the
// driver crm uses) and times rfm.sql, the peers' one statement.
func ntileSQLite(ctx context.Context, o orders, asOf time.Time, reps int, check func(*result, int32, int, int, int)) result {
	r := result{name: "sql/sqlite NTILE", note: "peers/rfm.sql on modernc.org/sqlite; NTILE differs from qcut when n mod 5 is 2, 3 or 4"}
	dir, err := os.MkdirTemp("", "rfmbench-sql-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, "peer.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // TEMP tables live on one connection
	t0 := time.Now()
	mustExec(ctx, db, `CREATE TABLE orders(order_id INTEGER, customer_id INTEGER, ordered_at TEXT, amount REAL)`)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO orders VALUES (?, ?, ?, ?)`)
	if err != nil {
		log.Fatal(err)
	}
	for i := range o.customer {
		if _, err := st.ExecContext(ctx, i, o.customer[i], time.Unix(o.at[i], 0).UTC().Format(time.RFC3339), float64(o.cents[i])/100); err != nil {
			log.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
	mustExec(ctx, db, `CREATE TEMP TABLE rfm_params AS SELECT `+strconv.FormatInt(asOf.Unix(), 10)+` AS asof_epoch`)
	r.load = time.Since(t0).Seconds()
	r.compute = median(reps, func() {
		mustExec(ctx, db, `DROP TABLE IF EXISTS temp.rfm_segments`)
		mustExec(ctx, db, rfmSQL)
	})
	readNTILE(ctx, db, &r, check)
	return r
}

func readNTILE(ctx context.Context, db *sql.DB, r *result, check func(*result, int32, int, int, int)) {
	rows, err := db.QueryContext(ctx, `SELECT customer_id, r, f, m FROM rfm_segments`)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int32
		var rs, fs, ms int
		if err := rows.Scan(&id, &rs, &fs, &ms); err != nil {
			log.Fatal(err)
		}
		check(r, id, rs, fs, ms)
		r.customers++
	}
}

func mustExec(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, q string, args ...any) {
	if _, err := db.ExecContext(ctx, q, args...); err != nil {
		log.Fatalf("%v: %.80s", err, q)
	}
}

func printTable(w io.Writer, rs []result, nCust, nOrd, reps int) {
	fmt.Fprintf(w, "RFM, %d customers, %d orders; compute time, median of %d runs; ratio to the plain Go loop\n\n", nCust, nOrd, reps)
	fmt.Fprintln(w, "| path | load s | compute s | × go loop | customers | scores ≠ loop | note |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | --- |")
	base := rs[0].compute
	for _, r := range rs {
		if r.compute == 0 {
			fmt.Fprintf(w, "| %s | | | | | | %s |\n", r.name, r.note)
			continue
		}
		load := ""
		if r.load > 0 {
			load = fmt.Sprintf("%.3f", r.load)
		}
		fmt.Fprintf(w, "| %s | %s | %.4f | %.2f | %d | %d | %s |\n", r.name, load, r.compute, r.compute/base, r.customers, r.mismatch, r.note)
	}
}
