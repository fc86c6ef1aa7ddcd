package openai_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
)

var hello = llm.ChatRequest{Messages: []llm.Message{llm.User("hello")}}

// always returns a rule applying f to every request of endpoint ("" for
// both).
func always(kind llmtest.FaultKind, endpoint string) llmtest.FaultRule {
	return llmtest.FaultRule{Fault: llmtest.Fault{Kind: kind}, Endpoint: endpoint}
}

func TestErrorsTyped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		rule   llmtest.FaultRule
		opts   []openai.Option
		want   error
		status int
	}{
		{"quota", always(llmtest.FaultInsufficientQuota, ""), nil, llm.ErrQuotaExhausted, 429},
		{"rate limited", always(llmtest.FaultRateLimited, ""),
			[]openai.Option{openai.WithAPIClientOptions(apiclient.WithMaxAttempts(2))}, llm.ErrRateLimited, 429},
		// OpenAI marks its "Request too large" 429 with x-should-retry: false.
		{"too large", llmtest.FaultRule{Fault: llmtest.Fault{Kind: llmtest.FaultRequestTooLarge, ShouldRetry: "false"}}, nil, llm.ErrRequestTooLarge, 429},
		{"overloaded", always(llmtest.FaultOverloaded, ""),
			[]openai.Option{openai.WithAPIClientOptions(apiclient.WithMaxAttempts(2))}, nil, 503},
		{"server error", always(llmtest.FaultServerError, ""),
			[]openai.Option{openai.WithAPIClientOptions(apiclient.WithMaxAttempts(2))}, nil, 500},
		{"error in 200", always(llmtest.FaultErrorIn200, ""),
			[]openai.Option{openai.WithAPIClientOptions(apiclient.WithMaxAttempts(2))}, nil, 200},
	}
	for _, tt := range tests {
		for _, endpoint := range []string{"chat", "embeddings"} {
			t.Run(tt.name+"/"+endpoint, func(t *testing.T) {
				t.Parallel()
				srv := start(t, llmtest.Config{Faults: []llmtest.FaultRule{tt.rule}})
				c := client(t, srv, tt.opts...)
				var err error
				if endpoint == "chat" {
					_, err = c.Chat(context.Background(), hello)
				} else {
					_, err = c.Embed(context.Background(), []string{"a", "b"})
				}
				require.Error(t, err)
				if tt.want != nil {
					assert.ErrorIs(t, err, tt.want)
				}
				for _, other := range []error{llm.ErrQuotaExhausted, llm.ErrRateLimited, llm.ErrRequestTooLarge, llm.ErrInvalidRequest} {
					if other != tt.want {
						assert.NotErrorIs(t, err, other)
					}
				}
				var ae *llm.APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tt.status, ae.StatusCode)
				assert.NotContains(t, err.Error(), testKey)
			})
		}
	}
}

func TestQuotaIsSticky(t *testing.T) {
	t.Parallel()
	srv := start(t, llmtest.Config{Faults: []llmtest.FaultRule{{Fault: llmtest.Fault{Kind: llmtest.FaultInsufficientQuota}, FromRequest: 1, ToRequest: 1}}})
	c := client(t, srv)
	_, err := c.Chat(context.Background(), hello)
	require.ErrorIs(t, err, llm.ErrQuotaExhausted)
	// Later requests fail at once, unsent, though the server would answer.
	_, err = c.Embed(context.Background(), []string{"a"})
	require.ErrorIs(t, err, llm.ErrQuotaExhausted)
	_, err = c.ChatStream(context.Background(), hello, nil)
	require.ErrorIs(t, err, llm.ErrQuotaExhausted)
	assert.Equal(t, int64(1), srv.Stats().Received)
}

func TestCircuitOpen(t *testing.T) {
	t.Parallel()
	srv := start(t, llmtest.Config{Faults: []llmtest.FaultRule{always(llmtest.FaultServerError, "")}})
	c := client(t, srv, openai.WithAPIClientOptions(apiclient.WithMaxAttempts(1), apiclient.WithBreaker(2, time.Minute)))
	for range 2 {
		_, err := c.Chat(context.Background(), hello)
		require.Error(t, err)
		assert.NotErrorIs(t, err, llm.ErrCircuitOpen)
	}
	_, err := c.Chat(context.Background(), hello)
	require.ErrorIs(t, err, llm.ErrCircuitOpen)
	assert.Equal(t, int64(2), srv.Stats().Received)
}

