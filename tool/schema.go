package tool

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"

	invopop "github.com/invopop/jsonschema"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// SchemaFor derives the JSON Schema of T with github.com/invopop/jsonschema:
// inline (no $ref), additionalProperties false, fields without `omitempty`
// required, and `jsonschema:"description=…,enum=…,minimum=…"` tags
// honoured. The result has no $schema or $id, so it can be sent to a model
// as a tool's parameters as it is.
func SchemaFor[T any]() (json.RawMessage, error) {
	return schemaForType(reflect.TypeFor[T]())
}

func schemaForType(t reflect.Type) (json.RawMessage, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// Inline schemas read best for models; a recursive type cannot be
	// inlined, so it gets $defs and $ref.
	r := &invopop.Reflector{DoNotReference: !recursive(t, map[reflect.Type]bool{}), Anonymous: true}
	s := r.ReflectFromType(t)
	if def, ok := s.Definitions[strings.TrimPrefix(s.Ref, "#/$defs/")]; ok && s.Ref != "" {
		// Hoist the root definition so the top level is the object
		// itself (model APIs want "type":"object" there); $defs stay for
		// the recursive references.
		root := *def
		root.Definitions = s.Definitions
		s = &root
	}
	s.Version = ""
	s.ID = ""
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("tool: schema for %s: %w", t, err)
	}
	return b, nil
}

// recursive reports whether t refers to itself through fields, elements
// or pointers. onPath holds the struct types being visited.
func recursive(t reflect.Type, onPath map[reflect.Type]bool) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return recursive(t.Elem(), onPath)
	case reflect.Struct:
		if onPath[t] {
			return true
		}
		onPath[t] = true
		defer delete(onPath, t)
		for i := range t.NumField() {
			if recursive(t.Field(i).Type, onPath) {
				return true
			}
		}
	}
	return false
}

