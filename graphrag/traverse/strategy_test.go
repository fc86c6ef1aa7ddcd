package traverse_test

import (
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/traverse"
)

func TestMMR(t *testing.T) {
	st := newStore(t, chainNodes(), []traverse.EdgeSpec{linkK})
	base := []traverse.Option{traverse.WithEdges(linkK), traverse.WithSelectK(10)}
	tests := []struct {
		name     string
		strategy traverse.MMR
		opts     []traverse.Option
		want     []string
	}{
		{name: "a marked pick ends the round, so its neighbours compete at once",
			strategy: traverse.NewMMR(traverse.Lambda(1)),
			opts:     []traverse.Option{traverse.WithStartK(1), traverse.WithInitialRoots("f")},
			want:     []string{"a/0", "b/1", "c/2", "e/2", "d/3", "f/0"}}, // else f would come second
		{name: "an unmarked pick lets the round go on",
			strategy: traverse.NewMMR(traverse.Lambda(1)),
			opts:     []traverse.Option{traverse.WithStartK(1), traverse.WithInitialRoots("f"), traverse.WithMaxDepth(1)},
			want:     []string{"a/0", "b/1", "f/0"}},
		{name: "lambda 0 prefers diversity",
			strategy: traverse.NewMMR(traverse.Lambda(0)),
			opts:     []traverse.Option{traverse.WithStartK(6), traverse.WithMaxDepth(0), traverse.WithSelectK(3)},
			want:     []string{"a/0", "f/0", "e/0"}}, // a wins the tie at 0, then the least redundant
		{name: "min score stops the picking",
			strategy: traverse.NewMMR(traverse.MinMMRScore(0.1)),
			opts:     []traverse.Option{traverse.WithStartK(2), traverse.WithMaxDepth(0)},
			want:     []string{"a/0"}},
		{name: "select_k bounds the picks",
			strategy: traverse.NewMMR(traverse.Lambda(0.3)),
			opts:     []traverse.Option{traverse.WithStartK(6), traverse.WithSelectK(2)},
			want:     []string{"a/0", "f/0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := traverse.Run(t.Context(), st, query, tc.strategy, append(base, tc.opts...)...)
			require.NoError(t, err)
			assert.Equal(t, tc.want, idDepths(res))
		})
	}
}

func TestMMRMetrics(t *testing.T) {
	st := newStore(t, chainNodes(), []traverse.EdgeSpec{linkK})
	res, err := traverse.Run(t.Context(), st, query, traverse.NewMMR(),
		traverse.WithStartK(3), traverse.WithMaxDepth(0), traverse.WithSelectK(3))
	require.NoError(t, err)
	// Start set a(0°), b(10°), c(20°); λ = 0.5; cos between nodes is the
	// cosine of their angle difference.
	// a: 0.5·1 − 0 = 0.5. Then b: 0.5·cos10 − 0.5·cos10 = 0, c: 0.5·cos20 −
	// 0.5·cos20 = 0: a tie, the earlier discovered (b) wins. Then c:
	// redundancy max(cos20, cos10) = cos10.
	require.Equal(t, []string{"a", "b", "c"}, resultIDs(res))
	want := []struct{ score, redundancy float64 }{
		{0.5, 0},
		{0.5*cos(10) - 0.5*cos(10), cos(10)},
		{0.5*cos(20) - 0.5*cos(10), cos(10)},
	}
	for i, w := range want {
		assert.InDelta(t, w.score, res[i].Score, 1e-6, "score of %s", res[i].ID)
		assert.InDelta(t, w.redundancy, res[i].Redundancy, 1e-6, "redundancy of %s", res[i].ID)
	}
}

