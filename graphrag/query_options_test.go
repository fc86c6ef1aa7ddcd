package graphrag_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/kg/kgtest"
)

// Invalid query input fails before any step runs, naming the field.
func TestQueryValidates(t *testing.T) {
	st := newHookStore(kgtest.NewMemStore(), nil)
	e := engine(t, st)
	with := func(f func(*graphrag.QueryOptions)) *graphrag.QueryOptions {
		o := e.QueryDefaults()
		f(&o)
		return &o
	}
	tests := []struct {
		name     string
		question string
		opts     *graphrag.QueryOptions
		field    string
	}{
		{"empty question", "", nil, "question"},
		{"blank question", " \n\t", nil, "question"},
		{"negative K", "q", with(func(o *graphrag.QueryOptions) { o.K = -1 }), "opts.K"},
		{"K too large", "q", with(func(o *graphrag.QueryOptions) { o.K = graphrag.MaxK + 1 }), "opts.K"},
		{"negative depth", "q", with(func(o *graphrag.QueryOptions) { o.Depth = -1 }), "opts.Depth"},
		{"depth too large", "q", with(func(o *graphrag.QueryOptions) { o.Depth = graphrag.MaxDepth + 1 }), "opts.Depth"},
		{"negative budget", "q", with(func(o *graphrag.QueryOptions) { o.TokenBudget = -5 }), "opts.TokenBudget"},
		{"direction", "q", with(func(o *graphrag.QueryOptions) { o.Direction = kg.Direction(7) }), "opts.Direction"},
		{"negative max neighbours", "q", with(func(o *graphrag.QueryOptions) { o.MaxNeighbors = -1 }), "opts.MaxNeighbors"},
		{"negative max chunks", "q", with(func(o *graphrag.QueryOptions) { o.MaxChunksPerNode = -1 }), "opts.MaxChunksPerNode"},
		{"empty edge type", "q", with(func(o *graphrag.QueryOptions) { o.EdgeTypes = []string{"A", ""} }), "opts.EdgeTypes"},
		{"empty filter type", "q", with(func(o *graphrag.QueryOptions) { o.Filter = &kg.Filter{Types: []string{""}} }), "opts.Filter.Types"},
		{"empty filter key", "q", with(func(o *graphrag.QueryOptions) { o.Filter = &kg.Filter{Properties: map[string]any{"": 1}} }), "opts.Filter.Properties"},
		{"MMR lambda zero", "q", with(func(o *graphrag.QueryOptions) { o.ReRanker = graphrag.MMR{} }), "opts.ReRanker"},
		{"MMR lambda above one", "q", with(func(o *graphrag.QueryOptions) { o.ReRanker = graphrag.MMR{Lambda: 1.5} }), "opts.ReRanker"},
		{"MMR lambda NaN", "q", with(func(o *graphrag.QueryOptions) { o.ReRanker = graphrag.MMR{Lambda: math.NaN()} }), "opts.ReRanker"},
		{"MMR negative pool", "q", with(func(o *graphrag.QueryOptions) { o.ReRanker = graphrag.MMR{Lambda: 0.5, Pool: -1} }), "opts.ReRanker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ans, err := e.Query(t.Context(), tt.question, tt.opts)
			assert.Nil(t, ans)
			invalidField(t, err, tt.field)
		})
	}
	var nilCtx context.Context
	_, err := e.Query(nilCtx, "q", nil)
	invalidField(t, err, "ctx")
	assert.Zero(t, st.count("VectorSearch"), "nothing ran")
}

// In a non-nil QueryOptions, zero K, TokenBudget and ReRanker take the
// engine's defaults; Depth 0 is taken as written.
func TestQueryOptionsZeroValues(t *testing.T) {
	st := newHookStore(openLocal(t), nil)
	loadHand(t, st.Store)
	e := engine(t, st, graphrag.WithQueryDefaults(graphrag.QueryOptions{K: 2, Depth: 2, TokenBudget: 500}))
	ans, err := e.Query(context.Background(), "Who operates the field that well A-1 is located in?", &graphrag.QueryOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2, ans.Stats.Seeds, "K from the engine's defaults")
	assert.Zero(t, ans.Stats.Edges, "Depth 0 as written")
	assert.Zero(t, st.count("Neighbors"))
	assert.LessOrEqual(t, ans.Stats.ContextTokens, 500)

	ans, err = e.Query(context.Background(), "Who operates the field that well A-1 is located in?", nil)
	require.NoError(t, err)
	assert.Equal(t, 2, ans.Stats.Seeds)
	assert.NotZero(t, ans.Stats.Edges, "nil: the engine's defaults, Depth 2")
}
