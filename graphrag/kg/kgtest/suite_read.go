package kgtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

func testNodesOrder(t *testing.T, st kg.Store) {
	nodes := sampleNodes()
	upsertNodes(t, st, nodes...)
	got, err := st.Nodes(ctx(t), []string{"engine", "missing", "ada", "engine", ""})
	require.NoError(t, err)
	require.Len(t, got, 5)
	requireNode(t, nodes[2], got[0])
	assert.Nil(t, got[1])
	requireNode(t, nodes[0], got[2])
	requireNode(t, nodes[2], got[3])
	assert.Nil(t, got[4])

	got, err = st.Nodes(ctx(t), nil)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testChunksOrder(t *testing.T, st kg.Store) {
	upsertChunks(t, st,
		kg.Chunk{ID: "c1", DocumentID: "d", Text: "one", End: 3},
		kg.Chunk{ID: "c2", DocumentID: "d", Text: "two", Start: 4, End: 7})
	got, err := st.Chunks(ctx(t), []string{"c2", "nope", "c1", "c2"})
	require.NoError(t, err)
	require.Len(t, got, 4)
	require.NotNil(t, got[0])
	assert.Equal(t, "two", got[0].Text)
	assert.Nil(t, got[1])
	require.NotNil(t, got[2])
	assert.Equal(t, "one", got[2].Text)
	require.NotNil(t, got[3])
	assert.Equal(t, "c2", got[3].ID)

	got, err = st.Chunks(ctx(t), []string{})
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testIsolation(t *testing.T, st kg.Store) {
	n := kg.Node{ID: "n", Type: "T", Properties: map[string]any{"k": "v", "arr": []any{"a"}},
		Embedding: []float32{1, 0, 0, 0}, ChunkIDs: []string{"c1"}}
	upsertNodes(t, st, n)
	// Mutating what was upserted does not change the store.
	n.Properties["k"] = "changed"
	n.Properties["arr"].([]any)[0] = "changed"
	n.Embedding[0], n.Embedding[1] = 0, 1
	n.ChunkIDs[0] = "changed"
	want := kg.Node{ID: "n", Type: "T", Properties: map[string]any{"k": "v", "arr": []any{"a"}},
		Embedding: []float32{1, 0, 0, 0}, ChunkIDs: []string{"c1"}}
	got := getNode(t, st, "n")
	requireNode(t, want, got)
	// Neither does mutating what was read.
	got.Properties["k"] = "changed"
	got.Embedding[0], got.Embedding[1] = 0, 1
	got.ChunkIDs[0] = "changed"
	hits, err := st.VectorSearch(ctx(t), []float32{1, 0, 0, 0}, 1, nil)
	require.NoError(t, err)
	require.Len(t, hits, 1)
	assert.InDelta(t, 1, hits[0].Score, 1e-5)
	hits[0].Node.Properties["k"] = "changed"
	requireNode(t, want, getNode(t, st, "n"))
}

func testNeighbors(t *testing.T, st kg.Store) {
	edge := func(from, typ, to string) kg.Edge {
		return kg.Edge{ID: kg.EdgeID(from, typ, to), From: from, To: to, Type: typ}
	}
	upsertEdges(t, st,
		edge("a", "knows", "c"), edge("a", "knows", "b"), edge("a", "likes", "d"),
		edge("e", "knows", "a"), edge("b", "likes", "a"), edge("b", "knows", "c"),
	)
	id := kg.EdgeID
	cases := []struct {
		name string
		ids  []string
		opts kg.NeighborOptions
		want [][]string
	}{
		{"outgoing by type then other id", []string{"a"}, kg.NeighborOptions{},
			[][]string{{id("a", "knows", "b"), id("a", "knows", "c"), id("a", "likes", "d")}}},
		{"incoming", []string{"a"}, kg.NeighborOptions{Direction: kg.Incoming},
			[][]string{{id("e", "knows", "a"), id("b", "likes", "a")}}},
		{"both", []string{"a"}, kg.NeighborOptions{Direction: kg.Both},
			[][]string{{id("a", "knows", "b"), id("a", "knows", "c"), id("e", "knows", "a"), id("b", "likes", "a"), id("a", "likes", "d")}}},
		{"types filter", []string{"a"}, kg.NeighborOptions{Direction: kg.Both, EdgeTypes: []string{"likes"}},
			[][]string{{id("b", "likes", "a"), id("a", "likes", "d")}}},
		{"several types", []string{"b"}, kg.NeighborOptions{Direction: kg.Both, EdgeTypes: []string{"likes", "knows"}},
			[][]string{{id("a", "knows", "b"), id("b", "knows", "c"), id("b", "likes", "a")}}},
		{"unknown type", []string{"a"}, kg.NeighborOptions{EdgeTypes: []string{"hates"}}, [][]string{{}}},
		{"limit", []string{"a"}, kg.NeighborOptions{Limit: 2}, [][]string{{id("a", "knows", "b"), id("a", "knows", "c")}}},
		{"limit per node", []string{"a", "b"}, kg.NeighborOptions{Direction: kg.Both, Limit: 1},
			[][]string{{id("a", "knows", "b")}, {id("a", "knows", "b")}}},
		{"limit above count", []string{"c"}, kg.NeighborOptions{Direction: kg.Incoming, Limit: 10},
			[][]string{{id("a", "knows", "c"), id("b", "knows", "c")}}},
		{"input order, unknown and duplicate ids", []string{"zz", "d", "a", "zz", "d"}, kg.NeighborOptions{Direction: kg.Incoming},
			[][]string{{}, {id("a", "likes", "d")}, {id("e", "knows", "a"), id("b", "likes", "a")}, {}, {id("a", "likes", "d")}}},
		{"no ids", nil, kg.NeighborOptions{}, [][]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.Neighbors(ctx(t), tc.ids, tc.opts)
			require.NoError(t, err)
			require.Len(t, got, len(tc.want))
			for i := range tc.want {
				assert.Equal(t, tc.want[i], edgeIDs(got[i]), "ids[%d] = %q", i, tc.ids[i])
			}
		})
	}
	t.Run("edge fields", func(t *testing.T) {
		got, err := st.Neighbors(ctx(t), []string{"e"}, kg.NeighborOptions{})
		require.NoError(t, err)
		require.Len(t, got[0], 1)
		assert.Equal(t, edge("e", "knows", "a"), got[0][0])
	})
}
