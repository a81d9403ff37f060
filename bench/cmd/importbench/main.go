// Command importbench measures bulk import of customers into SQLite and
// PostgreSQL through the crm library and through the programs a Go user
// would write instead, on the same generated customers.csv, and prints a
// Markdown table.
//
//	go run ./cmd/importbench -sizes 100000,1000000
//	CRM_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' go run ./cmd/importbench -n 1000000
//
// Paths, per database (PostgreSQL only when -pg or CRM_POSTGRES_DSN is
// set):
//
//	crm   crm.New(store) then client.ImportCustomers(ctx, crm.ReadCustomersCSV(f),
//	      crm.ImportOptions{BatchSize: 1000}), streaming from the file: CSV parsing,
//	      validation, normalisation and duplicate checks are in the time
//	crm-10k
//	      the same with BatchSize crm.MaxImportBatch (10,000): a tenth of the
//	      commits, at the price of ten times larger atomic units
//	raw   SQLite: database/sql on modernc.org/sqlite, one prepared INSERT per table,
//	      one transaction. PostgreSQL: pgx v5 CopyFrom into the three tables in one
//	      transaction. Rows parsed and prepared before the clock starts.
//	gorm  GORM CreateInBatches(rows, 1000), models with has-many Emails and Phones
//	      (gorm.io/driver/sqlite given the modernc *sql.DB; gorm.io/driver/postgres).
//	      Models built before the clock starts.
//
// Each path runs in a child process of its own (this binary, re-executed
// with -child), so its peak RSS, read from the child's rusage, is its
// own. Each starts from an empty schema made by the library's migrations
// (storage/sqlite.Open or storage/postgres.Open with WithSchema, then
// Close), ends after COMMIT, and must leave exactly N rows in customers,
// customer_emails and customer_phones. A second child then hashes every
// stored value (updated_at aside) and the parent checks that each peer
// stored exactly what the crm path stored.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/bench/internal/gen"
	"github.com/crmkit/crm/bench/internal/rows"
	"github.com/crmkit/crm/storage/postgres"
)

// path is one way of loading the data into one database.
type path struct {
	db, name, label string
}

func (p path) key() string { return p.db + "/" + p.name }

var allPaths = []path{
	{"sqlite", "crm", "crm ImportCustomers, CSV streamed"},
	{"sqlite", "crm-10k", "crm ImportCustomers, BatchSize 10,000"},
	{"sqlite", "raw", "database/sql prepared INSERT ×3, 1 tx"},
	{"sqlite", "gorm", "GORM CreateInBatches"},
	{"postgres", "crm", "crm ImportCustomers, CSV streamed"},
	{"postgres", "crm-10k", "crm ImportCustomers, BatchSize 10,000"},
	{"postgres", "raw", "pgx CopyFrom ×3, 1 tx"},
	{"postgres", "gorm", "GORM CreateInBatches"},
}

