// Command salesbench measures the sales analytics — forecast and funnel —
// over N generated opportunities with their histories, streamed from the
// memory store and from a SQLite file, beside baselines measured in the
// same run: the same forecast over a slice already in memory (what the
// store's streaming costs) and, on SQLite, a hand-written database/sql
// scan of the same columns aggregated with decimals (what a program
// without the library would do).
//
// Each path runs in a child process of its own, so the peak RSS reported
// is that path's alone; the peak heap is sampled every millisecond while
// the timed section runs and is reported above the heap before it.
//
//	go run ./cmd/salesbench -sizes 100000,1000000
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// result is what a child reports, as JSON on its stdout.
type result struct {
	Seconds float64
	// PeakLive is the largest live heap during the section, less the
	// live heap when it started, in bytes (set by a -live run).
	PeakLive uint64
	// Check is a digest of the answer — the forecast's totals or the
	// funnel's counts — that every path of one kind must agree on.
	Check string
	Deals int
}

// liveRun is the -live flag.
var liveRun = new(bool)

var paths = []struct{ name, kind, what string }{
	{"memory/slice", "forecast", "baseline: crm.Forecast over a []*Opportunity already in memory"},
	{"memory/forecast", "forecast", "client.Forecast streaming from storage/memory"},
	{"memory/funnel", "funnel", "client.Funnel streaming deals and histories from storage/memory"},
	{"memory/forecast-asof", "forecast-asof", "client.ForecastAsOf: every deal rebuilt from its history, from storage/memory"},
	{"sqlite/raw", "forecast", "baseline: database/sql scan of the forecast's columns, summed with decimal"},
	{"sqlite/forecast", "forecast", "client.Forecast streaming from storage/sqlite"},
	{"sqlite/forecast-asof", "forecast-asof", "client.ForecastAsOf: every deal rebuilt from its history, from storage/sqlite"},
	{"sqlite/funnel", "funnel", "client.Funnel streaming deals and histories from storage/sqlite"},
}

func main() {
	sizes := flag.String("sizes", "100000,1000000", "comma-separated numbers of opportunities")
	only := flag.String("only", "", "comma-separated paths to run (default: all)")
	dataDir := flag.String("data", "data", "directory of the generated SQLite files")
	child := flag.String("child", "", "run one path in this process (internal)")
	n := flag.Int("n", 0, "number of opportunities (with -child)")
	file := flag.String("file", "", "SQLite file (with -child)")
	cpuprofile := flag.String("cpuprofile", "", "with -child: write a CPU profile of the timed section to this file")
	flag.BoolVar(liveRun, "live", false, "with -child: measure the peak live heap instead of the time")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("salesbench: ")
	ctx := context.Background()

	if *child != "" {
		if *cpuprofile != "" {
			f, err := os.Create(*cpuprofile)
			if err != nil {
				log.Fatal(err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				log.Fatal(err)
			}
		}
		res, err := runChild(ctx, *child, *n, *file)
		pprof.StopCPUProfile()
		if err != nil {
			log.Fatal(err)
		}
		if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
			log.Fatal(err)
		}
		return
	}
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*dataDir, 0o755); err != nil {
		log.Fatal(err)
	}
	type row struct {
		path, kind string
		n          int
		res        result
		rss        int64
	}
	var rows []row
	for _, s := range strings.Split(*sizes, ",") {
		size, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || size <= 0 {
			log.Fatalf("bad size %q", s)
		}
		db := filepath.Join(*dataDir, fmt.Sprintf("sales-%d.db", size))
		if _, err := os.Stat(db); err != nil {
			log.Printf("generating %d opportunities into %s", size, db)
			t0 := time.Now()
			if err := generateSQLite(ctx, db, size); err != nil {
				os.Remove(db)
				log.Fatal(err)
			}
			log.Printf("generated in %.0f s", time.Since(t0).Seconds())
		}
		checks := map[string]string{}
		for _, p := range paths {
			if *only != "" && !strings.Contains(","+*only+",", ","+p.name+",") {
				continue
			}
			log.Printf("%s, %d opportunities", p.name, size)
			res, rss, err := spawn(ctx, exe, p.name, size, db, false)
			if err != nil {
				log.Fatal(err)
			}
			live, _, err := spawn(ctx, exe, p.name, size, db, true)
			if err != nil {
				log.Fatal(err)
			}
			res.PeakLive = live.PeakLive
			if prev, ok := checks[p.kind]; ok && prev != res.Check {
				log.Fatalf("%s: answer %q differs from %q", p.name, res.Check, prev)
			}
			checks[p.kind] = res.Check
			rows = append(rows, row{p.name, p.kind, size, res, rss})
		}
	}

	fmt.Printf("| path | what | opportunities | time | vs baseline | peak live heap above start | peak RSS |\n")
	fmt.Printf("|---|---|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		base := "memory/slice"
		if strings.HasPrefix(r.path, "sqlite/") {
			base = "sqlite/raw"
		}
		ratio := "1"
		for _, b := range rows {
			if b.path == base && b.n == r.n && r.path != base && r.kind == "forecast" {
				ratio = fmt.Sprintf("%.2f×", r.res.Seconds/b.res.Seconds)
			}
		}
		if r.kind != "forecast" {
			ratio = "–"
		}
		what := ""
		for _, p := range paths {
			if p.name == r.path {
				what = p.what
			}
		}
		fmt.Printf("| %s | %s | %d | %.2f s | %s | %.1f MiB | %.0f MiB |\n", r.path, what, r.n, r.res.Seconds, ratio,
			float64(r.res.PeakLive)/(1<<20), float64(r.rss)/(1<<10))
	}
	fmt.Printf("\n%s, %s/%s, %d CPUs\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
}

// spawn runs path in a child process and returns its result and peak
// RSS in KiB.
func spawn(ctx context.Context, exe, path string, n int, db string, live bool) (result, int64, error) {
	cmd := exec.CommandContext(ctx, exe, "-child", path, "-n", strconv.Itoa(n), "-file", db, "-live="+strconv.FormatBool(live))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return result{}, 0, fmt.Errorf("%s: %w", path, err)
	}
	var res result
	if err := json.Unmarshal(out, &res); err != nil {
		return result{}, 0, fmt.Errorf("%s: %w", path, err)
	}
	return res, maxRSS(cmd.ProcessState), nil
}

// maxRSS returns the child's peak resident set in KiB.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}
