package graphrag_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra"
	"github.com/kgas-dev/kgas/astra/astratest"
	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/astrastore"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/local"
	"github.com/kgas-dev/kgas/llm/lexical"
)

// The hand-made graph of the end-to-end tests: a well in a field, the
// field's operator and reservoir formation, each fact in its own document.
var (
	handChunks = []kg.Chunk{
		{ID: "report-a1#0", DocumentID: "report-a1", Text: "Well A-1 is located in the Alpha field. Well A-1 reached a total depth of 3,100 m in sandstone."},
		{ID: "report-alpha#0", DocumentID: "report-alpha", Text: "The Alpha field is operated by Borealis Oil. The Alpha field produces from the Gamma Formation."},
		{ID: "report-gamma#0", DocumentID: "report-gamma", Text: "The Gamma Formation has an average porosity of 19 % and permeability of 300 mD."},
		{ID: "report-borealis#0", DocumentID: "report-borealis", Text: "Borealis Oil is a private company headquartered in Tromsø since 1990."},
	}
	handNodes = []kg.Node{
		{ID: "Well:a-1", Type: "Well", Name: "A-1", ChunkIDs: []string{"report-a1#0"}},
		{ID: "Field:alpha", Type: "Field", Name: "Alpha", ChunkIDs: []string{"report-a1#0", "report-alpha#0"}},
		{ID: "Operator:borealis oil", Type: "Operator", Name: "Borealis Oil", Properties: map[string]any{"founded": 1990.0},
			ChunkIDs: []string{"report-alpha#0", "report-borealis#0"}},
		{ID: "Formation:gamma formation", Type: "Formation", Name: "Gamma Formation", ChunkIDs: []string{"report-alpha#0", "report-gamma#0"}},
	}
	handEdges = []kg.Edge{
		{ID: kg.EdgeID("Well:a-1", "LOCATED_IN", "Field:alpha"), From: "Well:a-1", To: "Field:alpha", Type: "LOCATED_IN", ChunkIDs: []string{"report-a1#0"}},
		{ID: kg.EdgeID("Field:alpha", "OPERATED_BY", "Operator:borealis oil"), From: "Field:alpha", To: "Operator:borealis oil", Type: "OPERATED_BY", ChunkIDs: []string{"report-alpha#0"}},
		{ID: kg.EdgeID("Field:alpha", "PRODUCES_FROM", "Formation:gamma formation"), From: "Field:alpha", To: "Formation:gamma formation", Type: "PRODUCES_FROM", ChunkIDs: []string{"report-alpha#0"}},
	}
)

// loadHand writes the hand-made graph into st, nodes embedded from their
// NodeText with the lexical embedder.
func loadHand(t testing.TB, st kg.Store) {
	t.Helper()
	emb := lexical.New()
	nodes := make([]kg.Node, len(handNodes))
	for i, n := range handNodes {
		n.Embedding = emb.Vector(graphrag.NodeText(n))
		nodes[i] = n
	}
	ctx := context.Background()
	require.NoError(t, st.UpsertChunks(ctx, handChunks))
	require.NoError(t, st.UpsertNodes(ctx, nodes))
	require.NoError(t, st.UpsertEdges(ctx, handEdges))
}

// openLocal opens an embedded store in a temporary directory.
func openLocal(t testing.TB) kg.Store {
	t.Helper()
	st, err := local.Open(filepath.Join(t.TempDir(), "kg.db"), local.WithNoSync())
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// openAstra opens a store on an in-process Data API server.
func openAstra(t testing.TB) kg.Store {
	t.Helper()
	srv, err := astratest.NewServer()
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	c, err := astra.New(astra.WithoutEnvironment(), astra.WithEndpoint(srv.URL()))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	st, err := astrastore.New(context.Background(), c)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// stores are the stores the end-to-end tests run on.
var stores = []struct {
	name string
	open func(testing.TB) kg.Store
}{
	{"local", openLocal},
	{"astra", openAstra},
}

// engine returns an Engine on st with the lexical embedder, closed with the
// test.
func engine(t testing.TB, st kg.Store, opts ...graphrag.Option) *graphrag.Engine {
	t.Helper()
	e, err := graphrag.New(st, lexical.New(), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close()) })
	return e
}

// hookStore wraps a Store, counts the read calls and runs an optional hook
// before each; a hook's error fails the call.
type hookStore struct {
	kg.Store
	mu    sync.Mutex
	calls map[string]int
	ids   map[string][][]string // the IDs of each batch call
	hook  func(ctx context.Context, method string) error
}

func newHookStore(st kg.Store, hook func(ctx context.Context, method string) error) *hookStore {
	return &hookStore{Store: st, calls: map[string]int{}, ids: map[string][][]string{}, hook: hook}
}

func (s *hookStore) enter(ctx context.Context, method string, ids []string) error {
	s.mu.Lock()
	s.calls[method]++
	if ids != nil {
		s.ids[method] = append(s.ids[method], append([]string(nil), ids...))
	}
	s.mu.Unlock()
	if s.hook != nil {
		return s.hook(ctx, method)
	}
	return nil
}

func (s *hookStore) count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (s *hookStore) VectorSearch(ctx context.Context, v []float32, k int, f *kg.Filter) ([]kg.Hit, error) {
	if err := s.enter(ctx, "VectorSearch", nil); err != nil {
		return nil, err
	}
	return s.Store.VectorSearch(ctx, v, k, f)
}

func (s *hookStore) Nodes(ctx context.Context, ids []string) ([]*kg.Node, error) {
	if err := s.enter(ctx, "Nodes", ids); err != nil {
		return nil, err
	}
	return s.Store.Nodes(ctx, ids)
}

func (s *hookStore) Chunks(ctx context.Context, ids []string) ([]*kg.Chunk, error) {
	if err := s.enter(ctx, "Chunks", ids); err != nil {
		return nil, err
	}
	return s.Store.Chunks(ctx, ids)
}

func (s *hookStore) Neighbors(ctx context.Context, ids []string, o kg.NeighborOptions) ([][]kg.Edge, error) {
	if err := s.enter(ctx, "Neighbors", ids); err != nil {
		return nil, err
	}
	return s.Store.Neighbors(ctx, ids, o)
}
