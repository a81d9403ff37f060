package clv

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BGNBD is a fitted (or given) beta-geometric/negative-binomial model
// (Fader, Hardie & Lee 2005): while alive, a customer buys at a Poisson
// rate λ ~ Gamma(R, Alpha) per time unit, and after each repeat purchase
// drops out for good with probability p ~ Beta(A, B).
//
// A literal with the four parameters is a complete model; LogLik is only
// informative. The methods assume valid parameters (all positive) and a
// valid [Customer]; they do not check either.
type BGNBD struct {
	// R and Alpha are the shape and rate of the gamma distribution of
	// purchase rates (Alpha in time units).
	R, Alpha float64
	// A and B are the parameters of the beta distribution of the
	// drop-out probability.
	A, B float64
	// LogLik is the log-likelihood of the data the model was fitted to.
	LogLik float64
}

// FitBGNBD fits a [BGNBD] by maximum likelihood. It fails with an error
// matching [crm.ErrInvalid] that names the customer and field when a
// customer has a negative, fractional or non-finite X, a negative or
// non-finite Tx or T, or Tx > T; with [ErrNoData] when there is no
// customer or no repeat purchase; and with [ErrNoConvergence] when the
// optimiser fails.
func FitBGNBD(customers []Customer) (BGNBD, error) {
	g, err := groupCustomers(customers)
	if err != nil {
		return BGNBD{}, err
	}
	if !hasRepeat(g) {
		return BGNBD{}, fmt.Errorf("clv: fit BG/NBD to %d customers with no repeat purchase: %w", len(customers), ErrNoData)
	}
	p, ll, err := maximize("BG/NBD", g.bgnbdObjective(), []float64{0.1, 0.1, 0.1, 0.1}, g.n)
	if err != nil {
		return BGNBD{}, err
	}
	return BGNBD{R: p[0], Alpha: p[1], A: p[2], B: p[3], LogLik: ll}, nil
}

// hasRepeat reports whether any customer made a repeat purchase.
func hasRepeat(g *groups) bool {
	for _, x := range g.x {
		if x > 0 {
			return true
		}
	}
	return false
}

// bgnbdObjective is the mean negative BG/NBD log-likelihood and its
// analytic gradient over (log r, log α, log a, log b).
func (g *groups) bgnbdObjective() objective {
	nx := len(g.xs)
	c := make([]float64, nx)   // terms in x alone
	dr := make([]float64, nx)  // their derivatives by r, a, b
	dab := make([]float64, nx) // shared part of d/da and d/db
	db := make([]float64, nx)
	lbx := make([]float64, nx) // log a − log(b+x−1), for x > 0
	lT := make([]float64, len(g.Ts))
	iT := make([]float64, len(g.Ts))
	return func(grad, logp []float64) float64 {
		r, alpha, a, b := math.Exp(logp[0]), math.Exp(logp[1]), math.Exp(logp[2]), math.Exp(logp[3])
		la, lalpha := math.Log(a), math.Log(alpha)
		lr, dgr := lgamma(r), mathext.Digamma(r)
		lab, lb, dgab, dgb := lgamma(a+b), lgamma(b), mathext.Digamma(a+b), mathext.Digamma(b)
		for i, x := range g.xs {
			c[i] = lgamma(r+x) - lr + r*lalpha + lab + lgamma(b+x) - lb - lgamma(a+b+x)
			if x > 0 {
				lbx[i] = la - math.Log(b+x-1)
			}
			if grad != nil {
				dr[i] = mathext.Digamma(r+x) - dgr + lalpha
				dab[i] = dgab - mathext.Digamma(a+b+x)
				db[i] = mathext.Digamma(b+x) - dgb
			}
		}
		for i, T := range g.Ts {
			lT[i] = math.Log(alpha + T)
			iT[i] = 1 / (alpha + T)
		}
		var ll, gr, gal, ga, gb float64
		for i, x := range g.x {
			w := g.w[i]
			xi, ti := g.xi[i], g.ti[i]
			rx := r + x
			// Alive at T: l3; dropped out after the last purchase: l4.
			l3 := -rx * lT[ti]
			if x == 0 {
				ll += w * (c[xi] + l3)
				if grad != nil {
					gr += w * (dr[xi] - lT[ti])
					gal += w * (r/alpha - rx*iT[ti])
					ga += w * dab[xi]
					gb += w * (dab[xi] + db[xi])
				}
				continue
			}
			ltx := math.Log(alpha + g.tx[i])
			l4 := lbx[xi] - rx*ltx
			// log(e^l3 + e^l4) with one exp: w4 = e^l4 / (e^l3 + e^l4).
			d := l4 - l3
			var lse, w4 float64
			if d > 0 {
				e := math.Exp(-d)
				lse = l4 + math.Log1p(e)
				w4 = 1 / (1 + e)
			} else {
				e := math.Exp(d)
				lse = l3 + math.Log1p(e)
				w4 = e / (1 + e)
			}
			ll += w * (c[xi] + lse)
			if grad != nil {
				w3 := 1 - w4
				gr += w * (dr[xi] - w3*lT[ti] - w4*ltx)
				gal += w * (r/alpha - rx*(w3*iT[ti]+w4/(alpha+g.tx[i])))
				ga += w * (dab[xi] + w4/a)
				gb += w * (dab[xi] + db[xi] - w4/(b+x-1))
			}
		}
		if grad != nil {
			grad[0] = -gr * r / g.n
			grad[1] = -gal * alpha / g.n
			grad[2] = -ga * a / g.n
			grad[3] = -gb * b / g.n
		}
		return -ll / g.n
	}
}

