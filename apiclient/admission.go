package apiclient

import (
	"context"
	"log/slog"
	"time"
)

// admission is what an attempt holds between admit and settle.
type admission struct {
	probe   probeTicket
	verdict func(verdict)
}

// admit waits until an attempt may be sent: the sticky quota and the
// breaker are checked, then the shared pause, a concurrency slot and the
// pacing limiter are waited for (in that order, so the limiter's grant is
// used at once), then the breaker admits the attempt. waited is the time
// spent waiting. On error nothing is held.
//
// The waits also end as soon as the quota becomes exhausted (queued work
// fails at once).
func (c *Client) admit(parent context.Context, cost int) (adm admission, waited time.Duration, err error) {
	if err := parent.Err(); err != nil {
		return adm, 0, ctxError(parent)
	}
	if q := c.quota.Load(); q != nil {
		return adm, 0, c.stickyQuota(q, 0)
	}
	if c.breaker.open() {
		return adm, 0, circuitOpen()
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	stop := context.AfterFunc(c.quotaCtx, cancel)
	defer stop()
	var probe probeTicket
	for {
		var held bool
		probe, held, err = c.pass(ctx, cost, &waited)
		if err != nil {
			return adm, waited, err
		}
		if held {
			break
		}
	}
	fail := func(err error) (admission, time.Duration, error) {
		c.slots.release()
		c.pause.done(probe, false)
		return admission{}, waited, err
	}
	if q := c.quota.Load(); q != nil {
		return fail(c.stickyQuota(q, 0))
	}
	if err := ctx.Err(); err != nil {
		return fail(c.canceled(ctx)) // no attempt starts after cancellation
	}
	v, err := c.breaker.allow()
	if err != nil {
		return fail(circuitOpen())
	}
	c.inflight.Add(1)
	c.inCost.Add(int64(cost))
	return admission{probe: probe, verdict: v}, waited, nil
}

// pass waits for the shared pause, a concurrency slot and the limiter, in
// that order. held reports that the slot is held and the limiter granted
// the cost. When a pause began while the caller queued for the slot, the
// slot is given back (held false, no error) and the caller waits for the
// pause again; the check comes before the limiter so that no grant is
// wasted, and a grant is used at once. On error nothing is held.
func (c *Client) pass(ctx context.Context, cost int, waited *time.Duration) (probe probeTicket, held bool, err error) {
	probe, w, err := c.pause.wait(ctx)
	*waited += w
	c.throttled(ctx, w, "pause")
	if err != nil {
		return probe, false, c.waitError(ctx, err)
	}
	t0 := time.Now()
	slotWaited, err := c.slots.acquire(ctx)
	if slotWaited {
		w = time.Since(t0)
		*waited += w
		c.throttled(ctx, w, "concurrency")
	}
	if err != nil {
		c.pause.done(probe, false)
		return probe, false, c.canceled(ctx)
	}
	if c.pause.closedTo(probe) {
		// A 429 arrived while we queued for the slot: back to the pause.
		c.slots.release()
		c.pause.done(probe, false)
		return probe, false, nil
	}
	if c.limiter != nil {
		var which string
		if c.rl != nil {
			w, which, err = c.rl.wait(ctx, cost)
		} else {
			w, err = c.limiter.Wait(ctx, cost)
			which = "limiter"
		}
		*waited += w
		c.throttled(ctx, w, which)
		if err != nil {
			c.slots.release()
			c.pause.done(probe, false)
			return probe, false, c.waitError(ctx, err)
		}
	}
	return probe, true, nil
}

// waitError maps an admission wait error: context errors keep their
// identity, everything else (too large, beyond the deadline) is wrapped.
func (c *Client) waitError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return c.canceled(ctx)
	}
	return &Error{Class: TerminalRequest, Err: err, RateLimit: unknownRateLimit}
}

// canceled explains why an admission wait on ctx (derived from the
// request's context and the quota signal) ended.
func (c *Client) canceled(ctx context.Context) error {
	if q := c.quota.Load(); q != nil {
		return c.stickyQuota(q, 0)
	}
	return ctxError(ctx)
}

func circuitOpen() *Error {
	return &Error{Class: RetryBackoff, Err: ErrCircuitOpen, RateLimit: unknownRateLimit}
}

// throttled records an admission wait.
func (c *Client) throttled(ctx context.Context, w time.Duration, which string) {
	if w <= 0 {
		return
	}
	c.ctr.throttled.Add(1)
	c.ctr.throttleWait.Add(int64(w))
	if c.hooks.OnThrottle != nil {
		c.hooks.OnThrottle(ctx, ThrottleEvent{Wait: w, Limit: which})
	}
}

// settle applies an attempt's outcome to the shared state: the in-flight
// counts, the limiter, the shared pause, the breaker and the adaptive bound.
// The concurrency slot is released, except for a streamed success, whose
// body releases it.
func (c *Client) settle(ctx context.Context, adm admission, out *attemptOut, cost int) {
	others := c.inflight.Add(-1)
	othersCost := c.inCost.Add(-int64(cost))
	answered := out.resp != nil || (out.err != nil && !out.ctxDone && !out.notSent)
	status := 0
	if out.resp != nil {
		status = out.resp.StatusCode
		if status == 429 && out.class != TerminalAccount {
			c.ctr.rateLimited.Add(1)
		}
		if c.limiter != nil && out.rl.Known() {
			info := out.rl
			info.InFlightRequests, info.InFlightTokens = others, othersCost
			info.Age = out.latency
			c.limiter.Update(info)
		}
		if sharedPause(out) && out.class.Retryable() {
			// A terminal answer pauses nobody, and no wait beyond
			// WithMaxServerWait (which ends this request) holds the rest.
			c.pause.pause(min(out.wait, c.cfg.maxServerWait))
			c.log.LogAttrs(ctx, slog.LevelDebug, "apiclient: shared pause", slog.Duration("wait", out.wait), slog.Int("status", status))
		}
	}
	c.pause.done(adm.probe, answered)
	switch {
	case out.ctxDone || out.notSent:
		adm.verdict(verdictNone)
	case out.resp == nil || status >= 500:
		adm.verdict(verdictFailure)
	case status >= 400:
		adm.verdict(verdictNone)
	default:
		adm.verdict(verdictSuccess)
	}
	if c.aimd != nil && !out.ctxDone {
		c.aimd.observe(out.class == Success, status == 429 || status == 503, out.latency, time.Now())
	}
	if out.closeFn == nil {
		c.slots.release()
	}
}

// breakerChanged is gobreaker's state-change callback.
func (c *Client) breakerChanged(from, to BreakerState) {
	if to == BreakerOpen {
		c.ctr.breakerOpens.Add(1)
	}
	c.log.LogAttrs(context.Background(), slog.LevelWarn, "apiclient: circuit breaker "+to.String(),
		slog.String("from", from.String()), slog.String("to", to.String()))
	if c.hooks.OnBreakerStateChange != nil {
		c.hooks.OnBreakerStateChange(from, to)
	}
}
