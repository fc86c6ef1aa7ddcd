package langchainllm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tmc/langchaingo/llms"

	"github.com/kgas-dev/kgas/llm"
)

// callOptions is the result of a call's options, with whether any option
// set Seed (Temperature is NaN when none set it).
type callOptions struct {
	llms.CallOptions
	seedSet bool
}

// applyOptions applies options to CallOptions whose Temperature and Seed
// hold sentinels, so that an option setting them to zero is seen. Seed has
// no spare value: when it ends on its sentinel, the options are applied
// again from another one to tell an unset Seed from one set to it.
func applyOptions(options []llms.CallOption) callOptions {
	apply := func(o llms.CallOptions) llms.CallOptions {
		for _, opt := range options {
			if opt != nil {
				opt(&o)
			}
		}
		return o
	}
	o := callOptions{CallOptions: apply(llms.CallOptions{Temperature: math.NaN(), Seed: math.MinInt}), seedSet: true}
	if o.Seed == math.MinInt && apply(llms.CallOptions{Seed: math.MaxInt}).Seed == math.MaxInt {
		o.seedSet = false
	}
	return o
}

// toMessages converts langchaingo messages to kgas messages.
func toMessages(messages []llms.MessageContent) ([]llm.Message, error) {
	out := make([]llm.Message, 0, len(messages))
	for i, mc := range messages {
		f := fmt.Sprintf("messages[%d]", i)
		switch mc.Role {
		case llms.ChatMessageTypeSystem, llms.ChatMessageTypeHuman, llms.ChatMessageTypeGeneric:
			text, err := textOnly(f, mc.Parts)
			if err != nil {
				return nil, err
			}
			role := llm.RoleUser
			if mc.Role == llms.ChatMessageTypeSystem {
				role = llm.RoleSystem
			}
			out = append(out, llm.Message{Role: role, Content: text})
		case llms.ChatMessageTypeAI:
			m, err := aiMessage(f, mc.Parts)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		case llms.ChatMessageTypeTool:
			if len(mc.Parts) == 0 {
				return nil, invalid(f+".parts", "a tool message needs at least one llms.ToolCallResponse part")
			}
			for j, p := range mc.Parts {
				r, ok := p.(llms.ToolCallResponse)
				if !ok {
					return nil, unsupported(fmt.Sprintf("%s.parts[%d]", f, j), fmt.Sprintf("%s in a tool message (want llms.ToolCallResponse)", partName(p)))
				}
				out = append(out, llm.ToolResult(r.ToolCallID, r.Content))
			}
		case llms.ChatMessageTypeFunction:
			return nil, unsupported(f+".role", `legacy "function" messages are not supported; send "tool" messages with llms.ToolCallResponse parts`)
		default:
			return nil, unsupported(f+".role", fmt.Sprintf("unknown role %q", mc.Role))
		}
	}
	return out, nil
}

// textOnly joins the text parts of a message and refuses any other part.
func textOnly(f string, parts []llms.ContentPart) (string, error) {
	var b strings.Builder
	for j, p := range parts {
		t, ok := p.(llms.TextContent)
		if !ok {
			return "", unsupported(fmt.Sprintf("%s.parts[%d]", f, j), partName(p)+" is not supported (kgas messages carry text)")
		}
		b.WriteString(t.Text)
	}
	return b.String(), nil
}

// aiMessage converts an ai message: text parts and tool calls.
func aiMessage(f string, parts []llms.ContentPart) (llm.Message, error) {
	m := llm.Message{Role: llm.RoleAssistant}
	var b strings.Builder
	for j, p := range parts {
		g := fmt.Sprintf("%s.parts[%d]", f, j)
		switch p := p.(type) {
		case llms.TextContent:
			b.WriteString(p.Text)
		case llms.ToolCall:
			if p.Type != "" && p.Type != "function" {
				return llm.Message{}, unsupported(g+".Type", fmt.Sprintf("tool call type %q (want function)", p.Type))
			}
			if p.FunctionCall == nil {
				return llm.Message{}, invalid(g+".FunctionCall", "a tool call needs its function")
			}
			m.ToolCalls = append(m.ToolCalls, llm.ToolCall{ID: p.ID, Name: p.FunctionCall.Name, Arguments: arguments(p.FunctionCall.Arguments)})
		default:
			return llm.Message{}, unsupported(g, partName(p)+" is not supported in an ai message (want text or llms.ToolCall)")
		}
	}
	m.Content = b.String()
	return m, nil
}

