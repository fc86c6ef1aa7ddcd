package openai

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/kgas-dev/kgas/llm"
)

// Chat implements llm.ChatModel. The request is validated first (an
// *llm.InvalidRequestError names the field, nothing is sent).
func (c *Client) Chat(ctx context.Context, req llm.ChatRequest) (llm.ChatResponse, error) {
	if err := req.Validate(); err != nil {
		return llm.ChatResponse{}, err
	}
	resp, err := c.oc.CreateChatCompletion(ctx, c.toWire(req))
	if err != nil {
		return llm.ChatResponse{}, c.fail(ctx, err)
	}
	if len(resp.Choices) == 0 {
		return llm.ChatResponse{}, fmt.Errorf("%w: no choices in the response", llm.ErrBadResponse)
	}
	slices.SortStableFunc(resp.Choices, func(a, b goopenai.ChatCompletionChoice) int { return cmp.Compare(a.Index, b.Index) })
	out := llm.ChatResponse{
		ID:    resp.ID,
		Model: resp.Model,
		Usage: llm.Usage{
			PromptTokens:     resp.Usage.PromptTokens,
			CompletionTokens: resp.Usage.CompletionTokens,
			TotalTokens:      resp.Usage.TotalTokens,
		},
		Choices: make([]llm.Choice, len(resp.Choices)),
	}
	for i, ch := range resp.Choices {
		out.Choices[i] = llm.Choice{Message: fromWireMessage(ch.Message), FinishReason: string(ch.FinishReason)}
	}
	out.Message, out.FinishReason = out.Choices[0].Message, out.Choices[0].FinishReason
	return out, nil
}

// ChatStream implements llm.ChatModel. It asks for usage in the stream
// (stream_options.include_usage). A stream that ends before every choice
// finished (a cut connection) fails with llm.ErrBadResponse.
func (c *Client) ChatStream(ctx context.Context, req llm.ChatRequest, fn func(llm.ChatDelta) error) (llm.ChatResponse, error) {
	if err := req.Validate(); err != nil {
		return llm.ChatResponse{}, err
	}
	if fn == nil {
		fn = func(llm.ChatDelta) error { return nil }
	}
	w := c.toWire(req)
	w.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
	stream, err := c.oc.CreateChatCompletionStream(ctx, w)
	if err != nil {
		return llm.ChatResponse{}, c.fail(ctx, err)
	}
	defer stream.Close()
	var acc accumulator
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return llm.ChatResponse{}, c.fail(ctx, err)
		}
		for _, d := range acc.add(chunk) {
			if err := fn(d); err != nil {
				return llm.ChatResponse{}, err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return llm.ChatResponse{}, err
	}
	return acc.response()
}

// toWire converts a validated request to go-openai's.
func (c *Client) toWire(req llm.ChatRequest) goopenai.ChatCompletionRequest {
	w := goopenai.ChatCompletionRequest{
		Model:    cmp.Or(req.Model, c.chat),
		Messages: make([]goopenai.ChatCompletionMessage, len(req.Messages)),
		N:        req.N,
		Stop:     req.Stop,
		Seed:     req.Seed,
	}
	if req.MaxTokens > 0 {
		if reasoningModel(w.Model) {
			w.MaxCompletionTokens = req.MaxTokens
		} else {
			// max_tokens is what every OpenAI-compatible server reads
			// (llama.cpp, Ollama and older vLLM ignore the newer field).
			//lint:ignore SA1019 deliberate, see above
			w.MaxTokens = req.MaxTokens
		}
	}
	// go-openai omits a zero temperature; the smallest float32 is sent as
	// an explicit (effectively) zero instead.
	if req.Temperature != nil {
		w.Temperature = nonZero(*req.Temperature)
	}
	if req.TopP != nil {
		w.TopP = nonZero(*req.TopP)
	}
	for i, m := range req.Messages {
		w.Messages[i] = goopenai.ChatCompletionMessage{
			Role: string(m.Role), Content: m.Content, Name: m.Name, ToolCallID: m.ToolCallID,
		}
		for _, tc := range m.ToolCalls {
			w.Messages[i].ToolCalls = append(w.Messages[i].ToolCalls, goopenai.ToolCall{
				ID: tc.ID, Type: goopenai.ToolTypeFunction,
				Function: goopenai.FunctionCall{Name: tc.Name, Arguments: string(tc.Arguments)},
			})
		}
	}
	for _, t := range req.Tools {
		w.Tools = append(w.Tools, goopenai.Tool{Type: goopenai.ToolTypeFunction, Function: &goopenai.FunctionDefinition{
			Name: t.Name, Description: t.Description, Strict: t.Strict, Parameters: llm.ToolParameters(t),
		}})
	}
	switch req.ToolChoice.Mode {
	case "":
	case llm.ToolChoiceFunction:
		w.ToolChoice = goopenai.ToolChoice{Type: goopenai.ToolTypeFunction, Function: goopenai.ToolFunction{Name: req.ToolChoice.Function}}
	default:
		w.ToolChoice = string(req.ToolChoice.Mode)
	}
	switch rf := req.ResponseFormat; rf.Type {
	case "":
	case llm.FormatJSONSchema:
		w.ResponseFormat = &goopenai.ChatCompletionResponseFormat{
			Type: goopenai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &goopenai.ChatCompletionResponseFormatJSONSchema{
				Name: rf.Name, Description: rf.Description, Schema: rf.Schema, Strict: rf.Strict,
			},
		}
	default:
		w.ResponseFormat = &goopenai.ChatCompletionResponseFormat{Type: goopenai.ChatCompletionResponseFormatType(rf.Type)}
	}
	return w
}

