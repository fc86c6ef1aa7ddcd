package kg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Ontology constrains a graph: which entity types exist, which properties
// they carry, and which relations may join which types.
type Ontology struct {
	// Name and Description document the ontology.
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// EntityTypes are the allowed node types.
	EntityTypes []EntityType `json:"entity_types"`
	// RelationTypes are the allowed edge types.
	RelationTypes []RelationType `json:"relation_types"`

	patterns map[string][]*regexp.Regexp // compiled by Validate
}

// EntityType is an allowed node type.
type EntityType struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Properties the type's nodes carry.
	Properties []PropertyDef `json:"properties,omitempty"`
	// Examples of entity names, for extraction prompts.
	Examples []string `json:"examples,omitempty"`
	// Patterns are regular expressions that names of this type match,
	// for rule-based extraction.
	Patterns []string `json:"patterns,omitempty"`
}

// PropertyDef is a property of an entity type.
type PropertyDef struct {
	Name string `json:"name"`
	// Type is "string", "number", "integer", "boolean", "array" or
	// "object" ("" means any).
	Type        string `json:"type,omitempty"`
	Required    bool   `json:"required,omitempty"`
	Description string `json:"description,omitempty"`
}

// RelationType is an allowed edge type.
type RelationType struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Source and Target list the entity types the relation may start and
	// end at (empty: any type).
	Source []string `json:"source,omitempty"`
	Target []string `json:"target,omitempty"`
	// Symmetric relations hold both ways (A–B is also B–A), so an edge in
	// either direction between allowed types is valid.
	Symmetric bool `json:"symmetric,omitempty"`
	// Examples of the relation, for extraction prompts.
	Examples []string `json:"examples,omitempty"`
}

// ParseOntology reads an ontology from JSON or YAML (detected from the
// content) and validates it.
func ParseOntology(data []byte) (*Ontology, error) {
	var o Ontology
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			return nil, fmt.Errorf("kg: ontology: %w", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, fmt.Errorf("kg: ontology: data after the JSON object")
		}
	} else {
		var generic any
		if err := yaml.Unmarshal(trimmed, &generic); err != nil {
			return nil, fmt.Errorf("kg: ontology: %w", err)
		}
		js, err := json.Marshal(generic)
		if err != nil {
			return nil, fmt.Errorf("kg: ontology: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			return nil, fmt.Errorf("kg: ontology: %w", err)
		}
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &o, nil
}

// LoadOntology reads and validates the ontology file at path (JSON or
// YAML).
func LoadOntology(path string) (*Ontology, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kg: ontology: %w", err)
	}
	o, err := ParseOntology(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return o, nil
}

var propertyTypes = []string{"", "string", "number", "integer", "boolean", "array", "object"}

// Validate checks the ontology and reports every problem, each naming the
// offending entry (for example `relation_types[2] "eats": target "Food" is
// not an entity type`).
func (o *Ontology) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("kg: ontology: "+format, args...)) }
	if len(o.EntityTypes) == 0 {
		bad("entity_types: at least one entity type is required")
	}
	names := map[string]bool{}
	o.patterns = map[string][]*regexp.Regexp{}
	for i, et := range o.EntityTypes {
		where := fmt.Sprintf("entity_types[%d] %q", i, et.Name)
		switch {
		case strings.TrimSpace(et.Name) == "":
			bad("entity_types[%d]: name is empty", i)
		case names[et.Name]:
			bad("%s: duplicate name", where)
		}
		if et.Name != "" {
			names[et.Name] = true
		}
		props := map[string]bool{}
		for j, p := range et.Properties {
			if p.Name == "" {
				bad("%s: properties[%d]: name is empty", where, j)
			} else if props[p.Name] {
				bad("%s: properties[%d] %q: duplicate name", where, j, p.Name)
			}
			props[p.Name] = true
			if !slices.Contains(propertyTypes, p.Type) {
				bad("%s: properties[%d] %q: type %q is not one of string, number, integer, boolean, array, object", where, j, p.Name, p.Type)
			}
		}
		for j, pat := range et.Patterns {
			re, err := regexp.Compile(pat)
			if err != nil {
				bad("%s: patterns[%d]: %v", where, j, err)
				continue
			}
			o.patterns[et.Name] = append(o.patterns[et.Name], re)
		}
	}
	rels := map[string]bool{}
	for i, rt := range o.RelationTypes {
		where := fmt.Sprintf("relation_types[%d] %q", i, rt.Name)
		switch {
		case strings.TrimSpace(rt.Name) == "":
			bad("relation_types[%d]: name is empty", i)
		case rels[rt.Name]:
			bad("%s: duplicate name", where)
		}
		rels[rt.Name] = true
		for _, s := range rt.Source {
			if !names[s] {
				bad("%s: source %q is not an entity type", where, s)
			}
		}
		for _, t := range rt.Target {
			if !names[t] {
				bad("%s: target %q is not an entity type", where, t)
			}
		}
	}
	return errors.Join(errs...)
}

