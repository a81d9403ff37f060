package clv_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/clv"
)

// Predictions stay finite, non-negative and grow with the horizon for
// every CDNOW customer, including the heaviest buyers over ten years.
func TestPredictions_Robust(t *testing.T) {
	cs := cdnowSummary(t)
	cs = append(cs, clv.Customer{ID: "heavy", X: 120, Tx: 38.8, T: 38.86}, clv.Customer{ID: "lapsed", X: 60, Tx: 2, T: 300})
	pn := clv.ParetoNBD{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669}
	models := map[string]clv.PurchaseModel{
		"BGNBD":       cdnowBGNBD,
		"BGNBDaAbove": clv.BGNBD{R: 0.5, Alpha: 3, A: 2.5, B: 4},
		"ParetoNBD":   pn,
		"ParetoSmall": clv.ParetoNBD{R: 0.5, Alpha: 2, S: 1.5, Beta: 20},
	}
	for name, m := range models {
		t.Run(name, func(t *testing.T) {
			for _, c := range cs {
				prev := 0.0
				for _, h := range []float64{1, 39, 104, 520} {
					e := m.ExpectedPurchases(c, h)
					require.False(t, math.IsNaN(e) || math.IsInf(e, 0), "customer %s t=%v: %v", c.ID, h, e)
					require.GreaterOrEqual(t, e, prev-1e-9, "customer %s t=%v", c.ID, h)
					prev = e
				}
			}
		})
	}
	// Up to two years the tail beyond 600 purchases is negligible.
	for _, h := range []float64{1, 39, 104} {
		var sum, mean float64
		for n := range 600 {
			p := pn.ProbPurchases(n, h)
			sum += p
			mean += float64(n) * p
		}
		assert.InDelta(t, 1, sum, 1e-6, "t=%v", h)
		assert.InDelta(t, pn.ExpectedRepeatPurchases(h), mean, 1e-4*max(1, mean), "t=%v", h)
		sum, mean = 0, 0
		for n := range 600 {
			p := cdnowBGNBD.ProbPurchases(n, h)
			sum += p
			mean += float64(n) * p
		}
		assert.InDelta(t, 1, sum, 1e-6, "t=%v", h)
		assert.InDelta(t, cdnowBGNBD.ExpectedRepeatPurchases(h), mean, 1e-4*max(1, mean), "t=%v", h)
	}
}
