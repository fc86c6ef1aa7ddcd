package kg

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"strings", "x", "x", true},
		{"strings differ", "x", "y", false},
		{"string vs number", "1", 1, false},
		{"bools", true, true, true},
		{"bool vs string", true, "true", false},
		{"int int", 3, 3, true},
		{"int float64", 3, 3.0, true},
		{"float64 int", 3.0, 3, true},
		{"float64 int fraction", 3.5, 3, false},
		{"int vs float64 beyond 2^53", 1<<53 + 1, float64(1 << 53), false},
		{"float64 vs int beyond 2^53", float64(1 << 53), 1<<53 + 1, false},
		{"huge float vs int", 1e300, math.MaxInt64, false},
		{"int64 float32", int64(2), float32(2), true},
		{"int8 int", int8(2), 2, true},
		{"uint16 float64", uint16(7), 7.0, true},
		{"uint32 uint64", uint32(7), uint64(7), true},
		{"uint int", uint(7), 7, true},
		{"json.Number int", json.Number("5"), 5, true},
		{"json.Number float", json.Number("5.0"), 5, true},
		{"json.Number exponent", json.Number("5e0"), 5.0, true},
		{"json.Number differs", json.Number("5.1"), 5, false},
		{"float32 NaN", float32(math.NaN()), 1.0, false},
		{"float64 NaN", math.NaN(), math.NaN(), false},
		{"float32 Inf", float32(math.Inf(1)), math.Inf(1), false},
		{"nil nil", nil, nil, true},
		{"nil vs value", nil, 0, false},
		{"value vs nil", "", nil, false},
		{"maps equal", map[string]any{"a": 5, "b": 7.0}, map[string]any{"a": 5.0, "b": json.Number("7")}, true},
		{"maps differ value", map[string]any{"a": 5, "b": 7}, map[string]any{"a": 5, "b": 8}, false},
		{"maps differ key", map[string]any{"a": 5}, map[string]any{"b": 5}, false},
		{"maps subset", map[string]any{"a": 5}, map[string]any{"a": 5, "b": 7}, false},
		{"arrays", []any{1, "x"}, []any{1.0, "x"}, true},
		{"arrays order", []any{1, "x"}, []any{"x", 1}, false},
		{"arrays length", []any{1}, []any{1, 1}, false},
		{"array vs map", []any{}, map[string]any{}, false},
		{"uncomparable", []string{"a"}, []string{"a"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Equal(tt.a, tt.b))
			assert.Equal(t, tt.want, Equal(tt.b, tt.a), "symmetric")
		})
	}
}

func TestFilterMatch(t *testing.T) {
	n := &Node{ID: "aardvark", Type: "mammal", Properties: map[string]any{
		"type":           "mammal",
		"number_of_legs": 4.0,
		"keywords":       []any{"burrowing", "nocturnal"},
		"nested":         map[string]any{"a": 5.0, "deep": map[string]any{"x": "y"}},
		"tags":           []any{map[string]any{"a": 5.0, "b": 7.0}, map[string]any{"a": 8.0, "b": 10.0}},
		"dotted.key":     "literal",
		"legs_json":      json.Number("4"),
	}}
	tests := []struct {
		name string
		f    *Filter
		want bool
	}{
		{"nil filter", nil, true},
		{"zero filter", &Filter{}, true},
		{"type", &Filter{Types: []string{"bird", "mammal"}}, true},
		{"other type", &Filter{Types: []string{"bird"}}, false},
		{"string equal", &Filter{Properties: map[string]any{"type": "mammal"}}, true},
		{"string differs", &Filter{Properties: map[string]any{"type": "bird"}}, false},
		{"number int vs float", &Filter{Properties: map[string]any{"number_of_legs": 4}}, true},
		{"number json.Number", &Filter{Properties: map[string]any{"number_of_legs": json.Number("4")}}, true},
		{"stored json.Number", &Filter{Properties: map[string]any{"legs_json": 4}}, true},
		{"number differs", &Filter{Properties: map[string]any{"number_of_legs": 0}}, false},
		{"array contains", &Filter{Properties: map[string]any{"keywords": "nocturnal"}}, true},
		{"array lacks", &Filter{Properties: map[string]any{"keywords": "andes"}}, false},
		{"array whole", &Filter{Properties: map[string]any{"keywords": []any{"burrowing", "nocturnal"}}}, true},
		{"dotted path", &Filter{Properties: map[string]any{"nested.a": 5}}, true},
		{"dotted path differs", &Filter{Properties: map[string]any{"nested.a": 6}}, false},
		{"deep dotted path", &Filter{Properties: map[string]any{"nested.deep.x": "y"}}, true},
		{"dotted path missing", &Filter{Properties: map[string]any{"nested.b": 5}}, false},
		{"dotted through scalar", &Filter{Properties: map[string]any{"type.x": 5}}, false},
		{"literal dotted key", &Filter{Properties: map[string]any{"dotted.key": "literal"}}, true},
		{"object whole", &Filter{Properties: map[string]any{"nested": map[string]any{"a": 5, "deep": map[string]any{"x": "y"}}}}, true},
		{"object partial", &Filter{Properties: map[string]any{"nested": map[string]any{"a": 5}}}, false},
		{"object in array", &Filter{Properties: map[string]any{"tags": map[string]any{"a": 5, "b": 7}}}, true},
		{"object in array absent", &Filter{Properties: map[string]any{"tags": map[string]any{"a": 5, "b": 10}}}, false},
		{"missing key", &Filter{Properties: map[string]any{"diet": "x"}}, false},
		{"missing key nil value", &Filter{Properties: map[string]any{"diet": nil}}, false},
		{"and of keys", &Filter{Properties: map[string]any{"type": "mammal", "number_of_legs": 4}}, true},
		{"and of keys fails", &Filter{Properties: map[string]any{"type": "mammal", "number_of_legs": 2}}, false},
		{"type and property", &Filter{Types: []string{"mammal"}, Properties: map[string]any{"keywords": "burrowing"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.f.Match(n))
		})
	}
	t.Run("node without properties", func(t *testing.T) {
		bare := &Node{ID: "x", Type: "T"}
		assert.True(t, (&Filter{Types: []string{"T"}}).Match(bare))
		assert.False(t, (&Filter{Properties: map[string]any{"a.b": 1}}).Match(bare))
	})
}
