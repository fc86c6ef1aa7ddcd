package llmtest

import (
	"fmt"
	"net"
	"time"
)

// Defaults applied by [NewServer] to zero fields of [Config].
const (
	DefaultAddr             = "127.0.0.1:0"
	DefaultSeed             = 1
	DefaultMaxTokens        = 1024
	DefaultEmbeddingDims    = 1536
	DefaultWindow           = time.Minute
	DefaultTimelineCap      = 1 << 16
	DefaultMaxBodyBytes     = 32 << 20
	DefaultStallFor         = 30 * time.Second
	DefaultChatModel        = "gpt-4o-mini"
	DefaultEmbeddingModel   = "text-embedding-3-small"
	unlimitedHeaderValue    = 2147483647
	defaultMaxAttemptKeys   = 1 << 20
	defaultMaxEmbeddingSize = 2048
)

// Config configures a [Server]. The zero value is valid: a server on a random
// loopback port with no latency, no rate limits, no faults and no scripts.
type Config struct {
	// Addr is the listen address; it must be a loopback address.
	// Default "127.0.0.1:0" (a free port).
	Addr string

	// Seed seeds every random decision (latency, fault probability, reply
	// text, embeddings). Default 1. The same seed and the same requests give
	// the same outcomes, whatever the arrival order.
	Seed uint64

	// Models lists the models served by GET /v1/models. Default
	// {"gpt-4o-mini", "text-embedding-3-small", "text-embedding-3-large"}.
	Models []string
	// RejectUnknownModels makes requests for a model not in Models fail with
	// 404 model_not_found. By default any model name is accepted.
	RejectUnknownModels bool

	// DefaultMaxTokens is the completion allowance charged per choice when a
	// chat request sets neither max_tokens nor max_completion_tokens.
	// Default 1024.
	DefaultMaxTokens int

	// EmbeddingDims is the vector size when a request sets no dimensions
	// and the model is not text-embedding-3-large (3072). Default 1536.
	EmbeddingDims int

	// Limits configures the request and token buckets.
	Limits RateLimits

	// Headers switches optional response headers off.
	Headers Headers

	// Latency is drawn per attempt and applied after admission, before the
	// response (for streams: before the headers and first chunk).
	Latency Latency
	// TokenDelay is the inter-token latency: a stream waits TokenDelay
	// between content chunks; a non-streamed reply adds
	// completion_tokens×TokenDelay to Latency.
	TokenDelay time.Duration

	// Faults is an ordered rule list; the first matching rule wins.
	Faults []FaultRule

	// Scripts are canned replies installed at start and again on Reset.
	Scripts []Script

	// TimelineCap bounds the number of per-request records kept in
	// Stats.Timeline (later requests are counted but not recorded).
	// Default 65536.
	TimelineCap int

	// MaxBodyBytes bounds request bodies (413 beyond). Default 32 MiB.
	MaxBodyBytes int64
}

// RateLimits configures two continuously refilling buckets shared by all
// requests to the server: one for requests and one for tokens. A bucket
// holds at most its limit, starts full, and refills at limit/Window per
// unit of time. A request is admitted only when both buckets hold enough;
// a rejected request consumes nothing.
type RateLimits struct {
	// Requests is the request bucket capacity per Window ("RPM"); 0 means
	// unlimited.
	Requests int
	// Tokens is the token bucket capacity per Window ("TPM"); 0 means
	// unlimited.
	Tokens int
	// Window is the refill period of a full bucket. Default one minute; set
	// e.g. time.Second to run minute-scale scenarios sixty times faster.
	Window time.Duration
}

// Headers switches optional headers off. The zero value sends them all.
type Headers struct {
	// OmitRateLimit drops the six x-ratelimit-* headers from every response.
	OmitRateLimit bool
	// OmitRetryAfter drops retry-after (integer seconds, rounded up).
	OmitRetryAfter bool
	// OmitRetryAfterMs drops retry-after-ms (integer milliseconds, rounded up).
	OmitRetryAfterMs bool
	// OmitShouldRetry drops the "x-should-retry: false" sent with a
	// "Request too large" 429 produced by the token bucket.
	OmitShouldRetry bool
}

// withDefaults returns c with defaults applied, or an error for an invalid
// configuration.
func (c Config) withDefaults() (Config, error) {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return c, fmt.Errorf("llmtest: addr %q: %w", c.Addr, err)
	}
	if host != "localhost" {
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return c, fmt.Errorf("llmtest: addr %q is not a loopback address", c.Addr)
		}
	}
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	if len(c.Models) == 0 {
		c.Models = []string{DefaultChatModel, DefaultEmbeddingModel, "text-embedding-3-large"}
	}
	if c.DefaultMaxTokens <= 0 {
		c.DefaultMaxTokens = DefaultMaxTokens
	}
	if c.EmbeddingDims <= 0 {
		c.EmbeddingDims = DefaultEmbeddingDims
	}
	if c.Limits.Window <= 0 {
		c.Limits.Window = DefaultWindow
	}
	if c.Limits.Requests < 0 || c.Limits.Tokens < 0 {
		return c, fmt.Errorf("llmtest: negative rate limit")
	}
	if c.TimelineCap <= 0 {
		c.TimelineCap = DefaultTimelineCap
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if err := c.Latency.validate(); err != nil {
		return c, err
	}
	for i, r := range c.Faults {
		if err := r.validate(); err != nil {
			return c, fmt.Errorf("llmtest: fault rule %d: %w", i, err)
		}
	}
	for i, sc := range c.Scripts {
		if _, err := compileScript(sc); err != nil {
			return c, fmt.Errorf("llmtest: script %d: %w", i, err)
		}
	}
	return c, nil
}
