package traverse

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

func TestCanonical(t *testing.T) {
	same := [][]any{
		{4, 4.0, int64(4), uint8(4), float32(4), json.Number("4"), json.Number("4.0")},
		{4.5, float32(4.5), json.Number("4.5"), json.Number("45e-1")},
		{"4"},
		{true},
		{float64(1 << 60), int64(1 << 60), uint64(1 << 60)},
	}
	keys := map[string]int{}
	for g, vals := range same {
		for _, v := range vals {
			c, ok := canonical(v)
			require.True(t, ok, "%#v", v)
			if prev, seen := keys[c]; seen {
				assert.Equal(t, g, prev, "%#v collides with group %d", v, prev)
			}
			keys[c] = g
		}
		first, _ := canonical(vals[0])
		for _, v := range vals[1:] {
			c, _ := canonical(v)
			assert.Equal(t, first, c, "%#v vs %#v", vals[0], v)
			assert.True(t, kg.Equal(vals[0], v), "kg.Equal agrees for %#v", v)
		}
	}
	for _, v := range []any{nil, math.NaN(), math.Inf(1), map[string]any{}, []any{1}, json.Number("x")} {
		_, ok := canonical(v)
		assert.False(t, ok, "%#v is not a scalar", v)
	}
}

func TestFieldValues(t *testing.T) {
	n := &kg.Node{ID: "n", Properties: map[string]any{
		"k":      []any{"a", 1.0, map[string]any{"o": 1}, []any{"nested"}, true},
		"s":      "x",
		"obj":    map[string]any{"a": 5.0, "deep": map[string]any{"b": "y"}},
		"dot.ed": "literal",
	}}
	tests := []struct {
		field string
		want  []string
	}{
		{"k", []string{"sa", "n1", "btrue"}}, // objects and inner arrays make no links
		{"s", []string{"sx"}},
		{"obj", nil},
		{"obj.a", []string{"n5"}},
		{"obj.deep.b", []string{"sy"}},
		{"dot.ed", []string{"sliteral"}}, // a key with a dot wins over the path
		{"missing", nil},
		{IDField, []string{"sn"}},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, fieldValues(n, tc.field), tc.field)
	}
}

func TestMetadataEdges(t *testing.T) {
	nodes := []kg.Node{
		{ID: "a", Properties: map[string]any{"k": []any{"x"}, "h": "y"}},
		{ID: "b", Properties: map[string]any{"k": []any{"x", "y"}}},
		{ID: "c", Properties: map[string]any{"k": "y", "parent": "a"}},
		{ID: "d", Properties: map[string]any{"k": []any{map[string]any{"x": 1}}}},
	}
	ids := func(edges []kg.Edge) []string {
		out := make([]string, len(edges))
		for i, e := range edges {
			out[i] = e.ID
		}
		return out
	}
	tests := []struct {
		name  string
		specs []EdgeSpec
		want  []string
	}{
		{"symmetric, no self links", []EdgeSpec{Link("k", "k")},
			[]string{"a|k->k|b", "b|k->k|a", "b|k->k|c", "c|k->k|b"}},
		{"one way", []EdgeSpec{Link("h", "k")}, []string{"a|h->k|b", "a|h->k|c"}},
		{"id to parent", []EdgeSpec{Link("parent", IDField)}, []string{"c|parent->$id|a"}},
		{"custom type, specs in order", []EdgeSpec{{Source: "parent", Target: IDField, Type: "child_of"}, Link("h", "k")},
			[]string{"c|child_of|a", "a|h->k|b", "a|h->k|c"}},
		{"duplicates once", []EdgeSpec{Link("h", "k"), Link("h", "k")}, []string{"a|h->k|b", "a|h->k|c"}},
		{"none", nil, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			edges, err := MetadataEdges(nodes, tc.specs...)
			require.NoError(t, err)
			assert.Equal(t, tc.want, ids(edges))
			for _, e := range edges {
				require.NoError(t, e.Validate())
			}
		})
	}
}
