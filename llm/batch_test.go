package llm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm"
)

// echoModel answers each request with its last message, failing those whose
// content starts with "fail", and blocking those starting with "block"
// until ctx ends. It records the most calls seen in flight at once.
type echoModel struct {
	inFlight, maxInFlight atomic.Int64
	delay                 time.Duration
}

func (m *echoModel) Chat(ctx context.Context, req llm.ChatRequest) (llm.ChatResponse, error) {
	n := m.inFlight.Add(1)
	defer m.inFlight.Add(-1)
	for {
		old := m.maxInFlight.Load()
		if n <= old || m.maxInFlight.CompareAndSwap(old, n) {
			break
		}
	}
	if err := req.Validate(); err != nil {
		return llm.ChatResponse{}, err
	}
	text := req.Messages[len(req.Messages)-1].Content
	switch {
	case strings.HasPrefix(text, "fail"):
		return llm.ChatResponse{}, fmt.Errorf("model: %w", llm.ErrRateLimited)
	case strings.HasPrefix(text, "block"):
		<-ctx.Done()
		return llm.ChatResponse{}, fmt.Errorf("model: %w", ctx.Err())
	}
	select {
	case <-time.After(m.delay):
	case <-ctx.Done():
		return llm.ChatResponse{}, ctx.Err()
	}
	return llm.ChatResponse{Message: llm.Assistant(text)}, nil
}

func (m *echoModel) ChatStream(ctx context.Context, req llm.ChatRequest, fn func(llm.ChatDelta) error) (llm.ChatResponse, error) {
	return m.Chat(ctx, req)
}

func TestChatBatch(t *testing.T) {
	t.Parallel()
	m := &echoModel{delay: time.Millisecond}
	var reqs []llm.ChatRequest
	for i := range 100 {
		text := fmt.Sprint("q", i)
		if i%10 == 3 {
			text = "fail" + text
		}
		reqs = append(reqs, llm.ChatRequest{Messages: []llm.Message{llm.User(text)}})
	}
	reqs[50] = llm.ChatRequest{} // invalid: fails alone
	res := llm.ChatBatch(context.Background(), m, reqs, llm.WithBatchConcurrency(4))
	require.Len(t, res, len(reqs))
	for i, r := range res {
		switch {
		case i == 50:
			assert.ErrorIs(t, r.Err, llm.ErrInvalidRequest)
		case i%10 == 3:
			assert.ErrorIs(t, r.Err, llm.ErrRateLimited, i)
		default:
			require.NoError(t, r.Err, i)
			assert.Equal(t, fmt.Sprint("q", i), r.Value.Message.Content)
		}
	}
	assert.LessOrEqual(t, m.maxInFlight.Load(), int64(4))
	assert.Empty(t, llm.ChatBatch(context.Background(), m, nil))
	for _, r := range llm.ChatBatch(context.Background(), nil, reqs[:3]) {
		assert.ErrorIs(t, r.Err, llm.ErrInvalidRequest)
	}
}

func TestChatBatchCancel(t *testing.T) {
	t.Parallel()
	m := &echoModel{}
	reqs := make([]llm.ChatRequest, 50)
	for i := range reqs {
		reqs[i] = llm.ChatRequest{Messages: []llm.Message{llm.User(fmt.Sprint("q", i))}}
	}
	for i := 10; i < 50; i++ {
		reqs[i].Messages[0].Content = "block"
	}
	ctx, cancel := context.WithCancel(context.Background())
	var res []llm.Result[llm.ChatResponse]
	done := make(chan struct{})
	go func() { defer close(done); res = llm.ChatBatch(ctx, m, reqs, llm.WithBatchConcurrency(4)) }()
	require.Eventually(t, func() bool { return m.inFlight.Load() == 4 }, 5*time.Second, time.Millisecond)
	start := time.Now()
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ChatBatch did not return after cancel")
	}
	assert.Less(t, time.Since(start), time.Second)
	require.Len(t, res, 50)
	for i, r := range res {
		if i < 10 {
			assert.NoError(t, r.Err, i)
			continue
		}
		assert.ErrorIs(t, r.Err, context.Canceled, i)
	}
}

// listEmbedder returns [len(text), index-in-call] per text; texts "bad"
// make the whole call fail as invalid, and a call with "short" returns one
// vector too few.
type listEmbedder struct {
	mu    sync.Mutex
	calls [][]string
}

func (e *listEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	e.mu.Lock()
	e.calls = append(e.calls, texts)
	e.mu.Unlock()
	out := make([][]float32, 0, len(texts))
	for i, s := range texts {
		switch s {
		case "bad":
			return nil, &llm.InvalidRequestError{Field: fmt.Sprintf("input[%d]", i)}
		case "short":
			return out, nil
		}
		out = append(out, []float32{float32(len(s)), float32(i)})
	}
	return out, ctx.Err()
}

func (e *listEmbedder) Dimension() int { return 2 }
func (e *listEmbedder) Model() string  { return "list" }

func TestEmbedBatch(t *testing.T) {
	t.Parallel()
	texts := make([]string, 37)
	for i := range texts {
		texts[i] = strings.Repeat("x", i+1)
	}
	texts[5], texts[30] = "bad", "short"
	e := &listEmbedder{}
	res := llm.EmbedBatch(context.Background(), e, texts, llm.WithEmbedChunkSize(8), llm.WithBatchConcurrency(3))
	require.Len(t, res, len(texts))
	for i, r := range res {
		switch {
		case i == 5:
			assert.ErrorIs(t, r.Err, llm.ErrInvalidRequest)
		case i >= 24 && i < 32: // the chunk holding "short"
			assert.ErrorIs(t, r.Err, llm.ErrBadResponse, i)
		default:
			require.NoError(t, r.Err, i)
			assert.Equal(t, float32(i+1), r.Value[0], i)
		}
	}
	// 5 chunks, plus the bisection of the chunk holding "bad" (8 → 4+4 → 2+2 → 1+1).
	assert.Len(t, e.calls, 5+2+2+2)
	for _, c := range e.calls {
		assert.LessOrEqual(t, len(c), 8)
	}
}

func TestEmbedBatchCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := llm.EmbedBatch(ctx, &listEmbedder{}, []string{"a", "b", "c"})
	require.Len(t, res, 3)
	for _, r := range res {
		assert.True(t, errors.Is(r.Err, context.Canceled))
	}
	for _, r := range llm.EmbedBatch(context.Background(), nil, []string{"a"}) {
		assert.ErrorIs(t, r.Err, llm.ErrInvalidRequest)
	}
}
