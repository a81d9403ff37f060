package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// childResult is what a child process reports to the parent, as JSON in
// the file named by -result.
type childResult struct {
	// Seconds is the timed section: from the first row to COMMIT.
	Seconds float64
	// Counts are the rows stored in customers, customer_emails and
	// customer_phones after the run.
	Counts [3]int64
	// Digest and Sample are set by the verify child: a SHA-256 of every
	// stored value but updated_at, and the first rows as text.
	Digest string
	Sample []string
}

// childArgs are the flags the parent hands a child.
type childArgs struct {
	path       string // "sqlite/crm", ..., "verify/sqlite"
	target     string // SQLite file or PostgreSQL schema
	csv        string
	n          int
	batch      int
	workers    int // crm ImportOptions.Workers
	dsn        string
	result     string
	cpuprofile string
}

// runChild runs one path in this process and writes its result file.
func runChild(ctx context.Context, a childArgs) error {
	var (
		res childResult
		err error
	)
	switch a.path {
	case "sqlite/crm", "sqlite/crm-10k":
		res, err = sqliteCRM(ctx, a)
	case "sqlite/raw":
		res, err = sqliteRaw(ctx, a)
	case "sqlite/gorm":
		res, err = sqliteGORM(ctx, a)
	case "postgres/crm", "postgres/crm-10k":
		res, err = postgresCRM(ctx, a)
	case "postgres/raw":
		res, err = postgresRaw(ctx, a)
	case "postgres/gorm":
		res, err = postgresGORM(ctx, a)
	case "verify/sqlite", "verify/postgres":
		res, err = verify(ctx, a)
	default:
		err = fmt.Errorf("unknown child path %q", a.path)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", a.path, err)
	}
	if !strings.HasPrefix(a.path, "verify/") {
		for i, c := range res.Counts {
			if c != int64(a.n) {
				return fmt.Errorf("%s: %s holds %d rows, want %d", a.path, countTables[i], c, a.n)
			}
		}
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	return os.WriteFile(a.result, b, 0o644)
}

// timed runs f and returns how long it took, under a CPU profile written
// to a.cpuprofile if that is set.
func timed(a childArgs, f func() error) (time.Duration, error) {
	if a.cpuprofile != "" {
		pf, err := os.Create(a.cpuprofile)
		if err != nil {
			return 0, err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return 0, err
		}
		defer pprof.StopCPUProfile()
	}
	t0 := time.Now()
	err := f()
	return time.Since(t0), err
}

// crmImport streams the CSV through crm.ReadCustomersCSV into
// client.ImportCustomers on store: the crm path, parse, validation,
// normalisation and duplicate checks included in the time.
func crmImport(ctx context.Context, a childArgs, store crm.Store) (time.Duration, error) {
	client, err := crm.New(store)
	if err != nil {
		return 0, err
	}
	f, err := os.Open(a.csv)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var res crm.ImportResult
	d, err := timed(a, func() error {
		var err error
		res, err = client.ImportCustomers(ctx, crm.ReadCustomersCSV(f), crm.ImportOptions{
			BatchSize: a.batch,
			Workers:   a.workers,
			Progress:  progress(a),
		})
		return err
	})
	if err != nil {
		return 0, err
	}
	if res.Created != a.n || res.Rows != a.n || len(res.Errors) > 0 {
		var first []error
		for _, e := range res.Errors[:min(3, len(res.Errors))] {
			first = append(first, e)
		}
		return 0, fmt.Errorf("import: rows %d, created %d, merged %d, skipped %d, rejected %d, want %d created: %w",
			res.Rows, res.Created, res.Merged, res.Skipped, res.Rejected, a.n, errors.Join(first...))
	}
	return d, nil
}

// progress returns a crm.ImportOptions.Progress that reports every tenth
// of the input on stderr, with the rate of that tenth, so that a path
// slowing down as the tables grow shows it. It is called once per batch
// and costs nothing measurable.
func progress(a childArgs) func(crm.ImportStats) {
	step := max(a.n/10, a.batch)
	next, last, lastAt := step, 0, time.Duration(0)
	return func(s crm.ImportStats) {
		if s.Rows < next && s.Rows < a.n {
			return
		}
		fmt.Fprintf(os.Stderr, "importbench:   %s: %d rows in %.1f s; the last %d at %.0f rows/s\n",
			a.path, s.Rows, s.Elapsed.Seconds(), s.Rows-last, float64(s.Rows-last)/(s.Elapsed-lastAt).Seconds())
		last, lastAt = s.Rows, s.Elapsed
		for next <= s.Rows {
			next += step
		}
	}
}

// withActor is the context of every crm call: the actor is recorded as
// created_by and updated_by.
func withActor(ctx context.Context) context.Context {
	return crm.WithActor(ctx, crm.Actor{ID: actorID, Name: "import benchmark"})
}

// countTables are the tables whose rows are counted after a run.
var countTables = [3]string{"customers", "customer_emails", "customer_phones"}

// countRows counts the rows of countTables through query.
func countRows(ctx context.Context, query func(ctx context.Context, q string) *sql.Row) ([3]int64, error) {
	var out [3]int64
	for i, t := range countTables {
		if err := query(ctx, "SELECT count(*) FROM "+t).Scan(&out[i]); err != nil {
			return out, fmt.Errorf("count %s: %w", t, err)
		}
	}
	return out, nil
}

// rowsQuerier is what countRows needs from a *sql.DB.
func rowsQuerier(db *sql.DB) func(ctx context.Context, q string) *sql.Row {
	return func(ctx context.Context, q string) *sql.Row { return db.QueryRowContext(ctx, q) }
}
