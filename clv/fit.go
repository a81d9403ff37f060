package clv

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"
)

// ErrNoData reports a fit with too few customers to identify the model.
var ErrNoData = errors.New("clv: not enough customers to fit")

// ErrNoConvergence reports a fit whose optimiser stopped away from a
// maximum of the likelihood.
var ErrNoConvergence = errors.New("clv: fit did not converge")

// groups holds the distinct (x, tx, T) summaries of a customer base and
// how many customers share each, in column form.
type groups struct {
	x, tx, T, w []float64
	// xi indexes the distinct values of x, xs, so terms that depend on x
	// alone are computed once per value.
	xi []int32
	xs []float64
	// ti indexes the distinct values of T, Ts, likewise.
	ti []int32
	Ts []float64
	n  float64 // number of customers
}

// groupCustomers validates cs and groups identical (X, Tx, T). A customer
// with X = 0 is grouped by T alone: its Tx plays no part in the models.
func groupCustomers(cs []Customer) (*groups, error) {
	type key struct{ x, tx, T float64 }
	idx := make(map[key]int32, min(len(cs), 1<<16))
	xidx := make(map[float64]int32)
	tidx := make(map[float64]int32)
	g := &groups{n: float64(len(cs))}
	for _, c := range cs {
		if err := c.validate(); err != nil {
			return nil, err
		}
		k := key{c.X, c.Tx, c.T}
		if c.X == 0 {
			k.tx = 0
		}
		if i, ok := idx[k]; ok {
			g.w[i]++
			continue
		}
		idx[k] = int32(len(g.x))
		g.x = append(g.x, k.x)
		g.tx = append(g.tx, k.tx)
		g.T = append(g.T, k.T)
		g.w = append(g.w, 1)
		xi, ok := xidx[k.x]
		if !ok {
			xi = int32(len(g.xs))
			xidx[k.x] = xi
			g.xs = append(g.xs, k.x)
		}
		g.xi = append(g.xi, xi)
		ti, ok := tidx[k.T]
		if !ok {
			ti = int32(len(g.Ts))
			tidx[k.T] = ti
			g.Ts = append(g.Ts, k.T)
		}
		g.ti = append(g.ti, ti)
	}
	return g, nil
}

// objective is a mean negative log-likelihood over log-parameters. When
// grad is not nil it also writes the gradient there.
type objective func(grad, logp []float64) float64

// maximize fits the parameters (returned on their natural scale) and the
// total log-likelihood of n customers, starting from logp0.
func maximize(name string, f objective, logp0 []float64, n float64) ([]float64, float64, error) {
	var lastX, lastG []float64
	lastF := math.NaN()
	eval := func(x []float64) float64 {
		if lastX != nil && slices.Equal(x, lastX) {
			return lastF
		}
		if lastG == nil {
			lastG = make([]float64, len(x))
		}
		lastF = f(lastG, x)
		lastX = append(lastX[:0], x...)
		return lastF
	}
	p := optimize.Problem{
		Func: eval,
		Grad: func(g, x []float64) {
			eval(x)
			copy(g, lastG)
		},
	}
	settings := &optimize.Settings{
		GradientThreshold: 1e-9,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-13, Relative: 1e-13, Iterations: 20},
		MajorIterations:   1000,
	}
	res, err := optimize.Minimize(p, logp0, settings, &optimize.BFGS{})
	if res == nil || math.IsNaN(res.F) || math.IsInf(res.F, 0) {
		return nil, 0, fmt.Errorf("clv: fit %s: %w (%v)", name, ErrNoConvergence, err)
	}
	if err != nil {
		// A line search that cannot improve further at the optimum is
		// not a failure; a large gradient is.
		g := make([]float64, len(logp0))
		f(g, res.X)
		for _, v := range g {
			if math.Abs(v) > 1e-5 {
				return nil, 0, fmt.Errorf("clv: fit %s: %w (%v)", name, ErrNoConvergence, err)
			}
		}
	}
	out := make([]float64, len(res.X))
	for i, v := range res.X {
		out[i] = math.Exp(v)
	}
	return out, -res.F * n, nil
}

// numericGradient fills grad with central differences of f at x.
func numericGradient(f func(x []float64) float64, grad, x []float64) {
	const h = 1e-6
	xx := slices.Clone(x)
	for i := range x {
		xx[i] = x[i] + h
		fp := f(xx)
		xx[i] = x[i] - h
		fm := f(xx)
		xx[i] = x[i]
		grad[i] = (fp - fm) / (2 * h)
	}
}

// logAddExp returns log(exp(a) + exp(b)) without overflow.
func logAddExp(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if math.IsInf(b, -1) {
		return a
	}
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// logSubExp returns log(exp(a) - exp(b)) for a ≥ b; -Inf when they are equal.
func logSubExp(a, b float64) float64 {
	if math.IsInf(b, -1) {
		return a
	}
	d := b - a
	if d >= 0 {
		return math.Inf(-1)
	}
	return a + math.Log(-math.Expm1(d))
}

// lgamma is the logarithm of the absolute value of the gamma function.
func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// lbeta is the logarithm of the beta function B(a, b).
func lbeta(a, b float64) float64 { return lgamma(a) + lgamma(b) - lgamma(a+b) }
