package flow

import (
	"errors"
	"fmt"
	"strconv"
)

var (
	// ErrInvalid marks an invalid graph or argument: an empty or duplicate
	// step name, a nil function, dependency, graph or context, a dependency
	// from another graph, an invalid option, or a step added after Run.
	ErrInvalid = errors.New("flow: invalid")
	// ErrAlreadyRun is returned by a second call of Graph.Run.
	ErrAlreadyRun = errors.New("flow: graph already run")
	// ErrSkipped is the error of a step that never started because the run
	// ended first (a failure, a canceled context or an invalid graph).
	ErrSkipped = errors.New("flow: step skipped, not started")
	// ErrNotDone is the error of Future.Get (and the panic of Future.Value)
	// for a step that has not finished.
	ErrNotDone = errors.New("flow: step has not finished")
)

// StepError is an error that concerns one step: its failure (the error it
// returned, or a *PanicError), or why it is invalid, skipped or not done.
// errors.Is and errors.As see Err through it.
type StepError struct {
	// Step is the step's name.
	Step string
	// Err is the underlying error.
	Err error
}

// Error returns "flow: step "name": " followed by Err's message.
func (e *StepError) Error() string {
	return "flow: step " + strconv.Quote(e.Step) + ": " + errString(e.Err)
}

// Unwrap returns Err.
func (e *StepError) Unwrap() error { return e.Err }

// PanicError is the error of a step that panicked (in its function or in a
// hook). If the panic value is an error, errors.Is and errors.As see it.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	// Stack is the goroutine's stack at the panic (runtime/debug.Stack).
	Stack []byte
}

// Error returns "panic: " followed by the panic value; the stack is in Stack.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value if it is an error, else nil.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// invalid returns a *StepError for step wrapping ErrInvalid with a reason.
func invalid(step, format string, args ...any) error {
	return &StepError{Step: step, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)}
}

// errString is err.Error(), or "<nil>" for a nil error.
func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
