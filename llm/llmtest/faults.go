package llmtest

import (
	"fmt"
	"net/http"
	"time"
)

// FaultKind names a fault. Its string is also the [Outcome] counted in
// [Stats] when the fault is served.
type FaultKind string

// Fault kinds. Status faults send OpenAI-shaped bodies (see the reference,
// §1.3 and §1.5); connection faults misbehave at the TCP or HTTP level.
const (
	// FaultServerError is 500 {"type":"server_error"}.
	FaultServerError FaultKind = "server_error"
	// FaultBadGateway is 502 with an HTML body, as a CDN edge sends it.
	FaultBadGateway FaultKind = "bad_gateway"
	// FaultOverloaded is 503 type service_unavailable_error, code
	// server_is_overloaded.
	FaultOverloaded FaultKind = "overloaded"
	// FaultInsufficientQuota is 429 type and code insufficient_quota: a
	// 429 that never succeeds on retry.
	FaultInsufficientQuota FaultKind = "insufficient_quota"
	// FaultRequestTooLarge is 429 type tokens, code rate_limit_exceeded,
	// "Request too large …": it never succeeds on retry.
	FaultRequestTooLarge FaultKind = "request_too_large"
	// FaultRateLimited is 429 type requests, code rate_limit_exceeded, with
	// remaining-requests 0. Combined with a time window (After, Before) and
	// RetryAfter it makes a 429 storm.
	FaultRateLimited FaultKind = "rate_limited"
	// FaultErrorIn200 is status 200 with an {"error":{…}} body (for streams,
	// an SSE error event).
	FaultErrorIn200 FaultKind = "error_in_200"
	// FaultMalformedJSON is status 200 with a cut, unparseable JSON body
	// (for streams, a garbled event).
	FaultMalformedJSON FaultKind = "malformed_json"
	// FaultResetBeforeHeaders closes the connection with a TCP RST before
	// any response byte.
	FaultResetBeforeHeaders FaultKind = "reset_before_headers"
	// FaultResetMidBody sends the headers and about half of the body, then
	// resets the connection.
	FaultResetMidBody FaultKind = "reset_mid_body"
	// FaultTruncated announces the full Content-Length (streams: no
	// length), sends about half of the body and closes the connection
	// normally.
	FaultTruncated FaultKind = "truncated"
	// FaultStall sends the headers and about half of the body, then
	// stalls until the client goes away, StallFor passes or the server
	// closes; then it resets the connection.
	FaultStall FaultKind = "stall"
)

// valid reports whether k is a known kind.
func (k FaultKind) valid() bool {
	switch k {
	case FaultServerError, FaultBadGateway, FaultOverloaded, FaultInsufficientQuota,
		FaultRequestTooLarge, FaultRateLimited, FaultErrorIn200, FaultMalformedJSON,
		FaultResetBeforeHeaders, FaultResetMidBody, FaultTruncated, FaultStall:
		return true
	}
	return false
}

// Fault is what a matching rule or script does to a request.
type Fault struct {
	// Kind selects the fault.
	Kind FaultKind `json:"kind"`
	// RetryAfter, when positive, adds retry-after (ceil seconds) and
	// retry-after-ms headers (each switchable in [Headers]).
	RetryAfter time.Duration `json:"retry_after,omitempty"`
	// ShouldRetry, when "true" or "false", is sent as x-should-retry.
	ShouldRetry string `json:"should_retry,omitempty"`
	// Delay is the time-to-error: the fault is served after Delay (the
	// normal latency distribution is not applied to faults).
	Delay time.Duration `json:"delay,omitempty"`
	// StallFor bounds a FaultStall. Default 30s.
	StallFor time.Duration `json:"stall_for,omitempty"`
}

// FaultRule applies a Fault to requests that match every set condition.
// Rules are checked in order, after the request parsed and before
// admission; the first match wins. Faults that reject (the 429 kinds) do not
// consume rate-limit budget; every other fault is first admitted and
// charged like a successful request ("unsuccessful requests count").
type FaultRule struct {
	Fault

	// Endpoint restricts the rule to "chat" or "embeddings"; "" matches both.
	Endpoint string `json:"endpoint,omitempty"`
	// Probability, in (0, 1], is the chance an otherwise matching request
	// faults; 0 means always. Draws are a pure function of the seed, the
	// rule index and the attempt.
	Probability float64 `json:"probability,omitempty"`
	// FromRequest and ToRequest bound the request ordinal (1-based arrival
	// number since start or Reset), inclusive; 0 means unbounded.
	FromRequest int64 `json:"from_request,omitempty"`
	ToRequest   int64 `json:"to_request,omitempty"`
	// EveryNth matches ordinals divisible by EveryNth; 0 disables.
	EveryNth int64 `json:"every_nth,omitempty"`
	// After and Before bound the arrival time since start or Reset:
	// [After, Before); Before 0 means unbounded.
	After  time.Duration `json:"after,omitempty"`
	Before time.Duration `json:"before,omitempty"`
}

