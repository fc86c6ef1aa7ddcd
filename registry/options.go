package registry

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kgas-dev/kgas/tool"
)

// DefaultMaxConcurrency is the default global bound on executions in
// flight in one registry.
const DefaultMaxConcurrency = 64

// Option configures a Registry.
type Option func(*options)

type options struct {
	maxConcurrency int
	hooks          Hooks
}

// WithMaxConcurrency bounds the executions in flight across all tools
// (default [DefaultMaxConcurrency]; n <= 0 means unbounded). Each tool's
// own bound (tool.Capabilities.Limit) applies as well.
func WithMaxConcurrency(n int) Option { return func(o *options) { o.maxConcurrency = n } }

// WithHooks sets the observer of executions.
func WithHooks(h Hooks) Option { return func(o *options) { o.hooks = h } }

// Event describes one execution for [Hooks].
type Event struct {
	// ToolID is the tool called.
	ToolID string
	// Index is the call's position in ExecuteAll (0 for Execute).
	Index int
	// Input is the call's input.
	Input json.RawMessage
	// DryRun is set for validation-only calls.
	DryRun bool
	// Start is when the execution started (after any wait for a
	// concurrency slot).
	Start time.Time
}

// Hooks observe executions. Each function may be nil. They are called on
// the executing goroutine and must be safe for concurrent use; they must
// not block for long.
type Hooks struct {
	// OnStart is called before the tool runs.
	OnStart func(ctx context.Context, e Event)
	// OnEnd is called with the result (its Duration and Status) when the
	// tool has finished, including for unknown tools and cancelled calls.
	OnEnd func(ctx context.Context, e Event, r tool.Result)
}
