package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/kgas-dev/kgas/llm/llmtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseFault(t *testing.T) {
	r, err := parseFault("rate_limited,before=10s,after=2s,retry_after=2s,p=0.5,from=3,to=9,every=2,endpoint=chat,delay=5ms,stall_for=1s,should_retry=false")
	require.NoError(t, err)
	assert.Equal(t, llmtest.FaultRule{
		Fault: llmtest.Fault{Kind: llmtest.FaultRateLimited, RetryAfter: 2 * time.Second, Delay: 5 * time.Millisecond,
			StallFor: time.Second, ShouldRetry: "false"},
		Endpoint: "chat", Probability: 0.5, FromRequest: 3, ToRequest: 9, EveryNth: 2, After: 2 * time.Second, Before: 10 * time.Second,
	}, r)
	for _, bad := range []string{"overloaded,p", "overloaded,x=1", "overloaded,delay=z"} {
		_, err := parseFault(bad)
		assert.Error(t, err, bad)
	}
}

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-rpm", "5", "-window", "1s", "-latency", "1ms",
			"-fault", "server_error,from=2,to=2"}, pw, io.Discard)
		_ = pw.Close()
	}()
	url, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	url = strings.TrimSpace(url)
	require.True(t, strings.HasSuffix(url, "/v1"), url)

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	for _, want := range []int{200, 500} {
		resp, err := c.Post(url+"/chat/completions", "application/json",
			strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"x"}]}`))
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, want, resp.StatusCode)
		assert.Equal(t, "5", resp.Header.Get("x-ratelimit-limit-requests"))
	}
	cancel()
	require.NoError(t, <-done)
	_, _ = io.Copy(io.Discard, pr)

	assert.Error(t, run(context.Background(), []string{"-latency", "bogus:1"}, io.Discard, io.Discard))
	assert.Error(t, run(context.Background(), []string{"-addr", "0.0.0.0:0"}, io.Discard, io.Discard))
}
