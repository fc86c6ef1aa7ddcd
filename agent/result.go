package agent

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// Result is what a run produced. A run that ends with an error still
// returns its Result so far: the messages exchanged, the calls made, the
// usage and the trace.
type Result struct {
	// Answer is the content of the model's final message ("" when the run
	// ended without an answer).
	Answer string
	// FinishReason is the finish reason of the final model call.
	FinishReason string
	// Messages is the whole conversation: the input (with the system
	// prompt, if one was added), then every assistant and tool message.
	// It is a valid conversation to continue with another Run.
	Messages []llm.Message
	// Calls lists every tool call, in order of steps and, within a step,
	// in the model's order.
	Calls []CallRecord
	// Usage sums the token usage the model reported over all steps.
	Usage llm.Usage
	// Steps is the number of model calls made.
	Steps int
	// Trace times the run.
	Trace Trace
}

// CallRecord is one tool call of a run with its outcome.
type CallRecord struct {
	// Step is the model call that asked for it (1-based).
	Step int
	// Index is its position among that step's calls.
	Index int
	// ID is the model's call id, which the tool message answers.
	ID string
	// Tool is the tool the model named.
	Tool string
	// Arguments are the model's arguments, verbatim (they may be invalid
	// JSON; the conversation then carries {} in their place).
	Arguments json.RawMessage
	// Result is the outcome; Result.Duration is the call's wall time,
	// including any wait for a concurrency slot.
	Result tool.Result
	// Content is the tool message sent back to the model.
	Content string
	// Start and End are offsets from the start of the run (see ToolSpan).
	Start, End time.Duration
}

// Trace times a run: each step's model call and tool calls, as offsets
// from the start of the run.
type Trace struct {
	// Start is when the run started.
	Start time.Time
	// Duration is the run's wall time.
	Duration time.Duration
	// Steps holds one entry per model call.
	Steps []StepTrace
}

// StepTrace times one step: a model call and the tool calls it asked for.
type StepTrace struct {
	// Step is the step's number (1-based).
	Step int
	// ModelStart and ModelEnd bound the model call (offsets from the start
	// of the run).
	ModelStart, ModelEnd time.Duration
	// Usage is the model call's token usage.
	Usage llm.Usage
	// FinishReason is the model call's finish reason.
	FinishReason string
	// Err is the model call's error text, if it failed.
	Err string
	// Tools times the step's tool calls, in the model's order.
	Tools []ToolSpan
}

// ModelDuration is the wall time of the step's model call.
func (s StepTrace) ModelDuration() time.Duration { return s.ModelEnd - s.ModelStart }

// ToolSpan times one tool call, as offsets from the start of the run.
// For a call run in a concurrent batch (registry.ExecuteAll), Start is when
// the batch was submitted (it includes any wait for a concurrency slot)
// and End is Start plus the call's own duration; for calls run one at a
// time, they are when the call was handed to the registry and when it
// returned.
type ToolSpan struct {
	// Index is the call's position among the step's calls.
	Index int
	// ID is the model's call id.
	ID string
	// Tool is the tool called.
	Tool string
	// Start and End bound the call.
	Start, End time.Duration
	// Status is the call's outcome.
	Status tool.Status
	// Kind is the error kind of a failed call ("" on success).
	Kind tool.Kind
}

// Hooks observe a run. Each function may be nil. Every tool call gets
// exactly one OnToolStart and one OnToolEnd, also when it is refused or
// cancelled. Tool hooks may be called from several goroutines at once;
// all must be safe for concurrent use and return quickly. A panicking hook
// is not recovered.
type Hooks struct {
	// OnModelStart is called before each model call.
	OnModelStart func(ctx context.Context, e ModelEvent)
	// OnModelEnd is called when the model call has returned.
	OnModelEnd func(ctx context.Context, e ModelEvent, r ModelResult)
	// OnToolStart is called when a tool call starts: for a call of a
	// concurrent batch when it has its concurrency slot, from the
	// goroutine running it (so calls of one batch are announced
	// concurrently); for a call run one at a time, or refused for a tool
	// the run does not offer, just before.
	OnToolStart func(ctx context.Context, e ToolEvent)
	// OnToolEnd is called with the call's result (its Duration, Status and
	// Err) as each call returns, from the goroutine that ran it.
	OnToolEnd func(ctx context.Context, e ToolEvent, r tool.Result)
	// OnStep is called when a step is complete: its model call returned
	// and its tool calls, if any, finished.
	OnStep func(ctx context.Context, s StepTrace)
}

// ModelEvent describes a model call for Hooks.
type ModelEvent struct {
	// Step is the step's number (1-based).
	Step int
	// Request is what is sent to the model.
	Request llm.ChatRequest
	// Start is when the call started.
	Start time.Time
}

// ModelResult is the outcome of a model call for Hooks.
type ModelResult struct {
	// Response is the model's answer (zero when Err is set).
	Response llm.ChatResponse
	// Err is the call's error.
	Err error
	// Duration is the call's wall time.
	Duration time.Duration
}

// ToolEvent describes a tool call for Hooks: the registry's Event (ToolID,
// Index as the call's position in the step, Input and Start) with the step
// and the model's call id.
type ToolEvent struct {
	registry.Event
	// Step is the step's number (1-based).
	Step int
	// CallID is the model's call id.
	CallID string
}
