package traverse_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/traverse"
)

// keepAllBut marks every chain node but the given ones with keep=true.
func keepAllBut(ids ...string) []kg.Node {
	nodes := chainNodes()
	for i := range nodes {
		keep := true
		for _, id := range ids {
			keep = keep && nodes[i].ID != id
		}
		nodes[i].Properties["keep"] = keep
	}
	return nodes
}

var keepFilter = &kg.Filter{Properties: map[string]any{"keep": true}}

func relationNodes() []kg.Node {
	nodes := chainNodes()
	for i := range nodes {
		nodes[i].Properties = nil
	}
	return nodes
}

func rel(from, to string) kg.Edge {
	return kg.Edge{ID: kg.EdgeID(from, "R", to), From: from, To: to, Type: "R"}
}

var relationEdges = []kg.Edge{rel("a", "b"), rel("b", "c"), rel("d", "a"), rel("f", "f")}

func TestRunEager(t *testing.T) {
	tree := []kg.Node{
		at("root", 0, nil),
		at("kid1", 10, map[string]any{"parent": "root"}),
		at("kid2", 20, map[string]any{"parent": "root"}),
		at("grandkid", 5, map[string]any{"parent": "kid1"}),
	}
	oneWay := chainNodes()
	oneWay[0].Properties["h"] = "y" // a's h links to every node whose k holds y
	nested := []kg.Node{
		at("p", 0, map[string]any{"n": map[string]any{"v": 4}}),
		at("q", 50, map[string]any{"n": map[string]any{"v": 4.0}}),
		at("r", 5, map[string]any{"n": map[string]any{"v": 5}}),
	}
	tests := []struct {
		name  string
		nodes []kg.Node
		specs []traverse.EdgeSpec
		extra []kg.Edge
		opts  []traverse.Option
		want  []string // id/depth in result order
	}{
		{name: "breadth first, batches most similar first",
			want: []string{"a/0", "b/1", "c/2", "e/2", "d/3"}},
		{name: "max depth 0 keeps the start set", opts: []traverse.Option{traverse.WithMaxDepth(0)},
			want: []string{"a/0"}},
		{name: "max depth 2", opts: []traverse.Option{traverse.WithMaxDepth(2)},
			want: []string{"a/0", "b/1", "c/2", "e/2"}},
		{name: "select_k keeps the first discovered", opts: []traverse.Option{traverse.WithSelectK(3)},
			want: []string{"a/0", "b/1", "c/2"}},
		{name: "discovered nodes take adjacent_k places", opts: []traverse.Option{traverse.WithAdjacentK(1)},
			want: []string{"a/0"}},
		{name: "a link is followed once", opts: []traverse.Option{traverse.WithAdjacentK(2)},
			want: []string{"a/0", "b/1", "c/2"}}, // e lost its place to b via y and z is never reached
		{name: "adjacent_k 0 discovers nothing", opts: []traverse.Option{traverse.WithAdjacentK(0)},
			want: []string{"a/0"}},
		{name: "no edges: the start set", specs: []traverse.EdgeSpec{},
			opts: []traverse.Option{traverse.WithStartK(3)},
			want: []string{"a/0", "b/0", "c/0"}},
		{name: "filter during traversal", nodes: keepAllBut("c"),
			opts: []traverse.Option{traverse.WithFilter(keepFilter)},
			want: []string{"a/0", "b/1", "e/2", "d/3"}},
		{name: "filter on the start search", nodes: keepAllBut("a"),
			opts: []traverse.Option{traverse.WithFilter(keepFilter)},
			want: []string{"b/0", "c/1", "e/1", "d/2"}},
		{name: "initial roots, unknown and repeated ids ignored",
			opts: []traverse.Option{traverse.WithStartK(0), traverse.WithInitialRoots("d", "nope", "d")},
			want: []string{"d/0", "e/1", "b/2", "c/2", "a/3"}},
		{name: "initial roots are not filtered", nodes: keepAllBut("f"),
			opts: []traverse.Option{traverse.WithInitialRoots("f"), traverse.WithFilter(keepFilter), traverse.WithMaxDepth(0)},
			want: []string{"a/0", "f/0"}},
		{name: "a root found by the search counts once",
			opts: []traverse.Option{traverse.WithInitialRoots("a"), traverse.WithMaxDepth(0)},
			want: []string{"a/0"}},
		{name: "one-way link", nodes: oneWay, specs: []traverse.EdgeSpec{traverse.Link("h", "k")},
			want: []string{"a/0", "b/1", "c/1", "e/1"}},
		{name: "id link to children", nodes: tree, specs: []traverse.EdgeSpec{traverse.Link(traverse.IDField, "parent")},
			want: []string{"root/0", "kid1/1", "kid2/1", "grandkid/2"}},
		{name: "id link to parent", nodes: tree, specs: []traverse.EdgeSpec{traverse.Link("parent", traverse.IDField)},
			opts: []traverse.Option{traverse.WithStartK(0), traverse.WithInitialRoots("grandkid")},
			want: []string{"grandkid/0", "kid1/1", "root/2"}},
		{name: "nested field, numbers by value", nodes: nested, specs: []traverse.EdgeSpec{traverse.Link("n.v", "n.v")},
			want: []string{"p/0", "q/1"}},
		{name: "relation outgoing", nodes: relationNodes(), extra: relationEdges,
			specs: []traverse.EdgeSpec{traverse.Relation("R", kg.Outgoing)},
			want:  []string{"a/0", "b/1", "c/2"}},
		{name: "relation incoming", nodes: relationNodes(), extra: relationEdges,
			specs: []traverse.EdgeSpec{traverse.Relation("R", kg.Incoming)},
			want:  []string{"a/0", "d/1"}},
		{name: "relation both ways", nodes: relationNodes(), extra: relationEdges,
			specs: []traverse.EdgeSpec{traverse.Relation("R", kg.Both)},
			want:  []string{"a/0", "b/1", "d/1", "c/2"}},
		{name: "relation self loop", nodes: relationNodes(), extra: relationEdges,
			specs: []traverse.EdgeSpec{traverse.Relation("R", kg.Both)},
			opts:  []traverse.Option{traverse.WithStartK(0), traverse.WithInitialRoots("f")},
			want:  []string{"f/0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nodes := tc.nodes
			if nodes == nil {
				nodes = chainNodes()
			}
			specs := tc.specs
			if specs == nil {
				specs = []traverse.EdgeSpec{linkK}
			}
			var metadata []traverse.EdgeSpec
			for _, s := range specs {
				if !s.IsRelation() {
					metadata = append(metadata, s)
				}
			}
			st := newStore(t, nodes, metadata, tc.extra...)
			opts := append([]traverse.Option{traverse.WithEdges(specs...), traverse.WithSelectK(10), traverse.WithStartK(1)}, tc.opts...)
			res, err := traverse.Run(t.Context(), st, query, traverse.Eager{}, opts...)
			require.NoError(t, err)
			assert.Equal(t, tc.want, idDepths(res))
			for _, r := range res {
				assert.Equal(t, r.Similarity, r.Score, "eager score is the similarity")
			}
		})
	}
}

