package extract

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// validator checks reply items against the ontology, grounds mentions and
// builds a chunk's entities and relations.
type validator struct {
	ont        *kg.Ontology
	entityKeys map[string]string // typeKey(name) -> entity type name
	relKeys    map[string]string // typeKey(name) -> relation type name
	lenient    bool
	flip       bool
	needGround bool
}

// copyOntology returns a validated private copy of o, so that later
// changes by the caller cannot race with extraction.
func copyOntology(o *kg.Ontology) (*kg.Ontology, error) {
	if o == nil {
		return nil, fmt.Errorf("extract: ontology is nil")
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("extract: ontology: %w", err)
	}
	c, err := kg.ParseOntology(b)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	return c, nil
}

func newValidator(ont *kg.Ontology, cfg *config) *validator {
	v := &validator{ont: ont, entityKeys: map[string]string{}, relKeys: map[string]string{},
		lenient: cfg.lenient, flip: cfg.flip, needGround: cfg.requireGrounding}
	for _, et := range ont.EntityTypes {
		v.entityKeys[typeKey(et.Name)] = et.Name
	}
	for _, rt := range ont.RelationTypes {
		v.relKeys[typeKey(rt.Name)] = rt.Name
	}
	return v
}

// typeKey compares type names loosely: "drilled_by", "DRILLED BY" and
// "drilledBy" agree.
func typeKey(s string) string {
	return strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.ToLower(strings.TrimSpace(s)))
}

func (v *validator) entityType(s string) (string, bool) {
	if _, ok := v.ont.EntityType(s); ok {
		return s, true
	}
	t, ok := v.entityKeys[typeKey(s)]
	return t, ok
}

func (v *validator) relationType(s string) (string, bool) {
	if _, ok := v.ont.RelationType(s); ok {
		return s, true
	}
	t, ok := v.relKeys[typeKey(s)]
	return t, ok
}

// chunkProduct is what one chunk contributes.
type chunkProduct struct {
	entities  []Entity
	relations []Relation
	issues    []Issue
}

func (p *chunkProduct) issue(is Issue) { p.issues = append(p.issues, is) }

// apply validates and grounds rep, the reply for chunk ch.
func (v *validator) apply(ch *Chunk, rep Reply) chunkProduct {
	p := chunkProduct{}
	for range rep.Skipped {
		p.issue(Issue{ChunkID: ch.ID, Item: ItemEntity, Reason: ReasonMalformed, Action: ActionPruned,
			Detail: "reply item is neither an entity (name, type) nor a relation (source, target)"})
	}
	byID := map[string]int{}
	pruned := map[string]Reason{} // normalised name -> why it was pruned
	for _, re := range rep.Entities {
		e, why := v.entity(ch, re, &p)
		if why != "" {
			pruned[NormalizeName(re.Name)] = why
			continue
		}
		if i, dup := byID[e.ID]; dup {
			mergeEntity(&p.entities[i], e)
			continue
		}
		byID[e.ID] = len(p.entities)
		p.entities = append(p.entities, e)
	}
	relByID := map[string]int{}
	for _, rr := range rep.Relations {
		r, ok := v.relation(ch, rr, p.entities, pruned, &p)
		if !ok {
			continue
		}
		if i, dup := relByID[r.ID]; dup {
			mergeRelation(&p.relations[i], r)
			continue
		}
		relByID[r.ID] = len(p.relations)
		p.relations = append(p.relations, r)
	}
	return p
}

// entity validates one entity. A non-empty reason means it was pruned
// (and the issue recorded).
func (v *validator) entity(ch *Chunk, re RawEntity, p *chunkProduct) (Entity, Reason) {
	name := cleanName(re.Name)
	if name == "" && len(re.Mentions) > 0 {
		name = cleanName(re.Mentions[0].Text)
	}
	is := Issue{ChunkID: ch.ID, Item: ItemEntity, Name: name, Type: re.Type}
	if name == "" {
		is.Reason, is.Action, is.Detail = ReasonEmptyName, ActionPruned, "entity has no name"
		p.issue(is)
		return Entity{}, is.Reason
	}
	e := Entity{Name: name, ChunkIDs: []string{ch.ID}}
	typ, ok := v.entityType(re.Type)
	switch {
	case ok:
		e.Type = typ
	case v.lenient && cleanName(re.Type) != "":
		e.Type = cleanName(re.Type)
		e.Flags = append(e.Flags, ReasonUnknownEntityType)
		is.Reason, is.Action, is.Detail = ReasonUnknownEntityType, ActionFlagged, fmt.Sprintf("entity type %q is not in the ontology", re.Type)
		p.issue(is)
	default:
		is.Reason, is.Action, is.Detail = ReasonUnknownEntityType, ActionPruned, fmt.Sprintf("entity type %q is not in the ontology", re.Type)
		p.issue(is)
		return Entity{}, is.Reason
	}
	e.ID = EntityID(e.Type, name)
	if !v.properties(ch, &e, re.Properties, p) {
		return Entity{}, ReasonMissingRequiredProperty
	}
	e.Mentions = v.mentions(ch, name, re.Mentions, p)
	if v.needGround && !slices.ContainsFunc(e.Mentions, func(m Mention) bool { return m.Grounded }) {
		is.Type, is.Reason, is.Action, is.Detail = e.Type, ReasonUngrounded, ActionPruned, "no mention of the entity was found in the chunk"
		p.issue(is)
		return Entity{}, is.Reason
	}
	return e, ""
}

