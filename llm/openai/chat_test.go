package openai_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/llmtest"
)

var searchTool = llm.ToolDef{
	Name:        "search",
	Description: "Search the graph.",
	Parameters:  json.RawMessage(`{"type": "object", "properties": {"query": {"type": "string"}, "k": {"type": "integer"}}, "required": ["query"]}`),
}

func TestChat(t *testing.T) {
	t.Parallel()
	srv := start(t, llmtest.Config{})
	c := client(t, srv)
	ctx := context.Background()
	tests := []struct {
		name  string
		req   llm.ChatRequest
		check func(t *testing.T, r llm.ChatResponse)
	}{
		{"text", llm.ChatRequest{Messages: []llm.Message{llm.System("be brief"), llm.User("hello")}, Temperature: ptr(0.0), Seed: ptr(7)},
			func(t *testing.T, r llm.ChatResponse) {
				assert.NotEmpty(t, r.Message.Content)
				assert.Equal(t, llm.RoleAssistant, r.Message.Role)
				assert.Equal(t, llm.FinishStop, r.FinishReason)
				assert.Equal(t, "gpt-4o-mini", r.Model)
				assert.NotEmpty(t, r.ID)
			}},
		{"max tokens cut", llm.ChatRequest{Messages: []llm.Message{llm.User("hello")}, MaxTokens: 2},
			func(t *testing.T, r llm.ChatResponse) {
				assert.Equal(t, llm.FinishLength, r.FinishReason)
				assert.Equal(t, 2, r.Usage.CompletionTokens)
			}},
		{"n choices", llm.ChatRequest{Messages: []llm.Message{llm.User("hello")}, N: 3, Model: "other-model"},
			func(t *testing.T, r llm.ChatResponse) {
				require.Len(t, r.Choices, 3)
				assert.Equal(t, r.Choices[0].Message, r.Message)
				assert.Equal(t, "other-model", r.Model)
			}},
		{"json mode", llm.ChatRequest{Messages: []llm.Message{llm.User("answer in JSON")}, ResponseFormat: llm.ResponseFormat{Type: llm.FormatJSONObject}},
			func(t *testing.T, r llm.ChatResponse) {
				var v map[string]any
				require.NoError(t, json.Unmarshal([]byte(r.Message.Content), &v), r.Message.Content)
			}},
		{"json schema", llm.ChatRequest{Messages: []llm.Message{llm.User("extract")},
			ResponseFormat: llm.JSONSchema("entity", json.RawMessage(`{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"],"additionalProperties":false}`), true)},
			func(t *testing.T, r llm.ChatResponse) {
				var v struct {
					Name *string `json:"name"`
					Age  *int    `json:"age"`
				}
				require.NoError(t, json.Unmarshal([]byte(r.Message.Content), &v), r.Message.Content)
				assert.NotNil(t, v.Name)
				assert.NotNil(t, v.Age)
			}},
		{"tool required", llm.ChatRequest{Messages: []llm.Message{llm.User("find it")}, Tools: []llm.ToolDef{searchTool},
			ToolChoice: llm.ToolChoice{Mode: llm.ToolChoiceRequired}},
			func(t *testing.T, r llm.ChatResponse) {
				assert.Equal(t, llm.FinishToolCalls, r.FinishReason)
				require.Len(t, r.Message.ToolCalls, 1)
				tc := r.Message.ToolCalls[0]
				assert.Equal(t, "search", tc.Name)
				assert.NotEmpty(t, tc.ID)
				var args struct{ Query *string }
				require.NoError(t, json.Unmarshal(tc.Arguments, &args))
				assert.NotNil(t, args.Query)
			}},
		{"tool named", llm.ChatRequest{Messages: []llm.Message{llm.User("x")}, Tools: []llm.ToolDef{{Name: "noop"}, searchTool},
			ToolChoice: llm.CallFunction("noop")},
			func(t *testing.T, r llm.ChatResponse) {
				require.Len(t, r.Message.ToolCalls, 1)
				assert.Equal(t, "noop", r.Message.ToolCalls[0].Name)
			}},
		{"tool auto", llm.ChatRequest{Messages: []llm.Message{llm.User("please call:search")}, Tools: []llm.ToolDef{searchTool}},
			func(t *testing.T, r llm.ChatResponse) {
				require.Len(t, r.Message.ToolCalls, 1)
				assert.Equal(t, "search", r.Message.ToolCalls[0].Name)
			}},
		{"tool none", llm.ChatRequest{Messages: []llm.Message{llm.User("please call:search")}, Tools: []llm.ToolDef{searchTool},
			ToolChoice: llm.ToolChoice{Mode: llm.ToolChoiceNone}},
			func(t *testing.T, r llm.ChatResponse) { assert.Empty(t, r.Message.ToolCalls) }},
		{"tool result turn", llm.ChatRequest{Messages: []llm.Message{
			llm.User("call:search"),
			{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "call_1", Name: "search", Arguments: json.RawMessage(`{"query":"a <b> & c"}`)}}},
			llm.ToolResult("call_1", "found 3 nodes"),
		}, Tools: []llm.ToolDef{searchTool}},
			func(t *testing.T, r llm.ChatResponse) {
				assert.Empty(t, r.Message.ToolCalls)
				assert.NotEmpty(t, r.Message.Content)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := c.Chat(ctx, tt.req)
			require.NoError(t, err)
			tt.check(t, r)
			// The prompt estimate is exactly what the server counts.
			assert.Equal(t, llm.EstimatePromptTokens(tt.req), r.Usage.PromptTokens)
			assert.Equal(t, r.Usage.PromptTokens+r.Usage.CompletionTokens, r.Usage.TotalTokens)
		})
	}
}

