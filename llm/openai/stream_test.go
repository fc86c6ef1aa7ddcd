package openai_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/llmtest"
)

func TestChatStream(t *testing.T) {
	t.Parallel()
	srv := start(t, llmtest.Config{})
	c := client(t, srv)
	req := llm.ChatRequest{Messages: []llm.Message{llm.User("tell me about graphs")}, N: 2}
	whole, err := c.Chat(context.Background(), req)
	require.NoError(t, err)

	var text [2]strings.Builder
	var usage *llm.Usage
	r, err := c.ChatStream(context.Background(), req, func(d llm.ChatDelta) error {
		if d.Usage != nil {
			usage = d.Usage
			return nil
		}
		text[d.Choice].WriteString(d.Content)
		return nil
	})
	require.NoError(t, err)
	require.Len(t, r.Choices, 2)
	for i := range 2 {
		assert.Equal(t, whole.Choices[i].Message.Content, r.Choices[i].Message.Content)
		assert.Equal(t, r.Choices[i].Message.Content, text[i].String())
		assert.Equal(t, llm.FinishStop, r.Choices[i].FinishReason)
	}
	require.NotNil(t, usage)
	assert.Equal(t, whole.Usage, r.Usage)
	assert.Equal(t, *usage, r.Usage)

	// A nil callback is allowed.
	_, err = c.ChatStream(context.Background(), req, nil)
	require.NoError(t, err)

	// Invalid requests are rejected before sending.
	before := srv.Stats().Received
	_, err = c.ChatStream(context.Background(), llm.ChatRequest{}, nil)
	require.ErrorIs(t, err, llm.ErrInvalidRequest)
	assert.Equal(t, before, srv.Stats().Received)
}

func TestChatStreamStops(t *testing.T) {
	t.Parallel()
	// 100 ms between chunks: a stream of ~10+ words lasts a second or more.
	srv := start(t, llmtest.Config{TokenDelay: 100 * time.Millisecond})
	c := client(t, srv)
	req := llm.ChatRequest{Messages: []llm.Message{llm.User("a long answer please")}}

	t.Run("callback error", func(t *testing.T) {
		stop := errors.New("enough")
		start := time.Now()
		n := 0
		_, err := c.ChatStream(context.Background(), req, func(d llm.ChatDelta) error {
			n++
			return stop
		})
		require.ErrorIs(t, err, stop)
		assert.Equal(t, 1, n)
		assert.Less(t, time.Since(start), time.Second)
	})
	t.Run("cancel mid-stream", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var canceledAt time.Time
		n := 0
		_, err := c.ChatStream(ctx, req, func(d llm.ChatDelta) error {
			n++
			if n == 2 {
				canceledAt = time.Now()
				cancel()
			}
			return nil
		})
		require.ErrorIs(t, err, context.Canceled)
		assert.Less(t, time.Since(canceledAt), 500*time.Millisecond)
		assert.Equal(t, 2, n)
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		defer cancel()
		_, err := c.ChatStream(ctx, req, nil)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
	// goleak in TestMain checks that no goroutine outlives the streams.
}

func TestChatStreamFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind llmtest.FaultKind
		want error
	}{
		{llmtest.FaultInsufficientQuota, llm.ErrQuotaExhausted},
		{llmtest.FaultErrorIn200, nil}, // a server_error event: an *llm.APIError
		{llmtest.FaultTruncated, llm.ErrBadResponse},
		{llmtest.FaultMalformedJSON, llm.ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Parallel()
			srv := start(t, llmtest.Config{Faults: []llmtest.FaultRule{{Fault: llmtest.Fault{Kind: tt.kind}}}})
			c := client(t, srv)
			_, err := c.ChatStream(context.Background(), llm.ChatRequest{Messages: []llm.Message{llm.User("hi")}}, nil)
			require.Error(t, err)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			} else {
				var ae *llm.APIError
				require.ErrorAs(t, err, &ae)
				assert.NotEmpty(t, ae.Type)
			}
			t.Log(err)
			assert.NotContains(t, err.Error(), testKey)
		})
	}
}