type config struct {
	sizes      []int
	seed       uint64
	dataDir    string
	dbDir      string
	dsn        string
	batch      int
	workers    int
	reps       int
	only       []string
	verify     bool
	keep       bool
	cpuprofile string
	timeout    time.Duration
	rows       string
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("importbench: ")
	var (
		cfg   config
		n     = flag.Int("n", 1_000_000, "customers to import (see -sizes)")
		sizes = flag.String("sizes", "", "comma-separated sizes to run one after another, such as 100000,1000000 (overrides -n)")
		only  = flag.String("only", "", "comma-separated paths to run, such as sqlite/crm,postgres/raw (default: all)")
		child childArgs
	)
	flag.Uint64Var(&cfg.seed, "seed", 1, "generator seed")
	flag.StringVar(&cfg.dataDir, "data", "data", "directory of the generated CSV files (made if missing)")
	flag.StringVar(&cfg.dbDir, "dbdir", "data", "directory of the SQLite database files (removed after each path unless -keep)")
	flag.StringVar(&cfg.dsn, "pg", os.Getenv("CRM_POSTGRES_DSN"), "PostgreSQL connection string (default $CRM_POSTGRES_DSN; empty skips PostgreSQL); each path gets a fresh schema, dropped afterwards")
	flag.IntVar(&cfg.batch, "batch", 1000, "crm ImportOptions.BatchSize and GORM CreateInBatches size")
	flag.IntVar(&cfg.workers, "workers", 2, "crm ImportOptions.Workers on PostgreSQL, whose server can run batches side by side (SQLite, with one writer, gets 1)")
	flag.IntVar(&cfg.reps, "reps", 1, "runs of each path; the median time is reported, and the largest peak RSS")
	flag.BoolVar(&cfg.verify, "verify", true, "check that every peer stored exactly the crm path's rows and values")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the SQLite files and PostgreSQL schemas")
	flag.StringVar(&cfg.cpuprofile, "cpuprofile", "", "directory: write a CPU profile of each child's timed section to DIR/<db>-<path>-<n>.prof (go tool pprof)")
	flag.DurationVar(&cfg.timeout, "timeout", 30*time.Minute, "limit for one child process")
	flag.StringVar(&cfg.rows, "rows", "", "append each path's figures to this file as JSON lines (see internal/rows)")
	// The child's flags; set by the parent only.
	flag.StringVar(&child.path, "child", "", "internal: run one path in this process")
	flag.StringVar(&child.target, "target", "", "internal: the child's SQLite file or PostgreSQL schema")
	flag.StringVar(&child.csv, "csv", "", "internal: the child's CSV file")
	flag.StringVar(&child.result, "result", "", "internal: the child's result file")
	flag.StringVar(&child.cpuprofile, "profile-to", "", "internal: the child's CPU profile file")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if child.path != "" {
		child.n, child.batch, child.workers, child.dsn = *n, cfg.batch, cfg.workers, cfg.dsn
		if child.dsn != "" {
			// Name the child's connections in pg_stat_activity.
			var err error
			if child.dsn, err = withParam(child.dsn, "application_name", "importbench "+child.path); err != nil {
				log.Fatal(err)
			}
		}
		if err := runChild(ctx, child); err != nil {
			log.Fatal(err)
		}
		return
	}

	cfg.sizes = []int{*n}
	if *sizes != "" {
		cfg.sizes = nil
		for s := range strings.SplitSeq(*sizes, ",") {
			v, err := strconv.Atoi(strings.TrimSpace(strings.ReplaceAll(s, "_", "")))
			if err != nil || v <= 0 {
				log.Fatalf("-sizes: %q is not a positive number", s)
			}
			cfg.sizes = append(cfg.sizes, v)
		}
	}
	if *only != "" {
		cfg.only = strings.Split(*only, ",")
		for _, o := range cfg.only {
			if !slices.ContainsFunc(allPaths, func(p path) bool { return p.key() == o }) {
				log.Fatalf("-only: unknown path %q", o)
			}
		}
	}
	if cfg.reps < 1 || cfg.batch < 1 {
		log.Fatal("-reps and -batch must be at least 1")
	}
	if err := run(ctx, cfg); err != nil {
		log.Fatal(err)
	}
}

// measurement is the outcome of one path at one size.
type measurement struct {
	path    path
	rows    int
	seconds float64 // median over reps
	rssKiB  int64   // largest over reps
	same    string  // stored values versus the crm path: "yes", "DIFFER", "" (not checked)
	err     string  // why the path failed; "" if it did not
}

func (m measurement) rate() float64 { return float64(m.rows) / m.seconds }

// env describes the machine, the versions and the settings, for the report.
type env struct {
	sqliteVersion, postgresVersion string
}

