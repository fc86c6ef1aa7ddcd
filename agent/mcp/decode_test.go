package mcp

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/kgas-dev/kgas/tool"
)

func TestRemoteID(t *testing.T) {
	long := strings.Repeat("x", 70)
	tests := []struct {
		prefix, name, want, err string
	}{
		{name: "search", want: "search"},
		{prefix: "gh_", name: "search", want: "gh_search"},
		{name: "Get.User", want: "get_user"},
		{name: "files/read file", want: "files_read_file"},
		{name: "__private", want: "private"},
		{prefix: "p-", name: "-x", want: "p--x"},
		{name: "日本", err: "no letter or digit"},
		{prefix: "p_", name: "...", err: "no letter or digit"},
		{prefix: "P", name: "x", err: `prefix "P"`},
		{prefix: "_p", name: "x", err: `prefix "_p"`},
		{name: long, want: strings.Repeat("x", 55) + "-"},
	}
	for _, tc := range tests {
		t.Run(tc.prefix+tc.name, func(t *testing.T) {
			id, err := RemoteID(tc.prefix, tc.name)
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			if tc.name == long {
				assert.Len(t, id, maxID)
				assert.True(t, strings.HasPrefix(id, tc.want), id)
				other, err := RemoteID("", long+"y")
				require.NoError(t, err)
				assert.NotEqual(t, id, other, "long names stay distinct")
				return
			}
			assert.Equal(t, tc.want, id)
		})
	}
}

func TestRemoteIDProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		prefix := rapid.StringMatching(`([a-z0-9][a-z0-9_-]{0,8})?`).Draw(t, "prefix")
		name := rapid.String().Draw(t, "name")
		id, err := RemoteID(prefix, name)
		if err != nil {
			return
		}
		if err := (tool.Metadata{ID: id, Description: "d"}).Validate(); err != nil {
			t.Fatalf("RemoteID(%q, %q) = %q: %v", prefix, name, id, err)
		}
		if !strings.HasPrefix(id, prefix) {
			t.Fatalf("RemoteID(%q, %q) = %q lost the prefix", prefix, name, id)
		}
		again, _ := RemoteID(prefix, name)
		if again != id {
			t.Fatalf("RemoteID is not stable: %q then %q", id, again)
		}
	})
	rapid.Check(t, func(t *rapid.T) {
		// A name that already is a kgas ID is kept as it is.
		name := rapid.StringMatching(`[a-z0-9][a-z0-9_-]{0,63}`).Draw(t, "name")
		id, err := RemoteID("", name)
		if err != nil || id != name {
			t.Fatalf("RemoteID(%q) = %q, %v", name, id, err)
		}
	})
}

func FuzzRemoteID(f *testing.F) {
	for _, s := range []string{"search", "Get.User", "", "---", strings.Repeat("é", 40), "a/b c"} {
		f.Add("", s)
		f.Add("gh_", s)
	}
	f.Fuzz(func(t *testing.T, prefix, name string) {
		id, err := RemoteID(prefix, name)
		if err != nil {
			return
		}
		if err := (tool.Metadata{ID: id, Description: "d"}).Validate(); err != nil {
			t.Fatalf("RemoteID(%q, %q) = %q: %v", prefix, name, id, err)
		}
	})
}

func result(t *testing.T, wire string) *mcpsdk.CallToolResult {
	t.Helper()
	var res mcpsdk.CallToolResult
	require.NoError(t, json.Unmarshal([]byte(wire), &res))
	return &res
}

