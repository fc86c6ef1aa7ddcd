package llm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestCache(t *testing.T, inner Embedder, opts ...CacheOption) *CachedEmbedder {
	t.Helper()
	c, err := NewCachedEmbedder(inner, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// waitFor waits for a condition another goroutine makes true (a caller
// joined a flight, a call is queued); it orders the test's steps and never
// decides an outcome.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 10*time.Second, 100*time.Microsecond)
}

func TestCacheOptionsValidated(t *testing.T) {
	tests := []struct {
		name  string
		inner Embedder
		opts  []CacheOption
	}{
		{"nil inner", nil, nil},
		{"zero dimension", newFake(0), nil},
		{"size", newFake(4), []CacheOption{WithCacheSize(0)}},
		{"texts per call", newFake(4), []CacheOption{WithCacheMaxTextsPerCall(-1)}},
		{"concurrent calls", newFake(4), []CacheOption{WithCacheMaxConcurrentCalls(0)}},
		{"micro window", newFake(4), []CacheOption{WithMicroBatch(0, 8)}},
		{"micro max", newFake(4), []CacheOption{WithMicroBatch(time.Millisecond, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCachedEmbedder(tt.inner, tt.opts...)
			require.ErrorIs(t, err, ErrInvalidRequest)
			require.Nil(t, c)
		})
	}
}

func TestCacheModelAndDimension(t *testing.T) {
	c := newTestCache(t, &fakeEmbedder{model: "m", dim: 7})
	assert.Equal(t, "m", c.Model())
	assert.Equal(t, 7, c.Dimension())
}

func TestCacheHitMissAccounting(t *testing.T) {
	tests := []struct {
		name      string
		opts      []CacheOption
		calls     [][]string
		want      CacheStats // Entries and Bytes checked separately
		wantCalls [][]string
	}{
		{
			name:  "empty call",
			calls: [][]string{{}},
		},
		{
			name:      "cold with duplicate",
			calls:     [][]string{{"a", "b", "a"}},
			want:      CacheStats{Misses: 2, InflightWaits: 1, UpstreamCalls: 1, UpstreamTexts: 2},
			wantCalls: [][]string{{"a", "b"}},
		},
		{
			name:      "warm then mixed",
			calls:     [][]string{{"a", "b"}, {"b", "c", "a", "c"}},
			want:      CacheStats{Hits: 2, Misses: 3, InflightWaits: 1, UpstreamCalls: 2, UpstreamTexts: 3},
			wantCalls: [][]string{{"a", "b"}, {"c"}},
		},
		{
			name:      "all hits",
			calls:     [][]string{{"a", "b"}, {"b", "a", "b"}},
			want:      CacheStats{Hits: 3, Misses: 2, UpstreamCalls: 1, UpstreamTexts: 2},
			wantCalls: [][]string{{"a", "b"}},
		},
		{
			name:      "split into bounded calls",
			opts:      []CacheOption{WithCacheMaxTextsPerCall(2), WithCacheMaxConcurrentCalls(1)},
			calls:     [][]string{{"a", "b", "c", "d", "e"}},
			want:      CacheStats{Misses: 5, UpstreamCalls: 3, UpstreamTexts: 5},
			wantCalls: [][]string{{"a", "b"}, {"c", "d"}, {"e"}},
		},
		{
			name:      "evicted by LRU",
			opts:      []CacheOption{WithCacheSize(1)},
			calls:     [][]string{{"a"}, {"b"}, {"a"}},
			want:      CacheStats{Misses: 3, UpstreamCalls: 3, UpstreamTexts: 3},
			wantCalls: [][]string{{"a"}, {"a"}, {"b"}}, // sorted
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := newFake(8)
			c := newTestCache(t, inner, tt.opts...)
			for _, texts := range tt.calls {
				got, err := c.Embed(context.Background(), texts)
				require.NoError(t, err)
				require.Equal(t, inner.direct(texts), got)
			}
			st := c.Stats()
			assert.Equal(t, st.Entries, int(st.Misses)-evictions(tt.opts, st))
			assert.Equal(t, int64(st.Entries*8*4), st.Bytes)
			st.Entries, st.Bytes = 0, 0
			assert.Equal(t, tt.want, st)
			if tt.wantCalls == nil {
				tt.wantCalls = [][]string{}
			}
			calls := inner.calls()
			if calls == nil {
				calls = [][]string{}
			}
			slices.SortFunc(calls, func(a, b []string) int { return slices.Compare(a, b) })
			assert.Equal(t, tt.wantCalls, calls)
		})
	}
}

// evictions is how many fetched vectors a test's LRU had to drop.
func evictions(opts []CacheOption, st CacheStats) int {
	var cfg cacheConfig
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.size > 0 && int(st.Misses) > cfg.size {
		return int(st.Misses) - cfg.size
	}
	return 0
}

func TestCacheReturnsCopies(t *testing.T) {
	inner := newFake(4)
	c := newTestCache(t, inner)
	got, err := c.Embed(context.Background(), []string{"a", "b"})
	require.NoError(t, err)
	got[0][0] = 42
	_ = append(got[0], 7) // must not spill into got[1]
	require.Equal(t, inner.direct([]string{"b"})[0], got[1])
	again, err := c.Embed(context.Background(), []string{"a"})
	require.NoError(t, err)
	require.Equal(t, inner.direct([]string{"a"}), again)
}

func TestCacheSharedVectors(t *testing.T) {
	inner := newFake(4)
	c := newTestCache(t, inner, WithSharedVectors())
	got, err := c.Embed(context.Background(), []string{"a", "b", "a"})
	require.NoError(t, err)
	require.Equal(t, inner.direct([]string{"a", "b", "a"}), got)
	_ = append(got[0], 7) // capacity is trimmed: no write into the cache
	again, err := c.Embed(context.Background(), []string{"a", "b"})
	require.NoError(t, err)
	require.Equal(t, inner.direct([]string{"a", "b"}), again)
	assert.EqualValues(t, 2, c.Stats().Hits)
}

func TestCacheConcurrentIdenticalRequestsOneUpstreamCall(t *testing.T) {
	inner := newFake(16)
	inner.gate = make(chan struct{})
	c := newTestCache(t, inner)
	const n = 100
	results := make([][][]float32, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i], errs[i] = c.Embed(context.Background(), []string{"same text"}) })
	}
	waitFor(t, func() bool {
		st := c.Stats()
		return st.Hits+st.Misses+st.InflightWaits == n
	})
	close(inner.gate)
	wg.Wait()
	want := inner.direct([]string{"same text"})
	for i := range n {
		require.NoError(t, errs[i])
		require.Equal(t, want, results[i])
	}
	st := c.Stats()
	assert.EqualValues(t, 1, st.UpstreamCalls)
	assert.EqualValues(t, 1, st.Misses)
	assert.EqualValues(t, n-1, st.InflightWaits)
}

