package llm

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"

	"github.com/kgas-dev/kgas/apiclient"
)

// DefaultMaxTokens is the completion allowance per choice that estimates
// assume when a request sets no max_tokens (OpenAI reserves the model's
// whole output limit then; llm/llmtest charges the same 1024 by default).
const DefaultMaxTokens = 1024

// maxCostBody bounds the request body CostFunc reads; larger bodies are
// estimated from their length.
const maxCostBody = 64 << 20

// maxEstimate caps estimates so that absurd max_tokens × n cannot overflow.
const maxEstimate = math.MaxInt32

// ceil4 is ceil(n/4) for n ≥ 0.
func ceil4(n int) int { return (n + 3) / 4 }

// EstimateChatTokens estimates the tokens req costs against a token rate
// limit: the prompt estimate plus max_tokens × max(n, 1), with
// DefaultMaxTokens when MaxTokens is 0. The prompt estimate is
//
//	2 + ceil(bytes(tools JSON)/4)
//	  + Σ_messages (4 + ceil(bytes(content)/4) + ceil(bytes(tool_calls JSON)/4))
//
// where the JSON is OpenAI's wire form of the tools and tool calls as
// encoding/json writes it (the form llm/openai sends). It is the charge
// llm/llmtest makes for the same request.
func EstimateChatTokens(req ChatRequest) int {
	return saturate(int64(EstimatePromptTokens(req)) + completionAllowance(req.MaxTokens, req.N))
}

// EstimatePromptTokens is the prompt part of EstimateChatTokens (what
// llm/llmtest reports as usage.prompt_tokens).
func EstimatePromptTokens(req ChatRequest) int {
	n := 2
	if len(req.Tools) > 0 {
		n += ceil4(jsonLen(wireTools(req.Tools)))
	}
	for i := range req.Messages {
		m := &req.Messages[i]
		n += 4 + ceil4(len(m.Content))
		if len(m.ToolCalls) > 0 {
			n += ceil4(jsonLen(wireToolCalls(m.ToolCalls)))
		}
	}
	return n
}

// EstimateEmbedTokens estimates the tokens of an embeddings request:
// Σ ceil(bytes/4) over the texts.
func EstimateEmbedTokens(texts []string) int {
	var n int64
	for _, t := range texts {
		n += int64(ceil4(len(t)))
	}
	return saturate(n)
}

func completionAllowance(maxTokens, n int) int64 {
	if maxTokens <= 0 {
		maxTokens = DefaultMaxTokens
	}
	return int64(min(maxTokens, maxEstimate)) * int64(min(max(n, 1), maxEstimate))
}

func saturate(n int64) int {
	return int(min(max(n, 0), maxEstimate))
}

func jsonLen(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return len(b)
}

// wireTool is the OpenAI chat completions encoding of a ToolDef, with its
// keys in the order encoding/json writes go-openai's map-based encoding.
type wireTool struct {
	// Function is the function definition.
	Function wireFunction `json:"function"`
	// Type is always "function".
	Type string `json:"type"`
}

// wireFunction is the function part of a wireTool.
type wireFunction struct {
	// Name, Description, Strict and Parameters mirror ToolDef.
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Strict      bool            `json:"strict,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
}

// wireToolCall is the OpenAI encoding of a ToolCall.
type wireToolCall struct {
	// ID is the call id.
	ID string `json:"id,omitempty"`
	// Type is always "function".
	Type string `json:"type"`
	// Function holds the name and the arguments as a JSON string.
	Function struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments,omitempty"`
	} `json:"function"`
}

// ToolParameters returns t.Parameters, or the empty object schema
// {"type":"object","properties":{}} when it is unset: what providers send
// for a tool without parameters.
func ToolParameters(t ToolDef) json.RawMessage {
	if len(bytes.TrimSpace(t.Parameters)) == 0 {
		return json.RawMessage(`{"type":"object","properties":{}}`)
	}
	return t.Parameters
}

