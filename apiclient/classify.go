package apiclient

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// Class is how the client treats an outcome.
type Class int

const (
	// Success: a status below 400 with no error object in the body.
	Success Class = iota
	// RetryAfterWait: retryable, and the server said how long to wait
	// (retry-after-ms or retry-after).
	RetryAfterWait
	// RetryBackoff: retryable after a client-chosen exponential backoff
	// (transport errors, timeouts, 408, 409, 429, 5xx without a wait).
	RetryBackoff
	// TerminalRequest: this request can never succeed as sent (400, 401,
	// 403, 404, 413, 422, request too large, x-should-retry: false). Other
	// requests are unaffected.
	TerminalRequest
	// TerminalAccount: no request on this account can succeed (insufficient
	// quota, exhausted credits, billing or spend limits, terminated access).
	// The client makes it sticky: see ErrQuotaExhausted.
	TerminalAccount
)

// String returns the class name.
func (c Class) String() string {
	switch c {
	case Success:
		return "success"
	case RetryAfterWait:
		return "retry-after-wait"
	case RetryBackoff:
		return "retry-backoff"
	case TerminalRequest:
		return "terminal-request"
	case TerminalAccount:
		return "terminal-account"
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// Retryable reports whether the class allows another attempt.
func (c Class) Retryable() bool { return c == RetryAfterWait || c == RetryBackoff }

// accountCodes are error codes or types that no request on the account can
// get past (llm-api-behaviour.md §1.3; the set openai/codex uses).
var accountCodes = map[string]bool{
	"insufficient_quota":                true,
	"credit_balance_exhausted":          true,
	"organization_spend_limit_exceeded": true,
	"project_spend_limit_exceeded":      true,
	"organization_usage_limit_exceeded": true,
	"usage_limit_exceeded":              true,
	"spend_limit_exceeded":              true,
	"billing_hard_limit_reached":        true,
	"billing_not_active":                true,
	"billing_error":                     true,
	"access_terminated":                 true,
	"account_deactivated":               true,
}

// tooLargeCodes are error codes or types meaning the request is too large
// to ever succeed.
var tooLargeCodes = map[string]bool{
	"request_too_large":       true,
	"context_length_exceeded": true,
	"string_above_max_length": true,
	"tokens_exceeded":         true,
}

// apiError is the decoded JSON error body.
type apiError struct {
	Type, Code, Message, Param string
}

// maxErrorScan bounds the size of a 2xx body that is checked for an embedded
// {"error":{...}} object (gateways sometimes send errors with status 200).
const maxErrorScan = 64 << 10

// Classify classifies a response from its status code, headers and body.
// It is a pure function. It reads the JSON error's code and type (OpenAI's
// {"error":{...}} shape, or Astra's {"errors":[{"errorCode":...}]}) and the
// x-should-retry header, never the message text. In order:
//
//   - a terminal account code or type (insufficient_quota, billing and spend
//     limits, access_terminated, ...) or status 402 is TerminalAccount;
//   - x-should-retry: false is TerminalRequest, true is retryable;
//   - a too-large code (request_too_large, context_length_exceeded) or 413 is
//     TerminalRequest;
//   - a status below 400 is Success, unless a small 2xx JSON body carries an
//     error object (then it is retryable);
//   - 408, 409, 429 and 5xx other than 501, 505 and 511 are retryable;
//   - every other status is TerminalRequest.
//
// A retryable outcome is RetryAfterWait when the headers carry a usable
// retry-after-ms or retry-after, and RetryBackoff otherwise.
func Classify(statusCode int, header http.Header, body []byte) Class {
	c, _ := classify(statusCode, header, body)
	return c
}

func classify(status int, header http.Header, body []byte) (Class, apiError) {
	var ae apiError
	var hasErr bool
	switch {
	case status >= 400:
		ae, hasErr = parseErrorBody(body, true)
	case status >= 200 && status < 300 && len(body) <= maxErrorScan && bytes.Contains(body, []byte(`"error"`)):
		// Only an OpenAI-style error object marks a 2xx as failed; Astra
		// reports data errors in a 200 "errors" array, which is the caller's
		// business.
		ae, hasErr = parseErrorBody(body, false)
	}
	if status < 400 && !hasErr {
		return Success, ae
	}
	if status == 402 || accountCodes[ae.Code] || accountCodes[ae.Type] {
		return TerminalAccount, ae
	}
	retryable := false
	switch strings.ToLower(strings.TrimSpace(hget(header, "X-Should-Retry"))) {
	case "true":
		retryable = true
	case "false":
		return TerminalRequest, ae
	default:
		if status == 413 || tooLargeCodes[ae.Code] || tooLargeCodes[ae.Type] {
			return TerminalRequest, ae
		}
		retryable = retryableStatus(status)
	}
	if !retryable {
		return TerminalRequest, ae
	}
	if _, ok := ServerWait(header); ok {
		return RetryAfterWait, ae
	}
	return RetryBackoff, ae
}

// retryableStatus reports the statuses retried without other information.
func retryableStatus(s int) bool {
	switch {
	case s < 400: // a 2xx with an error body
		return true
	case s == 408, s == 409, s == 429:
		return true
	case s == 501, s == 505, s == 511:
		return false
	case s >= 500 && s < 600:
		return true
	}
	return false
}

// errorBody tolerates the shapes seen in the wild: OpenAI's error object,
// a bare string error, and Astra's errors array.
type errorBody struct {
	Error  json.RawMessage `json:"error"`
	Errors []struct {
		ErrorCode string `json:"errorCode"`
		Code      any    `json:"code"`
		Message   string `json:"message"`
	} `json:"errors"`
}

type openAIError struct {
	Type    any `json:"type"`
	Code    any `json:"code"`
	Message any `json:"message"`
	Param   any `json:"param"`
}

// parseErrorBody decodes an error body. ok reports whether an error object
// was found; malformed or foreign bodies give ok == false, never a panic.
// Astra's errors array is read only when withArray is set.
func parseErrorBody(body []byte, withArray bool) (ae apiError, ok bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return ae, false
	}
	var eb errorBody
	if json.Unmarshal(body, &eb) != nil {
		return ae, false
	}
	if raw := bytes.TrimSpace(eb.Error); len(raw) > 0 {
		switch raw[0] {
		case '{':
			var oe openAIError
			if json.Unmarshal(raw, &oe) == nil {
				ae = apiError{Type: scalar(oe.Type), Code: scalar(oe.Code), Message: scalar(oe.Message), Param: scalar(oe.Param)}
				return ae, ae != (apiError{})
			}
		case '"':
			var s string
			if json.Unmarshal(raw, &s) == nil && s != "" {
				return apiError{Message: s}, true
			}
		}
	}
	if withArray && len(eb.Errors) > 0 {
		e := eb.Errors[0]
		code := e.ErrorCode
		if code == "" {
			code = scalar(e.Code)
		}
		ae = apiError{Code: code, Message: e.Message}
		return ae, ae != (apiError{})
	}
	return ae, false
}

// scalar renders a JSON scalar (string, number, bool) as a string; null and
// composite values become "".
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}
