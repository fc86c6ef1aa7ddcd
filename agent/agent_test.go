package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/agent"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

func TestRunCallsToolsThenAnswers(t *testing.T) {
	s := newSim(t, llmtest.Config{},
		calls(llmtest.ToolCall{ID: "c1", Name: "forecast", Arguments: `{"city":"Oslo","days":3}`}),
		answer("Cold all week."))
	fc := forecastTool(t)
	reg := newRegistry(t, fc)
	a, err := agent.New(s.client(t), reg)
	require.NoError(t, err)

	res, err := a.RunPrompt(t.Context(), "Weather in Oslo?")
	require.NoError(t, err)
	assert.Equal(t, "Cold all week.", res.Answer)
	assert.Equal(t, llm.FinishStop, res.FinishReason)
	assert.Equal(t, 2, res.Steps)

	roles := make([]llm.Role, len(res.Messages))
	for i, m := range res.Messages {
		roles[i] = m.Role
	}
	assert.Equal(t, []llm.Role{llm.RoleUser, llm.RoleAssistant, llm.RoleTool, llm.RoleAssistant}, roles)
	assert.Equal(t, "c1", res.Messages[2].ToolCallID)
	assert.Equal(t, "[0,0,0]", res.Messages[2].Content)

	require.Len(t, res.Calls, 1)
	c := res.Calls[0]
	assert.Equal(t, 1, c.Step)
	assert.Equal(t, "c1", c.ID)
	assert.Equal(t, "forecast", c.Tool)
	assert.JSONEq(t, `{"city":"Oslo","days":3}`, string(c.Arguments))
	assert.True(t, c.Result.OK())
	assert.Equal(t, []float64{0, 0, 0}, c.Result.Data)
	assert.LessOrEqual(t, c.Start, c.End)

	reqs := s.requests()
	require.Len(t, reqs, 2)
	// The tool is described by its own schema.
	require.Len(t, reqs[0].Tools, 1)
	assert.Equal(t, "forecast", reqs[0].Tools[0].Function.Name)
	assert.Equal(t, "Daily highs for a city", reqs[0].Tools[0].Function.Description)
	assert.JSONEq(t, string(tool.Parameters(fc)), string(reqs[0].Tools[0].Function.Parameters))
	assert.False(t, reqs[0].Stream)
	byID, _ := reqs[1].toolMessages()
	assert.Equal(t, "[0,0,0]", byID["c1"])

	// Usage is the sum of the steps', and the trace has both steps.
	require.Len(t, res.Trace.Steps, 2)
	var sum llm.Usage
	for i, st := range res.Trace.Steps {
		assert.Equal(t, i+1, st.Step)
		assert.LessOrEqual(t, st.ModelStart, st.ModelEnd)
		sum.PromptTokens += st.Usage.PromptTokens
		sum.CompletionTokens += st.Usage.CompletionTokens
		sum.TotalTokens += st.Usage.TotalTokens
	}
	assert.Positive(t, res.Usage.TotalTokens)
	assert.Equal(t, sum, res.Usage)
	require.Len(t, res.Trace.Steps[0].Tools, 1)
	assert.Equal(t, "c1", res.Trace.Steps[0].Tools[0].ID)
	assert.GreaterOrEqual(t, res.Trace.Steps[0].Tools[0].Start, res.Trace.Steps[0].ModelEnd)
	assert.Empty(t, res.Trace.Steps[1].Tools)
	assert.GreaterOrEqual(t, res.Trace.Duration, res.Trace.Steps[1].ModelEnd)
}

