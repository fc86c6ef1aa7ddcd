package llm

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func benchTexts(n int) []string {
	texts := make([]string, n)
	for i := range texts {
		texts[i] = fmt.Sprintf("chunk %d: a paragraph of a document, long enough to look like the real thing, about knowledge graphs and retrieval", i)
	}
	return texts
}

// hitModes are the hit benchmarks' configurations: the dimension of a
// small local model and of text-embedding-3-small, copies (the default) and
// shared vectors.
var hitModes = []struct {
	name string
	dim  int
	opts []CacheOption
}{
	{"dim384/copy", 384, nil},
	{"dim384/shared", 384, []CacheOption{WithSharedVectors()}},
	{"dim1536/copy", 1536, nil},
	{"dim1536/shared", 1536, []CacheOption{WithSharedVectors()}},
}

func benchHits(b *testing.B, batch int, parallel bool) {
	for _, m := range hitModes {
		b.Run(m.name, func(b *testing.B) {
			c, err := NewCachedEmbedder(newFake(m.dim), m.opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = c.Close() }()
			ctx := context.Background()
			texts := benchTexts(max(batch, 64))
			if _, err := c.Embed(ctx, texts); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			if parallel {
				b.RunParallel(func(pb *testing.PB) {
					for i := 0; pb.Next(); i++ {
						if _, err := c.Embed(ctx, texts[i%64:i%64+1]); err != nil {
							b.Error(err)
							return
						}
					}
				})
				return
			}
			for b.Loop() {
				if _, err := c.Embed(ctx, texts[:batch]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCachedEmbedderHit: one text found in memory (what a GraphRAG
// query pays to embed a question already seen).
func BenchmarkCachedEmbedderHit(b *testing.B) { benchHits(b, 1, false) }

// BenchmarkCachedEmbedderHitBatch100: a batch of 100 texts, all in memory.
func BenchmarkCachedEmbedderHitBatch100(b *testing.B) { benchHits(b, 100, false) }

// BenchmarkCachedEmbedderHitParallel: single-text hits from all cores.
func BenchmarkCachedEmbedderHitParallel(b *testing.B) { benchHits(b, 1, true) }

// slowEmbedder answers after a fixed latency per call (a timer, not a busy
// loop), like a remote API, and counts calls.
type slowEmbedder struct {
	fakeEmbedder
	latency time.Duration
	n       atomic.Int64
}

func (s *slowEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	s.n.Add(1)
	t := time.NewTimer(s.latency)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.direct(texts), nil
}

// uncachedEmbed is the baseline: the same split (perCall texts per call)
// and bound (concurrent calls), every text sent.
func uncachedEmbed(ctx context.Context, inner Embedder, texts []string, perCall, concurrent int) error {
	sem := make(chan struct{}, concurrent)
	var wg sync.WaitGroup
	var failed atomic.Bool
	for lo := 0; lo < len(texts); lo += perCall {
		chunk := texts[lo:min(lo+perCall, len(texts))]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := inner.Embed(ctx, chunk); err != nil {
				failed.Store(true)
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		return fmt.Errorf("uncached embed failed")
	}
	return nil
}

// BenchmarkCachedVsUncached10k: 10 000 texts with 30 % repeats, upstream
// latency 50 ms per call, 256 texts per call, 4 calls at once. Bounds:
// uncached 40 calls → 10 rounds ≈ 500 ms; cached cold 7 000 distinct → 28
// calls → 7 rounds ≈ 350 ms; cached warm (a re-run) 0 calls.
func BenchmarkCachedVsUncached10k(b *testing.B) {
	const n, distinct, latency = 10_000, 7_000, 50 * time.Millisecond
	uniq := benchTexts(distinct)
	rng := rand.New(rand.NewPCG(1, 2))
	texts := append([]string(nil), uniq...)
	for len(texts) < n {
		texts = append(texts, uniq[rng.IntN(distinct)])
	}
	rng.Shuffle(len(texts), func(i, j int) { texts[i], texts[j] = texts[j], texts[i] })
	ctx := context.Background()
	newSlow := func() *slowEmbedder {
		return &slowEmbedder{fakeEmbedder: fakeEmbedder{model: "slow", dim: 256}, latency: latency}
	}

	b.Run("uncached", func(b *testing.B) {
		inner := newSlow()
		for b.Loop() {
			if err := uncachedEmbed(ctx, inner, texts, DefaultCacheTextsPerCall, DefaultCacheConcurrentCalls); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(inner.n.Load())/float64(b.N), "calls/op")
		b.ReportMetric(500, "bound-ms")
	})
	b.Run("cached-cold", func(b *testing.B) {
		inner := newSlow()
		for b.Loop() {
			c, err := NewCachedEmbedder(inner)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Embed(ctx, texts); err != nil {
				b.Fatal(err)
			}
			_ = c.Close()
		}
		b.ReportMetric(float64(inner.n.Load())/float64(b.N), "calls/op")
		b.ReportMetric(350, "bound-ms")
	})
	b.Run("cached-warm", func(b *testing.B) {
		inner := newSlow()
		c, err := NewCachedEmbedder(inner)
		if err != nil {
			b.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		if _, err := c.Embed(ctx, texts); err != nil {
			b.Fatal(err)
		}
		inner.n.Store(0)
		for b.Loop() {
			if _, err := c.Embed(ctx, texts); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(inner.n.Load())/float64(b.N), "calls/op")
		b.ReportMetric(0, "bound-ms")
	})
}

// BenchmarkMicroBatchSingles: 64 goroutines each embed one new text at
// once, upstream latency 50 ms, 4 calls at once. Without micro-batching: 64
// calls → 16 rounds ≈ 800 ms; with a 2 ms window: 1 call ≈ 52 ms.
func BenchmarkMicroBatchSingles(b *testing.B) {
	const callers = 64
	for _, tc := range []struct {
		name string
		opts []CacheOption
	}{
		{"plain", nil},
		{"micro-2ms", []CacheOption{WithMicroBatch(2*time.Millisecond, 256)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			inner := &slowEmbedder{fakeEmbedder: fakeEmbedder{model: "slow", dim: 256}, latency: 50 * time.Millisecond}
			texts := benchTexts(callers)
			for b.Loop() {
				c, err := NewCachedEmbedder(inner, tc.opts...)
				if err != nil {
					b.Fatal(err)
				}
				var wg sync.WaitGroup
				for i := range callers {
					wg.Go(func() {
						if _, err := c.Embed(context.Background(), texts[i:i+1]); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
				_ = c.Close()
			}
			b.ReportMetric(float64(inner.n.Load())/float64(b.N), "calls/op")
		})
	}
}
