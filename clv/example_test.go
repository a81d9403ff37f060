package clv_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/crmkit/crm/clv"
)

// A model with published parameters needs no fit.
func ExampleBGNBD() {
	m := clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426} // CDNOW, weeks
	c := clv.Customer{ID: "1", X: 2, Tx: 30.43, T: 38.86}
	fmt.Printf("P(alive) = %.3f\n", m.ProbAlive(c))
	fmt.Printf("purchases in the next 39 weeks = %.3f\n", m.ExpectedPurchases(c, 39))
	fmt.Printf("repeat purchases of a new customer in 39 weeks = %.3f\n", m.ExpectedRepeatPurchases(39))
	fmt.Printf("P(no repeat purchase in 39 weeks) = %.3f\n", m.ProbPurchases(0, 39))
	// Output:
	// P(alive) = 0.727
	// purchases in the next 39 weeks = 1.226
	// repeat purchases of a new customer in 39 weeks = 1.197
	// P(no repeat purchase in 39 weeks) = 0.574
}

func ExampleParetoNBD() {
	m := clv.ParetoNBD{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669} // CDNOW, weeks
	c := clv.Customer{ID: "1", X: 2, Tx: 30.43, T: 38.86}
	fmt.Printf("P(alive) = %.3f\n", m.ProbAlive(c))
	fmt.Printf("purchases in the next 39 weeks = %.3f\n", m.ExpectedPurchases(c, 39))
	// Output:
	// P(alive) = 0.869
	// purchases in the next 39 weeks = 1.455
}

func ExampleSummarize() {
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, time.UTC) }
	txs := []clv.Transaction{
		{CustomerID: "ann", At: day(1, 5), Amount: 20},
		{CustomerID: "ann", At: day(1, 19), Amount: 15},
		{CustomerID: "ann", At: day(1, 19), Amount: 5}, // same day: one purchase of 20
		{CustomerID: "ann", At: day(2, 16), Amount: 40},
		{CustomerID: "bob", At: day(2, 2), Amount: 60},
		{CustomerID: "bob", At: day(4, 1), Amount: 10}, // after the end: not counted
	}
	cs, err := clv.Summarize(txs, clv.SummaryOptions{End: day(3, 2), Unit: clv.Week})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cs {
		fmt.Printf("%s: x=%g t_x=%.2f T=%.2f monetary=%.2f\n", c.ID, c.X, c.Tx, c.T, c.Monetary)
	}
	// Output:
	// ann: x=2 t_x=6.00 T=8.00 monetary=30.00
	// bob: x=0 t_x=0.00 T=4.00 monetary=0.00
}

// Fit the three models to the CDNOW sample (2,357 customers, weeks).
func ExampleFitBGNBD() {
	cs, err := readSummary("testdata/cdnow_customers_summary_with_transactions.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	bg, err := clv.FitBGNBD(cs)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("BG/NBD      r=%.3f alpha=%.3f a=%.3f b=%.3f LL=%.1f\n", bg.R, bg.Alpha, bg.A, bg.B, bg.LogLik)
	pn, err := clv.FitParetoNBD(cs)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Pareto/NBD  r=%.3f alpha=%.3f s=%.3f beta=%.3f LL=%.1f\n", pn.R, pn.Alpha, pn.S, pn.Beta, pn.LogLik)
	gg, err := clv.FitGammaGamma(cs)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Gamma-Gamma p=%.2f q=%.2f v=%.2f\n", gg.P, gg.Q, gg.V)
	// Output:
	// BG/NBD      r=0.243 alpha=4.414 a=0.793 b=2.426 LL=-9582.4
	// Pareto/NBD  r=0.553 alpha=10.578 s=0.606 beta=11.668 LL=-9595.0
	// Gamma-Gamma p=6.25 q=3.74 v=15.45
}

func ExampleLifetimeValue() {
	bg := clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	gg := clv.GammaGamma{P: 6.25, Q: 3.74, V: 15.44}
	c := clv.Customer{ID: "1", X: 2, Tx: 30.43, T: 38.86, Monetary: 22.35}
	// Twelve 30-day months at 1% a month; the summaries are in weeks.
	v, err := clv.LifetimeValue(bg, c, gg.ExpectedSpend(c), clv.Discount{
		Unit:    clv.Week,
		Period:  30 * clv.Day,
		Periods: 12,
		Rate:    0.01,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("expected spend per purchase %.2f, 12-month CLV %.2f\n", gg.ExpectedSpend(c), v)
	// Output:
	// expected spend per purchase 24.66, 12-month CLV 35.88
}

// readSummary reads ID,x,t_x,T,zbar rows.
func readSummary(path string) ([]clv.Customer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	var cs []clv.Customer
	for _, row := range rows[1:] {
		var v [4]float64
		for i := range v {
			if v[i], err = strconv.ParseFloat(row[i+1], 64); err != nil {
				return nil, err
			}
		}
		cs = append(cs, clv.Customer{ID: row[0], X: v[0], Tx: v[1], T: v[2], Monetary: v[3]})
	}
	return cs, nil
}
