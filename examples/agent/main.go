// Command agent runs a kgas agent that answers a question with two tools
// called in one turn, concurrently: graph_query (GraphRAG over a small
// knowledge graph of well reports, ingested offline at start) and a custom
// typed tool that converts metres to feet.
//
//	go run ./examples/agent
//
// With no OPENAI_API_KEY it runs offline against an in-process llmtest
// server whose scripted replies call both tools in the first turn and then
// answer. With OPENAI_API_KEY set (OPENAI_BASE_URL and OPENAI_CHAT_MODEL
// honoured) the real model chooses the calls; embeddings stay local.
package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/kgas-dev/kgas/agent"
	"github.com/kgas-dev/kgas/examples/internal/demokg"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
	"github.com/kgas-dev/kgas/tools"
)

const question = "Which rig drilled well 41/4-3 A, and what total depth did it reach, in feet?"

// MetresIn is the custom tool's input.
type MetresIn struct {
	Metres float64 `json:"metres" jsonschema:"description=A length in metres,minimum=0"`
}

// FeetOut is the custom tool's output.
type FeetOut struct {
	Feet float64 `json:"feet"`
}

func metresToFeet(_ context.Context, in MetresIn) (FeetOut, error) {
	return FeetOut{Feet: math.Round(in.Metres/0.3048*10) / 10}, nil
}

// offlineScript is the simulated model: both tools in one turn, then the
// answer.
var offlineScript = []llmtest.Script{
	{Reply: llmtest.Reply{ToolCalls: []llmtest.ToolCall{
		{ID: "call_graph", Name: tools.GraphQueryID, Arguments: `{"question":"Which rig drilled well 41/4-3 A and what total depth did it reach?"}`},
		{ID: "call_feet", Name: "metres_to_feet", Arguments: `{"metres":3870}`},
	}}},
	{Reply: llmtest.Reply{Content: "Well 41/4-3 A was drilled by the Iron Compass rig and reached 3870 m, about 12696.9 ft [well-41-4-3-a]."}},
}

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv(openai.EnvAPIKey)); err != nil {
		fmt.Fprintln(os.Stderr, "agent:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, apiKey string) error {
	// The knowledge graph: three reports ingested offline (demokg).
	deps, release, err := demokg.New(ctx)
	if err != nil {
		return err
	}
	defer release()

	reg := registry.New()
	defer reg.Close()
	if _, err := tools.Register(reg, tools.Deps{Engine: deps.Engine}); err != nil {
		return err
	}
	feet, err := tool.New(tool.Metadata{ID: "metres_to_feet", Description: "Converts a length in metres to feet", Category: "units"}, metresToFeet)
	if err != nil {
		return err
	}
	if err := reg.Register(feet); err != nil {
		return err
	}

	model, closeModel, err := chatModel(apiKey, w)
	if err != nil {
		return err
	}
	defer closeModel()
	a, err := agent.New(model, reg, agent.WithMaxSteps(4),
		agent.WithSystemPrompt("Answer from the knowledge graph (graph_query) and convert units with the tools; cite the documents."))
	if err != nil {
		return err
	}
	res, err := a.RunPrompt(ctx, question)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "question:", question)
	for _, c := range res.Calls {
		fmt.Fprintf(w, "step %d tool %s(%s): %s in %v\n", c.Step, c.Tool, c.Arguments, c.Result.Status, c.Result.Duration.Round(1000))
		if out, ok := c.Result.Data.(tools.GraphQueryOutput); ok {
			fmt.Fprintf(w, "  graph answer: %s\n  sources: %v\n", out.Answer, out.Sources)
		}
	}
	fmt.Fprintln(w, "answer:", res.Answer)
	fmt.Fprintf(w, "steps: %d, model calls and tools in %v\n", res.Steps, res.Trace.Duration.Round(1000))
	return nil
}

// chatModel is OpenAI with a key, else the offline simulator.
func chatModel(apiKey string, w io.Writer) (llm.ChatModel, func(), error) {
	var opts []openai.Option
	closeSrv := func() {}
	if apiKey == "" {
		srv, err := llmtest.NewServer(llmtest.Config{Scripts: offlineScript})
		if err != nil {
			return nil, nil, err
		}
		closeSrv = func() { _ = srv.Close() }
		opts = append(opts, openai.WithoutEnvironment(), openai.WithBaseURL(srv.URL()), openai.WithAPIKey("sk-offline"))
		fmt.Fprintln(w, "model: offline llmtest simulator (set OPENAI_API_KEY for OpenAI)")
	} else {
		opts = append(opts, openai.WithAPIKey(apiKey))
		fmt.Fprintln(w, "model: OpenAI API")
	}
	c, err := openai.New(opts...)
	if err != nil {
		closeSrv()
		return nil, nil, err
	}
	return c, func() { _ = c.Close(); closeSrv() }, nil
}
