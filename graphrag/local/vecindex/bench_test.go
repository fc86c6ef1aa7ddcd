package vecindex

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"slices"
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

// benchHNSW builds the 100k graph (about a minute); with
// VECINDEX_BENCH_SNAPSHOT set to a file path it loads the graph from that
// snapshot when present and writes it there otherwise, so repeated runs
// skip the build (build-s then reports the original build time as 0).
var benchHNSW = sync.OnceValue(func() builtHNSW {
	snap := os.Getenv("VECINDEX_BENCH_SNAPSHOT")
	if snap != "" {
		if f, err := os.Open(snap); err == nil {
			defer f.Close()
			if h, err := LoadHNSW(bufio.NewReader(f)); err == nil {
				return builtHNSW{h, 0}
			}
		}
	}
	defer func() {
		if snap != "" {
			if f, err := os.Create(snap); err == nil {
				_, _ = benchHNSWBuilt.h.WriteTo(f)
				_ = f.Close()
			}
		}
	}()
	benchHNSWBuilt = buildBenchHNSW()
	return benchHNSWBuilt
})

var benchHNSWBuilt builtHNSW

func buildBenchHNSW() builtHNSW {
	vecs, _ := benchData()
	start := time.Now()
	h, _ := NewHNSW(benchDim, HNSWConfig{Seed: 1})
	for i, v := range vecs {
		_ = h.Add(uint64(i), v)
	}
	return builtHNSW{h, time.Since(start)}
}

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

// BenchmarkExact100kFloat is BenchmarkExact100k with the quantised first
// pass turned off: the plain float32 scan it replaces.
func BenchmarkExact100kFloat(b *testing.B) {
	e := benchExact()
	e.SetQuantisedThreshold(math.MaxInt)
	defer e.SetQuantisedThreshold(0)
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

// BenchmarkHNSW100kEf sweeps the search candidate-list size, with the
// int8 graph walk (the default) and in float32 throughout: for each ef
// it reports recall@10 against Exact and the per-query p50 and p99 over
// the 200 queries (the b.N loop only repeats the query set).
func BenchmarkHNSW100kEf(b *testing.B) {
	bh := benchHNSW()
	e := benchExact()
	_, qs := benchData()
	want := make([][]uint64, len(qs))
	for i, q := range qs {
		hits, _ := e.Search(q, 10, nil)
		want[i] = hitIDs(hits)
	}
	for _, mode := range []string{"int8", "float"} {
		bh.h.SetFloatSearch(mode == "float")
		for _, ef := range []int{16, 24, 32, 40, 48, 56, 64} {
			b.Run(fmt.Sprintf("%s/ef=%d", mode, ef), func(b *testing.B) {
				var sum float64
				lat := make([]time.Duration, 0, len(qs))
				for b.Loop() {
					sum, lat = 0, lat[:0]
					for i, q := range qs {
						start := time.Now()
						got, _ := bh.h.SearchEf(q, 10, ef, nil)
						lat = append(lat, time.Since(start))
						sum += recall(got, want[i])
					}
				}
				slices.Sort(lat)
				b.ReportMetric(sum/float64(len(qs)), "recall")
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
	bh.h.SetFloatSearch(false)
}
