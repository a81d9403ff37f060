package crm

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRadixSortEqualsSort checks radixSort against slices.Sort for key
// widths that take an odd and an even number of digit passes, a partial
// last digit, and heavy duplication.
func TestRadixSortEqualsSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, width := range []int{1, radixDigit, radixDigit + 1, 2 * radixDigit, 3*radixDigit - 2, 40, 63, 64} {
		for _, n := range []int{1, 2, 300, 5000} {
			keys := make([]uint64, n)
			for i := range keys {
				keys[i] = rng.Uint64() >> (64 - width)
				if i%3 == 0 && i > 0 {
					keys[i] = keys[i-1] // duplicates
				}
			}
			want := slices.Clone(keys)
			slices.Sort(want)
			radixSort(keys, make([]uint64, n), width)
			assert.Equal(t, want, keys, "width %d, %d keys", width, n)
		}
	}
}

// TestQuintileCutsEqualQuintile checks the division-free scores against
// Quintile for every rank of small and large counts.
func TestQuintileCutsEqualQuintile(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 99, 100, 101, 82868} {
		cuts := newQuintileCuts(n)
		for k := 1; k <= n; k++ {
			if got, want := int(cuts.score(k)), Quintile(k, n); got != want {
				t.Fatalf("rank %d of %d: score %d, Quintile %d", k, n, got, want)
			}
		}
	}
}

// TestScoreRFMPagesEqualsScoreRFM checks that scoring a store's pages in
// place gives what ScoreRFM gives over them joined, and that pages it
// cannot score in place (customers out of order or twice, a second
// currency) are left to ScoreRFM.
func TestScoreRFMPagesEqualsScoreRFM(t *testing.T) {
	asOf := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(8, 9))
	var all []PurchaseSummary
	for i := range 2500 {
		all = append(all, PurchaseSummary{
			CustomerID: fmt.Sprintf("c%05d", i), Orders: 1 + rng.IntN(30), Days: 1,
			Last:  asOf.Add(-time.Duration(rng.IntN(700*24)) * time.Hour),
			Total: Money{Amount: decimal.New(rng.Int64N(1e7), -2), Currency: "EUR"},
		})
	}
	var pages [][]PurchaseSummary
	for rest := all; len(rest) > 0; {
		n := min(len(rest), rng.IntN(700))
		pages, rest = append(pages, rest[:n]), rest[n:]
	}
	want, err := ScoreRFM(all, RFMOptions{AsOf: asOf})
	require.NoError(t, err)
	got, ok := scoreRFMPages(pages, RFMOptions{AsOf: asOf})
	require.True(t, ok)
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		assert.True(t, w.Monetary.Equal(g.Monetary), "customer %s: monetary", w.CustomerID)
		w.Monetary, g.Monetary = Money{}, Money{}
		assert.Equal(t, w, g)
	}

	swapped := [][]PurchaseSummary{{all[1], all[0]}}
	twice := [][]PurchaseSummary{{all[0]}, {all[0]}}
	usd := all[1]
	usd.Total.Currency = "USD"
	currencies := [][]PurchaseSummary{{all[0], usd}}
	for _, bad := range [][][]PurchaseSummary{swapped, twice, currencies} {
		_, ok := scoreRFMPages(bad, RFMOptions{AsOf: asOf})
		assert.False(t, ok)
	}
	_, ok = scoreRFMPages(pages, RFMOptions{})
	assert.False(t, ok, "no as-of instant: left to ScoreRFM to report")
}
