package llmtest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// bucket is a continuously refilling token bucket. capacity 0 = unlimited.
type bucket struct {
	capacity float64
	level    float64
}

// limiter holds the request and token buckets. Its mutex is held only for
// O(1) arithmetic, never across a sleep.
type limiter struct {
	mu     sync.Mutex
	window time.Duration
	last   time.Duration // time since start of the last refill
	req    bucket
	tok    bucket
}

func newLimiter(l RateLimits) *limiter {
	return &limiter{
		window: l.Window,
		req:    bucket{capacity: float64(l.Requests), level: float64(l.Requests)},
		tok:    bucket{capacity: float64(l.Tokens), level: float64(l.Tokens)},
	}
}

// snapshot is the state of both buckets after a decision.
type snapshot struct {
	reqLevel, tokLevel float64
}

// verdict of an admission attempt.
type verdict uint8

const (
	admitted verdict = iota
	limitedRequests
	limitedTokens
	tooLarge
)

// refill must be called with mu held.
func (l *limiter) refill(now time.Duration) {
	if now <= l.last {
		return
	}
	dt := float64(now-l.last) / float64(l.window)
	l.last = now
	for _, b := range []*bucket{&l.req, &l.tok} {
		if b.capacity > 0 {
			b.level = math.Min(b.capacity, b.level+dt*b.capacity)
		}
	}
}

// admit charges one request and tokens if both buckets allow. On rejection
// it returns the wait until the request would fit.
func (l *limiter) admit(now time.Duration, tokens int) (verdict, time.Duration, snapshot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refill(now)
	snap := func() snapshot { return snapshot{l.req.level, l.tok.level} }
	t := float64(tokens)
	if l.tok.capacity > 0 && t > l.tok.capacity {
		return tooLarge, 0, snap()
	}
	var reqWait, tokWait time.Duration
	if l.req.capacity > 0 && l.req.level < 1 {
		reqWait = l.wait(l.req, 1)
	}
	if l.tok.capacity > 0 && l.tok.level < t {
		tokWait = l.wait(l.tok, t)
	}
	switch {
	case reqWait == 0 && tokWait == 0:
		if l.req.capacity > 0 {
			l.req.level--
		}
		if l.tok.capacity > 0 {
			l.tok.level -= t
		}
		return admitted, 0, snap()
	case reqWait >= tokWait:
		return limitedRequests, reqWait, snap()
	default:
		return limitedTokens, tokWait, snap()
	}
}

// wait is the time for b to refill to need: deficit·window/capacity, at
// least 1ms.
func (l *limiter) wait(b bucket, need float64) time.Duration {
	d := time.Duration(math.Ceil((need - b.level) * float64(l.window) / b.capacity))
	return max(d, time.Millisecond)
}

// peek returns the bucket state at now without charging.
func (l *limiter) peek(now time.Duration) snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refill(now)
	return snapshot{l.req.level, l.tok.level}
}

// fmtReset formats d like OpenAI: Go duration syntax rounded to 1ms.
func fmtReset(d time.Duration) string {
	if d > 0 && d < time.Millisecond {
		d = time.Millisecond
	}
	return d.Round(time.Millisecond).String()
}

// setRateHeaders writes the six x-ratelimit-* headers unless hs omits
// them. An unlimited bucket reports limit and remaining 2147483647 and
// reset 0s.
func (l *limiter) setRateHeaders(h http.Header, hs Headers, s snapshot) {
	if hs.OmitRateLimit {
		return
	}
	// Only the immutable capacities are read here; levels come from s.
	set := func(kind string, capacity, level float64) {
		limit, remaining, reset := unlimitedHeaderValue, unlimitedHeaderValue, "0s"
		if capacity > 0 {
			limit = int(capacity)
			remaining = int(math.Max(0, math.Floor(level)))
			reset = fmtReset(time.Duration((capacity - level) * float64(l.window) / capacity))
		}
		h["X-Ratelimit-Limit-"+kind] = []string{strconv.Itoa(limit)}
		h["X-Ratelimit-Remaining-"+kind] = []string{strconv.Itoa(remaining)}
		h["X-Ratelimit-Reset-"+kind] = []string{reset}
	}
	set("Requests", l.req.capacity, s.reqLevel)
	set("Tokens", l.tok.capacity, s.tokLevel)
}

// setRetryAfter writes retry-after (ceil seconds) and retry-after-ms (ceil
// milliseconds) as enabled by hs.
func setRetryAfter(h http.Header, hs Headers, d time.Duration) {
	if d <= 0 {
		return
	}
	if !hs.OmitRetryAfter {
		h.Set("Retry-After", strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10))
	}
	if !hs.OmitRetryAfterMs {
		ms := (d + time.Millisecond - 1) / time.Millisecond
		h.Set("Retry-After-Ms", strconv.FormatInt(int64(ms), 10))
	}
}

// rateLimitError is the 429 body for a bucket rejection, in OpenAI's words.
func (l *limiter) rateLimitError(v verdict, model string, tokens int, wait time.Duration, s snapshot) ErrorReply {
	if model == "" {
		model = "the model"
	}
	switch v {
	case limitedRequests:
		used := int(l.req.capacity - math.Floor(s.reqLevel))
		return ErrorReply{Status: http.StatusTooManyRequests, Type: "requests", Code: "rate_limit_exceeded",
			Message: fmt.Sprintf("Rate limit reached for %s in organization org-sim on requests per min (RPM): "+
				"Limit %d, Used %d, Requested 1. Please try again in %s. "+
				"Visit https://platform.openai.com/account/rate-limits to learn more.",
				model, int(l.req.capacity), used, fmtReset(wait))}
	case limitedTokens:
		used := int(l.tok.capacity - math.Floor(s.tokLevel))
		return ErrorReply{Status: http.StatusTooManyRequests, Type: "tokens", Code: "rate_limit_exceeded",
			Message: fmt.Sprintf("Rate limit reached for %s in organization org-sim on tokens per min (TPM): "+
				"Limit %d, Used %d, Requested %d. Please try again in %s. "+
				"Visit https://platform.openai.com/account/rate-limits to learn more.",
				model, int(l.tok.capacity), used, tokens, fmtReset(wait))}
	}
	limit := int(l.tok.capacity)
	if limit == 0 {
		limit = unlimitedHeaderValue
	}
	return tooLargeError(model, limit, tokens)
}

func tooLargeError(model string, limit, tokens int) ErrorReply {
	return ErrorReply{Status: http.StatusTooManyRequests, Type: "tokens", Code: "rate_limit_exceeded",
		Message: fmt.Sprintf("Request too large for %s in organization org-sim on tokens per min (TPM): "+
			"Limit %d, Requested %d. The input or output tokens must be reduced in order to run successfully. "+
			"Visit https://platform.openai.com/account/rate-limits to learn more.", model, limit, tokens)}
}
