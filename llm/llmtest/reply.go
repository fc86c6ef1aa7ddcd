package llmtest

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// created is the fixed "created" timestamp of every completion, so replies
// are byte-for-byte reproducible.
const created = 1700000000

// choiceOut is one generated choice.
type choiceOut struct {
	content    string
	hasContent bool
	toolCalls  []ToolCall
	finish     string
	tokens     int
}

// completion is a generated chat completion.
type completion struct {
	id      string
	model   string
	choices []choiceOut
	prompt  int
	tokens  int // completion tokens over all choices
}

// generate builds the completion for req, from the script reply sc when
// given. Everything is a function of the seed and the messages.
func (s *Server) generate(req *chatRequest, sc *Reply) *completion {
	base := mix2(s.cfg.Seed, req.msgHash)
	c := &completion{
		id:      "chatcmpl-" + hex16(base),
		model:   req.Model,
		choices: make([]choiceOut, req.n),
		prompt:  req.promptTk,
	}
	for i := range c.choices {
		h := mix2(base, uint64(i))
		ch := &c.choices[i]
		switch {
		case sc != nil:
			ch.content, ch.hasContent = sc.Content, sc.Content != "" || len(sc.ToolCalls) == 0
			ch.finish = sc.FinishReason
			for j, tc := range sc.ToolCalls {
				if tc.ID == "" {
					tc.ID = "call_" + hex16(mix2(h, uint64(j)))[:12]
				}
				ch.toolCalls = append(ch.toolCalls, tc)
			}
			if ch.finish == "" {
				ch.finish = "stop"
				if len(ch.toolCalls) > 0 {
					ch.finish = "tool_calls"
				}
			}
		case req.toolChoice(h) != "":
			name := req.toolChoice(h)
			var params []byte
			for _, t := range req.tools {
				if t.Function.Name == name {
					params = t.Function.Parameters
				}
			}
			ch.toolCalls = []ToolCall{{ID: "call_" + hex16(h)[:12], Name: name,
				Arguments: jsonInstance(params, h, s.vocab)}}
			ch.finish = "tool_calls"
		case req.ResponseFormat != nil && req.ResponseFormat.Type == "json_schema":
			ch.content, ch.hasContent, ch.finish = jsonInstance(req.ResponseFormat.JSONSchema.Schema, h, s.vocab), true, "stop"
		case req.ResponseFormat != nil && req.ResponseFormat.Type == "json_object":
			text, _ := s.words(h, min(12, req.maxTk))
			b, _ := json.Marshal(map[string]string{"reply": text})
			ch.content, ch.hasContent, ch.finish = string(b), true, "stop"
		default:
			ch.content, ch.finish = s.words(h, req.maxTk)
			ch.hasContent = true
			ch.tokens = strings.Count(ch.content, " ") + 1 // one token per word
		}
		if ch.tokens == 0 {
			ch.tokens = ceilDiv4(len(ch.content))
		}
		for _, tc := range ch.toolCalls {
			ch.tokens += ceilDiv4(len(tc.Name) + len(tc.Arguments))
		}
		c.tokens += ch.tokens
	}
	return c
}

// words returns 8+(h mod 120) vocabulary words (one token each), cut to
// limit words with finish reason "length".
func (s *Server) words(h uint64, limit int) (string, string) {
	n, finish := 8+int(h%120), "stop"
	if n > limit {
		n, finish = limit, "length"
	}
	r := rng{s: h}
	var sb strings.Builder
	sb.Grow(n * 7)
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(s.vocab[r.next()%uint64(len(s.vocab))])
	}
	return sb.String(), finish
}

func hex16(x uint64) string {
	var b [16]byte
	const digits = "0123456789abcdef"
	for i := 15; i >= 0; i-- {
		b[i] = digits[x&15]
		x >>= 4
	}
	return string(b[:])
}

type chatResponse struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Created           int64        `json:"created"`
	Model             string       `json:"model"`
	SystemFingerprint string       `json:"system_fingerprint"`
	Choices           []choiceJSON `json:"choices"`
	Usage             usageJSON    `json:"usage"`
}

type choiceJSON struct {
	Index        int         `json:"index"`
	Message      messageJSON `json:"message"`
	Logprobs     *struct{}   `json:"logprobs"`
	FinishReason string      `json:"finish_reason"`
}

type messageJSON struct {
	Role      string         `json:"role"`
	Content   *string        `json:"content"`
	Refusal   *string        `json:"refusal"`
	ToolCalls []toolCallJSON `json:"tool_calls,omitempty"`
}

type toolCallJSON struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type usageJSON struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// body renders the non-streamed chat.completion object.
func (c *completion) body() []byte {
	r := chatResponse{ID: c.id, Object: "chat.completion", Created: created, Model: c.model,
		SystemFingerprint: "fp_sim", Choices: make([]choiceJSON, len(c.choices)),
		Usage: usageJSON{c.prompt, c.tokens, c.prompt + c.tokens}}
	for i := range c.choices {
		ch := &c.choices[i]
		cj := &r.Choices[i]
		cj.Index, cj.FinishReason, cj.Message.Role = i, ch.finish, "assistant"
		if ch.hasContent {
			cj.Message.Content = &ch.content
		}
		for _, tc := range ch.toolCalls {
			t := toolCallJSON{ID: tc.ID, Type: "function"}
			t.Function.Name, t.Function.Arguments = tc.Name, tc.Arguments
			cj.Message.ToolCalls = append(cj.Message.ToolCalls, t)
		}
	}
	b, _ := json.Marshal(r)
	return b
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&15])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendUsage(b []byte, prompt, completion int) []byte {
	b = append(b, `{"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(prompt), 10)
	b = append(b, `,"completion_tokens":`...)
	b = strconv.AppendInt(b, int64(completion), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(prompt+completion), 10)
	return append(b, '}')
}

// pieces splits s into stream fragments: at spaces (a space starts a new
// piece) and at most 16 bytes each, on rune boundaries.
func pieces(s string, yield func(string)) {
	for len(s) > 0 {
		n := 1
		for n < len(s) && n < 16 && s[n] != ' ' {
			n++
		}
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n++
		}
		yield(s[:n])
		s = s[n:]
	}
}