// Every kind of tool failure reaches the model as a structured tool
// message, and the run goes on to the model's answer.
func TestToolErrorsReachTheModel(t *testing.T) {
	tools := func(t *testing.T) []tool.Tool {
		return []tool.Tool{
			forecastTool(t),
			fnTool(t, tool.Metadata{ID: "fail"}, func(context.Context, struct{}) (string, error) {
				return "", errors.New("database unreachable")
			}),
			fnTool(t, tool.Metadata{ID: "boom"}, func(context.Context, struct{}) (string, error) {
				panic("index out of range")
			}),
			fnTool(t, tool.Metadata{ID: "slow"}, func(ctx context.Context, _ struct{}) (string, error) {
				<-ctx.Done()
				return "", ctx.Err()
			}, tool.WithTimeout(20*time.Millisecond)),
		}
	}
	for _, tc := range []struct {
		name      string
		call      llmtest.ToolCall
		opts      []agent.Option
		kind      tool.Kind
		retryable bool
		field     string // the violation's field, for invalid input
		rule      string
		message   string // a part of the error message
	}{
		{name: "failing tool", call: llmtest.ToolCall{Name: "fail", Arguments: `{}`},
			kind: tool.KindExecution, message: "database unreachable"},
		{name: "panicking tool", call: llmtest.ToolCall{Name: "boom", Arguments: `{}`},
			kind: tool.KindPanic, message: "index out of range"},
		{name: "timeout", call: llmtest.ToolCall{Name: "slow", Arguments: `{}`},
			kind: tool.KindTimeout, retryable: true, message: "timed out after 20ms"},
		{name: "unknown tool", call: llmtest.ToolCall{Name: "nope", Arguments: `{}`},
			kind: tool.KindUnknownTool, message: "boom, fail, forecast, slow"},
		{name: "tool not offered to this run", call: llmtest.ToolCall{Name: "fail", Arguments: `{}`},
			opts: []agent.Option{agent.WithTools("forecast")}, kind: tool.KindUnknownTool, message: "(forecast)"},
		{name: "argument out of range", call: llmtest.ToolCall{Name: "forecast", Arguments: `{"city":"Oslo","days":99}`},
			kind: tool.KindInvalidInput, field: "days", rule: "maximum", message: "days: must be <= 14, got 99"},
		{name: "argument of the wrong type", call: llmtest.ToolCall{Name: "forecast", Arguments: `{"city":7,"days":2}`},
			kind: tool.KindInvalidInput, field: "city", rule: "type"},
		{name: "missing argument", call: llmtest.ToolCall{Name: "forecast", Arguments: `{"days":2}`},
			kind: tool.KindInvalidInput, field: "city", rule: "required", message: "city"},
		{name: "arguments not JSON", call: llmtest.ToolCall{Name: "forecast", Arguments: `{"city":`},
			kind: tool.KindInvalidInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.call.ID = "call_x"
			s := newSim(t, llmtest.Config{}, calls(tc.call), answer("sorry"))
			a, err := agent.New(s.client(t), newRegistry(t, tools(t)...), tc.opts...)
			require.NoError(t, err)

			res, err := a.RunPrompt(t.Context(), "go")
			require.NoError(t, err)
			assert.Equal(t, "sorry", res.Answer)
			require.Len(t, res.Calls, 1)
			assert.Equal(t, tc.kind, tool.KindOf(res.Calls[0].Result.Err))

			reqs := s.requests()
			require.Len(t, reqs, 2)
			byID, _ := reqs[1].toolMessages()
			te := parseToolErr(t, byID["call_x"])
			assert.Equal(t, tc.kind, te.Error.Kind)
			assert.Equal(t, tc.retryable, te.Error.Retryable)
			assert.Contains(t, te.Error.Message, tc.message)
			if tc.rule != "" {
				require.NotEmpty(t, te.Error.Fields)
				assert.Equal(t, tc.field, te.Error.Fields[0].Field)
				assert.Equal(t, tc.rule, te.Error.Fields[0].Rule)
			}
			// The conversation stays valid: the assistant message the
			// server got back carries JSON arguments.
			asst := reqs[1].Messages[1]
			require.Len(t, asst.ToolCalls, 1)
			assert.True(t, json.Valid([]byte(asst.ToolCalls[0].Function.Arguments)))
			assert.Equal(t, tc.call.Arguments, string(res.Calls[0].Arguments), "the record keeps the model's text")
		})
	}
}

