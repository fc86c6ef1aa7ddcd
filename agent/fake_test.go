package agent_test

import (
	"context"
	"sync"

	"github.com/kgas-dev/kgas/llm"
)

// scripted is an in-process llm.ChatModel for the property and fuzz tests,
// which need thousands of runs: it validates each request as a provider
// does, records it, and answers with the next scripted message (then
// "done" forever).
type scripted struct {
	mu      sync.Mutex
	replies []llm.Message
	reqs    []llm.ChatRequest
}

func fakeModel(replies ...llm.Message) *scripted { return &scripted{replies: replies} }

func (m *scripted) Chat(ctx context.Context, req llm.ChatRequest) (llm.ChatResponse, error) {
	if err := req.Validate(); err != nil {
		return llm.ChatResponse{}, err
	}
	if err := ctx.Err(); err != nil {
		return llm.ChatResponse{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reqs = append(m.reqs, req)
	msg := llm.Assistant("done")
	if len(m.replies) > 0 {
		msg, m.replies = m.replies[0], m.replies[1:]
	}
	finish := llm.FinishStop
	if len(msg.ToolCalls) > 0 {
		finish = llm.FinishToolCalls
	}
	return llm.ChatResponse{Message: msg, FinishReason: finish, Usage: llm.Usage{PromptTokens: 3, CompletionTokens: 2, TotalTokens: 5}}, nil
}

func (m *scripted) ChatStream(ctx context.Context, req llm.ChatRequest, fn func(llm.ChatDelta) error) (llm.ChatResponse, error) {
	resp, err := m.Chat(ctx, req)
	if err != nil {
		return resp, err
	}
	for _, r := range resp.Message.Content {
		if err := fn(llm.ChatDelta{Content: string(r)}); err != nil {
			return llm.ChatResponse{}, err
		}
	}
	return resp, nil
}

func (m *scripted) requests() []llm.ChatRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]llm.ChatRequest(nil), m.reqs...)
}
