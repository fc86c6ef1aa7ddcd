package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kgas-dev/kgas/graphrag/extract"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/tool"
)

// OntologyExtractorID is the ID of the ontology_extractor tool.
const OntologyExtractorID = "ontology_extractor"

// ExtractInput is ontology_extractor's input.
type ExtractInput struct {
	Text       string          `json:"text" jsonschema:"description=The text to extract entities and relations from (at most 200000 characters),minLength=1,maxLength=200000"`
	DocumentID string          `json:"document_id,omitempty" jsonschema:"description=ID of the source document (chunk ids derive from it; default \"input\")"`
	Ontology   json.RawMessage `json:"ontology,omitempty" jsonschema:"description=An ontology (entity_types and relation_types) to use instead of the configured one,type=object"`
}

// ExtractOutput is ontology_extractor's result.
type ExtractOutput struct {
	DocumentID string             `json:"document_id"`
	Entities   []extract.Entity   `json:"entities"`
	Relations  []extract.Relation `json:"relations"`
	Chunks     []ExtractChunk     `json:"chunks"`
	Issues     []extract.Issue    `json:"issues,omitempty"`
	Counts     map[string]int     `json:"counts,omitempty"`
	Usage      llm.Usage          `json:"usage"`
}

// ExtractChunk is one chunk's outcome: ok, partial or failed with its
// error; never silently dropped.
type ExtractChunk struct {
	ID        string `json:"id"`
	Start     int    `json:"start"`
	End       int    `json:"end"`
	Status    string `json:"status"`
	Error     string `json:"error,omitempty"`
	Entities  int    `json:"entities"`
	Relations int    `json:"relations"`
	Cached    bool   `json:"cached,omitempty"`
}

// ExtractorFactory builds an extractor for an ontology. Register uses one
// to serve calls that bring their own ontology.
type ExtractorFactory func(o *kg.Ontology) (extract.Extractor, error)

// LLMExtractorFactory returns a factory of LLM extractors on model.
func LLMExtractorFactory(model llm.ChatModel, opts ...extract.Option) ExtractorFactory {
	return func(o *kg.Ontology) (extract.Extractor, error) { return extract.NewLLMExtractor(model, o, opts...) }
}

// RuleExtractorFactory returns a factory of offline rule extractors.
func RuleExtractorFactory(opts ...extract.Option) ExtractorFactory {
	return func(o *kg.Ontology) (extract.Extractor, error) { return extract.NewRuleExtractor(o, opts...) }
}

// OntologyExtractor returns the ontology_extractor tool: it extracts with
// an extractor that factory builds for ont (built once, here), or for the
// ontology a call brings. requiresAuth declares that the extractor calls a
// model that needs credentials.
func OntologyExtractor(ont *kg.Ontology, factory ExtractorFactory, requiresAuth bool) (*tool.Func, error) {
	if ont == nil {
		return nil, errors.New("tools: ontology_extractor: ontology is nil")
	}
	if factory == nil {
		return nil, errors.New("tools: ontology_extractor: extractor factory is nil")
	}
	base, err := factory(ont)
	if err != nil {
		return nil, fmt.Errorf("tools: ontology_extractor: %w", err)
	}
	meta := tool.Metadata{
		ID:          OntologyExtractorID,
		Name:        "Ontology extractor",
		Description: "Extract the entities and relations of a text, keeping only the entity and relation types of the ontology (the configured one, or one given in the input). Returns entities with their mentions and offsets, relations between entity ids, one outcome per chunk of the text, and every item pruned or corrected with its reason.",
		Category:    "extraction",
		Tags:        []string{"extraction", "ontology", "graph"},
		Version:     "1.0.0",
	}
	fn := func(ctx context.Context, in ExtractInput) (ExtractOutput, error) {
		ex := base
		if len(in.Ontology) > 0 && string(in.Ontology) != "null" {
			o, err := kg.ParseOntology(in.Ontology)
			if err != nil {
				return ExtractOutput{}, invalidInput("ontology", err.Error())
			}
			if ex, err = factory(o); err != nil {
				return ExtractOutput{}, invalidInput("ontology", err.Error())
			}
		}
		doc := extract.Document{ID: in.DocumentID, Text: in.Text}
		if doc.ID == "" {
			doc.ID = "input"
		}
		res, err := ex.Extract(ctx, doc)
		if err != nil {
			return ExtractOutput{}, transientIf(err)
		}
		return extractOutput(res), nil
	}
	return tool.New(meta, fn, tool.WithCapabilities(tool.Capabilities{Async: true, Concurrent: true, RequiresAuth: requiresAuth}))
}

func extractOutput(res *extract.Result) ExtractOutput {
	out := ExtractOutput{
		DocumentID: res.DocumentID,
		Entities:   res.Entities,
		Relations:  res.Relations,
		Issues:     res.Issues,
		Usage:      res.Usage,
		Chunks:     make([]ExtractChunk, len(res.Outcomes)),
	}
	if out.Entities == nil {
		out.Entities = []extract.Entity{}
	}
	if out.Relations == nil {
		out.Relations = []extract.Relation{}
	}
	for i, o := range res.Outcomes {
		c := ExtractChunk{ID: o.ChunkID, Status: string(o.Status), Error: o.Error,
			Entities: o.Entities, Relations: o.Relations, Cached: o.Cached, Start: -1, End: -1}
		if i < len(res.Chunks) {
			c.Start, c.End = res.Chunks[i].Start, res.Chunks[i].End
		}
		out.Chunks[i] = c
	}
	for action, reasons := range res.Counts() {
		for reason, n := range reasons {
			if out.Counts == nil {
				out.Counts = map[string]int{}
			}
			out.Counts[string(action)+":"+string(reason)] += n
		}
	}
	return out
}
