package llmtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm/llmtest"
)

func TestFaultKinds(t *testing.T) {
	type result struct {
		resp *http.Response
		body []byte
		err  error
	}
	apiErr := func(status int, typ, wantCode string) func(*testing.T, result) {
		return func(t *testing.T, r result) {
			require.NoError(t, r.err)
			require.Equal(t, status, r.resp.StatusCode, string(r.body))
			e := parseErr(t, r.body)
			assert.Equal(t, typ, e.Error.Type)
			assert.Equal(t, wantCode, code(e))
		}
	}
	cases := []struct {
		fault  llmtest.Fault
		stream bool
		check  func(*testing.T, result)
	}{
		{fault: llmtest.Fault{Kind: llmtest.FaultServerError}, check: apiErr(500, "server_error", "")},
		{fault: llmtest.Fault{Kind: llmtest.FaultOverloaded}, check: apiErr(503, "service_unavailable_error", "server_is_overloaded")},
		{fault: llmtest.Fault{Kind: llmtest.FaultInsufficientQuota}, check: apiErr(429, "insufficient_quota", "insufficient_quota")},
		{fault: llmtest.Fault{Kind: llmtest.FaultRequestTooLarge, ShouldRetry: "false"}, check: func(t *testing.T, r result) {
			apiErr(429, "tokens", "rate_limit_exceeded")(t, r)
			assert.Contains(t, string(r.body), "Request too large")
			assert.Equal(t, "false", r.resp.Header.Get("x-should-retry"))
		}},
		{fault: llmtest.Fault{Kind: llmtest.FaultRateLimited, RetryAfter: 2 * time.Second}, check: func(t *testing.T, r result) {
			apiErr(429, "requests", "rate_limit_exceeded")(t, r)
			assert.Equal(t, "2", r.resp.Header.Get("retry-after"))
			assert.Equal(t, "2000", r.resp.Header.Get("retry-after-ms"))
			assert.Equal(t, "0", r.resp.Header.Get("x-ratelimit-remaining-requests"))
		}},
		{fault: llmtest.Fault{Kind: llmtest.FaultBadGateway, ShouldRetry: "true"}, check: func(t *testing.T, r result) {
			require.NoError(t, r.err)
			assert.Equal(t, 502, r.resp.StatusCode)
			assert.Equal(t, "text/html", r.resp.Header.Get("Content-Type"))
			assert.Contains(t, string(r.body), "<h1>502 Bad Gateway</h1>")
			assert.Equal(t, "true", r.resp.Header.Get("x-should-retry"))
		}},
		{fault: llmtest.Fault{Kind: llmtest.FaultErrorIn200}, check: func(t *testing.T, r result) {
			require.NoError(t, r.err)
			assert.Equal(t, 200, r.resp.StatusCode)
			assert.Equal(t, "server_error", parseErr(t, r.body).Error.Type)
		}},
		{fault: llmtest.Fault{Kind: llmtest.FaultErrorIn200}, stream: true, check: func(t *testing.T, r result) {
			require.NoError(t, r.err)
			assert.Equal(t, 200, r.resp.StatusCode)
			assert.True(t, strings.HasPrefix(string(r.body), `data: {"error":{`), string(r.body))
		}},
		{fault: llmtest.Fault{Kind: llmtest.FaultMalformedJSON}, check: func(t *testing.T, r result) {
			require.NoError(t, r.err)
			assert.Equal(t, 200, r.resp.StatusCode)
			assert.False(t, json.Valid(r.body))
			assert.NotEmpty(t, r.body)
		}},
		{fault: llmtest.Fault{Kind: llmtest.FaultMalformedJSON}, stream: true, check: func(t *testing.T, r result) {
			require.NoError(t, r.err)
			assert.Contains(t, string(r.body), "data: {\"id\":\"chatcmpl-\n\n")
		}},
		{fault: llmtest.Fault{Kind: llmtest.FaultResetBeforeHeaders}, check: func(t *testing.T, r result) {
			require.Error(t, r.err)
			assert.Nil(t, r.resp)
		}},
		{fault: llmtest.Fault{Kind: llmtest.FaultResetMidBody}, check: func(t *testing.T, r result) {
			require.NotNil(t, r.resp)
			assert.Equal(t, 200, r.resp.StatusCode)
			require.Error(t, r.err)
		}},
		{fault: llmtest.Fault{Kind: llmtest.FaultResetMidBody}, stream: true, check: func(t *testing.T, r result) {
			require.NotNil(t, r.resp)
			require.Error(t, r.err)
			assert.Contains(t, string(r.body), "data: {")
		}},
		{fault: llmtest.Fault{Kind: llmtest.FaultTruncated}, check: func(t *testing.T, r result) {
			require.NotNil(t, r.resp)
			assert.Greater(t, r.resp.ContentLength, int64(len(r.body)))
			require.ErrorContains(t, r.err, "unexpected EOF")
		}},
		{fault: llmtest.Fault{Kind: llmtest.FaultTruncated}, stream: true, check: func(t *testing.T, r result) {
			require.NotNil(t, r.resp)
			assert.NotContains(t, string(r.body), "[DONE]")
		}},
		{fault: llmtest.Fault{Kind: llmtest.FaultStall, StallFor: 50 * time.Millisecond}, check: func(t *testing.T, r result) {
			require.NotNil(t, r.resp)
			assert.Equal(t, 200, r.resp.StatusCode)
			require.Error(t, r.err)
		}},
	}
	for _, tc := range cases {
		name := string(tc.fault.Kind)
		if tc.stream {
			name += "/stream"
		}
		t.Run(name, func(t *testing.T) {
			srv := start(t, llmtest.Config{
				Limits: llmtest.RateLimits{Requests: 100, Tokens: 100000},
				Faults: []llmtest.FaultRule{{Fault: tc.fault}},
			})
			body := chatBody
			if tc.stream {
				body = `{"model":"m","stream":true,"messages":[{"role":"user","content":"tell me a long story"}],"max_tokens":100}`
			}
			var r result
			r.resp, r.body, r.err = post(t, httpClient(t), srv.URL()+"/chat/completions", body)
			tc.check(t, r)
			// The handler records after the connection effect; wait for it.
			require.Eventually(t, func() bool { return srv.Stats().InFlight == 0 }, 5*time.Second, time.Millisecond)
			st := srv.Stats()
			assert.Equal(t, int64(1), st.Outcomes[llmtest.Outcome(tc.fault.Kind)], "%v", st.Outcomes)
			if r.resp != nil && tc.fault.Kind != llmtest.FaultStall {
				assert.NotEmpty(t, r.resp.Header.Get("x-ratelimit-limit-requests"))
			}
		})
	}
}