func TestCacheBatchJoinsOverlappingBatchInFlight(t *testing.T) {
	inner := newFake(8)
	inner.gate = make(chan struct{})
	inner.started = make(chan []string, 4)
	c := newTestCache(t, inner)
	ctx := context.Background()
	var wg sync.WaitGroup
	var gotA, gotB [][]float32
	var errA, errB error
	wg.Go(func() { gotA, errA = c.Embed(ctx, []string{"a", "b", "c"}) })
	require.Equal(t, []string{"a", "b", "c"}, <-inner.started)
	wg.Go(func() { gotB, errB = c.Embed(ctx, []string{"b", "d", "c"}) })
	require.Equal(t, []string{"d"}, <-inner.started)
	close(inner.gate)
	wg.Wait()
	require.NoError(t, errA)
	require.NoError(t, errB)
	require.Equal(t, inner.direct([]string{"a", "b", "c"}), gotA)
	require.Equal(t, inner.direct([]string{"b", "d", "c"}), gotB)
	st := c.Stats()
	assert.EqualValues(t, 2, st.UpstreamCalls)
	assert.EqualValues(t, 4, st.UpstreamTexts)
	assert.EqualValues(t, 2, st.InflightWaits)
}

func TestCacheRejectsBadUpstreamVectors(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(f *fakeEmbedder)
		wantIndex int
		cachedOK  bool // "ok", fetched in the same call, is cached
	}{
		{"short vector", func(f *fakeEmbedder) {
			f.length = func(s string) int { return map[string]int{"bad": 3}[s] }
		}, 1, true},
		{"long vector", func(f *fakeEmbedder) {
			f.length = func(s string) int { return map[string]int{"bad": 9}[s] }
		}, 1, true},
		{"missing vector", func(f *fakeEmbedder) { f.drop = true }, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := newFake(8)
			tt.setup(inner)
			c := newTestCache(t, inner)
			got, err := c.Embed(context.Background(), []string{"ok", "bad"})
			require.Nil(t, got)
			require.ErrorIs(t, err, ErrBadResponse)
			var ve *UpstreamVectorError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.wantIndex, ve.Index)

			// Nothing wrong was cached: "bad" goes upstream again.
			inner.length, inner.drop = nil, false
			got, err = c.Embed(context.Background(), []string{"ok", "bad"})
			require.NoError(t, err)
			require.Equal(t, inner.direct([]string{"ok", "bad"}), got)
			calls := inner.calls()
			if tt.cachedOK {
				assert.Equal(t, []string{"bad"}, calls[1])
			} else {
				assert.Equal(t, []string{"ok", "bad"}, calls[1])
			}
			assert.EqualValues(t, 1, c.Stats().UpstreamErrors)
		})
	}
}

