package kgtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// traversalIssue names where the GraphRAG traversal strategies are built.
const traversalIssue = "issue 8 (GraphRAG traversal strategies)"

// animalEnv is a store loaded with the animals data set.
type animalEnv struct {
	st      kg.Store
	byID    map[string]kg.Node
	targets map[string][]string // edgeKey(target field, value) → ids whose field equals or contains value
}

func edgeKey(field string, v any) string {
	b, _ := json.Marshal(v)
	return field + "=" + string(b)
}

func specType(s, t string) string { return s + "->" + t }

// scalars lists the scalar values (string, number, bool) of a metadata
// field, one per array element; objects make no edges (README §4.1).
func scalars(v any) []any {
	var out []any
	switch x := v.(type) {
	case string, float64, bool, json.Number:
		out = append(out, x)
	case []any:
		for _, el := range x {
			out = append(out, scalars(el)...)
		}
	}
	return out
}

func (s Suite) runAnimals(t *testing.T) {
	dir := s.DataDir
	if dir == "" {
		var looked []string
		dir, looked = AnimalsDir()
		if dir == "" {
			t.Skipf("kgtest: animals data set not found (looked in %s; set KGAS_SHARED_DATA to the folder holding animals/)",
				strings.Join(looked, ", "))
		}
	}
	animals := loadAnimals(t, dir)
	cases := loadCases(t, dir)
	t.Run("Embedding", func(t *testing.T) { checkEmbedding(t, dir, animals) })

	env := &animalEnv{st: s.open(t, AnimalDim), byID: map[string]kg.Node{}, targets: map[string][]string{}}
	nodes := make([]kg.Node, len(animals))
	for i, a := range animals {
		typ, _ := a.Metadata["type"].(string)
		nodes[i] = kg.Node{ID: a.ID, Type: typ, Name: a.ID, Properties: a.Metadata, Embedding: AnimalEmbedding(a.Text)}
		env.byID[a.ID] = nodes[i]
	}
	require.NoError(t, env.st.UpsertNodes(t.Context(), nodes))

	// Edges from shared metadata values (README §4.1) for every spec the
	// traversal cases use: A→B when B's target field equals or contains a
	// scalar value of A's source field.
	specs := map[[2]string]bool{}
	for _, c := range cases {
		if c.Operation == "traverse" {
			var p struct {
				Edges [][2]string `json:"edges"`
			}
			require.NoError(t, json.Unmarshal(c.Params, &p))
			for _, sp := range p.Edges {
				specs[sp] = true
			}
		}
	}
	var edges []kg.Edge
	seen := map[string]bool{}
	for sp := range specs {
		for _, a := range nodes {
			for _, x := range scalars(a.Properties[sp[0]]) {
				f := &kg.Filter{Properties: map[string]any{sp[1]: x}}
				key := edgeKey(sp[1], x)
				var ids []string
				for _, b := range nodes {
					if f.Match(&b) {
						ids = append(ids, b.ID)
						id := kg.EdgeID(a.ID, specType(sp[0], sp[1]), b.ID)
						if b.ID != a.ID && !seen[id] {
							seen[id] = true
							edges = append(edges, kg.Edge{ID: id, From: a.ID, To: b.ID, Type: specType(sp[0], sp[1])})
						}
					}
				}
				env.targets[key] = ids
			}
		}
	}
	require.NoError(t, env.st.UpsertEdges(t.Context(), edges))

	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) { env.run(t, c) })
	}
}

