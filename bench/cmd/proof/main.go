// Command proof runs every comparison of the library against the programs
// a user would write instead, one after another in one run, and prints
// one Markdown table of times, ratios to each comparison's baseline
// (measured in the same run) and peak memory, under a line naming the
// machine. bench/proof.sh builds the programs, installs Debian's pandas
// and scipy when missing, and runs it.
//
// The comparisons, each from the program that measures and checks it in
// detail (its README section explains the method):
//
//	memory   go test -bench 'Create|Get|Update' ./storage/memory: the memory store against map-copy
//	         (a map behind a RWMutex with the same deep copies) and map-nocopy; medians of -count runs
//	import   bin/importbench: ImportCustomers into SQLite and PostgreSQL against raw database/sql,
//	         pgx CopyFrom and GORM, every path in a child process, stored values checked equal
//	rfm      bin/rfmbench: RFM scores against the plain Go loop, pandas and SQL NTILE, scores checked
//	         against the loop's; each path in a process of its own (-only)
//	bgnbd    bin/clvbench: clv.FitBGNBD against the same fit in scipy, parameters checked equal
//	nps      bin/surveybench: NPS and CSAT tallies over 10,000,000 answers against loops, counts checked
//	kpi      bin/kpibench: the KPI report and cohorts against raw SQL, numbers checked equal
//
// Each program appends its rows to a file (its -rows flag, internal/rows);
// this command adds the peak RSS of the programs that ran one path, and
// formats the table.
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
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/crmkit/crm/bench/internal/rows"
)

type config struct {
	bin, root, python, pg, command string
	reps                           int
	memCount                       int
	importN                        int
	rfmCustomers, rfmOrders        int
	bgnbdSynthetic                 int
	nps                            int
	kpiCustomers, kpiOrders        int
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("proof: ")
	var cfg config
	flag.StringVar(&cfg.bin, "bin", "bin", "folder of the built benchmark programs")
	flag.StringVar(&cfg.root, "root", "..", "the library's module root (for go test -bench)")
	flag.StringVar(&cfg.python, "python", "python3", "python3 with pandas and scipy")
	flag.StringVar(&cfg.pg, "pg", os.Getenv("CRM_POSTGRES_DSN"), "PostgreSQL URL for the PostgreSQL rows (default $CRM_POSTGRES_DSN; empty: SQLite only)")
	flag.StringVar(&cfg.command, "command", "", "the command line to print under the table (default: this program's)")
	flag.IntVar(&cfg.reps, "reps", 3, "runs of each path in the import, rfm, bgnbd, nps and kpi comparisons; medians reported")
	flag.IntVar(&cfg.memCount, "mem-count", 3, "go test -count of the memory-store benchmarks; medians reported")
	flag.IntVar(&cfg.importN, "import", 100_000, "customers to import")
	flag.IntVar(&cfg.rfmCustomers, "rfm-customers", 50_000, "RFM customers")
	flag.IntVar(&cfg.rfmOrders, "rfm-orders", 500_000, "RFM orders")
	flag.IntVar(&cfg.bgnbdSynthetic, "bgnbd", 100_000, "synthetic customers for the BG/NBD fit, besides CDNOW's 2,357 (0: CDNOW only)")
	flag.IntVar(&cfg.nps, "nps", 10_000_000, "survey answers scored")
	flag.IntVar(&cfg.kpiCustomers, "kpi-customers", 20_000, "KPI customers (leads a fifth of them, deals a twentieth)")
	flag.IntVar(&cfg.kpiOrders, "kpi-orders", 200_000, "KPI orders")
	only := flag.String("only", "", "comma-separated comparisons to run: memory, import, rfm, bgnbd, nps, kpi (default all)")
	rowsOut := flag.String("rows", "", "also keep the rows, JSON lines, in this file")
	flag.Parse()
	if cfg.command == "" {
		cfg.command = strings.Join(os.Args, " ")
	}
	want := func(c string) bool { return *only == "" || slices.Contains(strings.Split(*only, ","), c) }

	tmp, err := os.MkdirTemp("", "proof-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	start := time.Now()
	machine := describe(cfg)
	var all []rows.Row
	var failures []string
	step := func(name string, fn func(string) ([]rows.Row, error)) {
		if !want(name) {
			return
		}
		t := time.Now()
		log.Printf("%s: started", name)
		rs, err := fn(filepath.Join(tmp, name+".rows"))
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", name, err))
			log.Printf("%s: %v", name, err)
		}
		all = append(all, rs...)
		log.Printf("%s: %d rows in %.0f s", name, len(rs), time.Since(t).Seconds())
	}
	step("memory", cfg.memory)
	step("import", cfg.importRows)
	step("rfm", cfg.rfm)
	step("bgnbd", cfg.bgnbd)
	step("nps", cfg.survey)
	step("kpi", cfg.kpi)
	if *rowsOut != "" {
		os.Remove(*rowsOut)
		if err := rows.Append(*rowsOut, all...); err != nil {
			log.Fatal(err)
		}
	}
	report(os.Stdout, cfg, machine, all, failures, time.Since(start))
	if len(failures) > 0 {
		os.Exit(1)
	}
}

