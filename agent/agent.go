package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/registry"
)

// Agent runs the tool-calling loop of one model over the tools of one
// registry. It is immutable after New and safe for concurrent runs.
type Agent struct {
	model llm.ChatModel
	reg   *registry.Registry
	cfg   config
}

// New returns an Agent that calls model with the tools of reg, configured
// by opts. It fails when model or reg is nil, when an option's value is
// invalid, or when WithTools or WithQuery name tools that reg does not hold
// (a *UnknownToolsError naming them).
func New(model llm.ChatModel, reg *registry.Registry, opts ...Option) (*Agent, error) {
	if model == nil {
		return nil, errors.New("agent: New: model is nil")
	}
	if reg == nil {
		return nil, errors.New("agent: New: registry is nil")
	}
	cfg, err := defaultConfig().apply(opts)
	if err != nil {
		return nil, err
	}
	if cfg.format == nil {
		cfg.format = DefaultToolMessage
	}
	if err := cfg.checkIDs(reg); err != nil {
		return nil, err
	}
	return &Agent{model: model, reg: reg, cfg: cfg}, nil
}

// RunPrompt runs the loop on a conversation of one user message, prompt.
func (a *Agent) RunPrompt(ctx context.Context, prompt string, opts ...Option) (Result, error) {
	if prompt == "" {
		return Result{}, errors.New("agent: RunPrompt: prompt is empty")
	}
	return a.Run(ctx, []llm.Message{llm.User(prompt)}, opts...)
}

// Run sends messages to the model with the run's tools (each described by
// its ID, description and own JSON Schema), runs the tool calls the model
// returns (see WithSequentialTools for how a step's calls are scheduled),
// appends the assistant message and one tool message per call, in the
// model's order, and repeats until the model answers without tool calls
// or the step limit (WithMaxSteps) is reached. opts apply over the
// agent's options for this run only.
//
// A tool that fails, panics, times out, is given invalid arguments or does
// not exist produces a tool message the model reads (see
// DefaultToolMessage), and the loop goes on, unless the error is marked
// tool.ErrFatal or its kind was given to WithStopOn: the run then ends with
// a *ToolError.
//
// Run always returns the Result so far, also with an error: a
// *MaxStepsError, a *ToolError, the model's error (wrapped, naming the
// step), or the context's error once ctx ends, which stops the model call
// and the running tools at once.
func (a *Agent) Run(ctx context.Context, messages []llm.Message, opts ...Option) (Result, error) {
	if ctx == nil {
		return Result{}, errors.New("agent: Run: ctx is nil")
	}
	if len(messages) == 0 {
		return Result{}, errors.New("agent: Run: messages: at least one message is required")
	}
	check := llm.ChatRequest{Messages: messages}
	if err := check.Validate(); err != nil {
		return Result{}, fmt.Errorf("agent: Run: %w", err)
	}
	cfg, err := a.cfg.apply(opts)
	if err != nil {
		return Result{}, err
	}
	tools, err := cfg.selectTools(a.reg)
	if err != nil {
		return Result{}, err
	}
	r := &run{model: a.model, reg: a.reg, cfg: &cfg, tools: tools, start: time.Now()}
	r.res.Trace.Start = r.start
	if cfg.system != "" && messages[0].Role != llm.RoleSystem && messages[0].Role != llm.RoleDeveloper {
		r.res.Messages = append(r.res.Messages, llm.System(cfg.system))
	}
	r.res.Messages = append(r.res.Messages, messages...)
	err = r.loop(ctx)
	r.res.Trace.Duration = time.Since(r.start)
	return r.res, err
}

// run is the state of one Run.
type run struct {
	model llm.ChatModel
	reg   *registry.Registry
	cfg   *config
	tools *toolSet
	start time.Time
	res   Result
}

func (r *run) offset(t time.Time) time.Duration { return t.Sub(r.start) }

