package tools

import (
	"context"
	"errors"
	"time"

	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/tool"
)

// GraphQueryID is the ID of the graph_query tool.
const GraphQueryID = "graph_query"

// GraphQueryInput is graph_query's input.
type GraphQueryInput struct {
	Question  string   `json:"question" jsonschema:"description=The question to answer from the knowledge graph,minLength=1,maxLength=4000"`
	K         int      `json:"k,omitempty" jsonschema:"description=Seed nodes to start from (default 8),minimum=1,maximum=100"`
	Depth     *int     `json:"depth,omitempty" jsonschema:"description=Hops to follow from the seeds (default 2; 0: seeds only),minimum=0,maximum=4"`
	EdgeTypes []string `json:"edge_types,omitempty" jsonschema:"description=Follow only these relation types (default: all)"`
	Types     []string `json:"types,omitempty" jsonschema:"description=Seed only from nodes of these entity types"`
}

// GraphQueryOutput is graph_query's result: the answer, what it cites and
// how the query ran.
type GraphQueryOutput struct {
	Answer    string              `json:"answer"`
	Citations []graphrag.Citation `json:"citations"`
	// Sources are the cited documents' IDs, in citation order.
	Sources []string `json:"sources"`
	Offline bool     `json:"offline"`
	Trace   Trace    `json:"trace"`
}

// Trace is a compact form of a query's step trace.
type Trace struct {
	WallMS       float64     `json:"wall_ms"`
	SumStepsMS   float64     `json:"sum_steps_ms"`
	CriticalPath []string    `json:"critical_path"`
	Steps        []TraceStep `json:"steps"`
}

// TraceStep is one step of a Trace, with offsets from the query's start.
type TraceStep struct {
	Name    string  `json:"name"`
	StartMS float64 `json:"start_ms"`
	EndMS   float64 `json:"end_ms"`
	Outcome string  `json:"outcome"`
}

// GraphQuery returns the graph_query tool on engine: a GraphRAG query with
// the engine's defaults, narrowed by the input.
func GraphQuery(engine *graphrag.Engine) (*tool.Func, error) {
	if engine == nil {
		return nil, errors.New("tools: graph_query: engine is nil")
	}
	meta := tool.Metadata{
		ID:          GraphQueryID,
		Name:        "Knowledge-graph question answering",
		Description: "Answer a question from the knowledge graph: finds the entities the question is about, follows their relations, and answers from the source documents with citations. Returns the answer, the cited items with their documents, and the query's step trace.",
		Category:    "graph",
		Tags:        []string{"graphrag", "question-answering", "graph"},
		Version:     "1.0.0",
	}
	fn := func(ctx context.Context, in GraphQueryInput) (GraphQueryOutput, error) {
		opts := engine.QueryDefaults()
		if in.K > 0 {
			opts.K = in.K
		}
		if in.Depth != nil {
			opts.Depth = *in.Depth
		}
		if len(in.EdgeTypes) > 0 {
			opts.EdgeTypes = in.EdgeTypes
		}
		if len(in.Types) > 0 {
			opts.Filter = &kg.Filter{Types: in.Types}
		}
		ans, err := engine.Query(ctx, in.Question, &opts)
		if err != nil {
			var ie *graphrag.InvalidError
			if errors.As(err, &ie) {
				return GraphQueryOutput{}, invalidInput(ie.Field, ie.Reason)
			}
			return GraphQueryOutput{}, transientIf(err)
		}
		out := GraphQueryOutput{Answer: ans.Text, Citations: ans.Citations, Sources: ans.Sources, Offline: ans.Offline}
		if out.Citations == nil {
			out.Citations = []graphrag.Citation{}
		}
		if out.Sources == nil {
			out.Sources = []string{}
		}
		if tr := ans.Trace; tr != nil {
			out.Trace = Trace{WallMS: ms(tr.Wall), SumStepsMS: ms(tr.SumSteps), CriticalPath: tr.CriticalPath}
			for _, s := range tr.Steps {
				out.Trace.Steps = append(out.Trace.Steps, TraceStep{Name: s.Name, StartMS: ms(s.Start), EndMS: ms(s.End), Outcome: string(s.Outcome)})
			}
		}
		return out, nil
	}
	return tool.New(meta, fn, tool.WithCapabilities(tool.Capabilities{Async: true, Concurrent: true}))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