// arguments returns a tool call's arguments as JSON. langchaingo's
// functions agent records the unwrapped "__arg1" string of a call in its
// scratchpad; such plain text is wrapped back into {"__arg1": text}, the
// form the model sent.
func arguments(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(map[string]string{"__arg1": s}) // a string map always marshals
	return b
}

// partName names a content part's type for errors.
func partName(p llms.ContentPart) string {
	switch p.(type) {
	case nil:
		return "a nil part"
	case llms.ImageURLContent:
		return "llms.ImageURLContent (image)"
	case llms.BinaryContent:
		return "llms.BinaryContent (binary data, e.g. image or audio)"
	case llms.CachedContent:
		return "llms.CachedContent (prompt caching)"
	default:
		return fmt.Sprintf("%T", p)
	}
}

// toRequest builds the kgas request from langchaingo messages and options;
// schemas replaces the parameters of the named tools.
func toRequest(messages []llms.MessageContent, o callOptions, schemas map[string]llm.ToolDef) (llm.ChatRequest, error) {
	msgs, err := toMessages(messages)
	if err != nil {
		return llm.ChatRequest{}, err
	}
	req := llm.ChatRequest{Model: o.Model, Messages: msgs, MaxTokens: o.MaxTokens, N: o.N, Stop: o.StopWords}
	if err := unsupportedOptions(o.CallOptions); err != nil {
		return llm.ChatRequest{}, err
	}
	if o.CandidateCount != 0 {
		if req.N != 0 && req.N != o.CandidateCount {
			return llm.ChatRequest{}, invalid("options.CandidateCount", fmt.Sprintf("%d differs from options.N %d", o.CandidateCount, req.N))
		}
		req.N = o.CandidateCount
	}
	if !math.IsNaN(o.Temperature) {
		t := o.Temperature
		req.Temperature = &t
	}
	if o.TopP != 0 {
		p := o.TopP
		req.TopP = &p
	}
	if o.seedSet {
		s := o.Seed
		req.Seed = &s
	}
	if req.Tools, err = toTools(o.CallOptions, schemas); err != nil {
		return llm.ChatRequest{}, err
	}
	if req.ToolChoice, err = toToolChoice(o.CallOptions); err != nil {
		return llm.ChatRequest{}, err
	}
	switch strings.ToLower(o.ResponseMIMEType) {
	case "", "text/plain":
	case "application/json":
		req.ResponseFormat.Type = llm.FormatJSONObject
	default:
		return llm.ChatRequest{}, unsupported("options.ResponseMIMEType", fmt.Sprintf("%q (want text/plain or application/json)", o.ResponseMIMEType))
	}
	if o.JSONMode {
		req.ResponseFormat.Type = llm.FormatJSONObject
	}
	return req, nil
}

// unsupportedOptions refuses options a kgas request cannot carry.
func unsupportedOptions(o llms.CallOptions) error {
	for _, u := range []struct {
		name string
		set  bool
	}{
		{"TopK", o.TopK != 0},
		{"MinLength", o.MinLength != 0},
		{"MaxLength", o.MaxLength != 0},
		{"RepetitionPenalty", o.RepetitionPenalty != 0},
		{"FrequencyPenalty", o.FrequencyPenalty != 0},
		{"PresencePenalty", o.PresencePenalty != 0},
	} {
		if u.set {
			return unsupported("options."+u.name, "not supported by kgas chat models")
		}
	}
	if len(o.Metadata) > 0 {
		keys := make([]string, 0, len(o.Metadata))
		for k := range o.Metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return unsupported("options.Metadata", fmt.Sprintf("keys %q are not supported by kgas chat models", keys))
	}
	return nil
}

