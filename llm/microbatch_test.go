package llm

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMicroBatchCoalescesSingleCalls(t *testing.T) {
	tests := []struct {
		name      string
		callers   int
		max       int
		perCall   int
		wantCalls int
	}{
		{"one full batch", 10, 10, 256, 1},
		{"two full batches", 20, 10, 256, 2},
		{"batch split by texts per call", 12, 12, 4, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := newFake(8)
			// An hour-long window: only a full queue sends, so the count of
			// upstream calls is exact.
			c := newTestCache(t, inner, WithMicroBatch(time.Hour, tt.max), WithCacheMaxTextsPerCall(tt.perCall))
			got := make([][][]float32, tt.callers)
			errs := make([]error, tt.callers)
			var wg sync.WaitGroup
			for i := range tt.callers {
				wg.Go(func() { got[i], errs[i] = c.Embed(context.Background(), []string{fmt.Sprint("t", i)}) })
			}
			wg.Wait()
			for i := range tt.callers {
				require.NoError(t, errs[i])
				require.Equal(t, inner.direct([]string{fmt.Sprint("t", i)}), got[i])
			}
			st := c.Stats()
			assert.EqualValues(t, tt.wantCalls, st.UpstreamCalls)
			assert.EqualValues(t, tt.callers, st.UpstreamTexts)
		})
	}
}

func TestMicroBatchWindowSendsPartialBatch(t *testing.T) {
	inner := newFake(8)
	c := newTestCache(t, inner, WithMicroBatch(time.Millisecond, 1000))
	texts := []string{"a", "b", "c", "d", "e"}
	var wg sync.WaitGroup
	for _, s := range texts {
		wg.Go(func() {
			got, err := c.Embed(context.Background(), []string{s, "shared"})
			assert.NoError(t, err)
			assert.Equal(t, inner.direct([]string{s, "shared"}), got)
		})
	}
	wg.Wait()
	st := c.Stats()
	assert.EqualValues(t, 6, st.UpstreamTexts)
	assert.LessOrEqual(t, st.UpstreamCalls, int64(5))
	// Later calls find everything in memory.
	_, err := c.Embed(context.Background(), texts)
	require.NoError(t, err)
	assert.Equal(t, st.UpstreamCalls, c.Stats().UpstreamCalls)
}

func TestMicroBatchCallerCancellation(t *testing.T) {
	t.Run("while queued: returns at once, text not sent", func(t *testing.T) {
		inner := newFake(8)
		c := newTestCache(t, inner, WithMicroBatch(time.Hour, 3))
		ctx, cancel := context.WithCancel(context.Background())
		errA := make(chan error, 1)
		go func() { _, err := c.Embed(ctx, []string{"a"}); errA <- err }()
		waitFor(t, func() bool { return c.Stats().Misses == 1 })
		cancel()
		require.ErrorIs(t, <-errA, context.Canceled)

		var wg sync.WaitGroup
		for _, s := range []string{"b", "c", "d"} {
			wg.Go(func() {
				got, err := c.Embed(context.Background(), []string{s})
				assert.NoError(t, err)
				assert.Equal(t, inner.direct([]string{s}), got)
			})
		}
		wg.Wait()
		calls := inner.calls()
		require.Len(t, calls, 1)
		slices.Sort(calls[0])
		assert.Equal(t, []string{"b", "c", "d"}, calls[0])
	})
	t.Run("while upstream: others still served", func(t *testing.T) {
		inner := newFake(8)
		inner.gate = make(chan struct{})
		inner.started = make(chan []string, 1)
		c := newTestCache(t, inner, WithMicroBatch(time.Hour, 2))
		ctx, cancel := context.WithCancel(context.Background())
		errA := make(chan error, 1)
		go func() { _, err := c.Embed(ctx, []string{"a"}); errA <- err }()
		var gotB [][]float32
		var errB error
		done := make(chan struct{})
		go func() { gotB, errB = c.Embed(context.Background(), []string{"b"}); close(done) }()
		<-inner.started
		cancel()
		require.ErrorIs(t, <-errA, context.Canceled)
		close(inner.gate)
		<-done
		require.NoError(t, errB)
		require.Equal(t, inner.direct([]string{"b"}), gotB)
		assert.EqualValues(t, 1, c.Stats().UpstreamCalls)
		assert.Zero(t, inner.canceledCalls())
	})
}

func TestMicroBatchUpstreamErrorFailsOnlyItsCall(t *testing.T) {
	inner := newFake(8)
	inner.fail = func(texts []string) error {
		if slices.Contains(texts, "bad") {
			return errFake
		}
		return nil
	}
	c := newTestCache(t, inner, WithMicroBatch(time.Hour, 2))
	var wg sync.WaitGroup
	errs := map[string]error{}
	var mu sync.Mutex
	embed := func(s string) {
		_, err := c.Embed(context.Background(), []string{s})
		mu.Lock()
		errs[s] = err
		mu.Unlock()
	}
	wg.Go(func() { embed("bad") })
	wg.Go(func() { embed("x") }) // shares "bad"'s upstream call (batch of 2)
	wg.Wait()
	wg.Go(func() { embed("y") })
	wg.Go(func() { embed("z") })
	wg.Wait()
	assert.ErrorIs(t, errs["bad"], errFake)
	assert.ErrorIs(t, errs["x"], errFake)
	assert.NoError(t, errs["y"])
	assert.NoError(t, errs["z"])
}

func TestMicroBatchCloseReleasesQueuedCallers(t *testing.T) {
	inner := newFake(8)
	c, err := NewCachedEmbedder(inner, WithMicroBatch(time.Hour, 100))
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { _, err := c.Embed(context.Background(), []string{"q"}); errc <- err }()
	waitFor(t, func() bool { return c.Stats().Misses == 1 })
	require.NoError(t, c.Close())
	require.ErrorIs(t, <-errc, ErrCacheClosed)
	require.NoError(t, c.Close())
	assert.Empty(t, inner.calls())
}
