package llm

import (
	"context"
	"encoding/json"
)

// ChatModel is a chat completion model. Implementations must be safe for
// concurrent use.
type ChatModel interface {
	// Chat sends req and returns the whole response. An invalid req fails
	// with an *InvalidRequestError before any network call.
	Chat(ctx context.Context, req ChatRequest) (ChatResponse, error)

	// ChatStream sends req as a streaming request and calls fn with each
	// delta, in order, from the calling goroutine. It returns the response
	// assembled from all deltas (content and tool calls joined, usage when
	// the server reports it). If fn returns an error, or ctx ends, the
	// stream is closed at once and ChatStream returns that error (or the
	// context's), leaving no goroutine or connection behind.
	ChatStream(ctx context.Context, req ChatRequest, fn func(ChatDelta) error) (ChatResponse, error)
}

// Role is the author of a message.
type Role string

// Message roles.
const (
	// RoleSystem carries instructions for the model.
	RoleSystem Role = "system"
	// RoleDeveloper is the newer name OpenAI gives system instructions.
	RoleDeveloper Role = "developer"
	// RoleUser is the end user's input.
	RoleUser Role = "user"
	// RoleAssistant is a model turn, possibly with tool calls.
	RoleAssistant Role = "assistant"
	// RoleTool is a tool's result; it needs ToolCallID.
	RoleTool Role = "tool"
)

// Message is one chat message.
type Message struct {
	// Role is who wrote the message.
	Role Role `json:"role"`
	// Content is the message text.
	Content string `json:"content,omitempty"`
	// ToolCalls are the calls an assistant message asks for.
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
	// ToolCallID links a tool message to the call it answers.
	ToolCallID string `json:"tool_call_id,omitempty"`
	// Name optionally names the participant.
	Name string `json:"name,omitempty"`
}

// System returns a system message.
func System(content string) Message { return Message{Role: RoleSystem, Content: content} }

// User returns a user message.
func User(content string) Message { return Message{Role: RoleUser, Content: content} }

// Assistant returns an assistant message.
func Assistant(content string) Message { return Message{Role: RoleAssistant, Content: content} }

// ToolResult returns a tool message answering the call with id callID.
func ToolResult(callID, content string) Message {
	return Message{Role: RoleTool, ToolCallID: callID, Content: content}
}

// ToolDef describes a function the model may call.
type ToolDef struct {
	// Name is the function name: 1 to 64 of a-z, A-Z, 0-9, '_' and '-'.
	Name string `json:"name"`
	// Description tells the model what the function does.
	Description string `json:"description,omitempty"`
	// Parameters is the JSON Schema of the arguments object; empty means
	// no parameters.
	Parameters json.RawMessage `json:"parameters,omitempty"`
	// Strict asks the provider to enforce the schema exactly.
	Strict bool `json:"strict,omitempty"`
}

// ToolCall is a function call requested by the model.
type ToolCall struct {
	// ID identifies the call; a tool message answers it by ToolCallID.
	ID string `json:"id"`
	// Name is the function to call.
	Name string `json:"name"`
	// Arguments is the model's JSON arguments object, verbatim. Models can
	// produce invalid JSON: check with json.Valid before trusting it.
	Arguments json.RawMessage `json:"arguments"`
}

// ToolChoiceMode says whether and how the model must call tools.
type ToolChoiceMode string

// Tool choice modes.
const (
	// ToolChoiceAuto lets the model decide (the default when tools are set).
	ToolChoiceAuto ToolChoiceMode = "auto"
	// ToolChoiceNone forbids tool calls.
	ToolChoiceNone ToolChoiceMode = "none"
	// ToolChoiceRequired makes the model call at least one tool.
	ToolChoiceRequired ToolChoiceMode = "required"
	// ToolChoiceFunction makes the model call the function named in
	// ToolChoice.Function.
	ToolChoiceFunction ToolChoiceMode = "function"
)

// ToolChoice controls tool calling. The zero value leaves it to the
// provider's default.
type ToolChoice struct {
	// Mode is auto, none, required or function.
	Mode ToolChoiceMode `json:"mode,omitempty"`
	// Function names the tool to call when Mode is ToolChoiceFunction.
	Function string `json:"function,omitempty"`
}

// CallFunction returns a ToolChoice forcing a call to the named function.
func CallFunction(name string) ToolChoice {
	return ToolChoice{Mode: ToolChoiceFunction, Function: name}
}

// ResponseFormatType selects plain text, any JSON object, or JSON matching
// a schema.
type ResponseFormatType string

// Response format types.
const (
	// FormatText is plain text (the default).
	FormatText ResponseFormatType = "text"
	// FormatJSONObject asks for a JSON object ("JSON mode"); the prompt
	// must mention JSON for OpenAI to accept it.
	FormatJSONObject ResponseFormatType = "json_object"
	// FormatJSONSchema asks for JSON matching Schema (structured output).
	FormatJSONSchema ResponseFormatType = "json_schema"
)

