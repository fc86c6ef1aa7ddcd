package local

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

func TestUpsertMerge(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		first kg.Node
		upd   kg.Node
		want  kg.Node
	}{
		{
			name:  "properties overlaid, chunks united",
			first: kg.Node{ID: "a", Type: "T", Name: "A", Properties: map[string]any{"x": 1.0, "y": "old"}, ChunkIDs: []string{"c1"}},
			upd:   kg.Node{ID: "a", Type: "T", Properties: map[string]any{"y": "new", "z": true}, ChunkIDs: []string{"c2", "c1"}},
			want:  kg.Node{ID: "a", Type: "T", Name: "A", Properties: map[string]any{"x": 1.0, "y": "new", "z": true}, ChunkIDs: []string{"c1", "c2"}},
		},
		{
			name:  "type name embedding replaced",
			first: kg.Node{ID: "b", Type: "T", Name: "B", Embedding: []float32{1, 0}},
			upd:   kg.Node{ID: "b", Type: "U", Name: "B2", Embedding: []float32{0, 1}},
			want:  kg.Node{ID: "b", Type: "U", Name: "B2", Embedding: []float32{0, 1}},
		},
		{
			name:  "embedding kept when unset",
			first: kg.Node{ID: "c", Type: "T", Embedding: []float32{1, 0}},
			upd:   kg.Node{ID: "c", Type: "T", Name: "C"},
			want:  kg.Node{ID: "c", Type: "T", Name: "C", Embedding: []float32{1, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			require.NoError(t, s.UpsertNodes(ctx, []kg.Node{tt.first}))
			require.NoError(t, s.UpsertNodes(ctx, []kg.Node{tt.upd}))
			got, err := s.Nodes(ctx, []string{tt.want.ID})
			require.NoError(t, err)
			require.NotNil(t, got[0])
			assert.Equal(t, tt.want, *got[0])
			st, err := s.Stats(ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, st.Nodes)
			checkIndex(t, s)
		})
	}
}

func TestEdgeMergeMovesAdjacency(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	require.NoError(t, s.UpsertEdges(ctx, []kg.Edge{{ID: "e", From: "a", To: "b", Type: "R", ChunkIDs: []string{"c1"}, Properties: map[string]any{"w": 1.0}}}))
	require.NoError(t, s.UpsertEdges(ctx, []kg.Edge{{ID: "e", From: "a", To: "c", Type: "S", ChunkIDs: []string{"c2"}}}))
	got, err := s.Neighbors(ctx, []string{"a", "b", "c"}, kg.NeighborOptions{Direction: kg.Both})
	require.NoError(t, err)
	require.Len(t, got[0], 1)
	assert.Equal(t, kg.Edge{ID: "e", From: "a", To: "c", Type: "S", Properties: map[string]any{"w": 1.0}, ChunkIDs: []string{"c1", "c2"}}, got[0][0])
	assert.Empty(t, got[1])
	assert.Equal(t, []string{"e"}, edgeIDs(got[2]))
	st, err := s.Stats(ctx)
	require.NoError(t, err)
	assert.Equal(t, kg.Stats{Edges: 1}, st)
}

