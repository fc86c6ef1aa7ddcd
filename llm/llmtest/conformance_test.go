package llmtest_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
	goopenai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm/llmtest"
)

// Conformance: the official openai-go client and go-openai talk to the
// simulator with only the base URL changed.

func officialClient(t *testing.T, srv *llmtest.Server) openai.Client {
	return openai.NewClient(optionsFor(t, srv, 0)...)
}

func optionsFor(t *testing.T, srv *llmtest.Server, retries int) []option.RequestOption {
	return []option.RequestOption{option.WithBaseURL(srv.URL()), option.WithAPIKey("sk-sim"),
		option.WithHTTPClient(httpClient(t)), option.WithMaxRetries(retries)}
}

func goOpenAIClient(t *testing.T, srv *llmtest.Server) *goopenai.Client {
	cfg := goopenai.DefaultConfig("sk-sim")
	cfg.BaseURL = srv.URL()
	cfg.HTTPClient = httpClient(t)
	return goopenai.NewClientWithConfig(cfg)
}

var weatherTool = shared.FunctionDefinitionParam{
	Name: "get_weather",
	Parameters: shared.FunctionParameters{
		"type":       "object",
		"properties": map[string]any{"city": map[string]any{"type": "string"}},
		"required":   []string{"city"},
	},
}

func TestOfficialClientChat(t *testing.T) {
	srv := start(t, llmtest.Config{})
	client := officialClient(t, srv)
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{
		Model:     "gpt-4o-mini",
		Messages:  []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("be brief"), openai.UserMessage("hello")},
		MaxTokens: openai.Int(200),
		N:         openai.Int(2),
	}
	res, err := client.Chat.Completions.New(ctx, params)
	require.NoError(t, err)
	require.Len(t, res.Choices, 2)
	assert.NotEmpty(t, res.Choices[0].Message.Content)
	assert.Equal(t, "stop", res.Choices[0].FinishReason)
	assert.Positive(t, res.Usage.PromptTokens)
	assert.Equal(t, res.Usage.PromptTokens+res.Usage.CompletionTokens, res.Usage.TotalTokens)

	again, err := client.Chat.Completions.New(ctx, params)
	require.NoError(t, err)
	assert.Equal(t, res.Choices[0].Message.Content, again.Choices[0].Message.Content, "deterministic")
}

func TestOfficialClientToolCallsAndStream(t *testing.T) {
	srv := start(t, llmtest.Config{})
	require.NoError(t, srv.AddScript(llmtest.Script{Match: "weather", Times: 2, Reply: llmtest.Reply{
		ToolCalls: []llmtest.ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Paris"}`}},
	}}))
	client := officialClient(t, srv)
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("what is the weather in Paris?")},
		Tools:    []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(weatherTool)},
	}
	res, err := client.Chat.Completions.New(ctx, params)
	require.NoError(t, err)
	require.Len(t, res.Choices[0].Message.ToolCalls, 1)
	tc := res.Choices[0].Message.ToolCalls[0]
	assert.Equal(t, "call_1", tc.ID)
	assert.Equal(t, "get_weather", tc.Function.Name)
	assert.JSONEq(t, `{"city":"Paris"}`, tc.Function.Arguments)
	assert.Equal(t, "tool_calls", res.Choices[0].FinishReason)

	// Streamed: the accumulator rebuilds the same tool call.
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	stream := client.Chat.Completions.NewStreaming(ctx, params)
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	require.NoError(t, stream.Err())
	require.NoError(t, stream.Close())
	require.Len(t, acc.Choices, 1)
	require.Len(t, acc.Choices[0].Message.ToolCalls, 1)
	assert.Equal(t, "get_weather", acc.Choices[0].Message.ToolCalls[0].Function.Name)
	assert.JSONEq(t, `{"city":"Paris"}`, acc.Choices[0].Message.ToolCalls[0].Function.Arguments)
	assert.Positive(t, acc.Usage.TotalTokens)

	// Script used up: the tool result turn gets text, streamed and plain agree.
	params.Messages = append(params.Messages, res.Choices[0].Message.ToParam(), openai.ToolMessage("sunny", "call_1"))
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{}
	plain, err := client.Chat.Completions.New(ctx, params)
	require.NoError(t, err)
	stream = client.Chat.Completions.NewStreaming(ctx, params)
	acc = openai.ChatCompletionAccumulator{}
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	require.NoError(t, stream.Err())
	require.NoError(t, stream.Close())
	assert.NotEmpty(t, plain.Choices[0].Message.Content)
	assert.Equal(t, plain.Choices[0].Message.Content, acc.Choices[0].Message.Content)
	assert.Empty(t, plain.Choices[0].Message.ToolCalls)
}

