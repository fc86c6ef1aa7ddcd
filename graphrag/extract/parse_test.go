package extract

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func entityNames(rep Reply) []string {
	var out []string
	for _, e := range rep.Entities {
		out = append(out, e.Type+":"+e.Name)
	}
	return out
}

func relationNames(rep Reply) []string {
	var out []string
	for _, r := range rep.Relations {
		out = append(out, r.Source+" -"+r.Type+"-> "+r.Target)
	}
	return out
}

func TestParseReply(t *testing.T) {
	const clean = `{"entities":[{"name":"15/9-13","type":"Well","mentions":[{"text":"15/9-13","start":5}]},{"name":"Statoil","type":"Company"}],` +
		`"relations":[{"source":"15/9-13","source_type":"Well","type":"drilled_by","target":"Statoil","target_type":"Company"}]}`
	tests := []struct {
		name      string
		reply     string
		entities  []string
		relations []string
		truncated bool
		values    int
		skipped   int
		err       bool
	}{
		{name: "clean", reply: clean, entities: []string{"Well:15/9-13", "Company:Statoil"},
			relations: []string{"15/9-13 -drilled_by-> Statoil"}, values: 1},
		{name: "fenced", reply: "Here you go:\n```json\n" + clean + "\n```\nDone.", entities: []string{"Well:15/9-13", "Company:Statoil"},
			relations: []string{"15/9-13 -drilled_by-> Statoil"}, values: 1},
		{name: "prose with braces", reply: "I found {some} things: " + clean + " (that is all {ok})",
			entities: []string{"Well:15/9-13", "Company:Statoil"}, relations: []string{"15/9-13 -drilled_by-> Statoil"}, values: 1},
		{name: "trailing commas and comments", reply: "{\"entities\": [ {\"name\": \"Volve\", \"type\": \"Field\",}, // the field\n ], \"relations\": [],}",
			entities: []string{"Field:Volve"}, values: 1},
		{name: "python style", reply: "{'entities': [{'name': 'Volve', 'type': 'Field', 'props': None, 'ok': True}]}",
			entities: []string{"Field:Volve"}, values: 1},
		{name: "bare keys, missing commas", reply: `{entities: [{name: "Volve" type: "Field"} {name: "Grane" type: "Field"}]}`,
			entities: []string{"Field:Volve", "Field:Grane"}, values: 1},
		{name: "truncated array keeps complete items",
			reply:    `{"entities":[{"name":"Volve","type":"Field"},{"name":"Grane","type":"Field"},{"name":"Sleip`,
			entities: []string{"Field:Volve", "Field:Grane"}, truncated: true, values: 1},
		{name: "truncated inside relations",
			reply:    `{"entities":[{"name":"A","type":"Well"}],"relations":[{"source":"A","type":"drilled_by","target":"B"},{"source":"A","ty`,
			entities: []string{"Well:A"}, relations: []string{"A -drilled_by-> B"}, truncated: true, values: 1},
		{name: "truncated mid number", reply: `{"entities":[{"name":"A","type":"Well","mentions":[{"text":"A","start":1`,
			truncated: true, values: 1},
		{name: "several values merged", reply: `{"entities":[{"name":"A","type":"Well"}]}` + "\n" + `{"entities":[{"name":"B","type":"Well"}],"relations":[]}`,
			entities: []string{"Well:A", "Well:B"}, values: 2},
		{name: "bare arrays", reply: `[{"name":"A","type":"Well"}] and [{"head":"A","relation":"drilled_by","tail":"Statoil"}]`,
			entities: []string{"Well:A"}, relations: []string{"A -drilled_by-> Statoil"}, values: 2},
		{name: "wrapper object", reply: `{"result":{"nodes":[{"id":"A","label":"Well"}],"relationships":[{"start_node_id":"A","type":"x","end_node_id":"B"}]}}`,
			entities: []string{"Well:A"}, relations: []string{"A -x-> B"}, values: 1},
		{name: "endpoint objects", reply: `{"relations":[{"source":{"name":"A","type":"Well"},"type":"t","target":{"name":"B","type":"Company"}}]}`,
			relations: []string{"A -t-> B"}, values: 1},
		{name: "triple arrays", reply: `{"relations":[["A","t","B"],["bad"]]}`, relations: []string{"A -t-> B"}, values: 1, skipped: 1},
		{name: "thinking block", reply: `<think>maybe {"entities":[{"name":"X","type":"Bad"}]}</think>{"entities":[{"name":"A","type":"Well"}]}`,
			entities: []string{"Well:A"}, values: 1},
		{name: "empty object", reply: "{}", values: 1},
		{name: "empty lists", reply: `{"entities":[],"relations":[]}`, values: 1},
		{name: "malformed items skipped", reply: `{"entities":[{"name":"A"},{"type":"Well"},3,{"name":"B","type":"Well"}]}`,
			entities: []string{"Well:B"}, values: 1, skipped: 3},
		{name: "unicode escapes", reply: `{"entities":[{"name":"Sleipner \u00d8st","type":"Field"},{"name":"\ud83d\ude00","type":"X"}]}`,
			entities: []string{"Field:Sleipner Øst", "X:😀"}, values: 1},
		{name: "citations in prose are not items", reply: `See [1] and [{"a":1}]: {"entities":[{"name":"A","type":"Well"}]}`,
			entities: []string{"Well:A"}, values: 1},
		{name: "no json", reply: "I could not find anything.", err: true},
		{name: "empty", reply: "", err: true},
		{name: "unrelated json", reply: `{"answer": 42}`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := ParseReply(tt.reply)
			if tt.err {
				require.ErrorIs(t, err, ErrBadReply)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.entities, entityNames(rep))
			assert.Equal(t, tt.relations, relationNames(rep))
			assert.Equal(t, tt.truncated, rep.Truncated)
			assert.Equal(t, tt.values, rep.Values)
			assert.Equal(t, tt.skipped, rep.Skipped)
		})
	}
}

