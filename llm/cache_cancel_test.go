package llm

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCacheCallerCancellation(t *testing.T) {
	t.Run("owner leaves, joiner still served by the same call", func(t *testing.T) {
		inner := newFake(8)
		inner.gate = make(chan struct{})
		inner.started = make(chan []string, 1)
		c := newTestCache(t, inner)
		ctxA, cancelA := context.WithCancel(context.Background())
		errA := make(chan error, 1)
		go func() { _, err := c.Embed(ctxA, []string{"x"}); errA <- err }()
		<-inner.started
		var gotB [][]float32
		var errB error
		done := make(chan struct{})
		go func() { gotB, errB = c.Embed(context.Background(), []string{"x"}); close(done) }()
		waitFor(t, func() bool { return c.Stats().InflightWaits == 1 })
		cancelA()
		require.ErrorIs(t, <-errA, context.Canceled)
		close(inner.gate)
		<-done
		require.NoError(t, errB)
		require.Equal(t, inner.direct([]string{"x"}), gotB)
		assert.EqualValues(t, 1, c.Stats().UpstreamCalls)
		assert.Zero(t, inner.canceledCalls())
	})
	t.Run("last caller leaves, upstream call cancelled, nothing cached", func(t *testing.T) {
		inner := newFake(8)
		inner.gate = make(chan struct{})
		inner.started = make(chan []string, 2)
		c := newTestCache(t, inner)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { _, err := c.Embed(ctx, []string{"x"}); errc <- err }()
		<-inner.started
		cancel()
		require.ErrorIs(t, <-errc, context.Canceled)
		waitFor(t, func() bool { return inner.canceledCalls() == 1 })
		close(inner.gate)
		got, err := c.Embed(context.Background(), []string{"x"})
		require.NoError(t, err)
		require.Equal(t, inner.direct([]string{"x"}), got)
		assert.EqualValues(t, 2, c.Stats().UpstreamCalls)
	})
	t.Run("already cancelled", func(t *testing.T) {
		c := newTestCache(t, newFake(8))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Embed(ctx, []string{"x"})
		require.ErrorIs(t, err, context.Canceled)
		assert.Zero(t, c.Stats().UpstreamCalls)
	})
}

func TestCacheClose(t *testing.T) {
	t.Run("idempotent, then closed", func(t *testing.T) {
		c, err := NewCachedEmbedder(newFake(8), WithDiskCache(t.TempDir()+"/c.db"), WithMicroBatch(time.Millisecond, 8))
		require.NoError(t, err)
		_, err = c.Embed(context.Background(), []string{"a"})
		require.NoError(t, err)
		require.NoError(t, c.Close())
		require.NoError(t, c.Close())
		_, err = c.Embed(context.Background(), []string{"a"})
		require.ErrorIs(t, err, ErrCacheClosed)
	})
	t.Run("waiting callers released", func(t *testing.T) {
		inner := newFake(8)
		inner.gate = make(chan struct{})
		inner.started = make(chan []string, 1)
		c, err := NewCachedEmbedder(inner)
		require.NoError(t, err)
		errc := make(chan error, 1)
		go func() { _, err := c.Embed(context.Background(), []string{"x"}); errc <- err }()
		<-inner.started
		require.NoError(t, c.Close())
		require.ErrorIs(t, <-errc, ErrCacheClosed)
		require.NoError(t, c.Close())
	})
}
