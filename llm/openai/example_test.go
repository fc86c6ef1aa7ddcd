package openai_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
)

// Example runs a tool-calling turn and an embedding batch against the
// offline simulator; point WithBaseURL at any OpenAI-compatible server (or
// set OPENAI_API_KEY for OpenAI) to use a real model.
func Example() {
	srv, err := llmtest.NewServer(llmtest.Config{Scripts: []llmtest.Script{{
		Match: "weather",
		Reply: llmtest.Reply{ToolCalls: []llmtest.ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Paris"}`}}},
	}}})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// WithoutEnvironment keeps OPENAI_* variables from changing the output.
	c, err := openai.New(openai.WithBaseURL(srv.URL()), openai.WithMaxEmbedBatch(2), openai.WithoutEnvironment())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ctx := context.Background()

	resp, err := c.Chat(ctx, llm.ChatRequest{
		Messages: []llm.Message{llm.User("What is the weather in Paris?")},
		Tools: []llm.ToolDef{{
			Name:       "get_weather",
			Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`),
		}},
	})
	if err != nil {
		panic(err)
	}
	call := resp.Message.ToolCalls[0]
	fmt.Println(resp.FinishReason, call.Name, string(call.Arguments))

	vecs, err := c.Embed(ctx, []string{"graph", "node", "edge"}) // two requests
	if err != nil {
		panic(err)
	}
	fmt.Println(len(vecs), len(vecs[0]), c.Dimension(), srv.Stats().Received)
	// Output:
	// tool_calls get_weather {"city":"Paris"}
	// 3 1536 1536 3
}
