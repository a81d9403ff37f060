package clv_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/clv"
)

func TestFitBGNBD_Recovery(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 50_000
	}
	cs := simulateBGNBD(cdnowBGNBD, n, 1)
	m, err := clv.FitBGNBD(cs)
	require.NoError(t, err)
	t.Logf("n=%d r=%.4f alpha=%.4f a=%.4f b=%.4f", n, m.R, m.Alpha, m.A, m.B)
	// Sampling error at 200,000 customers is a few per cent for a and b.
	assert.InEpsilon(t, cdnowBGNBD.R, m.R, 0.05)
	assert.InEpsilon(t, cdnowBGNBD.Alpha, m.Alpha, 0.05)
	assert.InEpsilon(t, cdnowBGNBD.A, m.A, 0.10)
	assert.InEpsilon(t, cdnowBGNBD.B, m.B, 0.10)
}

func BenchmarkFitBGNBD(b *testing.B) {
	b.Run("CDNOW", func(b *testing.B) {
		cs := cdnowSummary(b)
		for b.Loop() {
			if _, err := clv.FitBGNBD(cs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Synthetic1M", func(b *testing.B) {
		cs := simulateBGNBD(cdnowBGNBD, 1_000_000, 1)
		var m clv.BGNBD
		for b.Loop() {
			var err error
			if m, err = clv.FitBGNBD(cs); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("recovered from 1,000,000: r=%.4f alpha=%.4f a=%.4f b=%.4f (true %.3f %.3f %.3f %.3f)",
			m.R, m.Alpha, m.A, m.B, cdnowBGNBD.R, cdnowBGNBD.Alpha, cdnowBGNBD.A, cdnowBGNBD.B)
	})
}

func BenchmarkFitParetoNBD_CDNOW(b *testing.B) {
	cs := cdnowSummary(b)
	for b.Loop() {
		if _, err := clv.FitParetoNBD(cs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFitGammaGamma_CDNOW(b *testing.B) {
	cs := cdnowSummary(b)
	for b.Loop() {
		if _, err := clv.FitGammaGamma(cs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSummarize_CDNOW(b *testing.B) {
	txs := cdnowTransactions(b)
	for b.Loop() {
		if _, err := clv.Summarize(txs, clv.SummaryOptions{End: cdnowEnd, Unit: clv.Week}); err != nil {
			b.Fatal(err)
		}
	}
}
