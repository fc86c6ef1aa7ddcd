package langchaintool

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/kgas-dev/kgas/tool"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/tools"
)

// Tool is a kgas tool seen as a langchaingo tools.Tool.
type Tool struct {
	t          tool.Tool
	execErrors bool
}

var _ tools.Tool = (*Tool)(nil)

// Option configures the adapter.
type Option func(*Tool)

// WithExecutionErrors makes Call return execution errors (not input
// validation errors) as Go errors, which stop langchaingo's executor.
// Default: every tool error is returned as JSON text the model can read
// ({"error":{"kind","message","retryable","fields"}}) with a nil error.
func WithExecutionErrors() Option { return func(a *Tool) { a.execErrors = true } }

// New adapts t, under the framework's policy (tool.Wrap: validation, panic
// recovery, timeout, concurrency bound), which a tool built by tool.New
// already has. It panics if t is nil or its metadata or schema is invalid:
// programming errors.
func New(t tool.Tool, opts ...Option) *Tool {
	w, err := tool.Wrap(t)
	if err != nil {
		panic("langchaintool: New: " + err.Error())
	}
	a := &Tool{t: w}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Name returns the tool's ID.
func (a *Tool) Name() string { return a.t.Metadata().ID }

// Description returns the tool's description.
func (a *Tool) Description() string { return a.t.Metadata().Description }

// Call runs the tool on a JSON object given as text. A {"__arg1": "…"}
// wrapper, as langchaingo's functions agent sends, is unwrapped first.
// A successful string result is returned as it is, any other data as
// JSON. Cancellation of ctx is always a Go error.
func (a *Tool) Call(ctx context.Context, input string) (string, error) {
	r := a.t.Execute(ctx, json.RawMessage(unwrapArg1(input)))
	if r.OK() {
		if s, ok := r.Data.(string); ok {
			return s, nil
		}
		return encode(r.Data)
	}
	if ctx.Err() != nil && errors.Is(r.Err, ctx.Err()) {
		return "", r.Err
	}
	if a.execErrors && tool.KindOf(r.Err) != tool.KindInvalidInput {
		return "", r.Err
	}
	out, err := encode(map[string]any{"error": tool.Info(r.Err)})
	if err != nil {
		return "", r.Err
	}
	return out, nil
}

// encode renders v as compact JSON without HTML escaping, so that a model
// reads "<=" rather than "\u003c=".
func encode(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// unwrapArg1 returns the inner text of a {"__arg1": "…"} object.
func unwrapArg1(input string) string {
	var w map[string]json.RawMessage
	if json.Unmarshal([]byte(input), &w) != nil || len(w) != 1 {
		return input
	}
	raw, ok := w["__arg1"]
	if !ok {
		return input
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// Definition returns the llms.Tool describing t, with t's input schema as
// the function's parameters.
func Definition(t tool.Tool) llms.Tool {
	m := t.Metadata()
	return llms.Tool{Type: "function", Function: &llms.FunctionDefinition{
		Name: m.ID, Description: m.Description, Parameters: tool.Parameters(t),
	}}
}

// Definitions returns the definitions of ts, in order.
func Definitions(ts ...tool.Tool) []llms.Tool {
	out := make([]llms.Tool, len(ts))
	for i, t := range ts {
		out[i] = Definition(t)
	}
	return out
}
