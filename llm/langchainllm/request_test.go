package langchainllm_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/langchainllm"
)

var addSchema = json.RawMessage(`{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}`)

func human(s string) llms.MessageContent { return llms.TextParts(llms.ChatMessageTypeHuman, s) }

func toolCallPart(id, name, args string) llms.ToolCall {
	return llms.ToolCall{ID: id, Type: "function", FunctionCall: &llms.FunctionCall{Name: name, Arguments: args}}
}

func TestRequestMapping(t *testing.T) {
	addTool := llms.Tool{Type: "function", Function: &llms.FunctionDefinition{Name: "add", Description: "Adds", Parameters: map[string]any{
		"type": "object", "properties": map[string]any{"a": map[string]any{"type": "integer"}}, "required": []string{"a"},
	}}}
	cases := []struct {
		name string
		msgs []llms.MessageContent
		opts []llms.CallOption
		want llm.ChatRequest
	}{
		{
			name: "roles and text parts",
			msgs: []llms.MessageContent{
				llms.TextParts(llms.ChatMessageTypeSystem, "be ", "brief"),
				human("hi"),
				llms.TextParts(llms.ChatMessageTypeAI, "hello"),
				llms.TextParts(llms.ChatMessageTypeGeneric, "again"),
			},
			want: llm.ChatRequest{Messages: []llm.Message{llm.System("be brief"), llm.User("hi"), llm.Assistant("hello"), llm.User("again")}},
		},
		{
			name: "tool calls and tool responses",
			msgs: []llms.MessageContent{
				human("add"),
				{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{
					llms.TextPart("calling"), toolCallPart("c1", "add", `{"a":1}`), toolCallPart("c2", "echo", "2+2"), toolCallPart("c3", "now", ""),
				}},
				{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{
					llms.ToolCallResponse{ToolCallID: "c1", Name: "add", Content: "1"},
					llms.ToolCallResponse{ToolCallID: "c2", Content: "4"},
				}},
				{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.ToolCallResponse{ToolCallID: "c3", Content: "noon"}}},
			},
			want: llm.ChatRequest{Messages: []llm.Message{
				llm.User("add"),
				{Role: llm.RoleAssistant, Content: "calling", ToolCalls: []llm.ToolCall{
					{ID: "c1", Name: "add", Arguments: json.RawMessage(`{"a":1}`)},
					{ID: "c2", Name: "echo", Arguments: json.RawMessage(`{"__arg1":"2+2"}`)},
					{ID: "c3", Name: "now"},
				}},
				llm.ToolResult("c1", "1"), llm.ToolResult("c2", "4"), llm.ToolResult("c3", "noon"),
			}},
		},
		{
			name: "sampling options, zero temperature and seed kept",
			msgs: []llms.MessageContent{human("x")},
			opts: []llms.CallOption{
				llms.WithModel("m1"), llms.WithMaxTokens(50), llms.WithTemperature(0), llms.WithTopP(0.5),
				llms.WithSeed(0), llms.WithStopWords([]string{"END"}), llms.WithN(2), llms.WithStreamingFunc(nil),
			},
			want: llm.ChatRequest{
				Model: "m1", Messages: []llm.Message{llm.User("x")}, MaxTokens: 50, Temperature: ptr(0.0), TopP: ptr(0.5),
				Seed: ptr(0), Stop: []string{"END"}, N: 2,
			},
		},
		{
			name: "unset temperature and seed are not sent; candidate count is n",
			msgs: []llms.MessageContent{human("x")},
			opts: []llms.CallOption{llms.WithCandidateCount(3)},
			want: llm.ChatRequest{Messages: []llm.Message{llm.User("x")}, N: 3},
		},
		{
			name: "tools, functions and a named tool choice",
			msgs: []llms.MessageContent{human("x")},
			opts: []llms.CallOption{
				llms.WithTools([]llms.Tool{addTool, {Function: &llms.FunctionDefinition{Name: "raw", Parameters: addSchema, Strict: true}}}),
				llms.WithFunctions([]llms.FunctionDefinition{{Name: "bare", Description: "no params"}}),
				llms.WithToolChoice(llms.ToolChoice{Type: "function", Function: &llms.FunctionReference{Name: "add"}}),
			},
			want: llm.ChatRequest{
				Messages: []llm.Message{llm.User("x")},
				Tools: []llm.ToolDef{
					{Name: "add", Description: "Adds", Parameters: json.RawMessage(`{"properties":{"a":{"type":"integer"}},"required":["a"],"type":"object"}`)},
					{Name: "raw", Parameters: addSchema, Strict: true},
					{Name: "bare", Description: "no params"},
				},
				ToolChoice: llm.CallFunction("add"),
			},
		},
		{
			name: "tool choice as a mode string, and JSON mode",
			msgs: []llms.MessageContent{human("x")},
			opts: []llms.CallOption{llms.WithTools([]llms.Tool{addTool}), llms.WithToolChoice("required"), llms.WithJSONMode()},
			want: llm.ChatRequest{
				Messages:       []llm.Message{llm.User("x")},
				Tools:          []llm.ToolDef{{Name: "add", Description: "Adds", Parameters: json.RawMessage(`{"properties":{"a":{"type":"integer"}},"required":["a"],"type":"object"}`)}},
				ToolChoice:     llm.ToolChoice{Mode: llm.ToolChoiceRequired},
				ResponseFormat: llm.ResponseFormat{Type: llm.FormatJSONObject},
			},
		},
		{
			name: "tool choice as a map, MIME type JSON",
			msgs: []llms.MessageContent{human("x")},
			opts: []llms.CallOption{
				llms.WithTools([]llms.Tool{{Type: "function", Function: &llms.FunctionDefinition{Name: "add", Parameters: addSchema}}}),
				llms.WithToolChoice(map[string]any{"type": "function", "function": map[string]any{"name": "add"}}),
				llms.WithResponseMIMEType("application/json"),
			},
			want: llm.ChatRequest{
				Messages: []llm.Message{llm.User("x")}, Tools: []llm.ToolDef{{Name: "add", Parameters: addSchema}},
				ToolChoice: llm.CallFunction("add"), ResponseFormat: llm.ResponseFormat{Type: llm.FormatJSONObject},
			},
		},
		{
			name: "legacy function call behaviour",
			msgs: []llms.MessageContent{human("x")},
			opts: []llms.CallOption{
				llms.WithFunctions([]llms.FunctionDefinition{{Name: "add", Parameters: addSchema}}),
				llms.WithFunctionCallBehavior(`{"name":"add"}`),
			},
			want: llm.ChatRequest{Messages: []llm.Message{llm.User("x")}, Tools: []llm.ToolDef{{Name: "add", Parameters: addSchema}}, ToolChoice: llm.CallFunction("add")},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{resp: llm.ChatResponse{Choices: []llm.Choice{{Message: llm.Assistant("ok"), FinishReason: "stop"}}}}
			m, err := langchainllm.New(rec)
			require.NoError(t, err)
			_, err = m.GenerateContent(context.Background(), tc.msgs, tc.opts...)
			require.NoError(t, err)
			reqs := rec.requests()
			require.Len(t, reqs, 1)
			got := reqs[0]
			for i := range got.Tools { // compare schemas as JSON values
				if tc.want.Tools[i].Parameters != nil {
					assert.JSONEq(t, string(tc.want.Tools[i].Parameters), string(got.Tools[i].Parameters))
					got.Tools[i].Parameters = tc.want.Tools[i].Parameters
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestRequestMappingErrors(t *testing.T) {
	img := llms.ImageURLPart("http://x/cat.png")
	cases := []struct {
		name        string
		msgs        []llms.MessageContent
		opts        []llms.CallOption
		field       string
		unsupported bool
	}{
		{"image in human message", []llms.MessageContent{{Role: llms.ChatMessageTypeHuman, Parts: []llms.ContentPart{llms.TextPart("see"), img}}}, nil, "messages[0].parts[1]", true},
		{"audio in ai message", []llms.MessageContent{human("x"), {Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{llms.BinaryPart("audio/wav", []byte{1})}}}, nil, "messages[1].parts[0]", true},
		{"cached content", []llms.MessageContent{{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{llms.WithCacheControl(llms.TextPart("s"), nil)}}}, nil, "messages[0].parts[0]", true},
		{"text in tool message", []llms.MessageContent{human("x"), {Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.TextPart("t")}}}, nil, "messages[1].parts[0]", true},
		{"empty tool message", []llms.MessageContent{{Role: llms.ChatMessageTypeTool}}, nil, "messages[0].parts", false},
		{"tool response in human message", []llms.MessageContent{{Role: llms.ChatMessageTypeHuman, Parts: []llms.ContentPart{llms.ToolCallResponse{ToolCallID: "c"}}}}, nil, "messages[0].parts[0]", true},
		{"legacy function message", []llms.MessageContent{{Role: llms.ChatMessageTypeFunction, Parts: []llms.ContentPart{llms.ToolCallResponse{Name: "f"}}}}, nil, "messages[0].role", true},
		{"unknown role", []llms.MessageContent{{Role: "bot"}}, nil, "messages[0].role", true},
		{"tool call without function", []llms.MessageContent{{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{llms.ToolCall{ID: "c"}}}}, nil, "messages[0].parts[0].FunctionCall", false},
		{"tool call without id (kgas validation)", []llms.MessageContent{{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{toolCallPart("", "f", "{}")}}}, nil, "messages[0].tool_calls[0].id", false},
		{"top k", []llms.MessageContent{human("x")}, []llms.CallOption{llms.WithTopK(5)}, "options.TopK", true},
		{"frequency penalty", []llms.MessageContent{human("x")}, []llms.CallOption{llms.WithFrequencyPenalty(0.5)}, "options.FrequencyPenalty", true},
		{"metadata", []llms.MessageContent{human("x")}, []llms.CallOption{llms.WithPromptCaching(true)}, "options.Metadata", true},
		{"candidate count differs from n", []llms.MessageContent{human("x")}, []llms.CallOption{llms.WithN(2), llms.WithCandidateCount(3)}, "options.CandidateCount", false},
		{"non-function tool", []llms.MessageContent{human("x")}, []llms.CallOption{llms.WithTools([]llms.Tool{{Type: "retrieval"}})}, "options.Tools[0].Type", true},
		{"tool without function", []llms.MessageContent{human("x")}, []llms.CallOption{llms.WithTools([]llms.Tool{{Type: "function"}})}, "options.Tools[0].Function", false},
		{"unencodable parameters", []llms.MessageContent{human("x")}, []llms.CallOption{llms.WithTools([]llms.Tool{{Function: &llms.FunctionDefinition{Name: "f", Parameters: make(chan int)}}})}, "options.Tools[0].Function.Parameters", false},
		{"tool choice of unknown mode", []llms.MessageContent{human("x")}, []llms.CallOption{llms.WithToolChoice("any")}, "options.ToolChoice", true},
		{"tool choice of odd type", []llms.MessageContent{human("x")}, []llms.CallOption{llms.WithToolChoice(42)}, "options.ToolChoice", true},
		{"tool choice and function call behaviour", []llms.MessageContent{human("x")}, []llms.CallOption{llms.WithToolChoice("auto"), llms.WithFunctionCallBehavior("none")}, "options.FunctionCallBehavior", false},
		{"tool choice naming an absent tool (kgas validation)", []llms.MessageContent{human("x")}, []llms.CallOption{llms.WithTools([]llms.Tool{{Function: &llms.FunctionDefinition{Name: "f"}}}), llms.WithToolChoice(&llms.ToolChoice{Type: "function", Function: &llms.FunctionReference{Name: "g"}})}, "tool_choice.function", false},
		{"response MIME type", []llms.MessageContent{human("x")}, []llms.CallOption{llms.WithResponseMIMEType("image/png")}, "options.ResponseMIMEType", true},
		{"no messages (kgas validation)", nil, nil, "messages", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			m, err := langchainllm.New(rec)
			require.NoError(t, err)
			_, err = m.GenerateContent(context.Background(), tc.msgs, tc.opts...)
			var ire *llm.InvalidRequestError
			require.ErrorAs(t, err, &ire)
			assert.Equal(t, tc.field, ire.Field, err.Error())
			assert.ErrorIs(t, err, llm.ErrInvalidRequest)
			assert.Equal(t, tc.unsupported, errors.Is(err, langchainllm.ErrUnsupported), err.Error())
			assert.Empty(t, rec.requests(), "nothing is sent")
		})
	}
}

func TestToolSchemasReplaceArg1(t *testing.T) {
	rec := &recorder{resp: llm.ChatResponse{Choices: []llm.Choice{{Message: llm.Assistant("ok")}}}}
	m, err := langchainllm.New(rec,
		langchainllm.WithToolSchemas(llms.Tool{Type: "function", Function: &llms.FunctionDefinition{Name: "add", Description: "Adds", Parameters: addSchema, Strict: true}}),
		langchainllm.WithDefaultCallOptions(llms.WithTemperature(0.2), llms.WithMaxTokens(10)))
	require.NoError(t, err)
	arg1 := map[string]any{"type": "object", "properties": map[string]any{"__arg1": map[string]any{"type": "string"}}}
	_, err = m.GenerateContent(context.Background(), []llms.MessageContent{human("x")},
		llms.WithFunctions([]llms.FunctionDefinition{{Name: "add", Parameters: arg1}, {Name: "other", Parameters: arg1}}),
		llms.WithMaxTokens(20))
	require.NoError(t, err)
	got := rec.requests()[0]
	require.Len(t, got.Tools, 2)
	assert.Equal(t, llm.ToolDef{Name: "add", Description: "Adds", Parameters: addSchema, Strict: true}, got.Tools[0])
	assert.Contains(t, string(got.Tools[1].Parameters), "__arg1", "tools without a schema keep theirs")
	assert.Equal(t, ptr(0.2), got.Temperature, "default option applies")
	assert.Equal(t, 20, got.MaxTokens, "the call's option overrides the default")
}

func TestNewValidates(t *testing.T) {
	_, err := langchainllm.New(nil)
	require.ErrorIs(t, err, llm.ErrInvalidRequest)
	assert.Contains(t, err.Error(), "chat")
	cases := []struct {
		name  string
		opt   langchainllm.Option
		field string
	}{
		{"nameless schema", langchainllm.WithToolSchemas(llms.Tool{Function: &llms.FunctionDefinition{}}), "WithToolSchemas[0].Function.Name"},
		{"nil function", langchainllm.WithToolSchemas(llms.Tool{}), "WithToolSchemas[0].Function.Name"},
		{"duplicate schema", langchainllm.WithToolSchemas(llms.Tool{Function: &llms.FunctionDefinition{Name: "a"}}, llms.Tool{Function: &llms.FunctionDefinition{Name: "a"}}), "WithToolSchemas[1].Function.Name"},
		{"bad parameters", langchainllm.WithToolSchemas(llms.Tool{Function: &llms.FunctionDefinition{Name: "a", Parameters: "{not json"}}), "WithToolSchemas[0].Function.Parameters"},
		{"nil handler", langchainllm.WithCallbacksHandler(nil), "WithCallbacksHandler"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := langchainllm.New(&recorder{}, tc.opt)
			var ire *llm.InvalidRequestError
			require.ErrorAs(t, err, &ire)
			assert.Equal(t, tc.field, ire.Field)
		})
	}
}
