package extract

import (
	"context"
	"sync"

	"github.com/kgas-dev/kgas/llm"
)

// fakeModel is a ChatModel for tests that need exact control: it answers
// with reply(req), counts calls, tracks concurrency, and can hold every
// call until barrier calls are in flight or until release is closed.
type fakeModel struct {
	reply   func(req llm.ChatRequest) (string, error)
	barrier int
	hold    chan struct{} // when non-nil, calls wait for it to close

	mu          sync.Mutex
	calls       int
	inFlight    int
	maxInFlight int
	full        chan struct{} // closed when barrier calls are in flight
}

func newFake(reply func(llm.ChatRequest) (string, error)) *fakeModel {
	return &fakeModel{reply: reply, full: make(chan struct{})}
}

func (f *fakeModel) Chat(ctx context.Context, req llm.ChatRequest) (llm.ChatResponse, error) {
	if err := req.Validate(); err != nil {
		return llm.ChatResponse{}, err
	}
	f.mu.Lock()
	f.calls++
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	if f.barrier > 0 && f.inFlight == f.barrier {
		close(f.full)
	}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if f.barrier > 0 {
		select {
		case <-f.full:
		case <-ctx.Done():
			return llm.ChatResponse{}, ctx.Err()
		}
	}
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-ctx.Done():
			return llm.ChatResponse{}, ctx.Err()
		}
	}
	text, err := f.reply(req)
	if err != nil {
		return llm.ChatResponse{}, err
	}
	return llm.ChatResponse{Message: llm.Assistant(text), FinishReason: llm.FinishStop,
		Usage: llm.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15}}, nil
}

func (f *fakeModel) ChatStream(ctx context.Context, req llm.ChatRequest, fn func(llm.ChatDelta) error) (llm.ChatResponse, error) {
	resp, err := f.Chat(ctx, req)
	if err == nil {
		err = fn(llm.ChatDelta{Content: resp.Message.Content, FinishReason: resp.FinishReason})
	}
	return resp, err
}

func (f *fakeModel) ChatModelName() string { return "fake-1" }

func (f *fakeModel) stats() (calls, maxInFlight int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, f.maxInFlight
}

// lastUser returns the text of the request's last user message.
func lastUser(req llm.ChatRequest) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == llm.RoleUser {
			return req.Messages[i].Content
		}
	}
	return ""
}
