package astratest

import (
	"cmp"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Extended JSON wrapper keys (spec §2).
const (
	ejDate     = "$date"
	ejUUID     = "$uuid"
	ejObjectID = "$objectId"
	ejBinary   = "$binary"
)

// ejsonKind returns the wrapper key when m is an Extended JSON value
// ({"$date": …}, {"$uuid": …}, {"$objectId": …} or {"$binary": …}).
func ejsonKind(m map[string]any) string {
	if len(m) != 1 {
		return ""
	}
	for k := range m {
		switch k {
		case ejDate, ejUUID, ejObjectID, ejBinary:
			return k
		}
	}
	return ""
}

// normalizeEJSON validates an Extended JSON wrapper and returns its
// canonical form: $date as integer epoch milliseconds, $uuid and $objectId
// in lower case. ok is false for an invalid value.
func normalizeEJSON(kind string, v any) (any, bool) {
	switch kind {
	case ejDate:
		switch x := v.(type) {
		case json.Number:
			if ms, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return map[string]any{ejDate: json.Number(strconv.FormatInt(ms, 10))}, true
			}
			if f, err := x.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<62 {
				return map[string]any{ejDate: json.Number(strconv.FormatInt(int64(f), 10))}, true
			}
		case string:
			if ms, err := strconv.ParseInt(x, 10, 64); err == nil {
				return map[string]any{ejDate: json.Number(strconv.FormatInt(ms, 10))}, true
			}
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return map[string]any{ejDate: json.Number(strconv.FormatInt(t.UnixMilli(), 10))}, true
			}
		}
	case ejUUID:
		if s, ok := v.(string); ok && validUUID(s) {
			return map[string]any{ejUUID: strings.ToLower(s)}, true
		}
	case ejObjectID:
		if s, ok := v.(string); ok && len(s) == 24 {
			if _, err := hex.DecodeString(s); err == nil {
				return map[string]any{ejObjectID: strings.ToLower(s)}, true
			}
		}
	case ejBinary:
		if s, ok := v.(string); ok {
			if _, err := base64.StdEncoding.DecodeString(s); err == nil {
				return map[string]any{ejBinary: s}, true
			}
		}
	}
	return nil, false
}

func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// idKey is the canonical index key of a valid _id value; ok is false for
// types that cannot be ids (arrays, plain objects).
func idKey(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "z", true
	case string:
		return "s" + x, true
	case bool:
		if x {
			return "bt", true
		}
		return "bf", true
	case json.Number:
		return "n" + canonicalNumber(x), true
	case map[string]any:
		switch k := ejsonKind(x); k {
		case ejDate, ejUUID, ejObjectID:
			n, ok := normalizeEJSON(k, x[k])
			if !ok {
				return "", false
			}
			return k + ":" + string(appendJSON(nil, n.(map[string]any)[k])), true
		}
	}
	return "", false
}

// canonicalNumber gives equal numbers (1, 1.0, 1e0) the same text.
func canonicalNumber(n json.Number) string {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return strconv.FormatInt(i, 10)
	}
	if f, ok := bigNumber(n); ok {
		return f.Text('g', 40)
	}
	return string(n)
}

// bigNumber parses n with 192 bits of precision. Unlike big.Rat it never
// expands a huge exponent, so hostile input stays cheap.
func bigNumber(n json.Number) (*big.Float, bool) {
	f, _, err := big.ParseFloat(string(n), 10, 192, big.ToNearestEven)
	return f, err == nil
}

// cmpNumbers compares two JSON numbers.
func cmpNumbers(a, b json.Number) int {
	ai, errA := strconv.ParseInt(string(a), 10, 64)
	bi, errB := strconv.ParseInt(string(b), 10, 64)
	if errA == nil && errB == nil {
		return cmp.Compare(ai, bi)
	}
	fa, okA := bigNumber(a)
	fb, okB := bigNumber(b)
	if okA && okB {
		return fa.Cmp(fb)
	}
	return strings.Compare(string(a), string(b))
}

// typeRank orders values of different types in a field sort: missing,
// null, numbers, strings, objects, arrays, booleans, dates, uuids,
// objectIds.
func typeRank(v any, present bool) int {
	if !present {
		return 0
	}
	switch x := v.(type) {
	case nil:
		return 1
	case json.Number:
		return 2
	case string:
		return 3
	case map[string]any:
		switch ejsonKind(x) {
		case ejDate:
			return 8
		case ejUUID:
			return 9
		case ejObjectID:
			return 10
		}
		return 4
	case []any, []float32:
		return 5
	case bool:
		return 6
	}
	return 11
}

