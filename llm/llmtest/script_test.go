package llmtest_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm/llmtest"
)

type chatOut struct {
	Choices []struct {
		Message struct {
			Content   *string `json:"content"`
			ToolCalls []struct {
				ID       string `json:"id"`
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
}

func chat(t *testing.T, c *http.Client, srv *llmtest.Server, body string, hdr ...string) (int, chatOut) {
	t.Helper()
	resp, b, err := post(t, c, srv.URL()+"/chat/completions", body, hdr...)
	require.NoError(t, err)
	var out chatOut
	if resp.StatusCode == 200 {
		require.NoError(t, json.Unmarshal(b, &out), string(b))
	}
	return resp.StatusCode, out
}

func content(o chatOut) string {
	if len(o.Choices) == 0 || o.Choices[0].Message.Content == nil {
		return ""
	}
	return *o.Choices[0].Message.Content
}

func TestScripts(t *testing.T) {
	srv := start(t, llmtest.Config{Scripts: []llmtest.Script{
		{Match: `(?i)capital of france`, Times: 2, Reply: llmtest.Reply{Content: "Paris."}},
		{Name: "boom", Times: llmtest.Forever, Reply: llmtest.Reply{Error: &llmtest.ErrorReply{
			Status: 400, Type: "invalid_request_error", Param: "messages", Code: "context_length_exceeded", Message: "too long"}}},
		{Name: "flaky", Reply: llmtest.Reply{Fault: &llmtest.Fault{Kind: llmtest.FaultOverloaded}}},
	}})
	c := httpClient(t)
	q := chatWith("What is the capital of France?", 20)
	for i := 0; i < 2; i++ {
		status, out := chat(t, c, srv, q)
		require.Equal(t, 200, status)
		assert.Equal(t, "Paris.", content(out))
		assert.Equal(t, "stop", out.Choices[0].FinishReason)
	}
	_, out := chat(t, c, srv, q)
	assert.NotEqual(t, "Paris.", content(out), "used up after Times")

	for i := 0; i < 3; i++ {
		resp, b, err := post(t, c, srv.URL()+"/chat/completions", chatBody, llmtest.ScriptHeader, "boom")
		require.NoError(t, err)
		require.Equal(t, 400, resp.StatusCode)
		e := parseErr(t, b)
		assert.Equal(t, "context_length_exceeded", code(e))
		assert.Equal(t, "messages", *e.Error.Param)
	}
	// Named scripts also serve embeddings (errors and faults).
	resp, _, err := post(t, c, srv.URL()+"/embeddings", `{"model":"m","input":"x"}`, llmtest.ScriptHeader, "flaky")
	require.NoError(t, err)
	assert.Equal(t, 503, resp.StatusCode)
	resp, _, err = post(t, c, srv.URL()+"/embeddings", `{"model":"m","input":"x"}`, llmtest.ScriptHeader, "flaky")
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)

	st := srv.Stats()
	assert.Equal(t, int64(3), st.Outcomes[llmtest.OutcomeScriptedError])
	assert.Equal(t, int64(1), st.Outcomes[llmtest.Outcome(llmtest.FaultOverloaded)])

	// Reset restores the configured scripts with fresh counts.
	srv.Reset()
	_, out = chat(t, c, srv, q)
	assert.Equal(t, "Paris.", content(out))
}

func TestScriptFIFOAndHTTPEndpoint(t *testing.T) {
	srv := start(t, llmtest.Config{})
	require.Error(t, srv.AddScript(llmtest.Script{Match: "("}))
	require.NoError(t, srv.AddScript(llmtest.Script{Reply: llmtest.Reply{Content: "first"}}))
	c := httpClient(t)
	resp, b, err := post(t, c, srv.URL()[:len(srv.URL())-3]+"/_sim/script",
		`{"reply":{"tool_calls":[{"name":"lookup","arguments":"{\"q\":1}"}]}}`)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, string(b))

	_, out := chat(t, c, srv, chatBody)
	assert.Equal(t, "first", content(out))
	_, out = chat(t, c, srv, chatBody)
	require.Len(t, out.Choices[0].Message.ToolCalls, 1)
	assert.Nil(t, out.Choices[0].Message.Content)
	assert.Equal(t, "lookup", out.Choices[0].Message.ToolCalls[0].Function.Name)
	assert.Equal(t, `{"q":1}`, out.Choices[0].Message.ToolCalls[0].Function.Arguments)
	assert.NotEmpty(t, out.Choices[0].Message.ToolCalls[0].ID)
	assert.Equal(t, "tool_calls", out.Choices[0].FinishReason)
}

func TestScriptNotUsedByRejectedRequest(t *testing.T) {
	srv := start(t, llmtest.Config{Limits: llmtest.RateLimits{Requests: 1, Window: time.Hour},
		Scripts: []llmtest.Script{{Match: "scripted", Reply: llmtest.Reply{Content: "canned"}}}})
	c := httpClient(t)
	status, _ := chat(t, c, srv, chatBody)
	require.Equal(t, 200, status)
	status, _ = chat(t, c, srv, chatWith("scripted", 5))
	require.Equal(t, 429, status)
	srv.Reset() // refill; the script is restored anyway, so check via AddScript-free path
	status, out := chat(t, c, srv, chatWith("scripted", 5))
	require.Equal(t, 200, status)
	assert.Equal(t, "canned", content(out))
}
