package apiclient

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. Every error a Client returns is an *Error or wraps one of
// these; test with errors.Is.
var (
	// ErrQuotaExhausted reports a terminal account error: insufficient quota,
	// exhausted credits, a billing or spend limit, or terminated access. It is
	// sticky: once one response carries it, every later and queued request on
	// the same Client fails with it at once, without being sent.
	ErrQuotaExhausted = errors.New("apiclient: quota exhausted")

	// ErrRateLimited reports that the server answered 429 (rate limited) and
	// retries did not get the request through.
	ErrRateLimited = errors.New("apiclient: rate limited")

	// ErrCircuitOpen reports that the circuit breaker is open (or half-open
	// with its probe in flight), so the request was not sent.
	ErrCircuitOpen = errors.New("apiclient: circuit breaker is open")

	// ErrTimeout reports that a per-attempt or time-to-first-byte timeout
	// expired on the last attempt, or that the context deadline passed.
	ErrTimeout = errors.New("apiclient: timeout")

	// ErrRequestTooLarge reports a request that can never succeed because of
	// its size: its cost exceeds the whole token budget of the limiter (it is
	// rejected before sending), or the server said so (413,
	// request_too_large, context_length_exceeded, or a 429 on the token limit
	// marked x-should-retry: false).
	ErrRequestTooLarge = errors.New("apiclient: request too large")

	// ErrRetryBudget reports that a retry was needed but the client's retry
	// budget was empty, which happens when the upstream fails much more often
	// than it succeeds.
	ErrRetryBudget = errors.New("apiclient: retry budget exhausted")

	// ErrWaitExceedsDeadline reports that a required wait (a server
	// retry-after, the shared pause, the pacing limiter or a backoff) would
	// end after the context deadline, so the client failed at once instead of
	// waiting in vain.
	ErrWaitExceedsDeadline = errors.New("apiclient: required wait exceeds the context deadline")

	// ErrInvalidRequest reports a request the client cannot send at all: nil,
	// without a URL, or with an unsupported scheme.
	ErrInvalidRequest = errors.New("apiclient: invalid request")

	// ErrInvalidOption is wrapped by New's error for a bad option; the
	// message names the option and the value.
	ErrInvalidOption = errors.New("apiclient: invalid option")
)

// Error is the typed error of a failed request. It carries what the server
// said (status, the JSON error's type, code, message and param, the request
// id, the retry-after wait and the rate-limit headers) and how the client
// classified it. Error never contains request headers, so secrets cannot leak
// through it.
type Error struct {
	// StatusCode is the HTTP status of the last response, 0 if none arrived.
	StatusCode int
	// Type, Code, Message and Param come from the JSON error body
	// ({"error":{...}} or Astra's {"errors":[{...}]}), when there is one.
	Type, Code, Message, Param string
	// RequestID is the server's request id (x-request-id or request-id).
	RequestID string
	// RetryAfter is the server-requested wait of the last response, 0 if none.
	RetryAfter time.Duration
	// RateLimit holds the x-ratelimit-* headers of the last response.
	RateLimit RateLimitInfo
	// Attempts is the number of attempts sent to the server.
	Attempts int
	// Class is the classification of the last outcome.
	Class Class
	// Err is the underlying cause: a transport error, a context error, or one
	// of the sentinels above. It may be nil for a plain HTTP error.
	Err error
}

// Error implements error. The text names the status, code, type, message,
// request id and attempt count; it never includes headers or the URL query.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("apiclient: ")
	wrote := false
	sep := func() {
		if wrote {
			b.WriteString(": ")
		}
		wrote = true
	}
	if e.StatusCode != 0 {
		sep()
		b.WriteString("status ")
		b.WriteString(strconv.Itoa(e.StatusCode))
		if e.Code != "" || e.Type != "" {
			b.WriteString(" (")
			b.WriteString(e.Code)
			if e.Type != "" && e.Type != e.Code {
				if e.Code != "" {
					b.WriteString("/")
				}
				b.WriteString(e.Type)
			}
			b.WriteString(")")
		}
	}
	if e.Message != "" {
		sep()
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		sep()
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "apiclient: "))
	}
	if !wrote {
		b.WriteString(e.Class.String())
	}
	if e.RequestID != "" {
		b.WriteString(" [request id ")
		b.WriteString(e.RequestID)
		b.WriteString("]")
	}
	if e.Attempts > 0 {
		b.WriteString(" after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		if e.Attempts == 1 {
			b.WriteString(" attempt")
		} else {
			b.WriteString(" attempts")
		}
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether the error matches one of the package sentinels by its
// classification: ErrQuotaExhausted for terminal account errors,
// ErrRateLimited for a retryable 429, ErrRequestTooLarge for size errors and
// ErrTimeout for expired timeouts. Causes in Err are matched by errors.Is
// through Unwrap.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrQuotaExhausted:
		return e.Class == TerminalAccount
	case ErrRateLimited:
		return e.StatusCode == 429 && (e.Class == RetryAfterWait || e.Class == RetryBackoff)
	case ErrRequestTooLarge:
		return e.StatusCode != 0 && tooLarge(e.StatusCode, e.Type, e.Code, e.Class)
	case ErrTimeout:
		return errors.Is(e.Err, context.DeadlineExceeded)
	}
	return false
}

// tooLarge reports whether a server error means the request can never fit.
func tooLarge(status int, typ, code string, class Class) bool {
	if status == 413 || tooLargeCodes[code] || tooLargeCodes[typ] {
		return true
	}
	// OpenAI's "Request too large" is a 429 on the token limit with the same
	// code as an ordinary rate limit; it is terminal only via x-should-retry.
	return status == 429 && typ == "tokens" && class == TerminalRequest
}

// timeoutError is the cause recorded when a client-side timer ends an attempt.
type timeoutError struct{ what string }

func (t *timeoutError) Error() string   { return "apiclient: " + t.what + " timeout" }
func (t *timeoutError) Is(e error) bool { return e == ErrTimeout }
func (t *timeoutError) Timeout() bool   { return true }

var (
	errAttemptTimeout   error = &timeoutError{"attempt"}
	errFirstByteTimeout error = &timeoutError{"first byte"}
)
