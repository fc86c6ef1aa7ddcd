package kg

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ontologyJSON = `{
  "name": "people",
  "entity_types": [
    {"name": "Person", "description": "a human",
     "properties": [{"name": "age", "type": "integer"}, {"name": "email", "type": "string", "required": true},
                    {"name": "tags", "type": "array"}, {"name": "address", "type": "object"},
                    {"name": "active", "type": "boolean"}, {"name": "height", "type": "number"}, {"name": "misc"}],
     "examples": ["Ada Lovelace"], "patterns": ["^[A-Z][a-z]+ [A-Z][a-z]+$"]},
    {"name": "Company", "properties": [{"name": "founded", "type": "integer"}]},
    {"name": "City"}
  ],
  "relation_types": [
    {"name": "works_at", "source": ["Person"], "target": ["Company"]},
    {"name": "knows", "source": ["Person"], "target": ["Person"], "symmetric": true},
    {"name": "partner_of", "source": ["Person", "Company"], "target": ["Company"], "symmetric": true},
    {"name": "located_in", "target": ["City"]},
    {"name": "related"}
  ]
}`

const ontologyYAML = `
name: people
entity_types:
  - name: Person
    description: a human
    properties:
      - {name: age, type: integer}
      - {name: email, type: string, required: true}
      - {name: tags, type: array}
      - {name: address, type: object}
      - {name: active, type: boolean}
      - {name: height, type: number}
      - {name: misc}
    examples: [Ada Lovelace]
    patterns: ['^[A-Z][a-z]+ [A-Z][a-z]+$']
  - name: Company
    properties:
      - {name: founded, type: integer}
  - name: City
relation_types:
  - {name: works_at, source: [Person], target: [Company]}
  - {name: knows, source: [Person], target: [Person], symmetric: true}
  - {name: partner_of, source: [Person, Company], target: [Company], symmetric: true}
  - {name: located_in, target: [City]}
  - name: related
`

func TestParseOntologyJSONAndYAMLAgree(t *testing.T) {
	j, err := ParseOntology([]byte(ontologyJSON))
	require.NoError(t, err)
	y, err := ParseOntology([]byte(ontologyYAML))
	require.NoError(t, err)
	assert.Equal(t, j.EntityTypes, y.EntityTypes)
	assert.Equal(t, j.RelationTypes, y.RelationTypes)
	assert.Equal(t, "people", y.Name)
	p, ok := y.EntityType("Person")
	require.True(t, ok)
	assert.Equal(t, "a human", p.Description)
	assert.True(t, p.Properties[1].Required)
	r, ok := y.RelationType("knows")
	require.True(t, ok)
	assert.True(t, r.Symmetric)
	_, ok = y.EntityType("Nope")
	assert.False(t, ok)
	_, ok = y.RelationType("nope")
	assert.False(t, ok)
	for _, o := range []*Ontology{j, y} {
		pats := o.Patterns("Person")
		require.Len(t, pats, 1)
		assert.True(t, pats[0].MatchString("Ada Lovelace"))
		assert.Empty(t, o.Patterns("City"))
	}
}