// Faults that a retry cures are invisible to the caller, mid-body ones
// included.
func TestTransientFaultsRetried(t *testing.T) {
	t.Parallel()
	for _, kind := range []llmtest.FaultKind{
		llmtest.FaultTruncated, llmtest.FaultResetMidBody, llmtest.FaultResetBeforeHeaders,
		llmtest.FaultBadGateway, llmtest.FaultOverloaded, llmtest.FaultRateLimited, llmtest.FaultErrorIn200,
	} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			srv := start(t, llmtest.Config{Faults: []llmtest.FaultRule{
				{Fault: llmtest.Fault{Kind: kind, RetryAfter: time.Millisecond}, FromRequest: 1, ToRequest: 1},
				{Fault: llmtest.Fault{Kind: kind, RetryAfter: time.Millisecond}, FromRequest: 3, ToRequest: 3},
			}})
			c := client(t, srv)
			r, err := c.Chat(context.Background(), hello)
			require.NoError(t, err)
			assert.NotEmpty(t, r.Message.Content)
			v, err := c.Embed(context.Background(), []string{"a", "b"})
			require.NoError(t, err)
			assert.Len(t, v, 2)
			assert.Equal(t, int64(4), srv.Stats().Received)
		})
	}
}

func TestInvalidRequests(t *testing.T) {
	t.Parallel()
	srv := start(t, llmtest.Config{RejectUnknownModels: true, Scripts: []llmtest.Script{{
		Match: "server says no",
		Reply: llmtest.Reply{Error: &llmtest.ErrorReply{Status: 400, Type: "invalid_request_error", Param: "messages[0].content", Message: "nope"}},
	}}})
	c := client(t, srv)
	ctx := context.Background()

	// Client-side validation: nothing is sent.
	for _, req := range []llm.ChatRequest{
		{},
		{Messages: []llm.Message{{Role: "robot", Content: "x"}}},
		{Messages: []llm.Message{{Role: llm.RoleTool, Content: "x"}}},
		{Messages: hello.Messages, MaxTokens: -1},
		{Messages: hello.Messages, Temperature: ptr(3.0)},
	} {
		_, err := c.Chat(ctx, req)
		require.ErrorIs(t, err, llm.ErrInvalidRequest)
		res := llm.ChatBatch(ctx, c, []llm.ChatRequest{req, hello})
		require.ErrorIs(t, res[0].Err, llm.ErrInvalidRequest)
		require.NoError(t, res[1].Err)
	}
	assert.Equal(t, int64(5), srv.Stats().Received)

	// The server's 400 names its param.
	_, err := c.Chat(ctx, llm.ChatRequest{Messages: []llm.Message{llm.User("server says no")}})
	var ie *llm.InvalidRequestError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "messages[0].content", ie.Field)
	var ae *llm.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 400, ae.StatusCode)
	assert.Equal(t, 1, ae.Attempts)

	// An unknown model is a 404 naming the model.
	_, err = c.Chat(ctx, llm.ChatRequest{Model: "no-such-model", Messages: hello.Messages})
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "model", ie.Field)
}

func TestContextEnds(t *testing.T) {
	t.Parallel()
	srv := start(t, llmtest.Config{Latency: llmtest.FixedLatency(5 * time.Second)})
	c := client(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Chat(ctx, hello)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = c.Embed(ctx, []string{"a"})
	require.True(t, errors.Is(err, context.Canceled), err)
}

// A server message echoing the key does not carry it into the error.
func TestErrorScrubsKey(t *testing.T) {
	t.Parallel()
	srv := start(t, llmtest.Config{Scripts: []llmtest.Script{{
		Match: "bad key",
		Reply: llmtest.Reply{Error: &llmtest.ErrorReply{Status: 401, Type: "invalid_request_error", Code: "invalid_api_key",
			Message: "Incorrect API key provided: " + testKey + "."}},
	}, {
		Match: "bad param",
		Reply: llmtest.Reply{Error: &llmtest.ErrorReply{Status: 400, Type: "invalid_request_error", Param: "messages",
			Message: "key " + testKey + " rejected"}},
	}}})
	c := client(t, srv)
	_, err := c.Chat(context.Background(), llm.ChatRequest{Messages: []llm.Message{llm.User("bad key")}})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testKey)
	assert.Contains(t, err.Error(), "REDACTED")
	var ae *llm.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 401, ae.StatusCode)

	_, err = c.Chat(context.Background(), llm.ChatRequest{Messages: []llm.Message{llm.User("bad param")}})
	require.ErrorIs(t, err, llm.ErrInvalidRequest)
	assert.NotContains(t, err.Error(), testKey)
}
