package kgtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

func sampleNodes() []kg.Node {
	return []kg.Node{
		{ID: "ada", Type: "Person", Name: "Ada", Properties: map[string]any{"born": 1815, "tags": []any{"math"}},
			Embedding: []float32{1, 0, 0, 0}, ChunkIDs: []string{"c1"}},
		{ID: "babbage", Type: "Person", Name: "Charles Babbage", ChunkIDs: []string{"c1", "c2"}},
		{ID: "engine", Type: "Machine", Properties: map[string]any{"nested": map[string]any{"a": 5}},
			Embedding: []float32{0, 1, 0, 0}},
	}
}

func testUpsertNodesIdempotent(t *testing.T, st kg.Store) {
	nodes := sampleNodes()
	upsertNodes(t, st, nodes...)
	before := stats(t, st)
	upsertNodes(t, st, nodes...)
	upsertNodes(t, st, nodes...)
	assert.Equal(t, before, stats(t, st))
	assert.Equal(t, 3, before.Nodes)
	for _, n := range nodes {
		requireNode(t, n, getNode(t, st, n.ID))
	}
}

func testUpsertNodesMerge(t *testing.T, st kg.Store) {
	upsertNodes(t, st, kg.Node{ID: "n", Type: "Person", Name: "Ada",
		Properties: map[string]any{"a": 1, "b": "x"}, Embedding: []float32{1, 0, 0, 0}, ChunkIDs: []string{"c1", "c2"}})

	// Type, name and embedding unset: kept; properties overlaid; chunks united.
	upsertNodes(t, st, kg.Node{ID: "n", Type: "Person", Properties: map[string]any{"b": "y", "c": true}, ChunkIDs: []string{"c3", "c1"}})
	want := kg.Node{ID: "n", Type: "Person", Name: "Ada", Properties: map[string]any{"a": 1, "b": "y", "c": true},
		Embedding: []float32{1, 0, 0, 0}, ChunkIDs: []string{"c1", "c2", "c3"}}
	requireNode(t, want, getNode(t, st, "n"))

	// Type, name and embedding set: replaced.
	upsertNodes(t, st, kg.Node{ID: "n", Type: "Scientist", Name: "Ada Lovelace", Embedding: []float32{0, 0, 1, 0}})
	want.Type, want.Name, want.Embedding = "Scientist", "Ada Lovelace", []float32{0, 0, 1, 0}
	requireNode(t, want, getNode(t, st, "n"))

	// The store's merge agrees with kg.MergeNode.
	old := getNode(t, st, "n")
	upd := kg.Node{ID: "n", Type: "X", Properties: map[string]any{"d": []any{"p"}}, ChunkIDs: []string{"c9"}}
	upsertNodes(t, st, upd)
	requireNode(t, kg.MergeNode(old, upd), getNode(t, st, "n"))
	assert.Equal(t, 1, stats(t, st).Nodes)
}

