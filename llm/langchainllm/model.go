package langchainllm

import (
	"context"
	"errors"
	"fmt"

	"github.com/tmc/langchaingo/callbacks"
	"github.com/tmc/langchaingo/llms"

	"github.com/kgas-dev/kgas/llm"
)

// GenerationInfo keys of a choice's token usage, as langchaingo's openai
// provider names them.
const (
	InfoPromptTokens     = "PromptTokens"
	InfoCompletionTokens = "CompletionTokens"
	InfoTotalTokens      = "TotalTokens"
)

// Model is a kgas llm.ChatModel seen as a langchaingo llms.Model. It is
// safe for concurrent use when the wrapped model is (every kgas model is).
type Model struct {
	chat     llm.ChatModel
	schemas  map[string]llm.ToolDef
	handler  callbacks.Handler
	defaults []llms.CallOption
}

var _ llms.Model = (*Model)(nil)

// Option configures a Model.
type Option func(*Model) error

// WithToolSchemas gives the real definitions of tools: when a call offers
// a tool or function of the same name (in Tools or the deprecated
// Functions), its parameters schema and strictness are replaced by the
// definition's (its description too when the call gives none). This turns
// the "__arg1" string that langchaingo's functions agent describes every
// tool with into the tool's JSON Schema; langchaintool.Definitions gives
// the definitions of kgas tools. Tools not offered by a call are not
// added. Default: none. Each definition needs a function with a name,
// unique among them, and parameters that encode as JSON.
func WithToolSchemas(defs ...llms.Tool) Option {
	return func(m *Model) error {
		for i, d := range defs {
			f := fmt.Sprintf("WithToolSchemas[%d]", i)
			if d.Function == nil || d.Function.Name == "" {
				return invalid(f+".Function.Name", "a definition needs a function name")
			}
			if _, dup := m.schemas[d.Function.Name]; dup {
				return invalid(f+".Function.Name", fmt.Sprintf("duplicate tool %q", d.Function.Name))
			}
			params, err := schemaJSON(d.Function.Parameters)
			if err != nil {
				return invalid(f+".Function.Parameters", err.Error())
			}
			m.schemas[d.Function.Name] = llm.ToolDef{
				Name: d.Function.Name, Description: d.Function.Description, Parameters: params, Strict: d.Function.Strict,
			}
		}
		return nil
	}
}

// WithCallbacksHandler reports each GenerateContent call to h, as
// langchaingo's providers do: HandleLLMGenerateContentStart,
// then HandleLLMGenerateContentEnd or HandleLLMError. Default: none.
func WithCallbacksHandler(h callbacks.Handler) Option {
	return func(m *Model) error {
		if h == nil {
			return invalid("WithCallbacksHandler", "handler is nil")
		}
		m.handler = h
		return nil
	}
}

// WithDefaultCallOptions applies opts before each call's own options, for
// example llms.WithTemperature(0) for every call. Default: none.
func WithDefaultCallOptions(opts ...llms.CallOption) Option {
	return func(m *Model) error {
		m.defaults = append(m.defaults, opts...)
		return nil
	}
}

// New wraps chat as a langchaingo llms.Model. It fails if chat is nil or an
// option is invalid, naming it.
func New(chat llm.ChatModel, opts ...Option) (*Model, error) {
	if chat == nil {
		return nil, invalid("chat", "the chat model is nil")
	}
	m := &Model{chat: chat, schemas: map[string]llm.ToolDef{}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(m); err != nil {
			return nil, fmt.Errorf("langchainllm: New: %w", err)
		}
	}
	return m, nil
}

// Call implements llms.Model's single-prompt method with
// llms.GenerateFromSinglePrompt: prompt is sent as one human message and
// the first choice's content is returned.
func (m *Model) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, options...)
}

// GenerateContent implements llms.Model: messages and options are mapped to
// an llm.ChatRequest (see the package documentation), sent with Chat, or with
// ChatStream when a StreamingFunc or StreamingReasoningFunc is set, and the
// response is mapped back. A part or option the mapping cannot carry fails
// with an error matching ErrUnsupported, before anything is sent. An error
// returned by a streaming function ends the stream and is returned.
func (m *Model) GenerateContent(ctx context.Context, messages []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	if m.handler != nil {
		m.handler.HandleLLMGenerateContentStart(ctx, messages)
	}
	resp, err := m.generate(ctx, messages, options)
	if m.handler != nil {
		if err != nil {
			m.handler.HandleLLMError(ctx, err)
		} else {
			m.handler.HandleLLMGenerateContentEnd(ctx, resp)
		}
	}
	return resp, err
}

func (m *Model) generate(ctx context.Context, messages []llms.MessageContent, options []llms.CallOption) (*llms.ContentResponse, error) {
	o := applyOptions(append(m.defaults[:len(m.defaults):len(m.defaults)], options...))
	req, err := toRequest(messages, o, m.schemas)
	if err != nil {
		return nil, err
	}
	if o.StreamingFunc == nil && o.StreamingReasoningFunc == nil {
		resp, err := m.chat.Chat(ctx, req)
		if err != nil {
			return nil, err
		}
		return toContentResponse(resp), nil
	}
	var fnErr error
	resp, err := m.chat.ChatStream(ctx, req, func(d llm.ChatDelta) error {
		if d.Choice != 0 || d.Content == "" {
			return nil
		}
		chunk := []byte(d.Content)
		if o.StreamingFunc != nil {
			fnErr = o.StreamingFunc(ctx, chunk)
		}
		if fnErr == nil && o.StreamingReasoningFunc != nil {
			fnErr = o.StreamingReasoningFunc(ctx, nil, chunk)
		}
		return fnErr
	})
	if err != nil {
		if fnErr != nil && errors.Is(err, fnErr) {
			return nil, fmt.Errorf("langchainllm: streaming function: %w", fnErr)
		}
		return nil, err
	}
	return toContentResponse(resp), nil
}

// toContentResponse maps a kgas response, every choice with the request's
// usage.
func toContentResponse(r llm.ChatResponse) *llms.ContentResponse {
	choices := r.Choices
	if len(choices) == 0 {
		choices = []llm.Choice{{Message: r.Message, FinishReason: r.FinishReason}}
	}
	out := &llms.ContentResponse{Choices: make([]*llms.ContentChoice, len(choices))}
	for i, c := range choices {
		cc := &llms.ContentChoice{
			Content:    c.Message.Content,
			StopReason: c.FinishReason,
			GenerationInfo: map[string]any{
				InfoPromptTokens:     r.Usage.PromptTokens,
				InfoCompletionTokens: r.Usage.CompletionTokens,
				InfoTotalTokens:      r.Usage.TotalTokens,
			},
		}
		for _, tc := range c.Message.ToolCalls {
			cc.ToolCalls = append(cc.ToolCalls, llms.ToolCall{
				ID: tc.ID, Type: "function",
				FunctionCall: &llms.FunctionCall{Name: tc.Name, Arguments: string(tc.Arguments)},
			})
		}
		if len(cc.ToolCalls) > 0 {
			// The legacy single-call field, as langchaingo's providers fill it.
			cc.FuncCall = cc.ToolCalls[0].FunctionCall
		}
		out.Choices[i] = cc
	}
	return out
}
