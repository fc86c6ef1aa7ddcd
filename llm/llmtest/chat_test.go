package llmtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm/llmtest"
)

func TestBadRequests(t *testing.T) {
	srv := start(t, llmtest.Config{RejectUnknownModels: true})
	c := httpClient(t)
	cases := []struct {
		path, body string
		status     int
		param      string
	}{
		{"/chat/completions", `{"model":`, 400, ""},
		{"/chat/completions", `not json`, 400, ""},
		{"/chat/completions", `{"messages":[{"role":"user","content":"x"}]}`, 400, "model"},
		{"/chat/completions", `{"model":"gpt-4o-mini"}`, 400, "messages"},
		{"/chat/completions", `{"model":"gpt-4o-mini","messages":[]}`, 400, "messages"},
		{"/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"robot","content":"x"}]}`, 400, "messages[0].role"},
		{"/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"n":0}`, 400, "n"},
		{"/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"max_tokens":-1}`, 400, "max_tokens"},
		{"/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"max_tokens":"a"}`, 400, "max_tokens"},
		{"/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"tool_choice":"auto"}`, 400, "tool_choice"},
		{"/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"response_format":{"type":"yaml"}}`, 400, "response_format.type"},
		{"/chat/completions", `{"model":"nope","messages":[{"role":"user","content":"x"}]}`, 404, "model"},
		{"/embeddings", `{"input":"x"}`, 400, "model"},
		{"/embeddings", `{"model":"text-embedding-3-small"}`, 400, "input"},
		{"/embeddings", `{"model":"text-embedding-3-small","input":""}`, 400, "input"},
		{"/embeddings", `{"model":"text-embedding-3-small","input":[]}`, 400, "input"},
		{"/embeddings", `{"model":"text-embedding-3-small","input":"x","dimensions":0}`, 400, "dimensions"},
		{"/embeddings", `{"model":"text-embedding-3-small","input":"x","encoding_format":"int8"}`, 400, "encoding_format"},
	}
	for _, tc := range cases {
		resp, b, err := post(t, c, srv.URL()+tc.path, tc.body)
		require.NoError(t, err)
		require.Equal(t, tc.status, resp.StatusCode, "%s: %s", tc.body, b)
		e := parseErr(t, b)
		assert.Equal(t, "invalid_request_error", e.Error.Type, tc.body)
		if tc.param == "" {
			assert.Nil(t, e.Error.Param, tc.body)
		} else if assert.NotNil(t, e.Error.Param, tc.body) {
			assert.Equal(t, tc.param, *e.Error.Param, tc.body)
		}
		assert.NotEmpty(t, resp.Header.Get("x-ratelimit-remaining-requests"))
	}
	assert.Equal(t, int64(len(cases)-1), srv.Stats().Outcomes[llmtest.OutcomeBadRequest])
}

func TestChatDeterminismAndLength(t *testing.T) {
	srv := start(t, llmtest.Config{})
	c := httpClient(t)
	_, a := chat(t, c, srv, chatWith("same question", 500))
	_, b := chat(t, c, srv, chatWith("same question", 500))
	_, other := chat(t, c, srv, chatWith("other question", 500))
	assert.Equal(t, content(a), content(b))
	assert.NotEqual(t, content(a), content(other))
	assert.Equal(t, len(strings.Fields(content(a))), a.Usage.CompletionTokens)

	_, short := chat(t, c, srv, chatWith("same question", 3))
	assert.Equal(t, "length", short.Choices[0].FinishReason)
	assert.Len(t, strings.Fields(content(short)), 3)
	assert.True(t, strings.HasPrefix(content(a), content(short)))
}

func TestDefaultToolCallAndJSONObject(t *testing.T) {
	srv := start(t, llmtest.Config{})
	c := httpClient(t)
	tools := `"tools":[{"type":"function","function":{"name":"search","parameters":{"type":"object","properties":{"q":{"type":"string"},"k":{"type":"integer"}},"required":["q"]}}}]`
	_, out := chat(t, c, srv, `{"model":"m","messages":[{"role":"user","content":"please call:search now"}],`+tools+`}`)
	require.Len(t, out.Choices[0].Message.ToolCalls, 1)
	var args struct {
		Q string `json:"q"`
		K *int   `json:"k"`
	}
	require.NoError(t, json.Unmarshal([]byte(out.Choices[0].Message.ToolCalls[0].Function.Arguments), &args))
	assert.NotEmpty(t, args.Q)
	assert.NotNil(t, args.K)

	_, out = chat(t, c, srv, `{"model":"m","messages":[{"role":"user","content":"hello"}],`+tools+`}`)
	assert.Empty(t, out.Choices[0].Message.ToolCalls, "auto without call: replies with text")
	_, out = chat(t, c, srv, `{"model":"m","tool_choice":"required","messages":[{"role":"user","content":"hello"}],`+tools+`}`)
	assert.Len(t, out.Choices[0].Message.ToolCalls, 1)
	_, out = chat(t, c, srv, `{"model":"m","tool_choice":"none","messages":[{"role":"user","content":"call:search"}],`+tools+`}`)
	assert.Empty(t, out.Choices[0].Message.ToolCalls)

	_, out = chat(t, c, srv, `{"model":"m","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"hello"}]}`)
	var obj map[string]any
	require.NoError(t, json.Unmarshal([]byte(content(out)), &obj))
}

func TestLatencyAndCancellation(t *testing.T) {
	srv := start(t, llmtest.Config{Latency: llmtest.FixedLatency(150 * time.Millisecond)})
	c := httpClient(t)
	began := time.Now()
	status, _ := chat(t, c, srv, chatBody)
	require.Equal(t, 200, status)
	assert.GreaterOrEqual(t, time.Since(began), 150*time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/chat/completions", strings.NewReader(chatBody))
	require.NoError(t, err)
	_, err = c.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Eventually(t, func() bool { return srv.Stats().Outcomes[llmtest.OutcomeCanceled] == 1 },
		5*time.Second, 5*time.Millisecond, "the server notices the client left and stops")
	assert.Equal(t, int64(0), srv.Stats().InFlight)
}

func TestStreamTokenDelay(t *testing.T) {
	srv := start(t, llmtest.Config{TokenDelay: 5 * time.Millisecond, Latency: llmtest.FixedLatency(20 * time.Millisecond)})
	c := httpClient(t)
	began := time.Now()
	resp, b, err := post(t, c, srv.URL()+"/chat/completions",
		`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}],"max_tokens":10}`)
	require.NoError(t, err)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	assert.GreaterOrEqual(t, time.Since(began), 20*time.Millisecond+9*5*time.Millisecond)
	assert.True(t, strings.HasSuffix(string(b), "data: [DONE]\n\n"))
}

func TestStatsAndAttempts(t *testing.T) {
	srv := start(t, llmtest.Config{Latency: llmtest.FixedLatency(50 * time.Millisecond),
		Faults: []llmtest.FaultRule{{Fault: llmtest.Fault{Kind: llmtest.FaultServerError}, ToRequest: 2}}})
	c := httpClient(t)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Go(func() {
			_, _, err := post(t, c, srv.URL()+"/chat/completions", chatBody, "X-Request-Id", "logical-"+string(rune('a'+i)))
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	for i := 0; i < 2; i++ { // the retries
		_, _, err := post(t, c, srv.URL()+"/chat/completions", chatBody, "X-Request-Id", "logical-"+string(rune('a'+i)))
		require.NoError(t, err)
	}
	_, _, err := post(t, c, srv.URL()+"/chat/completions", chatBody, "Idempotency-Key", "other")
	require.NoError(t, err)

	st := srv.Stats()
	assert.Equal(t, int64(5), st.Received)
	assert.Equal(t, int64(2), st.Outcomes[llmtest.Outcome(llmtest.FaultServerError)])
	assert.Equal(t, int64(3), st.Outcomes[llmtest.OutcomeOK])
	assert.Equal(t, map[string]int{"logical-a": 2, "logical-b": 2, "other": 1}, st.Attempts.ByID)
	assert.Equal(t, map[int]int{1: 1, 2: 2}, st.Attempts.Histogram)
	assert.Equal(t, 2, st.Attempts.Max)
	assert.GreaterOrEqual(t, st.MaxInFlight, int64(1))
	require.Len(t, st.Timeline, 5)
	for _, r := range st.Timeline {
		assert.LessOrEqual(t, r.Start, r.End)
		assert.NotEmpty(t, r.Outcome)
	}

	// The same over HTTP.
	base := strings.TrimSuffix(srv.URL(), "/v1")
	resp, err := c.Get(base + "/_sim/stats?timeline=0")
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	var js llmtest.Stats
	require.NoError(t, json.Unmarshal(b, &js))
	assert.Equal(t, int64(5), js.Received)
	assert.Empty(t, js.Timeline)
	assert.Equal(t, int64(3), js.Outcomes["ok"])

	resp, _, err = post(t, c, base+"/_sim/reset", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, int64(0), srv.Stats().Received)
}

func TestTimelineBounded(t *testing.T) {
	srv := start(t, llmtest.Config{TimelineCap: 3})
	outcomes(t, srv, 5, "chat")
	st := srv.Stats()
	assert.Len(t, st.Timeline, 3)
	assert.Equal(t, int64(2), st.TimelineDropped)
}

func TestModels(t *testing.T) {
	srv := start(t, llmtest.Config{})
	c := httpClient(t)
	resp, err := c.Get(srv.URL() + "/models")
	require.NoError(t, err)
	var list struct {
		Object string `json:"object"`
		Data   []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, "list", list.Object)
	assert.Equal(t, llmtest.DefaultChatModel, list.Data[0].ID)
	resp, err = c.Get(srv.URL() + "/models/unknown")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, 404, resp.StatusCode)
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []llmtest.Config{
		{Addr: "0.0.0.0:0"},
		{Addr: "8.8.8.8:0"},
		{Faults: []llmtest.FaultRule{{Fault: llmtest.Fault{Kind: "nope"}}}},
		{Faults: []llmtest.FaultRule{{Fault: llmtest.Fault{Kind: llmtest.FaultStall}, Probability: 2}}},
		{Scripts: []llmtest.Script{{Match: "["}}},
		{Latency: llmtest.UniformLatency(2, 1)},
	} {
		_, err := llmtest.NewServer(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
	for _, s := range []string{"0", "", "100ms", "fixed:1s", "uniform:1ms-5ms", "lognormal:400ms,0.5"} {
		l, err := llmtest.ParseLatency(s)
		require.NoError(t, err, s)
		again, err := llmtest.ParseLatency(l.String())
		require.NoError(t, err)
		assert.Equal(t, l, again)
	}
	_, err := llmtest.ParseLatency("gamma:1s")
	assert.Error(t, err)
}
