package llm

import (
	"context"
	"time"
)

// WithMicroBatch coalesces the misses of concurrent Embed calls into shared
// upstream calls: a miss waits up to window for others, and the queue is
// sent as soon as maxBatch texts are waiting (split by
// WithCacheMaxTextsPerCall if larger). Each caller gets its own vectors
// back, in order, and may leave (context ended) without affecting the
// others; a text nobody waits for any more is not sent. Default: off
// (misses go upstream at once). Typical: window 2ms, maxBatch 64–256. Both
// must be positive.
func WithMicroBatch(window time.Duration, maxBatch int) CacheOption {
	return func(c *cacheConfig) {
		c.microSet, c.microWindow, c.microMax = true, window, maxBatch
	}
}

// microBatcher holds flights waiting to be sent. All fields are guarded by
// CachedEmbedder.mu.
type microBatcher struct {
	window time.Duration
	max    int

	queue []*flight
	live  int             // queued flights not abandoned
	vctx  context.Context // values for the next upstream call: the first queued caller's
	timer *time.Timer
	armed bool // timer pending; counted in CachedEmbedder.wg
}

// enqueueLocked queues fresh flights; it sends the queue when it is full,
// else makes sure the window timer runs.
func (c *CachedEmbedder) enqueueLocked(ctx context.Context, fs []*flight) {
	m := c.micro
	if len(m.queue) == 0 {
		m.vctx = ctx
	}
	m.queue = append(m.queue, fs...)
	m.live += len(fs)
	if m.live >= m.max {
		c.flushLocked()
		return
	}
	if m.armed {
		return
	}
	m.armed = true
	c.wg.Add(1)
	if m.timer == nil {
		m.timer = time.AfterFunc(m.window, c.microTimer)
	} else {
		m.timer.Reset(m.window)
	}
}

// microTimer runs when the window ends.
func (c *CachedEmbedder) microTimer() {
	defer c.wg.Done()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.micro.armed = false
	if c.closed.Load() { // Close settled the queue
		return
	}
	c.flushLocked()
}

// flushLocked sends the queue's wanted flights.
func (c *CachedEmbedder) flushLocked() {
	m := c.micro
	send := make([]*flight, 0, m.live)
	for _, f := range m.queue {
		if !f.abandoned {
			send = append(send, f)
		}
	}
	vctx := m.vctx
	m.queue, m.live, m.vctx = nil, 0, nil
	if len(send) > 0 {
		c.launchLocked(vctx, send)
	}
}

// stopMicroLocked stops the timer and settles queued flights with
// ErrCacheClosed; the caller closes their done channels after unlocking.
func (c *CachedEmbedder) stopMicroLocked() []*flight {
	m := c.micro
	if m == nil {
		return nil
	}
	if m.armed && m.timer.Stop() {
		m.armed = false
		c.wg.Done()
	}
	queued := m.queue
	m.queue, m.live, m.vctx = nil, 0, nil
	for _, f := range queued {
		f.err = ErrCacheClosed
		f.finished = true
		if c.inflight[f.key] == f {
			delete(c.inflight, f.key)
		}
	}
	return queued
}
