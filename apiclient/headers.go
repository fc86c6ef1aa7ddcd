package apiclient

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxHeaderWait bounds any duration read from a header. Larger values are
// treated as garbage (a days-long retry-after is not a plan).
const maxHeaderWait = 24 * time.Hour

// ServerWait returns the wait the server asked for: retry-after-ms
// (milliseconds, fractions allowed) first, then retry-after (seconds,
// fractions allowed, or an HTTP date). ok is false when neither header holds
// a usable value; negative, non-finite, garbage and absurd (over 24 h)
// values are ignored. A date in the past gives a wait of 0 with ok true.
func ServerWait(h http.Header) (d time.Duration, ok bool) {
	return serverWaitAt(h, time.Now())
}

func serverWaitAt(h http.Header, now time.Time) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	if v := hget(h, "Retry-After-Ms"); v != "" {
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			if d, ok := floatDuration(f, float64(time.Millisecond)); ok {
				return d, true
			}
		}
	}
	v := strings.TrimSpace(hget(h, "Retry-After"))
	if v == "" {
		return 0, false
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return floatDuration(f, float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d > maxHeaderWait {
			return 0, false
		}
		return max(d, 0), true
	}
	return 0, false
}

// floatDuration converts f units to a Duration, rejecting NaN, infinities,
// negatives and values over maxHeaderWait.
func floatDuration(f, unit float64) (time.Duration, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0, false
	}
	ns := f * unit
	if ns > float64(maxHeaderWait) {
		return 0, false
	}
	return time.Duration(math.Ceil(ns)), true
}

// RateLimitInfo is the rate-limit state a response reported in its
// x-ratelimit-* headers. Counts are -1 and durations are -1 when the header
// was absent, negative or unparseable (Azure sends -1 for "unknown").
type RateLimitInfo struct {
	// LimitRequests and LimitTokens are the bucket capacities
	// (x-ratelimit-limit-requests, x-ratelimit-limit-tokens).
	LimitRequests, LimitTokens int64
	// RemainingRequests and RemainingTokens are the bucket levels
	// (x-ratelimit-remaining-requests, x-ratelimit-remaining-tokens).
	RemainingRequests, RemainingTokens int64
	// ResetRequests and ResetTokens are the times until the buckets are full
	// again (x-ratelimit-reset-requests, x-ratelimit-reset-tokens).
	ResetRequests, ResetTokens time.Duration
	// InFlightRequests and InFlightTokens are filled by the Client before it
	// calls Limiter.Update: the attempts (and their cost) admitted by this
	// client, other than the one this response answers, that had not been
	// answered yet. The server may not have counted them in Remaining*
	// (those still in transit). The built-in RateLimiter does not use them;
	// a shared limiter may.
	InFlightRequests, InFlightTokens int64
	// Age bounds how old the figures may be: filled by the Client with the
	// attempt's latency (the server computed them somewhere between
	// receiving the request and answering it). The built-in RateLimiter
	// credits the refill over Age before comparing.
	Age time.Duration
}

// Known reports whether any rate-limit header was usable.
func (r RateLimitInfo) Known() bool {
	return r.LimitRequests >= 0 || r.LimitTokens >= 0 || r.RemainingRequests >= 0 ||
		r.RemainingTokens >= 0 || r.ResetRequests >= 0 || r.ResetTokens >= 0
}

// unknownRateLimit has every field unknown.
var unknownRateLimit = RateLimitInfo{LimitRequests: -1, LimitTokens: -1, RemainingRequests: -1, RemainingTokens: -1, ResetRequests: -1, ResetTokens: -1}

// ParseRateLimit reads the x-ratelimit-* headers. It never fails: missing,
// negative and garbage values are reported as -1.
func ParseRateLimit(h http.Header) RateLimitInfo {
	r := unknownRateLimit
	if h == nil {
		return r
	}
	r.LimitRequests = parseCount(hget(h, "X-Ratelimit-Limit-Requests"))
	r.LimitTokens = parseCount(hget(h, "X-Ratelimit-Limit-Tokens"))
	r.RemainingRequests = parseCount(hget(h, "X-Ratelimit-Remaining-Requests"))
	r.RemainingTokens = parseCount(hget(h, "X-Ratelimit-Remaining-Tokens"))
	r.ResetRequests = ParseResetDuration(hget(h, "X-Ratelimit-Reset-Requests"))
	r.ResetTokens = ParseResetDuration(hget(h, "X-Ratelimit-Reset-Tokens"))
	return r
}

// parseCount parses a non-negative integer count; fractions are floored.
// Anything else gives -1.
func parseCount(v string) int64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return -1
		}
		return n
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f >= math.MaxInt64 {
		return -1
	}
	return int64(f)
}

// ParseResetDuration parses an x-ratelimit-reset-* value. It accepts Go
// durations as OpenAI sends them ("6m0s", "1s", "120ms", "1m30.5s"), plain
// seconds ("20", "0.5") and RFC 3339 timestamps (as Anthropic sends them).
// Missing, negative, garbage and absurd (over 24 h) values give -1.
func ParseResetDuration(v string) time.Duration {
	return parseResetAt(v, time.Now())
}

func parseResetAt(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 64 {
		return -1
	}
	if d, err := time.ParseDuration(v); err == nil {
		if d < 0 || d > maxHeaderWait {
			return -1
		}
		return d
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if d, ok := floatDuration(f, float64(time.Second)); ok {
			return d
		}
		return -1
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		d := t.Sub(now)
		if d > maxHeaderWait {
			return -1
		}
		return max(d, 0)
	}
	return -1
}

// requestID returns the server's request id header, if any.
func requestID(h http.Header) string {
	if h == nil {
		return ""
	}
	if v := hget(h, "X-Request-Id"); v != "" {
		return v
	}
	return hget(h, "Request-Id")
}

// hget is h.Get for a key already in canonical form; it skips the
// canonicalisation (and its allocation) that Get does for every call.
func hget(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}
