package apiclient

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// pauseGate is the shared pause: a 429 (or 503) carrying a server wait
// closes admission for the whole client until the wait ends. When it ends,
// one waiter goes first as a probe; the others wait for the probe's outcome.
// A success (or any outcome that is not another pause) reopens the gate for
// everyone, another 429 closes it again. So a storm costs about one attempt
// per server wait instead of one per request.
//
// Each waiter wakes at the pause end plus its own jitter, so the probe is a
// random waiter and no herd forms on reopening.
type pauseGate struct {
	active atomic.Bool // fast path: false when no pause or probe is pending

	mu      sync.Mutex
	until   time.Time     // admission closed before this instant
	length  time.Duration // length of the last pause, scales the jitter
	probe   bool          // a pause ended and needs a probe before reopening
	probing bool          // the probe is in flight
	gen     uint64        // incremented by every pause
	changed chan struct{} // closed and replaced on every state change
}

func newPauseGate() *pauseGate {
	return &pauseGate{changed: make(chan struct{})}
}

// broadcast wakes every waiter. Callers hold g.mu.
func (g *pauseGate) broadcast() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// pause closes the gate for d from now (extending, never shortening, a
// pause in progress).
func (g *pauseGate) pause(d time.Duration) {
	if d <= 0 {
		return
	}
	until := time.Now().Add(d)
	g.mu.Lock()
	defer g.mu.Unlock()
	if until.After(g.until) {
		g.until = until
		g.length = d
	}
	g.gen++
	g.probe = true
	g.probing = false
	g.active.Store(true)
	g.broadcast()
}

// probeTicket identifies the probe admitted after a given pause.
type probeTicket struct {
	gen uint64
	ok  bool
}

// wait blocks until the gate admits the caller. A ticket with ok set makes
// the caller the probe, which must call done. waited is the time spent.
func (g *pauseGate) wait(ctx context.Context) (ticket probeTicket, waited time.Duration, err error) {
	if !g.active.Load() {
		return ticket, 0, nil
	}
	start := time.Now()
	for {
		g.mu.Lock()
		now := time.Now()
		ch := g.changed
		var t *time.Timer
		var timer <-chan time.Time
		switch {
		case now.Before(g.until):
			if dl, ok := ctx.Deadline(); ok && dl.Before(g.until) {
				left := g.until.Sub(now)
				g.mu.Unlock()
				return ticket, time.Since(start), fmt.Errorf("%w: the shared pause after a rate limit lasts %v more", ErrWaitExceedsDeadline, left.Round(time.Millisecond))
			}
			t = time.NewTimer(g.until.Sub(now) + jitter(g.length))
			timer = t.C
			g.mu.Unlock()
		case g.probing:
			g.mu.Unlock()
		case g.probe:
			g.probing = true
			ticket = probeTicket{gen: g.gen, ok: true}
			g.mu.Unlock()
			return ticket, time.Since(start), nil
		default:
			g.mu.Unlock()
			return ticket, time.Since(start), nil
		}
		select {
		case <-ctx.Done():
			if t != nil {
				t.Stop()
			}
			return ticket, time.Since(start), ctx.Err()
		case <-ch:
		case <-timer:
		}
		if t != nil {
			t.Stop()
		}
	}
}

// done reports the probe's outcome. answered is true when a response (or a
// transport error) came back: unless a new pause began since the probe was
// admitted, the gate reopens for everyone. A probe that was never sent
// (canceled, rejected) passes the role to the next waiter.
func (g *pauseGate) done(t probeTicket, answered bool) {
	if !t.ok {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if t.gen != g.gen {
		return // a later pause owns the state
	}
	g.probing = false
	if answered {
		g.probe = false
		g.active.Store(false)
	}
	g.broadcast()
}

// closedTo reports whether the gate holds back the holder of t now: a
// pause is in effect (or waits for its probe) and t is not that probe. An
// attempt that passed the gate and then queued for a slot or the limiter
// checks this before it is sent, so work queued before a 429 does not
// rush into the storm the 429 announced.
func (g *pauseGate) closedTo(t probeTicket) bool {
	if !g.active.Load() {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return !(t.ok && t.gen == g.gen)
}

// jitter returns a random extra wait in [0, min(length/8, 1s)).
func jitter(length time.Duration) time.Duration {
	span := min(length/8, time.Second)
	if span <= 0 {
		return 0
	}
	return rand.N(span)
}