// toTools converts Tools, then the deprecated Functions.
func toTools(o llms.CallOptions, schemas map[string]llm.ToolDef) ([]llm.ToolDef, error) {
	var out []llm.ToolDef
	for i, t := range o.Tools {
		f := fmt.Sprintf("options.Tools[%d]", i)
		if t.Type != "" && t.Type != "function" {
			return nil, unsupported(f+".Type", fmt.Sprintf("tool type %q (want function)", t.Type))
		}
		if t.Function == nil {
			return nil, invalid(f+".Function", "a function tool needs its definition")
		}
		d, err := toToolDef(f+".Function", *t.Function, schemas)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	for i, fn := range o.Functions {
		d, err := toToolDef(fmt.Sprintf("options.Functions[%d]", i), fn, schemas)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func toToolDef(f string, fn llms.FunctionDefinition, schemas map[string]llm.ToolDef) (llm.ToolDef, error) {
	if s, ok := schemas[fn.Name]; ok {
		if fn.Description != "" {
			s.Description = fn.Description
		}
		return s, nil
	}
	params, err := schemaJSON(fn.Parameters)
	if err != nil {
		return llm.ToolDef{}, invalid(f+".Parameters", err.Error())
	}
	return llm.ToolDef{Name: fn.Name, Description: fn.Description, Parameters: params, Strict: fn.Strict}, nil
}

// schemaJSON renders a langchaingo parameters value as JSON: raw JSON
// (json.RawMessage, []byte or string) is taken as it is, anything else is
// marshalled. A nil or null schema is empty.
func schemaJSON(v any) (json.RawMessage, error) {
	var b []byte
	switch v := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		b = v
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return nil, fmt.Errorf("cannot encode as JSON: %v", err)
		}
	}
	b = bytes.TrimSpace(b)
	if !json.Valid(b) {
		return nil, fmt.Errorf("not valid JSON")
	}
	if string(b) == "null" {
		return nil, nil
	}
	return json.RawMessage(b), nil
}

// toToolChoice maps ToolChoice (a mode string, an llms.ToolChoice or an
// equivalent JSON object) or the deprecated FunctionCallBehavior.
func toToolChoice(o llms.CallOptions) (llm.ToolChoice, error) {
	if o.ToolChoice != nil && o.FunctionCallBehavior != "" {
		return llm.ToolChoice{}, invalid("options.FunctionCallBehavior", "set either ToolChoice or FunctionCallBehavior, not both")
	}
	if o.FunctionCallBehavior != "" {
		return choiceFrom("options.FunctionCallBehavior", string(o.FunctionCallBehavior))
	}
	switch c := o.ToolChoice.(type) {
	case nil:
		return llm.ToolChoice{}, nil
	case string:
		return choiceFrom("options.ToolChoice", c)
	case llms.ToolChoice:
		return functionChoice(c)
	case *llms.ToolChoice:
		if c == nil {
			return llm.ToolChoice{}, nil
		}
		return functionChoice(*c)
	default:
		b, err := json.Marshal(c)
		var tc llms.ToolChoice
		if err != nil || json.Unmarshal(b, &tc) != nil {
			return llm.ToolChoice{}, unsupported("options.ToolChoice", fmt.Sprintf("value of type %T (want a mode string or llms.ToolChoice)", c))
		}
		return functionChoice(tc)
	}
}

// choiceFrom maps a mode string, or a {"name": fn} JSON object.
func choiceFrom(f, s string) (llm.ToolChoice, error) {
	switch mode := llm.ToolChoiceMode(s); mode {
	case llm.ToolChoiceAuto, llm.ToolChoiceNone, llm.ToolChoiceRequired:
		return llm.ToolChoice{Mode: mode}, nil
	}
	var named struct {
		Name string `json:"name"`
	}
	if json.Unmarshal([]byte(s), &named) == nil && named.Name != "" {
		return llm.CallFunction(named.Name), nil
	}
	return llm.ToolChoice{}, unsupported(f, fmt.Sprintf("%q (want auto, none, required, or {\"name\": function})", s))
}

func functionChoice(c llms.ToolChoice) (llm.ToolChoice, error) {
	if c.Type != "" && c.Type != "function" {
		return llm.ToolChoice{}, unsupported("options.ToolChoice.Type", fmt.Sprintf("%q (want function)", c.Type))
	}
	if c.Function == nil || c.Function.Name == "" {
		return llm.ToolChoice{}, invalid("options.ToolChoice.Function.Name", "a function tool choice needs the function's name")
	}
	return llm.CallFunction(c.Function.Name), nil
}
