package langchainllm_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/agents"
	"github.com/tmc/langchaingo/llms"
	lcopenai "github.com/tmc/langchaingo/llms/openai"
	"github.com/tmc/langchaingo/schema"
	"github.com/tmc/langchaingo/tools"

	"github.com/kgas-dev/kgas/agent"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/langchainllm"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
	"github.com/kgas-dev/kgas/tool/langchaintool"
)

type addIn struct {
	A int `json:"a" jsonschema:"minimum=0,maximum=1000"`
	B int `json:"b" jsonschema:"minimum=0,maximum=1000"`
}

func addTool(t *testing.T) *tool.Func {
	t.Helper()
	f, err := tool.New(tool.Metadata{ID: "add", Description: "Adds two integers"}, func(_ context.Context, in addIn) (int, error) {
		return in.A + in.B, nil
	})
	require.NoError(t, err)
	return f
}

// tap is a kgas model that records the requests it passes on.
type tap struct {
	llm.ChatModel
	reqs []llm.ChatRequest
}

func (tp *tap) Chat(ctx context.Context, req llm.ChatRequest) (llm.ChatResponse, error) {
	tp.reqs = append(tp.reqs, req)
	return tp.ChatModel.Chat(ctx, req)
}

// runFunctionsAgent runs langchaingo's functions agent and executor on the
// kgas model over srv with the kgas add tool.
func runFunctionsAgent(t *testing.T, srv *llmtest.Server, input string, opts ...langchainllm.Option) (map[string]any, *tap) {
	t.Helper()
	add := addTool(t)
	tp := &tap{ChatModel: kgasClient(t, srv)}
	model, err := langchainllm.New(tp, opts...)
	require.NoError(t, err)
	a := agents.NewOpenAIFunctionsAgent(model, []tools.Tool{langchaintool.New(add)})
	ex := agents.NewExecutor(a, agents.WithMaxIterations(3), agents.WithReturnIntermediateSteps())
	out, err := ex.Call(context.Background(), map[string]any{"input": input})
	require.NoError(t, err)
	return out, tp
}

func TestFunctionsAgentScripted(t *testing.T) {
	srv := start(t, llmtest.Config{Scripts: []llmtest.Script{
		{Reply: llmtest.Reply{ToolCalls: []llmtest.ToolCall{{ID: "call_1", Name: "add", Arguments: `{"a":19,"b":23}`}}}},
		{Reply: llmtest.Reply{Content: "19 + 23 = 42"}},
	}})
	add := addTool(t)
	out, tp := runFunctionsAgent(t, srv, "What is 19 + 23?", langchainllm.WithToolSchemas(langchaintool.Definitions(add)...))

	assert.Equal(t, "19 + 23 = 42", out["output"])
	steps := out["intermediateSteps"].([]schema.AgentStep)
	require.Len(t, steps, 1)
	assert.Equal(t, "add", steps[0].Action.Tool)
	assert.Equal(t, "call_1", steps[0].Action.ToolID)
	assert.JSONEq(t, `{"a":19,"b":23}`, steps[0].Action.ToolInput)
	assert.Equal(t, "42", steps[0].Observation)

	require.Len(t, tp.reqs, 2)
	assert.JSONEq(t, string(tool.Parameters(add)), string(tp.reqs[0].Tools[0].Parameters), "the real schema, not __arg1")
	second := tp.reqs[1].Messages
	require.GreaterOrEqual(t, len(second), 2)
	assert.Equal(t, llm.Message{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "call_1", Name: "add", Arguments: json.RawMessage(`{"a":19,"b":23}`)}}}, second[len(second)-2])
	assert.Equal(t, llm.ToolResult("call_1", "42"), second[len(second)-1])
}

func TestFunctionsAgentGeneratedArguments(t *testing.T) {
	// The simulator makes up arguments from the schema the model is given.
	t.Run("with the real schema the tool runs", func(t *testing.T) {
		srv := start(t, llmtest.Config{})
		out, tp := runFunctionsAgent(t, srv, "please call:add", langchainllm.WithToolSchemas(langchaintool.Definitions(addTool(t))...))
		steps := out["intermediateSteps"].([]schema.AgentStep)
		require.Len(t, steps, 1)
		var in addIn
		require.NoError(t, json.Unmarshal([]byte(steps[0].Action.ToolInput), &in))
		assert.Equal(t, strconv.Itoa(in.A+in.B), steps[0].Observation)
		assert.NotEmpty(t, out["output"])
		assert.Len(t, tp.reqs, 2)
	})
	t.Run("with langchaingo's __arg1 schema the input is refused", func(t *testing.T) {
		srv := start(t, llmtest.Config{})
		out, tp := runFunctionsAgent(t, srv, "please call:add")
		steps := out["intermediateSteps"].([]schema.AgentStep)
		require.Len(t, steps, 1)
		assert.Contains(t, steps[0].Observation, "invalid_input")
		assert.Contains(t, string(tp.reqs[0].Tools[0].Parameters), "__arg1")
	})
}

// langchaingoOpenAI returns langchaingo's own OpenAI provider on srv, with a
// transport whose idle connections are closed with the test.
func langchaingoOpenAI(t *testing.T, srv *llmtest.Server) llms.Model {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	m, err := lcopenai.New(lcopenai.WithBaseURL(srv.URL()), lcopenai.WithToken("sim"), lcopenai.WithModel("gpt-4o-mini"),
		lcopenai.WithHTTPClient(&http.Client{Transport: tr}))
	require.NoError(t, err)
	return m
}

func TestKgasAgentOnLangchaingoProvider(t *testing.T) {
	srv := start(t, llmtest.Config{})
	chat, err := langchainllm.NewChatModel(langchaingoOpenAI(t, srv))
	require.NoError(t, err)
	reg := registry.New()
	t.Cleanup(func() { require.NoError(t, reg.Close()) })
	require.NoError(t, reg.Register(addTool(t)))
	a, err := agent.New(chat, reg)
	require.NoError(t, err)

	res, err := a.RunPrompt(context.Background(), "please call:add")
	require.NoError(t, err)
	require.Len(t, res.Calls, 1)
	c := res.Calls[0]
	assert.Equal(t, "add", c.Tool)
	assert.NotEmpty(t, c.ID)
	require.True(t, c.Result.OK(), "generated arguments %s fit the schema", c.Arguments)
	var in addIn
	require.NoError(t, json.Unmarshal(c.Arguments, &in))
	assert.Equal(t, in.A+in.B, c.Result.Data)
	assert.NotEmpty(t, res.Answer)
	assert.Equal(t, 2, res.Steps)
	assert.Positive(t, res.Usage.PromptTokens, "usage read from GenerationInfo")
}
