package local

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// openTemp opens a store in a fresh directory, closed at the end of t.
func openTemp(t testing.TB, opts ...Option) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kg.db")
	s, err := Open(path, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func node(id, typ string, emb []float32, chunks ...string) kg.Node {
	return kg.Node{ID: id, Type: typ, Name: id, Embedding: emb, ChunkIDs: chunks}
}

func edge(from, typ, to string, chunks ...string) kg.Edge {
	return kg.Edge{ID: kg.EdgeID(from, typ, to), From: from, To: to, Type: typ, ChunkIDs: chunks}
}

// ids returns the node IDs of nodes (nil entries as "").
func ids(nodes []*kg.Node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		if n != nil {
			out[i] = n.ID
		}
	}
	return out
}

// edgeIDs lists the IDs of edges.
func edgeIDs(edges []kg.Edge) []string {
	out := make([]string, len(edges))
	for i, e := range edges {
		out[i] = e.ID
	}
	return out
}

// checkIndex asserts that the in-memory index matches the records.
func checkIndex(t testing.TB, s *Store) {
	t.Helper()
	require.NoError(t, s.Verify(context.Background()))
}
