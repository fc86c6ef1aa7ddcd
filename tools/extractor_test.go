package tools

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/extract"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

func wellOntology() *kg.Ontology {
	return &kg.Ontology{
		EntityTypes: []kg.EntityType{
			{Name: "Well", Patterns: []string{`\b\d{1,2}/\d{1,2}-\d{1,2}\b`}},
			{Name: "Rig", Examples: []string{"Nordic Lantern", "Iron Compass"}},
		},
		RelationTypes: []kg.RelationType{
			{Name: "DRILLED_BY", Source: []string{"Well"}, Target: []string{"Rig"}, Examples: []string{"drilled by"}},
		},
	}
}

func TestOntologyExtractorOffline(t *testing.T) {
	reg := registry.New()
	t.Cleanup(func() { _ = reg.Close() })
	ids, err := Register(reg, Deps{Ontology: wellOntology()})
	require.NoError(t, err)
	require.Equal(t, []string{OntologyExtractorID}, ids)
	ex, err := reg.Get(OntologyExtractorID)
	require.NoError(t, err)
	assert.False(t, ex.Capabilities().RequiresAuth, "rules need no credentials")

	res := run(t, reg, OntologyExtractorID, `{"text":"Well 41/7-3 was drilled by Nordic Lantern in 2011.","document_id":"r1"}`)
	require.True(t, res.OK(), "%v", res.Err)
	out := res.Data.(ExtractOutput)
	assert.Equal(t, "r1", out.DocumentID)
	names := map[string]string{}
	for _, e := range out.Entities {
		names[e.Name] = e.Type
	}
	assert.Equal(t, map[string]string{"41/7-3": "Well", "Nordic Lantern": "Rig"}, names)
	require.Len(t, out.Relations, 1)
	assert.Equal(t, "DRILLED_BY", out.Relations[0].Type)
	require.Len(t, out.Chunks, 1)
	assert.Equal(t, "ok", out.Chunks[0].Status)

	// A call may bring its own ontology; a broken one is an input error
	// naming the field.
	own := `{"entity_types":[{"name":"Rig","examples":["Iron Compass"]}]}`
	res = run(t, reg, OntologyExtractorID, `{"text":"Iron Compass and Nordic Lantern left port.","ontology":`+own+`}`)
	require.True(t, res.OK(), "%v", res.Err)
	out = res.Data.(ExtractOutput)
	require.Len(t, out.Entities, 1)
	assert.Equal(t, "Iron Compass", out.Entities[0].Name)

	res = run(t, reg, OntologyExtractorID, `{"text":"x","ontology":{"entity_types":[{"name":""}]}}`)
	require.False(t, res.OK())
	assert.Equal(t, tool.KindInvalidInput, tool.KindOf(res.Err))
	assert.Contains(t, res.Err.Error(), "ontology")

	res = run(t, reg, OntologyExtractorID, `{"text":""}`)
	require.False(t, res.OK())
	assert.Contains(t, res.Err.Error(), "text")
}

func TestOntologyExtractorLLM(t *testing.T) {
	srv, err := llmtest.NewServer(llmtest.Config{Scripts: []llmtest.Script{
		{Match: "Nordic", Reply: llmtest.Reply{Content: "```json\n" +
			`{"entities":[{"name":"41/7-3","type":"Well"},{"name":"Nordic Lantern","type":"Rig"},{"name":"Oslo","type":"City"}],` +
			`"relations":[{"source":"Nordic Lantern","type":"DRILLED_BY","target":"41/7-3"}]}` + "\n```"}},
	}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	model, err := openai.New(openai.WithoutEnvironment(), openai.WithBaseURL(srv.URL()), openai.WithAPIKey("sk-test"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = model.Close() })

	reg := registry.New()
	t.Cleanup(func() { _ = reg.Close() })
	_, err = Register(reg, Deps{Ontology: wellOntology(), ChatModel: model})
	require.NoError(t, err)
	ex, err := reg.Get(OntologyExtractorID)
	require.NoError(t, err)
	assert.True(t, ex.Capabilities().RequiresAuth)

	res := reg.Execute(context.Background(), OntologyExtractorID,
		json.RawMessage(`{"text":"Well 41/7-3 was drilled by Nordic Lantern near Oslo."}`))
	require.True(t, res.OK(), "%v", res.Err)
	out := res.Data.(ExtractOutput)
	assert.Len(t, out.Entities, 2, "the off-ontology City is pruned")
	require.Len(t, out.Relations, 1)
	assert.True(t, out.Relations[0].Flipped, "the reversed relation is flipped")
	assert.Equal(t, extract.EntityID("Well", "41/7-3"), out.Relations[0].From)
	assert.NotEmpty(t, out.Issues)
	assert.Positive(t, out.Counts["pruned:unknown_entity_type"], "%v", out.Counts)
}