// compareValues totally orders values for field sorts and range operators.
func compareValues(a any, aok bool, b any, bok bool) int {
	ra, rb := typeRank(a, aok), typeRank(b, bok)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch x := a.(type) {
	case json.Number:
		return cmpNumbers(x, b.(json.Number))
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case map[string]any:
		y := b.(map[string]any)
		if k := ejsonKind(x); k != "" {
			xv, yv := x[k], y[k]
			if xn, ok := xv.(json.Number); ok {
				if yn, ok := yv.(json.Number); ok {
					return cmpNumbers(xn, yn)
				}
			}
			xs, _ := xv.(string)
			ys, _ := yv.(string)
			return strings.Compare(xs, ys)
		}
		return strings.Compare(string(appendJSON(nil, x)), string(appendJSON(nil, y)))
	case []any:
		y := b.([]any)
		for i := 0; i < len(x) && i < len(y); i++ {
			if c := compareValues(x[i], true, y[i], true); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(x), len(y))
	}
	return 0
}

// valuesEqual is exact equality: numbers by value, objects regardless of
// key order, arrays element by element.
func valuesEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		return ok && cmpNumbers(x, y) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case []float32:
		y, ok := b.([]float32)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		if k := ejsonKind(x); k != "" && ejsonKind(y) == k {
			nx, okx := normalizeEJSON(k, x[k])
			ny, oky := normalizeEJSON(k, y[k])
			if okx && oky {
				return valuesEqual(nx.(map[string]any)[k], ny.(map[string]any)[k])
			}
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !valuesEqual(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

// deepCopy copies maps, arrays and vectors; scalars are immutable.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = deepCopy(e)
		}
		return a
	case []float32:
		return append([]float32(nil), x...)
	}
	return v
}

// vectorError describes why a $vector value was rejected.
type vectorError struct{ code, msg string }

// decodeVector accepts a JSON number array or {"$binary": base64 of
// big-endian float32} (spec §2).
func decodeVector(v any) ([]float32, *vectorError) {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			return nil, &vectorError{"SHRED_BAD_VECTOR_SIZE", "$vector value cannot be an empty array"}
		}
		out := make([]float32, len(x))
		for i, e := range x {
			n, ok := e.(json.Number)
			if !ok {
				return nil, &vectorError{"SHRED_BAD_VECTOR_VALUE", "$vector value needs to be an array of numbers"}
			}
			f, err := n.Float64()
			if err != nil || math.IsInf(f, 0) {
				return nil, &vectorError{"SHRED_BAD_VECTOR_VALUE", "$vector value needs to be an array of numbers"}
			}
			out[i] = float32(f)
		}
		return out, nil
	case []float32:
		return x, nil
	case map[string]any:
		s, ok := x[ejBinary].(string)
		if ejsonKind(x) != ejBinary || !ok {
			break
		}
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(raw)%4 != 0 {
			return nil, &vectorError{"SHRED_BAD_BINARY_VECTOR_VALUE",
				"Bad binary vector value to shred: must be base64 of big-endian float32 values"}
		}
		if len(raw) == 0 {
			return nil, &vectorError{"SHRED_BAD_VECTOR_SIZE", "$vector value cannot be an empty array"}
		}
		out := make([]float32, len(raw)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.BigEndian.Uint32(raw[4*i:]))
		}
		return out, nil
	}
	return nil, &vectorError{"SHRED_BAD_DOCUMENT_VECTOR_TYPE",
		"$vector value must be an array of numbers or an object with '$binary'"}
}

// similarity scores a against b with the collection metric (spec §4):
// cosine (1+cos)/2, dot_product (1+dot)/2, euclidean 1/(1+d²); float32.
func similarity(metric string, a, b []float32) float32 {
	var dot, na, nb, d2 float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
		d2 += (x - y) * (x - y)
	}
	switch metric {
	case metricDot:
		return float32((1 + dot) / 2)
	case metricEuclidean:
		return float32(1 / (1 + d2))
	}
	if na == 0 || nb == 0 {
		return 0.5
	}
	return float32((1 + dot/math.Sqrt(na*nb)) / 2)
}
