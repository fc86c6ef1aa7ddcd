package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/graphrag/extract"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
)

// The extract suite: one document of 100 chunks through the LLM extractor
// against llmtest, with the seeds' measured single-call time (2.5 s) and a
// requests-per-minute limit, once with every chunk in flight at once (kgas)
// and once one chunk at a time (sequential, the seeds' shape before their
// optimisation).
//
// Bounds. The server admits a request when its bucket (capacity rpm,
// refilling rpm per minute, starting full) holds one, then answers after
// the latency. With every chunk sent at once, chunk i (0-based) can be
// admitted no earlier than max(0, i−rpm+1)·60/rpm s, so the last answer
// comes at latency + max(0, n−rpm)·60/rpm: the kgas bound. One at a time,
// each call starts when the previous answer arrives; at 2.5 s a call the
// bucket never empties, so the sequential bound is n·latency.
type extractSize struct {
	chunks  int
	latency time.Duration
	rpm     int
}

var extractScale = extractSize{chunks: 100, latency: 2500 * time.Millisecond, rpm: 75}

func extractScenarios() []scenario {
	return []scenario{{
		name: "doc-100",
		desc: "LLM extraction of a 100-chunk document via llmtest: 2.5 s per call, 75 requests/minute; kgas (all chunks in flight) and sequential",
		run:  extractScenario,
	}}
}

// extractOntology is the scenario's ontology: wells, formations and rigs.
func extractOntology() *kg.Ontology {
	return &kg.Ontology{
		EntityTypes: []kg.EntityType{
			{Name: "Well", Description: "A drilled well, named like 7/12-1"},
			{Name: "Formation", Description: "A rock formation"},
			{Name: "Rig", Description: "A drilling rig"},
		},
		RelationTypes: []kg.RelationType{
			{Name: "PENETRATES", Source: []string{"Well"}, Target: []string{"Formation"}},
			{Name: "DRILLED_BY", Source: []string{"Well"}, Target: []string{"Rig"}},
		},
	}
}

var (
	extractFormations = []string{"Brent Formation", "Statfjord Formation", "Hugin Formation", "Sleipner Formation", "Skagerrak Formation"}
	extractRigs       = []string{"Aurora One", "Aurora Two", "Borealis", "Cassiopeia", "Draco"}
)

// extractDoc is a document of n paragraphs, each one chunk at the chunk
// size the scenario uses, each naming a distinct well.
func extractDoc(n int) string {
	var b strings.Builder
	for i := range n {
		well := fmt.Sprintf("7/%d-1", i+1)
		fmt.Fprintf(&b, "Well %s was drilled by the %s rig in %d and penetrated the %s at %d m. ",
			well, extractRigs[i%len(extractRigs)], 1990+i%30, extractFormations[i%len(extractFormations)], 2000+7*i)
		fmt.Fprintf(&b, "Cores from well %s showed an average porosity of %d %% and the well was plugged after testing.\n\n",
			well, 12+i%15)
	}
	return b.String()
}

// extractScript is the model's reply for paragraph i: its entities and
// relations, matched on the paragraph's well name.
func extractScript(i int) llmtest.Script {
	well := fmt.Sprintf("7/%d-1", i+1)
	rig, form := extractRigs[i%len(extractRigs)], extractFormations[i%len(extractFormations)]
	reply := fmt.Sprintf(`{"entities":[{"name":%q,"type":"Well"},{"name":%q,"type":"Formation"},{"name":%q,"type":"Rig"}],`+
		`"relations":[{"source":%q,"type":"PENETRATES","target":%q},{"source":%q,"type":"DRILLED_BY","target":%q}]}`,
		well, form, rig, well, form, well, rig)
	return llmtest.Script{Match: `Well ` + regexp.QuoteMeta(well) + ` was`, Times: llmtest.Forever, Reply: llmtest.Reply{Content: reply}}
}

func extractScenario(ctx context.Context, emit func(record)) error {
	s := extractScale
	scripts := make([]llmtest.Script, s.chunks)
	for i := range scripts {
		scripts[i] = extractScript(i)
	}
	srv, err := llmtest.NewServer(llmtest.Config{
		Limits:  llmtest.RateLimits{Requests: s.rpm, Window: time.Minute},
		Latency: llmtest.FixedLatency(s.latency),
		Scripts: scripts,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	doc := extract.Document{ID: "field-reports", Text: extractDoc(s.chunks)}
	lat := s.latency.Seconds()
	bounds := map[string]float64{
		"kgas":       lat + float64(max(0, s.chunks-s.rpm))*60/float64(s.rpm),
		"sequential": float64(s.chunks) * lat,
	}
	for _, client := range []string{"kgas", "sequential"} {
		srv.Reset()
		model, err := openai.New(openai.WithoutEnvironment(), openai.WithBaseURL(srv.URL()), openai.WithAPIKey("sk-bench-not-a-secret"),
			openai.WithChatModel("gpt-4o-mini"),
			openai.WithAPIClientOptions(apiclient.WithRequestLimit(s.rpm, time.Minute), apiclient.WithConcurrency(s.chunks)))
		if err != nil {
			return err
		}
		chunker, err := extract.NewChunker(extract.WithChunkSize(extractChunkSize))
		if err != nil {
			return err
		}
		opts := []extract.Option{extract.WithChunker(chunker)}
		if client == "sequential" {
			opts = append(opts, extract.WithConcurrency(1))
		}
		ex, err := extract.NewLLMExtractor(model, extractOntology(), opts...)
		if err != nil {
			return err
		}
		start := time.Now()
		res, err := ex.Extract(ctx, doc)
		wall := time.Since(start)
		_ = model.Close()
		if err != nil {
			return err
		}
		if len(res.Chunks) != s.chunks {
			return fmt.Errorf("extract suite: document split into %d chunks, want %d", len(res.Chunks), s.chunks)
		}
		ok := s.chunks - len(res.Failed())
		st := srv.Stats()
		emit(record{Scenario: "doc-100", Client: client, N: s.chunks, OK: ok, Failed: s.chunks - ok,
			Attempts: st.Received, WallS: wall.Seconds(), BoundS: bounds[client],
			Extra: map[string]any{
				"entities": len(res.Entities), "relations": len(res.Relations),
				"latency_s": lat, "rpm": s.rpm, "rate_limited": st.Outcomes[llmtest.OutcomeRateLimitedRequests] + st.Outcomes[llmtest.OutcomeRateLimitedTokens],
				"seeds_before_s": 45.0, "seeds_target_s": 20.0,
			}})
	}
	return nil
}

// extractChunkSize keeps each paragraph of extractDoc in a chunk of its
// own (paragraphs are 190–210 bytes; a paragraph and the next one's first sentence, over 290, never fit).
const extractChunkSize = 250