// run runs a program with its output to stderr and returns the rows it
// appended to file and its peak RSS in KiB.
func run(dir, file string, name string, args ...string) ([]rows.Row, int64, error) {
	os.Remove(file)
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	log.Printf("  %s %s", name, strings.Join(args, " "))
	err := cmd.Run()
	var rss int64
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = ru.Maxrss // KiB on Linux; includes the children it waited for
		}
	}
	// A program that found a failed path or a difference writes its rows
	// and then exits with 1: keep the rows, and the error.
	rs, rerr := rows.Read(file)
	if err != nil {
		return rs, rss, fmt.Errorf("%s: %w", filepath.Base(name), err)
	}
	if os.IsNotExist(rerr) {
		return nil, rss, fmt.Errorf("%s wrote no rows", filepath.Base(name))
	}
	return rs, rss, rerr
}

func (c config) exe(name string) string {
	p, err := filepath.Abs(filepath.Join(c.bin, name))
	if err != nil {
		log.Fatal(err)
	}
	return p
}

func (c config) importRows(file string) ([]rows.Row, error) {
	rs, _, err := run(".", file, c.exe("importbench"), "-n", strconv.Itoa(c.importN), "-reps", strconv.Itoa(c.reps), "-pg", c.pg, "-rows", file)
	return rs, err
}