func run(ctx context.Context, cfg config) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "importbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if cfg.cpuprofile != "" {
		if err := os.MkdirAll(cfg.cpuprofile, 0o755); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(cfg.dbDir, 0o755); err != nil {
		return err
	}

	var pg *pgx.Conn
	if cfg.dsn != "" {
		if pg, err = pgx.Connect(ctx, cfg.dsn); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		defer pg.Close(context.Background())
	}
	var e env
	var results [][]measurement
	failed := false
	for _, n := range cfg.sizes {
		csvPath := filepath.Join(cfg.dataDir, fmt.Sprintf("customers-%d-seed%d.csv", n, cfg.seed))
		if err := ensureCSV(csvPath, n, cfg.seed); err != nil {
			return err
		}
		var ms []measurement
		for _, db := range []string{"sqlite", "postgres"} {
			if db == "postgres" && pg == nil {
				continue
			}
			var crmDigest string
			var crmSample []string
			for _, p := range allPaths {
				if p.db != db || (len(cfg.only) > 0 && !slices.Contains(cfg.only, p.key())) {
					continue
				}
				m := measurement{path: p, rows: n}
				var secs []float64
				for rep := range cfg.reps {
					r, err := runPath(ctx, cfg, exe, tmp, pg, p, n, csvPath, rep == 0 && cfg.verify, &e)
					m.rssKiB = max(m.rssKiB, r.rssKiB)
					if err != nil {
						if ctx.Err() != nil {
							return ctx.Err()
						}
						m.err, failed = err.Error(), true
						fmt.Fprintf(os.Stderr, "importbench: %s n=%d: %v\n", p.key(), n, err)
						break
					}
					secs = append(secs, r.seconds)
					if rep > 0 {
						continue
					}
					switch {
					case r.digest == "":
					case p.name == "crm":
						crmDigest, crmSample, m.same = r.digest, r.sample, "reference"
					case crmDigest == "":
						// crm not run or failed: nothing to compare with
					case r.digest == crmDigest:
						m.same = "yes"
					default:
						m.same, failed = "DIFFER", true
						fmt.Fprintf(os.Stderr, "importbench: %s stored other values than %s/crm; first rows:\n  crm:  %s\n  %s: %s\n",
							p.key(), db, strings.Join(crmSample, "\n        "), p.name, strings.Join(r.sample, "\n        "))
					}
				}
				if len(secs) > 0 {
					slices.Sort(secs)
					m.seconds = secs[len(secs)/2]
				}
				ms = append(ms, m)
			}
		}
		results = append(results, ms)
	}
	report(os.Stdout, cfg, e, results)
	if err := rows.Append(cfg.rows, rowsOf(results)...); err != nil {
		return err
	}
	if failed {
		return errors.New("a path failed or stored other values than the crm path (see above)")
	}
	return nil
}

// runOutcome is one run of one path.
type runOutcome struct {
	seconds float64
	rssKiB  int64
	digest  string
	sample  []string
}

// runPath makes the empty schema, runs the path's child and, with check,
// the verify child, and removes the schema again.
func runPath(ctx context.Context, cfg config, exe, tmp string, pg *pgx.Conn, p path, n int, csvPath string, check bool, e *env) (runOutcome, error) {
	var out runOutcome
	target, cleanup, err := prepareTarget(ctx, cfg, pg, p, n, e)
	if err != nil {
		return out, fmt.Errorf("empty schema: %w", err)
	}
	defer cleanup()
	a := childArgs{path: p.key(), target: target, csv: csvPath, n: n, batch: cfg.batch, workers: 1, dsn: cfg.dsn,
		result: filepath.Join(tmp, "result.json")}
	if p.db == "postgres" {
		a.workers = cfg.workers
	}
	if p.name == "crm-10k" {
		a.batch = crm.MaxImportBatch
	}
	if cfg.cpuprofile != "" {
		a.cpuprofile = filepath.Join(cfg.cpuprofile, fmt.Sprintf("%s-%s-%d.prof", p.db, p.name, n))
	}
	res, rss, err := spawn(ctx, cfg, exe, a)
	out.rssKiB = rss
	if err != nil {
		return out, err
	}
	out.seconds = res.Seconds
	fmt.Fprintf(os.Stderr, "importbench: %-13s n=%-8d %7.2f s, %8.0f rows/s, peak RSS %5.0f MiB\n",
		p.key(), n, res.Seconds, float64(n)/res.Seconds, float64(rss)/1024)
	if check {
		a.path, a.cpuprofile = "verify/"+p.db, ""
		v, _, err := spawn(ctx, cfg, exe, a)
		if err != nil {
			return out, fmt.Errorf("verify: %w", err)
		}
		out.digest, out.sample = v.Digest, v.Sample
	}
	return out, nil
}