// emptyObjectSchema is the schema of a tool that takes no input.
var emptyObjectSchema = json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`)

// Validator checks JSON values against one compiled JSON Schema. It is
// safe for concurrent use.
type Validator struct {
	schema *jsonschema.Schema
	fast   *fastCheck // nil when the schema is outside the fast subset
}

// NewValidator compiles schema (JSON Schema draft 2020-12 unless the
// schema says otherwise).
func NewValidator(schema json.RawMessage) (*Validator, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("tool: schema is not JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("kgas:schema.json", doc); err != nil {
		return nil, fmt.Errorf("tool: schema: %w", err)
	}
	s, err := c.Compile("kgas:schema.json")
	if err != nil {
		return nil, fmt.Errorf("tool: schema does not compile: %w", err)
	}
	return &Validator{schema: s, fast: compileFast(doc)}, nil
}

// Validate parses input and checks it against the schema. Empty input and
// JSON null are read as {}. On failure the error is an *InputError (with
// ToolID left empty) listing every violation.
func (v *Validator) Validate(input json.RawMessage) error {
	_, err := v.parse(input)
	return err
}

// parse validates input and returns the normalised JSON text to decode.
func (v *Validator) parse(input json.RawMessage) (json.RawMessage, error) {
	input = normalizeInput(input)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(input))
	if err != nil {
		return nil, &InputError{Violations: []Violation{{Rule: "json", Message: "input is not valid JSON: " + jsonErrorText(err)}}}
	}
	if v.fast != nil && v.fast.ok(doc) {
		return input, nil
	}
	if err := v.schema.Validate(doc); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return nil, &InputError{Violations: violations(ve)}
		}
		return nil, &InputError{Violations: []Violation{{Message: err.Error()}}}
	}
	return input, nil
}

func normalizeInput(input json.RawMessage) json.RawMessage {
	trimmed := bytes.TrimSpace(input)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return json.RawMessage("{}")
	}
	return trimmed
}

func jsonErrorText(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.Contains(s, "invalid character") {
		return s[i+2:]
	}
	return s
}

var printer = message.NewPrinter(language.English)

// violations flattens a validation error tree into its leaves.
func violations(ve *jsonschema.ValidationError) []Violation {
	var out []Violation
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			out = append(out, leaf(e)...)
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func leaf(e *jsonschema.ValidationError) []Violation {
	field := fieldPath(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		vs := make([]Violation, len(k.Missing))
		for i, m := range k.Missing {
			vs[i] = Violation{Field: join(field, m), Rule: "required", Message: "is required"}
		}
		return vs
	case *kind.AdditionalProperties:
		vs := make([]Violation, len(k.Properties))
		for i, p := range k.Properties {
			vs[i] = Violation{Field: join(field, p), Rule: "additionalProperties", Message: "unknown field"}
		}
		return vs
	case *kind.Type:
		return one(field, "type", fmt.Sprintf("must be %s, got %s", strings.Join(k.Want, " or "), k.Got))
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			b, _ := json.Marshal(w)
			want[i] = string(b)
		}
		got, _ := json.Marshal(k.Got)
		return one(field, "enum", fmt.Sprintf("must be one of %s, got %s", strings.Join(want, ", "), got))
	case *kind.Const:
		want, _ := json.Marshal(k.Want)
		return one(field, "const", fmt.Sprintf("must be %s", want))
	case *kind.Maximum:
		return one(field, "maximum", fmt.Sprintf("must be <= %s, got %s", num(k.Want), num(k.Got)))
	case *kind.Minimum:
		return one(field, "minimum", fmt.Sprintf("must be >= %s, got %s", num(k.Want), num(k.Got)))
	case *kind.ExclusiveMaximum:
		return one(field, "exclusiveMaximum", fmt.Sprintf("must be < %s, got %s", num(k.Want), num(k.Got)))
	case *kind.ExclusiveMinimum:
		return one(field, "exclusiveMinimum", fmt.Sprintf("must be > %s, got %s", num(k.Want), num(k.Got)))
	case *kind.MinLength:
		return one(field, "minLength", fmt.Sprintf("must be at least %d characters, got %d", k.Want, k.Got))
	case *kind.MaxLength:
		return one(field, "maxLength", fmt.Sprintf("must be at most %d characters, got %d", k.Want, k.Got))
	case *kind.MinItems:
		return one(field, "minItems", fmt.Sprintf("must have at least %d items, got %d", k.Want, k.Got))
	case *kind.MaxItems:
		return one(field, "maxItems", fmt.Sprintf("must have at most %d items, got %d", k.Want, k.Got))
	case *kind.Pattern:
		return one(field, "pattern", fmt.Sprintf("must match %s, got %q", k.Want, k.Got))
	}
	kw := e.ErrorKind.KeywordPath()
	rule := ""
	if len(kw) > 0 {
		rule = kw[len(kw)-1]
	}
	return one(field, rule, e.ErrorKind.LocalizedString(printer))
}

func one(field, rule, msg string) []Violation {
	return []Violation{{Field: field, Rule: rule, Message: msg}}
}

// fieldPath renders a JSON pointer's tokens as a.b[2].c.
func fieldPath(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		if isIndex(t) {
			b.WriteString("[" + t + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

func join(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// num renders a rational as a plain decimal number.
func num(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Parameters returns t's input schema in the form model APIs expect for a
// function's parameters: a JSON object schema with "properties", without
// the top-level "$schema" and "$id" keys.
func Parameters(t Tool) json.RawMessage {
	s := t.InputSchema()
	if len(s) == 0 {
		return emptyObjectSchema
	}
	if !bytes.Contains(s, []byte(`"$schema"`)) && !bytes.Contains(s, []byte(`"$id"`)) && bytes.Contains(s, []byte(`"properties"`)) {
		return s
	}
	var m map[string]any
	if err := json.Unmarshal(s, &m); err != nil {
		return s
	}
	delete(m, "$schema")
	delete(m, "$id")
	if _, ok := m["properties"]; !ok && m["type"] == "object" {
		m["properties"] = map[string]any{}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return s
	}
	return b
}
