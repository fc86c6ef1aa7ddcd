package langchainllm_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/langchainllm"
	"github.com/kgas-dev/kgas/llm/llmtest"
)

func okResponse(content string) *llms.ContentResponse {
	return &llms.ContentResponse{Choices: []*llms.ContentChoice{{Content: content, StopReason: "stop"}}}
}

func TestReverseRequestMapping(t *testing.T) {
	call := llm.ToolCall{ID: "c1", Name: "add", Arguments: json.RawMessage(`{"a":1}`)}
	cases := []struct {
		name     string
		req      llm.ChatRequest
		wantMsgs []llms.MessageContent
		check    func(t *testing.T, o llms.CallOptions)
	}{
		{
			name: "roles, tool calls and named tool responses",
			req: llm.ChatRequest{Messages: []llm.Message{
				llm.System("s"), {Role: llm.RoleDeveloper, Content: "d"}, llm.User("u"),
				{Role: llm.RoleAssistant, Content: "thinking", ToolCalls: []llm.ToolCall{call}},
				llm.ToolResult("c1", "1"),
				{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "c2", Name: "now"}}},
				llm.ToolResult("c2", "noon"),
				llm.Assistant(""),
			}},
			wantMsgs: []llms.MessageContent{
				llms.TextParts(llms.ChatMessageTypeSystem, "s"), llms.TextParts(llms.ChatMessageTypeSystem, "d"), human("u"),
				{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{llms.TextPart("thinking"), toolCallPart("c1", "add", `{"a":1}`)}},
				{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.ToolCallResponse{ToolCallID: "c1", Name: "add", Content: "1"}}},
				{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{toolCallPart("c2", "now", "")}},
				{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.ToolCallResponse{ToolCallID: "c2", Name: "now", Content: "noon"}}},
				llms.TextParts(llms.ChatMessageTypeAI, ""),
			},
			check: func(t *testing.T, o llms.CallOptions) {
				assert.Equal(t, llms.CallOptions{}, o, "no options when the request sets none")
			},
		},
		{
			name: "sampling options",
			req: llm.ChatRequest{
				Model: "m", Messages: []llm.Message{llm.User("u")}, MaxTokens: 9, Temperature: ptr(0.0), TopP: ptr(0.9),
				Seed: ptr(7), Stop: []string{"x"}, N: 2, ResponseFormat: llm.ResponseFormat{Type: llm.FormatJSONObject},
			},
			wantMsgs: []llms.MessageContent{human("u")},
			check: func(t *testing.T, o llms.CallOptions) {
				assert.Equal(t, llms.CallOptions{
					Model: "m", MaxTokens: 9, Temperature: 0, TopP: 0.9, Seed: 7, StopWords: []string{"x"}, N: 2, CandidateCount: 2, JSONMode: true,
				}, o)
			},
		},
		{
			name: "tools with object parameters and a named choice",
			req: llm.ChatRequest{
				Messages:   []llm.Message{llm.User("u")},
				Tools:      []llm.ToolDef{{Name: "add", Description: "Adds", Parameters: addSchema, Strict: true}, {Name: "now"}},
				ToolChoice: llm.CallFunction("add"),
			},
			wantMsgs: []llms.MessageContent{human("u")},
			check: func(t *testing.T, o llms.CallOptions) {
				require.Len(t, o.Tools, 2)
				assert.Equal(t, "function", o.Tools[0].Type)
				assert.Equal(t, "Adds", o.Tools[0].Function.Description)
				assert.True(t, o.Tools[0].Function.Strict)
				params, ok := o.Tools[0].Function.Parameters.(map[string]any)
				require.True(t, ok, "providers type-assert map[string]any")
				assert.Equal(t, []any{"a"}, params["required"])
				assert.Equal(t, map[string]any{"type": "object", "properties": map[string]any{}}, o.Tools[1].Function.Parameters)
				assert.Equal(t, llms.ToolChoice{Type: "function", Function: &llms.FunctionReference{Name: "add"}}, o.ToolChoice)
			},
		},
		{
			name:     "tool choice mode",
			req:      llm.ChatRequest{Messages: []llm.Message{llm.User("u")}, Tools: []llm.ToolDef{{Name: "now"}}, ToolChoice: llm.ToolChoice{Mode: llm.ToolChoiceRequired}},
			wantMsgs: []llms.MessageContent{human("u")},
			check:    func(t *testing.T, o llms.CallOptions) { assert.Equal(t, "required", o.ToolChoice) },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &lcRecorder{resp: okResponse("ok")}
			c, err := langchainllm.NewChatModel(f)
			require.NoError(t, err)
			_, err = c.Chat(context.Background(), tc.req)
			require.NoError(t, err)
			assert.Equal(t, tc.wantMsgs, f.msgs)
			tc.check(t, f.opts)
		})
	}
}

