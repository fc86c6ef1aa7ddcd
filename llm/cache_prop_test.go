package llm

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestCacheOrderProperty: whatever the mix of hits, misses, duplicates,
// concurrent overlapping calls, LRU size, chunking, micro-batching and disk
// layer, every call returns exactly what the inner embedder returns for
// its texts, in order, and every requested text is accounted once.
func TestCacheOrderProperty(t *testing.T) {
	dir := t.TempDir()
	run := 0
	rapid.Check(t, func(rt *rapid.T) {
		run++
		vocab := rapid.SliceOfNDistinct(rapid.StringMatching(`[a-f]{1,3}`), 1, 12, rapid.ID).Draw(rt, "vocab")
		word := rapid.SampledFrom(vocab)
		rounds := rapid.SliceOfN(rapid.SliceOfN(rapid.SliceOfN(word, 0, 20), 1, 4), 1, 4).Draw(rt, "rounds")
		opts := []CacheOption{
			WithCacheSize(rapid.IntRange(1, 16).Draw(rt, "size")),
			WithCacheMaxTextsPerCall(rapid.IntRange(1, 6).Draw(rt, "perCall")),
			WithCacheMaxConcurrentCalls(rapid.IntRange(1, 3).Draw(rt, "concurrent")),
		}
		if rapid.Bool().Draw(rt, "micro") {
			opts = append(opts, WithMicroBatch(100*time.Microsecond, rapid.IntRange(1, 8).Draw(rt, "microMax")))
		}
		if rapid.Bool().Draw(rt, "shared") {
			opts = append(opts, WithSharedVectors())
		}
		if rapid.Bool().Draw(rt, "disk") {
			opts = append(opts, WithDiskCache(filepath.Join(dir, fmt.Sprintf("p%d.db", run))))
		}
		inner := newFake(4)
		c, err := NewCachedEmbedder(inner, opts...)
		if err != nil {
			rt.Fatal(err)
		}
		defer func() { _ = c.Close() }()

		var total int64
		for _, calls := range rounds { // the calls of a round run concurrently
			got := make([][][]float32, len(calls))
			errs := make([]error, len(calls))
			var wg sync.WaitGroup
			for i, texts := range calls {
				total += int64(len(texts))
				wg.Go(func() { got[i], errs[i] = c.Embed(context.Background(), texts) })
			}
			wg.Wait()
			for i, texts := range calls {
				if errs[i] != nil {
					rt.Fatalf("call %v: %v", texts, errs[i])
				}
				want := inner.direct(texts)
				if len(got[i]) != len(want) {
					rt.Fatalf("call %v: %d vectors, want %d", texts, len(got[i]), len(want))
				}
				for j := range want {
					if fmt.Sprint(got[i][j]) != fmt.Sprint(want[j]) {
						rt.Fatalf("call %v: vector %d (%q) differs", texts, j, texts[j])
					}
				}
			}
		}
		st := c.Stats()
		if n := st.Hits + st.DiskHits + st.Misses + st.InflightWaits; n != total {
			rt.Fatalf("accounted %d texts, requested %d (%+v)", n, total, st)
		}
		if st.UpstreamTexts > st.Misses || st.UpstreamErrors != 0 || st.DiskCorrupt != 0 {
			rt.Fatalf("stats %+v", st)
		}
		if st.Entries > 16 || st.Bytes != int64(st.Entries)*4*4 {
			rt.Fatalf("entries %d bytes %d", st.Entries, st.Bytes)
		}
	})
}