func (f Fault) validate() error {
	if !f.Kind.valid() {
		return fmt.Errorf("unknown fault kind %q", f.Kind)
	}
	if f.ShouldRetry != "" && f.ShouldRetry != "true" && f.ShouldRetry != "false" {
		return fmt.Errorf("should_retry %q: want \"\", \"true\" or \"false\"", f.ShouldRetry)
	}
	if f.RetryAfter < 0 || f.Delay < 0 || f.StallFor < 0 {
		return fmt.Errorf("negative duration in fault %s", f.Kind)
	}
	return nil
}

func (r FaultRule) validate() error {
	if err := r.Fault.validate(); err != nil {
		return err
	}
	switch r.Endpoint {
	case "", endpointChat, endpointEmbeddings:
	default:
		return fmt.Errorf("endpoint %q: want \"\", %q or %q", r.Endpoint, endpointChat, endpointEmbeddings)
	}
	if r.Probability < 0 || r.Probability > 1 || r.Probability != r.Probability {
		return fmt.Errorf("probability %v not in [0, 1]", r.Probability)
	}
	if r.FromRequest < 0 || r.ToRequest < 0 || r.EveryNth < 0 || r.After < 0 || r.Before < 0 {
		return fmt.Errorf("negative bound")
	}
	return nil
}

// matches reports whether the rule applies; u is the attempt's uniform draw
// for this rule.
func (r *FaultRule) matches(endpoint string, ordinal int64, at time.Duration, u float64) bool {
	switch {
	case r.Endpoint != "" && r.Endpoint != endpoint,
		r.FromRequest > 0 && ordinal < r.FromRequest,
		r.ToRequest > 0 && ordinal > r.ToRequest,
		r.EveryNth > 0 && ordinal%r.EveryNth != 0,
		at < r.After,
		r.Before > 0 && at >= r.Before,
		r.Probability > 0 && u >= r.Probability:
		return false
	}
	return true
}

// rejects reports whether the fault is a rejection that charges no budget.
func (k FaultKind) rejects() bool {
	return k == FaultInsufficientQuota || k == FaultRequestTooLarge || k == FaultRateLimited
}

// statusError returns the error response of a status fault, or false for
// the connection-level kinds.
func (f *Fault) statusError(model string, tokens, tokenLimit int) (ErrorReply, bool) {
	switch f.Kind {
	case FaultServerError, FaultErrorIn200:
		return ErrorReply{Status: http.StatusInternalServerError, Type: "server_error",
			Message: "The server had an error while processing your request. Sorry about that!"}, true
	case FaultOverloaded:
		return ErrorReply{Status: http.StatusServiceUnavailable, Type: "service_unavailable_error",
			Code:    "server_is_overloaded",
			Message: "The server is overloaded or not ready yet. Please retry your request with longer delays each time."}, true
	case FaultInsufficientQuota:
		return ErrorReply{Status: http.StatusTooManyRequests, Type: "insufficient_quota", Code: "insufficient_quota",
			Message: "You exceeded your current quota, please check your plan and billing details. " +
				"For more information on this error, read the docs: " +
				"https://platform.openai.com/docs/guides/error-codes/api-errors."}, true
	case FaultRequestTooLarge:
		if tokenLimit == 0 || tokenLimit >= tokens {
			tokenLimit = max(tokens-1, 0)
		}
		return tooLargeError(model, tokenLimit, tokens), true
	case FaultRateLimited:
		return ErrorReply{Status: http.StatusTooManyRequests, Type: "requests", Code: "rate_limit_exceeded",
			Message: fmt.Sprintf("Rate limit reached for %s in organization org-sim on requests per min (RPM). "+
				"Please try again in %s. Visit https://platform.openai.com/account/rate-limits to learn more.",
				model, fmtReset(max(f.RetryAfter, time.Millisecond)))}, true
	}
	return ErrorReply{}, false
}

const badGatewayHTML = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
	"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
