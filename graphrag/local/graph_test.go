package local

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

func TestNeighbors(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	require.NoError(t, s.UpsertNodes(ctx, []kg.Node{node("a", "T", nil), node("b", "T", nil)}))
	// Inserted out of order; "ab" shares a prefix with "a".
	require.NoError(t, s.UpsertEdges(ctx, []kg.Edge{
		edge("a", "likes", "c"), edge("a", "eats", "b"), edge("a", "likes", "b"),
		edge("a", "eats", "ab"), edge("b", "likes", "a"), edge("a", "self", "a"),
		edge("ab", "eats", "a"), edge("a", "like", "z"),
	}))
	tests := []struct {
		name string
		id   string
		opts kg.NeighborOptions
		want []string
	}{
		{"outgoing all", "a", kg.NeighborOptions{}, []string{"a|eats|ab", "a|eats|b", "a|like|z", "a|likes|b", "a|likes|c", "a|self|a"}},
		{"outgoing typed", "a", kg.NeighborOptions{EdgeTypes: []string{"likes"}}, []string{"a|likes|b", "a|likes|c"}},
		{"type is not a prefix match", "a", kg.NeighborOptions{EdgeTypes: []string{"like"}}, []string{"a|like|z"}},
		{"typed any order", "a", kg.NeighborOptions{EdgeTypes: []string{"likes", "eats", "likes"}}, []string{"a|eats|ab", "a|eats|b", "a|likes|b", "a|likes|c"}},
		{"limit", "a", kg.NeighborOptions{Limit: 3}, []string{"a|eats|ab", "a|eats|b", "a|like|z"}},
		{"limit across types", "a", kg.NeighborOptions{EdgeTypes: []string{"self", "likes"}, Limit: 3}, []string{"a|likes|b", "a|likes|c", "a|self|a"}},
		{"incoming", "a", kg.NeighborOptions{Direction: kg.Incoming}, []string{"ab|eats|a", "b|likes|a", "a|self|a"}},
		{"both", "a", kg.NeighborOptions{Direction: kg.Both}, []string{
			"ab|eats|a", "a|eats|ab", "a|eats|b", "a|like|z", "a|likes|b", "b|likes|a", "a|likes|c", "a|self|a"}},
		{"both limit", "a", kg.NeighborOptions{Direction: kg.Both, Limit: 2}, []string{"ab|eats|a", "a|eats|ab"}},
		{"unstored endpoint", "c", kg.NeighborOptions{Direction: kg.Incoming}, []string{"a|likes|c"}},
		{"unknown node", "nope", kg.NeighborOptions{Direction: kg.Both}, []string{}},
		{"unknown type", "a", kg.NeighborOptions{EdgeTypes: []string{"x"}}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Neighbors(ctx, []string{tt.id}, tt.opts)
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, tt.want, edgeIDs(got[0]))
		})
	}
	got, err := s.Neighbors(ctx, []string{"b", "nope", "a"}, kg.NeighborOptions{Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"b|likes|a"}, {}, {"a|eats|ab"}}, [][]string{edgeIDs(got[0]), edgeIDs(got[1]), edgeIDs(got[2])})
	// Parallel edges (same type and other node) are ordered by edge ID,
	// whatever their insertion order, also at the limit.
	require.NoError(t, s.UpsertEdges(ctx, []kg.Edge{
		{ID: "p3", From: "p", To: "q", Type: "R"}, {ID: "p1", From: "p", To: "q", Type: "R"},
		{ID: "p2", From: "q", To: "p", Type: "R"}, {ID: "p0", From: "p", To: "r", Type: "R"},
	}))
	for _, tc := range []struct {
		opts kg.NeighborOptions
		want []string
	}{
		{kg.NeighborOptions{Limit: 1}, []string{"p1"}},
		{kg.NeighborOptions{}, []string{"p1", "p3", "p0"}},
		{kg.NeighborOptions{Direction: kg.Both, Limit: 2}, []string{"p1", "p2"}},
		{kg.NeighborOptions{Direction: kg.Both, EdgeTypes: []string{"R"}}, []string{"p1", "p2", "p3", "p0"}},
	} {
		got, err := s.Neighbors(ctx, []string{"p"}, tc.opts)
		require.NoError(t, err)
		assert.Equal(t, tc.want, edgeIDs(got[0]), "%+v", tc.opts)
	}
	_, err = s.Neighbors(ctx, []string{"a"}, kg.NeighborOptions{Limit: -1})
	require.ErrorIs(t, err, kg.ErrInvalid)
}