func TestFaultStallClientGivesUp(t *testing.T) {
	srv := start(t, llmtest.Config{Faults: []llmtest.FaultRule{{Fault: llmtest.Fault{Kind: llmtest.FaultStall, StallFor: time.Minute}}}})
	c := httpClient(t)
	c.Timeout = 100 * time.Millisecond
	began := time.Now()
	_, _, err := post(t, c, srv.URL()+"/chat/completions", chatBody)
	require.Error(t, err)
	assert.Less(t, time.Since(began), 5*time.Second)
	require.Eventually(t, func() bool { return srv.Stats().InFlight == 0 }, 5*time.Second, 5*time.Millisecond,
		"server stops stalling once the client is gone")
}

func TestFaultRejectsDoNotConsume(t *testing.T) {
	srv := start(t, llmtest.Config{
		Limits: llmtest.RateLimits{Requests: 5},
		Faults: []llmtest.FaultRule{
			{Fault: llmtest.Fault{Kind: llmtest.FaultInsufficientQuota}, ToRequest: 1},
			{Fault: llmtest.Fault{Kind: llmtest.FaultServerError}, FromRequest: 2, ToRequest: 2},
		},
	})
	c := httpClient(t)
	resp, _, err := post(t, c, srv.URL()+"/chat/completions", chatBody)
	require.NoError(t, err)
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "5", resp.Header.Get("x-ratelimit-remaining-requests"))
	resp, _, err = post(t, c, srv.URL()+"/chat/completions", chatBody)
	require.NoError(t, err)
	assert.Equal(t, 500, resp.StatusCode)
	assert.Equal(t, "4", resp.Header.Get("x-ratelimit-remaining-requests"), "failed attempts are charged")
}

