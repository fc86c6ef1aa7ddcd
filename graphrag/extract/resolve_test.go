package extract

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm"
)

func entity(typ, name string, mentions int, chunks ...string) Entity {
	e := Entity{ID: EntityID(typ, name), Type: typ, Name: name, ChunkIDs: chunks}
	base := 100 * len(name) // distinct offsets per name
	for i := range mentions {
		e.Mentions = append(e.Mentions, Mention{ChunkID: "c", Text: name, Start: base + i, End: base + i + 1, Grounded: true})
	}
	return e
}

func names(es []Entity) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Name)
	}
	return out
}

func TestResolverFuzzy(t *testing.T) {
	r, err := NewResolver()
	require.NoError(t, err)
	in := []Entity{
		entity("Company", "Equinor ASA", 1, "c1"),
		entity("Company", "Equinor", 3, "c2"),
		entity("Field", "Equinor", 1, "c3"), // another type: never merged
		entity("Well", "15/9-13", 2, "c1"),
		entity("Well", "15/9-19", 2, "c2"), // digits differ
		entity("Company", "Norsk Hydro", 1, "c4"),
	}
	res, err := r.Resolve(context.Background(), nil, in)
	require.NoError(t, err)
	assert.Equal(t, []string{"Equinor", "Equinor", "15/9-13", "15/9-19", "Norsk Hydro"}, names(res.Entities))
	eq := res.Entities[0]
	assert.Equal(t, EntityID("Company", "Equinor"), eq.ID, "the most mentioned name is canonical")
	assert.Equal(t, []string{"Equinor ASA"}, eq.Aliases)
	assert.Equal(t, []string{"c2", "c1"}, eq.ChunkIDs)
	assert.Len(t, eq.Mentions, 4)
	assert.Equal(t, EntityID("Company", "Equinor"), res.Mapping[EntityID("Company", "Equinor ASA")])
	require.Len(t, res.Merges, 1)
	assert.Equal(t, "similarity", res.Merges[0].Method)
	assert.GreaterOrEqual(t, res.Merges[0].Score, DefaultSimilarityThreshold)
	for _, e := range in {
		assert.Contains(t, res.Mapping, e.ID)
	}
	// The inputs are untouched.
	assert.Len(t, in[1].Mentions, 3)

	// Without the digit guard and with a low threshold, the wells merge.
	loose, err := NewResolver(WithSimilarity(JaroWinkler, 0.8), WithDigitGuard(false))
	require.NoError(t, err)
	res, err = loose.Resolve(context.Background(), nil, in)
	require.NoError(t, err)
	assert.Equal(t, res.Mapping[EntityID("Well", "15/9-13")], res.Mapping[EntityID("Well", "15/9-19")])
}

// lengthSim makes similarity a function of length difference: "a"~"aa"
// and "aa"~"aaa" but not "a"~"aaa".
func lengthSim(a, b string) float64 {
	d := len(a) - len(b)
	if d < 0 {
		d = -d
	}
	return 1 - 0.3*float64(d)
}

func TestResolverNoChains(t *testing.T) {
	r, err := NewResolver(WithSimilarity(lengthSim, 0.6))
	require.NoError(t, err)
	res, err := r.Resolve(context.Background(), nil, []Entity{
		entity("X", "a", 3), entity("X", "aa", 2), entity("X", "aaa", 1)})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "aaa"}, names(res.Entities), `"aaa" is like "aa" but not like the canonical "a"`)
	assert.Equal(t, EntityID("X", "a"), res.Mapping[EntityID("X", "aa")])
	assert.Equal(t, EntityID("X", "aaa"), res.Mapping[EntityID("X", "aaa")])
}

func TestResolverExisting(t *testing.T) {
	r, err := NewResolver()
	require.NoError(t, err)
	existing := []Entity{
		EntityFromNode(kg.Node{ID: "company-1", Type: "Company", Name: "Equinor ASA", ChunkIDs: []string{"old#0"}}),
		EntityFromNode(kg.Node{ID: "field-1", Type: "Field", Name: "Volve"}),
		EntityFromNode(kg.Node{ID: "company-2", Type: "Company", Name: "Equinor Energy"}),
	}
	in := []Entity{entity("Company", "Equinor", 1, "new#0"), entity("Field", "VOLVE", 1, "new#1"), entity("Field", "Grane", 1, "new#1")}
	res, err := r.Resolve(context.Background(), existing, in)
	require.NoError(t, err)
	require.Len(t, res.Entities, 3)
	assert.Equal(t, "company-1", res.Entities[0].ID)
	assert.Equal(t, "Equinor ASA", res.Entities[0].Name)
	assert.Equal(t, []string{"Equinor"}, res.Entities[0].Aliases)
	assert.Equal(t, []string{"new#0"}, res.Entities[0].ChunkIDs, "the store merges its own chunks on upsert")
	assert.Equal(t, "field-1", res.Entities[1].ID, "exact: same type and normalised name")
	assert.Equal(t, EntityID("Field", "Grane"), res.Entities[2].ID)
	assert.Equal(t, map[string]string{EntityID("Company", "Equinor"): "company-1", EntityID("Field", "VOLVE"): "field-1",
		EntityID("Field", "Grane"): EntityID("Field", "Grane")}, res.Mapping)

	kept, loops := res.Relations([]Relation{
		{ID: "x", Type: "operates", From: EntityID("Company", "Equinor"), To: EntityID("Field", "VOLVE"), ChunkIDs: []string{"new#1"}},
		{ID: "y", Type: "operates", From: "company-1", To: "field-1", ChunkIDs: []string{"new#2"}},
		{ID: "z", Type: "neighbours", From: EntityID("Field", "VOLVE"), To: "field-1"},
	})
	require.Len(t, kept, 1)
	assert.Equal(t, kg.EdgeID("company-1", "operates", "field-1"), kept[0].ID)
	assert.Equal(t, []string{"new#1", "new#2"}, kept[0].ChunkIDs)
	require.Len(t, loops, 1)

	_, err = r.Resolve(context.Background(), []Entity{{Name: "x"}}, nil)
	require.ErrorContains(t, err, "existing[0]")
	_, err = r.Resolve(context.Background(), nil, []Entity{{ID: "a"}})
	require.ErrorContains(t, err, "incoming[0]")
}

