// Command surveybench measures NPS and CSAT scoring over N generated
// survey answers streamed one at a time, beside a hand-written loop over
// the same stream in the same run: the loop counts answers into an array
// and computes the net score and top-two-box share with the textbook
// formulas, which is what a program without the library would do.
//
// Every path draws the same answers from the same seeded generator, so
// the generator's cost is in every figure alike; the crm paths must print
// the loop's counts, or the run stops. The peak live heap is sampled
// every millisecond while a path runs and reported above the heap before
// it: it stays flat as N grows because nothing holds the answers.
//
//	go run ./cmd/surveybench -sizes 1000000,10000000
package main

import (
	"flag"
	"fmt"
	"iter"
	"log"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/bench/internal/rows"
)

func main() {
	sizes := flag.String("sizes", "1000000,10000000", "comma-separated numbers of answers")
	reps := flag.Int("reps", 3, "runs per path; the median time is reported")
	seed := flag.Uint64("seed", 1, "generator seed")
	rowsFile := flag.String("rows", "", "append each path's figures to this file as JSON lines (see internal/rows)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("surveybench: ")

	type row struct {
		path, what string
		n          int
		secs       float64
		heap       uint64
		base       float64
		baseline   bool
	}
	var results []row
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			log.Fatalf("bad size %q", s)
		}
		var base float64
		var want string
		for _, p := range paths {
			log.Printf("%s, %d answers", p.name, n)
			var times []float64
			var peak uint64
			src := answers(n, *seed)
			for range *reps {
				var got string
				secs, heap, err := measure(func() (err error) {
					got, err = p.run(src)
					return err
				})
				if err != nil {
					log.Fatalf("%s: %v", p.name, err)
				}
				if want == "" {
					want = got
				} else if got != want {
					log.Fatalf("%s: counts %s differ from the loop's %s", p.name, got, want)
				}
				times = append(times, secs)
				peak = max(peak, heap)
			}
			slices.Sort(times)
			med := times[len(times)/2]
			if p.baseline {
				base = med
			}
			results = append(results, row{p.name, p.what, n, med, peak, base, p.baseline})
		}
	}
	fmt.Printf("| path | answers | time | answers/s | × baseline | peak heap above start | what |\n")
	fmt.Printf("|---|---:|---:|---:|---:|---:|---|\n")
	for _, r := range results {
		fmt.Printf("| %s | %d | %.3f s | %.0fM | %.2f | %.1f KiB | %s |\n", r.path, r.n, r.secs,
			float64(r.n)/r.secs/1e6, r.secs/r.base, float64(r.heap)/(1<<10), r.what)
	}
	fmt.Printf("\n%s, %s/%s, %d CPUs\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	var out []rows.Row
	for _, r := range results {
		comparison := "NPS and CSAT"
		if strings.Contains(r.path, "month") {
			comparison = "NPS and CSAT by month"
		}
		row := rows.Row{Comparison: comparison, Path: r.path, Size: rows.Count(r.n) + " answers", Seconds: r.secs,
			Baseline: r.baseline, HeapBytes: r.heap, Note: r.what}
		if !row.Baseline {
			row.Check = "counts = loop's" // the run stops otherwise
		}
		out = append(out, row)
	}
	if err := rows.Append(*rowsFile, out...); err != nil {
		log.Fatal(err)
	}
}

// answer is one generated survey answer: a likelihood-to-recommend score
// (0–10), a satisfaction score (1–5) and the month it was given.
type answer struct {
	nps, csat int
	month     time.Month
}

// npsWeights and csatWeights shape the generated answers like a typical
// B2C survey: many 8–10s, a tail of detractors.
var (
	npsWeights  = []int{3, 1, 1, 2, 2, 5, 6, 10, 18, 22, 30}
	csatWeights = []int{5, 7, 15, 38, 35}
)

// answers yields n answers: a table of 1<<16 answers drawn from a PCG
// generator seeded with seed, cycled, so that drawing an answer costs
// next to nothing and the figures measure the scoring.
func answers(n int, seed uint64) iter.Seq[answer] {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	table := make([]answer, 1<<16)
	for i := range table {
		table[i] = answer{nps: pick(rng, npsWeights), csat: 1 + pick(rng, csatWeights), month: time.Month(1 + rng.IntN(12))}
	}
	return func(yield func(answer) bool) {
		for i := range n {
			if !yield(table[i&(len(table)-1)]) {
				return
			}
		}
	}
}

// pick returns an index of weights drawn in proportion to the weights,
// which sum to 100.
func pick(rng *rand.Rand, weights []int) int {
	r := rng.IntN(100)
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}