func TestScored(t *testing.T) {
	st := newStore(t, chainNodes(), []traverse.EdgeSpec{linkK})
	angle := map[string]float64{"a": 0, "b": 10, "c": 20, "d": 30, "e": 40, "f": 80}
	byAngle := func(n *traverse.Node) float64 { return angle[n.ID] }
	byCloseness := func(n *traverse.Node) float64 { return -angle[n.ID] }
	nanA := func(n *traverse.Node) float64 {
		if n.ID == "a" {
			return math.NaN()
		}
		return angle[n.ID]
	}
	tests := []struct {
		name   string
		scorer traverse.Scorer
		limit  int
		opts   []traverse.Option
		want   []string
	}{
		{name: "all selected nodes, best score first",
			scorer: byAngle,
			opts:   []traverse.Option{traverse.WithStartK(1), traverse.WithSelectK(10)},
			want:   []string{"e/2", "d/3", "c/2", "b/1", "a/0"}},
		{name: "budget spent on marks only: nodes at max depth do not use it",
			scorer: byAngle, limit: 1, // b's round finds c and e at max depth; the next pops e and c for free, then marks a
			opts: []traverse.Option{traverse.WithStartK(2), traverse.WithSelectK(3), traverse.WithMaxDepth(1)},
			want: []string{"e/1", "c/1", "b/0"}},
		{name: "best score first across rounds",
			scorer: byCloseness,
			opts:   []traverse.Option{traverse.WithStartK(1), traverse.WithSelectK(3)},
			want:   []string{"a/0", "b/1", "c/2"}},
		{name: "without a per-iteration limit the first round spends the budget",
			scorer: byAngle,
			opts:   []traverse.Option{traverse.WithStartK(2), traverse.WithSelectK(2)},
			want:   []string{"b/0", "a/0"}},
		{name: "a per-iteration limit lets expansion find better nodes",
			scorer: byAngle, limit: 1,
			opts: []traverse.Option{traverse.WithStartK(2), traverse.WithSelectK(2)},
			want: []string{"e/1", "b/0"}},
		{name: "NaN scores rank last",
			scorer: nanA,
			opts:   []traverse.Option{traverse.WithStartK(3), traverse.WithMaxDepth(0)},
			want:   []string{"c/0", "b/0", "a/0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			strategy := traverse.NewScored(tc.scorer, traverse.PerIterationLimit(tc.limit))
			res, err := traverse.Run(t.Context(), st, query, strategy, append([]traverse.Option{traverse.WithEdges(linkK)}, tc.opts...)...)
			require.NoError(t, err)
			assert.Equal(t, tc.want, idDepths(res))
			for _, r := range res {
				want := tc.scorer(&r.Node)
				if math.IsNaN(want) {
					assert.True(t, math.IsNaN(r.Score), "score of %s", r.ID)
					continue
				}
				assert.Equal(t, want, r.Score, "score of %s", r.ID)
			}
		})
	}
}

// probe is a custom strategy that exercises the Tracker contract.
type probe struct{ t *testing.T }

func (p probe) Begin([]float32) (traverse.Selector, error) { return &probeSel{t: p.t}, nil }

type probeSel struct {
	t      *testing.T
	rounds int
}

func (p *probeSel) Iterate(discovered []*traverse.Node, tr *traverse.Tracker) {
	p.rounds++
	stranger := &traverse.Node{Node: kg.Node{ID: "stranger"}}
	assert.False(p.t, tr.Select(traverse.Result{Node: *stranger}), "an undiscovered node cannot be selected")
	assert.False(p.t, tr.Mark(stranger), "an undiscovered node cannot be marked")
	for _, n := range discovered {
		if n.ID == "b" {
			assert.True(p.t, tr.Select(traverse.Result{Node: *n, Score: 7}))
			assert.False(p.t, tr.Select(traverse.Result{Node: *n}), "selected twice")
			assert.True(p.t, tr.Selected("b"))
		}
		assert.True(p.t, tr.Mark(n))
		assert.False(p.t, tr.Mark(n), "marked twice")
	}
	assert.Equal(p.t, 10-boolInt(tr.Selected("b")), tr.Remaining())
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (p *probeSel) Finish(selected []traverse.Result) []traverse.Result { return selected }

func TestCustomStrategy(t *testing.T) {
	st := newStore(t, chainNodes(), []traverse.EdgeSpec{linkK})
	sel := probe{t: t}
	res, err := traverse.Run(t.Context(), st, query, sel, traverse.WithEdges(linkK),
		traverse.WithStartK(1), traverse.WithSelectK(10))
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.Equal(t, "b", res[0].ID)
	assert.Equal(t, 7.0, res[0].Score)
	assert.Equal(t, 1, res[0].Depth)
}

func TestConcurrentRunsShareAStrategy(t *testing.T) {
	st := newStore(t, chainNodes(), []traverse.EdgeSpec{linkK})
	opts := []traverse.Option{traverse.WithEdges(linkK), traverse.WithStartK(2), traverse.WithSelectK(6)}
	for _, s := range []traverse.Strategy{traverse.Eager{}, traverse.NewMMR(),
		traverse.NewScored(func(n *traverse.Node) float64 { return -n.Similarity })} {
		want, err := traverse.Run(t.Context(), st, query, s, opts...)
		require.NoError(t, err)
		results := make([][]traverse.Result, 4)
		errs := make([]error, len(results))
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() { results[i], errs[i] = traverse.Run(t.Context(), st, query, s, opts...) })
		}
		wg.Wait()
		for i := range results {
			require.NoError(t, errs[i])
			assert.Equal(t, want, results[i], "%T run %d", s, i)
		}
	}
}