// wireTools converts tools to their OpenAI encoding.
func wireTools(tools []ToolDef) []wireTool {
	out := make([]wireTool, len(tools))
	for i, t := range tools {
		out[i] = wireTool{Type: "function", Function: wireFunction{
			Name: t.Name, Description: t.Description, Strict: t.Strict, Parameters: ToolParameters(t),
		}}
	}
	return out
}

// wireToolCalls converts tool calls to their OpenAI encoding.
func wireToolCalls(calls []ToolCall) []wireToolCall {
	out := make([]wireToolCall, len(calls))
	for i, c := range calls {
		out[i].ID, out[i].Type = c.ID, "function"
		out[i].Function.Name, out[i].Function.Arguments = c.Name, string(c.Arguments)
	}
	return out
}

// CostFunc returns a cost function for apiclient.WithCostFunc that reads an
// OpenAI JSON request body (chat completions or embeddings, through
// req.GetBody, leaving the body itself unread) and returns
// EstimateChatTokens' or EstimateEmbedTokens' figure for it: exactly what
// llm/llmtest charges. Token-array embedding inputs count one token per
// element. Bodies it cannot read or parse (and bodies over 64 MiB) cost
// ceil(bytes/4), as apiclient.DefaultCost. It never panics, whatever the
// body.
func CostFunc() func(*http.Request) int {
	return requestCost
}

func requestCost(r *http.Request) int {
	if r == nil || r.GetBody == nil || r.ContentLength > maxCostBody {
		return apiclient.DefaultCost(r)
	}
	rc, err := r.GetBody()
	if err != nil || rc == nil {
		return apiclient.DefaultCost(r)
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, maxCostBody+1))
	if err != nil || len(body) > maxCostBody {
		return apiclient.DefaultCost(r)
	}
	return BodyCost(body)
}

// BodyCost estimates the tokens of an OpenAI JSON request body, as
// CostFunc does.
func BodyCost(body []byte) int {
	var w wireRequest
	if json.Unmarshal(body, &w) != nil {
		return ceil4(len(body))
	}
	switch {
	case w.Messages != nil:
		n := int64(2 + ceil4(len(w.Tools)))
		for _, m := range w.Messages {
			n += int64(4 + ceil4(m.Content.n) + ceil4(len(m.ToolCalls)))
		}
		mt := 0
		if w.MaxTokens != nil {
			mt = *w.MaxTokens
		}
		if w.MaxCompletionTokens != nil {
			mt = *w.MaxCompletionTokens
		}
		nc := 1
		if w.N != nil {
			nc = *w.N
		}
		return saturate(n + completionAllowance(mt, nc))
	case w.Input != nil:
		if n, ok := inputCost(w.Input); ok {
			return n
		}
	}
	return ceil4(len(body))
}

// wireRequest is the part of a chat or embeddings body the estimate reads.
type wireRequest struct {
	Messages []struct {
		Content   wireContent     `json:"content"`
		ToolCalls json.RawMessage `json:"tool_calls"`
	} `json:"messages"`
	Tools               json.RawMessage `json:"tools"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	N                   *int            `json:"n"`
	Input               json.RawMessage `json:"input"`
}

// wireContent measures a message's text: a string, or the concatenated
// "text" of an array of content parts. Other shapes count as empty.
type wireContent struct{ n int }

func (c *wireContent) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		c.n = len(s)
	case '[':
		var parts []struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		for _, p := range parts {
			c.n += len(p.Text)
		}
	}
	return nil
}

// inputCost measures an embeddings input: a string, strings, a token
// array or token arrays.
func inputCost(in json.RawMessage) (int, bool) {
	var s string
	if json.Unmarshal(in, &s) == nil {
		return ceil4(len(s)), true
	}
	var ss []string
	if json.Unmarshal(in, &ss) == nil {
		return EstimateEmbedTokens(ss), true
	}
	var one []int
	if json.Unmarshal(in, &one) == nil {
		return len(one), true
	}
	var many [][]int
	if json.Unmarshal(in, &many) == nil {
		var n int64
		for _, t := range many {
			n += int64(len(t))
		}
		return saturate(n), true
	}
	return 0, false
}