// The cost charged by the client's pacing is the server's charge.
func TestChatCostMatchesServer(t *testing.T) {
	t.Parallel()
	srv := start(t, llmtest.Config{})
	c := client(t, srv)
	req := llm.ChatRequest{Messages: []llm.Message{
		llm.System("sys"), llm.User("call:search ünïcode"),
		{Role: llm.RoleAssistant, Content: "let me look", ToolCalls: []llm.ToolCall{{ID: "c1", Name: "search", Arguments: json.RawMessage(`{"query": "x"}`)}}},
		llm.ToolResult("c1", "none"),
	}, Tools: []llm.ToolDef{searchTool, {Name: "noop"}}, MaxTokens: 50, N: 2}
	_, err := c.Chat(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, int64(llm.EstimateChatTokens(req)), srv.Stats().TokensCharged)

	srv.Reset()
	_, err = c.Embed(context.Background(), []string{"a", "bbbbbb", "ccccccccc"})
	require.NoError(t, err)
	assert.Equal(t, int64(llm.EstimateEmbedTokens([]string{"a", "bbbbbb", "ccccccccc"})), srv.Stats().TokensCharged)
}

func TestChatScriptedToolCalls(t *testing.T) {
	t.Parallel()
	srv := start(t, llmtest.Config{Scripts: []llmtest.Script{{
		Match: "weather",
		Times: llmtest.Forever,
		Reply: llmtest.Reply{ToolCalls: []llmtest.ToolCall{
			{ID: "call_a", Name: "get_weather", Arguments: `{"city":"Paris"}`},
			{ID: "call_b", Name: "get_weather", Arguments: `{"city":"Oslo"}`},
		}},
	}}})
	c := client(t, srv)
	tools := []llm.ToolDef{{Name: "get_weather", Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`)}}
	req := llm.ChatRequest{Messages: []llm.Message{llm.User("weather in Paris and Oslo?")}, Tools: tools}
	check := func(r llm.ChatResponse) {
		assert.Equal(t, llm.FinishToolCalls, r.FinishReason)
		require.Len(t, r.Message.ToolCalls, 2)
		assert.Equal(t, llm.ToolCall{ID: "call_a", Name: "get_weather", Arguments: json.RawMessage(`{"city":"Paris"}`)}, r.Message.ToolCalls[0])
		assert.Equal(t, llm.ToolCall{ID: "call_b", Name: "get_weather", Arguments: json.RawMessage(`{"city":"Oslo"}`)}, r.Message.ToolCalls[1])
	}
	r, err := c.Chat(context.Background(), req)
	require.NoError(t, err)
	check(r)

	// The same calls, streamed: fragments are joined in order.
	var deltas []llm.ChatDelta
	r, err = c.ChatStream(context.Background(), req, func(d llm.ChatDelta) error {
		deltas = append(deltas, d)
		return nil
	})
	require.NoError(t, err)
	check(r)
	assert.NotEmpty(t, deltas)
	assert.Equal(t, llm.EstimatePromptTokens(req), r.Usage.PromptTokens)
}

func ptr[T any](v T) *T { return &v }
