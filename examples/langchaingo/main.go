// Command langchaingo runs a langchaingo agent on a kgas model and a kgas
// tool. langchaingo keeps its agent and executor; kgas brings the model
// client (pacing, retries and a circuit breaker through apiclient) and a
// typed tool whose input is validated against its JSON Schema.
//
//	go run ./examples/langchaingo
//
// With no OPENAI_API_KEY set it runs offline, against an in-process llmtest
// server whose scripted replies make one tool call and then answer. With
// OPENAI_API_KEY set it asks the real OpenAI API instead (OPENAI_BASE_URL
// and OPENAI_CHAT_MODEL are honoured too), and the model decides itself
// when to call the tool.
package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/tmc/langchaingo/agents"
	"github.com/tmc/langchaingo/schema"
	"github.com/tmc/langchaingo/tools"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/llm/langchainllm"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
	"github.com/kgas-dev/kgas/tool"
	"github.com/kgas-dev/kgas/tool/langchaintool"
)

const question = "It is 72°F in Austin. What is that in Celsius?"

// ConvertIn is the tool's input; its JSON Schema comes from the tags.
type ConvertIn struct {
	Fahrenheit float64 `json:"fahrenheit" jsonschema:"description=Temperature in degrees Fahrenheit,minimum=-459.67"`
}

// ConvertOut is the tool's output.
type ConvertOut struct {
	Celsius float64 `json:"celsius"`
}

// toCelsius is an ordinary Go function, made a tool by tool.New.
func toCelsius(_ context.Context, in ConvertIn) (ConvertOut, error) {
	return ConvertOut{Celsius: math.Round((in.Fahrenheit-32)*5/9*10) / 10}, nil
}

// offlineScript is what the simulated model says: a tool call, then the answer.
var offlineScript = []llmtest.Script{
	{Reply: llmtest.Reply{ToolCalls: []llmtest.ToolCall{{ID: "call_1", Name: "fahrenheit_to_celsius", Arguments: `{"fahrenheit":72}`}}}},
	{Reply: llmtest.Reply{Content: "72°F is about 22.2°C."}},
}

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv(openai.EnvAPIKey)); err != nil {
		fmt.Fprintln(os.Stderr, "langchaingo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, apiKey string) error {
	// A kgas OpenAI client: every request is paced, retried and guarded.
	opts := []openai.Option{openai.WithAPIClientOptions(
		apiclient.WithRequestLimit(60, time.Minute), apiclient.WithConcurrency(4), apiclient.WithMaxAttempts(3))}
	if apiKey == "" {
		srv, err := llmtest.NewServer(llmtest.Config{Scripts: offlineScript})
		if err != nil {
			return err
		}
		defer srv.Close()
		opts = append(opts, openai.WithoutEnvironment(), openai.WithBaseURL(srv.URL()))
		fmt.Fprintln(w, "model: offline llmtest simulator (set OPENAI_API_KEY for OpenAI)")
	} else {
		opts = append(opts, openai.WithAPIKey(apiKey))
		fmt.Fprintln(w, "model: OpenAI API")
	}
	client, err := openai.New(opts...)
	if err != nil {
		return err
	}
	defer client.Close()

	// A typed kgas tool, adapted for langchaingo.
	convert, err := tool.New(tool.Metadata{
		ID: "fahrenheit_to_celsius", Description: "Converts a temperature from Fahrenheit to Celsius",
	}, toCelsius)
	if err != nil {
		return err
	}

	// The kgas client as a langchaingo model; WithToolSchemas gives the
	// model the tool's real schema instead of langchaingo's "__arg1" string.
	model, err := langchainllm.New(client, langchainllm.WithToolSchemas(langchaintool.Definitions(convert)...))
	if err != nil {
		return err
	}

	// Plain langchaingo from here on.
	agent := agents.NewOpenAIFunctionsAgent(model, []tools.Tool{langchaintool.New(convert)})
	executor := agents.NewExecutor(agent, agents.WithMaxIterations(4), agents.WithReturnIntermediateSteps())
	out, err := executor.Call(ctx, map[string]any{"input": question})
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "question:", question)
	steps, _ := out["intermediateSteps"].([]schema.AgentStep)
	for _, s := range steps {
		fmt.Fprintf(w, "tool call: %s(%s) -> %s\n", s.Action.Tool, s.Action.ToolInput, s.Observation)
	}
	fmt.Fprintln(w, "answer:", out["output"])
	st := client.APIClient().Stats()
	fmt.Fprintf(w, "kgas client: %d requests, %d attempts, %d retries\n", st.Requests, st.Attempts, st.Retries)
	return nil
}
