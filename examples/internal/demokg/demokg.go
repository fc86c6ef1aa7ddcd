// Package demokg is the small knowledge graph the agent and MCP server
// examples share: three short well reports (written for kgas) and their
// ontology, ingested offline into an in-memory store.
package demokg

import (
	"context"

	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/extract"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/kg/kgtest"
	"github.com/kgas-dev/kgas/llm/lexical"
	"github.com/kgas-dev/kgas/tools"
)

// Reports are the documents of the demo graph.
var Reports = []graphrag.Document{
	{ID: "well-41-4-3-a", Text: "Well 41/4-3 A was drilled by the Iron Compass rig in 2014. Well 41/4-3 A reached a total depth of 3870 m in the Brenna Formation."},
	{ID: "rig-iron-compass", Text: "Iron Compass is a semi-submersible rig built in 2009. Iron Compass works for Nordvik Energi."},
	{ID: "formation-brenna", Text: "The Brenna Formation is a Jurassic sandstone with an average porosity of 22 %."},
}

// OntologyYAML is the demo graph's ontology.
const OntologyYAML = `entity_types:
  - name: Well
    patterns: ['\b\d{2}/\d-\d(?: [A-Z]\b)?']
  - name: Rig
    examples: [Iron Compass]
  - name: Formation
    examples: [Brenna Formation]
relation_types:
  - name: DRILLED_BY
    source: [Well]
    target: [Rig]
    examples: [drilled by]
  - name: PENETRATES
    source: [Well]
    target: [Formation]
    examples: [reached]
`

// New ingests Reports into an in-memory store and returns what the
// built-in tools need (graph_query, vector_search, and ontology_extractor
// with offline rules) and a function that releases it all.
func New(ctx context.Context) (tools.Deps, func(), error) {
	ont, err := kg.ParseOntology([]byte(OntologyYAML))
	if err != nil {
		return tools.Deps{}, nil, err
	}
	rules, err := extract.NewRuleExtractor(ont)
	if err != nil {
		return tools.Deps{}, nil, err
	}
	st := kgtest.NewMemStore()
	emb := lexical.New()
	e, err := graphrag.New(st, emb, graphrag.WithExtractor(rules))
	if err != nil {
		_ = st.Close()
		return tools.Deps{}, nil, err
	}
	cleanup := func() { _ = e.Close(); _ = st.Close() }
	rep, err := e.Ingest(ctx, Reports, nil)
	if err == nil {
		err = rep.Err()
	}
	if err != nil {
		cleanup()
		return tools.Deps{}, nil, err
	}
	return tools.Deps{Store: st, Embedder: emb, Ontology: ont, Engine: e}, cleanup, nil
}
