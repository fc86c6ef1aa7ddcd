package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm"
)

// PromptVersion names the prompts and schema below; it is part of cache
// keys, so changing the prompts invalidates cached replies.
const PromptVersion = "kgas-extract/1"

// GleaningPrompt is the follow-up message of a gleaning round.
const GleaningPrompt = "MANY entities and relations were missed in the last extraction. " +
	"Using the same ontology and the same JSON format, list ONLY the additional entities and relations " +
	"found in the text (relations may refer to entities listed before). Reply {\"entities\":[],\"relations\":[]} if there are none."

// prompter builds requests for one ontology.
type prompter struct {
	system string
	format llm.ResponseFormat
}

func newPrompter(o *kg.Ontology, mode OutputMode) (*prompter, error) {
	p := &prompter{system: systemPrompt(o, mode)}
	switch mode {
	case OutputSchema:
		schema, strict := replySchema(o)
		b, err := json.Marshal(schema)
		if err != nil {
			return nil, fmt.Errorf("extract: reply schema: %w", err)
		}
		p.format = llm.JSONSchema("kg_extraction", b, strict)
	case OutputJSONObject:
		p.format = llm.ResponseFormat{Type: llm.FormatJSONObject}
	}
	return p, nil
}

// userPrompt is the message carrying a chunk's text.
func userPrompt(text string) string {
	return "Extract the entities and relations of the ontology from this text.\n\nTEXT:\n" + text
}

func systemPrompt(o *kg.Ontology, mode OutputMode) string {
	var b strings.Builder
	b.WriteString("You extract a knowledge graph from text, following an ontology strictly.\n")
	if o.Name != "" || o.Description != "" {
		fmt.Fprintf(&b, "Ontology %s: %s\n", o.Name, o.Description)
	}
	b.WriteString("\nENTITY TYPES\n")
	for _, et := range o.EntityTypes {
		fmt.Fprintf(&b, "- %s", et.Name)
		if et.Description != "" {
			fmt.Fprintf(&b, ": %s", et.Description)
		}
		b.WriteString("\n")
		for _, p := range et.Properties {
			req := "optional"
			if p.Required {
				req = "required"
			}
			fmt.Fprintf(&b, "    property %s (%s, %s) %s\n", p.Name, orString(p.Type, "any"), req, p.Description)
		}
		if len(et.Examples) > 0 {
			fmt.Fprintf(&b, "    examples: %s\n", strings.Join(et.Examples, "; "))
		}
	}
	b.WriteString("\nRELATION TYPES (source type -> target type)\n")
	for _, rt := range o.RelationTypes {
		fmt.Fprintf(&b, "- %s: %s -> %s", rt.Name, typeList(rt.Source), typeList(rt.Target))
		if rt.Symmetric {
			b.WriteString(" (symmetric)")
		}
		if rt.Description != "" {
			fmt.Fprintf(&b, ". %s", rt.Description)
		}
		b.WriteString("\n")
		if len(rt.Examples) > 0 {
			fmt.Fprintf(&b, "    examples: %s\n", strings.Join(rt.Examples, "; "))
		}
	}
	b.WriteString(`
RULES
- Extract only entities of the types above and relations of the types above; ignore everything else.
- A relation goes from an entity of its source type to an entity of its target type, in that direction.
- "name" is the entity's name as written in the text; "mentions" lists its occurrences, each with "text" copied exactly from the text and "start", the 0-based character offset of that text in the TEXT.
- A relation's "source" and "target" are names of entities you list, with their types in "source_type" and "target_type".
- Do not invent facts that the text does not state.
`)
	if mode != OutputSchema {
		b.WriteString(`
Reply with one JSON object and nothing else, in this shape:
{"entities":[{"name":"...","type":"<entity type>","mentions":[{"text":"...","start":0}],"properties":{}}],
 "relations":[{"source":"...","source_type":"<entity type>","type":"<relation type>","target":"...","target_type":"<entity type>"}]}
`)
	}
	return b.String()
}