// vecEmbedder embeds names by a fixed table.
type vecEmbedder struct {
	vecs map[string][]float32
	err  error
}

func (v vecEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	if v.err != nil {
		return nil, v.err
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = v.vecs[t]
		if out[i] == nil {
			out[i] = []float32{0, 0, 1}
		}
	}
	return out, nil
}
func (v vecEmbedder) Dimension() int { return 3 }
func (v vecEmbedder) Model() string  { return "table" }

func TestResolverEmbeddings(t *testing.T) {
	emb := vecEmbedder{vecs: map[string][]float32{"Statoil": {1, 0, 0}, "Den norske stats oljeselskap": {0.99, 0.05, 0}, "Grane": {0, 1, 0}}}
	r, err := NewResolver(WithSimilarity(nil, 0), WithEmbeddingSimilarity(emb, 0.95))
	require.NoError(t, err)
	res, err := r.Resolve(context.Background(), nil, []Entity{entity("Company", "Statoil", 2), entity("Company", "Den norske stats oljeselskap", 1),
		entity("Company", "Grane", 1)})
	require.NoError(t, err)
	assert.Equal(t, []string{"Statoil", "Grane"}, names(res.Entities))
	assert.Equal(t, "embedding", res.Merges[0].Method)

	bad, err := NewResolver(WithEmbeddingSimilarity(vecEmbedder{err: errors.New("down")}, 0.9))
	require.NoError(t, err)
	_, err = bad.Resolve(context.Background(), nil, []Entity{entity("X", "a", 1)})
	require.ErrorContains(t, err, "down")

	for _, opt := range []ResolverOption{WithSimilarity(JaroWinkler, 0), WithSimilarity(Trigram, 1.5),
		WithEmbeddingSimilarity(nil, 0.9), WithEmbeddingSimilarity(emb, 0)} {
		_, err := NewResolver(opt)
		require.Error(t, err)
	}
}

// Every merge is decided against the cluster's canonical entity, every
// input is mapped, and output IDs are unique.
func TestResolverProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		threshold := rapid.Float64Range(0.7, 0.99).Draw(t, "threshold")
		r, err := NewResolver(WithSimilarity(Trigram, threshold), WithDigitGuard(rapid.Bool().Draw(t, "guard")))
		require.NoError(t, err)
		n := rapid.IntRange(0, 15).Draw(t, "n")
		var in []Entity
		for i := range n {
			name := rapid.StringMatching(`[ab]{1,5}( [0-9])?`).Draw(t, fmt.Sprint("name", i))
			in = append(in, entity(rapid.SampledFrom([]string{"X", "Y"}).Draw(t, "type"), name, rapid.IntRange(0, 3).Draw(t, "m")))
		}
		res, err := r.Resolve(context.Background(), nil, in)
		require.NoError(t, err)
		byID := map[string]Entity{}
		for _, e := range res.Entities {
			require.NotContains(t, byID, e.ID)
			byID[e.ID] = e
		}
		for _, e := range in {
			canon, ok := byID[res.Mapping[e.ID]]
			require.True(t, ok, "%s maps to %s", e.ID, res.Mapping[e.ID])
			require.Equal(t, e.Type, canon.Type)
		}
		for _, m := range res.Merges {
			from, into := NormalizeName(nameOf(in, m.From)), NormalizeName(byID[m.Into].Name)
			require.GreaterOrEqual(t, Trigram(from, into), threshold, "%q merged into %q", from, into)
		}
	})
}

func nameOf(es []Entity, id string) string {
	for _, e := range es {
		if e.ID == id {
			return e.Name
		}
	}
	return ""
}

func TestExtractWithResolver(t *testing.T) {
	r, err := NewResolver()
	require.NoError(t, err)
	f := newFake(func(req llm.ChatRequest) (string, error) {
		return `{"entities":[{"name":"15/9-13","type":"Well"},{"name":"Hugin Formation","type":"Formation"},` +
			`{"name":"Hugin Formaton","type":"Formation"},{"name":"15/9-13","type":"Well"}],` +
			`"relations":[{"source":"15/9-13","type":"penetrates","target":"Hugin Formation"},` +
			`{"source":"15/9-13","type":"penetrates","target":"Hugin Formaton"}]}`, nil
	})
	x, err := NewLLMExtractor(f, testOntology(t), WithResolver(r))
	require.NoError(t, err)
	res, err := x.Extract(context.Background(), Document{ID: "d", Text: "Well 15/9-13 penetrated the Hugin Formation (Hugin Formaton in the log)."})
	require.NoError(t, err)
	ents, rels := resultTriples(res)
	assert.Equal(t, []string{"Well:15/9-13", "Formation:Hugin Formation"}, ents)
	assert.Equal(t, []string{"15/9-13 -penetrates-> Hugin Formation"}, rels)
	require.Len(t, res.Merges, 1)
	h, _ := res.Entity(EntityID("Formation", "Hugin Formation"))
	assert.Equal(t, []string{"Hugin Formaton"}, h.Aliases)
	assert.Len(t, h.Mentions, 2)
}