func TestOfficialClientJSONSchema(t *testing.T) {
	srv := start(t, llmtest.Config{})
	client := officialClient(t, srv)
	schema := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"name":  map[string]any{"type": "string"},
			"age":   map[string]any{"type": "integer", "minimum": 150},
			"tags":  map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "minItems": 2},
			"kind":  map[string]any{"enum": []string{"person", "org"}},
			"valid": map[string]any{"type": "boolean"},
		},
		"required":             []string{"name", "age", "tags", "kind", "valid"},
		"additionalProperties": false,
	}
	res, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("describe someone")},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "person", Schema: schema},
		}},
	})
	require.NoError(t, err)
	var got struct {
		Name  string   `json:"name"`
		Age   int      `json:"age"`
		Tags  []string `json:"tags"`
		Kind  string   `json:"kind"`
		Valid *bool    `json:"valid"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.Choices[0].Message.Content), &got), res.Choices[0].Message.Content)
	assert.NotEmpty(t, got.Name)
	assert.Equal(t, 150, got.Age)
	assert.Len(t, got.Tags, 2)
	assert.Equal(t, "person", got.Kind)
	assert.NotNil(t, got.Valid)
}

func decodeB64(t *testing.T, s string) []float32 {
	raw, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	require.Zero(t, len(raw)%4)
	v := make([]float32, len(raw)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return v
}

func TestOfficialClientEmbeddings(t *testing.T) {
	srv := start(t, llmtest.Config{})
	client := officialClient(t, srv)
	ctx := context.Background()
	res, err := client.Embeddings.New(ctx, openai.EmbeddingNewParams{
		Model: openai.EmbeddingModelTextEmbedding3Small,
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"alpha", "beta"}},
	})
	require.NoError(t, err)
	require.Len(t, res.Data, 2)
	assert.Len(t, res.Data[0].Embedding, llmtest.DefaultEmbeddingDims)
	assert.InDelta(t, 1.0, norm64(res.Data[1].Embedding), 1e-5)
	assert.Equal(t, int64(3), res.Usage.PromptTokens) // ceil(5/4)+ceil(4/4)

	// base64: openai-go keeps the string in the raw JSON; it decodes to the
	// same vector as the float format.
	b64, err := client.Embeddings.New(ctx, openai.EmbeddingNewParams{
		Model:          openai.EmbeddingModelTextEmbedding3Small,
		Input:          openai.EmbeddingNewParamsInputUnion{OfString: openai.String("beta")},
		EncodingFormat: openai.EmbeddingNewParamsEncodingFormatBase64,
	})
	require.NoError(t, err)
	require.Len(t, b64.Data, 1)
	var s string
	require.NoError(t, json.Unmarshal([]byte(b64.Data[0].JSON.Embedding.Raw()), &s))
	v := decodeB64(t, s)
	require.Len(t, v, len(res.Data[1].Embedding))
	for i := range v {
		require.InDelta(t, res.Data[1].Embedding[i], float64(v[i]), 1e-7)
	}
}

func norm64(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

func TestGoOpenAIChatToolsStream(t *testing.T) {
	srv := start(t, llmtest.Config{})
	require.NoError(t, srv.AddScript(llmtest.Script{Name: "tool", Times: llmtest.Forever, Reply: llmtest.Reply{
		ToolCalls: []llmtest.ToolCall{{Name: "get_weather", Arguments: `{"city":"Oslo"}`}, {Name: "get_time", Arguments: `{}`}},
	}}))
	client := goOpenAIClient(t, srv)
	ctx := context.Background()
	req := goopenai.ChatCompletionRequest{
		Model:               goopenai.GPT4oMini,
		Messages:            []goopenai.ChatCompletionMessage{{Role: goopenai.ChatMessageRoleUser, Content: "hi"}},
		MaxCompletionTokens: 64,
	}
	res, err := client.CreateChatCompletion(ctx, req)
	require.NoError(t, err)
	assert.NotEmpty(t, res.Choices[0].Message.Content)
	assert.NotEmpty(t, res.Header().Get("X-Ratelimit-Limit-Requests"))
	rl := res.GetRateLimitHeaders()
	assert.Positive(t, rl.LimitRequests)

	stream, err := client.CreateChatCompletionStream(ctx, req)
	require.NoError(t, err)
	var text string
	for {
		chunk, err := stream.Recv()
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			break
		}
		if len(chunk.Choices) > 0 {
			text += chunk.Choices[0].Delta.Content
		}
	}
	require.NoError(t, stream.Close())
	assert.Equal(t, res.Choices[0].Message.Content, text)

	// Scripted tool calls, selected by header through a custom transport.
	tc := goOpenAIClientWithHeader(t, srv, llmtest.ScriptHeader, "tool")
	req.Tools = []goopenai.Tool{{Type: goopenai.ToolTypeFunction, Function: &goopenai.FunctionDefinition{
		Name: "get_weather", Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`)}}}
	res, err = tc.CreateChatCompletion(ctx, req)
	require.NoError(t, err)
	require.Len(t, res.Choices[0].Message.ToolCalls, 2)
	assert.Equal(t, "get_weather", res.Choices[0].Message.ToolCalls[0].Function.Name)
	assert.Equal(t, `{"city":"Oslo"}`, res.Choices[0].Message.ToolCalls[0].Function.Arguments)
	assert.Equal(t, goopenai.FinishReasonToolCalls, res.Choices[0].FinishReason)

	stream, err = tc.CreateChatCompletionStream(ctx, req)
	require.NoError(t, err)
	args := map[int]string{}
	for {
		chunk, err := stream.Recv()
		if err != nil {
			break
		}
		for _, d := range chunk.Choices[0].Delta.ToolCalls {
			args[*d.Index] += d.Function.Arguments
		}
	}
	require.NoError(t, stream.Close())
	assert.Equal(t, map[int]string{0: `{"city":"Oslo"}`, 1: `{}`}, args)
}

