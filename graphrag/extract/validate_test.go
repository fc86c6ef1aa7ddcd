package extract

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

func newTestValidator(t *testing.T, opts ...Option) *validator {
	t.Helper()
	cfg, err := newConfig(opts)
	require.NoError(t, err)
	o, err := copyOntology(testOntology(t))
	require.NoError(t, err)
	return newValidator(o, cfg)
}

func issueKeys(issues []Issue) []string {
	var out []string
	for _, is := range issues {
		out = append(out, string(is.Action)+"/"+string(is.Reason)+"/"+is.Name)
	}
	return out
}

func TestValidateEntities(t *testing.T) {
	ch := &Chunk{ID: "d#1", Start: 100, Text: "Well 15/9-13 found 21 % porosity in the Hugin Formation."}
	rep := Reply{Entities: []RawEntity{
		{Name: "15/9-13", Type: "WELL", Properties: map[string]any{"total_depth_m": "3100", "colour": "red"}},
		{Name: "Hugin Formation", Type: "Formation"},
		{Name: "Volve", Type: "Platform"},
		{Name: "21 %", Type: "Porosity"}, // missing required value
		{Name: "  ", Type: "Well"},
		{Name: "15/9-13", Type: "Well", Properties: map[string]any{"total_depth_m": "deep"}},
	}, Skipped: 1}
	t.Run("strict", func(t *testing.T) {
		p := newTestValidator(t).apply(ch, rep)
		require.Len(t, p.entities, 2)
		w := p.entities[0]
		assert.Equal(t, "Well:15 9 13", w.ID)
		assert.Equal(t, "Well", w.Type)
		assert.Equal(t, map[string]any{"total_depth_m": 3100.0}, w.Properties)
		assert.Equal(t, []Mention{{ChunkID: "d#1", Text: "15/9-13", Start: 105, End: 112, Grounded: true}}, w.Mentions)
		assert.Equal(t, "Formation:hugin formation", p.entities[1].ID)
		assert.Equal(t, []string{
			"pruned/malformed/",
			"pruned/unknown_property/colour",
			"pruned/unknown_entity_type/Volve",
			"pruned/missing_required_property/21 %",
			"pruned/empty_name/",
			"pruned/invalid_property/total_depth_m",
		}, issueKeys(p.issues))
	})
	t.Run("lenient", func(t *testing.T) {
		p := newTestValidator(t, WithLenient(true)).apply(ch, rep)
		require.Len(t, p.entities, 4)
		assert.Equal(t, "Platform:volve", p.entities[2].ID)
		assert.Equal(t, []Reason{ReasonUnknownEntityType}, p.entities[2].Flags)
		assert.Equal(t, []Reason{ReasonMissingRequiredProperty}, p.entities[3].Flags)
		// The duplicate 15/9-13 merged in; its bad value is flagged, the
		// first value kept.
		assert.Equal(t, 3100.0, p.entities[0].Properties["total_depth_m"])
		assert.ElementsMatch(t, []Reason{ReasonUnknownProperty, ReasonInvalidProperty}, p.entities[0].Flags)
		assert.Contains(t, issueKeys(p.issues), "pruned/empty_name/")
	})
}

