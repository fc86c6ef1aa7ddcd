package tools

import (
	"errors"
	"fmt"

	"github.com/kgas-dev/kgas/astra"
	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/extract"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// Deps are what the built-in tools wrap. A tool whose dependencies are nil
// is left out, not registered half-working.
type Deps struct {
	// Store and Embedder back vector_search (Embedder for text queries;
	// without it only vector queries work).
	Store    kg.Store
	Embedder llm.Embedder
	// Astra backs astra_fetch.
	Astra *astra.Client
	// Ontology backs ontology_extractor, with ChatModel when set (an LLM
	// extractor, requires_auth) or offline rules when nil.
	// ExtractOptions configure the extractor (chunking, cache, ...).
	Ontology       *kg.Ontology
	ChatModel      llm.ChatModel
	ExtractOptions []extract.Option
	// Engine backs graph_query.
	Engine *graphrag.Engine
}

// Register adds every built-in tool whose dependencies deps holds to reg
// and returns their IDs in registration order. It fails, registering
// nothing, when a tool cannot be built or an ID is already taken.
func Register(reg *registry.Registry, deps Deps) ([]string, error) {
	if reg == nil {
		return nil, errors.New("tools: registry is nil")
	}
	var made []tool.Tool
	add := func(t *tool.Func, err error) error {
		if err != nil {
			return err
		}
		made = append(made, t)
		return nil
	}
	if deps.Store != nil {
		if err := add(VectorSearch(deps.Store, deps.Embedder)); err != nil {
			return nil, err
		}
	}
	if deps.Ontology != nil {
		factory := RuleExtractorFactory(deps.ExtractOptions...)
		if deps.ChatModel != nil {
			factory = LLMExtractorFactory(deps.ChatModel, deps.ExtractOptions...)
		}
		if err := add(OntologyExtractor(deps.Ontology, factory, deps.ChatModel != nil)); err != nil {
			return nil, err
		}
	}
	if deps.Engine != nil {
		if err := add(GraphQuery(deps.Engine)); err != nil {
			return nil, err
		}
	}
	if deps.Astra != nil {
		if err := add(AstraFetch(deps.Astra)); err != nil {
			return nil, err
		}
	}
	for _, t := range made {
		if _, err := reg.Get(t.Metadata().ID); err == nil {
			return nil, fmt.Errorf("tools: %s is already registered", t.Metadata().ID)
		}
	}
	ids := make([]string, 0, len(made))
	for _, t := range made {
		if err := reg.Register(t); err != nil {
			return ids, fmt.Errorf("tools: register %s: %w", t.Metadata().ID, err)
		}
		ids = append(ids, t.Metadata().ID)
	}
	return ids, nil
}
