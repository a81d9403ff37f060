package clv_test

import (
	"math"
	"math/rand/v2"

	"github.com/crmkit/crm/clv"
)

// simulateBGNBD draws n customers from m, deterministically from seed.
// Customers are acquired on one of the first 84 days of a 273-day (39-week)
// calibration period, as in CDNOW, so T takes 84 values; purchase times
// are continuous, in weeks, as the model has them.
func simulateBGNBD(m clv.BGNBD, n int, seed uint64) []clv.Customer {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	out := make([]clv.Customer, n)
	for i := range out {
		lambda := gammaRand(rng, m.R) / m.Alpha
		g1 := gammaRand(rng, m.A)
		p := g1 / (g1 + gammaRand(rng, m.B))
		T := float64(273-rng.IntN(84)) / 7
		x, tx, t := 0, 0.0, 0.0
		for {
			t += rng.ExpFloat64() / lambda
			if t > T {
				break
			}
			x++
			tx = t
			if rng.Float64() < p {
				break
			}
		}
		out[i] = clv.Customer{X: float64(x), Tx: tx, T: T}
	}
	return out
}

// gammaRand draws from Gamma(shape, 1) (Marsaglia & Tsang 2000; shape < 1
// by the boost U^(1/shape)).
func gammaRand(rng *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gammaRand(rng, shape+1) * math.Pow(rng.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		z := rng.NormFloat64()
		v := 1 + c*z
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if math.Log(u) < 0.5*z*z+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}
