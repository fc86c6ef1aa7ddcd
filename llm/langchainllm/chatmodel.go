package langchainllm

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/tmc/langchaingo/llms"

	"github.com/kgas-dev/kgas/llm"
)

// ChatModel is a langchaingo llms.Model seen as a kgas llm.ChatModel. It is
// safe for concurrent use when the wrapped model is (langchaingo's
// providers are).
type ChatModel struct {
	m llms.Model
}

var _ llm.ChatModel = (*ChatModel)(nil)

// NewChatModel wraps m as a kgas llm.ChatModel. It fails if m is nil.
func NewChatModel(m llms.Model) (*ChatModel, error) {
	if m == nil {
		return nil, invalid("model", "the langchaingo model is nil")
	}
	return &ChatModel{m: m}, nil
}

// Chat implements llm.ChatModel. req is validated, then mapped to
// langchaingo messages and call options: Model, MaxTokens, Temperature,
// TopP (when positive; langchaingo reads 0 as unset), Seed, Stop, N (as N
// and CandidateCount), Tools (parameters as a JSON object map), ToolChoice
// and JSON mode. A json_schema response format or a message Name fails with
// an error matching ErrUnsupported. The response's usage is read from the
// first choice's GenerationInfo (PromptTokens, CompletionTokens and
// TotalTokens, or InputTokens and OutputTokens, in langchaingo's or
// snake_case spelling). An empty stop reason becomes tool_calls when the
// choice calls tools, else stop. ID is empty and Model is req.Model:
// langchaingo reports neither. A legacy FuncCall without ToolCalls becomes
// one tool call with the made-up id "call_<choice>". ReasoningContent and
// other GenerationInfo keys have no kgas field and are not returned.
func (c *ChatModel) Chat(ctx context.Context, req llm.ChatRequest) (llm.ChatResponse, error) {
	msgs, opts, err := fromRequest(req)
	if err != nil {
		return llm.ChatResponse{}, err
	}
	resp, err := c.m.GenerateContent(ctx, msgs, opts...)
	if err != nil {
		if ctx.Err() != nil {
			return llm.ChatResponse{}, ctx.Err()
		}
		return llm.ChatResponse{}, err
	}
	return fromContentResponse(req.Model, resp)
}

// ChatStream implements llm.ChatModel with langchaingo's StreamingFunc:
// each non-empty chunk is passed to fn as a Content delta of choice 0, as the
// provider streams it (langchaingo's openai provider streams tool-call
// fragments as JSON chunks, which then arrive as content deltas too).
// After the provider returns, fn gets the choices' tool calls as whole
// ToolCallDeltas, each choice's finish reason, and the usage, in deltas
// of their own; the returned response is the provider's final one, as Chat
// maps it. If fn returns an error, the provider is asked to stop and
// ChatStream returns that error.
func (c *ChatModel) ChatStream(ctx context.Context, req llm.ChatRequest, fn func(llm.ChatDelta) error) (llm.ChatResponse, error) {
	msgs, opts, err := fromRequest(req)
	if err != nil {
		return llm.ChatResponse{}, err
	}
	if fn == nil {
		fn = func(llm.ChatDelta) error { return nil }
	}
	var fnErr error
	opts = append(opts, llms.WithStreamingFunc(func(_ context.Context, chunk []byte) error {
		if fnErr == nil && len(chunk) > 0 {
			fnErr = fn(llm.ChatDelta{Content: string(chunk)})
		}
		return fnErr
	}))
	resp, err := c.m.GenerateContent(ctx, msgs, opts...)
	switch {
	case fnErr != nil:
		return llm.ChatResponse{}, fnErr
	case ctx.Err() != nil:
		return llm.ChatResponse{}, ctx.Err()
	case err != nil:
		return llm.ChatResponse{}, err
	}
	out, err := fromContentResponse(req.Model, resp)
	if err != nil {
		return llm.ChatResponse{}, err
	}
	for i, ch := range out.Choices {
		d := llm.ChatDelta{Choice: i, FinishReason: ch.FinishReason}
		for j, tc := range ch.Message.ToolCalls {
			d.ToolCalls = append(d.ToolCalls, llm.ToolCallDelta{Index: j, ID: tc.ID, Name: tc.Name, Arguments: string(tc.Arguments)})
		}
		if err := fn(d); err != nil {
			return llm.ChatResponse{}, err
		}
	}
	if out.Usage != (llm.Usage{}) {
		u := out.Usage
		if err := fn(llm.ChatDelta{Usage: &u}); err != nil {
			return llm.ChatResponse{}, err
		}
	}
	return out, nil
}