func TestGoOpenAIEmbeddings(t *testing.T) {
	srv := start(t, llmtest.Config{})
	client := goOpenAIClient(t, srv)
	ctx := context.Background()
	in := []string{"one", "two", "three"}
	f, err := client.CreateEmbeddings(ctx, goopenai.EmbeddingRequest{Input: in, Model: goopenai.SmallEmbedding3, Dimensions: 64})
	require.NoError(t, err)
	b, err := client.CreateEmbeddings(ctx, goopenai.EmbeddingRequest{Input: in, Model: goopenai.SmallEmbedding3,
		Dimensions: 64, EncodingFormat: goopenai.EmbeddingEncodingFormatBase64})
	require.NoError(t, err)
	require.Len(t, f.Data, 3)
	require.Len(t, b.Data, 3)
	for i := range in {
		assert.Equal(t, i, f.Data[i].Index)
		assert.Len(t, f.Data[i].Embedding, 64)
		assert.Equal(t, f.Data[i].Embedding, b.Data[i].Embedding, "base64 decodes to the float vector")
	}
}

// headerTransport adds one header to every request.
type headerTransport struct {
	base       http.RoundTripper
	key, value string
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.key, h.value)
	return h.base.RoundTrip(r)
}

func goOpenAIClientWithHeader(t *testing.T, srv *llmtest.Server, key, value string) *goopenai.Client {
	cfg := goopenai.DefaultConfig("sk-sim")
	cfg.BaseURL = srv.URL()
	cfg.HTTPClient = &http.Client{Transport: headerTransport{httpClient(t).Transport, key, value}}
	return goopenai.NewClientWithConfig(cfg)
}

func TestClientsSeeTypedErrors(t *testing.T) {
	srv := start(t, llmtest.Config{Faults: []llmtest.FaultRule{
		{Fault: llmtest.Fault{Kind: llmtest.FaultInsufficientQuota}, Endpoint: "chat"},
		{Fault: llmtest.Fault{Kind: llmtest.FaultRateLimited, RetryAfter: time.Second}, Endpoint: "embeddings"},
	}})
	oc := officialClient(t, srv)
	_, err := oc.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "gpt-4o-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
	var oe *openai.Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, 429, oe.StatusCode)
	assert.Equal(t, "insufficient_quota", oe.Type)
	assert.Equal(t, "insufficient_quota", oe.Code)

	resp, err := goOpenAIClient(t, srv).CreateEmbeddings(context.Background(),
		goopenai.EmbeddingRequest{Input: []string{"x"}, Model: goopenai.SmallEmbedding3})
	var ge *goopenai.APIError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, 429, ge.HTTPStatusCode)
	assert.Equal(t, "requests", ge.Type)
	assert.Equal(t, "rate_limit_exceeded", ge.Code)
	assert.Equal(t, "1", resp.Header().Get("retry-after"))
}