func TestRunSimilarityAndDefaults(t *testing.T) {
	st := newStore(t, chainNodes(), []traverse.EdgeSpec{linkK})
	res, err := traverse.Run(t.Context(), st, query, traverse.Eager{}, traverse.WithEdges(linkK))
	require.NoError(t, err)
	// Defaults: start_k 4 (a, b, c, d), select_k 5.
	assert.Equal(t, []string{"a/0", "b/0", "c/0", "d/0", "e/1"}, idDepths(res))
	want := map[string]float64{"a": 0, "b": 10, "c": 20, "d": 30, "e": 40}
	for _, r := range res {
		assert.InDelta(t, cos(want[r.ID]), r.Similarity, 1e-12, r.ID)
		assert.Equal(t, []string{"T"}, []string{r.Type}, "the stored node comes along")
	}
}

func TestRunWithoutEmbedding(t *testing.T) {
	nodes := chainNodes()
	nodes[1].Embedding = nil // b: reachable only as a root, never by a link
	st := newStore(t, nodes, []traverse.EdgeSpec{linkK})
	res, err := traverse.Run(t.Context(), st, query, traverse.Eager{}, traverse.WithEdges(linkK),
		traverse.WithStartK(0), traverse.WithInitialRoots("b"), traverse.WithSelectK(10))
	require.NoError(t, err)
	assert.Equal(t, []string{"b/0", "a/1", "c/1", "e/1", "d/2"}, idDepths(res))
	assert.Zero(t, res[0].Similarity)

	res, err = traverse.Run(t.Context(), st, query, traverse.Eager{}, traverse.WithEdges(linkK),
		traverse.WithStartK(1), traverse.WithSelectK(10))
	require.NoError(t, err)
	assert.Equal(t, []string{"a/0"}, idDepths(res), "x only reaches b, which has no embedding")
}