// reasoningModel reports the models that take max_completion_tokens and
// reject max_tokens (go-openai checks the same prefixes).
func reasoningModel(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5", "gpt-6"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

func nonZero(v float64) float32 {
	if v == 0 {
		return math.SmallestNonzeroFloat32
	}
	return float32(v)
}

func fromWireMessage(m goopenai.ChatCompletionMessage) llm.Message {
	out := llm.Message{Role: llm.Role(m.Role), Content: m.Content, Name: m.Name, ToolCallID: m.ToolCallID}
	if out.Role == "" {
		out.Role = llm.RoleAssistant
	}
	if m.Content == "" && len(m.MultiContent) > 0 {
		var b strings.Builder
		for _, p := range m.MultiContent {
			b.WriteString(p.Text)
		}
		out.Content = b.String()
	}
	for _, tc := range m.ToolCalls {
		out.ToolCalls = append(out.ToolCalls, llm.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: rawArgs(tc.Function.Arguments)})
	}
	return out
}

func rawArgs(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// accumulator joins stream chunks into a response.
type accumulator struct {
	id, model string
	usage     llm.Usage
	choices   []*choiceAcc
}

type choiceAcc struct {
	content strings.Builder
	calls   []*callAcc
	finish  string
}

type callAcc struct {
	id, name string
	args     strings.Builder
}

func (a *accumulator) choice(i int) *choiceAcc {
	for len(a.choices) <= i {
		a.choices = append(a.choices, &choiceAcc{})
	}
	return a.choices[i]
}

// maxIndex bounds the choice and tool-call indexes a stream may use, so
// that a hostile server cannot make the accumulator allocate without bound.
const maxIndex = 1024

// add folds a chunk into the response and returns its deltas.
func (a *accumulator) add(ch goopenai.ChatCompletionStreamResponse) []llm.ChatDelta {
	a.id = cmp.Or(a.id, ch.ID)
	a.model = cmp.Or(a.model, ch.Model)
	var out []llm.ChatDelta
	for _, c := range ch.Choices {
		if c.Index < 0 || c.Index >= maxIndex {
			continue
		}
		acc := a.choice(c.Index)
		d := llm.ChatDelta{Choice: c.Index, Content: c.Delta.Content, FinishReason: string(c.FinishReason)}
		acc.content.WriteString(c.Delta.Content)
		for j, tc := range c.Delta.ToolCalls {
			idx := j
			if tc.Index != nil {
				idx = *tc.Index
			}
			if idx < 0 || idx >= maxIndex {
				continue
			}
			for len(acc.calls) <= idx {
				acc.calls = append(acc.calls, &callAcc{})
			}
			call := acc.calls[idx]
			call.id = cmp.Or(call.id, tc.ID)
			call.name = cmp.Or(call.name, tc.Function.Name)
			call.args.WriteString(tc.Function.Arguments)
			d.ToolCalls = append(d.ToolCalls, llm.ToolCallDelta{Index: idx, ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
		}
		if d.FinishReason != "" && d.FinishReason != string(goopenai.FinishReasonNull) {
			acc.finish = d.FinishReason
		} else {
			d.FinishReason = ""
		}
		if d.Content != "" || len(d.ToolCalls) > 0 || d.FinishReason != "" {
			out = append(out, d)
		}
	}
	if ch.Usage != nil {
		a.usage = llm.Usage{PromptTokens: ch.Usage.PromptTokens, CompletionTokens: ch.Usage.CompletionTokens, TotalTokens: ch.Usage.TotalTokens}
		u := a.usage
		out = append(out, llm.ChatDelta{Usage: &u})
	}
	return out
}

// response assembles the final response; every choice must have finished.
func (a *accumulator) response() (llm.ChatResponse, error) {
	if len(a.choices) == 0 {
		return llm.ChatResponse{}, fmt.Errorf("%w: the stream ended without a choice", llm.ErrBadResponse)
	}
	out := llm.ChatResponse{ID: a.id, Model: a.model, Usage: a.usage, Choices: make([]llm.Choice, len(a.choices))}
	for i, c := range a.choices {
		if c.finish == "" {
			return llm.ChatResponse{}, fmt.Errorf("%w: the stream ended before choice %d finished", llm.ErrBadResponse, i)
		}
		m := llm.Message{Role: llm.RoleAssistant, Content: c.content.String()}
		for _, tc := range c.calls {
			m.ToolCalls = append(m.ToolCalls, llm.ToolCall{ID: tc.id, Name: tc.name, Arguments: rawArgs(tc.args.String())})
		}
		out.Choices[i] = llm.Choice{Message: m, FinishReason: c.finish}
	}
	out.Message, out.FinishReason = out.Choices[0].Message, out.Choices[0].FinishReason
	return out, nil
}
