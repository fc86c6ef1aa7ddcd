package agent_test

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/kgas-dev/kgas/agent"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// AddIn is the input of the example's add tool.
type AddIn struct {
	A int `json:"a" jsonschema:"description=First term"`
	B int `json:"b" jsonschema:"description=Second term"`
}

// exampleModel stands in for a real model: its first answer asks for
// three tool calls (one with a bad argument); its second sums up the tool
// messages it was sent.
type exampleModel struct {
	mu    sync.Mutex
	calls int
}

func (m *exampleModel) Chat(_ context.Context, req llm.ChatRequest) (llm.ChatResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.calls == 1 {
		return llm.ChatResponse{FinishReason: llm.FinishToolCalls, Message: llm.Message{
			Role: llm.RoleAssistant,
			ToolCalls: []llm.ToolCall{
				{ID: "c1", Name: "add", Arguments: []byte(`{"a":2,"b":3}`)},
				{ID: "c2", Name: "add", Arguments: []byte(`{"a":40,"b":2}`)},
				{ID: "c3", Name: "add", Arguments: []byte(`{"a":"one","b":1}`)},
			},
		}}, nil
	}
	var parts []string
	for _, msg := range req.Messages {
		if msg.Role == llm.RoleTool && !strings.HasPrefix(msg.Content, "{") {
			parts = append(parts, msg.Content)
		}
	}
	return llm.ChatResponse{FinishReason: llm.FinishStop,
		Message: llm.Assistant("The sums are " + strings.Join(parts, " and ") + ".")}, nil
}

func (m *exampleModel) ChatStream(ctx context.Context, req llm.ChatRequest, fn func(llm.ChatDelta) error) (llm.ChatResponse, error) {
	resp, err := m.Chat(ctx, req)
	if err == nil && resp.Message.Content != "" {
		err = fn(llm.ChatDelta{Content: resp.Message.Content})
	}
	return resp, err
}

// A model asks for three calls of a typed tool in one turn; they run
// concurrently, the invalid one comes back to the model as a structured
// error naming the field, and the model answers.
func Example() {
	add := tool.Must(tool.New(tool.Metadata{ID: "add", Description: "Adds two integers"},
		func(_ context.Context, in AddIn) (int, error) { return in.A + in.B, nil }))
	reg := registry.New()
	reg.MustRegister(add)
	defer reg.Close()

	a, err := agent.New(&exampleModel{}, reg, agent.WithMaxSteps(4))
	if err != nil {
		panic(err)
	}
	res, err := a.RunPrompt(context.Background(), "Add 2+3 and 40+2.")
	if err != nil {
		panic(err)
	}
	fmt.Println("answer:", res.Answer)
	fmt.Println("steps:", res.Steps)
	for _, c := range res.Calls {
		fmt.Printf("%s %s %s -> %s\n", c.ID, c.Tool, c.Arguments, c.Content)
	}
	// Output:
	// answer: The sums are 5 and 42.
	// steps: 2
	// c1 add {"a":2,"b":3} -> 5
	// c2 add {"a":40,"b":2} -> 42
	// c3 add {"a":"one","b":1} -> {"error":{"kind":"invalid_input","message":"tool \"add\": invalid input: a: must be integer, got string","retryable":false,"fields":[{"field":"a","rule":"type","message":"must be integer, got string"}]}}
}