func (e *animalEnv) run(t *testing.T, c animalCase) {
	var p caseParams
	require.NoError(t, json.Unmarshal(c.Params, &p))
	var got []string
	switch c.Operation {
	case "get":
		got = e.get(t, p.IDs, p.Filter)
	case "similarity_search":
		got = e.search(t, p.Query, p.K, p.Filter)
		if len(p.Filter) == 1 && p.Filter["type"] != nil {
			// The same search through Filter.Types (Node.Type is metadata.type).
			typ, _ := p.Filter["type"].(string)
			hits, err := e.st.VectorSearch(t.Context(), AnimalEmbedding(p.Query), p.K, &kg.Filter{Types: []string{typ}})
			require.NoError(t, err)
			e.compare(t, c, p.Query, hitIDs(hits))
		}
	case "adjacent":
		var edges []adjacentEdge
		require.NoError(t, json.Unmarshal(p.Edges, &edges))
		got = e.adjacent(t, p.Query, edges, p.K, p.Filter)
	case "traverse":
		var reason string
		got, reason = e.traverse(t, c, p)
		if reason != "" {
			t.Skipf("kgtest: %s: needs %s: %s", c.Name, traversalIssue, reason)
		}
	default:
		t.Fatalf("kgtest: unknown operation %q", c.Operation)
	}
	e.compare(t, c, p.Query, got)
}

// get is get-by-ids: the stored nodes among ids that pass filter.
func (e *animalEnv) get(t *testing.T, ids []string, filter map[string]any) []string {
	nodes, err := e.st.Nodes(t.Context(), ids)
	require.NoError(t, err)
	require.Len(t, nodes, len(ids))
	f := &kg.Filter{Properties: filter}
	var out []string
	for i, n := range nodes {
		if n == nil {
			continue
		}
		require.Equal(t, ids[i], n.ID, "Nodes answers in input order")
		if f.Match(n) {
			out = append(out, n.ID)
		}
	}
	return out
}

func (e *animalEnv) search(t *testing.T, query string, k int, filter map[string]any) []string {
	q := AnimalEmbedding(query)
	hits, err := e.st.VectorSearch(t.Context(), q, k, &kg.Filter{Properties: filter})
	require.NoError(t, err)
	for _, h := range hits {
		require.InDelta(t, Cosine(q, e.byID[h.Node.ID].Embedding), float64(h.Score), 1e-5, "score of %s", h.Node.ID)
	}
	return hitIDs(hits)
}

// adjacent is the README §3 operation built from VectorSearch and Nodes.
func (e *animalEnv) adjacent(t *testing.T, query string, edges []adjacentEdge, k int, filter map[string]any) []string {
	found := map[string]bool{}
	var ids []string
	for _, ed := range edges {
		switch ed.Kind {
		case "metadata":
			f := map[string]any{ed.Field: ed.Value}
			for key, v := range filter { // the caller's filter wins
				f[key] = v
			}
			for _, id := range e.search(t, query, k, f) {
				found[id] = true
			}
		case "id":
			ids = append(ids, ed.ID)
		default:
			t.Fatalf("kgtest: unknown edge kind %q", ed.Kind)
		}
	}
	if len(ids) > 0 {
		for _, id := range e.get(t, ids, filter) {
			found[id] = true
		}
	}
	q := AnimalEmbedding(query)
	out := make([]string, 0, len(found))
	for id := range found {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, b string) int {
		return cmp.Or(cmp.Compare(Cosine(q, e.byID[b].Embedding), Cosine(q, e.byID[a].Embedding)), cmp.Compare(a, b))
	})
	return out[:min(k, len(out))]
}

// compare applies expected.compare.
func (e *animalEnv) compare(t *testing.T, c animalCase, query string, got []string) {
	t.Helper()
	want := c.Expected.IDs
	switch c.Expected.Compare {
	case "set":
		require.ElementsMatch(t, dedupe(want), dedupe(got))
	case "sorted":
		got = slices.Clone(got)
		slices.Sort(got)
		require.Equal(t, want, got)
	case "count":
		require.Len(t, got, c.Expected.Count)
	case "ordered":
		if want == nil {
			want = []string{}
		}
		if got == nil {
			got = []string{}
		}
		if slices.Equal(want, got) {
			return
		}
		// README §6: neighbouring scores differ by more than 1e-6, so only
		// swaps of near-equal similarities (float32 rounding) are excused.
		require.ElementsMatch(t, want, got)
		q := AnimalEmbedding(query)
		for i := range want {
			d := math.Abs(Cosine(q, e.byID[want[i]].Embedding) - Cosine(q, e.byID[got[i]].Embedding))
			require.Lessf(t, d, 1e-6, "order differs at %d: want %v, got %v", i, want, got)
		}
		t.Logf("order differs only between near-equal similarities: want %v, got %v", want, got)
	default:
		t.Fatalf("kgtest: unknown compare mode %q", c.Expected.Compare)
	}
}

