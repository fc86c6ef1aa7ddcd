package agent_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/agent"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/tool"
)

func TestHooks(t *testing.T) {
	s := newSim(t, llmtest.Config{},
		calls(
			llmtest.ToolCall{ID: "c1", Name: "forecast", Arguments: `{"city":"Oslo","days":1}`},
			llmtest.ToolCall{ID: "c2", Name: "nope", Arguments: `{}`},
		),
		answer("done"))
	var (
		mu  sync.Mutex
		log []string
	)
	add := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		log = append(log, fmt.Sprintf(format, args...))
	}
	hooks := agent.Hooks{
		OnModelStart: func(_ context.Context, e agent.ModelEvent) {
			assert.False(t, e.Start.IsZero())
			add("model start %d (%d messages, %d tools)", e.Step, len(e.Request.Messages), len(e.Request.Tools))
		},
		OnModelEnd: func(_ context.Context, e agent.ModelEvent, r agent.ModelResult) {
			assert.NoError(t, r.Err)
			assert.Positive(t, r.Duration)
			add("model end %d (%d tool calls)", e.Step, len(r.Response.Message.ToolCalls))
		},
		OnToolStart: func(_ context.Context, e agent.ToolEvent) {
			assert.False(t, e.Start.IsZero())
			add("tool start %d/%d %s %s %s", e.Step, e.Index, e.CallID, e.ToolID, e.Input)
		},
		OnToolEnd: func(_ context.Context, e agent.ToolEvent, r tool.Result) {
			add("tool end %d/%d %s %s %s", e.Step, e.Index, e.CallID, r.ToolID, r.Status)
		},
		OnStep: func(_ context.Context, st agent.StepTrace) {
			add("step %d (%d tools, %s)", st.Step, len(st.Tools), st.FinishReason)
		},
	}
	a, err := agent.New(s.client(t), newRegistry(t, forecastTool(t)), agent.WithHooks(hooks))
	require.NoError(t, err)
	_, err = a.RunPrompt(t.Context(), "go")
	require.NoError(t, err)

	// The refused call is reported first (it never reaches the registry),
	// then the batch.
	assert.Equal(t, []string{
		"model start 1 (1 messages, 1 tools)",
		"model end 1 (2 tool calls)",
		"tool start 1/1 c2 nope {}",
		"tool end 1/1 c2 nope error",
		`tool start 1/0 c1 forecast {"city":"Oslo","days":1}`,
		"tool end 1/0 c1 forecast success",
		"step 1 (2 tools, tool_calls)",
		"model start 2 (4 messages, 1 tools)",
		"model end 2 (0 tool calls)",
		"step 2 (0 tools, stop)",
	}, log)
}

func TestOptionsAreValidated(t *testing.T) {
	reg := newRegistry(t)
	for _, tc := range []struct {
		name string
		opt  agent.Option
		want string
	}{
		{"max steps", agent.WithMaxSteps(0), "WithMaxSteps: must be ≥ 1, got 0"},
		{"stop kind", agent.WithStopOn(tool.KindPanic, "oops"), `WithStopOn: kinds[1]: unknown kind "oops"`},
		{"template messages", agent.WithRequestTemplate(llm.ChatRequest{Messages: []llm.Message{llm.User("x")}}), "WithRequestTemplate: messages must be empty"},
		{"template tools", agent.WithRequestTemplate(llm.ChatRequest{Tools: []llm.ToolDef{{Name: "x"}}}), "WithRequestTemplate: tools must be empty"},
		{"template n", agent.WithRequestTemplate(llm.ChatRequest{N: 2}), "WithRequestTemplate: n must be 0 or 1, got 2"},
		{"token callback", agent.WithTokenCallback(nil), "WithTokenCallback: fn is nil"},
		{"system prompt", agent.WithSystemPrompt(""), "WithSystemPrompt: prompt is empty"},
		{"tool message", agent.WithToolMessage(nil), "WithToolMessage: format is nil"},
		{"logger", agent.WithLogger(nil), "WithLogger: logger is nil"},
		{"filter", agent.WithFilter(nil), "WithFilter: keep is nil"},
		{"empty id", agent.WithTools("a", ""), "WithTools: ids[1] is empty"},
		{"nil option", nil, "option 0 is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := agent.New(fakeModel(), reg, tc.opt)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)

			a, err := agent.New(fakeModel(), reg)
			require.NoError(t, err)
			_, err = a.RunPrompt(t.Context(), "hi", tc.opt)
			require.Error(t, err, "run options are checked too")
			assert.Contains(t, err.Error(), tc.want)
		})
	}

	_, err := agent.New(nil, reg)
	assert.EqualError(t, err, "agent: New: model is nil")
	_, err = agent.New(fakeModel(), nil)
	assert.EqualError(t, err, "agent: New: registry is nil")

	a, err := agent.New(fakeModel(), reg)
	require.NoError(t, err)
	_, err = a.RunPrompt(t.Context(), "")
	assert.EqualError(t, err, "agent: RunPrompt: prompt is empty")
	_, err = a.Run(t.Context(), nil)
	assert.EqualError(t, err, "agent: Run: messages: at least one message is required")
	_, err = a.Run(t.Context(), []llm.Message{llm.User("hi"), {Role: llm.RoleTool, Content: "x"}})
	require.ErrorIs(t, err, llm.ErrInvalidRequest)
	assert.Contains(t, err.Error(), "messages[1].tool_call_id")
}

func TestRequestOptions(t *testing.T) {
	m := fakeModel()
	temp := 0.2
	a, err := agent.New(m, newRegistry(t, forecastTool(t)),
		agent.WithSystemPrompt("Be brief."),
		agent.WithRequestTemplate(llm.ChatRequest{Model: "small", Temperature: &temp, MaxTokens: 50}),
		agent.WithToolMessage(func(call llm.ToolCall, r tool.Result) string { return strings.ToUpper(string(r.Status)) }))
	require.NoError(t, err)

	m.replies = []llm.Message{{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "c", Name: "forecast", Arguments: []byte(`{"city":"x","days":1}`)}}}}
	res, err := a.RunPrompt(t.Context(), "hi")
	require.NoError(t, err)
	reqs := m.requests()
	require.Len(t, reqs, 2)
	for _, req := range reqs {
		assert.Equal(t, "small", req.Model)
		assert.Equal(t, 50, req.MaxTokens)
		assert.Equal(t, &temp, req.Temperature)
		assert.Equal(t, llm.System("Be brief."), req.Messages[0])
	}
	assert.Equal(t, "SUCCESS", res.Messages[3].Content)

	// A conversation that has its own system message keeps it.
	res, err = a.Run(t.Context(), []llm.Message{llm.System("Mine."), llm.User("hi")})
	require.NoError(t, err)
	assert.Equal(t, "Mine.", res.Messages[0].Content)
	assert.Equal(t, llm.RoleUser, res.Messages[1].Role)
}
