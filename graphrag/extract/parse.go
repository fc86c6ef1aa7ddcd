package extract

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ErrBadReply: a model reply holds no usable JSON.
var ErrBadReply = errors.New("extract: unusable model reply")

// MaxReplyBytes bounds the reply text ParseReply reads; the rest is
// ignored (and the reply reported truncated).
const MaxReplyBytes = 4 << 20

// RawEntity is an entity as a model reply states it, before validation.
type RawEntity struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Mentions   []RawMention   `json:"mentions,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
}

// RawMention is a claimed occurrence: the text and its character (rune)
// offsets in the chunk; -1 when not given.
type RawMention struct {
	Text  string `json:"text"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// RawRelation is a relation as a model reply states it: endpoints by
// name, optionally with their types.
type RawRelation struct {
	Source     string         `json:"source"`
	SourceType string         `json:"source_type,omitempty"`
	Type       string         `json:"type"`
	Target     string         `json:"target"`
	TargetType string         `json:"target_type,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
}

// Reply is a parsed model reply.
type Reply struct {
	Entities  []RawEntity   `json:"entities"`
	Relations []RawRelation `json:"relations"`
	// Values is the number of JSON values the items came from.
	Values int `json:"values"`
	// Truncated reports a JSON value cut short; its complete items are
	// kept.
	Truncated bool `json:"truncated,omitempty"`
	// Skipped counts items of entity or relation lists that were neither
	// (no name and type, no source and target).
	Skipped int `json:"skipped,omitempty"`
}

// ParseReply reads entities and relations from a model reply. It accepts
// plain JSON, JSON in fenced code blocks or surrounded by prose, reasoning
// blocks (<think>…</think>), trailing commas and the other slips the
// lenient parser forgives, values cut short (the complete items are kept),
// and several JSON values in one reply (their items are merged). The shapes
// understood are {"entities":[…],"relations":[…]} (also "nodes",
// "relationships", "edges", "triples", possibly wrapped in another object)
// and arrays of entity or relation objects.
//
// It fails with an error matching ErrBadReply only when the reply holds no
// recognisable JSON at all. It never panics.
func ParseReply(text string) (Reply, error) {
	var rep Reply
	if len(text) > MaxReplyBytes {
		text = text[:MaxReplyBytes]
		rep.Truncated = true
	}
	text = stripThinking(text)
	for i := 0; i < len(text); {
		j := strings.IndexAny(text[i:], "{[")
		if j < 0 {
			break
		}
		i += j
		p := lenient{s: text, i: i}
		v, complete, ok := p.value()
		if !ok || p.i <= i {
			i++
			continue
		}
		before := rep
		if rep.collect(v, 0) {
			rep.Values++
			if !complete {
				rep.Truncated = true
			}
			i = p.i
			continue
		}
		rep = before // not ours ("[1]" in prose): forget it, look inside it
		i++
	}
	if rep.Values == 0 {
		snippet := strings.TrimSpace(text)
		if len(snippet) > 80 {
			snippet = snippet[:80] + "…"
		}
		return rep, fmt.Errorf("%w: no entities or relations JSON in %q", ErrBadReply, snippet)
	}
	return rep, nil
}

// stripThinking removes <think>…</think> and <thinking>…</thinking> blocks;
// an unclosed one runs to the end of the reply.
func stripThinking(s string) string {
	for _, tag := range [...]string{"think", "thinking"} {
		open, end := "<"+tag+">", "</"+tag+">"
		for {
			i := strings.Index(s, open)
			if i < 0 {
				break
			}
			j := strings.Index(s[i:], end)
			if j < 0 {
				s = s[:i]
				break
			}
			s = s[:i] + s[i+j+len(end):]
		}
	}
	return s
}

var (
	entityKeys   = []string{"entities", "nodes", "entity_list"}
	relationKeys = []string{"relations", "relationships", "edges", "triples", "triplets", "links"}
)

// collect adds the items of v to rep and reports whether v had the shape
// of a reply (possibly empty).
func (rep *Reply) collect(v any, depth int) bool {
	if depth > 4 {
		return false
	}
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			return depth == 0 // "{}": nothing found
		}
		found := false
		for _, k := range entityKeys {
			if l, ok := v[k].([]any); ok {
				found = true
				rep.collectList(l)
			}
		}
		for _, k := range relationKeys {
			if l, ok := v[k].([]any); ok {
				found = true
				rep.collectList(l)
			}
		}
		if found {
			return true
		}
		if rep.item(v) {
			return true
		}
		for _, k := range sortedKeys(v) { // a wrapper: {"result": {...}}
			if w, ok := v[k].(map[string]any); ok && rep.collect(w, depth+1) {
				found = true
			}
		}
		return found
	case []any:
		if len(v) == 0 {
			return true
		}
		n := len(rep.Entities) + len(rep.Relations)
		rep.collectList(v)
		return len(rep.Entities)+len(rep.Relations) > n
	}
	return false
}

func (rep *Reply) collectList(l []any) {
	for _, it := range l {
		switch it := it.(type) {
		case map[string]any:
			if !rep.item(it) {
				rep.Skipped++
			}
		case []any: // ["source", "type", "target"]
			if len(it) == 3 {
				a, _ := it[0].(string)
				t, _ := it[1].(string)
				b, _ := it[2].(string)
				if a != "" && t != "" && b != "" {
					rep.Relations = append(rep.Relations, RawRelation{Source: a, Type: t, Target: b})
					continue
				}
			}
			rep.Skipped++
		default:
			rep.Skipped++
		}
	}
}

// item adds m as a relation or an entity when it looks like one.
func (rep *Reply) item(m map[string]any) bool {
	src, srcType := endpoint(m, "source", "head", "from", "subject", "src", "start_node_id", "source_entity")
	tgt, tgtType := endpoint(m, "target", "tail", "to", "object", "dst", "end_node_id", "target_entity")
	if src != "" && tgt != "" {
		r := RawRelation{Source: src, SourceType: srcType, Target: tgt, TargetType: tgtType,
			Type:       firstString(m, "type", "relation", "relation_type", "predicate", "label", "rel"),
			Properties: props(m["properties"])}
		if r.SourceType == "" {
			r.SourceType = firstString(m, "source_type", "head_type", "subject_type", "from_type")
		}
		if r.TargetType == "" {
			r.TargetType = firstString(m, "target_type", "tail_type", "object_type", "to_type")
		}
		rep.Relations = append(rep.Relations, r)
		return true
	}
	name := firstString(m, "name", "text", "entity", "title", "id", "entity_name")
	typ := firstString(m, "type", "entity_type", "label", "category", "class")
	if name == "" || typ == "" {
		return false
	}
	e := RawEntity{Name: name, Type: typ, Properties: props(m["properties"])}
	if ms, ok := m["mentions"].([]any); ok {
		for _, x := range ms {
			switch x := x.(type) {
			case string:
				e.Mentions = append(e.Mentions, RawMention{Text: x, Start: -1, End: -1})
			case map[string]any:
				e.Mentions = append(e.Mentions, mention(x, ""))
			}
		}
	} else if _, has := m["start"]; has {
		e.Mentions = append(e.Mentions, mention(m, name))
	} else if sp, ok := m["span"].([]any); ok && len(sp) == 2 {
		e.Mentions = append(e.Mentions, RawMention{Text: name, Start: toInt(sp[0]), End: toInt(sp[1])})
	}
	rep.Entities = append(rep.Entities, e)
	return true
}

// endpoint reads a relation endpoint: a string, or an object with a name
// and maybe a type.
func endpoint(m map[string]any, keys ...string) (name, typ string) {
	for _, k := range keys {
		switch v := m[k].(type) {
		case string:
			if s := strings.TrimSpace(v); s != "" {
				return s, ""
			}
		case map[string]any:
			if n := firstString(v, "name", "id", "text", "title"); n != "" {
				return n, firstString(v, "type", "label", "entity_type")
			}
		}
	}
	return "", ""
}

func mention(m map[string]any, fallback string) RawMention {
	t := firstString(m, "text", "mention", "surface")
	if t == "" {
		t = fallback
	}
	return RawMention{Text: t, Start: toInt(first(m, "start", "offset", "begin", "char_start")),
		End: toInt(first(m, "end", "char_end"))}
}

func first(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			return v
		}
	}
	return nil
}

// firstString returns the first of keys holding a non-empty string (or a
// number, formatted).
func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		switch v := m[k].(type) {
		case string:
			if s := strings.TrimSpace(v); s != "" {
				return s
			}
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ""
}

// toInt reads an offset: a non-negative integral number or numeric
// string; -1 otherwise.
func toInt(v any) int {
	var f float64
	switch v := v.(type) {
	case float64:
		f = v
	case string:
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return -1
		}
		f = x
	default:
		return -1
	}
	if f < 0 || f > math.MaxInt32 || f != math.Trunc(f) {
		return -1
	}
	return int(f)
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// props returns v as a property map, without null values.
func props(v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := map[string]any{}
	for k, x := range m {
		if x != nil && strings.TrimSpace(k) != "" {
			out[k] = x
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
