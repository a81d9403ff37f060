package clv

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// GammaGamma is a fitted (or given) Gamma-Gamma model of spend per
// purchase (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang
// 1999): a customer's purchase values are gamma with shape P and rate ν,
// and ν ~ Gamma(Q, V) across customers. Spend is assumed independent of
// the purchase process.
//
// A literal with the three parameters is a complete model; LogLik is only
// informative.
type GammaGamma struct {
	// P is the shape of each customer's distribution of purchase values.
	P float64
	// Q and V are the shape and scale (in money) of the distribution of
	// the customers' rates ν; V is the γ of the paper.
	Q, V float64
	// LogLik is the log-likelihood of the data the model was fitted to.
	LogLik float64
}

// FitGammaGamma fits a [GammaGamma] by maximum likelihood to the
// customers with at least one repeat purchase, from their X and Monetary;
// customers with X = 0 carry no spend information and are skipped. It
// fails with an error matching [crm.ErrInvalid] that names the customer
// and field on an invalid customer (as [FitBGNBD]) or on a repeat buyer
// whose Monetary is not a positive number, with [ErrNoData] when there is
// no repeat buyer, and with [ErrNoConvergence] when the optimiser fails.
func FitGammaGamma(customers []Customer) (GammaGamma, error) {
	var xs, ms []float64
	for _, c := range customers {
		if err := c.validateSpend(); err != nil {
			return GammaGamma{}, err
		}
		if c.X > 0 {
			xs = append(xs, c.X)
			ms = append(ms, c.Monetary)
		}
	}
	if len(xs) == 0 {
		return GammaGamma{}, fmt.Errorf("clv: fit Gamma-Gamma to %d customers with no repeat purchase: %w", len(customers), ErrNoData)
	}
	n := float64(len(xs))
	// Terms in the data alone, and their logs.
	lx := make([]float64, len(xs))
	lm := make([]float64, len(xs))
	for i := range xs {
		lx[i], lm[i] = math.Log(xs[i]), math.Log(ms[i])
	}
	obj := func(grad, logp []float64) float64 {
		p, q, v := math.Exp(logp[0]), math.Exp(logp[1]), math.Exp(logp[2])
		lv := math.Log(v)
		lq, dq := lgamma(q), mathext.Digamma(q)
		var ll, gp, gq, gv float64
		for i, x := range xs {
			px := p * x
			lvxm := math.Log(v + x*ms[i])
			ll += lgamma(px+q) - lgamma(px) - lq + q*lv + (px-1)*lm[i] + px*lx[i] - (px+q)*lvxm
			if grad != nil {
				d := mathext.Digamma(px + q)
				gp += x * (d - mathext.Digamma(px) + lm[i] + lx[i] - lvxm)
				gq += d - dq + lv - lvxm
				gv += q/v - (px+q)/(v+x*ms[i])
			}
		}
		if grad != nil {
			grad[0] = -gp * p / n
			grad[1] = -gq * q / n
			grad[2] = -gv * v / n
		}
		return -ll / n
	}
	p, ll, err := maximize("Gamma-Gamma", obj, []float64{0.1, 0.1, 0.1}, n)
	if err != nil {
		return GammaGamma{}, err
	}
	return GammaGamma{P: p[0], Q: p[1], V: p[2], LogLik: ll}, nil
}

// ExpectedSpend is the expected value of one of customer c's purchases,
// given the mean c.Monetary of its c.X repeat purchases: a weighted mean
// of the population mean P·V/(Q−1) and c.Monetary, which is the
// population mean itself for a customer with no repeat purchase. It is
// +Inf when Q ≤ 1 (the population mean does not exist).
func (m GammaGamma) ExpectedSpend(c Customer) float64 {
	den := m.P*c.X + m.Q - 1
	if den <= 0 {
		return math.Inf(1)
	}
	mon := c.Monetary
	if c.X == 0 {
		mon = 0
	}
	return m.P * (m.V + c.X*mon) / den
}