// rfm runs each path in a process of its own; every process also times
// the loop, whose first measurement is the baseline.
func (c config) rfm(file string) ([]rows.Row, error) {
	paths := []string{"loop", "crm/memory", "crm/sqlite", "pandas", "sql/sqlite"}
	if c.pg != "" {
		paths = append(paths, "crm/postgres", "sql/postgres")
	}
	var out []rows.Row
	var errs []string
	for _, p := range paths {
		rs, rss, err := run(".", file, c.exe("rfmbench"), "-customers", strconv.Itoa(c.rfmCustomers), "-orders", strconv.Itoa(c.rfmOrders),
			"-reps", strconv.Itoa(c.reps), "-only", p, "-python", c.python, "-pg", c.pg, "-rows", file)
		if err != nil {
			errs = append(errs, p+": "+err.Error())
		}
		for _, r := range rs {
			if r.Baseline && p != "loop" {
				continue
			}
			r.RSSKiB = rss
			out = append(out, r)
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}

func (c config) bgnbd(file string) ([]rows.Row, error) {
	rs, _, err := run(".", file, c.exe("clvbench"), "-synthetic", strconv.Itoa(c.bgnbdSynthetic), "-reps", strconv.Itoa(c.reps),
		"-python", c.python, "-rows", file)
	return rs, err
}

func (c config) survey(file string) ([]rows.Row, error) {
	rs, _, err := run(".", file, c.exe("surveybench"), "-sizes", strconv.Itoa(c.nps), "-reps", strconv.Itoa(c.reps), "-rows", file)
	return rs, err
}

func (c config) kpi(file string) ([]rows.Row, error) {
	rs, _, err := run(".", file, c.exe("kpibench"), "-customers", strconv.Itoa(c.kpiCustomers), "-orders", strconv.Itoa(c.kpiOrders),
		"-leads", strconv.Itoa(c.kpiCustomers/5), "-deals", strconv.Itoa(c.kpiCustomers/20), "-reps", strconv.Itoa(c.reps), "-pg", c.pg, "-rows", file)
	return rs, err
}

// benchLine is a line of go test -bench output with -benchmem.
var benchLine = regexp.MustCompile(`^Benchmark(\w+)/([\w-]+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op\s+(\d+) B/op\s+(\d+) allocs/op`)

// memory runs the memory store's benchmarks in the library's module and
// takes the median of each.
func (c config) memory(string) ([]rows.Row, error) {
	cmd := exec.Command("go", "test", "-run", "XXX", "-bench", "^Benchmark(Create|Get|Update)$", "-benchmem",
		"-count", strconv.Itoa(c.memCount), "./storage/memory")
	cmd.Dir = c.root
	cmd.Stderr = os.Stderr
	log.Printf("  (cd %s && %s)", c.root, strings.Join(cmd.Args, " "))
	out, err := cmd.Output()
	os.Stderr.Write(out)
	if err != nil {
		return nil, fmt.Errorf("go test -bench: %w", err)
	}
	type key struct{ op, contender string }
	ns := map[key][]float64{}
	mem := map[key]string{}
	allocs := map[key]string{}
	var order []key
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		k := key{strings.ToLower(m[1]), m[2]}
		if _, ok := ns[k]; !ok {
			order = append(order, k)
		}
		v, _ := strconv.ParseFloat(m[3], 64)
		ns[k] = append(ns[k], v)
		mem[k] = m[4] + " B/op, " + m[5] + " allocs/op"
		allocs[k] = m[5]
	}
	var rs []rows.Row
	for _, k := range order {
		op, contender := k.op, k.contender
		if strings.HasSuffix(contender, "-parallel") {
			op, contender = op+", parallel", strings.TrimSuffix(contender, "-parallel")
		}
		v := ns[k]
		slices.Sort(v)
		r := rows.Row{Comparison: "memory store: " + op, Path: contender, Size: "8,192 customers stored",
			Seconds: v[len(v)/2] / 1e9, Baseline: contender == "map-copy", Note: mem[k]}
		if contender == "store" {
			if allocs[k] == allocs[key{k.op, strings.Replace(k.contender, "store", "map-copy", 1)}] {
				r.Check = "allocs/op = map-copy's"
			}
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("no benchmark lines in the go test output")
	}
	return rs, nil
}

// machine is the header line's facts.
type machine struct {
	cpu, os, goVersion, sqlite, postgres, python, modules string
	cores                                                 int
	memGiB                                                float64
}

func describe(c config) machine {
	m := machine{cpu: "CPU unknown", os: runtime.GOOS + "/" + runtime.GOARCH, cores: runtime.NumCPU()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		fmt.Sscanf(strings.TrimPrefix(strings.SplitN(string(b), "\n", 2)[0], "MemTotal:"), "%f", &kb)
		m.memGiB = kb / (1 << 20)
	}
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
				m.os = strings.Trim(v, `"`) + ", " + m.os
			}
		}
	}
	if b, err := exec.Command("uname", "-r").Output(); err == nil {
		m.os += ", Linux " + strings.TrimSpace(string(b))
	}
	if b, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		m.goVersion = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("go.mod"); err == nil {
		var mods []string
		for line := range strings.SplitSeq(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && slices.Contains([]string{"modernc.org/sqlite", "github.com/jackc/pgx/v5", "gorm.io/gorm"}, f[0]) {
				mods = append(mods, f[0]+" "+f[1])
			}
		}
		m.modules = strings.Join(mods, ", ")
	}
	ctx := context.Background()
	if db, err := sql.Open("sqlite", ":memory:"); err == nil {
		db.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&m.sqlite)
		db.Close()
	}
	if c.pg != "" {
		if db, err := sql.Open("pgx", c.pg); err == nil {
			db.QueryRowContext(ctx, "SHOW server_version").Scan(&m.postgres)
			db.Close()
		}
	}
	if b, err := exec.Command(c.python, "-c", "import sys, pandas, numpy, scipy; print('Python %d.%d.%d' % sys.version_info[:3], 'pandas', pandas.__version__, 'numpy', numpy.__version__, 'scipy', scipy.__version__)").Output(); err == nil {
		m.python = strings.TrimSpace(string(b))
	}
	return m
}

