package llm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// Limits checked by Validate.
const (
	// MaxStop is the most stop sequences a request may carry.
	MaxStop = 4
	// maxToolName is the longest function name OpenAI accepts.
	maxToolName = 64
)

// Validate checks req without sending it and returns an
// *InvalidRequestError naming the first invalid field, or nil. Providers
// call it before any network call. It checks: at least one message; known
// roles; tool messages carry tool_call_id; tool calls only on assistant
// messages, each with an id, a name and JSON arguments; tool names and
// parameter schemas; the tool choice against the tools; the response
// format; max_tokens ≥ 0; n ≥ 0; temperature in [0, 2]; top_p in [0, 1];
// at most MaxStop stop sequences.
func (req *ChatRequest) Validate() error {
	if len(req.Messages) == 0 {
		return invalid("messages", "at least one message is required")
	}
	for i := range req.Messages {
		if err := validateMessage(i, &req.Messages[i]); err != nil {
			return err
		}
	}
	names := make(map[string]bool, len(req.Tools))
	for i, t := range req.Tools {
		f := fmt.Sprintf("tools[%d]", i)
		if err := validName(t.Name); err != nil {
			return invalid(f+".name", err.Error())
		}
		if names[t.Name] {
			return invalid(f+".name", fmt.Sprintf("duplicate tool name %q", t.Name))
		}
		names[t.Name] = true
		if len(t.Parameters) > 0 && !isJSONObject(t.Parameters) {
			return invalid(f+".parameters", "must be a JSON Schema object")
		}
	}
	if err := validateToolChoice(req.ToolChoice, names, len(req.Tools)); err != nil {
		return err
	}
	if err := validateFormat(req.ResponseFormat); err != nil {
		return err
	}
	switch {
	case req.MaxTokens < 0:
		return invalid("max_tokens", fmt.Sprintf("must be ≥ 0, got %d", req.MaxTokens))
	case req.N < 0:
		return invalid("n", fmt.Sprintf("must be ≥ 0, got %d", req.N))
	case req.Temperature != nil && !inRange(*req.Temperature, 0, 2):
		return invalid("temperature", fmt.Sprintf("must be in [0, 2], got %v", *req.Temperature))
	case req.TopP != nil && !inRange(*req.TopP, 0, 1):
		return invalid("top_p", fmt.Sprintf("must be in [0, 1], got %v", *req.TopP))
	case len(req.Stop) > MaxStop:
		return invalid("stop", fmt.Sprintf("at most %d sequences, got %d", MaxStop, len(req.Stop)))
	}
	return nil
}

func validateMessage(i int, m *Message) error {
	f := fmt.Sprintf("messages[%d]", i)
	switch m.Role {
	case RoleSystem, RoleDeveloper, RoleUser, RoleAssistant:
		if m.ToolCallID != "" {
			return invalid(f+".tool_call_id", "only tool messages carry a tool_call_id")
		}
	case RoleTool:
		if m.ToolCallID == "" {
			return invalid(f+".tool_call_id", "a tool message needs the id of the call it answers")
		}
	case "":
		return invalid(f+".role", "missing role")
	default:
		return invalid(f+".role", fmt.Sprintf("unknown role %q (want system, developer, user, assistant or tool)", m.Role))
	}
	if len(m.ToolCalls) > 0 && m.Role != RoleAssistant {
		return invalid(f+".tool_calls", "only assistant messages carry tool calls")
	}
	for j, tc := range m.ToolCalls {
		g := fmt.Sprintf("%s.tool_calls[%d]", f, j)
		switch {
		case tc.ID == "":
			return invalid(g+".id", "missing call id")
		case tc.Name == "":
			return invalid(g+".function.name", "missing function name")
		case len(tc.Arguments) > 0 && !json.Valid(tc.Arguments):
			return invalid(g+".function.arguments", "not valid JSON")
		}
	}
	return nil
}

func validateToolChoice(tc ToolChoice, names map[string]bool, tools int) error {
	switch tc.Mode {
	case "", ToolChoiceNone:
		if tc.Function != "" {
			return invalid("tool_choice.function", "set only with mode function")
		}
		return nil
	case ToolChoiceAuto, ToolChoiceRequired:
		if tc.Function != "" {
			return invalid("tool_choice.function", "set only with mode function")
		}
	case ToolChoiceFunction:
		if !names[tc.Function] {
			return invalid("tool_choice.function", fmt.Sprintf("%q is not one of the tools", tc.Function))
		}
	default:
		return invalid("tool_choice", fmt.Sprintf("unknown mode %q (want auto, none, required or function)", tc.Mode))
	}
	if tools == 0 {
		return invalid("tool_choice", "needs tools")
	}
	return nil
}

func validateFormat(rf ResponseFormat) error {
	switch rf.Type {
	case "", FormatText, FormatJSONObject:
		if len(rf.Schema) > 0 || rf.Name != "" {
			return invalid("response_format.json_schema", "a schema needs type json_schema")
		}
	case FormatJSONSchema:
		if err := validName(rf.Name); err != nil {
			return invalid("response_format.json_schema.name", err.Error())
		}
		if !isJSONObject(rf.Schema) {
			return invalid("response_format.json_schema.schema", "must be a JSON Schema object")
		}
	default:
		return invalid("response_format.type", fmt.Sprintf("unknown type %q (want text, json_object or json_schema)", rf.Type))
	}
	return nil
}

// validName checks a function or schema name: 1 to 64 of a-z, A-Z, 0-9,
// '_' and '-'.
func validName(s string) error {
	if s == "" {
		return fmt.Errorf("missing name")
	}
	if len(s) > maxToolName {
		return fmt.Errorf("name longer than %d characters", maxToolName)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("name %q may hold only a-z, A-Z, 0-9, '_' and '-'", s)
		}
	}
	return nil
}

func isJSONObject(b json.RawMessage) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

func inRange(v, lo, hi float64) bool {
	return !math.IsNaN(v) && v >= lo && v <= hi
}
