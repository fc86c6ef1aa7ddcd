package llm

import (
	"context"
	"fmt"
)

// A flight is one distinct text being fetched. Every caller that needs the
// text holds a reference; when the last one gives up (its context ends)
// the flight is abandoned: it leaves the in-flight map, and the upstream
// call carrying it is cancelled once none of its flights is wanted.
type flight struct {
	key  memKey
	dkey diskKey // valid when the disk layer is on
	text string
	done chan struct{} // closed once vec or err is set

	vec []float32
	err error

	// guarded by CachedEmbedder.mu
	refs      int
	job       *job // nil while queued for micro-batching
	abandoned bool
	finished  bool
}

// A job is one upstream call: a chunk of flights, run in its own goroutine
// so that it outlives a caller who gives up while others still wait.
type job struct {
	flights []*flight
	live    int // flights not abandoned; guarded by CachedEmbedder.mu
	cancel  context.CancelFunc
}

// pending is a distinct text of one call that memory did not have.
type pending struct {
	key  memKey
	dkey diskKey
	text string
	pos  []int // positions in the call's texts
}

// wait is a flight a call depends on and the positions it fills.
type wait struct {
	f   *flight
	pos []int
}

// embedSlow finishes Embed from position start, the first memory miss.
func (c *CachedEmbedder) embedSlow(ctx context.Context, texts []string, out [][]float32, backing []float32, start int) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var hits int64
	index := make(map[memKey]int)
	var miss []pending
	for i := start; i < len(texts); i++ {
		k := c.key(texts[i])
		if j, ok := index[k]; ok {
			miss[j].pos = append(miss[j].pos, i)
			continue
		}
		if i > start {
			if v, ok := c.mem.Get(k); ok {
				c.put(out, backing, i, v)
				hits++
				continue
			}
		}
		index[k] = len(miss)
		miss = append(miss, pending{key: k, text: texts[i], pos: []int{i}})
	}
	c.st.hits.Add(hits)
	if c.disk != nil {
		miss = c.fromDisk(miss, out, backing)
	}
	if len(miss) == 0 {
		return out, nil
	}

	waits, err := c.claim(ctx, miss, out, backing)
	if err != nil {
		return nil, err
	}
	for n, w := range waits {
		select {
		case <-w.f.done:
		case <-ctx.Done():
			c.release(waits[n:])
			return nil, ctx.Err()
		}
		if w.f.err != nil {
			c.release(waits[n+1:])
			return nil, w.f.err
		}
		for _, i := range w.pos {
			c.put(out, backing, i, w.f.vec)
		}
	}
	return out, nil
}

// fromDisk serves what it can of miss from the disk layer (one read
// transaction) and returns the rest.
func (c *CachedEmbedder) fromDisk(miss []pending, out [][]float32, backing []float32) []pending {
	keys := make([]diskKey, len(miss))
	for j := range miss {
		miss[j].dkey = c.disk.key(miss[j].text)
		keys[j] = miss[j].dkey
	}
	vecs, corrupt, err := c.disk.get(keys)
	if corrupt > 0 {
		c.st.diskCorrupt.Add(int64(corrupt))
		c.log.Warn("llm: cached embedder: corrupt disk entries refused", "count", corrupt)
	}
	if err != nil {
		c.st.diskErrs.Add(1)
		c.log.Warn("llm: cached embedder: disk read failed", "err", err)
		return miss
	}
	rest := miss[:0]
	var hits int64
	for j, m := range miss {
		v := vecs[j]
		if v == nil {
			rest = append(rest, m)
			continue
		}
		c.remember(m.key, v)
		for _, i := range m.pos {
			c.put(out, backing, i, v)
		}
		hits += int64(len(m.pos))
	}
	c.st.diskHits.Add(hits)
	return rest
}

// claim joins or starts a flight for every text of miss that memory still
// lacks, and returns the flights to wait for.
func (c *CachedEmbedder) claim(ctx context.Context, miss []pending, out [][]float32, backing []float32) ([]wait, error) {
	var hits, misses, joins int64
	waits := make([]wait, 0, len(miss))
	var mine []*flight
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return nil, ErrCacheClosed
	}
	for _, m := range miss {
		if v, ok := c.mem.Get(m.key); ok { // filled since the first look
			for _, i := range m.pos {
				c.put(out, backing, i, v)
			}
			hits += int64(len(m.pos))
			continue
		}
		f, ok := c.inflight[m.key]
		if ok {
			f.refs++
			joins += int64(len(m.pos))
		} else {
			f = &flight{key: m.key, dkey: m.dkey, text: m.text, done: make(chan struct{}), refs: 1}
			c.inflight[m.key] = f
			mine = append(mine, f)
			misses++
			joins += int64(len(m.pos) - 1)
		}
		waits = append(waits, wait{f: f, pos: m.pos})
	}
	if len(mine) > 0 {
		if c.micro != nil {
			c.enqueueLocked(ctx, mine)
		} else {
			c.launchLocked(ctx, mine)
		}
	}
	c.mu.Unlock()
	c.st.hits.Add(hits)
	c.st.misses.Add(misses)
	c.st.waits.Add(joins)
	return waits, nil
}

