package apiclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/sethvargo/go-retry"
)

// Client is the resilient HTTP core: pacing, a concurrency bound, a shared
// pause after rate limits, retries with backoff, a retry budget, a circuit
// breaker, a sticky quota breaker and timeouts, around a base transport.
// Create one with New; it is safe for concurrent use. Use one Client per
// (API key, model) when the server limits per key and model.
type Client struct {
	cfg     config
	base    http.RoundTripper
	limiter Limiter
	rl      *RateLimiter // the built-in limiter, if in use
	slots   *slots
	aimd    *aimd
	pause   *pauseGate
	breaker *breaker
	budget  *retryBudget
	redact  redactor
	log     *slog.Logger
	hooks   Hooks
	ctr     counters
	hc      *http.Client

	quota    atomic.Pointer[Error] // sticky terminal account error
	quotaCtx context.Context       // canceled when quota is set
	setQuota context.CancelFunc
	inflight atomic.Int64 // attempts admitted, not yet answered
	inCost   atomic.Int64 // their total cost
}

// New returns a Client configured by opts. It returns an error wrapping
// ErrInvalidOption that names the first invalid option and value.
func New(opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("%w: nil Option", ErrInvalidOption)
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	c := &Client{cfg: cfg, hooks: cfg.hooks, pause: newPauseGate(), redact: newRedactor(cfg.redact)}
	c.log = cfg.logger
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	bound := cfg.concurrency
	if cfg.adaptive {
		bound = cfg.adaptMax
	}
	c.base = cfg.base
	if c.base == nil {
		c.base = defaultTransport(bound)
	}
	c.slots = newSlots(cfg.concurrency)
	if cfg.adaptive {
		c.aimd = newAIMD(cfg.adaptMin, cfg.adaptMax, cfg.concurrency, c.slots.setLimit)
	}
	switch {
	case cfg.limiter != nil:
		c.limiter = cfg.limiter
	case cfg.reqLimit > 0 || cfg.tokLimit > 0:
		c.rl = NewRateLimiter(cfg.reqLimit, cfg.reqPer, cfg.tokLimit, cfg.tokPer)
		c.limiter = c.rl
	}
	if cfg.breaker {
		threshold := cfg.breakerThreshold
		if threshold == 0 {
			threshold = max(DefaultBreakerThreshold, 2*max(cfg.concurrency, cfg.adaptMax))
		}
		c.breaker = newBreaker(threshold, cfg, c.breakerChanged)
	}
	if cfg.budget {
		c.budget = newRetryBudget(cfg.budgetRatio, cfg.budgetMin)
	}
	c.quotaCtx, c.setQuota = context.WithCancel(context.Background())
	c.hc = &http.Client{Transport: c}
	return c, nil
}

// HTTPClient returns an *http.Client that sends through c, for SDKs that
// take one (go-openai, openai-go, langchaingo). It has no Timeout: use
// contexts. The same *http.Client is returned on every call.
func (c *Client) HTTPClient() *http.Client { return c.hc }

// Close closes idle connections. In-flight requests are not affected.
func (c *Client) Close() { c.CloseIdleConnections() }

// Do sends req with ctx (req's own context is ignored) and returns its
// record, never nil. The whole body is read within each attempt, so resets
// and truncation mid-body are retried. Do closes req's body.
func (c *Client) Do(ctx context.Context, req *http.Request) *Response {
	start := time.Now()
	if req == nil {
		c.ctr.requests.Add(1)
		c.ctr.failures.Add(1)
		err := &Error{Class: TerminalRequest, Err: fmt.Errorf("%w: nil request", ErrInvalidRequest)}
		return &Response{Status: StatusError, Err: err, Latency: time.Since(start)}
	}
	res := c.run(ctx, req, false)
	r := &Response{Err: res.err, Attempts: res.attempts, LimitWait: res.limitWait}
	if res.resp != nil {
		r.Code = res.resp.StatusCode
		r.Header = res.resp.Header
		r.Body = res.body
	}
	if res.err == nil {
		r.Status = StatusSuccess
	} else {
		r.Status = statusOf(res.err)
	}
	r.Latency = time.Since(start)
	return r
}

// result is what run hands to Do and RoundTrip.
type result struct {
	resp        *http.Response // last response; Body is the stream on success in stream mode
	body        []byte
	err         error // nil or *Error
	serverFinal bool  // err is the server's own answer (RoundTrip returns resp)
	attempts    int
	limitWait   time.Duration
}

