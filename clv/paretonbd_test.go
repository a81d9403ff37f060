package clv_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/clv"
)

func TestFitParetoNBD_CDNOW(t *testing.T) {
	m, err := clv.FitParetoNBD(cdnowSummary(t))
	require.NoError(t, err)
	t.Logf("r=%.6f alpha=%.6f s=%.6f beta=%.6f LL=%.4f", m.R, m.Alpha, m.S, m.Beta, m.LogLik)
	// Published to 3 decimals (LL to 1); the likelihood is flat along
	// s and β, so those are checked to the published last digit.
	assert.InDelta(t, 0.553, m.R, 0.0005)
	assert.InDelta(t, 10.578, m.Alpha, 0.005)
	assert.InDelta(t, 0.606, m.S, 0.001)
	assert.InDelta(t, 11.669, m.Beta, 0.01)
	assert.InDelta(t, -9595.0, m.LogLik, 0.05)
}

func TestParetoNBD_Predictions(t *testing.T) {
	for name, m := range map[string]clv.ParetoNBD{
		"CDNOW":        {R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669},
		"AlphaAbove":   {R: 0.8, Alpha: 12, S: 1.5, Beta: 3},
		"SNearOne":     {R: 0.5, Alpha: 5, S: 1, Beta: 8},
		"AlphaEqualsB": {R: 0.5, Alpha: 5, S: 0.7, Beta: 5},
	} {
		t.Run(name, func(t *testing.T) {
			for _, tt := range []float64{1, 39, 78} {
				assert.InDelta(t, m.ExpectedRepeatPurchases(tt), m.ExpectedPurchases(clv.Customer{}, tt), 1e-9, "t=%v", tt)
			}
			var sum, mean float64
			for n := range 300 {
				p := m.ProbPurchases(n, 39)
				require.GreaterOrEqual(t, p, -1e-12, "n=%d", n)
				sum += p
				mean += float64(n) * p
			}
			assert.InDelta(t, 1, sum, 1e-8)
			assert.InDelta(t, m.ExpectedRepeatPurchases(39), mean, 1e-6)
			assert.Greater(t, m.ProbAlive(clv.Customer{X: 3, Tx: 30, T: 32}), m.ProbAlive(clv.Customer{X: 3, Tx: 10, T: 32}))
			assert.InDelta(t, 1, m.ProbAlive(clv.Customer{X: 2, Tx: 5, T: 5}), 1e-12)
		})
	}
}