func dedupe(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// traverse runs a traversal case when its result is fixed by store
// operations alone, else returns why not.
func (e *animalEnv) traverse(t *testing.T, c animalCase, p caseParams) ([]string, string) {
	if c.Expected.Compare == "ordered" {
		return nil, "the result order and metrics come from the strategy"
	}
	if len(p.MetadataFilter) > 0 {
		return nil, "a metadata filter during traversal"
	}
	var specs [][2]string
	require.NoError(t, json.Unmarshal(p.Edges, &specs))
	sg := p.Strategy
	var start []string
	if sg.StartK > 0 {
		start = e.search(t, p.Query, sg.StartK, nil)
	}
	for _, id := range e.get(t, p.InitialRootIDs, nil) {
		if !slices.Contains(start, id) {
			start = append(start, id)
		}
	}
	if sg.Name == "eager" && len(p.InitialRootIDs) == 0 && len(start) >= sg.SelectK {
		// Eager selects in discovery order, and the start set comes first.
		return start[:sg.SelectK], ""
	}
	return e.closure(t, start, specs, p)
}

// closure is the breadth-first reachable set when it is exactly what the
// strategy returns: every adjacent call returns all its candidates (their
// union stays within adjacent_k), every reachable node fits in select_k,
// and for MMR and Scored (which may discover a node at a depth greater
// than its distance) the depth limit cannot matter.
func (e *animalEnv) closure(t *testing.T, start []string, specs [][2]string, p caseParams) ([]string, string) {
	sg := p.Strategy
	maxDepth := -1
	if sg.MaxDepth != nil {
		maxDepth = *sg.MaxDepth
	}
	depth := map[string]int{}
	for _, id := range start {
		depth[id] = 0
	}
	order := slices.Clone(start)
	candidates := map[string]bool{}
	frontier := start
	for d := 0; len(frontier) > 0 && (maxDepth < 0 || d < maxDepth); d++ {
		var next []string
		for _, sp := range specs {
			for _, id := range frontier {
				for _, x := range scalars(e.byID[id].Properties[sp[0]]) {
					for _, c := range e.targets[edgeKey(sp[1], x)] {
						candidates[c] = true
					}
				}
			}
			nb, err := e.st.Neighbors(t.Context(), frontier, kg.NeighborOptions{EdgeTypes: []string{specType(sp[0], sp[1])}})
			require.NoError(t, err)
			require.Len(t, nb, len(frontier))
			for _, list := range nb {
				for _, ed := range list {
					if _, ok := depth[ed.To]; !ok {
						depth[ed.To] = d + 1
						order = append(order, ed.To)
						next = append(next, ed.To)
					}
				}
			}
		}
		frontier = next
	}
	if len(candidates) > sg.AdjacentK {
		return nil, fmt.Sprintf("%d adjacent candidates exceed adjacent_k = %d, so similarity ranking decides", len(candidates), sg.AdjacentK)
	}
	if len(order) > sg.SelectK {
		return nil, fmt.Sprintf("%d reachable nodes exceed select_k = %d, so the strategy decides", len(order), sg.SelectK)
	}
	if sg.Name != "eager" && maxDepth > 1 {
		for _, d := range depth {
			if d > 1 {
				return nil, fmt.Sprintf("%s may reach nodes at other depths than breadth-first search", sg.Name)
			}
		}
	}
	return order, ""
}
