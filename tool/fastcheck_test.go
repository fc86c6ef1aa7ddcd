package tool

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"pgregory.net/rapid"
)

var diffSchemas = []string{
	`{"type":"object","properties":{"city":{"type":"string","minLength":1},"days":{"type":"integer","minimum":1,"maximum":14},"units":{"type":"string","enum":["metric","imperial"]},"tags":{"type":"array","maxItems":2,"items":{"type":"object","properties":{"name":{"type":"string","pattern":"^[a-z]+$"}},"required":["name"],"additionalProperties":false}}},"required":["city","days"],"additionalProperties":false}`,
	`{"type":"object","properties":{"x":{"type":["number","null"],"exclusiveMinimum":0,"exclusiveMaximum":1.5},"y":{"type":"boolean"}},"additionalProperties":{"type":"string","maxLength":3}}`,
	`{"type":"object","properties":{"n":{"type":"integer"}},"minProperties":1}`, // outside the subset: no fast path
}

// genJSON draws arbitrary JSON values of small depth, biased towards the
// shapes the schemas above talk about.
func genJSON(depth int) *rapid.Generator[any] {
	return rapid.Custom(func(t *rapid.T) any {
		choices := []string{"null", "bool", "int", "num", "str", "enumstr"}
		if depth > 0 {
			choices = append(choices, "arr", "obj", "obj")
		}
		switch rapid.SampledFrom(choices).Draw(t, "kind") {
		case "null":
			return nil
		case "bool":
			return rapid.Bool().Draw(t, "b")
		case "int":
			return json.Number(rapid.SampledFrom([]string{"0", "1", "14", "15", "-3", "2.0", "1e1", "1.5", "0.5", "99999999999999999999"}).Draw(t, "n"))
		case "num":
			return json.Number(rapid.SampledFrom([]string{"0.1", "1.4999", "1.5", "-0", "3.25", "1E400"}).Draw(t, "f"))
		case "str":
			return rapid.SampledFrom([]string{"", "a", "abc", "abcd", "Zed", "héé", "metric"}).Draw(t, "s")
		case "enumstr":
			return rapid.SampledFrom([]string{"metric", "imperial", "kelvin"}).Draw(t, "e")
		case "arr":
			return rapid.SliceOfN(genJSON(depth-1), 0, 3).Draw(t, "arr")
		default:
			keys := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"city", "days", "units", "tags", "name", "x", "y", "n", "zz"}), 0, 5, rapid.ID).Draw(t, "keys")
			o := map[string]any{}
			for _, k := range keys {
				o[k] = genJSON(depth-1).Draw(t, k)
			}
			return o
		}
	})
}

// TestFastCheckNeverAcceptsWhatTheValidatorRejects: the fast path may only
// say "valid" where the full validator agrees; it must also decide most
// valid inputs of the subset on its own (else it would be useless).
func TestFastCheckNeverAcceptsWhatTheValidatorRejects(t *testing.T) {
	for i, s := range diffSchemas {
		v, err := NewValidator(json.RawMessage(s))
		if err != nil {
			t.Fatal(err)
		}
		if (v.fast == nil) != (i == 2) {
			t.Fatalf("schema %d: fast path presence wrong", i)
		}
		rapid.Check(t, func(rt *rapid.T) {
			val := genJSON(3).Draw(rt, "value")
			raw, err := json.Marshal(val)
			if err != nil {
				rt.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				rt.Fatal(err)
			}
			full := v.schema.Validate(doc) == nil
			if v.fast != nil && v.fast.ok(doc) && !full {
				rt.Fatalf("schema %d: fast path accepted %s, the validator rejects it", i, raw)
			}
		})
	}
}

func TestFastCheckAcceptsCommonValidInput(t *testing.T) {
	v, err := NewValidator(json.RawMessage(diffSchemas[0]))
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`{"city":"Oslo","days":3,"units":"metric","tags":[{"name":"x"}]}`)))
	if !v.fast.ok(doc) {
		t.Fatal("fast path should accept a plain valid input")
	}
}