func TestDecodeResult(t *testing.T) {
	tests := []struct {
		name string
		wire string
		data any
	}{
		{"structured wins", `{"content":[{"type":"text","text":"ignored"}],"structuredContent":{"n":1}}`, json.RawMessage(`{"n":1}`)},
		{"JSON text", `{"content":[{"type":"text","text":" [1,2] "}]}`, json.RawMessage(`[1,2]`)},
		{"plain text", `{"content":[{"type":"text","text":"hello"}]}`, "hello"},
		{"several blocks", `{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}`,
			json.RawMessage(`[{"type":"text","text":"a"},{"type":"text","text":"b"}]`)},
		{"image", `{"content":[{"type":"image","data":"AAE=","mimeType":"image/png"}]}`,
			json.RawMessage(`[{"type":"image","mimeType":"image/png","data":"AAE="}]`)},
		{"empty", `{"content":[]}`, json.RawMessage(`[]`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := decodeResult("id", "tool", result(t, tc.wire))
			require.NoError(t, err)
			if raw, ok := tc.data.(json.RawMessage); ok {
				require.IsType(t, json.RawMessage{}, data)
				assert.JSONEq(t, string(raw), string(data.(json.RawMessage)))
				return
			}
			assert.Equal(t, tc.data, data)
		})
	}
	_, err := decodeResult("id", "tool", nil)
	assert.ErrorContains(t, err, "no result")
}

func TestDecodeRemoteErrors(t *testing.T) {
	// A kgas server's invalid input comes back as a kgas InputError.
	_, err := decodeResult("far-x", "x", result(t, `{"isError":true,"content":[{"type":"text","text":
		"{\"error\":{\"kind\":\"invalid_input\",\"message\":\"m\",\"retryable\":false,\"fields\":[{\"field\":\"days\",\"rule\":\"maximum\",\"message\":\"must be <= 14, got 99\"}]}}"}]}`))
	var ie *tool.InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "far-x", ie.ToolID)
	assert.Equal(t, []tool.Violation{{Field: "days", Rule: "maximum", Message: "must be <= 14, got 99"}}, ie.Violations)
	assert.Equal(t, tool.KindInvalidInput, tool.KindOf(err))

	// Retryable kinds stay retryable.
	_, err = decodeResult("id", "x", result(t, `{"isError":true,"content":[{"type":"text","text":"{\"error\":{\"kind\":\"timeout\",\"message\":\"slow\",\"retryable\":true}}"}]}`))
	assert.ErrorIs(t, err, tool.ErrTransient)
	var re *RemoteError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, tool.KindTimeout, re.Kind)
	assert.Equal(t, `mcp tool "x" (timeout): slow`, re.Error())

	// Anything else is its text, clipped.
	big := strings.Repeat("é", maxMessage)
	_, err = decodeResult("id", "x", result(t, `{"isError":true,"content":[{"type":"text","text":"`+big+`"}]}`))
	require.ErrorAs(t, err, &re)
	assert.Empty(t, re.Kind)
	assert.True(t, utf8.ValidString(re.Message))
	assert.LessOrEqual(t, len(re.Message), maxMessage+len("…"))
	assert.False(t, errors.Is(err, tool.ErrTransient))

	_, err = decodeResult("id", "x", result(t, `{"isError":true,"content":[]}`))
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "the tool reported an error without text", re.Message)
}

// FuzzDecodeResult feeds untrusted tools/call results through the decoder:
// it never panics, and what it returns is JSON-encodable data or an error.
func FuzzDecodeResult(f *testing.F) {
	for _, s := range []string{
		`{"content":[{"type":"text","text":"hi"}]}`,
		`{"content":[{"type":"text","text":"{\"a\":1}"}],"structuredContent":{"a":1}}`,
		`{"isError":true,"content":[{"type":"text","text":"{\"error\":{\"kind\":\"invalid_input\",\"fields\":[{}]}}"}]}`,
		`{"isError":true,"content":[{"type":"text","text":"{\"error\":null}"}]}`,
		`{"content":[{"type":"image","data":"AAE=","mimeType":"image/png"},{"type":"text","text":"x"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, wire []byte) {
		var res mcpsdk.CallToolResult
		if json.Unmarshal(wire, &res) != nil {
			return
		}
		data, err := decodeResult("id", "tool", &res)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error text")
			}
			return
		}
		if _, err := json.Marshal(data); err != nil {
			t.Fatalf("data %#v is not JSON-encodable: %v", data, err)
		}
	})
}