func TestReverseRequestErrors(t *testing.T) {
	cases := []struct {
		name        string
		req         llm.ChatRequest
		field       string
		unsupported bool
	}{
		{"participant name", llm.ChatRequest{Messages: []llm.Message{{Role: llm.RoleUser, Content: "u", Name: "ann"}}}, "messages[0].name", true},
		{"json schema format", llm.ChatRequest{Messages: []llm.Message{llm.User("u")}, ResponseFormat: llm.JSONSchema("r", json.RawMessage(`{"type":"object"}`), true)}, "response_format.type", true},
		{"invalid request", llm.ChatRequest{Messages: []llm.Message{{Role: llm.RoleTool, Content: "x"}}}, "messages[0].tool_call_id", false},
		{"no messages", llm.ChatRequest{}, "messages", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &lcRecorder{resp: okResponse("ok")}
			c, err := langchainllm.NewChatModel(f)
			require.NoError(t, err)
			for _, stream := range []bool{false, true} {
				if stream {
					_, err = c.ChatStream(context.Background(), tc.req, nil)
				} else {
					_, err = c.Chat(context.Background(), tc.req)
				}
				var ire *llm.InvalidRequestError
				require.ErrorAs(t, err, &ire)
				assert.Equal(t, tc.field, ire.Field)
				assert.Equal(t, tc.unsupported, errors.Is(err, langchainllm.ErrUnsupported))
			}
			assert.Zero(t, f.calls, "nothing is sent")
		})
	}
	_, err := langchainllm.NewChatModel(nil)
	assert.ErrorIs(t, err, llm.ErrInvalidRequest)
}

