package apiclient

import (
	"context"
	"time"
)

// Hooks are optional callbacks for tracing and metrics (an OpenTelemetry
// exporter can build spans from them). Nil fields are skipped. Hooks run
// synchronously on the request's goroutine and must not block; they receive
// no request headers, and Target carries no query string or user info.
type Hooks struct {
	// OnAttemptStart is called just before an attempt is sent.
	OnAttemptStart func(ctx context.Context, e AttemptStart)
	// OnAttemptEnd is called when an attempt's outcome is known (for Do, after
	// its body was read; for RoundTrip, once headers arrived).
	OnAttemptEnd func(ctx context.Context, e AttemptEnd)
	// OnRetry is called when the client decides to retry, before it waits.
	OnRetry func(ctx context.Context, e RetryEvent)
	// OnThrottle is called after a request waited for admission.
	OnThrottle func(ctx context.Context, e ThrottleEvent)
	// OnBreakerStateChange is called when the circuit breaker changes state.
	OnBreakerStateChange func(from, to BreakerState)
}

// AttemptStart describes an attempt about to be sent.
type AttemptStart struct {
	// Method is the HTTP method; Target the URL without query or user info.
	Method, Target string
	// Attempt counts from 1.
	Attempt int
}

// AttemptEnd describes a finished attempt.
type AttemptEnd struct {
	// Method is the HTTP method; Target the URL without query or user info.
	Method, Target string
	// Attempt counts from 1.
	Attempt int
	// StatusCode is 0 when no response arrived.
	StatusCode int
	// Class is the attempt's classification.
	Class Class
	// Err is the transport or timeout error, nil when a response arrived.
	Err error
	// Latency is the attempt's duration.
	Latency time.Duration
}

// RetryEvent describes a decision to retry.
type RetryEvent struct {
	// Method is the HTTP method; Target the URL without query or user info.
	Method, Target string
	// Attempt is the attempt that failed (from 1).
	Attempt int
	// Wait is the delay before the next attempt may start.
	Wait time.Duration
	// Reason is a short text: "status 503", "transport: ...", "timeout".
	Reason string
	// Class is the failed attempt's classification.
	Class Class
}

// ThrottleEvent describes a wait for admission.
type ThrottleEvent struct {
	// Wait is how long the request waited.
	Wait time.Duration
	// Limit names what the request waited for: "pause" (the shared pause
	// after a 429), "concurrency" (a slot), "requests" or "tokens" (the
	// default limiter's buckets) or "limiter" (a custom Limiter).
	Limit string
}

// BreakerState is the state of the circuit breaker.
type BreakerState int

const (
	// BreakerClosed lets requests through.
	BreakerClosed BreakerState = iota
	// BreakerHalfOpen lets one probe through.
	BreakerHalfOpen
	// BreakerOpen fails requests with ErrCircuitOpen.
	BreakerOpen
)

// String returns "closed", "half-open" or "open".
func (s BreakerState) String() string {
	switch s {
	case BreakerClosed:
		return "closed"
	case BreakerHalfOpen:
		return "half-open"
	case BreakerOpen:
		return "open"
	}
	return "unknown"
}
