package apiclient

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Defaults applied by New; see the package documentation.
const (
	// DefaultConcurrency is the bound on attempts in flight.
	DefaultConcurrency = 10
	// DefaultMaxAttempts is the number of attempts per request.
	DefaultMaxAttempts = 4
	// DefaultBackoffBase is the first backoff, doubled per retry.
	DefaultBackoffBase = 500 * time.Millisecond
	// DefaultBackoffCap caps a single backoff.
	DefaultBackoffCap = 8 * time.Second
	// DefaultMaxServerWait is the longest server wait honoured.
	DefaultMaxServerWait = 2 * time.Minute
	// DefaultFirstByteTimeout bounds the wait for response headers.
	DefaultFirstByteTimeout = 10 * time.Minute
	// DefaultBreakerThreshold is the least number of consecutive failures
	// that open the breaker. The default threshold is the larger of this
	// and twice the concurrency bound: with many attempts in flight, a
	// healthy but flaky upstream (10% 503s) often answers five failures in
	// a row (fast failures finish first), while a dead one fails every
	// attempt and still trips within one round of the slots.
	DefaultBreakerThreshold = 5
	// DefaultBreakerCooldown is how long the breaker stays open.
	DefaultBreakerCooldown = 10 * time.Second
	// DefaultRetryBudgetRatio is the retry tokens earned per success.
	DefaultRetryBudgetRatio = 0.2
	// DefaultRetryBudgetMin is the retry budget's reserve.
	DefaultRetryBudgetMin = 20
)

// Option configures a Client. Options are applied in order by New, which
// returns the first invalid option's error.
type Option func(*config) error

type config struct {
	concurrency        int
	maxAttempts        int
	backoffBase        time.Duration
	backoffCap         time.Duration
	maxElapsed         time.Duration
	maxServerWait      time.Duration
	reqLimit, tokLimit int
	reqPer, tokPer     time.Duration
	costFunc           func(*http.Request) int
	limiter            Limiter
	attemptTimeout     time.Duration
	firstByteTimeout   time.Duration
	breaker            bool
	breakerThreshold   int
	breakerCooldown    time.Duration
	budget             bool
	budgetRatio        float64
	budgetMin          int
	hooks              Hooks
	adaptive           bool
	adaptMin, adaptMax int
	base               http.RoundTripper
	logger             *slog.Logger
	redact             []string
}

func defaultConfig() config {
	return config{
		concurrency:      DefaultConcurrency,
		maxAttempts:      DefaultMaxAttempts,
		backoffBase:      DefaultBackoffBase,
		backoffCap:       DefaultBackoffCap,
		maxServerWait:    DefaultMaxServerWait,
		costFunc:         DefaultCost,
		firstByteTimeout: DefaultFirstByteTimeout,
		breaker:          true,
		breakerThreshold: 0, // automatic: see DefaultBreakerThreshold
		breakerCooldown:  DefaultBreakerCooldown,
		budget:           true,
		budgetRatio:      DefaultRetryBudgetRatio,
		budgetMin:        DefaultRetryBudgetMin,
	}
}

func invalid(option string, value any, why string) error {
	return fmt.Errorf("%w: %s(%v): %s", ErrInvalidOption, option, value, why)
}

// DefaultCost is the default cost function: ceil(ContentLength/4), a
// conservative token estimate of the request body (0 when the length is
// unknown). LLM callers should pass a better estimate with WithCostFunc:
// prompt estimate plus n·max_tokens.
func DefaultCost(r *http.Request) int {
	if r == nil || r.ContentLength <= 0 {
		return 0
	}
	return int((r.ContentLength + 3) / 4)
}

// WithConcurrency bounds the attempts in flight at once (default 10). A
// request waiting to retry does not hold a slot.
func WithConcurrency(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("WithConcurrency", n, "must be at least 1")
		}
		c.concurrency = n
		return nil
	}
}

// WithMaxAttempts sets the attempts per request, first one included
// (default 4). 1 disables retries.
func WithMaxAttempts(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("WithMaxAttempts", n, "must be at least 1")
		}
		c.maxAttempts = n
		return nil
	}
}

// WithBackoff sets the exponential backoff used when the server gives no
// wait: base doubling per retry, capped at max, with full jitter (a uniform
// draw in [0, d)). Default 0.5 s doubling to 8 s.
func WithBackoff(base, max time.Duration) Option {
	return func(c *config) error {
		if base <= 0 {
			return invalid("WithBackoff", base, "base must be positive")
		}
		if max < base {
			return invalid("WithBackoff", max, "max must be at least base")
		}
		c.backoffBase, c.backoffCap = base, max
		return nil
	}
}

// WithMaxElapsed bounds the time from a request's start after which no
// further retry is scheduled (default 0: only the context bounds it).
func WithMaxElapsed(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return invalid("WithMaxElapsed", d, "must not be negative")
		}
		c.maxElapsed = d
		return nil
	}
}

// WithMaxServerWait bounds a server-requested wait (retry-after). A longer
// wait ends the request with the server's error instead (default 2 min).
func WithMaxServerWait(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("WithMaxServerWait", d, "must be positive")
		}
		c.maxServerWait = d
		return nil
	}
}

// WithRequestLimit paces requests to n per window, as a continuously
// refilling bucket of capacity n starting full (default: no limit).
func WithRequestLimit(n int, per time.Duration) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("WithRequestLimit", n, "n must be at least 1")
		}
		if per <= 0 {
			return invalid("WithRequestLimit", per, "window must be positive")
		}
		c.reqLimit, c.reqPer = n, per
		return nil
	}
}