func TestParseReplyMentionsAndTypes(t *testing.T) {
	rep, err := ParseReply(`{"entities":[{"name":"A","type":"Well","mentions":["A",{"text":"a","start":"7","end":8}],"properties":{"depth":"2850","x":null}},
		{"name":"B","type":"Well","start":3,"end":4},{"name":"C","type":"Well","span":[1,2]}],
		"relations":[{"source":"A","source_type":"Well","type":"r","target":"B","target_type":"Well","properties":{"w":1}}]}`)
	require.NoError(t, err)
	require.Len(t, rep.Entities, 3)
	assert.Equal(t, []RawMention{{Text: "A", Start: -1, End: -1}, {Text: "a", Start: 7, End: 8}}, rep.Entities[0].Mentions)
	assert.Equal(t, map[string]any{"depth": "2850"}, rep.Entities[0].Properties)
	assert.Equal(t, []RawMention{{Text: "B", Start: 3, End: 4}}, rep.Entities[1].Mentions)
	assert.Equal(t, []RawMention{{Text: "C", Start: 1, End: 2}}, rep.Entities[2].Mentions)
	assert.Equal(t, RawRelation{Source: "A", SourceType: "Well", Type: "r", Target: "B", TargetType: "Well",
		Properties: map[string]any{"w": 1.0}}, rep.Relations[0])
}

// Any valid reply, cut anywhere, parses to a prefix of its items: nothing
// is invented, the complete items before the cut are kept.
func TestParseReplyTruncationProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 6).Draw(t, "n")
		var ents []map[string]any
		for i := range n {
			ents = append(ents, map[string]any{"name": rapid.StringMatching(`[A-Za-z0-9][A-Za-z0-9/ -]{0,11}`).Draw(t, "name"),
				"type": "Well", "mentions": []any{map[string]any{"text": "x", "start": float64(i)}}})
		}
		b, err := json.MarshalIndent(map[string]any{"entities": ents, "relations": []any{}}, "", rapid.SampledFrom([]string{"", " "}).Draw(t, "indent"))
		require.NoError(t, err)
		full := string(b)
		rep, err := ParseReply(full)
		require.NoError(t, err)
		require.Len(t, rep.Entities, n)
		require.False(t, rep.Truncated)

		cut := rapid.IntRange(1, len(full)-1).Draw(t, "cut")
		part, err := ParseReply(full[:cut])
		if err != nil {
			require.ErrorIs(t, err, ErrBadReply)
			return
		}
		require.LessOrEqual(t, len(part.Entities), n)
		for i, e := range part.Entities {
			require.Equal(t, rep.Entities[i], e, "item %d must be complete and unchanged", i)
		}
	})
}

// Trailing commas anywhere are forgiven.
func TestParseReplyTrailingCommasProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		names := rapid.SliceOfN(rapid.StringMatching(`[A-Za-z]{1,8}`), 1, 5).Draw(t, "names")
		var items []string
		for _, n := range names {
			items = append(items, `{"name":"`+n+`","type":"Well",}`)
		}
		reply := `{"entities":[` + strings.Join(items, ",") + `,],}`
		rep, err := ParseReply(reply)
		require.NoError(t, err)
		require.Len(t, rep.Entities, len(names))
	})
}

func FuzzParseReply(f *testing.F) {
	for _, s := range []string{`{"entities":[{"name":"A","type":"W"}]}`, "```json\n[1,2,\n```", `{"a":[{"b":`, `[[[[[[`,
		`{"relations":[["a","b","c"]]}`, `<think>`, `"\ud800"`, `{'x': True}`, "{\"entities\":[{\"name\":\"A\",\"type\":\"W\",\"start\":1e400}]}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rep, err := ParseReply(s)
		if err != nil {
			require.ErrorIs(t, err, ErrBadReply)
			return
		}
		require.Positive(t, rep.Values)
		for _, e := range rep.Entities {
			require.NotEmpty(t, e.Name)
			require.NotEmpty(t, e.Type)
		}
		for _, r := range rep.Relations {
			require.NotEmpty(t, r.Source)
			require.NotEmpty(t, r.Target)
		}
	})
}

func TestLenientDepthLimit(t *testing.T) {
	deep := strings.Repeat("[", 10000) + `{"name":"A","type":"W"}` + strings.Repeat("]", 10000)
	rep, err := ParseReply(deep)
	require.NoError(t, err) // the inner object is found once nesting is too deep to parse
	assert.Equal(t, []string{"W:A"}, entityNames(rep))
}
