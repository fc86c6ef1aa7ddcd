package tool

import (
	"encoding/json"
	"time"
)

// Status is the outcome of a tool call.
type Status string

// The statuses a Result can carry.
const (
	StatusSuccess Status = "success"
	StatusError   Status = "error"
)

// Result is the outcome of one tool call. Exactly one of Data (on success)
// and Err (on error) is meaningful.
type Result struct {
	// ToolID is the ID of the tool that was called (or asked for).
	ToolID string
	// Status is StatusSuccess or StatusError.
	Status Status
	// Data is the tool's output; it is JSON-encodable.
	Data any
	// Err is the error of a failed call; use errors.Is/As and [KindOf].
	Err error
	// Duration is the wall time of the call, validation included.
	Duration time.Duration
	// Attempts is how many times the tool's function ran (retries of
	// transient errors add to it; 0 when it never ran).
	Attempts int
	// DryRun is set when the input was only validated, nothing ran.
	DryRun bool
}

// OK reports whether the call succeeded.
func (r Result) OK() bool { return r.Status == StatusSuccess }

// Success builds a successful result.
func Success(id string, data any) Result {
	return Result{ToolID: id, Status: StatusSuccess, Data: data}
}

// Failure builds an error result.
func Failure(id string, err error) Result {
	return Result{ToolID: id, Status: StatusError, Err: err}
}

// resultJSON is the wire form of a Result.
type resultJSON struct {
	ToolID     string     `json:"tool_id"`
	Status     Status     `json:"status"`
	Data       any        `json:"data,omitempty"`
	Error      *ErrorInfo `json:"error,omitempty"`
	DurationMS float64    `json:"duration_ms"`
	Attempts   int        `json:"attempts,omitempty"`
	DryRun     bool       `json:"dry_run,omitempty"`
}

// ErrorInfo is the structured, model-readable form of a tool error.
type ErrorInfo struct {
	// Kind is the error's kind (see [KindOf]).
	Kind Kind `json:"kind"`
	// Message is the error text.
	Message string `json:"message"`
	// Retryable tells whether calling again may succeed.
	Retryable bool `json:"retryable"`
	// Fields lists input violations for KindInvalidInput.
	Fields []Violation `json:"fields,omitempty"`
}

// Info returns the structured form of err, or nil for a nil error.
func Info(err error) *ErrorInfo {
	if err == nil {
		return nil
	}
	info := &ErrorInfo{Kind: KindOf(err), Message: err.Error(), Retryable: Retryable(err)}
	if ie, ok := asInputError(err); ok {
		info.Fields = ie.Violations
	}
	return info
}

// MarshalJSON encodes r as {"tool_id","status","data","error","duration_ms",...}
// with the error in its structured form.
func (r Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(resultJSON{
		ToolID: r.ToolID, Status: r.Status, Data: r.Data, Error: Info(r.Err),
		DurationMS: float64(r.Duration) / float64(time.Millisecond),
		Attempts:   r.Attempts, DryRun: r.DryRun,
	})
}
