// Command clvbench times the BG/NBD fit of the crm library (clv.FitBGNBD)
// next to the program a user would write instead: the same maximum-
// likelihood fit with numpy and scipy (BFGS, exact gradient, set up as
// Python's lifetimes sets up its BetaGeoFitter), on the same customer
// summaries, each in a child process of its own so that the peak RSS
// reported is its own. The data are the CDNOW sample (2,357 customers,
// whose published parameters are r=0.243, alpha=4.414, a=0.793, b=2.426)
// and, with -synthetic N, N customers drawn from a BG/NBD with those
// parameters. Both fits must find the same parameters, or the run fails.
//
//	go run ./cmd/clvbench                          # from bench/
//	go run ./cmd/clvbench -synthetic 1000000 -reps 5
//
// Times are medians of -reps fits from the summaries in memory; reading
// the file is not included.
package main

import (
	"bufio"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
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

	"github.com/crmkit/crm/clv"

	"github.com/crmkit/crm/bench/internal/rows"
)

//go:embed bgnbd_scipy.py
var scipyScript []byte

// published is Fader, Hardie and Lee's fit to the CDNOW sample, to the
// three decimals they give.
var published = clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}

// fit is one path's outcome.
type fit struct {
	Seconds float64   `json:"seconds"`
	Params  []float64 `json:"params"` // r, alpha, a, b
	LogLik  float64   `json:"loglik"`
	note    string
	rssKiB  int64
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("clvbench: ")
	cdnow := flag.String("cdnow", "../clv/testdata/cdnow_customers_summary_with_transactions.csv", "the CDNOW summary (ID,x,t_x,T,...); empty skips it")
	synthetic := flag.Int("synthetic", 0, "also fit this many customers drawn from a BG/NBD with CDNOW's parameters (0: none)")
	seed := flag.Uint64("seed", 1, "seed of the synthetic customers")
	reps := flag.Int("reps", 3, "fits per path; the median time is reported")
	python := flag.String("python", "python3", "python3 with numpy, scipy and pandas")
	dataDir := flag.String("data", "data", "folder of the synthetic summaries (made if missing)")
	rowsFile := flag.String("rows", "", "append each path's figures to this file as JSON lines (see internal/rows)")
	child := flag.String("child", "", "internal: fit the summaries in this file in this process and print the result")
	flag.Parse()

	if *child != "" {
		cs, err := readSummaries(*child)
		if err != nil {
			log.Fatal(err)
		}
		var m clv.BGNBD
		times := make([]float64, 0, *reps)
		for range max(*reps, 1) {
			t := time.Now()
			if m, err = clv.FitBGNBD(cs); err != nil {
				log.Fatal(err)
			}
			times = append(times, time.Since(t).Seconds())
		}
		slices.Sort(times)
		json.NewEncoder(os.Stdout).Encode(fit{Seconds: times[len(times)/2], Params: []float64{m.R, m.Alpha, m.A, m.B}, LogLik: m.LogLik})
		return
	}

	type dataset struct{ file, size string }
	var sets []dataset
	if *cdnow != "" {
		n, err := countLines(*cdnow)
		if err != nil {
			log.Fatal(err)
		}
		sets = append(sets, dataset{*cdnow, rows.Count(n-1) + " customers (CDNOW)"})
	}
	if *synthetic > 0 {
		file := filepath.Join(*dataDir, fmt.Sprintf("bgnbd-%d-seed%d.csv", *synthetic, *seed))
		if _, err := os.Stat(file); err != nil {
			if err := writeSynthetic(file, *synthetic, *seed); err != nil {
				log.Fatal(err)
			}
		}
		sets = append(sets, dataset{file, rows.Count(*synthetic) + " customers (synthetic)"})
	}
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	script := filepath.Join(os.TempDir(), fmt.Sprintf("clvbench-%d.py", os.Getpid()))
	if err := os.WriteFile(script, scipyScript, 0o644); err != nil {
		log.Fatal(err)
	}
	defer os.Remove(script)

	failed := false
	var out []rows.Row
	fmt.Printf("| data | path | fit seconds | × scipy | r | alpha | a | b | log-likelihood | peak RSS MiB |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, d := range sets {
		log.Printf("%s: scipy", d.size)
		peer, perr := runScipy(*python, script, d.file, *reps)
		log.Printf("%s: crm", d.size)
		lib, lerr := runChild(exe, d.file, *reps)
		comparison := "BG/NBD fit"
		peerRow := rows.Row{Comparison: comparison, Path: "scipy: minimize(BFGS), exact gradient, as lifetimes", Size: d.size,
			Seconds: peer.Seconds, Baseline: true, RSSKiB: peer.rssKiB, Note: peer.note}
		libRow := rows.Row{Comparison: comparison, Path: "crm: clv.FitBGNBD", Size: d.size, Seconds: lib.Seconds, RSSKiB: lib.rssKiB}
		if perr != nil {
			peerRow.Failed, failed = perr.Error(), true
		}
		if lerr != nil {
			libRow.Failed, failed = lerr.Error(), true
		}
		if perr == nil && lerr == nil {
			// The likelihood surface is flat near its top: parameters agree
			// to about 1e-4 where the log-likelihoods agree to 1e-6.
			if d := maxRelDiff(lib.Params, peer.Params); d < 1e-3 && math.Abs(lib.LogLik-peer.LogLik) < 1e-3*math.Abs(peer.LogLik) {
				libRow.Check = fmt.Sprintf("parameters = scipy's within %.0e", max(d, 1e-6))
			} else {
				libRow.Check, failed = fmt.Sprintf("parameters DIFFER from scipy's by %.1e", d), true
			}
		}
		if strings.Contains(d.size, "CDNOW") && lerr == nil {
			p := lib.Params
			if round3(p[0]) == published.R && round3(p[1]) == published.Alpha && round3(p[2]) == published.A && round3(p[3]) == published.B {
				libRow.Check += "; = published r=0.243 alpha=4.414 a=0.793 b=2.426"
			} else {
				libRow.Check, failed = libRow.Check+"; DIFFER from the published parameters", true
			}
		}
		for _, r := range []struct {
			row rows.Row
			f   fit
		}{{peerRow, peer}, {libRow, lib}} {
			out = append(out, r.row)
			if r.row.Failed != "" {
				fmt.Printf("| %s | %s | failed: %s | | | | | | | |\n", d.size, r.row.Path, r.row.Failed)
				continue
			}
			p := r.f.Params
			fmt.Printf("| %s | %s | %.4f | %.2f | %.4f | %.4f | %.4f | %.4f | %.4f | %.0f |\n", d.size, r.row.Path, r.f.Seconds,
				r.f.Seconds/peer.Seconds, p[0], p[1], p[2], p[3], r.f.LogLik, float64(r.f.rssKiB)/1024)
		}
	}
	fmt.Printf("\n%s, %s/%s, %d CPUs; median of %d fits\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), *reps)
	if err := rows.Append(*rowsFile, out...); err != nil {
		log.Fatal(err)
	}
	if failed {
		log.Fatal("a path failed or the fits differ (see above)")
	}
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func maxRelDiff(a, b []float64) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i])/math.Abs(b[i]))
	}
	return d
}

