package traverse_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/kg/kgtest"
	"github.com/kgas-dev/kgas/graphrag/traverse"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// query is the query embedding of the hand-made graphs: a node at angle θ
// (degrees) has similarity cos θ to it.
var query = []float32{1, 0}

// at returns a node whose embedding makes angle deg with query.
func at(id string, deg float64, props map[string]any) kg.Node {
	r := deg * math.Pi / 180
	return kg.Node{ID: id, Type: "T", Properties: props,
		Embedding: []float32{float32(math.Cos(r)), float32(math.Sin(r))}}
}

func cos(deg float64) float64 {
	v := at("", deg, nil).Embedding
	return (float64(v[0])*float64(query[0]) + float64(v[1])*float64(query[1])) /
		math.Sqrt(float64(v[0])*float64(v[0])+float64(v[1])*float64(v[1]))
}

// keys makes the property map {"k": [vals...]}.
func keys(vals ...any) map[string]any { return map[string]any{"k": vals} }

// chainNodes is the graph most tests use, linked by Link("k", "k"):
//
//	a(0°) —x— b(10°) —y— c(20°), e(40°) —z— d(30°);  f(80°) alone
func chainNodes() []kg.Node {
	return []kg.Node{
		at("a", 0, keys("x")),
		at("b", 10, keys("x", "y")),
		at("c", 20, keys("y")),
		at("d", 30, keys("z")),
		at("e", 40, keys("y", "z")),
		at("f", 80, keys("w")),
	}
}

var linkK = traverse.Link("k", "k")

// newStore stores nodes, their metadata links for specs and extra edges.
func newStore(t testing.TB, nodes []kg.Node, specs []traverse.EdgeSpec, extra ...kg.Edge) *kgtest.MemStore {
	t.Helper()
	st := kgtest.NewMemStore()
	t.Cleanup(func() { _ = st.Close() })
	ctx := context.Background()
	require.NoError(t, st.UpsertNodes(ctx, nodes))
	edges, err := traverse.MetadataEdges(nodes, specs...)
	require.NoError(t, err)
	require.NoError(t, st.UpsertEdges(ctx, append(edges, extra...)))
	return st
}

// idDepths lists results as "id/depth".
func idDepths(res []traverse.Result) []string {
	out := make([]string, len(res))
	for i, r := range res {
		out[i] = r.ID + "/" + string(rune('0'+r.Depth))
	}
	return out
}

func resultIDs(res []traverse.Result) []string {
	out := make([]string, len(res))
	for i, r := range res {
		out[i] = r.ID
	}
	return out
}

// hookStore wraps a Store to inject faults.
type hookStore struct {
	kg.Store
	search    func(ctx context.Context, v []float32, k int, f *kg.Filter) ([]kg.Hit, error)
	nodes     func(ctx context.Context, ids []string) ([]*kg.Node, error)
	neighbors func(ctx context.Context, ids []string, o kg.NeighborOptions) ([][]kg.Edge, error)
}

func (h hookStore) VectorSearch(ctx context.Context, v []float32, k int, f *kg.Filter) ([]kg.Hit, error) {
	if h.search != nil {
		return h.search(ctx, v, k, f)
	}
	return h.Store.VectorSearch(ctx, v, k, f)
}

func (h hookStore) Nodes(ctx context.Context, ids []string) ([]*kg.Node, error) {
	if h.nodes != nil {
		return h.nodes(ctx, ids)
	}
	return h.Store.Nodes(ctx, ids)
}

func (h hookStore) Neighbors(ctx context.Context, ids []string, o kg.NeighborOptions) ([][]kg.Edge, error) {
	if h.neighbors != nil {
		return h.neighbors(ctx, ids, o)
	}
	return h.Store.Neighbors(ctx, ids, o)
}
