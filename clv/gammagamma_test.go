package clv_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/clv"
)

func TestFitGammaGamma_CDNOW(t *testing.T) {
	cs := cdnowSummary(t)
	m, err := clv.FitGammaGamma(cs)
	require.NoError(t, err)
	t.Logf("p=%.6f q=%.6f v=%.6f LL=%.4f", m.P, m.Q, m.V, m.LogLik)
	// Published to 2 decimals. The file's zbar is rounded to cents,
	// and the maximum-likelihood ν on these data is 15.448.
	assert.InDelta(t, 6.25, m.P, 0.005)
	assert.InDelta(t, 3.74, m.Q, 0.005)
	assert.InDelta(t, 15.44, m.V, 0.01)

	// A customer with no repeat purchase gets the population mean.
	assert.InDelta(t, m.P*m.V/(m.Q-1), m.ExpectedSpend(clv.Customer{T: 30}), 1e-12)
	// More purchases pull the estimate towards the customer's own mean.
	one := m.ExpectedSpend(clv.Customer{X: 1, Tx: 1, T: 30, Monetary: 100})
	ten := m.ExpectedSpend(clv.Customer{X: 10, Tx: 20, T: 30, Monetary: 100})
	assert.Less(t, one, ten)
	assert.Less(t, ten, 100.0)
}

func TestFitGammaGamma_Errors(t *testing.T) {
	_, err := clv.FitGammaGamma([]clv.Customer{{ID: "c9", X: 2, Tx: 3, T: 4, Monetary: 0}})
	require.ErrorIs(t, err, crm.ErrInvalid)
	assert.Contains(t, err.Error(), `"c9"`)
	assert.Contains(t, err.Error(), "Monetary")
	_, err = clv.FitGammaGamma([]clv.Customer{{ID: "c1", T: 4}})
	assert.ErrorIs(t, err, clv.ErrNoData)
}

func TestLifetimeValue(t *testing.T) {
	m := cdnowBGNBD
	c := clv.Customer{ID: "1", X: 2, Tx: 30.43, T: 38.86}
	// Undiscounted, 39 one-week periods: 1.226 purchases (FHL 2005) at 10.
	v, err := clv.LifetimeValue(m, c, 10, clv.Discount{Unit: clv.Week, Period: clv.Week, Periods: 39})
	require.NoError(t, err)
	assert.InDelta(t, 12.26, v, 0.005)
	// The period length only cuts the horizon differently.
	v3, err := clv.LifetimeValue(m, c, 10, clv.Discount{Unit: clv.Week, Period: 3 * clv.Week, Periods: 13})
	require.NoError(t, err)
	assert.InDelta(t, v, v3, 1e-9)
	// Discounting by hand.
	d := clv.Discount{Unit: clv.Week, Period: 30 * clv.Day, Periods: 12, Rate: 0.01}
	got, err := clv.LifetimeValue(m, c, 25, d)
	require.NoError(t, err)
	var want, prev float64
	for i := 1; i <= 12; i++ {
		cum := m.ExpectedPurchases(c, float64(i)*30/7)
		want += 25 * (cum - prev) / math.Pow(1.01, float64(i))
		prev = cum
	}
	assert.InDelta(t, want, got, 1e-9)
	// Zero horizon.
	v, err = clv.LifetimeValue(m, c, 25, clv.Discount{Unit: clv.Week, Period: clv.Week})
	require.NoError(t, err)
	assert.Equal(t, 0.0, v)

	for name, d := range map[string]clv.Discount{
		"Unit":    {Period: clv.Week, Periods: 1},
		"Period":  {Unit: clv.Week, Periods: 1},
		"Periods": {Unit: clv.Week, Period: clv.Week, Periods: -1},
		"Rate":    {Unit: clv.Week, Period: clv.Week, Periods: 1, Rate: -1},
	} {
		t.Run("ErrInvalid"+name, func(t *testing.T) {
			_, err := clv.LifetimeValue(m, c, 1, d)
			require.ErrorIs(t, err, crm.ErrInvalid)
			assert.Contains(t, err.Error(), name)
		})
	}
	_, err = clv.LifetimeValue(m, clv.Customer{ID: "bad", X: 1, Tx: 5, T: 4}, 1, d)
	assert.ErrorIs(t, err, crm.ErrInvalid)
}

// From the transaction log itself (unrounded summaries) the fits round to
// the published figures.
func TestFit_CDNOWTransactions(t *testing.T) {
	cs, err := clv.Summarize(cdnowTransactions(t), clv.SummaryOptions{End: cdnowEnd, Unit: clv.Week})
	require.NoError(t, err)
	bg, err := clv.FitBGNBD(cs)
	require.NoError(t, err)
	pn, err := clv.FitParetoNBD(cs)
	require.NoError(t, err)
	gg, err := clv.FitGammaGamma(cs)
	require.NoError(t, err)
	t.Logf("BG/NBD %+v", bg)
	t.Logf("Pareto/NBD %+v", pn)
	t.Logf("Gamma-Gamma %+v", gg)
	for _, c := range []struct{ want, got, tol float64 }{
		{0.243, bg.R, 0.0005}, {4.414, bg.Alpha, 0.0005}, {0.793, bg.A, 0.0005}, {2.426, bg.B, 0.0005}, {-9582.4, bg.LogLik, 0.05},
		{0.553, pn.R, 0.0005}, {10.578, pn.Alpha, 0.0005}, {0.606, pn.S, 0.0005}, {11.669, pn.Beta, 0.0005}, {-9595.0, pn.LogLik, 0.05},
		{6.25, gg.P, 0.005}, {3.74, gg.Q, 0.005}, {15.44, gg.V, 0.005},
	} {
		assert.InDelta(t, c.want, c.got, c.tol)
	}
}
