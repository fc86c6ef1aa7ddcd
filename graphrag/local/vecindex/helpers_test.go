package vecindex

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// clustered returns n vectors of dimension dim around c random centres
// with gaussian noise, deterministic for seed.
func clustered(n, dim, c int, noise float64, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	centres := make([][]float32, c)
	for i := range centres {
		centres[i] = make([]float32, dim)
		for j := range centres[i] {
			centres[i][j] = float32(r.NormFloat64())
		}
	}
	out := make([][]float32, n)
	for i := range out {
		ce := centres[r.IntN(c)]
		v := make([]float32, dim)
		for j := range v {
			v[j] = ce[j] + float32(noise*r.NormFloat64())
		}
		out[i] = v
	}
	return out
}

// bruteForce is the float64 reference ranking (ties by ascending id).
func bruteForce(ids []uint64, vecs [][]float32, q []float32, k int, accept func(uint64) bool) []uint64 {
	type sc struct {
		id uint64
		s  float64
	}
	norm := func(v []float32) float64 {
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		return math.Sqrt(s)
	}
	qn := norm(q)
	var all []sc
	for i, v := range vecs {
		if accept != nil && !accept(ids[i]) {
			continue
		}
		var d float64
		for j := range v {
			d += float64(v[j]) * float64(q[j])
		}
		if vn := norm(v); vn > 0 && qn > 0 {
			d /= vn * qn
		} else {
			d = 0
		}
		all = append(all, sc{ids[i], d})
	}
	slices.SortFunc(all, func(a, b sc) int {
		switch {
		case a.s > b.s:
			return -1
		case a.s < b.s:
			return 1
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	out := []uint64{}
	for i := 0; i < k && i < len(all); i++ {
		out = append(out, all[i].id)
	}
	return out
}

func hitIDs(h []Hit) []uint64 {
	out := []uint64{}
	for _, x := range h {
		out = append(out, x.ID)
	}
	return out
}

func recall(got []Hit, want []uint64) float64 {
	if len(want) == 0 {
		return 1
	}
	set := map[uint64]bool{}
	for _, id := range want {
		set[id] = true
	}
	n := 0
	for _, h := range got {
		if set[h.ID] {
			n++
		}
	}
	return float64(n) / float64(len(want))
}
