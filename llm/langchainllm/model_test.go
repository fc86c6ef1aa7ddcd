package langchainllm_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/callbacks"
	"github.com/tmc/langchaingo/llms"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/langchainllm"
	"github.com/kgas-dev/kgas/llm/llmtest"
)

func TestResponseMapping(t *testing.T) {
	call := llm.ToolCall{ID: "c1", Name: "add", Arguments: json.RawMessage(`{"a":1}`)}
	rec := &recorder{resp: llm.ChatResponse{
		Choices: []llm.Choice{
			{Message: llm.Message{Role: llm.RoleAssistant, Content: "let me add", ToolCalls: []llm.ToolCall{call, {ID: "c2", Name: "now"}}}, FinishReason: llm.FinishToolCalls},
			{Message: llm.Assistant("two"), FinishReason: llm.FinishLength},
		},
		Usage: llm.Usage{PromptTokens: 7, CompletionTokens: 5, TotalTokens: 12},
	}}
	m, err := langchainllm.New(rec)
	require.NoError(t, err)
	resp, err := m.GenerateContent(context.Background(), []llms.MessageContent{human("x")})
	require.NoError(t, err)
	info := map[string]any{"PromptTokens": 7, "CompletionTokens": 5, "TotalTokens": 12}
	want := &llms.ContentResponse{Choices: []*llms.ContentChoice{
		{
			Content: "let me add", StopReason: "tool_calls", GenerationInfo: info,
			ToolCalls: []llms.ToolCall{toolCallPart("c1", "add", `{"a":1}`), toolCallPart("c2", "now", "")},
			FuncCall:  &llms.FunctionCall{Name: "add", Arguments: `{"a":1}`},
		},
		{Content: "two", StopReason: "length", GenerationInfo: info},
	}}
	assert.Equal(t, want, resp)
}

func TestModelErrorsPassThrough(t *testing.T) {
	boom := errors.New("boom")
	m, err := langchainllm.New(&recorder{err: boom})
	require.NoError(t, err)
	_, err = m.Call(context.Background(), "hi")
	assert.ErrorIs(t, err, boom)
}

func TestStreamingFuncGetsFirstChoiceContent(t *testing.T) {
	final := llm.ChatResponse{Choices: []llm.Choice{{Message: llm.Assistant("Hello world"), FinishReason: "stop"}}}
	deltas := []llm.ChatDelta{
		{Content: "Hello"}, {Choice: 1, Content: "other choice"},
		{ToolCalls: []llm.ToolCallDelta{{ID: "c", Name: "f", Arguments: "{}"}}},
		{Content: " world"}, {FinishReason: "stop"}, {Usage: &llm.Usage{TotalTokens: 3}},
	}
	t.Run("chunks", func(t *testing.T) {
		rec := &recorder{resp: final, deltas: deltas}
		m, err := langchainllm.New(rec)
		require.NoError(t, err)
		var chunks, reasoning []string
		resp, err := m.GenerateContent(context.Background(), []llms.MessageContent{human("x")},
			llms.WithStreamingFunc(func(_ context.Context, c []byte) error { chunks = append(chunks, string(c)); return nil }),
			llms.WithStreamingReasoningFunc(func(_ context.Context, r, c []byte) error {
				assert.Nil(t, r)
				reasoning = append(reasoning, string(c))
				return nil
			}))
		require.NoError(t, err)
		assert.Equal(t, []string{"Hello", " world"}, chunks)
		assert.Equal(t, chunks, reasoning)
		assert.Equal(t, "Hello world", resp.Choices[0].Content)
	})
	t.Run("error stops the stream", func(t *testing.T) {
		rec := &recorder{resp: final, deltas: deltas}
		m, err := langchainllm.New(rec)
		require.NoError(t, err)
		stop := errors.New("enough")
		n := 0
		_, err = m.GenerateContent(context.Background(), []llms.MessageContent{human("x")},
			llms.WithStreamingFunc(func(context.Context, []byte) error { n++; return stop }))
		assert.ErrorIs(t, err, stop)
		assert.Equal(t, 1, n)
	})
}

// events records the callbacks a Model makes.
type events struct {
	callbacks.SimpleHandler
	got []string
}

func (e *events) HandleLLMGenerateContentStart(_ context.Context, ms []llms.MessageContent) {
	e.got = append(e.got, "start:"+ms[0].Parts[0].(llms.TextContent).Text)
}

func (e *events) HandleLLMGenerateContentEnd(_ context.Context, r *llms.ContentResponse) {
	e.got = append(e.got, "end:"+r.Choices[0].Content)
}
func (e *events) HandleLLMError(_ context.Context, err error) {
	e.got = append(e.got, "error:"+err.Error())
}

func TestCallbacksHandler(t *testing.T) {
	h := &events{}
	rec := &recorder{resp: llm.ChatResponse{Choices: []llm.Choice{{Message: llm.Assistant("ok")}}}}
	m, err := langchainllm.New(rec, langchainllm.WithCallbacksHandler(h))
	require.NoError(t, err)
	out, err := m.Call(context.Background(), "hi")
	require.NoError(t, err)
	assert.Equal(t, "ok", out)
	_, err = m.Call(context.Background(), "hi", llms.WithTopK(1))
	require.Error(t, err)
	assert.Equal(t, []string{"start:hi", "end:ok", "start:hi", "error:" + err.Error()}, h.got)
}