// properties checks and converts e's properties against its type's
// declarations; false means the entity is pruned (a required property is
// missing in strict mode).
func (v *validator) properties(ch *Chunk, e *Entity, in map[string]any, p *chunkProduct) bool {
	et, known := v.ont.EntityType(e.Type)
	out := map[string]any{}
	for k, val := range in {
		if val == nil {
			continue
		}
		i := slices.IndexFunc(et.Properties, func(d kg.PropertyDef) bool { return d.Name == k })
		is := Issue{ChunkID: ch.ID, Item: ItemProperty, Name: k, Type: e.Type}
		switch {
		case !known:
			out[k] = val // lenient, unknown type: nothing to check against
		case i < 0:
			is.Reason = ReasonUnknownProperty
			is.Detail = fmt.Sprintf("%s %q: property %q is not declared", e.Type, e.Name, k)
			if v.lenient {
				out[k] = val
				is.Action = ActionFlagged
				e.Flags = appendFlag(e.Flags, ReasonUnknownProperty)
			} else {
				is.Action = ActionPruned
			}
			p.issue(is)
		default:
			conv, ok := convert(val, et.Properties[i].Type)
			if ok {
				out[k] = conv
				continue
			}
			is.Reason = ReasonInvalidProperty
			is.Detail = fmt.Sprintf("%s %q: property %q must be %s, got %v", e.Type, e.Name, k, et.Properties[i].Type, val)
			if v.lenient {
				out[k] = val
				is.Action = ActionFlagged
				e.Flags = appendFlag(e.Flags, ReasonInvalidProperty)
			} else {
				is.Action = ActionPruned
			}
			p.issue(is)
		}
	}
	for _, d := range et.Properties {
		if _, has := out[d.Name]; has {
			continue
		}
		if d.Name == "name" && (d.Type == "" || d.Type == "string") {
			out["name"] = e.Name // the entity's name fills a declared "name"
			continue
		}
		if !d.Required {
			continue
		}
		is := Issue{ChunkID: ch.ID, Item: ItemEntity, Name: e.Name, Type: e.Type, Reason: ReasonMissingRequiredProperty,
			Detail: fmt.Sprintf("%s %q: required property %q is missing", e.Type, e.Name, d.Name)}
		if !v.lenient {
			is.Action = ActionPruned
			p.issue(is)
			return false
		}
		is.Action = ActionFlagged
		e.Flags = appendFlag(e.Flags, ReasonMissingRequiredProperty)
		p.issue(is)
	}
	if len(out) > 0 {
		e.Properties = out
	}
	return true
}

// convert coerces val to the JSON type typ where that is lossless
// ("21.5" to a number, 3 to "3", "true" to a boolean).
func convert(val any, typ string) (any, bool) {
	switch typ {
	case "":
		return val, true
	case "string":
		switch x := val.(type) {
		case string:
			return x, true
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), true
		case bool:
			return strconv.FormatBool(x), true
		}
	case "number", "integer":
		f, ok := val.(float64)
		if s, isStr := val.(string); isStr {
			x, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%")), 64)
			f, ok = x, err == nil
		}
		if ok && (typ == "number" || f == float64(int64(f))) {
			return f, true
		}
	case "boolean":
		switch x := val.(type) {
		case bool:
			return x, true
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
				return b, true
			}
		}
	case "array":
		if x, ok := val.([]any); ok {
			return x, true
		}
		return []any{val}, true
	case "object":
		if x, ok := val.(map[string]any); ok {
			return x, true
		}
	}
	return nil, false
}

// mentions grounds the claimed mentions (or the name when none is
// claimed) in the chunk's text.
func (v *validator) mentions(ch *Chunk, name string, claimed []RawMention, p *chunkProduct) []Mention {
	if len(claimed) == 0 {
		claimed = []RawMention{{Text: name, Start: -1, End: -1}}
	}
	var out []Mention
	for _, c := range claimed {
		text := c.Text
		if text == "" {
			text = name
		}
		g := ground(ch.Text, text, c.Start)
		is := Issue{ChunkID: ch.ID, Item: ItemMention, Name: text}
		if !g.found {
			out = append(out, Mention{ChunkID: ch.ID, Text: text, Start: -1, End: -1})
			is.Reason, is.Action = ReasonUngrounded, ActionFlagged
			is.Detail = fmt.Sprintf("%q does not occur in chunk %s", text, ch.ID)
			p.issue(is)
			continue
		}
		m := Mention{ChunkID: ch.ID, Text: ch.Text[g.span.Start:g.span.End], Start: ch.Start + g.span.Start,
			End: ch.Start + g.span.End, Grounded: true, Corrected: g.corrected}
		if slices.ContainsFunc(out, func(o Mention) bool { return o.Start == m.Start && o.End == m.End }) {
			continue
		}
		if g.corrected {
			is.Reason, is.Action = ReasonOffsetMismatch, ActionCorrected
			is.Detail = fmt.Sprintf("claimed character offset %d; found at byte %d of the document", c.Start, m.Start)
			p.issue(is)
		}
		out = append(out, m)
	}
	return out
}

func appendFlag(flags []Reason, r Reason) []Reason {
	if slices.Contains(flags, r) {
		return flags
	}
	return append(flags, r)
}