// ensureCSV writes the CSV of n customers unless it exists.
func ensureCSV(path string, n int, seed uint64) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	t0 := time.Now()
	if err := gen.WriteFile(path, gen.Options{Customers: n, Seed: seed, UniquePhones: true}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "importbench: generated %s in %.1f s\n", path, time.Since(t0).Seconds())
	return nil
}

// prepareTarget makes the empty schema of one run with the library's
// migrations and returns its name (the SQLite file or the PostgreSQL
// schema) and how to remove it.
func prepareTarget(ctx context.Context, cfg config, pg *pgx.Conn, p path, n int, e *env) (string, func(), error) {
	if p.db == "sqlite" {
		file := filepath.Join(cfg.dbDir, fmt.Sprintf("importbench-%s-%d.db", p.name, n))
		v, err := newSQLiteSchema(ctx, file)
		e.sqliteVersion = v
		cleanup := func() {
			if !cfg.keep {
				removeSQLite(file)
			}
		}
		return file, cleanup, err
	}
	schema := fmt.Sprintf("importbench_%s_%d", p.name, n)
	drop := func() error {
		_, err := pg.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		return err
	}
	cleanup := func() {
		if !cfg.keep {
			if err := drop(); err != nil {
				log.Printf("drop schema %s: %v", schema, err)
			}
		}
	}
	if err := drop(); err != nil {
		return "", nil, err
	}
	store, err := postgres.Open(ctx, cfg.dsn, postgres.WithSchema(schema))
	if err != nil {
		return "", nil, err
	}
	if err := store.Close(); err != nil {
		return "", nil, err
	}
	if err := pg.QueryRow(ctx, "SHOW server_version").Scan(&e.postgresVersion); err != nil {
		return "", nil, err
	}
	// Start every path with the dirty pages of the last one written out,
	// so that no path pays for another's checkpoint. It needs superuser
	// or pg_checkpoint; without it the runs are a little noisier.
	_, _ = pg.Exec(ctx, "CHECKPOINT")
	return schema, cleanup, nil
}

// spawn runs a child process and returns its result and peak RSS in KiB.
func spawn(ctx context.Context, cfg config, exe string, a childArgs) (childResult, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	os.Remove(a.result)
	args := []string{"-child", a.path, "-target", a.target, "-csv", a.csv, "-result", a.result,
		"-n", strconv.Itoa(a.n), "-batch", strconv.Itoa(a.batch), "-workers", strconv.Itoa(a.workers), "-pg", a.dsn}
	if a.cpuprofile != "" {
		args = append(args, "-profile-to", a.cpuprofile)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		rss := peakRSS(cmd.ProcessState)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return childResult{}, rss, fmt.Errorf("timed out after %v (-timeout)", cfg.timeout)
		}
		return childResult{}, rss, fmt.Errorf("child failed: %w", err)
	}
	var res childResult
	b, err := os.ReadFile(a.result)
	if err != nil {
		return res, 0, err
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return res, 0, err
	}
	return res, peakRSS(cmd.ProcessState), nil
}

// peakRSS returns the peak resident set size of a finished child in KiB.
func peakRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return ru.Maxrss / 1024 // bytes there, KiB on Linux
	}
	return ru.Maxrss
}

// rowsOf gives the measurements as rows: a comparison per database and
// size, with the raw path as its baseline.
func rowsOf(results [][]measurement) []rows.Row {
	var out []rows.Row
	for _, ms := range results {
		for _, m := range ms {
			r := rows.Row{
				Comparison: "import, " + dbName(m.path.db), Path: m.path.label,
				Size: group(m.rows) + " customers", Seconds: m.seconds, Baseline: m.path.name == "raw",
				RSSKiB: m.rssKiB, Failed: m.err,
			}
			switch m.same {
			case "reference":
				r.Check = "the stored values the others must equal"
			case "yes":
				r.Check = "stored = crm"
			case "DIFFER":
				r.Check = "stored values DIFFER from crm's"
			}
			if g := find(ms, m.path.db, "gorm"); g != nil && m.err == "" && m.path.name != "gorm" {
				r.Note = "rows/s " + ratio(m, g) + "× GORM's"
			}
			out = append(out, r)
		}
	}
	return out
}