// ResponseFormat constrains the shape of the reply. The zero value means
// the provider's default (text).
type ResponseFormat struct {
	// Type is text, json_object or json_schema.
	Type ResponseFormatType `json:"type,omitempty"`
	// Name names the schema (json_schema only; required there).
	Name string `json:"name,omitempty"`
	// Description describes the schema (json_schema only).
	Description string `json:"description,omitempty"`
	// Schema is the JSON Schema of the reply (json_schema only; required
	// there, a JSON object).
	Schema json.RawMessage `json:"schema,omitempty"`
	// Strict asks the provider to enforce the schema exactly.
	Strict bool `json:"strict,omitempty"`
}

// JSONSchema returns a json_schema ResponseFormat.
func JSONSchema(name string, schema json.RawMessage, strict bool) ResponseFormat {
	return ResponseFormat{Type: FormatJSONSchema, Name: name, Schema: schema, Strict: strict}
}

// ChatRequest is a provider-neutral chat completion request.
type ChatRequest struct {
	// Model overrides the provider's default chat model when set.
	Model string `json:"model,omitempty"`
	// Messages is the conversation; at least one is required.
	Messages []Message `json:"messages"`
	// Tools are the functions the model may call.
	Tools []ToolDef `json:"tools,omitempty"`
	// ToolChoice controls tool calling; it needs Tools unless its mode is
	// none or unset.
	ToolChoice ToolChoice `json:"tool_choice,omitzero"`
	// ResponseFormat constrains the reply (JSON mode, structured output).
	ResponseFormat ResponseFormat `json:"response_format,omitzero"`
	// Temperature, in [0, 2], is the sampling temperature; nil leaves the
	// provider's default.
	Temperature *float64 `json:"temperature,omitempty"`
	// TopP, in [0, 1], is nucleus sampling; nil leaves the default.
	TopP *float64 `json:"top_p,omitempty"`
	// MaxTokens bounds the completion tokens per choice; 0 leaves the
	// provider's default (estimates then assume DefaultMaxTokens).
	MaxTokens int `json:"max_tokens,omitempty"`
	// N is the number of choices; 0 means 1.
	N int `json:"n,omitempty"`
	// Stop lists up to 4 sequences where generation stops.
	Stop []string `json:"stop,omitempty"`
	// Seed asks for deterministic sampling where supported.
	Seed *int `json:"seed,omitempty"`
}

// Usage counts the tokens of a request.
type Usage struct {
	// PromptTokens is the input size.
	PromptTokens int `json:"prompt_tokens"`
	// CompletionTokens is the output size, all choices together.
	CompletionTokens int `json:"completion_tokens"`
	// TotalTokens is their sum.
	TotalTokens int `json:"total_tokens"`
}

// Finish reasons, as OpenAI reports them.
const (
	FinishStop          = "stop"
	FinishLength        = "length"
	FinishToolCalls     = "tool_calls"
	FinishContentFilter = "content_filter"
)

// Choice is one of the N completions of a request.
type Choice struct {
	// Message is the assistant message (content and/or tool calls).
	Message Message `json:"message"`
	// FinishReason is why generation stopped: stop, length, tool_calls or
	// content_filter.
	FinishReason string `json:"finish_reason"`
}

// ChatResponse is a chat completion.
type ChatResponse struct {
	// ID is the provider's completion id.
	ID string `json:"id"`
	// Model is the model that answered.
	Model string `json:"model"`
	// Message is the first choice's message.
	Message Message `json:"message"`
	// FinishReason is the first choice's finish reason.
	FinishReason string `json:"finish_reason"`
	// Choices holds every choice (more than one when N > 1), in index
	// order; Choices[0] repeats Message and FinishReason.
	Choices []Choice `json:"choices"`
	// Usage is the token usage (zero when the server did not report it).
	Usage Usage `json:"usage"`
}

// ToolCallDelta is a fragment of a tool call in a stream. The first
// fragment of a call carries its ID and Name; Arguments fragments are to be
// concatenated in order.
type ToolCallDelta struct {
	// Index is the position of the call in the message's tool calls.
	Index int `json:"index"`
	// ID is the call id (first fragment only).
	ID string `json:"id,omitempty"`
	// Name is the function name (first fragment only).
	Name string `json:"name,omitempty"`
	// Arguments is the next piece of the JSON arguments.
	Arguments string `json:"arguments,omitempty"`
}

// ChatDelta is one increment of a streamed completion.
type ChatDelta struct {
	// Choice is the index of the choice this delta extends.
	Choice int `json:"choice"`
	// Content is the next piece of text.
	Content string `json:"content,omitempty"`
	// ToolCalls are tool call fragments.
	ToolCalls []ToolCallDelta `json:"tool_calls,omitempty"`
	// FinishReason is set on the choice's last delta.
	FinishReason string `json:"finish_reason,omitempty"`
	// Usage is set on the final usage delta when the server reports it.
	Usage *Usage `json:"usage,omitempty"`
}
