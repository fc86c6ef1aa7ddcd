package astrastore_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra"
	"github.com/kgas-dev/kgas/graphrag/astrastore"
	"github.com/kgas-dev/kgas/graphrag/kg"
)

func TestFilterTranslation(t *testing.T) {
	tests := []struct {
		name  string
		f     *kg.Filter
		want  astra.Filter
		exact bool
	}{
		{"nil", nil, nil, true},
		{"empty", &kg.Filter{}, nil, true},
		{"types", &kg.Filter{Types: []string{"A", "B"}}, astra.Filter{"type": astra.Document{"$in": []any{"A", "B"}}}, true},
		{"string", &kg.Filter{Properties: map[string]any{"color": "red"}}, astra.Filter{"properties.color": "red"}, true},
		{"number", &kg.Filter{Properties: map[string]any{"n": 2}}, astra.Filter{"properties.n": 2}, true},
		{"bool", &kg.Filter{Properties: map[string]any{"b": true}}, astra.Filter{"properties.b": true}, true},
		{"dotted path", &kg.Filter{Properties: map[string]any{"nested.a": 5}}, astra.Filter{"$or": []any{
			astra.Document{"properties.nested&.a": 5}, astra.Document{"properties.nested.a": 5}}}, true},
		{"ampersand escaped", &kg.Filter{Properties: map[string]any{"a&b": "x"}}, astra.Filter{"properties.a&&b": "x"}, true},
		{"object stays on the client", &kg.Filter{Properties: map[string]any{"nested": map[string]any{"a": 6}}}, nil, false},
		{"array stays on the client", &kg.Filter{Properties: map[string]any{"tags": []any{"x"}}}, nil, false},
		{"nil stays on the client", &kg.Filter{Properties: map[string]any{"x": nil}}, nil, false},
		{"type and props", &kg.Filter{Types: []string{"A"}, Properties: map[string]any{"color": "red", "tags": "x"}},
			astra.Filter{"$and": []any{
				astra.Filter{"type": astra.Document{"$in": []any{"A"}}},
				astra.Filter{"properties.color": "red"},
				astra.Filter{"properties.tags": "x"}}}, true},
		{"partly on the client", &kg.Filter{Types: []string{"A"}, Properties: map[string]any{"o": map[string]any{}}},
			astra.Filter{"type": astra.Document{"$in": []any{"A"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, exact := astrastore.Filter(tt.f)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.exact, exact)
		})
	}
}

// TestFilterOnServer checks that the translated filters select what
// Filter.Match selects, on the server: literal dotted keys, nested paths
// and array-contains.
func TestFilterOnServer(t *testing.T) {
	_, st := open(t)
	nodes := []kg.Node{
		{ID: "literal", Type: "A", Embedding: []float32{1, 0}, Properties: map[string]any{"a.b": 1}},
		{ID: "nested", Type: "A", Embedding: []float32{1, 0.1}, Properties: map[string]any{"a": map[string]any{"b": 1}}},
		{ID: "array", Type: "B", Embedding: []float32{1, 0.2}, Properties: map[string]any{"tags": []any{"x", "y"}, "a": map[string]any{"b": 2}}},
	}
	require.NoError(t, st.UpsertNodes(t.Context(), nodes))
	for _, f := range []*kg.Filter{
		{Properties: map[string]any{"a.b": 1}},
		{Properties: map[string]any{"a.b": 2.0}},
		{Properties: map[string]any{"tags": "y"}},
		{Types: []string{"B"}, Properties: map[string]any{"tags": "x"}},
		{Types: []string{"A"}, Properties: map[string]any{"tags": "x"}},
	} {
		hits, err := st.VectorSearch(t.Context(), []float32{1, 0}, 10, f)
		require.NoError(t, err)
		var got, want []string
		for _, h := range hits {
			got = append(got, h.Node.ID)
		}
		for _, n := range nodes {
			if f.Match(&n) {
				want = append(want, n.ID)
			}
		}
		assert.Equal(t, want, got, "filter %+v", *f)
	}
}

// TestNeighborsBatches: 250 distinct ids are 3 find requests ($in holds at
// most 100 values), and each id gets its own edges.
func TestNeighborsBatches(t *testing.T) {
	srv, st := open(t)
	var ids []string
	var edges []kg.Edge
	for i := range 250 {
		id := fmt.Sprintf("n%03d", i)
		ids = append(ids, id)
		if i%50 == 0 {
			edges = append(edges, kg.Edge{ID: kg.EdgeID(id, "R", "x"), From: id, To: "x", Type: "R"})
		}
	}
	require.NoError(t, st.UpsertEdges(t.Context(), edges))
	srv.ResetStats()
	got, err := st.Neighbors(t.Context(), ids, kg.NeighborOptions{})
	require.NoError(t, err)
	assert.Equal(t, int64(3), srv.Stats().Commands["find"])
	assert.Equal(t, int64(3), srv.Stats().Requests)
	require.Len(t, got, 250)
	for i, list := range got {
		if i%50 == 0 {
			require.Len(t, list, 1)
			assert.Equal(t, ids[i], list[0].From)
		} else {
			assert.Empty(t, list)
		}
	}
}

// TestLearnedDimensionMigrates: nodes written before the first embedding
// live in a plain collection, moved into the vector collection when the
// dimension becomes known.
func TestLearnedDimensionMigrates(t *testing.T) {
	srv, st := open(t)
	require.NoError(t, st.UpsertNodes(t.Context(), []kg.Node{{ID: "a", Type: "T", ChunkIDs: []string{"c"}}}))
	require.NoError(t, st.UpsertNodes(t.Context(), []kg.Node{{ID: "b", Type: "T", Embedding: []float32{0, 1, 0}}}))
	require.NoError(t, st.UpsertNodes(t.Context(), []kg.Node{{ID: "a", Type: "T", Embedding: []float32{1, 0, 0}}}))
	got, err := st.Nodes(t.Context(), []string{"a", "b"})
	require.NoError(t, err)
	require.NotNil(t, got[0])
	assert.Equal(t, []string{"c"}, got[0].ChunkIDs)
	assert.Equal(t, []float32{1, 0, 0}, got[0].Embedding)
	hits, err := st.VectorSearch(t.Context(), []float32{1, 0, 0}, 2, nil)
	require.NoError(t, err)
	require.Len(t, hits, 2)
	assert.Equal(t, "a", hits[0].Node.ID)
	assert.InDelta(t, 1, hits[0].Score, 1e-6)
	assert.InDelta(t, 0, hits[1].Score, 1e-6)
	_, err = srv.Documents("default_keyspace", "kgas_nodes_plain")
	assert.Error(t, err, "the plain collection is dropped")
	s, err := st.Stats(t.Context())
	require.NoError(t, err)
	assert.Equal(t, kg.Stats{Nodes: 2, Embedded: 2, Dimension: 3}, s)
}

// TestReopen: a second Store on the same collections learns the dimension
// from the collection definition and reads what the first wrote.
func TestReopen(t *testing.T) {
	_, c := newServer(t)
	st, err := astrastore.New(t.Context(), c, astrastore.WithPrefix("x_"))
	require.NoError(t, err)
	require.NoError(t, st.UpsertNodes(t.Context(), []kg.Node{{ID: "a", Type: "T", Embedding: []float32{1, 2}}}))
	require.NoError(t, st.Close())
	st2, err := astrastore.New(t.Context(), c, astrastore.WithPrefix("x_"))
	require.NoError(t, err)
	defer st2.Close()
	_, err = st2.VectorSearch(t.Context(), []float32{1, 2, 3}, 1, nil)
	require.ErrorIs(t, err, kg.ErrDimension)
	hits, err := st2.VectorSearch(t.Context(), []float32{1, 2}, 1, nil)
	require.NoError(t, err)
	require.Len(t, hits, 1)
	_, err = astrastore.New(t.Context(), c, astrastore.WithPrefix("x_"), astrastore.WithDimension(5))
	require.ErrorIs(t, err, kg.ErrDimension)
}