// run executes the request loop shared by Do (stream false) and RoundTrip.
func (c *Client) run(ctx context.Context, req *http.Request, stream bool) *result {
	c.ctr.requests.Add(1)
	res := &result{}
	start := time.Now()
	if err := validate(req); err != nil {
		closeBody(req)
		return c.done(res, &Error{Class: TerminalRequest, Err: err})
	}
	if q := c.quota.Load(); q != nil {
		closeBody(req)
		return c.done(res, c.stickyQuota(q, 0))
	}
	getBody, err := prepareBody(req)
	if err != nil {
		return c.done(res, &Error{Class: TerminalRequest, Err: fmt.Errorf("%w: reading request body: %w", ErrInvalidRequest, err)})
	}
	cost := max(c.cfg.costFunc(req), 0)
	var bo retry.Backoff
	var last *attemptOut
	for n := 1; ; n++ {
		adm, waited, err := c.admit(ctx, cost)
		res.limitWait += waited
		if err != nil {
			return c.done(res, c.clientFailure(last, n-1, err))
		}
		out := c.attempt(ctx, req, getBody, n, stream)
		if !out.notSent {
			res.attempts = n
		}
		c.settle(ctx, adm, out, cost)
		if out.ctxDone {
			// Keep the last server answer (if any) in the error.
			return c.done(res, c.clientFailure(last, n, out.err))
		}
		last = out
		if out.resp != nil {
			res.resp, res.body = out.resp, out.body
		}
		switch {
		case out.class == Success:
			c.budget.success()
			if out.closeFn != nil {
				closeFn := out.closeFn
				out.resp.Body = &streamBody{rc: out.resp.Body, done: func() { closeFn(); c.slots.release() }}
			}
			return c.done(res, nil)
		}
		if out.resp != nil && out.resp.StatusCode == 429 && out.api.Type == "tokens" &&
			out.rl.LimitTokens > 0 && int64(cost) > out.rl.LimitTokens {
			out.class = TerminalRequest // can never fit the server's token bucket
		}
		if !out.class.Retryable() {
			if out.class == TerminalAccount {
				e := c.serverFailure(out, n, nil)
				if c.quota.CompareAndSwap(nil, e) {
					c.setQuota()
					c.log.LogAttrs(ctx, slog.LevelWarn, "apiclient: quota exhausted; failing all further requests",
						slog.Int("status", e.StatusCode), slog.String("code", e.Code), slog.String("type", e.Type))
				}
				c.ctr.quotaExhausted.Add(1)
				res.serverFinal = true
				return c.done(res, e)
			}
			res.serverFinal = out.resp != nil
			return c.done(res, c.serverFailure(out, n, nil))
		}
		wait, fail := c.retryWait(ctx, out, n, start, &bo)
		if fail != nil {
			res.serverFinal = out.resp != nil && fail == errAttemptsExhausted
			if fail == errAttemptsExhausted {
				fail = nil
			}
			return c.done(res, c.serverFailure(out, n, fail))
		}
		c.ctr.retries.Add(1)
		reason := retryReason(out)
		if c.hooks.OnRetry != nil {
			c.hooks.OnRetry(ctx, RetryEvent{Method: req.Method, Target: target(req.URL), Attempt: n, Wait: wait, Reason: reason, Class: out.class})
		}
		if c.log.Enabled(ctx, slog.LevelDebug) {
			c.log.LogAttrs(ctx, slog.LevelDebug, "apiclient: retrying",
				slog.String("method", req.Method), slog.String("target", target(req.URL)),
				slog.Int("attempt", n), slog.Duration("wait", wait), slog.String("reason", reason),
				slog.Any("header", c.redact.header(req.Header)))
		}
		if sharedPause(out) {
			continue // the pause gate holds every request, this one included
		}
		if err := sleep(ctx, c.quotaCtx, wait); err != nil {
			if q := c.quota.Load(); q != nil && ctx.Err() == nil {
				return c.done(res, c.stickyQuota(q, n)) // queued work fails at once
			}
			return c.done(res, c.clientFailure(last, n, ctxError(ctx)))
		}
	}
}

// errAttemptsExhausted marks the end of the attempts (no extra cause).
var errAttemptsExhausted = errors.New("attempts exhausted")