func typeList(types []string) string {
	if len(types) == 0 {
		return "any"
	}
	return strings.Join(types, "|")
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

type obj = map[string]any

// replySchema is the JSON Schema of a reply: entity items are one variant
// per entity type when some type declares properties (so each type carries
// its own), else one item with a type enum; relation items are one variant
// per relation type whose source_type and target_type enums are the
// relation's domain and range. strict is false when a property of type
// "object" or of no type makes OpenAI's strict mode impossible.
func replySchema(o *kg.Ontology) (schema obj, strict bool) {
	strict = true
	var typeNames []any
	hasProps := false
	for _, et := range o.EntityTypes {
		typeNames = append(typeNames, et.Name)
		hasProps = hasProps || len(et.Properties) > 0
	}
	mention := obj{"type": "object", "additionalProperties": false, "required": []string{"text", "start"},
		"properties": obj{"text": obj{"type": "string"}, "start": obj{"type": "integer"}}}
	entity := func(typ obj, props obj, required []string) obj {
		p := obj{"name": obj{"type": "string"}, "type": typ, "mentions": obj{"type": "array", "items": mention}}
		req := []string{"name", "type", "mentions"}
		if props != nil {
			p["properties"] = obj{"type": "object", "additionalProperties": false, "properties": props, "required": required}
			req = append(req, "properties")
		}
		return obj{"type": "object", "additionalProperties": false, "required": req, "properties": p}
	}
	var entityItems obj
	if !hasProps {
		entityItems = entity(obj{"type": "string", "enum": typeNames}, nil, nil)
	} else {
		var variants []any
		for _, et := range o.EntityTypes {
			props, req := obj{}, []string{}
			for _, p := range et.Properties {
				s, ok := propertySchema(p.Type)
				strict = strict && ok
				props[p.Name] = s
				req = append(req, p.Name)
			}
			variants = append(variants, entity(obj{"type": "string", "enum": []any{et.Name}}, props, req))
		}
		entityItems = obj{"anyOf": variants}
	}
	var relVariants []any
	for _, rt := range o.RelationTypes {
		relVariants = append(relVariants, obj{"type": "object", "additionalProperties": false,
			"required": []string{"source", "source_type", "type", "target", "target_type"},
			"properties": obj{
				"source":      obj{"type": "string"},
				"source_type": obj{"type": "string", "enum": enumOf(rt.Source, typeNames)},
				"type":        obj{"type": "string", "enum": []any{rt.Name}},
				"target":      obj{"type": "string"},
				"target_type": obj{"type": "string", "enum": enumOf(rt.Target, typeNames)},
			}})
	}
	relItems := obj{"anyOf": relVariants}
	if len(relVariants) == 0 {
		relItems = obj{"type": "object", "additionalProperties": false, "properties": obj{}, "required": []string{}}
	}
	schema = obj{"type": "object", "additionalProperties": false, "required": []string{"entities", "relations"},
		"properties": obj{
			"entities":  obj{"type": "array", "items": entityItems},
			"relations": obj{"type": "array", "items": relItems},
		}}
	return schema, strict
}

func enumOf(types []string, all []any) []any {
	if len(types) == 0 {
		return all
	}
	out := make([]any, len(types))
	for i, t := range types {
		out[i] = t
	}
	return out
}

// propertySchema is a nullable schema for a property of JSON type typ (null
// means "not stated"); ok is false when strict mode cannot express it.
func propertySchema(typ string) (obj, bool) {
	switch typ {
	case "string", "number", "integer", "boolean":
		return obj{"type": []string{typ, "null"}}, true
	case "array":
		return obj{"type": []string{"array", "null"}, "items": obj{"type": "string"}}, true
	case "object":
		return obj{"type": []string{"object", "null"}}, false
	}
	return obj{"type": []string{"string", "number", "boolean", "null"}}, false
}

// OntologyHash identifies an ontology's content (hex SHA-256 of its JSON
// form), for cache keys.
func OntologyHash(o *kg.Ontology) string {
	b, _ := json.Marshal(o) // plain data: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