func TestValidateRelations(t *testing.T) {
	ch := &Chunk{ID: "d#0", Text: "Statoil drilled 15/9-13 in the Volve field near Grane, reaching the Hugin Formation."}
	ents := []RawEntity{{Name: "Statoil", Type: "Company"}, {Name: "15/9-13", Type: "Well"}, {Name: "Volve", Type: "Field"},
		{Name: "Grane", Type: "Field"}, {Name: "Hugin Formation", Type: "Formation"}, {Name: "Mars", Type: "Planet"}}
	rels := []RawRelation{
		{Source: "15/9-13", Type: "drilled_by", Target: "Statoil"},           // ok
		{Source: "Statoil", Type: "DRILLED BY", Target: "15/9-13"},           // reversed, duplicate once flipped
		{Source: "15/9-13", Type: "located_in", Target: "volve"},             // ok, name folded
		{Source: "Hugin Formation", Type: "drilled_by", Target: "Statoil"},   // domain
		{Source: "15/9-13", Type: "sidetrack_of", Target: "Statoil"},         // unknown type
		{Source: "15/9-13", Type: "located_in", Target: "Sleipner"},          // not extracted
		{Source: "15/9-13", Type: "located_in", Target: "Mars"},              // endpoint pruned
		{Source: "Volve", Type: "neighbours", Target: "Volve"},               // self loop
		{Source: "Volve", Type: "neighbours", Target: "Grane"},               // symmetric
		{Source: "Grane", Type: "neighbours", Target: "Volve"},               // same edge
		{Source: "Hugin Formation", Type: "reservoir_of", Target: "Statoil"}, // range
	}
	rep := Reply{Entities: ents, Relations: rels}
	edges := func(p chunkProduct) []string {
		var out []string
		for _, r := range p.relations {
			out = append(out, r.ID)
		}
		return out
	}
	t.Run("strict flips", func(t *testing.T) {
		p := newTestValidator(t).apply(ch, rep)
		assert.Equal(t, []string{
			kg.EdgeID("Well:15 9 13", "drilled_by", "Company:statoil"),
			kg.EdgeID("Well:15 9 13", "located_in", "Field:volve"),
			kg.EdgeID("Field:grane", "neighbours", "Field:volve"),
		}, edges(p))
		assert.True(t, p.relations[0].Flipped)
		keys := issueKeys(p.issues)
		assert.Contains(t, keys, "pruned/unknown_entity_type/Mars")
		assert.Contains(t, keys, "flipped/wrong_direction/Statoil -DRILLED BY-> 15/9-13")
		assert.Contains(t, keys, "pruned/domain_range/Hugin Formation -drilled_by-> Statoil")
		assert.Contains(t, keys, "pruned/unknown_relation_type/15/9-13 -sidetrack_of-> Statoil")
		assert.Contains(t, keys, "pruned/missing_endpoint/15/9-13 -located_in-> Sleipner")
		assert.Contains(t, keys, "pruned/missing_endpoint/15/9-13 -located_in-> Mars")
		assert.Contains(t, keys, "pruned/self_loop/Volve -neighbours-> Volve")
		assert.Contains(t, keys, "pruned/domain_range/Hugin Formation -reservoir_of-> Statoil")
	})
	t.Run("no flip prunes", func(t *testing.T) {
		p := newTestValidator(t, WithFlipReversed(false)).apply(ch, rep)
		assert.Len(t, p.relations, 3) // the correctly directed drilled_by stays
		assert.False(t, p.relations[0].Flipped)
		assert.Contains(t, issueKeys(p.issues), "pruned/wrong_direction/Statoil -DRILLED BY-> 15/9-13")
	})
	t.Run("lenient keeps and flags", func(t *testing.T) {
		p := newTestValidator(t, WithLenient(true), WithFlipReversed(false)).apply(ch, rep)
		byID := map[string]Relation{}
		for _, r := range p.relations {
			byID[r.ID] = r
		}
		assert.Equal(t, []Reason{ReasonWrongDirection}, byID[kg.EdgeID("Company:statoil", "drilled_by", "Well:15 9 13")].Flags)
		assert.Equal(t, []Reason{ReasonUnknownRelationType}, byID[kg.EdgeID("Well:15 9 13", "sidetrack_of", "Company:statoil")].Flags)
		assert.Equal(t, []Reason{ReasonDomainRange}, byID[kg.EdgeID("Formation:hugin formation", "drilled_by", "Company:statoil")].Flags)
		// Mars is kept (lenient), so its relation is only out of range.
		assert.Equal(t, []Reason{ReasonDomainRange}, byID[kg.EdgeID("Well:15 9 13", "located_in", "Planet:mars")].Flags)
		assert.Contains(t, issueKeys(p.issues), "pruned/missing_endpoint/15/9-13 -located_in-> Sleipner")
		assert.Contains(t, issueKeys(p.issues), "pruned/self_loop/Volve -neighbours-> Volve")
	})
}