// EntityType returns the entity type called name.
func (o *Ontology) EntityType(name string) (EntityType, bool) {
	i := slices.IndexFunc(o.EntityTypes, func(e EntityType) bool { return e.Name == name })
	if i < 0 {
		return EntityType{}, false
	}
	return o.EntityTypes[i], true
}

// RelationType returns the relation type called name.
func (o *Ontology) RelationType(name string) (RelationType, bool) {
	i := slices.IndexFunc(o.RelationTypes, func(r RelationType) bool { return r.Name == name })
	if i < 0 {
		return RelationType{}, false
	}
	return o.RelationTypes[i], true
}

// Patterns returns the compiled name patterns of an entity type (after
// Validate or ParseOntology).
func (o *Ontology) Patterns(entityType string) []*regexp.Regexp { return o.patterns[entityType] }

// ValidateNode checks n against the ontology: a known type, required
// properties present, property values of the declared JSON type. The error
// matches ErrOntology and names the node and the rule.
func (o *Ontology) ValidateNode(n *Node) error {
	et, ok := o.EntityType(n.Type)
	if !ok {
		return fmt.Errorf("%w: node %q: unknown entity type %q", ErrOntology, n.ID, n.Type)
	}
	for _, p := range et.Properties {
		v, present := n.Properties[p.Name]
		if !present {
			if p.Required {
				return fmt.Errorf("%w: node %q (%s): missing required property %q", ErrOntology, n.ID, n.Type, p.Name)
			}
			continue
		}
		if !jsonTypeIs(v, p.Type) {
			return fmt.Errorf("%w: node %q (%s): property %q must be %s", ErrOntology, n.ID, n.Type, p.Name, p.Type)
		}
	}
	return nil
}

// ValidateEdge checks e, whose endpoints have the types fromType and
// toType, against the ontology: a known relation, allowed source and
// target types, in the right direction (either way for symmetric
// relations). The error matches ErrOntology and says which rule failed.
func (o *Ontology) ValidateEdge(e *Edge, fromType, toType string) error {
	rt, ok := o.RelationType(e.Type)
	if !ok {
		return fmt.Errorf("%w: edge %q: unknown relation type %q", ErrOntology, e.ID, e.Type)
	}
	allowed := func(list []string, t string) bool { return len(list) == 0 || slices.Contains(list, t) }
	if allowed(rt.Source, fromType) && allowed(rt.Target, toType) {
		return nil
	}
	if allowed(rt.Source, toType) && allowed(rt.Target, fromType) {
		if rt.Symmetric {
			return nil
		}
		return fmt.Errorf("%w: edge %q: %s goes from %s to %s, not from %s to %s (wrong direction)", ErrOntology, e.ID, e.Type,
			strings.Join(rt.Source, "|"), strings.Join(rt.Target, "|"), fromType, toType)
	}
	if !allowed(rt.Source, fromType) {
		return fmt.Errorf("%w: edge %q: %s cannot start at a %s (allowed: %s)", ErrOntology, e.ID, e.Type, fromType, strings.Join(rt.Source, ", "))
	}
	return fmt.Errorf("%w: edge %q: %s cannot end at a %s (allowed: %s)", ErrOntology, e.ID, e.Type, toType, strings.Join(rt.Target, ", "))
}

func jsonTypeIs(v any, t string) bool {
	switch t {
	case "":
		return true
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "number", "integer":
		r, ok := number(v)
		if !ok {
			return false
		}
		return t == "number" || r.IsInt()
	}
	return false
}
