package traverse_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/traverse"
)

// nilSelector is a broken strategy whose Begin returns no selector.
type nilSelector struct{}

func (nilSelector) Begin([]float32) (traverse.Selector, error) { return nil, nil }

func TestRunValidates(t *testing.T) {
	st := newStore(t, chainNodes(), nil)
	tests := []struct {
		name     string
		store    kg.Store
		query    []float32
		strategy traverse.Strategy
		opts     []traverse.Option
		field    string // the error names it
	}{
		{name: "nil store", strategy: traverse.Eager{}, field: "store"},
		{name: "nil strategy", store: st, field: "strategy"},
		{name: "empty query", store: st, query: []float32{}, strategy: traverse.Eager{}, field: "query"},
		{name: "NaN query", store: st, query: []float32{1, float32(math.NaN())}, strategy: traverse.Eager{}, field: "query[1]"},
		{name: "infinite query", store: st, query: []float32{float32(math.Inf(1)), 0}, strategy: traverse.Eager{}, field: "query[0]"},
		{name: "zero query", store: st, query: []float32{0, 0}, strategy: traverse.Eager{}, field: "zero vector"},
		{name: "select_k", opts: []traverse.Option{traverse.WithSelectK(0)}, field: "select_k = 0"},
		{name: "start_k", opts: []traverse.Option{traverse.WithStartK(-1)}, field: "start_k = -1"},
		{name: "adjacent_k", opts: []traverse.Option{traverse.WithAdjacentK(-2)}, field: "adjacent_k = -2"},
		{name: "max_depth", opts: []traverse.Option{traverse.WithMaxDepth(-1)}, field: "max_depth = -1"},
		{name: "root", opts: []traverse.Option{traverse.WithInitialRoots("a", "")}, field: "initial_roots[1]"},
		{name: "source", opts: []traverse.Option{traverse.WithEdges(linkK, traverse.Link("", "k"))}, field: "edges[1].source"},
		{name: "target", opts: []traverse.Option{traverse.WithEdges(traverse.Link("k", ""))}, field: "edges[0].target"},
		{name: "relation type", opts: []traverse.Option{traverse.WithEdges(traverse.Relation("", kg.Both))}, field: "edges[0].type"},
		{name: "direction", opts: []traverse.Option{traverse.WithEdges(traverse.Relation("R", kg.Direction(9)))}, field: "edges[0].direction"},
		{name: "metadata direction", opts: []traverse.Option{traverse.WithEdges(traverse.EdgeSpec{Source: "k", Target: "k", Direction: kg.Incoming})}, field: "edges[0].direction"},
		{name: "lambda", strategy: traverse.NewMMR(traverse.Lambda(1.5)), field: "lambda_mult = 1.5"},
		{name: "lambda NaN", strategy: traverse.NewMMR(traverse.Lambda(math.NaN())), field: "lambda_mult = NaN"},
		{name: "min score NaN", strategy: traverse.NewMMR(traverse.MinMMRScore(math.NaN())), field: "min_mmr_score"},
		{name: "scorer", strategy: traverse.NewScored(nil), field: "scorer"},
		{name: "per-iteration limit", strategy: traverse.NewScored(func(*traverse.Node) float64 { return 0 }, traverse.PerIterationLimit(-1)), field: "per_iteration_limit = -1"},
		{name: "selector", strategy: nilSelector{}, field: "Begin returned no selector"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store, q, strategy := tc.store, tc.query, tc.strategy
			if store == nil && tc.field != "store" {
				store = st
			}
			if q == nil {
				q = query
			}
			if strategy == nil && tc.field != "strategy" {
				strategy = traverse.Eager{}
			}
			_, err := traverse.Run(t.Context(), store, q, strategy, tc.opts...)
			require.ErrorIs(t, err, kg.ErrInvalid)
			assert.Contains(t, err.Error(), tc.field)
		})
	}
}

