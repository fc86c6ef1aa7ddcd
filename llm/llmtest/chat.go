package llmtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

const (
	endpointChat       = "chat"
	endpointEmbeddings = "embeddings"
	maxChoices         = 128
)

// chatRequest is the subset of the chat completions request the simulator
// reads; unknown fields are ignored.
type chatRequest struct {
	Model               string          `json:"model"`
	Messages            []chatMessage   `json:"messages"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	N                   *int            `json:"n"`
	Stream              bool            `json:"stream"`
	StreamOptions       *streamOptions  `json:"stream_options"`
	Tools               json.RawMessage `json:"tools"`
	ToolChoice          json.RawMessage `json:"tool_choice"`
	ResponseFormat      *responseFormat `json:"response_format"`

	tools    []chatTool
	promptTk int
	maxTk    int
	n        int
	lastUser string
	lastRole string
	msgHash  uint64
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatMessage struct {
	Role      string          `json:"role"`
	Content   msgContent      `json:"content"`
	ToolCalls json.RawMessage `json:"tool_calls"`
}

type chatTool struct {
	Type     string `json:"type"`
	Function struct {
		Name       string          `json:"name"`
		Parameters json.RawMessage `json:"parameters"`
	} `json:"function"`
}

type responseFormat struct {
	Type       string `json:"type"`
	JSONSchema *struct {
		Name   string          `json:"name"`
		Schema json.RawMessage `json:"schema"`
	} `json:"json_schema"`
}

// msgContent is a message's text: a JSON string, or the concatenated
// "text" of an array of content parts.
type msgContent struct {
	text string
	set  bool
}

func (c *msgContent) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return errors.New("empty content")
	}
	switch b[0] {
	case 'n':
		return nil
	case '"':
		c.set = true
		return json.Unmarshal(b, &c.text)
	case '[':
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		var sb strings.Builder
		for _, p := range parts {
			sb.WriteString(p.Text)
		}
		c.text, c.set = sb.String(), true
		return nil
	}
	return errors.New("content must be a string or an array of content parts")
}

// parseChat decodes and validates a chat request and computes its token
// estimate. It never panics on any input.
func parseChat(body []byte, defMaxTokens int) (*chatRequest, *ErrorReply) {
	req := &chatRequest{}
	if e := decodeJSON(body, req); e != nil {
		return nil, e
	}
	if req.Model == "" {
		e := invalidRequest("model", "you must provide a model parameter")
		return nil, &e
	}
	if len(req.Messages) == 0 {
		e := invalidRequest("messages", "'messages' is a required property and must contain at least one message")
		return nil, &e
	}
	req.n = 1
	if req.N != nil {
		if *req.N < 1 || *req.N > maxChoices {
			e := invalidRequest("n", fmt.Sprintf("%d is not a valid value for 'n': it must be between 1 and %d", *req.N, maxChoices))
			return nil, &e
		}
		req.n = *req.N
	}
	req.maxTk = defMaxTokens
	for _, p := range []struct {
		v     *int
		param string
	}{{req.MaxTokens, "max_tokens"}, {req.MaxCompletionTokens, "max_completion_tokens"}} {
		if p.v == nil {
			continue
		}
		if *p.v < 1 {
			e := invalidRequest(p.param, fmt.Sprintf("Invalid '%s': integer below minimum value (expected ≥ 1, got %d)", p.param, *p.v))
			return nil, &e
		}
		req.maxTk = *p.v // max_completion_tokens wins: it comes second
	}
	if e := req.parseTools(); e != nil {
		return nil, e
	}
	if rf := req.ResponseFormat; rf != nil {
		switch rf.Type {
		case "text", "json_object":
		case "json_schema":
			if rf.JSONSchema == nil {
				e := invalidRequest("response_format.json_schema", "Missing required parameter: 'response_format.json_schema'.")
				return nil, &e
			}
		default:
			e := invalidRequest("response_format.type", fmt.Sprintf("Invalid value: '%s'. Supported values are: 'text', 'json_object' and 'json_schema'.", rf.Type))
			return nil, &e
		}
	}
	// est_prompt = Σ_msg (4 + ceil(bytes(content)/4) + ceil(bytes(tool_calls)/4)) + 2 + ceil(bytes(tools)/4)
	h := uint64(fnvOffset)
	tk := 2 + ceilDiv4(len(req.Tools))
	for i := range req.Messages {
		m := &req.Messages[i]
		switch m.Role {
		case "system", "developer", "user", "assistant", "tool", "function":
		default:
			e := invalidRequest(fmt.Sprintf("messages[%d].role", i), fmt.Sprintf("Invalid value: '%s'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool' and 'function'.", m.Role))
			return nil, &e
		}
		tk += 4 + ceilDiv4(len(m.Content.text)) + ceilDiv4(len(m.ToolCalls))
		h = hashString(hashString(h, m.Role), m.Content.text)
		h = hashBytes(h^0xff, m.ToolCalls)
		if m.Role == "user" {
			req.lastUser = m.Content.text
		}
		req.lastRole = m.Role
	}
	req.promptTk, req.msgHash = tk, h
	return req, nil
}

func (req *chatRequest) parseTools() *ErrorReply {
	if t := bytes.TrimSpace(req.Tools); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		if err := json.Unmarshal(t, &req.tools); err != nil {
			e := invalidRequest("tools", "Invalid type for 'tools': expected an array of tool objects.")
			return &e
		}
	}
	for i, t := range req.tools {
		if t.Type != "function" && t.Type != "" {
			e := invalidRequest(fmt.Sprintf("tools[%d].type", i), fmt.Sprintf("Invalid value: '%s'. Supported values are: 'function'.", t.Type))
			return &e
		}
		if t.Function.Name == "" {
			e := invalidRequest(fmt.Sprintf("tools[%d].function.name", i), "Missing required parameter: 'tools[].function.name'.")
			return &e
		}
	}
	if c := bytes.TrimSpace(req.ToolChoice); len(c) > 0 && !bytes.Equal(c, []byte("null")) && len(req.tools) == 0 {
		e := invalidRequest("tool_choice", "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.")
		return &e
	}
	return nil
}

// decodeJSON unmarshals body into v, mapping errors to OpenAI's 400s.
func decodeJSON(body []byte, v any) *ErrorReply {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		e := invalidRequest(te.Field, fmt.Sprintf("Invalid type for '%s': got %s, expected %s.", te.Field, te.Value, te.Type))
		return &e
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		e := invalidRequest("", "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)")
		return &e
	}
	e := invalidRequest("", "Invalid request body: "+err.Error())
	return &e
}

// toolChoice resolves tool_choice and the last user message into the tool
// to call, or "" for a text reply. Defaults: "none" → text; "required" →
// a tool picked by hash; {"type":"function","function":{"name":N}} → N;
// "auto" (or absent) → the tool named by "call:<name>" in the last user
// message, else text. After a tool result the reply is always text.
func (req *chatRequest) toolChoice(h uint64) string {
	if len(req.tools) == 0 || req.lastRole == "tool" || req.lastRole == "function" {
		return ""
	}
	c := bytes.TrimSpace(req.ToolChoice)
	switch {
	case bytes.Equal(c, []byte(`"none"`)):
		return ""
	case bytes.Equal(c, []byte(`"required"`)):
		if n := req.namedCall(); n != "" {
			return n
		}
		return req.tools[h%uint64(len(req.tools))].Function.Name
	case len(c) > 0 && c[0] == '{':
		var named struct {
			Function struct {
				Name string `json:"name"`
			} `json:"function"`
		}
		if json.Unmarshal(c, &named) == nil && named.Function.Name != "" {
			return named.Function.Name
		}
	}
	return req.namedCall()
}

// namedCall returns the tool named by "call:<name>" in the last user
// message, if that tool exists.
func (req *chatRequest) namedCall() string {
	i := strings.Index(req.lastUser, "call:")
	if i < 0 {
		return ""
	}
	rest := req.lastUser[i+5:]
	for _, t := range req.tools {
		if strings.HasPrefix(rest, t.Function.Name) {
			return t.Function.Name
		}
	}
	return ""
}
