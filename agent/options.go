package agent

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// DefaultMaxSteps is the number of model calls a run may make before it
// ends with a *MaxStepsError (WithMaxSteps).
const DefaultMaxSteps = 10

// Option configures an Agent (New) or one run (Run, RunPrompt); options
// given to a run apply over the agent's. An invalid option value is an
// error naming the option and the value, returned by New or Run.
//
// The tool selection options (WithTools, WithCategory, WithTags,
// WithQuery, WithFilter) combine: a tool is offered to the model when it
// passes every one given. Giving the same option twice keeps the later one.
type Option func(*config) error

// config is the resolved configuration of an Agent or a run.
type config struct {
	maxSteps   int
	sequential bool
	stopOn     []tool.Kind
	hooks      Hooks
	onToken    TokenFunc
	system     string
	template   llm.ChatRequest
	format     func(call llm.ToolCall, r tool.Result) string
	logger     *slog.Logger

	ids        []string
	explicit   bool // WithTools was given (an empty list means no tools)
	categories []string
	tags       []string
	query      *registry.Query
	filter     func(tool.Tool) bool
}

func defaultConfig() config {
	return config{maxSteps: DefaultMaxSteps, logger: slog.New(slog.DiscardHandler)}
}

// apply returns a copy of c with opts applied.
func (c config) apply(opts []Option) (config, error) {
	for i, opt := range opts {
		if opt == nil {
			return c, fmt.Errorf("agent: option %d is nil", i)
		}
		if err := opt(&c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// TokenFunc receives streamed content as it arrives: the step (1-based
// model call) and the next piece of text. An error ends the run with that
// error.
type TokenFunc func(step int, text string) error

// WithMaxSteps bounds the model calls of a run (default DefaultMaxSteps).
// A run that has made n calls and still got tool calls instead of an answer
// runs those tools, then ends with a *MaxStepsError and its partial Result.
// n must be at least 1.
func WithMaxSteps(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("agent: WithMaxSteps: must be ≥ 1, got %d", n)
		}
		c.maxSteps = n
		return nil
	}
}

// WithSequentialTools runs every tool call of a turn one at a time, in the
// model's order. Default: a turn's calls run concurrently through
// registry.ExecuteAll, except that the calls of a tool whose Capabilities
// are not Concurrent run one at a time, in the model's order.
func WithSequentialTools() Option {
	return func(c *config) error { c.sequential = true; return nil }
}

// knownKind reports whether k is one of the tool error kinds.
func knownKind(k tool.Kind) bool {
	switch k {
	case tool.KindInvalidInput, tool.KindInvalidConfig, tool.KindNotInitialized,
		tool.KindUnknownTool, tool.KindTimeout, tool.KindCanceled, tool.KindPanic,
		tool.KindTransient, tool.KindClosed, tool.KindExecution:
		return true
	}
	return false
}

// WithStopOn makes a tool error of one of these kinds end the run (after
// the turn's other calls have finished, their tool messages appended)
// with a *ToolError and the partial Result, instead of going on to the
// next model call. Default: none; an error
// marked tool.ErrFatal (for example a timeout under tool.TimeoutFails)
// always ends the run.
func WithStopOn(kinds ...tool.Kind) Option {
	return func(c *config) error {
		for i, k := range kinds {
			if !knownKind(k) {
				return fmt.Errorf("agent: WithStopOn: kinds[%d]: unknown kind %q", i, k)
			}
		}
		c.stopOn = slices.Clone(kinds)
		return nil
	}
}

// WithHooks sets the observers of model calls, tool calls and steps.
// Default: none.
func WithHooks(h Hooks) Option {
	return func(c *config) error { c.hooks = h; return nil }
}

// WithTokenCallback streams each model call (llm.ChatModel.ChatStream) and
// hands its content to fn as it arrives. The last step's content is the
// final answer; a step that ends with tool calls may also carry some text
// (models rarely send any). Default: none, and models are called with
// Chat.
func WithTokenCallback(fn TokenFunc) Option {
	return func(c *config) error {
		if fn == nil {
			return errors.New("agent: WithTokenCallback: fn is nil")
		}
		c.onToken = fn
		return nil
	}
}

// WithSystemPrompt puts a system message with prompt before the
// conversation, unless it already starts with a system or developer
// message. Default: none.
func WithSystemPrompt(prompt string) Option {
	return func(c *config) error {
		if prompt == "" {
			return errors.New("agent: WithSystemPrompt: prompt is empty")
		}
		c.system = prompt
		return nil
	}
}

// WithRequestTemplate sets the request fields sent with every model call
// (Model, ToolChoice, ResponseFormat, Temperature, TopP, MaxTokens, Stop,
// Seed). Messages and Tools are the agent's and must be empty; N must be 0
// or 1. Default: the zero request (the provider's defaults). A ToolChoice
// of required or function makes the model call tools at every step, so
// such a run ends at its step limit.
func WithRequestTemplate(req llm.ChatRequest) Option {
	return func(c *config) error {
		switch {
		case len(req.Messages) > 0:
			return errors.New("agent: WithRequestTemplate: messages must be empty (give them to Run)")
		case len(req.Tools) > 0:
			return errors.New("agent: WithRequestTemplate: tools must be empty (the registry provides them)")
		case req.N > 1:
			return fmt.Errorf("agent: WithRequestTemplate: n must be 0 or 1, got %d", req.N)
		}
		c.template = req
		return nil
	}
}

// WithToolMessage sets how a tool call's result is written into the tool
// message the model reads. Default: DefaultToolMessage.
func WithToolMessage(format func(call llm.ToolCall, r tool.Result) string) Option {
	return func(c *config) error {
		if format == nil {
			return errors.New("agent: WithToolMessage: format is nil")
		}
		c.format = format
		return nil
	}
}

// WithLogger sets the logger for steps and tool failures (Debug level).
// Default: no logging.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("agent: WithLogger: logger is nil")
		}
		c.logger = l
		return nil
	}
}

// WithTools offers the model only the tools with these IDs; an ID the
// registry does not hold is an error naming it (at New, and at Run if the
// registry changed). WithTools() with no IDs offers no tools. Default:
// every tool of the registry.
func WithTools(ids ...string) Option {
	return func(c *config) error {
		seen := make(map[string]bool, len(ids))
		c.ids = c.ids[:0:0]
		for i, id := range ids {
			if id == "" {
				return fmt.Errorf("agent: WithTools: ids[%d] is empty", i)
			}
			if !seen[id] {
				seen[id] = true
				c.ids = append(c.ids, id)
			}
		}
		c.explicit = true
		return nil
	}
}

// WithCategory offers only the tools in one of these categories.
// Default: every category.
func WithCategory(categories ...string) Option {
	return func(c *config) error { c.categories = slices.Clone(categories); return nil }
}

// WithTags offers only the tools that carry at least one of these tags.
// Default: no tag is required.
func WithTags(tags ...string) Option {
	return func(c *config) error { c.tags = slices.Clone(tags); return nil }
}

// WithQuery offers only the tools matching q (see registry.Query); IDs in
// q that the registry does not hold are an error, as for WithTools.
// Default: every tool.
func WithQuery(q registry.Query) Option {
	return func(c *config) error { c.query = &q; return nil }
}

// WithFilter offers only the tools for which keep returns true. Default:
// every tool.
func WithFilter(keep func(tool.Tool) bool) Option {
	return func(c *config) error {
		if keep == nil {
			return errors.New("agent: WithFilter: keep is nil")
		}
		c.filter = keep
		return nil
	}
}