func TestStopOn(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tool  func(t *testing.T) tool.Tool
		opts  []agent.Option
		stop  bool
		match error
	}{
		{name: "panic shown to the model by default", tool: panicTool, stop: false},
		{name: "panic ends the run under WithStopOn", tool: panicTool,
			opts: []agent.Option{agent.WithStopOn(tool.KindPanic)}, stop: true, match: tool.ErrPanic},
		{name: "other kinds go on under WithStopOn", tool: panicTool,
			opts: []agent.Option{agent.WithStopOn(tool.KindTimeout, tool.KindExecution)}, stop: false},
		{name: "fatal timeout always ends the run", tool: func(t *testing.T) tool.Tool {
			return fnTool(t, tool.Metadata{ID: "x"}, func(ctx context.Context, _ struct{}) (string, error) {
				<-ctx.Done()
				return "", ctx.Err()
			}, tool.WithTimeout(10*time.Millisecond), tool.WithTimeoutBehavior(tool.TimeoutFails))
		}, stop: true, match: tool.ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, llmtest.Config{}, calls(llmtest.ToolCall{ID: "c1", Name: "x", Arguments: `{}`}), answer("done"))
			a, err := agent.New(s.client(t), newRegistry(t, tc.tool(t)), tc.opts...)
			require.NoError(t, err)
			res, err := a.RunPrompt(t.Context(), "go")
			if !tc.stop {
				require.NoError(t, err)
				assert.Equal(t, "done", res.Answer)
				return
			}
			require.ErrorIs(t, err, agent.ErrToolStop)
			require.ErrorIs(t, err, tc.match)
			var te *agent.ToolError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, "x", te.ToolID)
			assert.Equal(t, "c1", te.CallID)
			assert.Equal(t, 1, res.Steps)
			assert.Empty(t, res.Answer)
			assert.Len(t, s.requests(), 1)
			// The partial result is a complete conversation.
			require.Len(t, res.Messages, 3)
			assert.Equal(t, llm.RoleTool, res.Messages[2].Role)
		})
	}
}

func panicTool(t *testing.T) tool.Tool {
	return fnTool(t, tool.Metadata{ID: "x"}, func(context.Context, struct{}) (string, error) { panic("bad state") })
}

func TestMaxSteps(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []agent.Option
		want int
	}{
		{"default", nil, agent.DefaultMaxSteps},
		{"option", []agent.Option{agent.WithMaxSteps(3)}, 3},
		{"one step", []agent.Option{agent.WithMaxSteps(1)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loop := calls(llmtest.ToolCall{Name: "forecast", Arguments: `{"city":"Oslo","days":1}`})
			loop.Times = llmtest.Forever
			s := newSim(t, llmtest.Config{}, loop)
			a, err := agent.New(s.client(t), newRegistry(t, forecastTool(t)), tc.opts...)
			require.NoError(t, err)

			res, err := a.RunPrompt(t.Context(), "loop")
			require.ErrorIs(t, err, agent.ErrMaxSteps)
			var me *agent.MaxStepsError
			require.ErrorAs(t, err, &me)
			assert.Equal(t, tc.want, me.Steps)
			assert.Equal(t, tc.want, res.Steps)
			assert.Len(t, res.Calls, tc.want, "the last step's calls ran too")
			assert.Len(t, res.Trace.Steps, tc.want)
			assert.Len(t, s.requests(), tc.want)
			assert.Equal(t, llm.RoleTool, res.Messages[len(res.Messages)-1].Role)
			check := llm.ChatRequest{Messages: res.Messages}
			assert.NoError(t, check.Validate(), "the partial conversation can be continued")
		})
	}
}

