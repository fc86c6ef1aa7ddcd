package watsonx

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/kgas-dev/kgas/apiclient"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrConfig is wrapped by New's error for missing or invalid
	// configuration; the message names the option and environment variable.
	ErrConfig = errors.New("watsonx: invalid configuration")
	// ErrUnauthorized is matched by an *APIError with status 401 or 403, or
	// by a failed IAM token exchange that the IAM service refused (4xx).
	ErrUnauthorized = errors.New("watsonx: unauthorized")
	// ErrBadResponse reports a successful HTTP response whose body is not
	// what the API documents (bad JSON, wrong number of embeddings, a
	// vector of the wrong dimension, a token response without a token).
	ErrBadResponse = errors.New("watsonx: malformed response")
)

// Operations named by APIError.Op.
const (
	// OpToken is the IAM token exchange.
	OpToken = "iam token"
	// OpEmbed is a text embeddings request.
	OpEmbed = "embeddings"
)

// APIError is a failed request to IAM or watsonx.ai. It unwraps to the
// *apiclient.Error of the request (with secrets scrubbed from its message).
type APIError struct {
	// Op is OpToken or OpEmbed.
	Op string
	// StatusCode is the HTTP status, 0 if no response arrived.
	StatusCode int
	// Code and Message come from the error body: watsonx's
	// {"errors":[{"code","message"}]} or IAM's {"errorCode","errorMessage"}.
	Code, Message string
	// Trace is watsonx's trace id ("trace"), for IBM support.
	Trace string
	// Err is the underlying *apiclient.Error (or another cause).
	Err error
}

// Error implements error; it never contains the API key or a token.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("watsonx: ")
	b.WriteString(e.Op)
	if e.StatusCode != 0 {
		b.WriteString(": status ")
		b.WriteString(strconv.Itoa(e.StatusCode))
	}
	if e.Code != "" {
		b.WriteString(" (")
		b.WriteString(e.Code)
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	} else if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Trace != "" {
		b.WriteString(" [trace ")
		b.WriteString(e.Trace)
		b.WriteString("]")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *APIError) Unwrap() error { return e.Err }

// Is matches ErrUnauthorized for 401 and 403, and for a 4xx answer of IAM.
func (e *APIError) Is(target error) bool {
	if target != ErrUnauthorized {
		return false
	}
	if e.StatusCode == 401 || e.StatusCode == 403 {
		return true
	}
	return e.Op == OpToken && e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != 429
}

// scrubber removes secrets from text.
type scrubber []string

func (s scrubber) scrub(text string) string {
	for _, secret := range s {
		if secret != "" && strings.Contains(text, secret) {
			text = strings.ReplaceAll(text, secret, "REDACTED")
		}
	}
	return text
}

// errorBody is the union of watsonx's and IAM's error shapes.
type errorBody struct {
	Errors []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Trace        string `json:"trace"`
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

// newAPIError builds the error of a failed response, scrubbing secrets from
// everything it keeps (including a copy of the apiclient error).
func newAPIError(op string, r *apiclient.Response, secrets scrubber) *APIError {
	e := &APIError{Op: op, StatusCode: r.Code}
	var eb errorBody
	if len(r.Body) > 0 && json.Unmarshal(r.Body, &eb) == nil {
		if len(eb.Errors) > 0 {
			e.Code, e.Message = eb.Errors[0].Code, eb.Errors[0].Message
		} else {
			e.Code, e.Message = eb.ErrorCode, eb.ErrorMessage
		}
		e.Trace = eb.Trace
	}
	e.Code, e.Message, e.Trace = secrets.scrub(e.Code), secrets.scrub(e.Message), secrets.scrub(e.Trace)
	var ae *apiclient.Error
	if errors.As(r.Err, &ae) {
		c := *ae
		c.Message = secrets.scrub(c.Message)
		c.Code = secrets.scrub(c.Code)
		e.Err = &c
	} else {
		e.Err = r.Err
	}
	return e
}
