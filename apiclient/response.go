package apiclient

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Status is the outcome of a request as a whole.
type Status int

const (
	// StatusSuccess: the server answered with a status below 400.
	StatusSuccess Status = iota
	// StatusRateLimited: the last answer was a 429 rate limit (not a quota
	// error) and the request was not retried further.
	StatusRateLimited
	// StatusError: any other failure (HTTP error, transport error, quota,
	// open circuit, invalid request).
	StatusError
	// StatusTimeout: the context deadline passed, or the last attempt timed
	// out.
	StatusTimeout
	// StatusCanceled: the context was canceled.
	StatusCanceled
)

// String returns the status name.
func (s Status) String() string {
	switch s {
	case StatusSuccess:
		return "success"
	case StatusRateLimited:
		return "rate-limited"
	case StatusError:
		return "error"
	case StatusTimeout:
		return "timeout"
	case StatusCanceled:
		return "canceled"
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// Response is the record of one request made with Do or Batch. Exactly one
// of "Status == StatusSuccess" and "Err != nil" holds.
type Response struct {
	// Status summarises the outcome.
	Status Status
	// Code is the HTTP status code of the last response, 0 if none arrived.
	Code int
	// Body is the whole body of the last response (also for HTTP errors).
	Body []byte
	// Header holds the headers of the last response.
	Header http.Header
	// Err is nil on success, otherwise an *Error (use errors.Is with the
	// package sentinels, context.Canceled or context.DeadlineExceeded).
	Err error
	// Attempts is the number of attempts sent to the server.
	Attempts int
	// Latency is the wall time from the call to its return, waits included.
	Latency time.Duration
	// LimitWait is the part of Latency spent waiting for admission: the
	// shared pause, a concurrency slot and the pacing limiter.
	LimitWait time.Duration
}

// String summarises the response without its body or headers.
func (r *Response) String() string {
	if r == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString(r.Status.String())
	if r.Code != 0 {
		b.WriteString(" ")
		b.WriteString(strconv.Itoa(r.Code))
	}
	b.WriteString(" attempts=")
	b.WriteString(strconv.Itoa(r.Attempts))
	b.WriteString(" latency=")
	b.WriteString(r.Latency.String())
	if r.LimitWait > 0 {
		b.WriteString(" limit-wait=")
		b.WriteString(r.LimitWait.String())
	}
	if r.Err != nil {
		b.WriteString(" err=")
		b.WriteString(r.Err.Error())
	}
	return b.String()
}

// statusOf derives the Status of a failed request from its error.
func statusOf(err error) Status {
	switch {
	case err == nil:
		return StatusSuccess
	case errors.Is(err, context.Canceled):
		return StatusCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, ErrTimeout):
		return StatusTimeout
	case errors.Is(err, ErrRateLimited):
		return StatusRateLimited
	}
	return StatusError
}