func report(w io.Writer, c config, m machine, rs []rows.Row, failures []string, took time.Duration) {
	fmt.Fprintf(w, "Machine: %s, %d cores, %.0f GiB; %s; %s; %s; SQLite %s", m.cpu, m.cores, m.memGiB, m.os, m.goVersion, m.modules, orDash(m.sqlite))
	if m.postgres != "" {
		fmt.Fprintf(w, "; PostgreSQL %s", m.postgres)
	}
	if m.python != "" {
		fmt.Fprintf(w, "; %s", m.python)
	}
	fmt.Fprintf(w, ".\nCommand: `%s` (%.1f minutes).\n\n", c.command, took.Minutes())
	fmt.Fprintln(w, "| comparison | size | path | time | × baseline | peak RSS | peak heap | results |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---|")
	type group struct{ comparison, size string }
	base := map[group]float64{}
	for _, r := range rs {
		if g := (group{r.Comparison, r.Size}); r.Baseline && r.Failed == "" {
			if _, ok := base[g]; !ok {
				base[g] = r.Seconds
			}
		}
	}
	var last group
	for _, r := range rs {
		g := group{r.Comparison, r.Size}
		comparison, size := r.Comparison, r.Size
		if g == last {
			comparison, size = "", ""
		}
		last = g
		if r.Failed != "" {
			fmt.Fprintf(w, "| %s | %s | %s | failed | | | | %s |\n", comparison, size, r.Path, oneLine(r.Failed))
			continue
		}
		ratio := "–"
		if b, ok := base[g]; ok && b > 0 {
			ratio = fmt.Sprintf("%.2f", r.Seconds/b)
			if r.Baseline {
				ratio = "1 (baseline)"
			}
		}
		results := r.Check
		if strings.HasPrefix(r.Comparison, "memory store") && r.Note != "" {
			results = strings.TrimSuffix(r.Note+"; "+r.Check, "; ")
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", comparison, size, r.Path, duration(r.Seconds), ratio,
			mib(int64(r.RSSKiB)<<10), mib(int64(r.HeapBytes)), orDash(results))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Time: median of the runs. × baseline: time over the baseline's in the same comparison, size and run (below 1: faster). Peak RSS: of the process that ran that path alone (rfm: the process also loaded the orders and ran the loop; memory, nps, kpi: paths share a process, so none). Peak heap: the most the live heap grew during the path, where the program samples it.")
	if len(failures) > 0 {
		fmt.Fprintf(w, "\nFailed:\n\n")
		for _, f := range failures {
			fmt.Fprintf(w, "- %s\n", oneLine(f))
		}
	}
}

func duration(s float64) string {
	switch {
	case s < 1e-6:
		return fmt.Sprintf("%.0f ns", s*1e9)
	case s < 1e-3:
		return fmt.Sprintf("%.2f µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.1f ms", s*1e3)
	default:
		return fmt.Sprintf("%.2f s", s)
	}
}

func mib(b int64) string {
	switch {
	case b == 0:
		return ""
	case b < 1<<20:
		return fmt.Sprintf("%.0f KiB", float64(b)/(1<<10))
	default:
		return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "|", "/")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}
