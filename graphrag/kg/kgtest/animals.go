package kgtest

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// animalEnv is a store loaded with the animals data set.
type animalEnv struct {
	st   kg.Store
	byID map[string]kg.Node
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

	env := &animalEnv{st: s.open(t, AnimalDim), byID: map[string]kg.Node{}}
	nodes := make([]kg.Node, len(animals))
	for i, a := range animals {
		typ, _ := a.Metadata["type"].(string)
		nodes[i] = kg.Node{ID: a.ID, Type: typ, Name: a.ID, Properties: a.Metadata, Embedding: AnimalEmbedding(a.Text)}
		env.byID[a.ID] = nodes[i]
	}
	require.NoError(t, env.st.UpsertNodes(t.Context(), nodes))

	env.link(t, nodes, cases)

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
		got = e.traverse(t, c, p)
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