// report prints the Markdown tables.
func report(w io.Writer, cfg config, e env, results [][]measurement) {
	fmt.Fprintf(w, "## Bulk import of customers.csv: crm vs. raw driver vs. GORM\n\n")
	fmt.Fprintf(w, "Machine: %s; %d cores (runtime.NumCPU); %s %s/%s.\n", cpuModel(), runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "Versions: %s", versions())
	if e.sqliteVersion != "" {
		fmt.Fprintf(w, "; SQLite %s", e.sqliteVersion)
	}
	if e.postgresVersion != "" {
		fmt.Fprintf(w, "; PostgreSQL server %s", e.postgresVersion)
	}
	fmt.Fprintf(w, ".\n")
	fmt.Fprintf(w, "Data: generated customers.csv (seed %d, unique emails and phones); batch %d; crm workers on PostgreSQL %d; %d run(s) per path, median time, largest peak RSS.\n\n",
		cfg.seed, cfg.batch, cfg.workers, cfg.reps)

	for _, ms := range results {
		if len(ms) == 0 {
			continue
		}
		fmt.Fprintf(w, "### %s customers\n\n", group(ms[0].rows))
		fmt.Fprintf(w, "| database | path | rows | seconds | rows/s | ratio to raw | ratio to GORM | peak RSS MiB | stored = crm |\n")
		fmt.Fprintf(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
		var failures []string
		for _, m := range ms {
			if m.err != "" {
				fmt.Fprintf(w, "| %s | %s: %s | %s | failed | – | – | – | %.0f | – |\n",
					dbName(m.path.db), m.path.name, m.path.label, group(m.rows), float64(m.rssKiB)/1024)
				failures = append(failures, fmt.Sprintf("- %s %s: %s", dbName(m.path.db), m.path.name, m.err))
				continue
			}
			fmt.Fprintf(w, "| %s | %s: %s | %s | %.2f | %s | %s | %s | %.0f | %s |\n",
				dbName(m.path.db), m.path.name, m.path.label, group(m.rows), m.seconds, group(int(m.rate())),
				ratio(m, find(ms, m.path.db, "raw")), ratio(m, find(ms, m.path.db, "gorm")),
				float64(m.rssKiB)/1024, orDash(m.same))
		}
		fmt.Fprintln(w)
		if len(failures) > 0 {
			fmt.Fprintf(w, "Failed:\n\n%s\n\n", strings.Join(failures, "\n"))
		}
		targets(w, ms)
	}
	if len(results) > 1 {
		fmt.Fprintf(w, "### Peak RSS (MiB) by input size\n\n")
		fmt.Fprintf(w, "| database | path |")
		for _, ms := range results {
			if len(ms) > 0 {
				fmt.Fprintf(w, " %s rows |", group(ms[0].rows))
			}
		}
		fmt.Fprintf(w, "\n| --- | --- |%s\n", strings.Repeat(" ---: |", len(results)))
		for _, p := range allPaths {
			if find(results[0], p.db, p.name) == nil {
				continue
			}
			fmt.Fprintf(w, "| %s | %s |", dbName(p.db), p.name)
			for _, ms := range results {
				if m := find(ms, p.db, p.name); m != nil && m.rssKiB > 0 {
					failed := ""
					if m.err != "" {
						failed = " (failed)"
					}
					fmt.Fprintf(w, " %.0f%s |", float64(m.rssKiB)/1024, failed)
				} else {
					fmt.Fprintf(w, " – |")
				}
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Notes: ratios are rows/s of the path ÷ rows/s of that database's raw or GORM path (above 1: faster). "+
		"The crm path's time includes reading and parsing the CSV, validation, normalisation and the duplicate checks "+
		"(ID, email, phone, tax ID against the store and the earlier rows); "+
		"the peers parse and prepare their rows (GORM: its models) before their clock starts, which is generous to them. "+
		"Every path ends after COMMIT. Peak RSS is the child process's whole life (the peers hold all rows in memory). "+
		"\"stored = crm\": every stored value but updated_at equals what the crm path stored.\n")
	if cfg.cpuprofile != "" {
		fmt.Fprintf(w, "CPU profiles were taken during the timed sections (%s); the times include the profiler's small overhead.\n", cfg.cpuprofile)
	}
}

// targets prints whether the crm path meets its targets at this size.
func targets(w io.Writer, ms []measurement) {
	type target struct {
		db, peer, what string
		ok             func(r float64) bool
	}
	list := []target{
		{"sqlite", "raw", "SQLite: crm ≥ raw prepared (rows/s ratio ≥ 1)", func(r float64) bool { return r >= 1 }},
		{"sqlite", "gorm", "SQLite: crm ≥ 1.3× GORM", func(r float64) bool { return r >= 1.3 }},
		{"postgres", "raw", "PostgreSQL: crm within 1.3× of raw CopyFrom (time ratio ≤ 1.3)", func(r float64) bool { return 1/r <= 1.3 }},
		{"postgres", "gorm", "PostgreSQL: crm ≥ 1.8× GORM", func(r float64) bool { return r >= 1.8 }},
	}
	var lines []string
	for _, t := range list {
		for _, crmPath := range []string{"crm", "crm-10k"} {
			c, p := find(ms, t.db, crmPath), find(ms, t.db, t.peer)
			if c == nil || p == nil {
				continue
			}
			what := t.what
			if crmPath != "crm" {
				what = strings.Replace(what, "crm", crmPath, 1)
			}
			if c.err != "" || p.err != "" {
				lines = append(lines, fmt.Sprintf("- %s: not measured (a path failed), **missed**", what))
				continue
			}
			r := c.rate() / p.rate()
			verdict := "**missed**"
			if t.ok(r) {
				verdict = "met"
			}
			detail := fmt.Sprintf("rows/s ratio %.2f", r)
			if t.db == "postgres" && t.peer == "raw" {
				detail = fmt.Sprintf("time ratio %.2f", 1/r)
			}
			lines = append(lines, fmt.Sprintf("- %s: %s, %s", what, detail, verdict))
		}
	}
	if len(lines) > 0 {
		fmt.Fprintf(w, "Targets at %s rows:\n\n%s\n\n", group(ms[0].rows), strings.Join(lines, "\n"))
	}
}

func find(ms []measurement, db, name string) *measurement {
	for i := range ms {
		if ms[i].path.db == db && ms[i].path.name == name {
			return &ms[i]
		}
	}
	return nil
}

func ratio(m measurement, base *measurement) string {
	if base == nil || base.err != "" {
		return "–"
	}
	return fmt.Sprintf("%.2f", m.rate()/base.rate())
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func dbName(db string) string {
	if db == "sqlite" {
		return "SQLite"
	}
	return "PostgreSQL"
}

// group writes n with thin thousands separators: 1,000,000.
func group(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// versions names the library and the driver and ORM modules built in.
func versions() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	var out []string
	for _, d := range bi.Deps {
		switch d.Path {
		case "github.com/crmkit/crm":
			v := d.Version
			if d.Replace != nil {
				v = "replaced by " + d.Replace.Path + " (this working tree)"
			}
			out = append(out, d.Path+" "+v)
		case "modernc.org/sqlite", "github.com/jackc/pgx/v5", "gorm.io/gorm", "gorm.io/driver/sqlite", "gorm.io/driver/postgres":
			out = append(out, d.Path+" "+d.Version)
		}
	}
	return strings.Join(out, ", ")
}

// cpuModel reads the CPU's name on Linux.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "CPU unknown"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "CPU unknown"
}
