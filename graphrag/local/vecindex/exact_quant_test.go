package vecindex

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestQuantisedSearchIdentical checks the claim in searchQuantised: the
// int8 first pass with float32 rescoring returns exactly what the plain
// float32 scan returns (same IDs, same scores, same order), across
// upserts, deletes, filters, near-duplicate vectors and the parallel
// split.
func TestQuantisedSearchIdentical(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dim := rapid.IntRange(1, 96).Draw(t, "dim")
		plain, _ := NewExact(dim)
		plain.SetQuantisedThreshold(math.MaxInt)
		quant, _ := NewExact(dim)
		quant.SetQuantisedThreshold(1)
		par := rapid.IntRange(1, 400).Draw(t, "parallel")
		plain.SetParallelThreshold(par)
		quant.SetParallelThreshold(par)

		// A few base vectors and small perturbations of them give many
		// near-ties, the hard case for a bound-based filter.
		nBase := rapid.IntRange(1, 6).Draw(t, "bases")
		bases := make([][]float32, nBase)
		for i := range bases {
			bases[i] = make([]float32, dim)
			for j := range bases[i] {
				bases[i][j] = float32(rapid.Float64Range(-1, 1).Draw(t, "b"))
			}
		}
		noise := rapid.SampledFrom([]float64{0, 1e-4, 1e-2, 0.3}).Draw(t, "noise")
		n := rapid.IntRange(0, 300).Draw(t, "n")
		for range n {
			b := bases[rapid.IntRange(0, nBase-1).Draw(t, "base")]
			v := make([]float32, dim)
			for j := range v {
				v[j] = b[j] + float32(noise*rapid.Float64Range(-1, 1).Draw(t, "e"))
			}
			id := uint64(rapid.IntRange(0, 2*n).Draw(t, "id"))
			require.NoError(t, plain.Add(id, v))
			require.NoError(t, quant.Add(id, v))
			if rapid.IntRange(0, 9).Draw(t, "del") == 0 {
				del := uint64(rapid.IntRange(0, 2*n).Draw(t, "delid"))
				require.Equal(t, plain.Delete(del), quant.Delete(del))
			}
		}
		q := make([]float32, dim)
		b := bases[rapid.IntRange(0, nBase-1).Draw(t, "qbase")]
		for j := range q {
			q[j] = b[j] + float32(0.05*rapid.Float64Range(-1, 1).Draw(t, "qe"))
		}
		var accept func(uint64) bool
		if mod := rapid.IntRange(0, 3).Draw(t, "filter"); mod > 0 {
			accept = func(id uint64) bool { return id%uint64(mod+1) != 0 }
		}
		k := rapid.IntRange(1, 40).Draw(t, "k")
		want, err := plain.Search(q, k, accept)
		require.NoError(t, err)
		got, err := quant.Search(q, k, accept)
		require.NoError(t, err)
		require.Equal(t, want, got)
	})
}
