package crm

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
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
			if got, want := cuts.score(k), Quintile(k, n); got != want {
				t.Fatalf("rank %d of %d: score %d, Quintile %d", k, n, got, want)
			}
		}
	}
}
