package traverse_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/kg/kgtest"
	"github.com/kgas-dev/kgas/graphrag/traverse"
)

// world is a random graph with traversal settings.
type world struct {
	nodes    []kg.Node
	specs    []traverse.EdgeSpec
	query    []float32
	selectK  int
	startK   int
	adjK     int
	maxDepth int // < 0: none
	filter   *kg.Filter
	roots    []string
}

func (w world) options() []traverse.Option {
	opts := []traverse.Option{traverse.WithEdges(w.specs...), traverse.WithSelectK(w.selectK),
		traverse.WithStartK(w.startK), traverse.WithAdjacentK(w.adjK), traverse.WithFilter(w.filter),
		traverse.WithInitialRoots(w.roots...)}
	if w.maxDepth >= 0 {
		opts = append(opts, traverse.WithMaxDepth(w.maxDepth))
	}
	return opts
}

func vec(t *rapid.T, label string) []float32 {
	v := make([]float32, 3)
	for i := range v {
		v[i] = float32(rapid.IntRange(-3, 3).Draw(t, fmt.Sprintf("%s[%d]", label, i)))
	}
	return v
}

func drawWorld(t *rapid.T) world {
	n := rapid.IntRange(1, 12).Draw(t, "n")
	w := world{maxDepth: -1}
	for i := range n {
		props := map[string]any{"keep": rapid.Bool().Draw(t, "keep")}
		var a []any
		for range rapid.IntRange(0, 3).Draw(t, "len(a)") {
			a = append(a, rapid.IntRange(0, 4).Draw(t, "a"))
		}
		props["a"] = a
		if rapid.Bool().Draw(t, "has b") {
			props["b"] = rapid.IntRange(0, 4).Draw(t, "b")
		}
		w.nodes = append(w.nodes, kg.Node{ID: fmt.Sprintf("n%d", i), Type: "T", Properties: props, Embedding: vec(t, "emb")})
	}
	for _, sp := range [][2]string{{"a", "a"}, {"a", "b"}, {"b", "a"}, {"b", "b"}} {
		if rapid.Bool().Draw(t, "spec "+sp[0]+sp[1]) {
			w.specs = append(w.specs, traverse.Link(sp[0], sp[1]))
		}
	}
	for {
		w.query = vec(t, "query")
		if slices.ContainsFunc(w.query, func(x float32) bool { return x != 0 }) {
			break
		}
	}
	w.selectK = rapid.IntRange(1, 8).Draw(t, "select_k")
	w.startK = rapid.IntRange(0, 5).Draw(t, "start_k")
	w.adjK = rapid.IntRange(0, 6).Draw(t, "adjacent_k")
	if rapid.Bool().Draw(t, "limit depth") {
		w.maxDepth = rapid.IntRange(0, 3).Draw(t, "max_depth")
	}
	if rapid.Bool().Draw(t, "filter") {
		w.filter = &kg.Filter{Properties: map[string]any{"keep": true}}
	}
	for range rapid.IntRange(0, 3).Draw(t, "roots") {
		w.roots = append(w.roots, fmt.Sprintf("n%d", rapid.IntRange(0, 13).Draw(t, "root")))
	}
	return w
}