// runChild fits in a child process of this binary.
func runChild(exe, file string, reps int) (fit, error) {
	cmd := exec.Command(exe, "-child", file, "-reps", strconv.Itoa(reps))
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	var f fit
	f.rssKiB = peakRSS(cmd.ProcessState)
	if err != nil {
		return f, fmt.Errorf("crm child: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, err
	}
	return f, nil
}

var scipyLine = regexp.MustCompile(`^(numpy \S+ scipy \S+): r=(\S+) alpha=(\S+) a=(\S+) b=(\S+) LL=(\S+) nit=\d+ success=(\S+) fit_s=(\S+)`)

// runScipy runs the peer script and reads its line.
func runScipy(python, script, file string, reps int) (fit, error) {
	cmd := exec.Command(python, script, file, "--reps", strconv.Itoa(reps))
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	var f fit
	f.rssKiB = peakRSS(cmd.ProcessState)
	if err != nil {
		return f, fmt.Errorf("scipy: %w (python3-scipy and python3-pandas installed?)", err)
	}
	m := scipyLine.FindStringSubmatch(strings.TrimSpace(string(b)))
	if m == nil {
		return f, fmt.Errorf("scipy: unexpected output %q", b)
	}
	if m[7] != "True" {
		return f, fmt.Errorf("scipy: no convergence: %s", b)
	}
	v := make([]float64, 5)
	for i := range v {
		if v[i], err = strconv.ParseFloat(m[i+2], 64); err != nil {
			return f, err
		}
	}
	f.Params, f.LogLik = v[:4], v[4]
	f.Seconds, _ = strconv.ParseFloat(m[8], 64)
	f.note = m[1]
	return f, nil
}

// peakRSS returns the peak resident set size of a finished child in KiB
// (Linux reports KiB).
func peakRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}

func countLines(file string) (int, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
	}
	return n, sc.Err()
}

// readSummaries reads a CSV whose columns include x, t_x and T.
func readSummaries(file string) ([]clv.Customer, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(bufio.NewReader(f)).ReadAll()
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, h := range []string{"x", "t_x", "T"} {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("%s: no column %q", file, h)
		}
	}
	out := make([]clv.Customer, 0, len(recs)-1)
	for i, r := range recs[1:] {
		var v [3]float64
		for j, h := range []string{"x", "t_x", "T"} {
			if v[j], err = strconv.ParseFloat(r[col[h]], 64); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", file, i+2, err)
			}
		}
		out = append(out, clv.Customer{ID: strconv.Itoa(i + 1), X: v[0], Tx: v[1], T: v[2]})
	}
	return out, nil
}

// writeSynthetic draws n customers from a BG/NBD with the published CDNOW
// parameters, each observed for 27 to 39 weeks after the first purchase
// (CDNOW's spread of first purchases over its first quarter), and writes
// their summaries.
func writeSynthetic(file string, n int, seed uint64) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 0x62676e6264))
	var b strings.Builder
	b.WriteString("ID,x,t_x,T\n")
	for i := range n {
		lambda := gamma(rng, published.R) / published.Alpha
		g1 := gamma(rng, published.A)
		p := g1 / (g1 + gamma(rng, published.B))
		T := 27 + 12*rng.Float64()
		x, tx, t := 0, 0.0, 0.0
		for {
			t += rng.ExpFloat64() / lambda
			if t > T {
				break
			}
			x, tx = x+1, t
			if rng.Float64() < p {
				break
			}
		}
		fmt.Fprintf(&b, "%d,%d,%.6f,%.6f\n", i+1, x, tx, T)
	}
	return os.WriteFile(file, []byte(b.String()), 0o644)
}

// gamma draws from a gamma distribution of the given shape and rate 1
// (Marsaglia and Tsang; shapes below 1 boosted by U^(1/shape)).
func gamma(rng *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gamma(rng, shape+1) * math.Pow(rng.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}
