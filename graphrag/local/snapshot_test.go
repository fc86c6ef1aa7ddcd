package local

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHNSWSnapshot checks that a clean Close persists the HNSW index, that
// Open loads it when it matches the records, and that a stale or corrupt
// snapshot is ignored (rebuilt) with the answers unchanged.
func TestHNSWSnapshot(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kg.db")
	rng := rand.New(rand.NewPCG(9, 10))
	open := func() *Store {
		s, err := Open(path, WithIndex(IndexHNSW))
		require.NoError(t, err)
		checkIndex(t, s)
		return s
	}
	query := benchNodes(rng, 0, 1, 16)[0].Embedding
	top := func(s *Store) []string {
		hits, err := s.VectorSearch(ctx, query, 5, nil)
		require.NoError(t, err)
		out := make([]string, len(hits))
		for i, h := range hits {
			out[i] = h.Node.ID
		}
		return out
	}

	// The first store is tiny: exact for reference.
	ref, err := Open(path+".exact", WithIndex(IndexExact))
	require.NoError(t, err)
	defer ref.Close()

	s := open()
	require.False(t, s.snapLoaded)
	batch := benchNodes(rng, 0, 300, 16)
	require.NoError(t, s.UpsertNodes(ctx, batch))
	require.NoError(t, ref.UpsertNodes(ctx, batch))
	want := top(ref)
	require.Equal(t, want, top(s))
	require.NoError(t, s.Close())
	old, err := os.ReadFile(path + ".hnsw")
	require.NoError(t, err)

	s = open()
	require.True(t, s.snapLoaded, "valid snapshot loaded")
	require.Equal(t, want, top(s))
	_, err = os.Stat(path + ".hnsw")
	require.ErrorIs(t, err, os.ErrNotExist, "snapshot removed while open")
	more := benchNodes(rng, 300, 50, 16)
	require.NoError(t, s.UpsertNodes(ctx, more))
	require.NoError(t, ref.UpsertNodes(ctx, more))
	want = top(ref)
	require.NoError(t, s.Close())

	for name, snap := range map[string][]byte{
		"stale":   old,
		"corrupt": append([]byte("garbage"), old[7:]...),
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(path+".hnsw", snap, 0o600))
			s := open()
			require.False(t, s.snapLoaded, "%s snapshot ignored", name)
			st, err := s.Stats(ctx)
			require.NoError(t, err)
			require.Equal(t, 350, st.Embedded)
			require.Equal(t, want, top(s), fmt.Sprint(name))
			require.NoError(t, s.Close())
		})
	}
}
