package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
)

// The embed suite: the embedding cache in front of the OpenAI provider,
// against the simulator with 50 ms per request.
func embedScenarios() []scenario {
	return []scenario{
		{"cache", "10 000 texts, 30% repeats, 100 texts per request, C=10: uncached vs cached (cold, then warm)", cacheScenario},
		{"microbatch", "400 goroutines each embedding one text: one request each vs coalesced in 2 ms windows", microbatchScenario},
	}
}

const (
	embedLatency = 50 * time.Millisecond
	embedConc    = 10
	embedPerReq  = 100
	embedDims    = 256
)

// embedTexts returns n texts of which a share are repeats of earlier ones,
// in a fixed shuffled order, and the number of distinct texts.
func embedTexts(n int, repeatShare float64) ([]string, int) {
	unique := n - int(float64(n)*repeatShare)
	texts := make([]string, 0, n)
	for i := range unique {
		texts = append(texts, fmt.Sprintf("chunk %05d: the quick brown fox %d jumps over the lazy dog", i, i*7919%10007))
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for len(texts) < n {
		texts = append(texts, texts[rng.IntN(unique)])
	}
	rng.Shuffle(len(texts), func(i, j int) { texts[i], texts[j] = texts[j], texts[i] })
	return texts, unique
}

func newProvider(url string) (*openai.Client, error) {
	return openai.New(openai.WithoutEnvironment(), openai.WithBaseURL(url), openai.WithAPIKey("sk-bench-not-a-secret"),
		// 256 dimensions keep the JSON of 10 000 vectors from making the
		// run CPU-bound on two cores (1536 floats per text is 150 MB of
		// JSON to write and parse); the scenario is about round trips.
		openai.WithEmbeddingModel("text-embedding-3-small"), openai.WithEmbeddingDimensions(embedDims), openai.WithMaxEmbedBatch(embedPerReq),
		openai.WithAPIClientOptions(apiclient.WithConcurrency(embedConc)))
}

// requestsBound is the wall time of r requests of one latency each, C at a
// time.
func requestsBound(r int) float64 {
	return math.Ceil(float64(r)/embedConc) * embedLatency.Seconds()
}

func cacheScenario(ctx context.Context, emit func(record)) error {
	texts, unique := embedTexts(10000, 0.30)
	cfg := llmtest.Config{Seed: 8, Latency: llmtest.FixedLatency(embedLatency)}
	var uncachedWall float64
	// A run that fails returns its error instead, so every emitted row
	// embedded every text.
	emitEmbed := func(client string, wall time.Duration, st llmtest.Stats, bound float64, extra map[string]any) {
		ok, failed := len(texts), 0
		extra["upstream_requests"] = st.Received
		extra["unique_texts"] = unique
		if client == "uncached" {
			uncachedWall = wall.Seconds()
		} else if wall > 0 {
			extra["speedup_vs_uncached"] = round(uncachedWall / wall.Seconds())
		}
		emit(record{Scenario: "cache", Client: client, N: len(texts), OK: ok, Failed: failed, Attempts: st.Received,
			WallS: wall.Seconds(), BoundS: bound, Extra: extra})
	}
	// Uncached: every text goes upstream, 100 per request.
	var uncached time.Duration
	st, err := serverRun(cfg, func(t target) error {
		p, err := newProvider(t.url)
		if err != nil {
			return err
		}
		defer p.Close()
		t.reset()
		start := time.Now()
		_, err = p.Embed(ctx, texts)
		uncached = time.Since(start)
		return err
	})
	if err != nil {
		return err
	}
	emitEmbed("uncached", uncached, st, requestsBound((len(texts)+embedPerReq-1)/embedPerReq), map[string]any{})

	// Cached: cold (only distinct misses go upstream), then warm (nothing).
	var cold, warm time.Duration
	var coldStats, warmStats llm.CacheStats
	var mid llmtest.Stats
	st, err = serverRun(cfg, func(t target) error {
		p, err := newProvider(t.url)
		if err != nil {
			return err
		}
		defer p.Close()
		c, err := llm.NewCachedEmbedder(p, llm.WithCacheMaxTextsPerCall(embedPerReq), llm.WithCacheMaxConcurrentCalls(embedConc))
		if err != nil {
			return err
		}
		defer c.Close()
		t.reset()
		start := time.Now()
		if _, err := c.Embed(ctx, texts); err != nil {
			return err
		}
		cold = time.Since(start)
		coldStats = c.Stats()
		mid = t.stats()
		start = time.Now()
		if _, err := c.Embed(ctx, texts); err != nil {
			return err
		}
		warm = time.Since(start)
		warmStats = c.Stats()
		return nil
	})
	if err != nil {
		return err
	}
	emitEmbed("cached-cold", cold, mid, requestsBound((unique+embedPerReq-1)/embedPerReq),
		map[string]any{"hits": coldStats.Hits, "inflight_joins": coldStats.InflightWaits, "misses": coldStats.Misses})
	warmRun := st
	warmRun.Received = st.Received - mid.Received
	emitEmbed("cached-warm", warm, warmRun, 0,
		map[string]any{"hits": warmStats.Hits - coldStats.Hits, "ns_per_text": round(float64(warm.Nanoseconds()) / float64(len(texts)))})
	return nil
}

func microbatchScenario(ctx context.Context, emit func(record)) error {
	const callers = 400
	texts, _ := embedTexts(callers, 0)
	cfg := llmtest.Config{Seed: 9, Latency: llmtest.FixedLatency(embedLatency)}
	for _, client := range []string{"one-each", "microbatch"} {
		var wall time.Duration
		failed := 0
		st, err := serverRun(cfg, func(t target) error {
			p, err := newProvider(t.url)
			if err != nil {
				return err
			}
			defer p.Close()
			opts := []llm.CacheOption{llm.WithCacheMaxConcurrentCalls(embedConc), llm.WithCacheMaxTextsPerCall(embedPerReq)}
			if client == "microbatch" {
				opts = append(opts, llm.WithMicroBatch(2*time.Millisecond, embedPerReq))
			}
			c, err := llm.NewCachedEmbedder(p, opts...)
			if err != nil {
				return err
			}
			defer c.Close()
			var wg sync.WaitGroup
			var mu sync.Mutex
			t.reset()
			start := time.Now()
			for _, text := range texts {
				wg.Go(func() {
					if _, err := c.Embed(ctx, []string{text}); err != nil {
						mu.Lock()
						failed++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			wall = time.Since(start)
			return nil
		})
		if err != nil {
			return err
		}
		bound := requestsBound((callers + embedPerReq - 1) / embedPerReq)
		emit(record{Scenario: "microbatch", Client: client, N: callers, OK: callers - failed, Failed: failed, Attempts: st.Received,
			WallS: wall.Seconds(), BoundS: bound, Extra: map[string]any{"upstream_requests": st.Received}})
	}
	return nil
}