func TestBatchIsAtomic(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		batch []kg.Node
		is    error
		names string
	}{
		{"dimension", []kg.Node{node("ok", "T", []float32{1, 0}), node("bad", "T", []float32{1, 0, 0})}, kg.ErrDimension, `"bad"`},
		{"empty type", []kg.Node{node("ok", "T", nil), {ID: "bad"}}, kg.ErrInvalid, `"bad"`},
		{"nan", []kg.Node{node("ok", "T", nil), node("bad", "T", []float32{float32(nan()), 0})}, kg.ErrInvalid, `"bad"`},
		{"unmarshalable property", []kg.Node{node("ok", "T", nil), {ID: "bad", Type: "T", Properties: map[string]any{"f": func() {}}}}, kg.ErrInvalid, `"bad"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			err := s.UpsertNodes(ctx, tt.batch)
			require.ErrorIs(t, err, tt.is)
			assert.Contains(t, err.Error(), tt.names)
			got, err := s.Nodes(ctx, []string{"ok", "bad"})
			require.NoError(t, err)
			assert.Equal(t, []*kg.Node{nil, nil}, got)
			st, err := s.Stats(ctx)
			require.NoError(t, err)
			assert.Equal(t, kg.Stats{}, st)
			checkIndex(t, s)
		})
	}
}

func nan() float64 { z := 0.0; return z / z }

func TestNodesAndChunksInInputOrder(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	require.NoError(t, s.UpsertNodes(ctx, []kg.Node{node("b", "T", nil), node("a", "T", nil), node("c", "T", nil)}))
	got, err := s.Nodes(ctx, []string{"c", "x", "a", "c", "b", ""})
	require.NoError(t, err)
	assert.Equal(t, []string{"c", "", "a", "c", "b", ""}, ids(got))
	assert.Nil(t, got[1])

	chunks := []kg.Chunk{
		{ID: "k1", DocumentID: "d", Text: "one", Start: 0, End: 3, Embedding: []float32{0.5, 0.25}},
		{ID: "k2", DocumentID: "d", Text: "two", Start: 4, End: 7},
	}
	require.NoError(t, s.UpsertChunks(ctx, chunks))
	gc, err := s.Chunks(ctx, []string{"k2", "nope", "k1"})
	require.NoError(t, err)
	require.Len(t, gc, 3)
	assert.Equal(t, chunks[1], *gc[0])
	assert.Nil(t, gc[1])
	assert.Equal(t, chunks[0], *gc[2])
}

func TestVectorSearch(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	hits, err := s.VectorSearch(ctx, []float32{1, 0}, 3, nil)
	require.NoError(t, err)
	assert.Empty(t, hits, "empty store")
	nodes := []kg.Node{
		{ID: "a", Type: "Animal", Properties: map[string]any{"legs": 4, "tags": []any{"pet"}}, Embedding: []float32{1, 0}},
		{ID: "b", Type: "Animal", Properties: map[string]any{"legs": 2}, Embedding: []float32{0.9, 0.1}},
		{ID: "c", Type: "Plant", Embedding: []float32{0, 1}},
		{ID: "d", Type: "Animal", Properties: map[string]any{"legs": 4}},
	}
	require.NoError(t, s.UpsertNodes(ctx, nodes))
	tests := []struct {
		name   string
		q      []float32
		k      int
		filter *kg.Filter
		want   []string
		is     error
	}{
		{name: "all", q: []float32{1, 0}, k: 10, want: []string{"a", "b", "c"}},
		{name: "k bounds", q: []float32{0, 1}, k: 1, want: []string{"c"}},
		{name: "type", q: []float32{0, 1}, k: 10, filter: &kg.Filter{Types: []string{"Animal"}}, want: []string{"b", "a"}},
		{name: "property number", q: []float32{1, 0}, k: 10, filter: &kg.Filter{Properties: map[string]any{"legs": 4.0}}, want: []string{"a"}},
		{name: "property array", q: []float32{1, 0}, k: 10, filter: &kg.Filter{Properties: map[string]any{"tags": "pet"}}, want: []string{"a"}},
		{name: "no match", q: []float32{1, 0}, k: 10, filter: &kg.Filter{Types: []string{"Rock"}}, want: []string{}},
		{name: "k zero", q: []float32{1, 0}, k: 0, want: []string{}},
		{name: "dimension", q: []float32{1, 0, 0}, k: 1, is: kg.ErrDimension},
		{name: "negative k", q: []float32{1, 0}, k: -1, is: kg.ErrInvalid},
		{name: "empty query", q: nil, k: 1, is: kg.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := s.VectorSearch(ctx, tt.q, tt.k, tt.filter)
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
				return
			}
			require.NoError(t, err)
			got := make([]string, len(hits))
			for i, h := range hits {
				got[i] = h.Node.ID
				if i > 0 {
					assert.GreaterOrEqual(t, hits[i-1].Score, h.Score)
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
	// Ties are broken by node ID, not by storage order, also at k.
	require.NoError(t, s.UpsertNodes(ctx, []kg.Node{node("z", "Tie", []float32{-1, -1}), node("y", "Tie", []float32{-2, -2}), node("x", "Tie", []float32{-3, -3})}))
	hits, err = s.VectorSearch(ctx, []float32{-1, -1}, 2, &kg.Filter{Types: []string{"Tie"}})
	require.NoError(t, err)
	require.Len(t, hits, 2)
	assert.Equal(t, []string{"x", "y"}, []string{hits[0].Node.ID, hits[1].Node.ID})
	require.NoError(t, s.UpsertNodes(ctx, []kg.Node{{ID: "x", Type: "Plant"}, {ID: "y", Type: "Plant"}, {ID: "z", Type: "Plant"}}))

	hits, err = s.VectorSearch(ctx, []float32{2, 0}, 1, nil)
	require.NoError(t, err)
	require.Len(t, hits, 1)
	assert.InDelta(t, 1.0, hits[0].Score, 1e-6)
	assert.Equal(t, []float32{1, 0}, hits[0].Node.Embedding, "stored embedding returned as given")
	st, err := s.Stats(ctx)
	require.NoError(t, err)
	assert.Equal(t, kg.Stats{Nodes: 7, Embedded: 6, Dimension: 2}, st)
}

// TestOpenCreatesDirectory: a path in folders that do not exist yet is
// created (a new user's first run, with the store in a cache directory).
func TestOpenCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "kgas.db")
	s, err := Open(path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = os.Stat(path)
	require.NoError(t, err)
}

func TestReopenPersists(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	require.NoError(t, s.UpsertDocuments(ctx, []kg.Document{{ID: "d1", ContentHash: "h", Metadata: map[string]any{"title": "T"}}}))
	require.NoError(t, s.UpsertChunks(ctx, []kg.Chunk{{ID: "c1", DocumentID: "d1", Text: "x", End: 1}}))
	require.NoError(t, s.UpsertNodes(ctx, []kg.Node{node("a", "T", []float32{1, 0}, "c1"), node("b", "T", []float32{0, 1}, "c1"), node("n", "T", nil, "c1")}))
	require.NoError(t, s.UpsertEdges(ctx, []kg.Edge{edge("a", "R", "b", "c1"), edge("b", "R", "a", "c1")}))

	answers := func(s *Store) (any, any, any, any) {
		n, err := s.Nodes(ctx, []string{"a", "b", "n", "x"})
		require.NoError(t, err)
		nb, err := s.Neighbors(ctx, []string{"a"}, kg.NeighborOptions{Direction: kg.Both})
		require.NoError(t, err)
		h, err := s.VectorSearch(ctx, []float32{1, 1}, 5, nil)
		require.NoError(t, err)
		st, err := s.Stats(ctx)
		require.NoError(t, err)
		return n, nb, h, st
	}
	n1, nb1, h1, st1 := answers(s)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
	_, err := s.Nodes(ctx, []string{"a"})
	require.ErrorIs(t, err, kg.ErrClosed)

	s2, err := Open(path)
	require.NoError(t, err)
	defer s2.Close()
	checkIndex(t, s2)
	n2, nb2, h2, st2 := answers(s2)
	assert.Equal(t, n1, n2)
	assert.Equal(t, nb1, nb2)
	assert.Equal(t, h1, h2)
	assert.Equal(t, st1, st2)
	assert.Equal(t, kg.Stats{Documents: 1, Chunks: 1, Nodes: 3, Edges: 2, Embedded: 2, Dimension: 2}, st2)
	docs, err := s2.Documents(ctx, []string{"nope", "d1"})
	require.NoError(t, err)
	assert.Equal(t, []*kg.Document{nil, {ID: "d1", ContentHash: "h", Metadata: map[string]any{"title": "T"}}}, docs)
}

func TestFileLock(t *testing.T) {
	_, path := openTemp(t)
	start := time.Now()
	s2, err := Open(path, WithTimeout(100*time.Millisecond))
	require.Error(t, err)
	assert.Nil(t, s2)
	assert.ErrorIs(t, err, ErrLocked)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), "locked by another process")
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestClosedAndCancelled(t *testing.T) {
	s, _ := openTemp(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func(ctx context.Context) error{
		"UpsertNodes": func(ctx context.Context) error { return s.UpsertNodes(ctx, []kg.Node{node("a", "T", nil)}) },
		"UpsertEdges": func(ctx context.Context) error { return s.UpsertEdges(ctx, []kg.Edge{edge("a", "R", "b")}) },
		"UpsertChunks": func(ctx context.Context) error {
			return s.UpsertChunks(ctx, []kg.Chunk{{ID: "c", DocumentID: "d"}})
		},
		"UpsertDocuments": func(ctx context.Context) error { return s.UpsertDocuments(ctx, []kg.Document{{ID: "d"}}) },
		"Nodes":           func(ctx context.Context) error { _, err := s.Nodes(ctx, []string{"a"}); return err },
		"Chunks":          func(ctx context.Context) error { _, err := s.Chunks(ctx, []string{"a"}); return err },
		"Neighbors": func(ctx context.Context) error {
			_, err := s.Neighbors(ctx, []string{"a"}, kg.NeighborOptions{})
			return err
		},
		"VectorSearch":   func(ctx context.Context) error { _, err := s.VectorSearch(ctx, []float32{1}, 1, nil); return err },
		"DeleteDocument": func(ctx context.Context) error { _, err := s.DeleteDocument(ctx, "d"); return err },
		"Stats":          func(ctx context.Context) error { _, err := s.Stats(ctx); return err },
	}
	for name, call := range calls {
		assert.ErrorIs(t, call(cancelled), context.Canceled, name)
	}
	require.NoError(t, s.Close())
	for name, call := range calls {
		err := call(context.Background())
		assert.True(t, errors.Is(err, kg.ErrClosed), "%s: %v", name, err)
	}
}