func TestLoadOntology(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "o.yaml")
	require.NoError(t, os.WriteFile(good, []byte(ontologyYAML), 0o600))
	o, err := LoadOntology(good)
	require.NoError(t, err)
	assert.Len(t, o.EntityTypes, 3)

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"entity_types":[]}`), 0o600))
	_, err = LoadOntology(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.json")

	_, err = LoadOntology(filepath.Join(dir, "missing.json"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestParseOntologyErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // substrings, all of which the error contains
	}{
		{"empty", ``, []string{"at least one entity type"}},
		{"no entity types", `{"entity_types": []}`, []string{"at least one entity type"}},
		{"duplicate entity", `{"entity_types":[{"name":"A"},{"name":"A"}]}`, []string{`entity_types[1] "A": duplicate name`}},
		{"empty entity name", `{"entity_types":[{"name":"A"},{"name":" "}]}`, []string{"entity_types[1]: name is empty"}},
		{"duplicate property", `{"entity_types":[{"name":"A","properties":[{"name":"p"},{"name":"p"}]}]}`,
			[]string{`entity_types[0] "A": properties[1] "p": duplicate name`}},
		{"empty property name", `{"entity_types":[{"name":"A","properties":[{"name":""}]}]}`,
			[]string{`entity_types[0] "A": properties[0]: name is empty`}},
		{"bad property type", `{"entity_types":[{"name":"A","properties":[{"name":"p","type":"date"}]}]}`,
			[]string{`entity_types[0] "A": properties[0] "p": type "date" is not one of`}},
		{"bad pattern", `{"entity_types":[{"name":"A","patterns":["ok","(unclosed"]}]}`,
			[]string{`entity_types[0] "A": patterns[1]`, "missing closing )"}},
		{"duplicate relation", `{"entity_types":[{"name":"A"}],"relation_types":[{"name":"r"},{"name":"r"}]}`,
			[]string{`relation_types[1] "r": duplicate name`}},
		{"empty relation name", `{"entity_types":[{"name":"A"}],"relation_types":[{"name":""}]}`,
			[]string{"relation_types[0]: name is empty"}},
		{"unknown source", `{"entity_types":[{"name":"A"}],"relation_types":[{"name":"r","source":["B"]}]}`,
			[]string{`relation_types[0] "r": source "B" is not an entity type`}},
		{"unknown target", `{"entity_types":[{"name":"A"}],"relation_types":[{"name":"r","target":["A","Food"]}]}`,
			[]string{`relation_types[0] "r": target "Food" is not an entity type`}},
		{"empty-named type is no target", `{"entity_types":[{"name":""}],"relation_types":[{"name":"r","target":[""]}]}`,
			[]string{`target "" is not an entity type`}},
		{"every problem reported", `{"entity_types":[{"name":"A"},{"name":"A"}],"relation_types":[{"name":"r","source":["X"]}]}`,
			[]string{"duplicate name", `source "X"`}},
		{"unknown top-level key json", `{"entity_types":[{"name":"A"}],"relations":[]}`, []string{`unknown field "relations"`}},
		{"unknown nested key json", `{"entity_types":[{"name":"A","props":[]}]}`, []string{`unknown field "props"`}},
		{"unknown key yaml", "entity_types:\n  - name: A\n    colour: red\n", []string{`unknown field "colour"`}},
		{"wrong json type", `{"entity_types":{"name":"A"}}`, []string{"cannot unmarshal"}},
		{"trailing data", `{"entity_types":[{"name":"A"}]} {"x":1}`, []string{"data after the JSON object"}},
		{"bad json", `{"entity_types":[`, []string{"kg: ontology"}},
		{"bad yaml", "entity_types: [\n", []string{"kg: ontology"}},
		{"yaml non-string keys", "entity_types:\n  - {1: 2}\n", []string{"kg: ontology"}},
		{"yaml scalar", "just a string", []string{"kg: ontology"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseOntology([]byte(tt.src))
			require.Error(t, err)
			assert.Nil(t, o)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func mustOntology(t *testing.T) *Ontology {
	t.Helper()
	o, err := ParseOntology([]byte(ontologyJSON))
	require.NoError(t, err)
	return o
}

func TestValidateNode(t *testing.T) {
	o := mustOntology(t)
	tests := []struct {
		name  string
		node  Node
		wants []string
	}{
		{"ok minimal", Node{ID: "p", Type: "Person", Properties: map[string]any{"email": "a@b"}}, nil},
		{"ok all types", Node{ID: "p", Type: "Person", Properties: map[string]any{
			"email": "a@b", "age": 36.0, "tags": []any{"x"}, "address": map[string]any{"city": "London"},
			"active": true, "height": 1.7, "misc": nil, "extra": "not declared"}}, nil},
		{"integer as int", Node{ID: "p", Type: "Person", Properties: map[string]any{"email": "a", "age": 36}}, nil},
		{"no properties declared", Node{ID: "c", Type: "City"}, nil},
		{"unknown type", Node{ID: "x", Type: "Planet"}, []string{`node "x"`, `unknown entity type "Planet"`}},
		{"missing required", Node{ID: "p", Type: "Person"}, []string{`node "p" (Person)`, `missing required property "email"`}},
		{"string expected", Node{ID: "p", Type: "Person", Properties: map[string]any{"email": 5}}, []string{`property "email" must be string`}},
		{"integer expected", Node{ID: "p", Type: "Person", Properties: map[string]any{"email": "a", "age": 36.5}}, []string{`property "age" must be integer`}},
		{"number expected", Node{ID: "p", Type: "Person", Properties: map[string]any{"email": "a", "height": "tall"}}, []string{`"height" must be number`}},
		{"boolean expected", Node{ID: "p", Type: "Person", Properties: map[string]any{"email": "a", "active": "yes"}}, []string{`"active" must be boolean`}},
		{"array expected", Node{ID: "p", Type: "Person", Properties: map[string]any{"email": "a", "tags": "x"}}, []string{`"tags" must be array`}},
		{"object expected", Node{ID: "p", Type: "Person", Properties: map[string]any{"email": "a", "address": []any{}}}, []string{`"address" must be object`}},
		{"null is not a string", Node{ID: "p", Type: "Person", Properties: map[string]any{"email": nil}}, []string{`"email" must be string`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := o.ValidateNode(&tt.node)
			if tt.wants == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrOntology)
			for _, w := range tt.wants {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestValidateEdge(t *testing.T) {
	o := mustOntology(t)
	tests := []struct {
		name     string
		typ      string
		from, to string
		wants    []string
	}{
		{"ok", "works_at", "Person", "Company", nil},
		{"unknown relation", "owns", "Person", "Company", []string{`edge "e"`, `unknown relation type "owns"`}},
		{"wrong direction", "works_at", "Company", "Person", []string{"wrong direction"}},
		{"bad source", "works_at", "City", "Company", []string{"cannot start at a City", "allowed: Person"}},
		{"bad target", "works_at", "Person", "City", []string{"cannot end at a City", "allowed: Company"}},
		{"symmetric same types", "knows", "Person", "Person", nil},
		{"symmetric reversed", "partner_of", "Company", "Person", nil},
		{"symmetric forward", "partner_of", "Person", "Company", nil},
		{"symmetric still checks types", "partner_of", "City", "Company", []string{"cannot start at a City"}},
		{"any source", "located_in", "Company", "City", nil},
		{"any source bad target", "located_in", "Company", "Person", []string{"cannot end at a Person"}},
		{"any types", "related", "City", "Person", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Edge{ID: "e", From: "a", To: "b", Type: tt.typ}
			err := o.ValidateEdge(e, tt.from, tt.to)
			if tt.wants == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrOntology)
			for _, w := range tt.wants {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func FuzzParseOntology(f *testing.F) {
	f.Add([]byte(ontologyJSON))
	f.Add([]byte(ontologyYAML))
	f.Add([]byte(`{"entity_types":[{"name":"A","patterns":["(a"]}]}`))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("entity_types: !!binary aGVsbG8=\n"))
	f.Add([]byte("{"))
	f.Add([]byte(strings.Repeat("[", 100)))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ParseOntology(data)
		if err != nil {
			if o != nil {
				t.Fatal("ontology returned with an error")
			}
			return
		}
		if len(o.EntityTypes) == 0 {
			t.Fatal("valid ontology without entity types")
		}
		if err := o.Validate(); err != nil {
			t.Fatalf("parsed ontology does not validate again: %v", err)
		}
		for _, et := range o.EntityTypes {
			_ = o.ValidateNode(&Node{ID: "x", Type: et.Name})
		}
		for _, rt := range o.RelationTypes {
			_ = o.ValidateEdge(&Edge{ID: "e", Type: rt.Name}, "a", "b")
		}
	})
}