// paths are measured in this order; each is compared with the last
// baseline before it.
var paths = []struct {
	name, what string
	baseline   bool
	run        func(iter.Seq[answer]) (string, error)
}{
	{"go loop", "baseline: NPS and CSAT counted in arrays in one pass, net score and top-two box by formula", true, runLoop},
	{"crm tallies", "crm.NPSTally and crm.CSATTally, Add per answer in one pass, Result with Wald, adjusted Wald and Wilson intervals", false, runTallies},
	{"go loop by month", "baseline: NPS and CSAT counted in a map of arrays by month, one pass per measure", true, runLoopByMonth},
	{"crm breakdown by month", "crm.BreakdownNPS and crm.BreakdownCSAT keyed by month (12 groups), one pass each", false, runBreakdown},
}

func runLoop(as iter.Seq[answer]) (string, error) {
	var nps [11]int
	var csat [6]int
	for a := range as {
		nps[a.nps]++
		csat[a.csat]++
	}
	var n, prom, det, sat, m int
	for s, k := range nps {
		n += k
		switch {
		case s >= 9:
			prom += k
		case s <= 6:
			det += k
		}
	}
	for s, k := range csat {
		m += k
		if s >= 4 {
			sat += k
		}
	}
	score := 100 * float64(prom-det) / float64(n)
	ttb := 100 * float64(sat) / float64(m)
	return check(n, prom, det, m, score, ttb), nil
}

func runLoopByMonth(as iter.Seq[answer]) (string, error) {
	nps := map[time.Month]*[11]int{}
	csat := map[time.Month]*[6]int{}
	for a := range as {
		c := nps[a.month]
		if c == nil {
			c = new([11]int)
			nps[a.month] = c
		}
		c[a.nps]++
	}
	for a := range as {
		c := csat[a.month]
		if c == nil {
			c = new([6]int)
			csat[a.month] = c
		}
		c[a.csat]++
	}
	var n, prom, det, m, sat int
	for _, c := range nps {
		for s, k := range c {
			n += k
			switch {
			case s >= 9:
				prom += k
			case s <= 6:
				det += k
			}
		}
	}
	for _, c := range csat {
		for s, k := range c {
			m += k
			if s >= 4 {
				sat += k
			}
		}
	}
	return check(n, prom, det, m, 100*float64(prom-det)/float64(n), 100*float64(sat)/float64(m)), nil
}

func runTallies(as iter.Seq[answer]) (string, error) {
	var nt crm.NPSTally
	var ct crm.CSATTally
	for a := range as {
		if err := nt.Add(a.nps); err != nil {
			return "", err
		}
		if err := ct.Add(a.csat); err != nil {
			return "", err
		}
	}
	nps, err := nt.Result()
	if err != nil {
		return "", err
	}
	csat, err := ct.Result()
	if err != nil {
		return "", err
	}
	return check(nps.N, nps.Promoters, nps.Detractors, csat.N, nps.Score, csat.TopTwoBox), nil
}

func runBreakdown(as iter.Seq[answer]) (string, error) {
	nps, err := crm.BreakdownNPS(func(yield func(time.Month, int) bool) {
		for a := range as {
			if !yield(a.month, a.nps) {
				return
			}
		}
	})
	if err != nil {
		return "", err
	}
	csat, err := crm.BreakdownCSAT(func(yield func(time.Month, int) bool) {
		for a := range as {
			if !yield(a.month, a.csat) {
				return
			}
		}
	})
	if err != nil {
		return "", err
	}
	var n, prom, det, m, sat int
	for _, s := range nps {
		n, prom, det = n+s.N, prom+s.Promoters, det+s.Detractors
	}
	for _, s := range csat {
		m += s.N
		sat += s.Satisfied
	}
	return check(n, prom, det, m, 100*float64(prom-det)/float64(n), 100*float64(sat)/float64(m)), nil
}

// check is the digest every path must agree on.
func check(n, promoters, detractors, csatN int, score, topTwoBox float64) string {
	return fmt.Sprintf("n=%d promoters=%d detractors=%d nps=%.4f csat_n=%d top2=%.4f", n, promoters, detractors, score, csatN, topTwoBox)
}

// measure runs f after a GC and returns its wall time and the peak heap
// in use (live and not yet collected objects) above the heap it started
// with, sampled every millisecond.
func measure(f func() error) (secs float64, peak uint64, err error) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	start := read()
	var top atomic.Uint64
	top.Store(start)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if v := read(); v > top.Load() {
					top.Store(v)
				}
			}
		}
	}()
	t0 := time.Now()
	err = f()
	secs = time.Since(t0).Seconds()
	close(done)
	if v := top.Load(); v > start {
		peak = v - start
	}
	return secs, peak, err
}