// fromRequest maps a kgas request to langchaingo messages and options.
func fromRequest(req llm.ChatRequest) ([]llms.MessageContent, []llms.CallOption, error) {
	if err := req.Validate(); err != nil {
		return nil, nil, err
	}
	msgs, err := fromMessages(req.Messages)
	if err != nil {
		return nil, nil, err
	}
	var opts []llms.CallOption
	if req.Model != "" {
		opts = append(opts, llms.WithModel(req.Model))
	}
	if req.MaxTokens > 0 {
		opts = append(opts, llms.WithMaxTokens(req.MaxTokens))
	}
	if req.Temperature != nil {
		opts = append(opts, llms.WithTemperature(*req.Temperature))
	}
	if req.TopP != nil && *req.TopP > 0 {
		opts = append(opts, llms.WithTopP(*req.TopP))
	}
	if req.Seed != nil {
		opts = append(opts, llms.WithSeed(*req.Seed))
	}
	if len(req.Stop) > 0 {
		opts = append(opts, llms.WithStopWords(req.Stop))
	}
	if req.N > 0 {
		opts = append(opts, llms.WithN(req.N), llms.WithCandidateCount(req.N))
	}
	if len(req.Tools) > 0 {
		tools := make([]llms.Tool, len(req.Tools))
		for i, t := range req.Tools {
			var params map[string]any
			if err := json.Unmarshal(llm.ToolParameters(t), &params); err != nil {
				return nil, nil, invalid(fmt.Sprintf("tools[%d].parameters", i), err.Error())
			}
			tools[i] = llms.Tool{Type: "function", Function: &llms.FunctionDefinition{
				Name: t.Name, Description: t.Description, Parameters: params, Strict: t.Strict,
			}}
		}
		opts = append(opts, llms.WithTools(tools))
	}
	switch tc := req.ToolChoice; tc.Mode {
	case "":
	case llm.ToolChoiceFunction:
		opts = append(opts, llms.WithToolChoice(llms.ToolChoice{Type: "function", Function: &llms.FunctionReference{Name: tc.Function}}))
	default:
		opts = append(opts, llms.WithToolChoice(string(tc.Mode)))
	}
	switch req.ResponseFormat.Type {
	case "", llm.FormatText:
	case llm.FormatJSONObject:
		opts = append(opts, llms.WithJSONMode())
	default:
		return nil, nil, unsupported("response_format.type", fmt.Sprintf("%q has no langchaingo call option", req.ResponseFormat.Type))
	}
	return msgs, opts, nil
}

// fromMessages maps kgas messages; a tool message's part is named after
// the call it answers.
func fromMessages(msgs []llm.Message) ([]llms.MessageContent, error) {
	names := map[string]string{}
	out := make([]llms.MessageContent, len(msgs))
	for i, m := range msgs {
		if m.Name != "" {
			return nil, unsupported(fmt.Sprintf("messages[%d].name", i), "langchaingo messages carry no participant name")
		}
		switch m.Role {
		case llm.RoleSystem, llm.RoleDeveloper:
			out[i] = llms.TextParts(llms.ChatMessageTypeSystem, m.Content)
		case llm.RoleUser:
			out[i] = llms.TextParts(llms.ChatMessageTypeHuman, m.Content)
		case llm.RoleAssistant:
			mc := llms.MessageContent{Role: llms.ChatMessageTypeAI}
			if m.Content != "" || len(m.ToolCalls) == 0 {
				mc.Parts = append(mc.Parts, llms.TextPart(m.Content))
			}
			for _, tc := range m.ToolCalls {
				names[tc.ID] = tc.Name
				mc.Parts = append(mc.Parts, llms.ToolCall{ID: tc.ID, Type: "function", FunctionCall: &llms.FunctionCall{Name: tc.Name, Arguments: string(tc.Arguments)}})
			}
			out[i] = mc
		case llm.RoleTool:
			out[i] = llms.MessageContent{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{
				llms.ToolCallResponse{ToolCallID: m.ToolCallID, Name: names[m.ToolCallID], Content: m.Content},
			}}
		}
	}
	return out, nil
}

