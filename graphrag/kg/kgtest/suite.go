package kgtest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// Dim is the embedding dimension of the suite's synthetic subtests (the
// animals subtests use AnimalDim).
const Dim = 4

// Suite is the conformance suite with its options.
type Suite struct {
	// Open returns a new, empty store for one subtest. dim is the embedding
	// dimension the subtest uses; a store that learns it from the first
	// embedding may ignore it. The suite closes the store when the subtest
	// ends (Close must tolerate a second call, so Open may also register
	// its own cleanup).
	Open func(t *testing.T, dim int) kg.Store
	// DataDir is the folder holding animals.jsonl, expected.json and
	// embedding.json; "" finds it with AnimalsDir.
	DataDir string
	// SkipAnimals skips the animals data-set subtests.
	SkipAnimals bool
}

// Run runs the suite with a store opener that needs no dimension.
func Run(t *testing.T, open func(t *testing.T) kg.Store) {
	Suite{Open: func(t *testing.T, _ int) kg.Store { return open(t) }}.Run(t)
}

// Run runs every subtest of the suite.
func (s Suite) Run(t *testing.T) {
	require.NotNil(t, s.Open, "kgtest: Suite.Open is nil")
	tests := []struct {
		name string
		fn   func(t *testing.T, st kg.Store)
	}{
		{"UpsertNodesIdempotent", testUpsertNodesIdempotent},
		{"UpsertNodesMerge", testUpsertNodesMerge},
		{"UpsertEdgesMerge", testUpsertEdgesMerge},
		{"UpsertChunksAndDocuments", testUpsertChunks},
		{"BatchInvalid", testBatchInvalid},
		{"BatchDimension", testBatchDimension},
		{"BatchDuplicateIDs", testBatchDuplicateIDs},
		{"NodesInputOrder", testNodesOrder},
		{"ChunksInputOrder", testChunksOrder},
		{"Isolation", testIsolation},
		{"Neighbors", testNeighbors},
		{"VectorSearch", testVectorSearch},
		{"VectorSearchFilters", testVectorSearchFilters},
		{"VectorSearchUpdates", testVectorSearchUpdates},
		{"VectorSearchEmptyStore", testVectorSearchEmpty},
		{"DeleteDocument", testDeleteDocument},
		{"Stats", testStats},
		{"Close", testClose},
		{"ContextCancelled", testContextCancelled},
		{"ConcurrentReadersAndWriter", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, s.open(t, Dim))
		})
	}
	t.Run("Animals", func(t *testing.T) {
		if s.SkipAnimals {
			t.Skip("kgtest: animals subtests disabled by Suite.SkipAnimals")
		}
		s.runAnimals(t)
	})
}

func (s Suite) open(t *testing.T, dim int) kg.Store {
	t.Helper()
	st := s.Open(t, dim)
	require.NotNil(t, st, "kgtest: Open returned nil")
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// ctx returns the test's context.
func ctx(t *testing.T) context.Context { return t.Context() }

func upsertNodes(t *testing.T, st kg.Store, nodes ...kg.Node) {
	t.Helper()
	require.NoError(t, st.UpsertNodes(ctx(t), nodes))
}

func upsertEdges(t *testing.T, st kg.Store, edges ...kg.Edge) {
	t.Helper()
	require.NoError(t, st.UpsertEdges(ctx(t), edges))
}

func upsertChunks(t *testing.T, st kg.Store, chunks ...kg.Chunk) {
	t.Helper()
	require.NoError(t, st.UpsertChunks(ctx(t), chunks))
}

// getNode fetches one node (nil when missing).
func getNode(t *testing.T, st kg.Store, id string) *kg.Node {
	t.Helper()
	got, err := st.Nodes(ctx(t), []string{id})
	require.NoError(t, err)
	require.Len(t, got, 1)
	return got[0]
}

func stats(t *testing.T, st kg.Store) kg.Stats {
	t.Helper()
	s, err := st.Stats(ctx(t))
	require.NoError(t, err)
	return s
}

// requireProps checks properties with kg.Equal (numbers by value, so a
// store may return float64 or json.Number for an int it was given).
func requireProps(t *testing.T, want, got map[string]any) {
	t.Helper()
	if len(want) == 0 && len(got) == 0 {
		return
	}
	require.Truef(t, kg.Equal(toAny(want), toAny(got)), "properties: want %v, got %v", want, got)
}

func toAny(m map[string]any) any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// requireEmbedding checks that got is the vector want up to length (a
// store may normalise).
func requireEmbedding(t *testing.T, want, got []float32) {
	t.Helper()
	if want == nil {
		require.Empty(t, got, "embedding")
		return
	}
	require.Len(t, got, len(want), "embedding length")
	require.InDelta(t, 1, Cosine(want, got), 1e-6, "embedding direction")
}

// requireNode checks every field of a stored node.
func requireNode(t *testing.T, want kg.Node, got *kg.Node) {
	t.Helper()
	require.NotNilf(t, got, "node %q missing", want.ID)
	require.Equal(t, want.ID, got.ID)
	require.Equal(t, want.Type, got.Type, "node %q type", want.ID)
	require.Equal(t, want.Name, got.Name, "node %q name", want.ID)
	require.ElementsMatch(t, want.ChunkIDs, got.ChunkIDs, "node %q chunk ids", want.ID)
	requireProps(t, want.Properties, got.Properties)
	requireEmbedding(t, want.Embedding, got.Embedding)
}

func edgeIDs(edges []kg.Edge) []string {
	out := make([]string, len(edges))
	for i, e := range edges {
		out[i] = e.ID
	}
	return out
}

func hitIDs(hits []kg.Hit) []string {
	out := make([]string, len(hits)) // never nil, so [] compares equal to []
	for i, h := range hits {
		out[i] = h.Node.ID
	}
	return out
}