func TestReverseResponseMapping(t *testing.T) {
	cases := []struct {
		name string
		resp *llms.ContentResponse
		want llm.ChatResponse
		err  error
	}{
		{
			name: "openai usage keys, tool calls",
			resp: &llms.ContentResponse{Choices: []*llms.ContentChoice{{
				Content: "hm", StopReason: "tool_calls", ToolCalls: []llms.ToolCall{toolCallPart("c1", "add", `{"a":1}`)},
				FuncCall:       &llms.FunctionCall{Name: "add", Arguments: `{"a":1}`},
				GenerationInfo: map[string]any{"PromptTokens": 10, "CompletionTokens": 4, "TotalTokens": 14},
			}}},
			want: llm.ChatResponse{
				Model: "m", FinishReason: "tool_calls", Usage: llm.Usage{PromptTokens: 10, CompletionTokens: 4, TotalTokens: 14},
				Message: llm.Message{Role: llm.RoleAssistant, Content: "hm", ToolCalls: []llm.ToolCall{{ID: "c1", Name: "add", Arguments: json.RawMessage(`{"a":1}`)}}},
			},
		},
		{
			name: "anthropic usage keys, empty stop reason",
			resp: &llms.ContentResponse{Choices: []*llms.ContentChoice{{Content: "hi", GenerationInfo: map[string]any{"InputTokens": 3, "OutputTokens": int64(2)}}}},
			want: llm.ChatResponse{Model: "m", FinishReason: "stop", Usage: llm.Usage{PromptTokens: 3, CompletionTokens: 2, TotalTokens: 5}, Message: llm.Assistant("hi")},
		},
		{
			name: "snake_case float usage, legacy function call",
			resp: &llms.ContentResponse{Choices: []*llms.ContentChoice{{
				FuncCall: &llms.FunctionCall{Name: "now", Arguments: `{}`}, GenerationInfo: map[string]any{"input_tokens": 6.0, "output_tokens": -1.0},
			}}},
			want: llm.ChatResponse{
				Model: "m", FinishReason: "tool_calls", Usage: llm.Usage{PromptTokens: 6, TotalTokens: 6},
				Message: llm.Message{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "call_0", Name: "now", Arguments: json.RawMessage(`{}`)}}},
			},
		},
		{name: "nil response", err: llm.ErrBadResponse},
		{name: "no choices", resp: &llms.ContentResponse{}, err: llm.ErrBadResponse},
		{name: "nil choice", resp: &llms.ContentResponse{Choices: []*llms.ContentChoice{nil}}, err: llm.ErrBadResponse},
		{name: "tool call without function", resp: &llms.ContentResponse{Choices: []*llms.ContentChoice{{ToolCalls: []llms.ToolCall{{ID: "c"}}}}}, err: llm.ErrBadResponse},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := langchainllm.NewChatModel(&lcRecorder{resp: tc.resp})
			require.NoError(t, err)
			got, err := c.Chat(context.Background(), llm.ChatRequest{Model: "m", Messages: []llm.Message{llm.User("u")}})
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			tc.want.Choices = []llm.Choice{{Message: tc.want.Message, FinishReason: tc.want.FinishReason}}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestReverseStream(t *testing.T) {
	resp := &llms.ContentResponse{Choices: []*llms.ContentChoice{{
		Content: "ab", StopReason: "tool_calls", ToolCalls: []llms.ToolCall{toolCallPart("c1", "f", `{}`)},
		GenerationInfo: map[string]any{"PromptTokens": 1, "CompletionTokens": 2, "TotalTokens": 3},
	}}}
	t.Run("deltas", func(t *testing.T) {
		c, err := langchainllm.NewChatModel(&lcRecorder{resp: resp, chunks: []string{"a", "", "b"}})
		require.NoError(t, err)
		var got []llm.ChatDelta
		out, err := c.ChatStream(context.Background(), llm.ChatRequest{Messages: []llm.Message{llm.User("u")}}, func(d llm.ChatDelta) error {
			got = append(got, d)
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, []llm.ChatDelta{
			{Content: "a"}, {Content: "b"},
			{FinishReason: "tool_calls", ToolCalls: []llm.ToolCallDelta{{ID: "c1", Name: "f", Arguments: "{}"}}},
			{Usage: &llm.Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3}},
		}, got)
		assert.Equal(t, "ab", out.Message.Content)
	})
	t.Run("fn error stops the provider", func(t *testing.T) {
		f := &lcRecorder{resp: resp, chunks: []string{"a", "b"}}
		c, err := langchainllm.NewChatModel(f)
		require.NoError(t, err)
		stop := errors.New("stop")
		n := 0
		_, err = c.ChatStream(context.Background(), llm.ChatRequest{Messages: []llm.Message{llm.User("u")}}, func(llm.ChatDelta) error { n++; return stop })
		assert.Same(t, stop, err)
		assert.Equal(t, 1, n)
	})
}

// The tests below use langchaingo's own OpenAI provider against the
// simulator, wrapped as a kgas model.

