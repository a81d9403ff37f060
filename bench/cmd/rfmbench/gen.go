// This file is /work/shared/bench/gen (benchgen) with its main turned
// into generate, so the benchmark writes the very data the peers read.

package main

import (
	"bufio"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/crmkit/crm/bench/internal/gen"
)

type customer struct {
	created int64   // unix seconds
	until   int64   // unix seconds; last moment the customer may buy
	level   float64 // spend multiplier
}

type order struct {
	at       int64
	customer int32
	cents    int64
}

// Shape of the data; flags override.
type shape struct {
	alpha     float64 // Pareto tail index of the purchase weight
	capW      float64 // weights are capped at this multiple of the minimum
	churn     float64 // share of customers who churn
	lifeDays  float64 // mean lifetime of a churning customer, days
	startUnix int64
	endUnix   int64
}

// generate writes customers.csv and orders.csv to out as benchgen does
// with its default shape (-alpha 1.1 -cap 100 -churn 0.6 -life-days
// 270): byte-identical files for the same arguments.
func generate(out string, nCust, nOrd int, seed uint64, asOf string, years int) {
	sh := shape{alpha: 1.1, capW: 100, churn: 0.6, lifeDays: 270}
	end, err := time.Parse(time.DateOnly, asOf)
	if err != nil {
		log.Fatal(err)
	}
	sh.startUnix, sh.endUnix = end.AddDate(-years, 0, 0).Unix(), end.Unix()
	if err := os.MkdirAll(out, 0o755); err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	t0 := time.Now()
	custs, weights := writeCustomers(rng, filepath.Join(out, "customers.csv"), nCust, sh)
	counts := writeOrders(rng, filepath.Join(out, "orders.csv"), custs, weights, nOrd)
	fmt.Fprintf(os.Stderr, "benchgen: %d customers, %d orders, seed %d, %s .. %s (as of), in %.1fs -> %s\n",
		nCust, nOrd, seed, time.Unix(sh.startUnix, 0).UTC().Format(time.DateOnly), asOf, time.Since(t0).Seconds(), out)
	summary(counts, nOrd)
}

// summary prints how the orders are spread over customers.
func summary(counts []int32, nOrd int) {
	c := slices.Clone(counts)
	slices.Sort(c)
	var zero, oneTwo, threeNine, tenNinetyNine, hundreds int
	for _, v := range c {
		switch {
		case v == 0:
			zero++
		case v <= 2:
			oneTwo++
		case v <= 9:
			threeNine++
		case v <= 99:
			tenNinetyNine++
		default:
			hundreds++
		}
	}
	buyers := c[zero:]
	top := 0
	k := max(len(c)/100, 1)
	for _, v := range c[len(c)-k:] {
		top += int(v)
	}
	pct := func(n int) float64 { return 100 * float64(n) / float64(len(c)) }
	fmt.Fprintf(os.Stderr, "benchgen: orders per customer: 0: %.1f%%, 1-2: %.1f%%, 3-9: %.1f%%, 10-99: %.1f%%, 100+: %.2f%% (%d customers); "+
		"buyers %d, median buyer %d, max %d; top 1%% of customers place %.0f%% of orders\n",
		pct(zero), pct(oneTwo), pct(threeNine), pct(tenNinetyNine), pct(hundreds), hundreds,
		len(buyers), buyers[len(buyers)/2], c[len(c)-1], 100*float64(top)/float64(nOrd))
}

func writeCustomers(rng *rand.Rand, path string, n int, sh shape) ([]customer, []float64) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("id,name,email,phone,region,industry,created_at\n")
	custs := make([]customer, n)
	weights := make([]float64, n)
	var b []byte
	start, end := sh.startUnix, sh.endUnix
	span := end - start
	for i := range n {
		id := i + 1
		fn := gen.FirstNames[rng.IntN(len(gen.FirstNames))]
		ln := gen.LastNames[rng.IntN(len(gen.LastNames))]
		// Sign-ups grow over time: density rising linearly (sqrt of uniform).
		created := start + int64(math.Sqrt(rng.Float64())*float64(span-86400))
		// Churners stop buying after an exponential lifetime; the rest buy
		// until the as-of date.
		until := end - 1
		if rng.Float64() < sh.churn {
			life := int64(rng.ExpFloat64() * sh.lifeDays * 86400)
			if created+life < until {
				until = created + life
			}
		}
		if until < created+3600 {
			until = created + 3600
		}
		custs[i] = customer{created: created, until: until, level: math.Exp(rng.NormFloat64() * 0.5)}
		// Pareto(alpha, x_m = 1) purchase propensity, capped, scaled by how
		// long the customer was active so that long-lived customers buy more.
		pareto := min(math.Pow(1-rng.Float64(), -1/sh.alpha), sh.capW)
		weights[i] = pareto * float64(until-created) / float64(span)

		b = b[:0]
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, ',')
		b = gen.AppendCSV(b, fn+" "+ln)
		b = append(b, ',')
		b = append(b, gen.Lower(fn)...)
		b = append(b, '.')
		b = append(b, gen.Lower(gen.ASCII(ln))...)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, "@example.com,+1-555-"...)
		b = gen.AppendPad(b, rng.IntN(1000), 3)
		b = append(b, '-')
		b = gen.AppendPad(b, rng.IntN(10000), 4)
		b = append(b, ',')
		b = append(b, gen.Pick(rng, gen.Regions, gen.RegionWeights)...)
		b = append(b, ',')
		b = append(b, gen.Pick(rng, gen.Industries, gen.IndustryWeights)...)
		b = append(b, ',')
		b = time.Unix(created, 0).UTC().AppendFormat(b, time.RFC3339)
		b = append(b, '\n')
		w.Write(b)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	return custs, weights
}

func writeOrders(rng *rand.Rand, path string, custs []customer, weights []float64, n int) []int32 {
	// Cumulative weights for inverse-CDF sampling of the buyer.
	cum := make([]float64, len(weights))
	var s float64
	for i, w := range weights {
		s += w
		cum[i] = s
	}
	orders := make([]order, n)
	counts := make([]int32, len(custs))
	for i := range orders {
		u := rng.Float64() * s
		c, _ := slices.BinarySearch(cum, u)
		if c >= len(custs) {
			c = len(custs) - 1
		}
		cu := custs[c]
		at := cu.created + rng.Int64N(cu.until-cu.created+1)
		// Heavy-tailed basket: log-normal, median about 40.00, times the
		// customer's spend level; at least 1.00.
		amt := math.Exp(3.7+rng.NormFloat64()*0.9) * cu.level
		cents := max(int64(math.Round(amt*100)), 100)
		orders[i] = order{at: at, customer: int32(c + 1), cents: cents}
		counts[c]++
	}
	// Order ids increase with time, as in a real system.
	slices.SortStableFunc(orders, func(a, b order) int {
		if a.at != b.at {
			if a.at < b.at {
				return -1
			}
			return 1
		}
		return int(a.customer) - int(b.customer)
	})

	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("order_id,customer_id,ordered_at,amount\n")
	var b []byte
	for i, o := range orders {
		b = b[:0]
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(o.customer), 10)
		b = append(b, ',')
		b = time.Unix(o.at, 0).UTC().AppendFormat(b, time.RFC3339)
		b = append(b, ',')
		b = strconv.AppendInt(b, o.cents/100, 10)
		b = append(b, '.')
		b = gen.AppendPad(b, int(o.cents%100), 2)
		b = append(b, '\n')
		w.Write(b)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	return counts
}
