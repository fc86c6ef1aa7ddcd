package tools

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/extract"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/kg/kgtest"
	"github.com/kgas-dev/kgas/llm/lexical"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// corpusEngine ingests the demo corpus of examples/graphrag into an
// in-memory store with the rule extractor.
func corpusEngine(t *testing.T) *graphrag.Engine {
	t.Helper()
	dir := "../examples/graphrag/corpus"
	ont, err := kg.LoadOntology(filepath.Join(dir, "ontology.yaml"))
	require.NoError(t, err)
	x, err := extract.NewRuleExtractor(ont)
	require.NoError(t, err)
	st := kgtest.NewMemStore()
	t.Cleanup(func() { _ = st.Close() })
	e, err := graphrag.New(st, lexical.New(), graphrag.WithExtractor(x))
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	files, err := filepath.Glob(filepath.Join(dir, "docs", "*.md"))
	require.NoError(t, err)
	var docs []graphrag.Document
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		docs = append(docs, graphrag.Document{ID: strings.TrimSuffix(filepath.Base(f), ".md"), Text: string(b)})
	}
	rep, err := e.Ingest(t.Context(), docs, nil)
	require.NoError(t, err)
	require.NoError(t, rep.Err())
	return e
}

func TestGraphQuery(t *testing.T) {
	reg := registry.New()
	t.Cleanup(func() { _ = reg.Close() })
	ids, err := Register(reg, Deps{Engine: corpusEngine(t)})
	require.NoError(t, err)
	require.Equal(t, []string{GraphQueryID}, ids)

	res := run(t, reg, GraphQueryID, `{"question":"Who operates the field that well 41/7-3 is located in?"}`)
	require.True(t, res.OK(), "%v", res.Err)
	out := res.Data.(GraphQueryOutput)
	assert.Contains(t, out.Answer, "Nordvik Energi")
	require.GreaterOrEqual(t, len(out.Sources), 2)
	assert.ElementsMatch(t, []string{"well-41-7-3", "field-brannfjell"}, out.Sources[:2])
	assert.True(t, out.Offline)
	assert.NotEmpty(t, out.Trace.CriticalPath)
	assert.NotEmpty(t, out.Trace.Steps)
	assert.Positive(t, out.Trace.WallMS)

	res = run(t, reg, GraphQueryID, `{"question":"What is the porosity of the Brenna Formation in well 44/1-2?","depth":0,"k":3}`)
	require.True(t, res.OK(), "%v", res.Err)
	assert.Contains(t, res.Data.(GraphQueryOutput).Answer, "23 %")

	for _, tc := range []struct{ name, input, field string }{
		{"empty question", `{"question":""}`, "question"},
		{"depth too deep", `{"question":"x","depth":9}`, "depth"},
		{"unknown field", `{"question":"x","hops":2}`, "hops"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, reg, GraphQueryID, tc.input)
			require.False(t, res.OK())
			assert.Equal(t, tool.KindInvalidInput, tool.KindOf(res.Err))
			assert.Contains(t, res.Err.Error(), tc.field)
		})
	}
	_, err = GraphQuery(nil)
	assert.ErrorContains(t, err, "engine is nil")
}