// release drops the caller's reference on each flight of ws; a flight
// nobody wants any more is abandoned, and so is its upstream call once it
// carries no wanted flight.
func (c *CachedEmbedder) release(ws []wait) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range ws {
		f := w.f
		f.refs--
		if f.refs > 0 || f.finished || f.abandoned {
			continue
		}
		f.abandoned = true
		if c.inflight[f.key] == f {
			delete(c.inflight, f.key)
		}
		switch {
		case f.job != nil:
			if f.job.live--; f.job.live == 0 {
				f.job.cancel()
			}
		case c.micro != nil:
			c.micro.live--
		}
	}
}

// launchLocked splits flights into upstream calls of at most perCall texts
// and starts them. The calls keep vctx's values but not its cancellation:
// they end when Close is called or when no caller wants their flights.
func (c *CachedEmbedder) launchLocked(vctx context.Context, flights []*flight) {
	for len(flights) > 0 {
		n := min(len(flights), c.cfg.perCall)
		j := &job{flights: flights[:n:n], live: n}
		flights = flights[n:]
		for _, f := range j.flights {
			f.job = j
		}
		ctx, cancel := context.WithCancel(context.WithoutCancel(vctx))
		stop := context.AfterFunc(c.closing, cancel)
		j.cancel = func() { stop(); cancel() }
		c.wg.Add(1)
		go c.run(ctx, j)
	}
}

// run makes one upstream call for j's wanted flights and settles them all.
func (c *CachedEmbedder) run(ctx context.Context, j *job) {
	defer c.wg.Done()
	defer j.cancel()
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		c.finish(j, c.stopErr(ctx))
		return
	}
	c.mu.Lock()
	var send []*flight
	for _, f := range j.flights {
		if !f.abandoned {
			send = append(send, f)
		}
	}
	c.mu.Unlock()
	if len(send) == 0 {
		<-c.sem
		c.finish(j, context.Canceled)
		return
	}
	texts := make([]string, len(send))
	for i, f := range send {
		texts[i] = f.text
	}
	c.st.calls.Add(1)
	c.st.texts.Add(int64(len(texts)))
	vecs, err := safeEmbed(ctx, c.inner, texts)
	<-c.sem
	switch {
	case err != nil && ctx.Err() != nil:
		err = c.stopErr(ctx)
	case err != nil:
		err = fmt.Errorf("llm: cached embedder: %w", err)
	case len(vecs) != len(texts):
		err = &UpstreamVectorError{Model: c.model, Index: -1, Got: len(vecs), Want: len(texts)}
	}
	if err != nil {
		if ctx.Err() == nil {
			c.st.upErrs.Add(1)
		}
		c.finish(j, err)
		return
	}
	var keys []diskKey
	var good []*flight
	for i, f := range send {
		if len(vecs[i]) != c.dim {
			f.err = &UpstreamVectorError{Model: c.model, Index: i, Got: len(vecs[i]), Want: c.dim}
			continue
		}
		f.vec = append([]float32(nil), vecs[i]...) // the cache owns its vectors
		keys = append(keys, f.dkey)
		good = append(good, f)
	}
	if len(good) < len(send) {
		c.st.upErrs.Add(1)
	}
	if c.disk != nil && len(good) > 0 {
		vs := make([][]float32, len(good))
		for i, f := range good {
			vs[i] = f.vec
		}
		if err := c.disk.put(keys, vs); err != nil {
			c.st.diskErrs.Add(1)
			c.log.Warn("llm: cached embedder: disk write failed", "err", err)
		}
	}
	for _, f := range good {
		c.remember(f.key, f.vec)
	}
	c.finish(j, context.Canceled)
}

// stopErr is the error of an upstream call cut short: ErrCacheClosed when
// Close did it, else the context's error (every caller had left).
func (c *CachedEmbedder) stopErr(ctx context.Context) error {
	if c.closing.Err() != nil {
		return ErrCacheClosed
	}
	return ctx.Err()
}

// finish settles j's flights: those without a vector or an error of their
// own get err. Only j's goroutine writes vec and err, before done closes.
func (c *CachedEmbedder) finish(j *job, err error) {
	c.mu.Lock()
	for _, f := range j.flights {
		if f.vec == nil && f.err == nil {
			f.err = err
		}
		f.finished = true
		if c.inflight[f.key] == f {
			delete(c.inflight, f.key)
		}
	}
	c.mu.Unlock()
	for _, f := range j.flights {
		close(f.done)
	}
}

// safeEmbed calls inner, turning a panic into an error: it runs on the
// cache's own goroutine, where a panic would take the process down.
func safeEmbed(ctx context.Context, inner Embedder, texts []string) (vecs [][]float32, err error) {
	defer func() {
		if v := recover(); v != nil {
			vecs, err = nil, fmt.Errorf("inner embedder panicked: %v", v)
		}
	}()
	return inner.Embed(ctx, texts)
}
