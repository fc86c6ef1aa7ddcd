package llm_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm"
)

func TestEstimateChatTokens(t *testing.T) {
	t.Parallel()
	c4 := func(n int) int { return (n + 3) / 4 }
	tool := llm.ToolDef{Name: "f", Parameters: json.RawMessage(`{"type": "object"}`)}
	toolsJSON := `[{"function":{"name":"f","parameters":{"type":"object"}},"type":"function"}]`
	call := llm.ToolCall{ID: "c", Name: "f", Arguments: json.RawMessage(`{"a":1}`)}
	callsJSON := `[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]`
	tests := []struct {
		name string
		req  llm.ChatRequest
		want int
	}{
		{"one message, default max", llm.ChatRequest{Messages: []llm.Message{llm.User("hello")}}, 2 + 4 + c4(5) + llm.DefaultMaxTokens},
		{"n and max", llm.ChatRequest{Messages: []llm.Message{llm.User("hello")}, MaxTokens: 10, N: 3}, 2 + 4 + 2 + 30},
		{"utf-8 bytes", llm.ChatRequest{Messages: []llm.Message{llm.User("ééé")}, MaxTokens: 1}, 2 + 4 + c4(6) + 1},
		{"tools and calls", llm.ChatRequest{
			Messages: []llm.Message{llm.User("x"), {Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{call}}, llm.ToolResult("c", "ok")},
			Tools:    []llm.ToolDef{tool}, MaxTokens: 5,
		}, 2 + c4(len(toolsJSON)) + (4 + 1) + (4 + c4(len(callsJSON))) + (4 + 1) + 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, llm.EstimateChatTokens(tt.req))
			allowance := tt.req.MaxTokens
			if allowance == 0 {
				allowance = llm.DefaultMaxTokens
			}
			allowance *= max(tt.req.N, 1)
			assert.Equal(t, tt.want-allowance, llm.EstimatePromptTokens(tt.req))
		})
	}
	// The body estimate of the wire form agrees with the request estimate.
	body := `{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":` + callsJSON +
		`},{"role":"tool","content":"ok","tool_call_id":"c"}],"tools":` + toolsJSON + `,"max_tokens":5}`
	assert.Equal(t, tests[3].want, llm.BodyCost([]byte(body)))
}

func TestEstimateEmbedTokens(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 0, llm.EstimateEmbedTokens(nil))
	assert.Equal(t, 1+2+1, llm.EstimateEmbedTokens([]string{"a", "abcdefgh", "abcd"}))
}

func TestBodyCost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       int
	}{
		{"chat default", `{"messages":[{"role":"user","content":"abcd"}]}`, 2 + 5 + 1024},
		{"chat parts", `{"messages":[{"role":"user","content":[{"type":"text","text":"abcd"},{"type":"text","text":"e"}]}],"max_tokens":1}`, 2 + 4 + 2 + 1},
		{"completion tokens win", `{"messages":[],"max_tokens":100,"max_completion_tokens":7,"n":2}`, 2 + 14},
		{"null content", `{"messages":[{"role":"assistant","content":null}],"max_tokens":1}`, 2 + 4 + 1},
		{"embed string", `{"input":"abcde"}`, 2},
		{"embed strings", `{"input":["abcde","a"]}`, 3},
		{"embed tokens", `{"input":[1,2,3]}`, 3},
		{"embed token arrays", `{"input":[[1,2],[3]]}`, 3},
		{"garbage", `not json at all`, 4},
		{"unknown shape", `{"foo":1}`, 3},
		{"bad input", `{"input":{"x":1}}`, 5},
		{"huge max", `{"messages":[],"max_tokens":9223372036854775807,"n":1000}`, 2147483647},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, llm.BodyCost([]byte(tt.body)))
		})
	}
}

func TestCostFunc(t *testing.T) {
	t.Parallel()
	cost := llm.CostFunc()
	body := `{"model":"m","messages":[{"role":"user","content":"abcdefgh"}],"max_tokens":3}`
	req, err := http.NewRequest(http.MethodPost, "http://x/v1/chat/completions", strings.NewReader(body))
	require.NoError(t, err)
	assert.Equal(t, 2+4+2+3, cost(req))
	// The body itself is left unread.
	b := new(bytes.Buffer)
	_, err = b.ReadFrom(req.Body)
	require.NoError(t, err)
	assert.Equal(t, body, b.String())

	// Without GetBody: the content-length estimate.
	req2, err := http.NewRequest(http.MethodPost, "http://x", nil)
	require.NoError(t, err)
	req2.ContentLength = 40
	assert.Equal(t, 10, cost(req2))
	assert.Equal(t, 0, cost(nil))
}

func FuzzBodyCost(f *testing.F) {
	for _, s := range []string{
		`{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function"}],"n":2,"max_tokens":3}`,
		`{"input":["a","b"]}`, `{"input":[[1],[2,3]]}`, `{"messages":[{"content":[{"text":"x"}]}]}`,
		`{"messages":null,"input":null}`, `{"n":-5,"max_tokens":-9,"messages":[]}`, `[`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n := llm.BodyCost(body)
		if n < 0 {
			t.Fatalf("negative cost %d", n)
		}
		req, err := http.NewRequest(http.MethodPost, "http://x", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if got := llm.CostFunc()(req); got != n {
			t.Fatalf("CostFunc %d, BodyCost %d", got, n)
		}
	})
}