// fromContentResponse maps a langchaingo response.
func fromContentResponse(model string, resp *llms.ContentResponse) (llm.ChatResponse, error) {
	if resp == nil || len(resp.Choices) == 0 {
		return llm.ChatResponse{}, fmt.Errorf("%w: no choices in the response", llm.ErrBadResponse)
	}
	out := llm.ChatResponse{Model: model, Choices: make([]llm.Choice, len(resp.Choices))}
	for i, c := range resp.Choices {
		if c == nil {
			return llm.ChatResponse{}, fmt.Errorf("%w: choice %d is nil", llm.ErrBadResponse, i)
		}
		m := llm.Message{Role: llm.RoleAssistant, Content: c.Content}
		for j, tc := range c.ToolCalls {
			if tc.FunctionCall == nil {
				return llm.ChatResponse{}, fmt.Errorf("%w: choice %d tool call %d has no function", llm.ErrBadResponse, i, j)
			}
			m.ToolCalls = append(m.ToolCalls, llm.ToolCall{ID: tc.ID, Name: tc.FunctionCall.Name, Arguments: rawArgs(tc.FunctionCall.Arguments)})
		}
		if len(m.ToolCalls) == 0 && c.FuncCall != nil {
			// A legacy function call has no id; one is made up so that
			// the tool message answering it can name it.
			m.ToolCalls = []llm.ToolCall{{ID: fmt.Sprintf("call_%d", i), Name: c.FuncCall.Name, Arguments: rawArgs(c.FuncCall.Arguments)}}
		}
		reason := c.StopReason
		if reason == "" {
			reason = llm.FinishStop
			if len(m.ToolCalls) > 0 {
				reason = llm.FinishToolCalls
			}
		}
		out.Choices[i] = llm.Choice{Message: m, FinishReason: reason}
	}
	out.Message, out.FinishReason = out.Choices[0].Message, out.Choices[0].FinishReason
	out.Usage = usageOf(resp.Choices[0].GenerationInfo)
	return out, nil
}

func rawArgs(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// usageOf reads token counts from GenerationInfo under the names
// langchaingo's providers use.
func usageOf(info map[string]any) llm.Usage {
	u := llm.Usage{
		PromptTokens:     firstInt(info, InfoPromptTokens, "InputTokens", "prompt_tokens", "input_tokens"),
		CompletionTokens: firstInt(info, InfoCompletionTokens, "OutputTokens", "completion_tokens", "output_tokens"),
		TotalTokens:      firstInt(info, InfoTotalTokens, "total_tokens"),
	}
	if u.TotalTokens == 0 {
		u.TotalTokens = u.PromptTokens + u.CompletionTokens
	}
	return u
}

// firstInt returns the first key's value that is a whole, non-negative
// number, or 0.
func firstInt(info map[string]any, keys ...string) int {
	for _, k := range keys {
		var f float64
		switch v := info[k].(type) {
		case int:
			f = float64(v)
		case int32:
			f = float64(v)
		case int64:
			f = float64(v)
		case float64:
			f = v
		case json.Number:
			var err error
			if f, err = v.Float64(); err != nil {
				continue
			}
		default:
			continue
		}
		if f >= 0 && f <= 1<<53 && f == math.Trunc(f) {
			return int(f)
		}
	}
	return 0
}
