package openai_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/openai"
)

func TestAzure(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		got = r.Clone(context.Background())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"x","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`)
	}))
	defer srv.Close()
	c, err := openai.New(openai.WithoutEnvironment(), openai.WithBaseURL(srv.URL), openai.WithAPIKey(testKey),
		openai.WithAzure("2024-10-21"), openai.WithChatModel("my-deployment"))
	require.NoError(t, err)
	defer c.Close()
	r, err := c.Chat(context.Background(), llm.ChatRequest{Messages: []llm.Message{llm.User("x")}})
	require.NoError(t, err)
	assert.Equal(t, "hi", r.Message.Content)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, "/openai/deployments/my-deployment/chat/completions", got.URL.Path)
	assert.Equal(t, "2024-10-21", got.URL.Query().Get("api-version"))
	assert.Equal(t, testKey, got.Header.Get("api-key"))
	assert.Empty(t, got.Header.Get("Authorization"))
}
