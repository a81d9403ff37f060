package clv_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/clv"
)

// cdnowBGNBD is the published BG/NBD fit to CDNOW (Fader, Hardie & Lee 2005).
var cdnowBGNBD = clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}

func TestFitBGNBD_CDNOW(t *testing.T) {
	m, err := clv.FitBGNBD(cdnowSummary(t))
	require.NoError(t, err)
	t.Logf("r=%.6f alpha=%.6f a=%.6f b=%.6f LL=%.4f", m.R, m.Alpha, m.A, m.B, m.LogLik)
	// Published to 3 decimals (LL to 1).
	assert.InDelta(t, 0.243, m.R, 0.0005)
	assert.InDelta(t, 4.414, m.Alpha, 0.0005)
	assert.InDelta(t, 0.793, m.A, 0.0005)
	assert.InDelta(t, 2.426, m.B, 0.0005)
	assert.InDelta(t, -9582.4, m.LogLik, 0.05)
}

func TestBGNBD_Predictions(t *testing.T) {
	m := cdnowBGNBD
	// FHL 2005, section 5: the customer with x=2, t_x=30.43, T=38.86
	// is expected to make 1.226 purchases in the next 39 weeks.
	c := clv.Customer{ID: "1", X: 2, Tx: 30.43, T: 38.86}
	assert.InDelta(t, 1.226, m.ExpectedPurchases(c, 39), 0.0005)

	// A customer just acquired behaves like the population.
	for _, tt := range []float64{1, 10, 39, 78} {
		assert.InDelta(t, m.ExpectedRepeatPurchases(tt), m.ExpectedPurchases(clv.Customer{}, tt), 1e-9, "t=%v", tt)
	}
	// The probabilities of n purchases sum to 1 and their mean is the
	// expected number.
	var sum, mean float64
	for n := range 200 {
		p := m.ProbPurchases(n, 39)
		sum += p
		mean += float64(n) * p
	}
	assert.InDelta(t, 1, sum, 1e-9)
	assert.InDelta(t, m.ExpectedRepeatPurchases(39), mean, 1e-9)
	assert.Equal(t, 0.0, m.ProbPurchases(-1, 39))

	assert.Equal(t, 1.0, m.ProbAlive(clv.Customer{T: 30}))
	// Longer silence since the last purchase means less likely alive.
	assert.Greater(t, m.ProbAlive(clv.Customer{X: 3, Tx: 30, T: 32}), m.ProbAlive(clv.Customer{X: 3, Tx: 10, T: 32}))
	assert.Equal(t, 0.0, m.ExpectedPurchases(c, 0))
}

func TestFitBGNBD_Errors(t *testing.T) {
	for name, tc := range map[string]struct {
		c     clv.Customer
		field string
	}{
		"NegativeX":   {clv.Customer{ID: "c7", X: -1, T: 3}, "X"},
		"FractionalX": {clv.Customer{ID: "c7", X: 1.5, Tx: 1, T: 3}, "X"},
		"NaNT":        {clv.Customer{ID: "c7", X: 1, Tx: 1, T: math.NaN()}, "T"},
		"TxAfterT":    {clv.Customer{ID: "c7", X: 1, Tx: 4, T: 3}, "Tx"},
		"NegativeTx":  {clv.Customer{ID: "c7", X: 1, Tx: -1, T: 3}, "Tx"},
	} {
		t.Run(name, func(t *testing.T) {
			cs := []clv.Customer{{ID: "ok", X: 1, Tx: 1, T: 2}, tc.c}
			_, err := clv.FitBGNBD(cs)
			require.ErrorIs(t, err, crm.ErrInvalid)
			assert.Contains(t, err.Error(), `"c7"`)
			var verr *crm.ValidationError
			require.True(t, errors.As(err, &verr))
			_, ok := verr.Field(tc.field)
			assert.True(t, ok, "%v", err)
		})
	}
	_, err := clv.FitBGNBD(nil)
	assert.ErrorIs(t, err, clv.ErrNoData)
	_, err = clv.FitBGNBD([]clv.Customer{{T: 3}})
	assert.ErrorIs(t, err, clv.ErrNoData)
}

func TestBGNBD_AEqualsOne(t *testing.T) {
	c := clv.Customer{X: 2, Tx: 30.43, T: 38.86}
	at := func(a float64) clv.BGNBD { return clv.BGNBD{R: 0.243, Alpha: 4.414, A: a, B: 2.426} }
	for _, tt := range []float64{1, 39, 520} {
		// Continuous through A = 1, where the formula has 0/0.
		e := (at(1-1e-3).ExpectedPurchases(c, tt) + at(1+1e-3).ExpectedPurchases(c, tt)) / 2
		assert.InDelta(t, e, at(1).ExpectedPurchases(c, tt), 1e-5, "t=%v", tt)
		e = (at(1-1e-3).ExpectedRepeatPurchases(tt) + at(1+1e-3).ExpectedRepeatPurchases(tt)) / 2
		assert.InDelta(t, e, at(1).ExpectedRepeatPurchases(tt), 1e-5, "t=%v", tt)
		var mean float64
		for n := range 600 {
			mean += float64(n) * at(1).ProbPurchases(n, min(tt, 104))
		}
		assert.InDelta(t, mean, at(1).ExpectedRepeatPurchases(min(tt, 104)), 1e-6, "t=%v", tt)
	}
}
