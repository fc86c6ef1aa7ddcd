package agent_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/agent"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// A tool that itself calls a registry with the ctx it was given: the
// agent's per-batch call hooks must not see the inner call, so the outer
// call is started and finished once.
func TestNestedRegistryCallInsideTool(t *testing.T) {
	inner := newRegistry(t, fnTool(t, tool.Metadata{ID: "inner"}, func(context.Context, struct{}) (string, error) { return "inner-result", nil }))
	outer := fnTool(t, tool.Metadata{ID: "outer"}, func(ctx context.Context, _ struct{}) (string, error) {
		res := inner.Execute(ctx, "inner", []byte(`{}`))
		return "outer-result:" + string(res.Status), nil
	})
	var starts, ends atomic.Int32
	m := fakeModel(llm.Message{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "c0", Name: "outer", Arguments: []byte(`{}`)}}})
	a, err := agent.New(m, newRegistry(t, outer), agent.WithHooks(agent.Hooks{
		OnToolStart: func(context.Context, agent.ToolEvent) { starts.Add(1) },
		OnToolEnd:   func(context.Context, agent.ToolEvent, tool.Result) { ends.Add(1) },
	}))
	require.NoError(t, err)
	_, err = a.RunPrompt(t.Context(), "go")
	require.NoError(t, err)
	assert.EqualValues(t, 1, starts.Load(), "OnToolStart calls for one model call")
	assert.EqualValues(t, 1, ends.Load(), "OnToolEnd calls for one model call")
}

// Same, with the inner registry running a batch of two (whose index 1
// does not exist in the outer batch of one).
func TestNestedRegistryBatchInsideTool(t *testing.T) {
	inner := newRegistry(t, fnTool(t, tool.Metadata{ID: "inner"}, func(context.Context, struct{}) (string, error) { return "x", nil }))
	outer := fnTool(t, tool.Metadata{ID: "outer"}, func(ctx context.Context, _ struct{}) (string, error) {
		inner.ExecuteAll(ctx, []registry.Call{{ID: "inner", Input: []byte(`{}`)}, {ID: "inner", Input: []byte(`{}`)}})
		return "ok", nil
	})
	m := fakeModel(llm.Message{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "c0", Name: "outer", Arguments: []byte(`{}`)}}})
	a, err := agent.New(m, newRegistry(t, outer))
	require.NoError(t, err)
	res, err := a.RunPrompt(t.Context(), "go")
	require.NoError(t, err)
	require.Len(t, res.Calls, 1)
	assert.True(t, res.Calls[0].Result.OK(), "%v", res.Calls[0].Result.Err)
}
