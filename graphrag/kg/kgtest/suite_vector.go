package kgtest

import (
	"cmp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// vectorNodes have embeddings of different lengths, so a store ranking by
// dot product instead of cosine fails.
func vectorNodes() []kg.Node {
	return []kg.Node{
		{ID: "v1", Type: "A", Embedding: []float32{10, 1, 0, 0}, Properties: map[string]any{"color": "red", "n": 1, "tags": []any{"x", "y"}}},
		{ID: "v2", Type: "A", Embedding: []float32{1, 1, 0, 0}, Properties: map[string]any{"color": "blue", "n": 2, "nested": map[string]any{"a": 5}}},
		{ID: "v3", Type: "B", Embedding: []float32{0.1, 0.3, 0.1, 0}, Properties: map[string]any{"color": "red", "n": 3, "tags": []any{"y"}}},
		{ID: "v4", Type: "B", Embedding: []float32{-1, 0, 0, 0.5}, Properties: map[string]any{"color": "green", "nested": map[string]any{"a": 6}}},
		{ID: "v5", Type: "C", Embedding: []float32{0, 0, 3, 1}, Properties: map[string]any{"color": "red", "tags": []any{map[string]any{"a": 5, "b": 7}}}},
		{ID: "noemb", Type: "A", Properties: map[string]any{"color": "red"}},
	}
}

var query = []float32{2, 1, 0.5, 0}

// expectedHits ranks nodes by float64 cosine to q, best first.
func expectedHits(nodes []kg.Node, q []float32, k int, f *kg.Filter) []string {
	ids := []string{}
	for _, n := range nodes {
		if n.Embedding != nil && f.Match(&n) {
			ids = append(ids, n.ID)
		}
	}
	byID := map[string]kg.Node{}
	for _, n := range nodes {
		byID[n.ID] = n
	}
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Compare(Cosine(q, byID[b].Embedding), Cosine(q, byID[a].Embedding))
	})
	return ids[:min(k, len(ids))]
}

func checkSearch(t *testing.T, st kg.Store, nodes []kg.Node, k int, f *kg.Filter) {
	t.Helper()
	hits, err := st.VectorSearch(ctx(t), query, k, f)
	require.NoError(t, err)
	want := expectedHits(nodes, query, k, f)
	require.Equal(t, want, hitIDs(hits))
	byID := map[string]kg.Node{}
	for _, n := range nodes {
		byID[n.ID] = n
	}
	for _, h := range hits {
		assert.InDelta(t, Cosine(query, byID[h.Node.ID].Embedding), float64(h.Score), 1e-5, "score of %s", h.Node.ID)
		requireNode(t, byID[h.Node.ID], &h.Node)
	}
}

func testVectorSearch(t *testing.T, st kg.Store) {
	nodes := vectorNodes()
	upsertNodes(t, st, nodes...)
	for _, k := range []int{1, 2, 3, 5, 100} {
		checkSearch(t, st, nodes, k, nil)
	}
	hits, err := st.VectorSearch(ctx(t), query, 100, nil)
	require.NoError(t, err)
	assert.Len(t, hits, 5, "nodes without an embedding are skipped")
	assert.Less(t, hits[4].Score, float32(0), "negative similarities are returned too")

	hits, err = st.VectorSearch(ctx(t), query, 0, nil)
	require.NoError(t, err)
	assert.Empty(t, hits, "k = 0")

	_, err = st.VectorSearch(ctx(t), []float32{1, 0, 0}, 3, nil)
	require.ErrorIs(t, err, kg.ErrDimension)
	_, err = st.VectorSearch(ctx(t), []float32{1, 0, 0, 0, 0}, 3, nil)
	require.ErrorIs(t, err, kg.ErrDimension)
}

func testVectorSearchFilters(t *testing.T, st kg.Store) {
	nodes := vectorNodes()
	upsertNodes(t, st, nodes...)
	filters := map[string]*kg.Filter{
		"empty":            {},
		"type":             {Types: []string{"B"}},
		"types":            {Types: []string{"B", "C"}},
		"unknown type":     {Types: []string{"Z"}},
		"property":         {Properties: map[string]any{"color": "red"}},
		"number":           {Properties: map[string]any{"n": 2}},
		"number as float":  {Properties: map[string]any{"n": 3.0}},
		"array contains":   {Properties: map[string]any{"tags": "y"}},
		"dotted path":      {Properties: map[string]any{"nested.a": 5}},
		"dotted path miss": {Properties: map[string]any{"nested.b": 5}},
		"object in array":  {Properties: map[string]any{"tags": map[string]any{"a": 5, "b": 7}}},
		"object whole":     {Properties: map[string]any{"nested": map[string]any{"a": 6}}},
		"type and props":   {Types: []string{"A"}, Properties: map[string]any{"color": "red", "tags": "x"}},
		"no match":         {Properties: map[string]any{"color": "purple"}},
	}
	for name, f := range filters {
		t.Run(name, func(t *testing.T) {
			checkSearch(t, st, nodes, 10, f)
			checkSearch(t, st, nodes, 1, f)
		})
	}
}

func testVectorSearchUpdates(t *testing.T, st kg.Store) {
	nodes := vectorNodes()
	upsertNodes(t, st, nodes...)
	// Replacing an embedding, a type or a property moves the node.
	upd := []kg.Node{
		{ID: "v4", Type: "B", Embedding: []float32{2, 1, 0.5, 0}},
		{ID: "v1", Type: "Z", Properties: map[string]any{"color": "black"}},
		{ID: "noemb", Type: "A", Embedding: []float32{0, 0, 0, 1}},
	}
	upsertNodes(t, st, upd...)
	for i, n := range nodes {
		for _, u := range upd {
			if u.ID == n.ID {
				nodes[i] = kg.MergeNode(&n, u)
			}
		}
	}
	checkSearch(t, st, nodes, 10, nil)
	checkSearch(t, st, nodes, 10, &kg.Filter{Types: []string{"A"}})
	checkSearch(t, st, nodes, 10, &kg.Filter{Properties: map[string]any{"color": "red"}})
	hits, err := st.VectorSearch(ctx(t), query, 1, nil)
	require.NoError(t, err)
	assert.Equal(t, "v4", hits[0].Node.ID)
	assert.InDelta(t, 1, hits[0].Score, 1e-5)
}

func testVectorSearchEmpty(t *testing.T, st kg.Store) {
	hits, err := st.VectorSearch(ctx(t), query, 5, nil)
	require.NoError(t, err)
	assert.Empty(t, hits)
	upsertNodes(t, st, kg.Node{ID: "x", Type: "T"})
	hits, err = st.VectorSearch(ctx(t), query, 5, nil)
	require.NoError(t, err)
	assert.Empty(t, hits, "no node has an embedding")
}