func TestValidateEndpointTypeDisambiguation(t *testing.T) {
	// "Grane" names both a field and (here) a company; the relation's type
	// picks the right one.
	ch := &Chunk{ID: "c", Text: "Grane operates Grane."}
	rep := Reply{Entities: []RawEntity{{Name: "Grane", Type: "Field"}, {Name: "Grane", Type: "Company"}},
		Relations: []RawRelation{{Source: "Grane", Type: "operates", Target: "Grane"}}}
	p := newTestValidator(t).apply(ch, rep)
	require.Len(t, p.relations, 1)
	assert.Equal(t, kg.EdgeID("Company:grane", "operates", "Field:grane"), p.relations[0].ID)
}

func TestGround(t *testing.T) {
	text := "Wells 15/9-13 and 15/9-1 reached the HUGIN\nformation; later 15/9-13 again. Œuvre ÉTÉ été."
	tests := []struct {
		name      string
		mention   string
		claimed   int
		want      string
		at        int
		found     bool
		corrected bool
	}{
		{"claimed place right", "15/9-13", 6, "15/9-13", 6, true, false},
		{"nearest to the claim", "15/9-13", 55, "15/9-13", 60, true, true},
		{"first without claim", "15/9-13", -1, "15/9-13", 6, true, false},
		{"never inside a longer name", "15/9-1", 6, "15/9-1", 18, true, true},
		{"case and newline folded", "Hugin Formation", 30, "HUGIN\nformation", 37, true, true},
		{"unicode case", "Été", 0, "ÉTÉ", 82, true, true},
		{"claim past the end", "15/9-1", 999, "15/9-1", 18, true, true},
		{"missing", "Volve", 3, "", 0, false, false},
		{"empty", "", 0, "", 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := ground(text, tt.mention, tt.claimed)
			require.Equal(t, tt.found, g.found)
			if !tt.found {
				return
			}
			assert.Equal(t, tt.want, text[g.span.Start:g.span.End])
			assert.Equal(t, tt.at, g.span.Start)
			assert.Equal(t, tt.corrected, g.corrected)
		})
	}
}

func TestNormalizeAndIDs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hugin Formation", "hugin formation"},
		{"  HUGIN\tformation ", "hugin formation"},
		{"Hugin-Formation", "hugin formation"},
		{"15/9-13", "15 9 13"},
		{"Ｅｑｕｉｎｏｒ", "equinor"}, // full width, NFKC
		{"O'Brien’s", "obriens"},
		{"AT&T", "at&t"},
		{"21 %", "21 %"},
		{"--", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, NormalizeName(tt.in), tt.in)
	}
	assert.Equal(t, "Well:15 9 13", EntityID("Well", "15/9-13"))
	assert.Equal(t, "X:--", EntityID("X", " -- "))
	long := EntityID("X", string(make([]byte, 0))+stringsRepeat("é", 200))
	assert.LessOrEqual(t, len(long), 2+maxIDName)
	assert.NotEqual(t, long, EntityID("X", stringsRepeat("é", 201)))
}

func stringsRepeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

func TestSimilarity(t *testing.T) {
	assert.InDelta(t, 0.961, JaroWinkler("martha", "marhta"), 0.001)
	assert.InDelta(t, 1.0, JaroWinkler("", ""), 1e-9)
	assert.Zero(t, JaroWinkler("abc", ""))
	assert.InDelta(t, 1.0, Trigram("volve", "volve"), 1e-9)
	assert.Less(t, Trigram("volve", "grane"), 0.2)
	assert.Equal(t, "15 9 13", digits("well 15/9-13"))
}
