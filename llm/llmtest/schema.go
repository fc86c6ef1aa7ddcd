package llmtest

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// vocabText is the reply vocabulary: one word is one completion token.
const vocabText = `the of and to in is that for it as with was on be by at this from or an are
graph node edge entity relation tool agent model token vector query index store chunk document
search answer source score rank batch retry limit window bucket stream event value field schema
time data fast slow small large first last next open close read write send call return result
error state cache network server client request response header body status code message text
simple clear robust stable quick bright green blue red quiet calm sharp light dark warm cold
river mountain forest ocean city road bridge garden window market library station harbor valley
alpha beta gamma delta sigma omega kernel thread signal buffer packet socket channel context
because while after before during within across between through around beyond under over into
make take give find keep hold move turn build check merge split count parse route trace learn`

// jsonInstance returns a deterministic JSON value that validates against
// simple JSON schemas: type, properties, required, items, enum, const,
// anyOf/oneOf/allOf (first branch), minimum/maximum, minItems, string
// formats and local $ref. Unknown constructs yield a string.
func jsonInstance(schema []byte, h uint64, vocab []string) string {
	var root any
	if len(schema) > 0 && json.Unmarshal(schema, &root) != nil {
		root = nil
	}
	g := schemaGen{root: root, r: rng{s: h}, vocab: vocab}
	v := g.value(root, 0)
	if _, ok := v.(map[string]any); !ok && root == nil {
		v = map[string]any{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

type schemaGen struct {
	root  any
	r     rng
	vocab []string
	nodes int // values generated so far, bounded by maxSchemaNodes
}

// maxSchemaNodes bounds the size of a generated instance.
const maxSchemaNodes = 4096

func (g *schemaGen) word() string { return g.vocab[g.r.next()%uint64(len(g.vocab))] }

func (g *schemaGen) value(s any, depth int) any {
	g.nodes++
	m, ok := s.(map[string]any)
	if !ok || depth > 8 || g.nodes > maxSchemaNodes {
		if !ok && depth <= 8 {
			return map[string]any{}
		}
		return nil
	}
	if ref, ok := m["$ref"].(string); ok {
		return g.value(g.resolve(ref), depth+1)
	}
	if c, ok := m["const"]; ok {
		return c
	}
	if e, ok := m["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	for _, k := range [...]string{"anyOf", "oneOf", "allOf"} {
		if l, ok := m[k].([]any); ok && len(l) > 0 {
			return g.value(l[0], depth+1)
		}
	}
	typ, _ := m["type"].(string)
	if l, ok := m["type"].([]any); ok {
		for _, t := range l {
			if ts, ok := t.(string); ok && ts != "null" {
				typ = ts
				break
			}
		}
	}
	if typ == "" {
		if _, ok := m["properties"]; ok {
			typ = "object"
		} else if _, ok := m["items"]; ok {
			typ = "array"
		}
	}
	switch typ {
	case "object":
		obj := map[string]any{}
		props, _ := m["properties"].(map[string]any)
		// Sorted keys keep the draws, hence the output, deterministic.
		for _, k := range slices.Sorted(maps.Keys(props)) {
			obj[k] = g.value(props[k], depth+1)
		}
		return obj
	case "array":
		n := 1
		if mi, ok := m["minItems"].(float64); ok && mi > 1 {
			n = int(min(mi, 16))
		}
		if mx, ok := m["maxItems"].(float64); ok && float64(n) > mx {
			n = int(mx)
		}
		arr := make([]any, n)
		for i := range arr {
			arr[i] = g.value(m["items"], depth+1)
		}
		return arr
	case "integer", "number":
		v := float64(g.r.next() % 100)
		if lo, ok := m["minimum"].(float64); ok && v < lo {
			v = lo
		}
		if hi, ok := m["maximum"].(float64); ok && v > hi {
			v = hi
		}
		if typ == "integer" {
			return int64(v)
		}
		return v
	case "boolean":
		return true
	case "null":
		return nil
	}
	return g.str(m)
}

func (g *schemaGen) str(m map[string]any) string {
	switch m["format"] {
	case "date-time":
		return "2024-01-01T00:00:00Z"
	case "date":
		return "2024-01-01"
	case "email":
		return "sim@example.com"
	case "uri", "url":
		return "https://example.com/sim"
	case "uuid":
		return "00000000-0000-4000-8000-000000000000"
	}
	s := g.word()
	if ml, ok := m["minLength"].(float64); ok {
		for float64(len(s)) < ml && len(s) < 4096 {
			s += " " + g.word()
		}
	}
	if ml, ok := m["maxLength"].(float64); ok && ml >= 0 && float64(len(s)) > ml {
		s = s[:int(ml)]
	}
	return s
}

// resolve follows a local JSON pointer such as "#/$defs/Item".
func (g *schemaGen) resolve(ref string) any {
	if !strings.HasPrefix(ref, "#") {
		return nil
	}
	cur := g.root
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#"), "/") {
		if part == "" {
			continue
		}
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}