// referenceEager is an independent breadth-first traversal built the way
// the graph-rag reference builds it (README §3–5): every link (field,
// value) is followed with a filtered vector search limited to adjacent_k,
// and the union is cut to adjacent_k by similarity before the already
// discovered nodes are dropped.
func referenceEager(ctx context.Context, st kg.Store, w world) ([]string, error) {
	depth := map[string]int{}
	var batch []*kg.Node
	if w.startK > 0 {
		hits, err := st.VectorSearch(ctx, w.query, w.startK, w.filter)
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			depth[h.Node.ID] = 0
			batch = append(batch, &h.Node)
		}
	}
	roots, err := st.Nodes(ctx, w.roots)
	if err != nil {
		return nil, err
	}
	for _, r := range roots {
		if r == nil {
			continue
		}
		if _, ok := depth[r.ID]; !ok {
			depth[r.ID] = 0
			batch = append(batch, r)
		}
	}
	values := func(n *kg.Node, field string) []any { // scalars only: numbers here; null makes no link
		vals, ok := n.Properties[field].([]any)
		if !ok {
			vals = []any{n.Properties[field]}
		}
		return slices.DeleteFunc(slices.Clone(vals), func(v any) bool { return v == nil })
	}
	type link struct {
		field string
		value any
	}
	key := func(l link) string { return fmt.Sprint(l.field, "=", l.value) }
	used := map[string]int{}
	out := []string{}
	for {
		var marked []*kg.Node
		for _, n := range batch {
			if len(out) == w.selectK {
				break
			}
			out = append(out, fmt.Sprintf("%s/%d", n.ID, depth[n.ID]))
			if w.maxDepth < 0 || depth[n.ID] < w.maxDepth {
				marked = append(marked, n)
			}
		}
		if len(out) == w.selectK || len(marked) == 0 {
			return out, nil
		}
		fresh := map[string]int{}
		var links []link
		for _, s := range w.specs {
			for _, m := range marked {
				for _, v := range values(m, s.Source) {
					l := link{s.Target, v}
					if _, ok := used[key(l)]; ok {
						continue
					}
					if d, ok := fresh[key(l)]; !ok || depth[m.ID]+1 < d {
						if !ok {
							links = append(links, l)
						}
						fresh[key(l)] = depth[m.ID] + 1
					}
				}
			}
		}
		found := map[string]*kg.Node{}
		for _, l := range links {
			f := map[string]any{l.field: l.value, "keep": true}
			if w.filter == nil {
				delete(f, "keep")
			}
			hits, err := st.VectorSearch(ctx, w.query, w.adjK, &kg.Filter{Properties: f})
			if err != nil {
				return nil, err
			}
			for _, h := range hits {
				found[h.Node.ID] = &h.Node
			}
		}
		for k, d := range fresh {
			used[k] = d
		}
		cands := slices.Collect(func(yield func(*kg.Node) bool) {
			for _, n := range found {
				if !yield(n) {
					return
				}
			}
		})
		slices.SortFunc(cands, func(a, b *kg.Node) int {
			return cmp.Or(cmp.Compare(kgtest.Cosine(w.query, b.Embedding), kgtest.Cosine(w.query, a.Embedding)), cmp.Compare(a.ID, b.ID))
		})
		batch = nil
		for _, n := range cands[:min(len(cands), w.adjK)] {
			if _, ok := depth[n.ID]; ok {
				continue
			}
			d := -1
			for _, s := range w.specs {
				for _, v := range values(n, s.Target) {
					if u, ok := used[key(link{s.Target, v})]; ok && (d < 0 || u < d) {
						d = u
					}
				}
			}
			depth[n.ID] = d
			batch = append(batch, n)
		}
	}
}

func TestPropertyTraversal(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := drawWorld(rt)
		ctx := context.Background()
		st := kgtest.NewMemStore()
		defer st.Close()
		require.NoError(rt, st.UpsertNodes(ctx, w.nodes))
		edges, err := traverse.MetadataEdges(w.nodes, w.specs...)
		require.NoError(rt, err)
		require.NoError(rt, st.UpsertEdges(ctx, edges))
		byID := map[string]kg.Node{}
		for _, n := range w.nodes {
			byID[n.ID] = n
		}

		strategies := map[string]traverse.Strategy{
			"eager": traverse.Eager{},
			"mmr":   traverse.NewMMR(traverse.Lambda(rapid.Float64Range(0, 1).Draw(rt, "lambda"))),
			"scored": traverse.NewScored(func(n *traverse.Node) float64 { return float64(len(n.ID)) - n.Similarity },
				traverse.PerIterationLimit(rapid.IntRange(0, 3).Draw(rt, "per_iteration_limit"))),
		}
		for name, s := range strategies {
			res, err := traverse.Run(ctx, st, w.query, s, w.options()...)
			require.NoError(rt, err, name)
			require.LessOrEqual(rt, len(res), w.selectK, "%s: at most select_k", name)
			seen := map[string]bool{}
			for _, r := range res {
				require.False(rt, seen[r.ID], "%s: %s returned twice", name, r.ID)
				seen[r.ID] = true
				n, ok := byID[r.ID]
				require.True(rt, ok, "%s: %s is stored", name, r.ID)
				require.GreaterOrEqual(rt, r.Depth, 0)
				if w.maxDepth >= 0 {
					require.LessOrEqual(rt, r.Depth, w.maxDepth, "%s: depth of %s", name, r.ID)
				}
				if r.Depth > 0 || !slices.Contains(w.roots, r.ID) {
					require.True(rt, w.filter.Match(&n), "%s: %s passes the filter", name, r.ID)
				}
				require.InDelta(rt, kgtest.Cosine(w.query, n.Embedding), r.Similarity, 1e-12)
			}
			if name == "mmr" {
				for i, r := range res {
					if i == 0 {
						require.Zero(rt, r.Redundancy)
					}
					require.GreaterOrEqual(rt, r.Redundancy, -1-1e-9)
				}
			}
			if name == "scored" {
				require.True(rt, slices.IsSortedFunc(res, func(a, b traverse.Result) int { return cmp.Compare(b.Score, a.Score) }))
			}
		}

		res, err := traverse.Run(ctx, st, w.query, traverse.Eager{}, w.options()...)
		require.NoError(rt, err)
		want, err := referenceEager(ctx, st, w)
		require.NoError(rt, err)
		require.Equal(rt, want, idDepths(res), "eager agrees with the search-per-link reference")
	})
}