// outcomes sends n chat requests with distinct bodies and returns statuses.
func outcomes(t *testing.T, srv *llmtest.Server, n int, endpoint string) []int {
	c := httpClient(t)
	out := make([]int, n)
	for i := range out {
		body := chatWith(fmt.Sprintf("request %d", i), 5)
		path := "/chat/completions"
		if endpoint == "embeddings" {
			body, path = fmt.Sprintf(`{"model":"m","input":"text %d","dimensions":8}`, i), "/embeddings"
		}
		resp, _, err := post(t, c, srv.URL()+path, body)
		require.NoError(t, err)
		out[i] = resp.StatusCode
	}
	return out
}

func TestFaultRuleMatching(t *testing.T) {
	fault := llmtest.Fault{Kind: llmtest.FaultServerError}
	t.Run("ordinal range", func(t *testing.T) {
		srv := start(t, llmtest.Config{Faults: []llmtest.FaultRule{{Fault: fault, FromRequest: 3, ToRequest: 4}}})
		assert.Equal(t, []int{200, 200, 500, 500, 200}, outcomes(t, srv, 5, "chat"))
	})
	t.Run("from request onwards", func(t *testing.T) {
		srv := start(t, llmtest.Config{Faults: []llmtest.FaultRule{{Fault: fault, FromRequest: 4}}})
		assert.Equal(t, []int{200, 200, 200, 500, 500}, outcomes(t, srv, 5, "chat"))
	})
	t.Run("every nth", func(t *testing.T) {
		srv := start(t, llmtest.Config{Faults: []llmtest.FaultRule{{Fault: fault, EveryNth: 3}}})
		assert.Equal(t, []int{200, 200, 500, 200, 200, 500}, outcomes(t, srv, 6, "chat"))
	})
	t.Run("endpoint", func(t *testing.T) {
		srv := start(t, llmtest.Config{Faults: []llmtest.FaultRule{{Fault: fault, Endpoint: "embeddings"}}})
		assert.Equal(t, []int{200, 200}, outcomes(t, srv, 2, "chat"))
		assert.Equal(t, []int{500, 500}, outcomes(t, srv, 2, "embeddings"))
	})
	t.Run("time window and reset", func(t *testing.T) {
		srv := start(t, llmtest.Config{Faults: []llmtest.FaultRule{{Fault: fault, Before: 150 * time.Millisecond}}})
		assert.Equal(t, []int{500}, outcomes(t, srv, 1, "chat"))
		time.Sleep(200 * time.Millisecond)
		assert.Equal(t, []int{200}, outcomes(t, srv, 1, "chat"))
		srv.Reset()
		assert.Equal(t, []int{500}, outcomes(t, srv, 1, "chat"), "Reset restarts the clock")
	})
	t.Run("probability is seeded", func(t *testing.T) {
		cfg := llmtest.Config{Seed: 7, Faults: []llmtest.FaultRule{{Fault: fault, Probability: 0.3}}}
		a := outcomes(t, start(t, cfg), 300, "chat")
		b := outcomes(t, start(t, cfg), 300, "chat")
		assert.Equal(t, a, b, "same seed, same outcomes")
		n := 0
		for _, s := range a {
			if s == 500 {
				n++
			}
		}
		assert.InDelta(t, 90, n, 30)
		cfg.Seed = 8
		assert.NotEqual(t, a, outcomes(t, start(t, cfg), 300, "chat"))
	})
}

func TestStormWithOfficialClient(t *testing.T) {
	// A 429 storm for the first 300ms with retry-after-ms 100: openai-go
	// retries after the hinted delay and gets through after the window.
	srv := start(t, llmtest.Config{Faults: []llmtest.FaultRule{{
		Fault:  llmtest.Fault{Kind: llmtest.FaultRateLimited, RetryAfter: 200 * time.Millisecond},
		Before: 300 * time.Millisecond,
	}}})
	client := openai.NewClient(optionsFor(t, srv, 4)...)
	res, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	})
	require.NoError(t, err)
	assert.NotEmpty(t, res.Choices[0].Message.Content)
	st := srv.Stats()
	assert.GreaterOrEqual(t, st.Outcomes[llmtest.Outcome(llmtest.FaultRateLimited)], int64(1))
	assert.Equal(t, int64(1), st.Outcomes[llmtest.OutcomeOK])
	assert.Equal(t, 1, st.Attempts.Logical, "retries of one body are one logical request")
	assert.Equal(t, int(st.Received), st.Attempts.Max)
}
