package astra

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// number converts a JSON number to float64, keeping json.Number for
// integers that float64 cannot hold exactly and for out-of-range values.
func number(n json.Number) any {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		if i > 1<<53 || i < -(1<<53) {
			return n
		}
		return float64(i)
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return n
	}
	if f == math.Trunc(f) && math.Abs(f) > 1<<53 {
		return n
	}
	return f
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// plain returns v with UUID and ObjectID as strings, for decoding into
// caller types through encoding/json.
func plain(v any) any {
	switch x := v.(type) {
	case Document:
		return plainMap(x)
	case map[string]any:
		return plainMap(x)
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = plain(y)
		}
		return out
	case UUID:
		return string(x)
	case ObjectID:
		return string(x)
	}
	return v
}

func plainMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = plain(v)
	}
	return out
}

// idKey returns a canonical key for an _id value so that ids given by the
// caller and ids decoded from answers compare equal: numbers by value,
// UUIDs and object ids case-insensitively.
func idKey(e encoder, id any) (string, error) {
	b, err := e.marshal(id)
	if err != nil {
		return "", err
	}
	v, err := decodeJSON(b)
	if err != nil {
		return "", err
	}
	v, err = fromWire(v, "_id", 0)
	if err != nil {
		return "", err
	}
	switch x := v.(type) {
	case float64:
		return "n:" + strconv.FormatFloat(x, 'g', -1, 64), nil
	case json.Number:
		return "n:" + string(x), nil
	case string:
		return "s:" + x, nil
	case UUID:
		return "u:" + strings.ToLower(string(x)), nil
	case ObjectID:
		return "o:" + strings.ToLower(string(x)), nil
	case time.Time:
		return "d:" + strconv.FormatInt(x.UnixMilli(), 10), nil
	case bool:
		return "b:" + strconv.FormatBool(x), nil
	case nil:
		return "null", nil
	}
	return "", fmt.Errorf("a %s is not a valid _id", jsonKind(v))
}