func TestDeleteDocument(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	require.NoError(t, s.UpsertDocuments(ctx, []kg.Document{{ID: "d1"}, {ID: "d2"}, {ID: "d10"}}))
	require.NoError(t, s.UpsertChunks(ctx, []kg.Chunk{
		{ID: "c1", DocumentID: "d1"}, {ID: "c2", DocumentID: "d1"}, {ID: "c3", DocumentID: "d2"}, {ID: "c10", DocumentID: "d10"},
	}))
	require.NoError(t, s.UpsertNodes(ctx, []kg.Node{
		node("only1", "T", []float32{1, 0}, "c1", "c2"),
		node("shared", "T", []float32{0, 1}, "c1", "c3"),
		node("only2", "T", nil, "c3"),
		node("bare", "T", []float32{1, 1}),
		node("other", "T", nil, "c10"),
	}))
	require.NoError(t, s.UpsertEdges(ctx, []kg.Edge{
		edge("only1", "R", "shared", "c2"),
		edge("shared", "R", "only2", "c1", "c3"),
		edge("shared", "S", "bare"),
	}))
	st, err := s.DeleteDocument(ctx, "d1")
	require.NoError(t, err)
	assert.Equal(t, kg.DeleteStats{Chunks: 2, Nodes: 1, Edges: 1, NodesKept: 1, EdgesKept: 1}, st)

	n, err := s.Nodes(ctx, []string{"only1", "shared", "only2", "bare", "other"})
	require.NoError(t, err)
	assert.Equal(t, []string{"", "shared", "only2", "bare", "other"}, ids(n))
	assert.Equal(t, []string{"c3"}, n[1].ChunkIDs)
	c, err := s.Chunks(ctx, []string{"c1", "c2", "c3", "c10"})
	require.NoError(t, err)
	assert.Equal(t, []bool{true, true, false, false}, []bool{c[0] == nil, c[1] == nil, c[2] == nil, c[3] == nil})
	nb, err := s.Neighbors(ctx, []string{"shared", "only1"}, kg.NeighborOptions{Direction: kg.Both})
	require.NoError(t, err)
	assert.Equal(t, []string{"shared|R|only2", "shared|S|bare"}, edgeIDs(nb[0]))
	assert.Equal(t, []string{"c3"}, nb[0][0].ChunkIDs)
	assert.Empty(t, nb[1])
	hits, err := s.VectorSearch(ctx, []float32{1, 0}, 10, nil)
	require.NoError(t, err)
	assert.Len(t, hits, 2, "the removed node left the index")
	stats, err := s.Stats(ctx)
	require.NoError(t, err)
	assert.Equal(t, kg.Stats{Documents: 2, Chunks: 2, Nodes: 4, Edges: 2, Embedded: 2, Dimension: 2}, stats)
	checkIndex(t, s)

	st, err = s.DeleteDocument(ctx, "d1")
	require.NoError(t, err)
	assert.Zero(t, st, "second delete finds nothing")

	st, err = s.DeleteDocument(ctx, "d2")
	require.NoError(t, err)
	assert.Equal(t, kg.DeleteStats{Chunks: 1, Nodes: 2, Edges: 1}, st)

	require.NoError(t, s.Close())
	s2, err := Open(path)
	require.NoError(t, err)
	defer s2.Close()
	checkIndex(t, s2)
	stats, err = s2.Stats(ctx)
	require.NoError(t, err)
	assert.Equal(t, kg.Stats{Documents: 1, Chunks: 1, Nodes: 2, Edges: 1, Embedded: 1, Dimension: 2}, stats)
}

func TestOntology(t *testing.T) {
	ctx := context.Background()
	onto := &kg.Ontology{
		EntityTypes: []kg.EntityType{
			{Name: "Person", Properties: []kg.PropertyDef{{Name: "age", Type: "integer"}, {Name: "name", Type: "string", Required: true}}},
			{Name: "City"},
		},
		RelationTypes: []kg.RelationType{{Name: "lives_in", Source: []string{"Person"}, Target: []string{"City"}}},
	}
	require.NoError(t, onto.Validate())
	s, _ := openTemp(t, WithOntology(onto))
	person := kg.Node{ID: "p", Type: "Person", Properties: map[string]any{"name": "Ann", "age": 30}}
	require.NoError(t, s.UpsertNodes(ctx, []kg.Node{person, {ID: "c", Type: "City"}}))
	nodeCases := []struct {
		name string
		n    kg.Node
		msg  string
	}{
		{"unknown type", kg.Node{ID: "x", Type: "Robot"}, `unknown entity type "Robot"`},
		{"missing required", kg.Node{ID: "x", Type: "Person"}, `missing required property "name"`},
		{"wrong property type", kg.Node{ID: "x", Type: "Person", Properties: map[string]any{"name": "A", "age": 1.5}}, `"age"`},
	}
	for _, tt := range nodeCases {
		t.Run(tt.name, func(t *testing.T) {
			err := s.UpsertNodes(ctx, []kg.Node{{ID: "fine", Type: "City"}, tt.n})
			require.ErrorIs(t, err, kg.ErrOntology)
			assert.Contains(t, err.Error(), tt.msg)
			assert.Contains(t, err.Error(), `"x"`)
			got, err := s.Nodes(ctx, []string{"fine"})
			require.NoError(t, err)
			assert.Nil(t, got[0], "nothing of the batch applied")
		})
	}
	require.NoError(t, s.UpsertNodes(ctx, []kg.Node{{ID: "p", Type: "Person", Properties: map[string]any{"age": 31}}}), "required property kept by merge")

	edgeCases := []struct {
		name string
		e    kg.Edge
		err  bool
	}{
		{"valid", edge("p", "lives_in", "c"), false},
		{"unstored endpoint", edge("p", "lives_in", "later"), false},
		{"unknown relation", edge("p", "owns", "c"), true},
		{"wrong direction", edge("c", "lives_in", "p"), true},
	}
	for _, tt := range edgeCases {
		t.Run(tt.name, func(t *testing.T) {
			err := s.UpsertEdges(ctx, []kg.Edge{tt.e})
			if !tt.err {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, kg.ErrOntology)
			assert.Contains(t, err.Error(), tt.e.ID)
		})
	}
}
