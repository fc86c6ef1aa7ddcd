package agent

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kgas-dev/kgas/tool"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrMaxSteps: the run reached its step limit without an answer (the
	// concrete error is a *MaxStepsError).
	ErrMaxSteps = errors.New("agent: step limit reached")
	// ErrToolStop: a tool error ended the run (the concrete error is a
	// *ToolError).
	ErrToolStop = errors.New("agent: run stopped by a tool error")
)

// MaxStepsError reports a run that made its maximum number of model calls
// without getting an answer. It matches ErrMaxSteps.
type MaxStepsError struct {
	// Steps is the limit that was reached.
	Steps int
}

func (e *MaxStepsError) Error() string {
	return fmt.Sprintf("agent: no answer after %d steps (the step limit)", e.Steps)
}

// Is reports whether target is ErrMaxSteps.
func (e *MaxStepsError) Is(target error) bool { return target == ErrMaxSteps }

// ToolError reports the tool error that ended a run: one marked
// tool.ErrFatal, or one of a kind given to WithStopOn. It matches
// ErrToolStop, and unwraps to the tool's error (so errors.Is(err,
// tool.ErrPanic) and the like hold).
type ToolError struct {
	// Step and Index locate the call (see CallRecord).
	Step, Index int
	// CallID is the model's call id.
	CallID string
	// ToolID is the tool called.
	ToolID string
	// Kind is the error's kind.
	Kind tool.Kind
	// Err is the tool's error.
	Err error
}

func (e *ToolError) Error() string {
	return fmt.Sprintf("agent: step %d: tool call %d (%s, id %s) ended the run: %s: %v",
		e.Step, e.Index, e.ToolID, e.CallID, e.Kind, e.Err)
}

// Is reports whether target is ErrToolStop.
func (e *ToolError) Is(target error) bool { return target == ErrToolStop }

// Unwrap returns the tool's error.
func (e *ToolError) Unwrap() error { return e.Err }

// UnknownToolsError reports tool IDs asked for by WithTools or WithQuery
// that the registry does not hold (or whose factory failed). It matches
// tool.ErrUnknownTool.
type UnknownToolsError struct {
	// IDs are the unknown IDs, in the order given.
	IDs []string
	// Errs holds, for each ID, the registry's error.
	Errs []error
}

func (e *UnknownToolsError) Error() string {
	parts := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		parts[i] = fmt.Sprintf("%q", id)
		if i < len(e.Errs) && e.Errs[i] != nil && !errors.Is(e.Errs[i], tool.ErrUnknownTool) {
			parts[i] += fmt.Sprintf(" (%v)", e.Errs[i])
		}
	}
	return "agent: unknown tools: " + strings.Join(parts, ", ")
}

// Is reports whether target is tool.ErrUnknownTool.
func (e *UnknownToolsError) Is(target error) bool { return target == tool.ErrUnknownTool }

// Unwrap returns the registry's errors.
func (e *UnknownToolsError) Unwrap() []error { return e.Errs }