func TestToolSelection(t *testing.T) {
	mk := func(t *testing.T) *registry.Registry {
		return newRegistry(t,
			forecastTool(t),
			fnTool(t, tool.Metadata{ID: "search", Category: "search", Tags: []string{"read", "web"}}, okFn),
			fnTool(t, tool.Metadata{ID: "write", Category: "files", Tags: []string{"write"}}, okFn),
		)
	}
	for _, tc := range []struct {
		name string
		opts []agent.Option
		want []string
	}{
		{"all by default", nil, []string{"forecast", "search", "write"}},
		{"category", []agent.Option{agent.WithCategory("weather", "files")}, []string{"forecast", "write"}},
		{"tags", []agent.Option{agent.WithTags("read")}, []string{"forecast", "search"}},
		{"explicit list", []agent.Option{agent.WithTools("write", "search", "write")}, []string{"search", "write"}},
		{"no tools", []agent.Option{agent.WithTools()}, nil},
		{"query", []agent.Option{agent.WithQuery(registry.Query{AllTags: []string{"read", "web"}})}, []string{"search"}},
		{"filter", []agent.Option{agent.WithFilter(func(t tool.Tool) bool { return t.Metadata().ID != "search" })}, []string{"forecast", "write"}},
		{"combined", []agent.Option{agent.WithTools("forecast", "write"), agent.WithTags("read")}, []string{"forecast"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, llmtest.Config{}, answer("hi"))
			a, err := agent.New(s.client(t), mk(t), tc.opts...)
			require.NoError(t, err)
			_, err = a.RunPrompt(t.Context(), "hello")
			require.NoError(t, err)
			reqs := s.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, tc.want, reqs[0].toolNames())
		})
	}

	t.Run("unknown ids are an error naming them", func(t *testing.T) {
		reg := mk(t)
		_, err := agent.New(fakeModel(), reg, agent.WithTools("search", "nope", "gone"))
		require.ErrorIs(t, err, tool.ErrUnknownTool)
		var ue *agent.UnknownToolsError
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, []string{"nope", "gone"}, ue.IDs)
		assert.EqualError(t, err, `agent: unknown tools: "nope", "gone"`)

		_, err = agent.New(fakeModel(), reg, agent.WithQuery(registry.Query{IDs: []string{"other"}}))
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, []string{"other"}, ue.IDs)

		a, err := agent.New(fakeModel(), reg)
		require.NoError(t, err)
		_, err = a.RunPrompt(t.Context(), "hi", agent.WithTools("missing"))
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, []string{"missing"}, ue.IDs)
	})
}

func okFn(context.Context, struct{}) (string, error) { return "ok", nil }

func TestStreaming(t *testing.T) {
	s := newSim(t, llmtest.Config{},
		calls(llmtest.ToolCall{ID: "c1", Name: "forecast", Arguments: `{"city":"Oslo","days":2}`}),
		answer("Two cold days ahead in Oslo."))
	a, err := agent.New(s.client(t), newRegistry(t, forecastTool(t)))
	require.NoError(t, err)

	type piece struct {
		step int
		text string
	}
	var got []piece
	res, err := a.RunPrompt(t.Context(), "Weather?", agent.WithTokenCallback(func(step int, text string) error {
		got = append(got, piece{step, text})
		return nil
	}))
	require.NoError(t, err)
	assert.Equal(t, "Two cold days ahead in Oslo.", res.Answer)
	require.Greater(t, len(got), 1, "the answer arrives in pieces")
	var b strings.Builder
	for _, p := range got {
		assert.Equal(t, 2, p.step)
		b.WriteString(p.text)
	}
	assert.Equal(t, res.Answer, b.String())
	// The streamed tool call was assembled and run.
	require.Len(t, res.Calls, 1)
	assert.True(t, res.Calls[0].Result.OK())
	reqs := s.requests()
	require.Len(t, reqs, 2)
	assert.True(t, reqs[0].Stream)
	assert.True(t, reqs[1].Stream)
	assert.Positive(t, res.Usage.TotalTokens, "usage is reported in streams")

	t.Run("callback error ends the run", func(t *testing.T) {
		s := newSim(t, llmtest.Config{}, answer("some words here"))
		a, err := agent.New(s.client(t), newRegistry(t))
		require.NoError(t, err)
		stop := errors.New("client went away")
		res, err := a.RunPrompt(t.Context(), "hi", agent.WithTokenCallback(func(int, string) error { return stop }))
		require.ErrorIs(t, err, stop)
		assert.Equal(t, 1, res.Steps)
		assert.Empty(t, res.Answer)
	})
}