func testUpsertEdgesMerge(t *testing.T, st kg.Store) {
	e := kg.Edge{ID: kg.EdgeID("a", "knows", "b"), From: "a", To: "b", Type: "knows",
		Properties: map[string]any{"w": 1}, ChunkIDs: []string{"c1"}}
	upsertEdges(t, st, e)
	upsertEdges(t, st, e) // idempotent
	upsertEdges(t, st, kg.Edge{ID: e.ID, From: "a", To: "b", Type: "knows", Properties: map[string]any{"v": "x"}, ChunkIDs: []string{"c2", "c1"}})
	assert.Equal(t, 1, stats(t, st).Edges)
	got, err := st.Neighbors(ctx(t), []string{"a"}, kg.NeighborOptions{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Len(t, got[0], 1)
	ge := got[0][0]
	assert.Equal(t, e.ID, ge.ID)
	assert.Equal(t, "a", ge.From)
	assert.Equal(t, "b", ge.To)
	assert.Equal(t, "knows", ge.Type)
	assert.ElementsMatch(t, []string{"c1", "c2"}, ge.ChunkIDs)
	requireProps(t, map[string]any{"w": 1, "v": "x"}, ge.Properties)
}

func testUpsertChunks(t *testing.T, st kg.Store) {
	require.NoError(t, st.UpsertDocuments(ctx(t), []kg.Document{
		{ID: "d1", Metadata: map[string]any{"title": "T"}, ContentHash: "h1"}, {ID: "d2"}}))
	require.NoError(t, st.UpsertDocuments(ctx(t), []kg.Document{{ID: "d1", ContentHash: "h2"}}))
	c := kg.Chunk{ID: "c1", DocumentID: "d1", Text: "hello world", Start: 0, End: 11, Embedding: []float32{1, 2, 3, 4}}
	upsertChunks(t, st, c, kg.Chunk{ID: "c2", DocumentID: "d-not-stored", Text: "x", Start: 3, End: 4})
	upsertChunks(t, st, c)
	s := stats(t, st)
	assert.Equal(t, 2, s.Documents)
	assert.Equal(t, 2, s.Chunks)
	got, err := st.Chunks(ctx(t), []string{"c1"})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.NotNil(t, got[0])
	assert.Equal(t, c.ID, got[0].ID)
	assert.Equal(t, c.DocumentID, got[0].DocumentID)
	assert.Equal(t, c.Text, got[0].Text)
	assert.Equal(t, c.Start, got[0].Start)
	assert.Equal(t, c.End, got[0].End)
	requireEmbedding(t, c.Embedding, got[0].Embedding)

	// A chunk upserted again is replaced.
	upsertChunks(t, st, kg.Chunk{ID: "c1", DocumentID: "d1", Text: "hello", Start: 0, End: 5})
	got, err = st.Chunks(ctx(t), []string{"c1"})
	require.NoError(t, err)
	assert.Equal(t, "hello", got[0].Text)
	assert.Equal(t, 5, got[0].End)
}

func testBatchInvalid(t *testing.T, st kg.Store) {
	good := kg.Node{ID: "good", Type: "T", Embedding: []float32{1, 0, 0, 0}}
	cases := []struct {
		name  string
		apply func() error
		names string
	}{
		{"node without type", func() error {
			return st.UpsertNodes(ctx(t), []kg.Node{good, {ID: "bad-node"}})
		}, "bad-node"},
		{"node without id", func() error { return st.UpsertNodes(ctx(t), []kg.Node{good, {Type: "T"}}) }, "id"},
		{"edge without to", func() error {
			return st.UpsertEdges(ctx(t), []kg.Edge{{ID: "e1", From: "a", To: "b", Type: "R"}, {ID: "bad-edge", From: "a", Type: "R"}})
		}, "bad-edge"},
		{"chunk with bad range", func() error {
			return st.UpsertChunks(ctx(t), []kg.Chunk{{ID: "c1", DocumentID: "d"}, {ID: "bad-chunk", DocumentID: "d", Start: 5, End: 1}})
		}, "bad-chunk"},
		{"chunk without document", func() error {
			return st.UpsertChunks(ctx(t), []kg.Chunk{{ID: "c1", DocumentID: "d"}, {ID: "orphan"}})
		}, "orphan"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.apply()
			require.ErrorIs(t, err, kg.ErrInvalid)
			assert.Contains(t, err.Error(), tc.names)
			assert.Equal(t, kg.Stats{}, stats(t, st), "nothing of a failed batch is applied")
		})
	}
}

func testBatchDimension(t *testing.T, st kg.Store) {
	err := st.UpsertNodes(ctx(t), []kg.Node{
		{ID: "a", Type: "T", Embedding: []float32{1, 0, 0, 0}},
		{ID: "b", Type: "T", Embedding: []float32{1, 0, 0}},
	})
	require.ErrorIs(t, err, kg.ErrDimension)
	assert.Equal(t, 0, stats(t, st).Nodes, "nothing of a failed batch is applied")

	upsertNodes(t, st, kg.Node{ID: "a", Type: "T", Embedding: []float32{1, 0, 0, 0}})
	err = st.UpsertNodes(ctx(t), []kg.Node{{ID: "c", Type: "T"}, {ID: "d", Type: "T", Embedding: []float32{1, 2}}})
	require.ErrorIs(t, err, kg.ErrDimension)
	s := stats(t, st)
	assert.Equal(t, 1, s.Nodes)
	assert.Equal(t, Dim, s.Dimension)
	assert.Nil(t, getNode(t, st, "c"))
}

func testBatchDuplicateIDs(t *testing.T, st kg.Store) {
	// Records repeated in one batch merge in order, as separate upserts would.
	upsertNodes(t, st,
		kg.Node{ID: "n", Type: "A", Properties: map[string]any{"x": 1}, ChunkIDs: []string{"c1"}},
		kg.Node{ID: "n", Type: "B", Properties: map[string]any{"y": 2}, ChunkIDs: []string{"c2"}},
	)
	requireNode(t, kg.Node{ID: "n", Type: "B", Properties: map[string]any{"x": 1, "y": 2}, ChunkIDs: []string{"c1", "c2"}},
		getNode(t, st, "n"))
	assert.Equal(t, 1, stats(t, st).Nodes)
}
