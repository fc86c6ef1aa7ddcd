package apiclient

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Batch sends every request with Do and returns exactly len(reqs)
// responses, in input order, each non-nil. At most a few times the
// concurrency bound of goroutines run at once, however long the batch, and
// every attempt still takes a concurrency slot, so the bound holds. A nil
// request gets an error response (ErrInvalidRequest) and does not affect
// the others.
//
// When ctx ends, Batch returns promptly: no new attempt starts, attempts in
// flight are aborted, every unfinished item gets StatusCanceled (or
// StatusTimeout for a deadline) with an error that matches the context
// error under errors.Is, and finished items keep their results.
func (c *Client) Batch(ctx context.Context, reqs []*http.Request) []*Response {
	out := make([]*Response, len(reqs))
	if len(reqs) == 0 {
		return out
	}
	workers := c.batchWorkers(len(reqs))
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for range workers {
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(reqs) || ctx.Err() != nil {
					return
				}
				out[i] = c.Do(ctx, reqs[i])
			}
		}()
	}
	wg.Wait()
	for i, r := range out {
		if r == nil {
			out[i] = c.unstarted(ctx, reqs[i])
		}
	}
	return out
}

// batchWorkers sizes the worker pool: enough goroutines that requests
// waiting to retry (which hold no slot) do not idle the slots, never more
// than the batch.
func (c *Client) batchWorkers(n int) int {
	bound := c.cfg.concurrency
	if c.cfg.adaptive {
		bound = c.cfg.adaptMax
	}
	return min(n, 2*bound+4)
}

// unstarted is the response of an item the batch never started because
// its context ended.
func (c *Client) unstarted(ctx context.Context, req *http.Request) *Response {
	c.ctr.requests.Add(1)
	c.ctr.failures.Add(1)
	c.ctr.canceled.Add(1)
	closeBody(req)
	err := ctxError(ctx)
	if err == nil { // unreachable: workers only stop early when ctx ended
		err = fmt.Errorf("%w: not started", context.Canceled)
	}
	e := &Error{Class: TerminalRequest, Err: err, RateLimit: unknownRateLimit}
	return &Response{Status: statusOf(e), Err: e, Latency: time.Duration(0)}
}
