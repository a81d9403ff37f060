package clv

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// ParetoNBD is a fitted (or given) Pareto/NBD model (Schmittlein, Morrison
// & Colombo 1987): while alive, a customer buys at a Poisson rate
// λ ~ Gamma(R, Alpha) per time unit, and stays alive for an exponential
// lifetime whose rate μ ~ Gamma(S, Beta).
//
// A literal with the four parameters is a complete model; LogLik is only
// informative. The methods assume valid parameters (all positive) and a
// valid [Customer]; they do not check either.
type ParetoNBD struct {
	// R and Alpha are the shape and rate of the gamma distribution of
	// purchase rates.
	R, Alpha float64
	// S and Beta are the shape and rate of the gamma distribution of
	// drop-out rates.
	S, Beta float64
	// LogLik is the log-likelihood of the data the model was fitted to.
	LogLik float64
}

// FitParetoNBD fits a [ParetoNBD] by maximum likelihood. It fails as
// [FitBGNBD] does.
func FitParetoNBD(customers []Customer) (ParetoNBD, error) {
	g, err := groupCustomers(customers)
	if err != nil {
		return ParetoNBD{}, err
	}
	if !hasRepeat(g) {
		return ParetoNBD{}, fmt.Errorf("clv: fit Pareto/NBD to %d customers with no repeat purchase: %w", len(customers), ErrNoData)
	}
	f := func(logp []float64) float64 {
		m := ParetoNBD{R: math.Exp(logp[0]), Alpha: math.Exp(logp[1]), S: math.Exp(logp[2]), Beta: math.Exp(logp[3])}
		var ll float64
		for i, x := range g.x {
			ll += g.w[i] * m.logLik(x, g.tx[i], g.T[i])
		}
		return -ll / g.n
	}
	obj := func(grad, logp []float64) float64 {
		if grad != nil {
			numericGradient(f, grad, logp)
		}
		return f(logp)
	}
	p, ll, err := maximize("Pareto/NBD", obj, []float64{0.1, 0.1, 0.1, 0.1}, g.n)
	if err != nil {
		return ParetoNBD{}, err
	}
	return ParetoNBD{R: p[0], Alpha: p[1], S: p[2], Beta: p[3], LogLik: ll}, nil
}

// logLik is one customer's log-likelihood (Fader & Hardie 2005, "A Note
// on Deriving the Pareto/NBD Model and Related Expressions", eq. 3-5).
func (m ParetoNBD) logLik(x, tx, T float64) float64 {
	l1, l2 := m.logTerms(x, tx, T)
	return lgamma(m.R+x) - lgamma(m.R) + m.R*math.Log(m.Alpha) + m.S*math.Log(m.Beta) + logAddExp(l1, l2)
}

// logTerms returns the logarithms of the two terms of the likelihood's
// bracket: alive throughout (l1) and dropped out after the last purchase
// (l2).
func (m ParetoNBD) logTerms(x, tx, T float64) (l1, l2 float64) {
	r, alpha, s, beta := m.R, m.Alpha, m.S, m.Beta
	l1 = -(r+x)*math.Log(alpha+T) - s*math.Log(beta+T)
	rsx := r + s + x
	top, b := alpha, s+1
	if alpha < beta {
		top, b = beta, r+x
	}
	d := math.Abs(alpha - beta)
	logB := func(y float64) float64 {
		return math.Log(mathext.Hypergeo(rsx, b, rsx+1, d/(top+y))) - rsx*math.Log(top+y)
	}
	l2 = math.Log(s) - math.Log(rsx) + logSubExp(logB(tx), logB(T))
	return l1, l2
}

// ProbAlive is the probability that customer c is still a customer at
// the end of its calibration period (time T).
func (m ParetoNBD) ProbAlive(c Customer) float64 {
	l1, l2 := m.logTerms(c.X, c.Tx, c.T)
	return 1 / (1 + math.Exp(l2-l1))
}

// ExpectedPurchases is the expected number of purchases customer c makes
// in the t time units after its calibration period.
func (m ParetoNBD) ExpectedPurchases(c Customer, t float64) float64 {
	if t <= 0 {
		return 0
	}
	bt := m.Beta + c.T
	return (m.R + c.X) / (m.Alpha + c.T) * bt * powTerm(m.S-1, math.Log((bt+t)/bt)) * m.ProbAlive(c)
}

// ExpectedRepeatPurchases is the expected number of repeat purchases a
// customer makes in the first t time units after the first purchase,
// unconditionally.
func (m ParetoNBD) ExpectedRepeatPurchases(t float64) float64 {
	if t <= 0 {
		return 0
	}
	return m.R / m.Alpha * m.Beta * powTerm(m.S-1, math.Log((m.Beta+t)/m.Beta))
}

// powTerm is (1 - exp(-k·l))/k, and its limit l at k = 0.
func powTerm(k, l float64) float64 {
	if math.Abs(k) < 1e-12 {
		return l
	}
	return -math.Expm1(-k*l) / k
}

// ProbPurchases is the probability that a customer makes exactly n repeat
// purchases in the first t time units after the first purchase (Fader &
// Hardie 2006, "Deriving an Expression for P(X(t) = x) Under the
// Pareto/NBD Model"). It is 0 for negative n.
func (m ParetoNBD) ProbPurchases(n int, t float64) float64 {
	if n < 0 {
		return 0
	}
	if t <= 0 {
		if n == 0 {
			return 1
		}
		return 0
	}
	r, alpha, s, beta := m.R, m.Alpha, m.S, m.Beta
	x := float64(n)
	// Alive throughout (0, t].
	p := math.Exp(lgamma(r+x) - lgamma(r) - lgamma(x+1) +
		r*math.Log(alpha/(alpha+t)) + x*math.Log(t/(alpha+t)) + s*math.Log(beta/(beta+t)))
	// Dropped out at some time in (0, t].
	top, b := alpha, s+1
	if alpha < beta {
		top, b = beta, r+x
	}
	d := math.Abs(alpha - beta)
	c := r + s + x + 1
	lead := r*math.Log(alpha) + s*math.Log(beta) + lbeta(r+x, s+1) - lbeta(r, s)
	sum := math.Exp(lead + math.Log(mathext.Hypergeo(r+s, b, c, d/top)) - (r+s)*math.Log(top))
	for j := 0; j <= n; j++ {
		fj := float64(j)
		sum -= math.Exp(lead + lgamma(r+s+fj) - lgamma(r+s) - lgamma(fj+1) + fj*math.Log(t) +
			math.Log(mathext.Hypergeo(r+s+fj, b, c, d/(top+t))) - (r+s+fj)*math.Log(top+t))
	}
	return p + sum
}
