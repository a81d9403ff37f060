// Command clv fits customer-lifetime-value models to the CDNOW sample: it
// summarises the transaction log, fits BG/NBD, Pareto/NBD and Gamma-Gamma,
// checks the purchase forecasts against the holdout period, lists the
// customers with the highest expected value and shows how P(alive) is
// distributed.
//
//	go run ./examples/clv                       # from the module root
//	go run ./examples/clv -sample path/to/CDNOW_sample.txt -top 10
package main

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crmkit/crm/clv"
)

func main() {
	sample := flag.String("sample", "clv/testdata/CDNOW_sample.txt.gz", "CDNOW sample transaction log (plain or .gz)")
	top := flag.Int("top", 20, "how many customers to list")
	months := flag.Int("months", 12, "CLV horizon in 30-day months")
	rate := flag.Float64("rate", 0.01, "discount rate per month")
	flag.Parse()
	if err := run(os.Stdout, *sample, *top, *months, *rate); err != nil {
		log.Fatal(err)
	}
}

func run(w io.Writer, path string, top, months int, rate float64) error {
	txs, err := readSample(path)
	if err != nil {
		return err
	}
	calEnd := time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)
	holdEnd := time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC)
	cs, err := clv.Summarize(txs, clv.SummaryOptions{End: calEnd, Unit: clv.Week})
	if err != nil {
		return err
	}
	full, err := clv.Summarize(txs, clv.SummaryOptions{End: holdEnd, Unit: clv.Week})
	if err != nil {
		return err
	}
	repeaters := 0
	for _, c := range cs {
		if c.X > 0 {
			repeaters++
		}
	}
	fmt.Fprintf(w, "CDNOW sample: %d transactions, %d customers (%d repeat buyers), calibration to %s, weeks\n\n",
		len(txs), len(cs), repeaters, calEnd.Format(time.DateOnly))

	start := time.Now()
	bg, err := clv.FitBGNBD(cs)
	if err != nil {
		return err
	}
	bgTime := time.Since(start)
	start = time.Now()
	pn, err := clv.FitParetoNBD(cs)
	if err != nil {
		return err
	}
	pnTime := time.Since(start)
	gg, err := clv.FitGammaGamma(cs)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tparameters\tlog-likelihood\tfit\t")
	fmt.Fprintf(tw, "BG/NBD\tr=%.3f α=%.3f a=%.3f b=%.3f\t%.1f\t%s\t\n", bg.R, bg.Alpha, bg.A, bg.B, bg.LogLik, bgTime.Round(time.Millisecond))
	fmt.Fprintf(tw, "Pareto/NBD\tr=%.3f α=%.3f s=%.3f β=%.3f\t%.1f\t%s\t\n", pn.R, pn.Alpha, pn.S, pn.Beta, pn.LogLik, pnTime.Round(time.Millisecond))
	fmt.Fprintf(tw, "Gamma-Gamma\tp=%.2f q=%.2f γ=%.2f\t%.1f\t\t\n", gg.P, gg.Q, gg.V, gg.LogLik)
	if err := tw.Flush(); err != nil {
		return err
	}

	// Holdout: 1997-10-01 to 1998-06-30, 39 weeks.
	var actual, predBG, predPN float64
	for i, c := range cs {
		actual += full[i].X - c.X
		predBG += bg.ExpectedPurchases(c, 39)
		predPN += pn.ExpectedPurchases(c, 39)
	}
	fmt.Fprintf(w, "\nrepeat purchases in the 39-week holdout: actual %.0f, BG/NBD %.1f, Pareto/NBD %.1f\n", actual, predBG, predPN)

	// Expected value: BG/NBD purchases × Gamma-Gamma spend, discounted.
	type row struct {
		c                    clv.Customer
		alive, n, spend, clv float64
	}
	d := clv.Discount{Unit: clv.Week, Period: 30 * clv.Day, Periods: months, Rate: rate}
	horizon := float64(months) * 30 / 7
	rows := make([]row, len(cs))
	for i, c := range cs {
		spend := gg.ExpectedSpend(c)
		v, err := clv.LifetimeValue(bg, c, spend, d)
		if err != nil {
			return err
		}
		rows[i] = row{c, bg.ProbAlive(c), bg.ExpectedPurchases(c, horizon), spend, v}
	}
	slices.SortStableFunc(rows, func(a, b row) int { return cmp.Compare(b.clv, a.clv) })
	fmt.Fprintf(w, "\ntop %d customers by %d-month CLV (BG/NBD × Gamma-Gamma, %.1f%% a month, US$):\n\n", top, months, 100*rate)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "customer\tx\tt_x\tT\tmean spend\tP(alive)\tE[purchases]\tE[spend]\tCLV\t")
	for _, r := range rows[:min(top, len(rows))] {
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%.2f\t%.2f\t%.3f\t%.2f\t%.2f\t%.2f\t\n",
			r.c.ID, r.c.X, r.c.Tx, r.c.T, r.c.Monetary, r.alive, r.n, r.spend, r.clv)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	// P(alive) histogram, repeat buyers only: by the BG/NBD model a
	// customer with no repeat purchase is alive with probability 1.
	var bins [10]int
	for _, r := range rows {
		if r.c.X == 0 {
			continue
		}
		bins[min(int(r.alive*10), 9)]++
	}
	maxBin := slices.Max(bins[:])
	fmt.Fprintf(w, "\nP(alive) of the %d repeat buyers (BG/NBD; the %d others are 1 by the model):\n\n", repeaters, len(cs)-repeaters)
	for i, n := range bins {
		hi := ")"
		if i == 9 {
			hi = "]"
		}
		fmt.Fprintf(w, "  [%.1f, %.1f%s %4d  %s\n", float64(i)/10, float64(i+1)/10, hi, n, strings.Repeat("#", (n*50+maxBin-1)/maxBin))
	}
	return nil
}

// readSample reads the CDNOW sample log: master id, sample id, YYYYMMDD,
// number of CDs, US$ value; customers are keyed by the sample id.
func readSample(path string) ([]clv.Transaction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	var txs []clv.Transaction
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			continue
		}
		if len(fs) != 5 {
			return nil, fmt.Errorf("%s:%d: want 5 fields, got %d", path, line, len(fs))
		}
		id, err := strconv.Atoi(fs[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: sample id: %w", path, line, err)
		}
		at, err := time.Parse("20060102", fs[2])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: date: %w", path, line, err)
		}
		amount, err := strconv.ParseFloat(fs[4], 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: value: %w", path, line, err)
		}
		txs = append(txs, clv.Transaction{CustomerID: fmt.Sprintf("%04d", id), At: at, Amount: amount})
	}
	return txs, sc.Err()
}