func TestRunStoreFaults(t *testing.T) {
	st := newStore(t, chainNodes(), []traverse.EdgeSpec{linkK})
	boom := errors.New("boom")
	run := func(t *testing.T, s kg.Store, opts ...traverse.Option) ([]traverse.Result, error) {
		return traverse.Run(t.Context(), s, query, traverse.Eager{},
			append([]traverse.Option{traverse.WithEdges(linkK), traverse.WithStartK(1)}, opts...)...)
	}
	t.Run("search error", func(t *testing.T) {
		_, err := run(t, hookStore{Store: st, search: func(context.Context, []float32, int, *kg.Filter) ([]kg.Hit, error) {
			return nil, boom
		}})
		require.ErrorIs(t, err, boom)
		assert.Contains(t, err.Error(), "start search")
	})
	t.Run("neighbors error", func(t *testing.T) {
		_, err := run(t, hookStore{Store: st, neighbors: func(context.Context, []string, kg.NeighborOptions) ([][]kg.Edge, error) {
			return nil, boom
		}})
		require.ErrorIs(t, err, boom)
		assert.Contains(t, err.Error(), "neighbors")
	})
	t.Run("nodes error", func(t *testing.T) {
		_, err := run(t, hookStore{Store: st, nodes: func(context.Context, []string) ([]*kg.Node, error) {
			return nil, boom
		}})
		require.ErrorIs(t, err, boom)
		assert.Contains(t, err.Error(), "read nodes")
	})
	t.Run("short batch", func(t *testing.T) {
		_, err := run(t, hookStore{Store: st, nodes: func(context.Context, []string) ([]*kg.Node, error) {
			return nil, nil
		}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "returned 0 entries")
	})
	t.Run("dimension mismatch", func(t *testing.T) {
		_, err := run(t, hookStore{Store: st, nodes: func(_ context.Context, ids []string) ([]*kg.Node, error) {
			out := make([]*kg.Node, len(ids))
			for i, id := range ids {
				out[i] = &kg.Node{ID: id, Type: "T", Properties: keys("x"), Embedding: []float32{1, 0, 0}}
			}
			return out, nil
		}}, traverse.WithStartK(0), traverse.WithInitialRoots("a"))
		require.ErrorIs(t, err, kg.ErrDimension)
		assert.Contains(t, err.Error(), `node "a"`)
	})
}

func TestRunCancel(t *testing.T) {
	st := newStore(t, chainNodes(), []traverse.EdgeSpec{linkK})
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := traverse.Run(ctx, st, query, traverse.Eager{}, traverse.WithEdges(linkK))
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("between rounds", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		calls := 0
		hs := hookStore{Store: st,
			search: func(ctx context.Context, v []float32, k int, f *kg.Filter) ([]kg.Hit, error) {
				defer cancel() // the start set arrives, then the caller gives up
				return st.VectorSearch(ctx, v, k, f)
			},
			neighbors: func(ctx context.Context, ids []string, o kg.NeighborOptions) ([][]kg.Edge, error) {
				calls++
				return st.Neighbors(ctx, ids, o)
			}}
		_, err := traverse.Run(ctx, hs, query, traverse.Eager{}, traverse.WithEdges(linkK))
		require.ErrorIs(t, err, context.Canceled)
		assert.Zero(t, calls, "no store call after cancellation")
	})
}

func TestMetadataEdgesValidates(t *testing.T) {
	_, err := traverse.MetadataEdges(chainNodes(), linkK, traverse.Relation("R", kg.Outgoing))
	require.ErrorIs(t, err, kg.ErrInvalid)
	assert.Contains(t, err.Error(), "specs[1]")
	_, err = traverse.MetadataEdges(chainNodes(), traverse.Link("k", ""))
	require.ErrorIs(t, err, kg.ErrInvalid)
	assert.Contains(t, err.Error(), "specs[0].target")
	_, err = traverse.MetadataEdges([]kg.Node{{ID: "a"}, {}}, linkK)
	require.ErrorIs(t, err, kg.ErrInvalid)
	assert.Contains(t, err.Error(), "nodes[1].id")
}
