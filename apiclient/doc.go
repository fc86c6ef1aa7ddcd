// Package apiclient is the resilient HTTP core under every network call
// kgas makes (LLMs, embeddings, Astra DB, users' own APIs). It imports
// nothing of kgas.
//
// A Client wraps a base http.RoundTripper with admission control, retries
// and failure isolation:
//
//   - Do sends one request and returns a *Response record (status, code,
//     body, headers, typed error, attempts, latency, limit wait). It reads
//     the whole body inside each attempt, so a reset or truncation mid-body
//     is retried.
//   - Batch sends many requests with a bounded worker pool and returns
//     exactly one *Response per request, in input order.
//   - The Client is an http.RoundTripper (RoundTrip returns once headers are
//     in, for streaming), and HTTPClient wraps it in an *http.Client for
//     SDKs such as go-openai, openai-go and langchaingo.
//
// # Classification
//
// Classify maps status, the JSON error's type and code, and x-should-retry
// to a Class: Success, RetryAfterWait, RetryBackoff, TerminalRequest or
// TerminalAccount. It never reads message text. Terminal account errors
// (insufficient_quota, credit_balance_exhausted, spend and usage limits,
// billing_hard_limit_reached, access_terminated, 402) are sticky: every
// later and queued request on the Client fails at once with
// ErrQuotaExhausted, unsent.
//
// # Admission
//
// Each attempt passes, in order: the sticky quota and an open breaker
// (fail fast), the shared pause, a concurrency slot, the pacing limiter,
// and the circuit breaker. A request waiting to retry holds no slot.
//
// Pacing (WithRequestLimit, WithTokenLimit) uses two continuously refilling
// token buckets of capacity equal to the per-window limit, starting full, as
// OpenAI enforces RPM and TPM. Each request costs one request and its cost
// function's tokens; a request costing more than the whole token budget is
// rejected before sending with ErrRequestTooLarge. Every response's
// x-ratelimit-remaining-* and -limit-* headers lower the buckets when the
// server knows better (another process sharing the key); missing, negative
// and garbage values are ignored. WithLimiter plugs in another Limiter.
//
// The shared pause: a 429 (or 503) with retry-after-ms or retry-after
// closes admission for the whole Client until the wait ends, instead of
// each request backing off alone. Requests waiting to retry wait on the
// same pause. When it ends, one request (picked by per-waiter jitter) goes
// first as a probe; the rest follow once it is answered, or wait again if
// it drew another 429.
//
// # Retries
//
// Transport errors (resets, EOF, refused connections), timed-out attempts,
// 408, 409, 429 and 5xx (except 501, 505, 511) are retried, up to
// WithMaxAttempts attempts in all. The wait is the server's (retry-after-ms,
// then retry-after in seconds or as an HTTP date) when given, otherwise an
// exponential backoff with full jitter (sethvargo/go-retry). A wait that
// cannot end before the context deadline fails at once with
// ErrWaitExceedsDeadline; a server wait over WithMaxServerWait ends the
// request with the server's error. Request bodies are replayed via GetBody,
// or buffered once when GetBody is nil.
//
// Retries of failures that came without a server wait spend a retry
// budget: a bucket of min tokens, refilled fully in 10 s and by ratio per
// success. When the upstream is down the budget runs dry and requests fail
// with ErrRetryBudget instead of multiplying the load.
//
// A circuit breaker (sony/gobreaker) opens after consecutive transport or
// 5xx failures and fails requests with ErrCircuitOpen until a cool-down
// passes and a probe succeeds. Context errors and 4xx do not count.
//
// # Timeouts
//
// WithAttemptTimeout bounds each attempt, WithFirstByteTimeout the time to
// the response headers, and the context the whole request. Timed-out
// attempts are retried; errors.Is(err, context.Canceled) and
// errors.Is(err, context.DeadlineExceeded) hold when the context was the
// cause.
//
// # Defaults
//
//	concurrency            10 attempts in flight (WithConcurrency)
//	attempts               4 per request, first included (WithMaxAttempts)
//	backoff                0.5 s doubling to 8 s, full jitter (WithBackoff)
//	max elapsed            none; the context bounds it (WithMaxElapsed)
//	max server wait        2 min (WithMaxServerWait)
//	pacing                 none (WithRequestLimit, WithTokenLimit, WithLimiter)
//	cost                   ceil(ContentLength/4) tokens (WithCostFunc)
//	attempt timeout        none (WithAttemptTimeout)
//	first-byte timeout     10 min (WithFirstByteTimeout)
//	circuit breaker        max(5, 2×concurrency) consecutive failures, 10 s cool-down (WithBreaker)
//	retry budget           ratio 0.2, min 20 (WithRetryBudget)
//	adaptive concurrency   off (WithAdaptiveConcurrency)
//	base transport         clone of http.DefaultTransport, MaxIdleConnsPerHost ≥ concurrency
//	logger                 discard (WithLogger)
//
// # Observability and secrets
//
// Hooks receive attempt, retry, throttle and breaker events; Stats returns
// counters. Secret headers (Authorization, Token, Api-Key, X-Api-Key,
// Cookie, ... and WithRedactHeaders) never appear in errors, logs, hook
// events or String output; URLs in them lose their query and user info.
package apiclient
