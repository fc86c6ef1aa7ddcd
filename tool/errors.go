package tool

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Match them with errors.Is.
var (
	// ErrNotInitialized: Execute was called on a tool that needs a
	// successful Initialize first.
	ErrNotInitialized = errors.New("tool: not initialized")
	// ErrClosed: the tool was closed.
	ErrClosed = errors.New("tool: closed")
	// ErrInvalidInput: the input did not match the tool's schema (the
	// concrete error is an *InputError).
	ErrInvalidInput = errors.New("tool: invalid input")
	// ErrInvalidConfig: the configuration was rejected (the concrete error
	// is a *ConfigError).
	ErrInvalidConfig = errors.New("tool: invalid config")
	// ErrTimeout: the call exceeded the tool's timeout.
	ErrTimeout = errors.New("tool: timeout")
	// ErrPanic: the tool panicked (the concrete error is a *PanicError).
	ErrPanic = errors.New("tool: panic")
	// ErrTransient marks an error the tool says may go away on retry; see
	// [Transient].
	ErrTransient = errors.New("tool: transient error")
	// ErrFatal marks an error that should end the surrounding operation
	// (a batch or an agent run), for example a timeout under
	// [TimeoutFails].
	ErrFatal = errors.New("tool: fatal")
)

// Violation is one way an input broke its schema.
type Violation struct {
	// Field is the path of the offending value ("days", "items[2].name");
	// empty for the input as a whole.
	Field string `json:"field"`
	// Rule is the schema keyword that failed ("maximum", "required",
	// "type", "enum", "additionalProperties", ...).
	Rule string `json:"rule"`
	// Message says what was expected and what was given.
	Message string `json:"message"`
}

func (v Violation) String() string {
	if v.Field == "" {
		return v.Message
	}
	return v.Field + ": " + v.Message
}

// InputError is returned (inside a Result) when input fails validation.
// It matches ErrInvalidInput.
type InputError struct {
	// ToolID is the tool whose input was rejected.
	ToolID string
	// Violations lists every problem found, in a stable order.
	Violations []Violation
}

func (e *InputError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.String()
	}
	return fmt.Sprintf("tool %q: invalid input: %s", e.ToolID, strings.Join(parts, "; "))
}

// Is reports whether target is ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

func asInputError(err error) (*InputError, bool) {
	var ie *InputError
	ok := errors.As(err, &ie)
	return ie, ok
}

// ConfigError is returned by Initialize when the configuration is
// rejected. It matches ErrInvalidConfig.
type ConfigError struct {
	// ToolID is the tool being configured.
	ToolID string
	// Key is the offending configuration key (empty for the config as a
	// whole).
	Key string
	// Reason says what is wrong.
	Reason string
}

func (e *ConfigError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("tool %q: invalid config: %s", e.ToolID, e.Reason)
	}
	return fmt.Sprintf("tool %q: invalid config: %s: %s", e.ToolID, e.Key, e.Reason)
}

// Is reports whether target is ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// PanicError carries the value a tool panicked with. It matches ErrPanic.
type PanicError struct {
	// ToolID is the tool that panicked.
	ToolID string
	// Value is the value passed to panic.
	Value any
	// Stack is the goroutine's stack at the panic.
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("tool %q panicked: %v", e.ToolID, e.Value)
}

// Is reports whether target is ErrPanic.
func (e *PanicError) Is(target error) bool { return target == ErrPanic }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// TimeoutError reports a call that exceeded its tool's timeout. It matches
// ErrTimeout and context.DeadlineExceeded, and ErrFatal when Fatal is set.
type TimeoutError struct {
	// ToolID is the tool that timed out.
	ToolID string
	// Timeout is the tool's timeout.
	Timeout time.Duration
	// Fatal is set under TimeoutFails.
	Fatal bool
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("tool %q timed out after %s", e.ToolID, e.Timeout)
}

// Is matches ErrTimeout, context.DeadlineExceeded and, when Fatal, ErrFatal.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded || (e.Fatal && target == ErrFatal)
}

type transientError struct{ err error }

func (e transientError) Error() string        { return e.err.Error() }
func (e transientError) Unwrap() error        { return e.err }
func (e transientError) Is(target error) bool { return target == ErrTransient }

// Transient marks err as transient: under [WithRetry] the framework calls
// the tool again. Transient(nil) is nil.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return transientError{err}
}

// Kind names the kind of a tool error, for programs and models alike.
type Kind string

// The kinds of tool errors.
const (
	KindInvalidInput   Kind = "invalid_input"
	KindInvalidConfig  Kind = "invalid_config"
	KindNotInitialized Kind = "not_initialized"
	KindUnknownTool    Kind = "unknown_tool"
	KindTimeout        Kind = "timeout"
	KindCanceled       Kind = "canceled"
	KindPanic          Kind = "panic"
	KindTransient      Kind = "transient"
	KindClosed         Kind = "closed"
	KindExecution      Kind = "execution"
)

// ErrUnknownTool is returned by registries for an ID they do not hold. It
// lives here so that [KindOf] can name it without importing the registry.
var ErrUnknownTool = errors.New("tool: unknown tool")

// KindOf classifies err. A nil error has kind "".
func KindOf(err error) Kind {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrInvalidInput):
		return KindInvalidInput
	case errors.Is(err, ErrInvalidConfig):
		return KindInvalidConfig
	case errors.Is(err, ErrNotInitialized):
		return KindNotInitialized
	case errors.Is(err, ErrUnknownTool):
		return KindUnknownTool
	case errors.Is(err, ErrPanic):
		return KindPanic
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case errors.Is(err, ErrClosed):
		return KindClosed
	case errors.Is(err, ErrTransient):
		return KindTransient
	default:
		return KindExecution
	}
}

// Retryable reports whether calling again with the same input may
// succeed: timeouts, cancellations and transient errors are; invalid
// input, unknown tools, panics and ordinary execution errors are not.
func Retryable(err error) bool {
	switch KindOf(err) {
	case KindTimeout, KindTransient, KindCanceled:
		return true
	}
	return false
}
