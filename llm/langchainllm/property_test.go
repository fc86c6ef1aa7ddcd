package langchainllm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/langchainllm"
)

// genRequest draws a valid kgas request whose every field both adapters
// carry: parameters in canonical JSON (sorted keys), TopP above 0, no
// participant names, no developer role, no text response format.
func genRequest(t *rapid.T) llm.ChatRequest {
	text := rapid.StringN(0, 12, -1)
	name := rapid.StringMatching(`[a-z][a-z0-9_]{0,7}`)
	optional := func(label string) bool { return rapid.Bool().Draw(t, label) }
	req := llm.ChatRequest{Messages: []llm.Message{llm.User(text.Draw(t, "first"))}}
	var ids []string
	for i := range rapid.IntRange(0, 6).Draw(t, "messages") {
		var m llm.Message
		switch rapid.IntRange(0, 3).Draw(t, "role") {
		case 0:
			m = llm.System(text.Draw(t, "system"))
		case 1:
			m = llm.User(text.Draw(t, "user"))
		case 2:
			m = llm.Assistant(text.Draw(t, "assistant"))
			for j := range rapid.IntRange(0, 2).Draw(t, "calls") {
				id := fmt.Sprintf("call_%d_%d", i, j)
				ids = append(ids, id)
				tc := llm.ToolCall{ID: id, Name: name.Draw(t, "call name")}
				if optional("args") {
					tc.Arguments = json.RawMessage(fmt.Sprintf(`{"n":%d}`, rapid.Int().Draw(t, "arg")))
				}
				m.ToolCalls = append(m.ToolCalls, tc)
			}
		default:
			id := "orphan"
			if len(ids) > 0 {
				id = rapid.SampledFrom(ids).Draw(t, "answers")
			}
			m = llm.ToolResult(id, text.Draw(t, "result"))
		}
		req.Messages = append(req.Messages, m)
	}
	if optional("model") {
		req.Model = name.Draw(t, "model")
	}
	if optional("temperature") {
		req.Temperature = ptr(rapid.Float64Range(0, 2).Draw(t, "temperature"))
	}
	if optional("top_p") {
		req.TopP = ptr(rapid.Float64Range(0.001, 1).Draw(t, "top_p"))
	}
	if optional("seed") {
		req.Seed = ptr(rapid.Int().Draw(t, "seed"))
	}
	req.MaxTokens = rapid.IntRange(0, 500).Draw(t, "max_tokens")
	req.N = rapid.IntRange(0, 3).Draw(t, "n")
	req.Stop = rapid.SliceOfN(rapid.StringN(1, 5, -1), 0, llm.MaxStop).Draw(t, "stop")
	if len(req.Stop) == 0 {
		req.Stop = nil
	}
	for i, n := range rapid.SliceOfNDistinct(name, 0, 3, func(s string) string { return s }).Draw(t, "tools") {
		req.Tools = append(req.Tools, llm.ToolDef{
			Name: n, Description: text.Draw(t, "description"), Strict: optional("strict"),
			Parameters: json.RawMessage(fmt.Sprintf(`{"properties":{"p%d":{"type":"string"}},"type":"object"}`, i)),
		})
	}
	modes := []llm.ToolChoiceMode{"", llm.ToolChoiceNone}
	if len(req.Tools) > 0 {
		modes = append(modes, llm.ToolChoiceAuto, llm.ToolChoiceRequired, llm.ToolChoiceFunction)
	}
	if req.ToolChoice.Mode = rapid.SampledFrom(modes).Draw(t, "tool choice"); req.ToolChoice.Mode == llm.ToolChoiceFunction {
		req.ToolChoice.Function = rapid.SampledFrom(req.Tools).Draw(t, "forced").Name
	}
	if optional("json") {
		req.ResponseFormat.Type = llm.FormatJSONObject
	}
	return req
}

// TestRoundTripProperty: a request sent through NewChatModel(New(model))
// reaches model unchanged, and the answer comes back unchanged.
func TestRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		req := genRequest(t)
		if err := req.Validate(); err != nil {
			t.Fatalf("generator made an invalid request: %v", err)
		}
		want := llm.ChatResponse{Choices: []llm.Choice{{
			Message:      llm.Message{Role: llm.RoleAssistant, Content: "x", ToolCalls: []llm.ToolCall{{ID: "c", Name: "f", Arguments: json.RawMessage(`{}`)}}},
			FinishReason: llm.FinishToolCalls,
		}}, Usage: llm.Usage{PromptTokens: 3, CompletionTokens: 4, TotalTokens: 7}}
		rec := &recorder{resp: want}
		m, err := langchainllm.New(rec)
		if err != nil {
			t.Fatal(err)
		}
		c, err := langchainllm.NewChatModel(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Chat(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		sent := rec.requests()
		if len(sent) != 1 {
			t.Fatalf("%d requests sent", len(sent))
		}
		a, _ := json.Marshal(req)
		b, _ := json.Marshal(sent[0])
		if string(a) != string(b) {
			t.Fatalf("request changed:\n sent %s\n  got %s", a, b)
		}
		want.Message, want.FinishReason = want.Choices[0].Message, want.Choices[0].FinishReason
		want.Model = req.Model // langchaingo reports no model; the request's is kept
		x, _ := json.Marshal(want)
		y, _ := json.Marshal(got)
		if string(x) != string(y) {
			t.Fatalf("response changed:\n want %s\n  got %s", x, y)
		}
	})
}
