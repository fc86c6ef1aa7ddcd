package llm_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm"
)

func ptr[T any](v T) *T { return &v }

func TestValidate(t *testing.T) {
	t.Parallel()
	base := func() llm.ChatRequest { return llm.ChatRequest{Messages: []llm.Message{llm.User("hi")}} }
	tools := []llm.ToolDef{{Name: "search", Parameters: json.RawMessage(`{"type":"object"}`)}}
	tests := []struct {
		name  string
		edit  func(r *llm.ChatRequest)
		field string // "" means valid
	}{
		{"minimal", func(*llm.ChatRequest) {}, ""},
		{"full", func(r *llm.ChatRequest) {
			r.Messages = []llm.Message{
				llm.System("s"), llm.User("u"),
				{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "c1", Name: "search", Arguments: json.RawMessage(`{"q":1}`)}}},
				llm.ToolResult("c1", "r"),
			}
			r.Tools, r.ToolChoice = tools, llm.CallFunction("search")
			r.ResponseFormat = llm.JSONSchema("out", json.RawMessage(`{"type":"object"}`), true)
			r.Temperature, r.TopP, r.MaxTokens, r.N, r.Stop = ptr(2.0), ptr(0.0), 10, 2, []string{"a"}
		}, ""},
		{"no messages", func(r *llm.ChatRequest) { r.Messages = nil }, "messages"},
		{"bad role", func(r *llm.ChatRequest) { r.Messages[0].Role = "robot" }, "messages[0].role"},
		{"missing role", func(r *llm.ChatRequest) { r.Messages[0].Role = "" }, "messages[0].role"},
		{"tool without id", func(r *llm.ChatRequest) { r.Messages = append(r.Messages, llm.Message{Role: llm.RoleTool}) }, "messages[1].tool_call_id"},
		{"id on user", func(r *llm.ChatRequest) { r.Messages[0].ToolCallID = "x" }, "messages[0].tool_call_id"},
		{"calls on user", func(r *llm.ChatRequest) { r.Messages[0].ToolCalls = []llm.ToolCall{{ID: "a", Name: "b"}} }, "messages[0].tool_calls"},
		{"call without id", func(r *llm.ChatRequest) {
			r.Messages = append(r.Messages, llm.Message{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{Name: "b"}}})
		}, "messages[1].tool_calls[0].id"},
		{"call bad args", func(r *llm.ChatRequest) {
			r.Messages = append(r.Messages, llm.Message{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "a", Name: "b", Arguments: json.RawMessage(`{`)}}})
		}, "messages[1].tool_calls[0].function.arguments"},
		{"negative max tokens", func(r *llm.ChatRequest) { r.MaxTokens = -1 }, "max_tokens"},
		{"negative n", func(r *llm.ChatRequest) { r.N = -1 }, "n"},
		{"temperature high", func(r *llm.ChatRequest) { r.Temperature = ptr(2.01) }, "temperature"},
		{"temperature negative", func(r *llm.ChatRequest) { r.Temperature = ptr(-0.1) }, "temperature"},
		{"top_p high", func(r *llm.ChatRequest) { r.TopP = ptr(1.5) }, "top_p"},
		{"too many stops", func(r *llm.ChatRequest) { r.Stop = []string{"a", "b", "c", "d", "e"} }, "stop"},
		{"tool without name", func(r *llm.ChatRequest) { r.Tools = []llm.ToolDef{{}} }, "tools[0].name"},
		{"tool bad name", func(r *llm.ChatRequest) { r.Tools = []llm.ToolDef{{Name: "a b"}} }, "tools[0].name"},
		{"duplicate tool", func(r *llm.ChatRequest) { r.Tools = []llm.ToolDef{{Name: "a"}, {Name: "a"}} }, "tools[1].name"},
		{"tool params not object", func(r *llm.ChatRequest) { r.Tools = []llm.ToolDef{{Name: "a", Parameters: json.RawMessage(`[]`)}} }, "tools[0].parameters"},
		{"choice without tools", func(r *llm.ChatRequest) { r.ToolChoice = llm.ToolChoice{Mode: llm.ToolChoiceRequired} }, "tool_choice"},
		{"choice none without tools", func(r *llm.ChatRequest) { r.ToolChoice = llm.ToolChoice{Mode: llm.ToolChoiceNone} }, ""},
		{"choice unknown function", func(r *llm.ChatRequest) { r.Tools, r.ToolChoice = tools, llm.CallFunction("nope") }, "tool_choice.function"},
		{"choice bad mode", func(r *llm.ChatRequest) { r.Tools, r.ToolChoice = tools, llm.ToolChoice{Mode: "sometimes"} }, "tool_choice"},
		{"format unknown", func(r *llm.ChatRequest) { r.ResponseFormat.Type = "xml" }, "response_format.type"},
		{"schema without name", func(r *llm.ChatRequest) { r.ResponseFormat = llm.JSONSchema("", json.RawMessage(`{}`), false) }, "response_format.json_schema.name"},
		{"schema missing", func(r *llm.ChatRequest) { r.ResponseFormat = llm.JSONSchema("x", nil, false) }, "response_format.json_schema.schema"},
		{"schema on json_object", func(r *llm.ChatRequest) {
			r.ResponseFormat = llm.ResponseFormat{Type: llm.FormatJSONObject, Schema: json.RawMessage(`{}`)}
		}, "response_format.json_schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := base()
			tt.edit(&r)
			err := r.Validate()
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, llm.ErrInvalidRequest)
			var ie *llm.InvalidRequestError
			require.True(t, errors.As(err, &ie))
			assert.Equal(t, tt.field, ie.Field)
			assert.Contains(t, err.Error(), tt.field)
		})
	}
}