func TestCacheUpstreamErrorIsolation(t *testing.T) {
	inner := newFake(8)
	inner.fail = func(texts []string) error {
		if slices.Contains(texts, "bad") {
			return fmt.Errorf("call with bad: %w", errFake)
		}
		return nil
	}
	c := newTestCache(t, inner, WithCacheMaxTextsPerCall(2))
	ctx := context.Background()

	t.Run("other callers unaffected", func(t *testing.T) {
		var wg sync.WaitGroup
		var errX, errY error
		var gotX [][]float32
		wg.Go(func() { gotX, errX = c.Embed(ctx, []string{"x1", "x2"}) })
		wg.Go(func() { _, errY = c.Embed(ctx, []string{"bad", "y"}) })
		wg.Wait()
		require.NoError(t, errX)
		require.Equal(t, inner.direct([]string{"x1", "x2"}), gotX)
		require.ErrorIs(t, errY, errFake)
	})
	t.Run("other chunks of the same call are cached", func(t *testing.T) {
		_, err := c.Embed(ctx, []string{"p", "q", "bad", "r"})
		require.ErrorIs(t, err, errFake)
		before := len(inner.calls())
		got, err := c.Embed(ctx, []string{"q", "p"})
		require.NoError(t, err)
		require.Equal(t, inner.direct([]string{"q", "p"}), got)
		require.Len(t, inner.calls(), before, "p and q came from memory")
	})
	t.Run("errors are not cached", func(t *testing.T) {
		before := len(inner.calls())
		_, err := c.Embed(ctx, []string{"bad"})
		require.ErrorIs(t, err, errFake)
		require.Len(t, inner.calls(), before+1)
	})
}

func TestCacheJoinersShareUpstreamError(t *testing.T) {
	inner := newFake(8)
	inner.gate = make(chan struct{})
	inner.fail = func([]string) error { return errFake }
	c := newTestCache(t, inner)
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() { _, errs[i] = c.Embed(context.Background(), []string{"t"}) })
	}
	waitFor(t, func() bool { st := c.Stats(); return st.Misses+st.InflightWaits == 5 })
	close(inner.gate)
	wg.Wait()
	for _, err := range errs {
		require.ErrorIs(t, err, errFake)
	}
	assert.EqualValues(t, 1, c.Stats().UpstreamCalls)
}

func TestCacheErrorMessages(t *testing.T) {
	e := &UpstreamVectorError{Model: "m", Index: 2, Got: 3, Want: 4}
	assert.Contains(t, e.Error(), "length 3 at index 2, want 4")
	e = &UpstreamVectorError{Model: "m", Index: -1, Got: 1, Want: 2}
	assert.Contains(t, e.Error(), "1 vectors for 2 texts")
	assert.True(t, errors.Is(e, ErrBadResponse))
}

type panickyEmbedder struct{}

func (panickyEmbedder) Model() string  { return "panicky" }
func (panickyEmbedder) Dimension() int { return 4 }
func (panickyEmbedder) Embed(context.Context, []string) ([][]float32, error) {
	panic("boom")
}

// A panicking inner embedder fails the call; it never crashes the process.
func TestCacheInnerPanic(t *testing.T) {
	c, err := NewCachedEmbedder(panickyEmbedder{})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Embed(context.Background(), []string{"a", "b"})
	require.ErrorContains(t, err, "inner embedder panicked: boom")
	assert.Zero(t, c.Stats().Entries)
}
