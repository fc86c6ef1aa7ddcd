package kg

import (
	"encoding/json"
	"math/big"
	"reflect"
	"slices"
	"strings"
)

// Filter selects nodes in VectorSearch. Zero fields select everything.
type Filter struct {
	// Types keeps nodes of any of these types.
	Types []string
	// Properties keeps nodes whose property at each key equals the value.
	// A key may be a dotted path into nested objects ("nested.a"); a
	// property that is an array matches when one of its elements equals
	// the value; numbers compare by value whatever their Go type (1,
	// 1.0, json.Number("1")); objects and arrays compare as wholes.
	Properties map[string]any
}

// Match reports whether n passes f. Every Store applies the same rule.
func (f *Filter) Match(n *Node) bool {
	if f == nil {
		return true
	}
	if len(f.Types) > 0 && !slices.Contains(f.Types, n.Type) {
		return false
	}
	for k, want := range f.Properties {
		got, ok := Lookup(n.Properties, k)
		if !ok || !matches(got, want) {
			return false
		}
	}
	return true
}

// Lookup returns the property of m at key path, else at path read as a
// dotted path into nested objects ("nested.a"), as Filter does.
func Lookup(m map[string]any, path string) (any, bool) {
	if v, ok := m[path]; ok {
		return v, true
	}
	head, rest, found := strings.Cut(path, ".")
	if !found {
		return nil, false
	}
	sub, ok := m[head].(map[string]any)
	if !ok {
		return nil, false
	}
	return Lookup(sub, rest)
}

// matches: equal, or an array holding an equal element.
func matches(got, want any) bool {
	if Equal(got, want) {
		return true
	}
	if arr, ok := got.([]any); ok {
		for _, el := range arr {
			if Equal(el, want) {
				return true
			}
		}
	}
	return false
}

// Equal compares two JSON-like values: numbers by value, maps and slices
// element by element, everything else with ==.
func Equal(a, b any) bool {
	// Fast paths for the common cases; the general rule below agrees.
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		switch y := b.(type) {
		case float64:
			return x == y
		case int:
			return floatIsInt(x, y)
		}
	case int:
		switch y := b.(type) {
		case int:
			return x == y
		case float64:
			return floatIsInt(y, x)
		}
	}
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x.Cmp(y) == 0
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	if a == nil || b == nil {
		return a == b
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if !ta.Comparable() || !tb.Comparable() {
		return false
	}
	return a == b
}

// floatIsInt reports whether f equals i exactly (float64(i) alone rounds
// integers beyond 2^53).
func floatIsInt(f float64, i int) bool {
	const two63 = 1 << 63
	return f >= -two63 && f < two63 && int64(f) == int64(i) && f == float64(i)
}

func number(v any) (*big.Rat, bool) {
	r := new(big.Rat)
	switch x := v.(type) {
	case int:
		return r.SetInt64(int64(x)), true
	case int8:
		return r.SetInt64(int64(x)), true
	case int16:
		return r.SetInt64(int64(x)), true
	case int32:
		return r.SetInt64(int64(x)), true
	case int64:
		return r.SetInt64(x), true
	case uint:
		return r.SetUint64(uint64(x)), true
	case uint8:
		return r.SetUint64(uint64(x)), true
	case uint16:
		return r.SetUint64(uint64(x)), true
	case uint32:
		return r.SetUint64(uint64(x)), true
	case uint64:
		return r.SetUint64(x), true
	case float32:
		// Exact value of the float32; SetFloat64 is nil for NaN and ±Inf.
		if r.SetFloat64(float64(x)) != nil {
			return r, true
		}
	case float64:
		if r.SetFloat64(x) != nil {
			return r, true
		}
	case json.Number:
		if _, ok := r.SetString(string(x)); ok {
			return r, true
		}
	}
	return nil, false
}