func (r *run) loop(ctx context.Context) error {
	for step := 1; ; step++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("agent: step %d: %w", step, ctxErrCause(ctx))
		}
		if step > r.cfg.maxSteps {
			return &MaxStepsError{Steps: r.cfg.maxSteps}
		}
		st, resp, err := r.callModel(ctx, step)
		r.res.Steps = step
		if err != nil {
			r.endStep(ctx, st)
			if ctx.Err() != nil {
				return fmt.Errorf("agent: step %d: model call: %w", step, ctxErrCause(ctx))
			}
			return fmt.Errorf("agent: step %d: model call: %w", step, err)
		}
		msg := sanitize(resp.Message, step)
		r.res.Messages = append(r.res.Messages, msg)
		r.res.FinishReason = resp.FinishReason
		if len(msg.ToolCalls) == 0 {
			r.res.Answer = msg.Content
			r.endStep(ctx, st)
			return nil
		}
		recs := r.runTools(ctx, step, msg.ToolCalls, resp.Message.ToolCalls)
		for _, rec := range recs {
			r.res.Messages = append(r.res.Messages, llm.ToolResult(rec.ID, rec.Content))
			st.Tools = append(st.Tools, ToolSpan{Index: rec.Index, ID: rec.ID, Tool: rec.Tool,
				Start: rec.Start, End: rec.End, Status: rec.Result.Status, Kind: kindOf(rec)})
		}
		r.res.Calls = append(r.res.Calls, recs...)
		r.endStep(ctx, st)
		if ctx.Err() != nil {
			return fmt.Errorf("agent: step %d: tool calls: %w", step, ctxErrCause(ctx))
		}
		if err := r.stopError(recs); err != nil {
			return err
		}
	}
}

// callModel makes the step's model call: streamed when a token callback is
// set.
func (r *run) callModel(ctx context.Context, step int) (StepTrace, llm.ChatResponse, error) {
	req := r.cfg.template
	req.Messages = slices.Clip(r.res.Messages)
	req.Tools = r.tools.defs
	if len(req.Tools) == 0 {
		req.ToolChoice = llm.ToolChoice{}
	}
	start := time.Now()
	ev := ModelEvent{Step: step, Request: req, Start: start}
	if r.cfg.hooks.OnModelStart != nil {
		r.cfg.hooks.OnModelStart(ctx, ev)
	}
	var (
		resp llm.ChatResponse
		err  error
	)
	if r.cfg.onToken != nil {
		onToken := r.cfg.onToken
		resp, err = r.model.ChatStream(ctx, req, func(d llm.ChatDelta) error {
			if d.Choice == 0 && d.Content != "" {
				return onToken(step, d.Content)
			}
			return nil
		})
	} else {
		resp, err = r.model.Chat(ctx, req)
	}
	d := time.Since(start)
	if r.cfg.hooks.OnModelEnd != nil {
		r.cfg.hooks.OnModelEnd(ctx, ev, ModelResult{Response: resp, Err: err, Duration: d})
	}
	st := StepTrace{Step: step, ModelStart: r.offset(start), ModelEnd: r.offset(start) + d}
	if err != nil {
		st.Err = err.Error()
		return st, resp, err
	}
	st.Usage, st.FinishReason = resp.Usage, resp.FinishReason
	r.res.Usage.PromptTokens += resp.Usage.PromptTokens
	r.res.Usage.CompletionTokens += resp.Usage.CompletionTokens
	r.res.Usage.TotalTokens += resp.Usage.TotalTokens
	r.cfg.logger.DebugContext(ctx, "agent: model call", "step", step, "duration", d,
		"tool_calls", len(resp.Message.ToolCalls), "finish_reason", resp.FinishReason)
	return st, resp, nil
}

func (r *run) endStep(ctx context.Context, st StepTrace) {
	r.res.Trace.Steps = append(r.res.Trace.Steps, st)
	if r.cfg.hooks.OnStep != nil {
		r.cfg.hooks.OnStep(ctx, st)
	}
}

// ctxErrCause is ctx's error, with its cause when it differs.
func ctxErrCause(ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("%w: %w", err, cause)
	}
	return err
}
