package apiclient

import (
	"sync/atomic"
	"time"
)

// Stats is a snapshot of a Client's counters since New.
type Stats struct {
	// Requests is the number of calls (Do, each Batch item, RoundTrip).
	Requests int64
	// Attempts is the number of attempts sent to the server.
	Attempts int64
	// Successes and Failures count finished requests by outcome.
	Successes, Failures int64
	// Retries is the number of retry decisions.
	Retries int64
	// RateLimited counts 429 responses that were not quota errors.
	RateLimited int64
	// Throttled counts admission waits.
	Throttled int64
	// ThrottleWait is the total time spent in admission waits.
	ThrottleWait time.Duration
	// BreakerOpens counts transitions of the breaker to open.
	BreakerOpens int64
	// QuotaExhausted counts requests failed with ErrQuotaExhausted.
	QuotaExhausted int64
	// Canceled counts requests ended by their context.
	Canceled int64
	// InFlight is the number of attempts in flight now; MaxInFlight the
	// highest seen.
	InFlight, MaxInFlight int64
	// ConcurrencyLimit is the current concurrency bound (it moves under
	// WithAdaptiveConcurrency).
	ConcurrencyLimit int
}

// counters are the live atomic counters behind Stats.
type counters struct {
	requests, attempts, successes, failures, retries, rateLimited   atomic.Int64
	throttled, throttleWait, breakerOpens, quotaExhausted, canceled atomic.Int64
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats {
	inFlight, maxInFlight, limit := c.slots.snapshot()
	return Stats{
		Requests:         c.ctr.requests.Load(),
		Attempts:         c.ctr.attempts.Load(),
		Successes:        c.ctr.successes.Load(),
		Failures:         c.ctr.failures.Load(),
		Retries:          c.ctr.retries.Load(),
		RateLimited:      c.ctr.rateLimited.Load(),
		Throttled:        c.ctr.throttled.Load(),
		ThrottleWait:     time.Duration(c.ctr.throttleWait.Load()),
		BreakerOpens:     c.ctr.breakerOpens.Load(),
		QuotaExhausted:   c.ctr.quotaExhausted.Load(),
		Canceled:         c.ctr.canceled.Load(),
		InFlight:         int64(inFlight),
		MaxInFlight:      int64(maxInFlight),
		ConcurrencyLimit: limit,
	}
}
