package llm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Batch defaults.
const (
	// DefaultBatchConcurrency bounds the calls a batch has in flight.
	DefaultBatchConcurrency = 16
	// DefaultEmbedChunkSize is the number of texts EmbedBatch hands to
	// one Embed call.
	DefaultEmbedChunkSize = 256
)

// Result is one item of a batch: a value or an error.
type Result[T any] struct {
	// Value is the item's value; the zero value when Err is set.
	Value T
	// Err is the item's error, nil on success.
	Err error
}

// BatchOption configures ChatBatch and EmbedBatch.
type BatchOption func(*batchConfig)

type batchConfig struct {
	concurrency int
	chunk       int
}

// WithBatchConcurrency bounds the calls in flight at once (default
// DefaultBatchConcurrency; values below 1 keep the default). The provider's
// own client may bound them further.
func WithBatchConcurrency(n int) BatchOption {
	return func(c *batchConfig) {
		if n >= 1 {
			c.concurrency = n
		}
	}
}

// WithEmbedChunkSize sets how many texts EmbedBatch passes to one Embed call
// (default DefaultEmbedChunkSize; values below 1 keep the default).
func WithEmbedChunkSize(n int) BatchOption {
	return func(c *batchConfig) {
		if n >= 1 {
			c.chunk = n
		}
	}
}

func newBatchConfig(opts []BatchOption) batchConfig {
	c := batchConfig{concurrency: DefaultBatchConcurrency, chunk: DefaultEmbedChunkSize}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// ChatBatch sends every request through m.Chat, at most the batch
// concurrency at once, and returns exactly len(reqs) results in input
// order, each a response or an error. An invalid request fails alone. When
// ctx ends, requests not yet finished get an error matching ctx.Err()
// (errors.Is(err, context.Canceled) after a cancel) and ChatBatch returns
// as soon as the calls in flight have seen the cancellation.
func ChatBatch(ctx context.Context, m ChatModel, reqs []ChatRequest, opts ...BatchOption) []Result[ChatResponse] {
	cfg := newBatchConfig(opts)
	out := make([]Result[ChatResponse], len(reqs))
	if m == nil {
		for i := range out {
			out[i].Err = invalid("model", "nil ChatModel")
		}
		return out
	}
	runBatch(ctx, len(reqs), cfg.concurrency, func(i int) {
		out[i].Value, out[i].Err = m.Chat(ctx, reqs[i])
		out[i].Err = contextualize(ctx, out[i].Err)
	}, func(i int, err error) { out[i].Err = err })
	return out
}

// EmbedBatch embeds texts through e in chunks (WithEmbedChunkSize), at most
// the batch concurrency chunks at once, and returns exactly len(texts)
// results in input order, each a vector or an error. A failed chunk fails
// each of its texts; when the failure is an invalid or too large request,
// the chunk is split in halves and retried, so that one bad text fails
// alone. A chunk answered with the wrong number of vectors fails with
// ErrBadResponse. Cancellation works as in ChatBatch.
func EmbedBatch(ctx context.Context, e Embedder, texts []string, opts ...BatchOption) []Result[[]float32] {
	cfg := newBatchConfig(opts)
	out := make([]Result[[]float32], len(texts))
	if e == nil {
		for i := range out {
			out[i].Err = invalid("embedder", "nil Embedder")
		}
		return out
	}
	chunks := (len(texts) + cfg.chunk - 1) / cfg.chunk
	runBatch(ctx, chunks, cfg.concurrency, func(c int) {
		lo := c * cfg.chunk
		hi := min(lo+cfg.chunk, len(texts))
		embedRange(ctx, e, texts, out, lo, hi)
	}, func(c int, err error) {
		lo := c * cfg.chunk
		for i := lo; i < min(lo+cfg.chunk, len(texts)); i++ {
			out[i].Err = err
		}
	})
	return out
}

// embedRange embeds texts[lo:hi] into out, bisecting on per-request errors.
func embedRange(ctx context.Context, e Embedder, texts []string, out []Result[[]float32], lo, hi int) {
	vecs, err := e.Embed(ctx, texts[lo:hi])
	if err == nil && len(vecs) != hi-lo {
		err = fmt.Errorf("%w: %d vectors for %d texts", ErrBadResponse, len(vecs), hi-lo)
	}
	if err == nil {
		for i, v := range vecs {
			out[lo+i].Value = v
		}
		return
	}
	if hi-lo > 1 && ctx.Err() == nil && (errors.Is(err, ErrInvalidRequest) || errors.Is(err, ErrRequestTooLarge)) {
		mid := lo + (hi-lo)/2
		embedRange(ctx, e, texts, out, lo, mid)
		embedRange(ctx, e, texts, out, mid, hi)
		return
	}
	err = contextualize(ctx, err)
	for i := lo; i < hi; i++ {
		out[i].Err = err
	}
}

// contextualize makes an error that ended a call after ctx ended match
// ctx.Err(), so that callers can tell canceled items by errors.Is.
func contextualize(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %w", cerr, err)
	}
	return err
}

// runBatch runs do(i) for i in [0, n) on at most conc goroutines. Items not
// started when ctx ends are handed to skip with ctx.Err(). It returns when
// every started item has returned.
func runBatch(ctx context.Context, n, conc int, do func(i int), skip func(i int, err error)) {
	if n == 0 {
		return
	}
	done := make([]bool, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(conc, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				do(i)
				done[i] = true
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		for i := range done {
			if !done[i] {
				skip(i, err)
			}
		}
	}
}
