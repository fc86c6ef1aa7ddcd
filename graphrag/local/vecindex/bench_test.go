package vecindex

import (
	"sync"
	"testing"
	"time"
)

const (
	benchN       = 100_000
	benchDim     = 384
	benchQueries = 200
)

// benchData is built once per test binary: 100 centres, gaussian noise,
// fixed seed; the queries come from the same distribution.
var benchData = sync.OnceValues(func() ([][]float32, [][]float32) {
	all := clustered(benchN+benchQueries, benchDim, 100, 0.6, 2024)
	return all[:benchN], all[benchN:]
})

var benchExact = sync.OnceValue(func() *Exact {
	vecs, _ := benchData()
	e, _ := NewExact(benchDim)
	e.Grow(len(vecs))
	for i, v := range vecs {
		_ = e.Add(uint64(i), v)
	}
	return e
})

type builtHNSW struct {
	h     *HNSW
	build time.Duration
}

var benchHNSW = sync.OnceValue(func() builtHNSW {
	vecs, _ := benchData()
	start := time.Now()
	h, _ := NewHNSW(benchDim, HNSWConfig{Seed: 1})
	for i, v := range vecs {
		_ = h.Add(uint64(i), v)
	}
	return builtHNSW{h, time.Since(start)}
})

var sinkF float32

func BenchmarkDot384(b *testing.B) {
	vecs := clustered(2, benchDim, 1, 1, 1)
	x, y := vecs[0], vecs[1]
	b.Run("kernel", func(b *testing.B) {
		for b.Loop() {
			sinkF += dot(x, y)
		}
	})
	b.Run("go-unrolled8", func(b *testing.B) {
		for b.Loop() {
			sinkF += dotGo(x, y)
		}
	})
	b.Run("naive", func(b *testing.B) {
		for b.Loop() {
			var s float32
			for i := range x {
				s += x[i] * y[i]
			}
			sinkF += s
		}
	})
}

// BenchmarkExact100k: one exact top-10 query per op over 100k×384.
func BenchmarkExact100k(b *testing.B) {
	e := benchExact()
	_, qs := benchData()
	i := 0
	for b.Loop() {
		_, _ = e.Search(qs[i%len(qs)], 10, nil)
		i++
	}
}

// BenchmarkHNSW100k: one HNSW top-10 query per op at default parameters;
// reports recall@10 against Exact and the one-off build time.
func BenchmarkHNSW100k(b *testing.B) {
	bh := benchHNSW()
	e := benchExact()
	_, qs := benchData()
	var sum float64
	for _, q := range qs {
		want, _ := e.Search(q, 10, nil)
		got, _ := bh.h.Search(q, 10, nil)
		sum += recall(got, hitIDs(want))
	}
	i := 0
	for b.Loop() {
		_, _ = bh.h.Search(qs[i%len(qs)], 10, nil)
		i++
	}
	b.ReportMetric(sum/float64(len(qs)), "recall")
	b.ReportMetric(bh.build.Seconds(), "build-s")
}