// The tests below run the kgas OpenAI client (over apiclient) against the
// llmtest simulator, wrapped as a langchaingo model.

func TestSimulatorPlainText(t *testing.T) {
	srv := start(t, llmtest.Config{Scripts: []llmtest.Script{{Match: "greet", Times: llmtest.Forever, Reply: llmtest.Reply{Content: "Hello from kgas"}}}})
	m, err := langchainllm.New(kgasClient(t, srv))
	require.NoError(t, err)
	ctx := context.Background()

	out, err := m.Call(ctx, "please greet me", llms.WithMaxTokens(20), llms.WithTemperature(0))
	require.NoError(t, err)
	assert.Equal(t, "Hello from kgas", out)

	resp, err := m.GenerateContent(ctx, []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeSystem, "sys"), human("greet")})
	require.NoError(t, err)
	require.Len(t, resp.Choices, 1)
	c := resp.Choices[0]
	assert.Equal(t, "stop", c.StopReason)
	p, comp, total := c.GenerationInfo["PromptTokens"].(int), c.GenerationInfo["CompletionTokens"].(int), c.GenerationInfo["TotalTokens"].(int)
	assert.Positive(t, p)
	assert.Equal(t, (len("Hello from kgas")+3)/4, comp, "the simulator charges ceil(bytes/4) for scripted text")
	assert.Equal(t, p+comp, total)
	assert.Equal(t, int64(2), srv.Stats().Received)
}

func TestSimulatorToolCalls(t *testing.T) {
	srv := start(t, llmtest.Config{Scripts: []llmtest.Script{{Reply: llmtest.Reply{ToolCalls: []llmtest.ToolCall{
		{ID: "call_a", Name: "add", Arguments: `{"a":2}`}, {ID: "call_b", Name: "add", Arguments: `{"a":3}`},
	}}}}})
	m, err := langchainllm.New(kgasClient(t, srv))
	require.NoError(t, err)
	resp, err := m.GenerateContent(context.Background(), []llms.MessageContent{human("add twice")},
		llms.WithTools([]llms.Tool{{Type: "function", Function: &llms.FunctionDefinition{Name: "add", Parameters: addSchema}}}))
	require.NoError(t, err)
	c := resp.Choices[0]
	assert.Equal(t, "tool_calls", c.StopReason)
	assert.Equal(t, []llms.ToolCall{toolCallPart("call_a", "add", `{"a":2}`), toolCallPart("call_b", "add", `{"a":3}`)}, c.ToolCalls)
	assert.Equal(t, c.ToolCalls[0].FunctionCall, c.FuncCall)
}

func TestSimulatorStreaming(t *testing.T) {
	srv := start(t, llmtest.Config{Scripts: []llmtest.Script{
		{Match: "text", Reply: llmtest.Reply{Content: "one two three four"}},
		{Match: "tool", Reply: llmtest.Reply{ToolCalls: []llmtest.ToolCall{{ID: "call_s", Name: "add", Arguments: `{"a":42}`}}}},
	}})
	m, err := langchainllm.New(kgasClient(t, srv))
	require.NoError(t, err)
	ctx := context.Background()
	tools := llms.WithTools([]llms.Tool{{Type: "function", Function: &llms.FunctionDefinition{Name: "add", Parameters: addSchema}}})

	var chunks []string
	resp, err := m.GenerateContent(ctx, []llms.MessageContent{human("text please")}, tools,
		llms.WithStreamingFunc(func(_ context.Context, c []byte) error { chunks = append(chunks, string(c)); return nil }))
	require.NoError(t, err)
	assert.Greater(t, len(chunks), 1, "streamed in pieces")
	assert.Equal(t, "one two three four", strings.Join(chunks, ""))
	assert.Equal(t, "one two three four", resp.Choices[0].Content)
	assert.Equal(t, (len("one two three four")+3)/4, resp.Choices[0].GenerationInfo["CompletionTokens"], "usage reported in the stream")

	chunks = nil
	resp, err = m.GenerateContent(ctx, []llms.MessageContent{human("tool please")}, tools,
		llms.WithStreamingFunc(func(_ context.Context, c []byte) error { chunks = append(chunks, string(c)); return nil }))
	require.NoError(t, err)
	assert.Empty(t, chunks, "tool-call fragments are not content")
	assert.Equal(t, []llms.ToolCall{toolCallPart("call_s", "add", `{"a":42}`)}, resp.Choices[0].ToolCalls)
	assert.Equal(t, "tool_calls", resp.Choices[0].StopReason)
}

func TestSimulatorCancellation(t *testing.T) {
	srv := start(t, llmtest.Config{Scripts: []llmtest.Script{{Reply: llmtest.Reply{Content: "a b c d e f"}}}})
	m, err := langchainllm.New(kgasClient(t, srv))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	_, err = m.GenerateContent(ctx, []llms.MessageContent{human("x")},
		llms.WithStreamingFunc(func(context.Context, []byte) error { cancel(); return nil }))
	assert.ErrorIs(t, err, context.Canceled)

	_, err = m.Call(ctx, "after cancel")
	assert.ErrorIs(t, err, context.Canceled)
}