// retryWait decides the wait before the next attempt, or why there is none.
func (c *Client) retryWait(ctx context.Context, out *attemptOut, n int, start time.Time, bo *retry.Backoff) (time.Duration, error) {
	if n >= c.cfg.maxAttempts || RetryDisabled(ctx) {
		return 0, errAttemptsExhausted
	}
	wait := out.wait
	if out.hasWait {
		if wait > c.cfg.maxServerWait {
			return 0, fmt.Errorf("server asked to wait %v, more than the %v allowed (WithMaxServerWait)", wait, c.cfg.maxServerWait)
		}
	} else {
		if *bo == nil {
			*bo = retry.WithFullJitter(retry.WithCappedDuration(c.cfg.backoffCap, retry.NewExponential(c.cfg.backoffBase)))
		}
		var stop bool
		if wait, stop = (*bo).Next(); stop {
			return 0, errAttemptsExhausted
		}
	}
	now := time.Now()
	if c.cfg.maxElapsed > 0 && now.Add(wait).Sub(start) > c.cfg.maxElapsed {
		return 0, fmt.Errorf("next attempt in %v would pass the %v allowed (WithMaxElapsed)", wait, c.cfg.maxElapsed)
	}
	if dl, ok := ctx.Deadline(); ok && now.Add(wait).After(dl) {
		what := "backoff"
		if out.hasWait {
			what = "server-requested wait"
		}
		return 0, fmt.Errorf("%w: %s of %v ends after the deadline (in %v)", ErrWaitExceedsDeadline, what, wait, dl.Sub(now).Round(time.Millisecond))
	}
	status := 0
	if out.resp != nil {
		status = out.resp.StatusCode
	}
	if status != 429 && !out.hasWait && !c.budget.withdraw() {
		return 0, ErrRetryBudget
	}
	return wait, nil
}

// sharedPause reports whether the outcome closes the shared pause gate.
func sharedPause(out *attemptOut) bool {
	return out.resp != nil && out.hasWait && out.wait > 0 &&
		(out.resp.StatusCode == 429 || out.resp.StatusCode == 503)
}

func retryReason(out *attemptOut) string {
	if out.resp != nil {
		return "status " + http.StatusText(out.resp.StatusCode) + " (" + fmt.Sprint(out.resp.StatusCode) + ")"
	}
	if out.err != nil {
		return out.err.Error()
	}
	return out.class.String()
}

// serverFailure builds the error for a request ended by out.
func (c *Client) serverFailure(out *attemptOut, n int, cause error) *Error {
	e := &Error{Attempts: n, Class: out.class, RateLimit: out.rl}
	if out.resp != nil {
		e.StatusCode = out.resp.StatusCode
		e.Type, e.Code, e.Message, e.Param = out.api.Type, out.api.Code, out.api.Message, out.api.Param
		e.RequestID = requestID(out.resp.Header)
		if out.hasWait {
			e.RetryAfter = out.wait
		}
	}
	switch {
	case cause != nil && out.err != nil:
		e.Err = fmt.Errorf("%w (last attempt: %w)", cause, out.err)
	case cause != nil:
		e.Err = cause
	default:
		e.Err = out.err
	}
	return e
}

// clientFailure builds the error for a request the client itself ended
// (context, breaker, limiter, pause, quota), keeping the last attempt's
// server details when there was one.
func (c *Client) clientFailure(last *attemptOut, n int, err error) *Error {
	if e, ok := err.(*Error); ok {
		e.Attempts = n
		return e
	}
	if last == nil || last.ctxDone {
		return &Error{Attempts: n, Class: TerminalRequest, Err: err, RateLimit: unknownRateLimit}
	}
	return c.serverFailure(last, n, err)
}

// stickyQuota is the error for a request refused because the quota is gone.
func (c *Client) stickyQuota(q *Error, n int) *Error {
	c.ctr.quotaExhausted.Add(1)
	e := *q
	e.Attempts = n
	e.Err = fmt.Errorf("%w (sticky: an earlier response said so; not sent)", ErrQuotaExhausted)
	return &e
}

// done records the final outcome in the counters.
func (c *Client) done(res *result, err *Error) *result {
	if err == nil {
		c.ctr.successes.Add(1)
		return res
	}
	res.err = err
	c.ctr.failures.Add(1)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		c.ctr.canceled.Add(1)
	}
	return res
}

// validate rejects requests that cannot be sent at all.
func validate(req *http.Request) error {
	if req.URL == nil {
		return fmt.Errorf("%w: no URL", ErrInvalidRequest)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: unsupported scheme %q", ErrInvalidRequest, req.URL.Scheme)
	}
	if req.URL.Host == "" {
		return fmt.Errorf("%w: no host", ErrInvalidRequest)
	}
	return nil
}

func closeBody(req *http.Request) {
	if req != nil && req.Body != nil {
		req.Body.Close()
	}
}

// prepareBody returns a function producing a fresh body for each attempt:
// req.GetBody when set, otherwise the body read once into memory. The
// original body is closed (RoundTripper contract).
func prepareBody(req *http.Request) (func() (io.ReadCloser, error), error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody != nil {
		req.Body.Close()
		return req.GetBody, nil
	}
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }, nil
}

// sleep waits d or until ctx or quota (the sticky-quota signal) ends.
func sleep(ctx, quota context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-quota.Done():
		return quota.Err()
	}
}
