package extract

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fieldReport is a made-up field report (facts loosely modelled on the
// Norwegian shelf, not to be relied on), annotated by hand below.
var fieldReport = strings.Join([]string{
	"Well 15/9-19 SR was drilled by Statoil in 1993 and discovered the Volve field.",
	"The well penetrated the Hugin Formation, where core porosity averages 21 %.",
	"Equinor, formerly Statoil, operates the Volve field on behalf of its licence partners.",
	"Production well 15/9-F-11 is located in the Volve field and was drilled by Statoil in 2013.",
	"Porosity in the Skagerrak Formation is lower, around 12 %, and the formation is tight.",
	"Well 15/9-19 A, drilled by Statoil, penetrated both the Hugin Formation and the Skagerrak Formation.",
	"The Hugin Formation is the main reservoir of the Volve field.",
	"Aker BP operates the Ivar Aasen field in the northern North Sea.",
	"Norsk Hydro drilled exploration well 25/8-4 in 1992 and discovered the Grane field.",
	"Grane is operated by Equinor, and its reservoir lies in the Heimdal Formation.",
	"Porosity of the Heimdal Formation reaches 30 % in the best sands.",
	"Lundin drilled well 16/1-8 in 2007; the well found oil in the Ivar Aasen field.",
	"The 16/1-8 well penetrated the Draupne Formation before reaching the Skagerrak Formation.",
	"Heather Formation shales act as the seal above the Hugin Formation in the Volve area.",
	"Esso Norge drilled 15/9-13 in 1976, which also tested the Hugin Formation.",
	"Well 15/9-F-12 was drilled by Statoil as a water injector in the Volve field.",
	"Porosity in the Draupne Formation is low at 8 %.",
	"Statoil merged with Norsk Hydro in 2007 and became Equinor in 2018.",
	"Johan Sverdrup is operated by Equinor.",
	"Well 16/2-6 discovered the Johan Sverdrup field in 2010 and was drilled by Lundin.",
	"In the Volve field, the Hugin Formation has porosity between 18 % and 24 %.",
}, " ")

// The gold entities and relations of fieldReport, as "Type:name" and
// "source -type-> target". A careful reader finds all of them, including
// those that need coreference ("The well" of sentence 2) or world
// knowledge the rules do not have.
var (
	goldEntities = []string{
		"Well:15/9-19 SR", "Well:15/9-F-11", "Well:15/9-19 A", "Well:25/8-4", "Well:16/1-8", "Well:15/9-13", "Well:15/9-F-12", "Well:16/2-6",
		"Company:Statoil", "Company:Equinor", "Company:Aker BP", "Company:Norsk Hydro", "Company:Lundin", "Company:Esso Norge",
		"Field:Volve", "Field:Ivar Aasen", "Field:Grane", "Field:Johan Sverdrup",
		"Formation:Hugin Formation", "Formation:Skagerrak Formation", "Formation:Heimdal Formation", "Formation:Draupne Formation", "Formation:Heather Formation",
		"Porosity:21 %", "Porosity:12 %", "Porosity:30 %", "Porosity:8 %", "Porosity:18 %", "Porosity:24 %",
	}
	goldRelations = []string{
		"15/9-19 SR -drilled_by-> Statoil", "15/9-19 SR -discovered-> Volve", "15/9-19 SR -penetrates-> Hugin Formation",
		"Hugin Formation -has_porosity-> 21 %", "Equinor -operates-> Volve",
		"15/9-F-11 -located_in-> Volve", "15/9-F-11 -drilled_by-> Statoil", "Skagerrak Formation -has_porosity-> 12 %",
		"15/9-19 A -drilled_by-> Statoil", "15/9-19 A -penetrates-> Hugin Formation", "15/9-19 A -penetrates-> Skagerrak Formation",
		"Hugin Formation -reservoir_of-> Volve", "Aker BP -operates-> Ivar Aasen",
		"25/8-4 -drilled_by-> Norsk Hydro", "25/8-4 -discovered-> Grane", "Equinor -operates-> Grane",
		"Heimdal Formation -reservoir_of-> Grane", "Heimdal Formation -has_porosity-> 30 %",
		"16/1-8 -drilled_by-> Lundin", "16/1-8 -discovered-> Ivar Aasen", "16/1-8 -penetrates-> Draupne Formation",
		"16/1-8 -penetrates-> Skagerrak Formation", "15/9-13 -drilled_by-> Esso Norge", "15/9-13 -penetrates-> Hugin Formation",
		"15/9-F-12 -drilled_by-> Statoil", "15/9-F-12 -located_in-> Volve", "Draupne Formation -has_porosity-> 8 %",
		"Equinor -operates-> Johan Sverdrup", "16/2-6 -discovered-> Johan Sverdrup", "16/2-6 -drilled_by-> Lundin",
		"Hugin Formation -has_porosity-> 18 %", "Hugin Formation -has_porosity-> 24 %",
	}
)

// prf returns precision and recall of got against gold (sets).
func prf(got, gold []string) (precision, recall float64, fp, fn []string) {
	g := map[string]bool{}
	for _, x := range gold {
		g[x] = true
	}
	tp, seen := 0, map[string]bool{}
	for _, x := range got {
		if seen[x] {
			continue
		}
		seen[x] = true
		if g[x] {
			tp++
		} else {
			fp = append(fp, x)
		}
	}
	for _, x := range gold {
		if !seen[x] {
			fn = append(fn, x)
		}
	}
	return float64(tp) / float64(max(len(seen), 1)), float64(tp) / float64(len(gold)), fp, fn
}

func resultTriples(res *Result) (ents, rels []string) {
	names := map[string]string{}
	for _, e := range res.Entities {
		ents = append(ents, e.Type+":"+e.Name)
		names[e.ID] = e.Name
	}
	for _, r := range res.Relations {
		rels = append(rels, names[r.From]+" -"+r.Type+"-> "+names[r.To])
	}
	return ents, rels
}

func TestRuleExtractorQuality(t *testing.T) {
	x, err := NewRuleExtractor(testOntology(t))
	require.NoError(t, err)
	res, err := x.Extract(context.Background(), Document{ID: "report", Text: fieldReport})
	require.NoError(t, err)
	ents, rels := resultTriples(res)

	ep, er, efp, efn := prf(ents, goldEntities)
	rp, rr, rfp, rfn := prf(rels, goldRelations)
	t.Logf("entities: P=%.2f R=%.2f fp=%q fn=%q", ep, er, efp, efn)
	t.Logf("relations: P=%.2f R=%.2f fp=%q fn=%q", rp, rr, rfp, rfn)

	// Thresholds. Entities: every name in the report is either in the
	// ontology's gazetteers or matches its patterns, so the rules should
	// find nearly all; the known miss is "24 %", a second value after
	// "porosity between 18 % and", which the porosity pattern does not
	// reach. Precision must stay near 1: a false entity pollutes the graph
	// for every later query. Relations: co-occurrence cannot resolve
	// "The well" (sentence 2) and the heuristic deliberately skips pairs
	// across ";" and past a second formation (sentences 12 and 13): with
	// the 24 % one that is 4 of 32 gold relations (recall 0.875). Recall
	// must stay ≥ 0.80 (at most one further miss) and precision ≥ 0.90
	// (one false "operates" from "Equinor, formerly Statoil, operates" is
	// expected; four would fail). Dropping below means a heuristic
	// regressed.
	assert.GreaterOrEqual(t, ep, 0.95, "entity precision")
	assert.GreaterOrEqual(t, er, 0.95, "entity recall")
	assert.GreaterOrEqual(t, rp, 0.90, "relation precision")
	assert.GreaterOrEqual(t, rr, 0.80, "relation recall")

	// Offsets are exact byte offsets in the document.
	for _, e := range res.Entities {
		for _, m := range e.Mentions {
			require.True(t, m.Grounded, "%s", e.ID)
			assert.Equal(t, m.Text, fieldReport[m.Start:m.End])
		}
	}
	// The pattern's named group set the required property.
	p, ok := res.Entity(EntityID("Porosity", "21 %"))
	require.True(t, ok)
	assert.Equal(t, 21.0, p.Properties["value"])
}

func TestRuleExtractorDeterministic(t *testing.T) {
	ch, err := NewChunker(WithChunkSize(200), WithChunkOverlap(40))
	require.NoError(t, err)
	x, err := NewRuleExtractor(testOntology(t), WithChunker(ch))
	require.NoError(t, err)
	first, err := x.Extract(context.Background(), Document{ID: "d", Text: fieldReport})
	require.NoError(t, err)
	require.Greater(t, len(first.Chunks), 5)
	for range 3 {
		again, err := x.Extract(context.Background(), Document{ID: "d", Text: fieldReport})
		require.NoError(t, err)
		assert.Equal(t, first.Entities, again.Entities)
		assert.Equal(t, first.Relations, again.Relations)
		assert.Equal(t, first.Issues, again.Issues)
	}
	// Overlapping chunks see some mentions twice; merging keeps one each.
	for _, e := range first.Entities {
		seen := map[int]bool{}
		for _, m := range e.Mentions {
			require.False(t, seen[m.Start], "duplicate mention of %s at %d", e.ID, m.Start)
			seen[m.Start] = true
		}
	}
}

func TestRuleExtractorEntities(t *testing.T) {
	x, err := NewRuleExtractor(testOntology(t))
	require.NoError(t, err)
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"longest wins", "Aker BP and BP", []string{"Company:Aker BP", "Company:BP"}},
		{"short capitals exact", "bp is not BP", []string{"Company:BP"}},
		{"case and spacing folded", "the HUGIN   formation", []string{"Formation:Hugin Formation"}},
		{"not inside words", "Equinorway and Grane", []string{"Field:Grane"}},
		{"unicode gazetteer", "Sleipner Øst lies near Gudrun", []string{"Field:Sleipner Øst", "Field:Gudrun"}},
		{"pattern name group", "the Tyrving field", []string{"Field:Tyrving"}},
		{"well patterns", "15/9-F-11, 15/9-19 SR and 6507/7-1", []string{"Well:15/9-F-11", "Well:15/9-19 SR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range x.entities(tt.text) {
				got = append(got, x.types[s.typ].et.Name+":"+s.name)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