func TestReverseSimulator(t *testing.T) {
	srv := start(t, llmtest.Config{Scripts: []llmtest.Script{
		{Match: "plain", Reply: llmtest.Reply{Content: "plain answer here"}},
		{Match: "tool", Reply: llmtest.Reply{ToolCalls: []llmtest.ToolCall{{ID: "call_x", Name: "add", Arguments: `{"a":5}`}}}},
		{Match: "stream", Reply: llmtest.Reply{Content: "streamed answer text"}},
	}})
	c, err := langchainllm.NewChatModel(langchaingoOpenAI(t, srv))
	require.NoError(t, err)
	ctx := context.Background()

	resp, err := c.Chat(ctx, llm.ChatRequest{Messages: []llm.Message{llm.User("plain")}, MaxTokens: 30})
	require.NoError(t, err)
	assert.Equal(t, "plain answer here", resp.Message.Content)
	assert.Equal(t, llm.FinishStop, resp.FinishReason)
	assert.Equal(t, resp.Usage.PromptTokens+resp.Usage.CompletionTokens, resp.Usage.TotalTokens)
	assert.Positive(t, resp.Usage.PromptTokens)

	resp, err = c.Chat(ctx, llm.ChatRequest{Messages: []llm.Message{llm.User("tool")}, Tools: []llm.ToolDef{{Name: "add", Parameters: addSchema}}})
	require.NoError(t, err)
	assert.Equal(t, llm.FinishToolCalls, resp.FinishReason)
	assert.Equal(t, []llm.ToolCall{{ID: "call_x", Name: "add", Arguments: json.RawMessage(`{"a":5}`)}}, resp.Message.ToolCalls)

	var b strings.Builder
	resp, err = c.ChatStream(ctx, llm.ChatRequest{Messages: []llm.Message{llm.User("stream")}}, func(d llm.ChatDelta) error {
		b.WriteString(d.Content)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, "streamed answer text", b.String())
	assert.Equal(t, "streamed answer text", resp.Message.Content)
}

// TestRoundTrip sends requests through both adapters (kgas → langchaingo →
// kgas) and checks they arrive unchanged.
func TestRoundTrip(t *testing.T) {
	reqs := []llm.ChatRequest{
		{Messages: []llm.Message{llm.User("u")}},
		{
			Model: "m", MaxTokens: 5, Temperature: ptr(0.0), TopP: ptr(0.3), Seed: ptr(0), Stop: []string{"a", "b"}, N: 3,
			ResponseFormat: llm.ResponseFormat{Type: llm.FormatJSONObject},
			Messages: []llm.Message{
				llm.System("s"), llm.User("u"),
				{Role: llm.RoleAssistant, Content: "c", ToolCalls: []llm.ToolCall{{ID: "1", Name: "add", Arguments: json.RawMessage(`{"a":2}`)}, {ID: "2", Name: "add"}}},
				llm.ToolResult("1", "2"), llm.ToolResult("2", "0"), llm.Assistant("done"),
			},
			Tools:      []llm.ToolDef{{Name: "add", Description: "d", Parameters: json.RawMessage(`{"properties":{"a":{"type":"integer"}},"type":"object"}`), Strict: true}},
			ToolChoice: llm.CallFunction("add"),
		},
		{Messages: []llm.Message{llm.User("u")}, Tools: []llm.ToolDef{{Name: "t", Parameters: json.RawMessage(`{"properties":{},"type":"object"}`)}}, ToolChoice: llm.ToolChoice{Mode: llm.ToolChoiceNone}},
	}
	for i, req := range reqs {
		rec := &recorder{resp: llm.ChatResponse{Choices: []llm.Choice{{Message: llm.Assistant("ok"), FinishReason: "stop"}}, Usage: llm.Usage{PromptTokens: 1, CompletionTokens: 1, TotalTokens: 2}}}
		m, err := langchainllm.New(rec)
		require.NoError(t, err)
		c, err := langchainllm.NewChatModel(m)
		require.NoError(t, err)
		resp, err := c.Chat(context.Background(), req)
		require.NoError(t, err, i)
		assert.Equal(t, []llm.ChatRequest{req}, rec.requests(), i)
		assert.Equal(t, rec.resp.Usage, resp.Usage, i)
	}
}
