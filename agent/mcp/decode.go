package mcp

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kgas-dev/kgas/tool"
)

// jsonRPCError is the SDK's JSON-RPC error (a protocol error from the
// server).
type jsonRPCError = jsonrpc.Error

// RemoteError is a tool error reported by an MCP server: a tools/call
// result with isError set. When the server is a kgas server, Kind and
// Retryable are the ones it reported; a retryable RemoteError is also
// marked transient (tool.ErrTransient).
type RemoteError struct {
	// ToolID is the kgas ID of the tool.
	ToolID string
	// Tool is the server's name for the tool.
	Tool string
	// Kind is the kind the server reported, or "" when it reported none.
	Kind tool.Kind
	// Message is the error text the server sent.
	Message string
	// Retryable is what the server said about calling again.
	Retryable bool
}

// Error names the server's tool, the kind when known, and the message.
func (e *RemoteError) Error() string {
	if e.Kind != "" {
		return fmt.Sprintf("mcp tool %q (%s): %s", e.Tool, e.Kind, e.Message)
	}
	return fmt.Sprintf("mcp tool %q: %s", e.Tool, e.Message)
}

// maxMessage bounds the error text kept from a server, so that a
// misbehaving server cannot flood a model's context.
const maxMessage = 4096

// decodeResult turns a tools/call result into a tool's data or error.
func decodeResult(id, name string, res *mcpsdk.CallToolResult) (any, error) {
	if res == nil {
		return nil, fmt.Errorf("mcp tool %q: the server returned no result", name)
	}
	if res.IsError {
		return nil, remoteError(id, name, res.Content)
	}
	if res.StructuredContent != nil {
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			return nil, fmt.Errorf("mcp tool %q: structuredContent: %w", name, err)
		}
		return json.RawMessage(b), nil
	}
	if len(res.Content) == 1 {
		if tc, ok := res.Content[0].(*mcpsdk.TextContent); ok {
			if json.Valid([]byte(tc.Text)) {
				return json.RawMessage(strings.TrimSpace(tc.Text)), nil
			}
			return tc.Text, nil
		}
	}
	// Several blocks, or images, audio, resources: keep them all, in
	// their MCP form.
	b, err := json.Marshal(res.Content)
	if err != nil {
		return nil, fmt.Errorf("mcp tool %q: content: %w", name, err)
	}
	return json.RawMessage(b), nil
}

// remoteError reads an isError result: the kgas form
// {"error":{"kind","message","retryable","fields"}} when it is one, the
// text otherwise.
func remoteError(id, name string, content []mcpsdk.Content) error {
	var texts []string
	for _, c := range content {
		if tc, ok := c.(*mcpsdk.TextContent); ok {
			texts = append(texts, tc.Text)
		}
	}
	text := strings.Join(texts, "\n")
	var wire struct {
		Error *tool.ErrorInfo `json:"error"`
	}
	if len(texts) == 1 && json.Unmarshal([]byte(text), &wire) == nil && wire.Error != nil && wire.Error.Kind != "" {
		info := wire.Error
		if info.Kind == tool.KindInvalidInput && len(info.Fields) > 0 {
			return &tool.InputError{ToolID: id, Violations: info.Fields}
		}
		e := &RemoteError{ToolID: id, Tool: name, Kind: info.Kind, Message: clip(info.Message), Retryable: info.Retryable}
		if e.Retryable {
			return tool.Transient(e)
		}
		return e
	}
	if text == "" {
		text = "the tool reported an error without text"
	}
	return &RemoteError{ToolID: id, Tool: name, Message: clip(text)}
}

func clip(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// maxID is the longest kgas tool ID.
const maxID = 64

// RemoteID makes the kgas ID of the MCP tool name with prefix: letters
// are lowered, every character other than a-z, 0-9, '_' and '-' becomes
// '_', leading '_' and '-' are dropped, and a result longer than 64
// characters is cut to 55 and ends with '-' and 8 hex digits of the
// SHA-256 of the full name, so that it stays unique and stable. The error
// names a name from which no ID can be made.
func RemoteID(prefix, name string) (string, error) {
	if prefix != "" && !validPrefix(prefix) {
		return "", fmt.Errorf("mcp: prefix %q: must be lowercase letters, digits, '_' or '-', starting with a letter or digit", prefix)
	}
	var b strings.Builder
	b.WriteString(prefix)
	alnum := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			alnum = true
			b.WriteRune(r)
		case b.Len() == 0:
			// An ID starts with a letter or digit.
		case r == '-' || r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	id := b.String()
	if !alnum {
		return "", fmt.Errorf("mcp: remote tool name %q: no letter or digit to make an ID from", name)
	}
	if len(id) > maxID {
		sum := sha256.Sum256([]byte(prefix + "\x00" + name))
		id = id[:maxID-9] + "-" + hex.EncodeToString(sum[:4])
	}
	return id, nil
}

func validPrefix(p string) bool {
	if p == "" || len(p) > maxID/2 {
		return false
	}
	for i, r := range p {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}