// WithTokenLimit paces the cost (tokens) admitted to n per window, as a
// continuously refilling bucket of capacity n starting full. A request
// whose cost exceeds n is rejected before sending with ErrRequestTooLarge
// (default: no limit).
func WithTokenLimit(n int, per time.Duration) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("WithTokenLimit", n, "n must be at least 1")
		}
		if per <= 0 {
			return invalid("WithTokenLimit", per, "window must be positive")
		}
		c.tokLimit, c.tokPer = n, per
		return nil
	}
}

// WithCostFunc sets how many tokens a request costs against the token limit
// (default DefaultCost). It is called once per request; negative results
// count as 0.
func WithCostFunc(f func(*http.Request) int) Option {
	return func(c *config) error {
		if f == nil {
			return invalid("WithCostFunc", "nil", "function must not be nil")
		}
		c.costFunc = f
		return nil
	}
}

// WithLimiter replaces the built-in pacing limiter (for instance with one
// shared between processes). It takes precedence over WithRequestLimit and
// WithTokenLimit.
func WithLimiter(l Limiter) Option {
	return func(c *config) error {
		if l == nil {
			return invalid("WithLimiter", "nil", "limiter must not be nil")
		}
		c.limiter = l
		return nil
	}
}

// WithAttemptTimeout bounds each attempt (default 0: none). For Do it covers
// reading the whole body; for RoundTrip it covers the time to the response
// headers. A timed-out attempt is retried.
func WithAttemptTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return invalid("WithAttemptTimeout", d, "must not be negative")
		}
		c.attemptTimeout = d
		return nil
	}
}

// WithFirstByteTimeout bounds the time from sending an attempt to its
// response headers (default 10 min; 0 disables). A timed-out attempt is
// retried.
func WithFirstByteTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return invalid("WithFirstByteTimeout", d, "must not be negative")
		}
		c.firstByteTimeout = d
		return nil
	}
}

// WithBreaker configures the circuit breaker: it opens after threshold
// consecutive transport or 5xx failures, fails requests fast with
// ErrCircuitOpen, and lets one probe through after cooldown (default
// max(DefaultBreakerThreshold, 2×concurrency) failures, 10 s). Context
// errors and 4xx responses do not count.
func WithBreaker(threshold int, cooldown time.Duration) Option {
	return func(c *config) error {
		if threshold < 1 {
			return invalid("WithBreaker", threshold, "threshold must be at least 1")
		}
		if cooldown <= 0 {
			return invalid("WithBreaker", cooldown, "cooldown must be positive")
		}
		c.breaker, c.breakerThreshold, c.breakerCooldown = true, threshold, cooldown
		return nil
	}
}

// WithoutBreaker disables the circuit breaker.
func WithoutBreaker() Option {
	return func(c *config) error { c.breaker = false; return nil }
}

// WithRetryBudget bounds retries of failures without a server wait: a
// bucket of min tokens (starting full, refilling fully in 10 s) that each
// such retry spends one of and each success adds ratio to (default 0.2 and
// 20). Retries after a 429 or a server-given wait are paced by the shared
// pause instead and do not spend the budget.
func WithRetryBudget(ratio float64, min int) Option {
	return func(c *config) error {
		if !(ratio >= 0) || ratio > 1000 {
			return invalid("WithRetryBudget", ratio, "ratio must be in [0, 1000]")
		}
		if min < 0 {
			return invalid("WithRetryBudget", min, "min must not be negative")
		}
		c.budget, c.budgetRatio, c.budgetMin = true, ratio, min
		return nil
	}
}

// WithoutRetryBudget disables the retry budget.
func WithoutRetryBudget() Option {
	return func(c *config) error { c.budget = false; return nil }
}

// WithHooks installs tracing and metrics callbacks.
func WithHooks(h Hooks) Option {
	return func(c *config) error { c.hooks = h; return nil }
}

// WithAdaptiveConcurrency replaces the fixed concurrency bound with an AIMD
// one in [min, max]: +1/limit per success, ×0.7 on 429, 503 or latency
// above twice the lowest seen (at most once per round trip). It starts at
// the WithConcurrency value clamped to [min, max] (default: off).
func WithAdaptiveConcurrency(min, max int) Option {
	return func(c *config) error {
		if min < 1 {
			return invalid("WithAdaptiveConcurrency", min, "min must be at least 1")
		}
		if max < min {
			return invalid("WithAdaptiveConcurrency", max, "max must be at least min")
		}
		c.adaptive, c.adaptMin, c.adaptMax = true, min, max
		return nil
	}
}

// WithBaseTransport sets the transport attempts are sent with (default: a
// clone of http.DefaultTransport with MaxIdleConnsPerHost at least the
// concurrency bound).
func WithBaseTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return invalid("WithBaseTransport", "nil", "transport must not be nil")
		}
		c.base = rt
		return nil
	}
}

// WithLogger sets the logger (default: discard). Retries are logged at
// Debug, breaker changes and quota exhaustion at Warn. Logs never contain
// secrets: headers are redacted and URLs lose their query and user info.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return invalid("WithLogger", "nil", "logger must not be nil")
		}
		c.logger = l
		return nil
	}
}

// WithRedactHeaders adds header names (case-insensitive) to redact in logs,
// besides Authorization, Proxy-Authorization, Cookie, Set-Cookie, Token,
// X-Cassandra-Token, Api-Key, X-Api-Key and X-Goog-Api-Key.
func WithRedactHeaders(names ...string) Option {
	return func(c *config) error {
		for _, n := range names {
			if n == "" {
				return invalid("WithRedactHeaders", `""`, "header name must not be empty")
			}
		}
		c.redact = append(c.redact, names...)
		return nil
	}
}
