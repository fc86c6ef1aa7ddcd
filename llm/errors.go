package llm

import (
	"errors"
	"strings"

	"github.com/kgas-dev/kgas/apiclient"
)

// Sentinel errors. The first seven are apiclient's own values, so
// errors.Is matches errors from apiclient and from any provider built on it.
var (
	// ErrRateLimited: the server answered 429 and retries did not get the
	// request through.
	ErrRateLimited = apiclient.ErrRateLimited
	// ErrQuotaExhausted: insufficient quota, exhausted credits, a billing or
	// spend limit; sticky for the client that saw it.
	ErrQuotaExhausted = apiclient.ErrQuotaExhausted
	// ErrTimeout: an attempt or first-byte timeout expired, or the context
	// deadline passed.
	ErrTimeout = apiclient.ErrTimeout
	// ErrCircuitOpen: the circuit breaker is open; the request was not sent.
	ErrCircuitOpen = apiclient.ErrCircuitOpen
	// ErrRequestTooLarge: the request can never fit (token budget, context
	// length, 413).
	ErrRequestTooLarge = apiclient.ErrRequestTooLarge
	// ErrRetryBudget: a retry was needed but the retry budget was empty.
	ErrRetryBudget = apiclient.ErrRetryBudget
	// ErrWaitExceedsDeadline: a required wait would end after the context
	// deadline.
	ErrWaitExceedsDeadline = apiclient.ErrWaitExceedsDeadline

	// ErrInvalidRequest: the request is invalid. Errors detected before
	// sending are *InvalidRequestError values naming the field; providers
	// also wrap the server's 400 answers so that they match.
	ErrInvalidRequest = errors.New("llm: invalid request")

	// ErrBadResponse: the server's answer could not be used (malformed
	// JSON, missing choices or vectors, wrong count or dimension).
	ErrBadResponse = errors.New("llm: bad response")
)

// APIError is the typed error of a failed HTTP request: status, the JSON
// error's type, code, message and param, the request id, attempts and the
// classification. It is apiclient's Error; use errors.As to reach it.
type APIError = apiclient.Error

// InvalidRequestError reports an invalid request and names the field, in
// the API's JSON path syntax ("messages[2].tool_call_id", "temperature").
type InvalidRequestError struct {
	// Field is the offending field.
	Field string
	// Reason says what is wrong with it.
	Reason string
	// Err is an optional cause (for instance the server's *APIError).
	Err error
}

// Error implements error.
func (e *InvalidRequestError) Error() string {
	var b strings.Builder
	b.WriteString("llm: invalid request")
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

// Is reports whether target is ErrInvalidRequest.
func (e *InvalidRequestError) Is(target error) bool { return target == ErrInvalidRequest }

// Unwrap returns the cause, if any.
func (e *InvalidRequestError) Unwrap() error { return e.Err }

// invalid returns an *InvalidRequestError.
func invalid(field, reason string) error {
	return &InvalidRequestError{Field: field, Reason: reason}
}