// ProbAlive is the probability that customer c is still a customer at
// the end of its calibration period (time T): 1 for a customer with no
// repeat purchase, who by the model cannot have dropped out.
func (m BGNBD) ProbAlive(c Customer) float64 {
	if c.X == 0 {
		return 1
	}
	return 1 / (1 + math.Exp(m.logOdds(c)))
}

// logOdds is log(P(dead)/P(alive)) for a customer with X > 0.
func (m BGNBD) logOdds(c Customer) float64 {
	return math.Log(m.A/(m.B+c.X-1)) + (m.R+c.X)*(math.Log(m.Alpha+c.T)-math.Log(m.Alpha+c.Tx))
}

// ExpectedPurchases is the expected number of purchases customer c makes
// in the t time units after its calibration period (FHL 2005, eq. 10).
func (m BGNBD) ExpectedPurchases(c Customer, t float64) float64 {
	if t <= 0 {
		return 0
	}
	if lo, hi, ok := m.nearAOne(); ok {
		return (lo.ExpectedPurchases(c, t) + hi.ExpectedPurchases(c, t)) / 2
	}
	r, alpha, a, b := m.R, m.Alpha, m.A, m.B
	x := c.X
	z := t / (alpha + c.T + t)
	lead := math.Exp((r + x) * (math.Log(alpha+c.T) - math.Log(alpha+c.T+t)))
	f := mathext.Hypergeo(r+x, b+x, a+b+x-1, z)
	num := (a + b + x - 1) / (a - 1) * (1 - lead*f)
	den := 1.0
	if x > 0 {
		den += math.Exp(m.logOdds(c))
	}
	return num / den
}

// ExpectedRepeatPurchases is the expected number of repeat purchases a
// customer makes in the first t time units after the first purchase,
// unconditionally (FHL 2005, eq. 9).
func (m BGNBD) ExpectedRepeatPurchases(t float64) float64 {
	if t <= 0 {
		return 0
	}
	if lo, hi, ok := m.nearAOne(); ok {
		return (lo.ExpectedRepeatPurchases(t) + hi.ExpectedRepeatPurchases(t)) / 2
	}
	r, alpha, a, b := m.R, m.Alpha, m.A, m.B
	lead := math.Exp(r * (math.Log(alpha) - math.Log(alpha+t)))
	return (a + b - 1) / (a - 1) * (1 - lead*mathext.Hypergeo(r, b, a+b-1, t/(alpha+t)))
}

// nearAOne returns the model with A at 1 ± 1e-6 when A is so close to 1
// that the expectations' factor 1/(A−1) would lose their precision; the
// mean of the two is the value at A to about 1e-10.
func (m BGNBD) nearAOne() (lo, hi BGNBD, ok bool) {
	const h = 1e-6
	if math.Abs(m.A-1) >= h/4 {
		return m, m, false
	}
	lo, hi = m, m
	lo.A, hi.A = 1-h, 1+h
	return lo, hi, true
}

// ProbPurchases is the probability that a customer makes exactly n repeat
// purchases in the first t time units after the first purchase (FHL 2005,
// eq. 8). It is 0 for negative n.
func (m BGNBD) ProbPurchases(n int, t float64) float64 {
	if n < 0 {
		return 0
	}
	r, alpha, a, b := m.R, m.Alpha, m.A, m.B
	x := float64(n)
	if t <= 0 {
		if n == 0 {
			return 1
		}
		return 0
	}
	lp := math.Log(alpha / (alpha + t)) // log of α/(α+t)
	lq := math.Log(t / (alpha + t))     // log of t/(α+t)
	lab := lbeta(a, b)
	// Poisson-gamma mixture term, log Γ(r+x)/(Γ(r) x!) p^r q^x.
	nb := func(j float64) float64 { return lgamma(r+j) - lgamma(r) - lgamma(j+1) + r*lp + j*lq }
	p := math.Exp(lbeta(a, b+x) - lab + nb(x))
	if n > 0 {
		var s float64
		for j := range n {
			s += math.Exp(nb(float64(j)))
		}
		p += math.Exp(lbeta(a+1, b+x-1)-lab) * (1 - s)
	}
	return p
}
