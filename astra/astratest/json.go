package astratest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// maxDecodeDepth bounds recursion while decoding a request body. Documents
// deeper than Limits.MaxDepth are rejected later with the documented error;
// this bound only keeps hostile input from exhausting the stack.
const maxDecodeDepth = 256

// errNotJSON wraps every decoding failure of a request body.
var errNotJSON = errors.New("request body is not valid JSON")

// decodeJSON decodes one JSON value the way the Data API's object mapper
// does: numbers stay exact (json.Number), duplicate object keys are
// rejected, and nothing may follow the value. Values are map[string]any,
// []any, string, json.Number, bool or nil.
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	v, err := decodeValue(d, 0)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: unexpected data after the top-level value", errNotJSON)
	}
	return v, nil
}

func decodeValue(d *json.Decoder, depth int) (any, error) {
	if depth > maxDecodeDepth {
		return nil, fmt.Errorf("%w: nesting deeper than %d", errNotJSON, maxDecodeDepth)
	}
	tok, err := d.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNotJSON, err)
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch delim {
	case '{':
		m := map[string]any{}
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil, fmt.Errorf("%w: %v", errNotJSON, err)
			}
			k, _ := kt.(string)
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("%w: duplicate field %q", errNotJSON, k)
			}
			v, err := decodeValue(d, depth+1)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		if _, err := d.Token(); err != nil {
			return nil, fmt.Errorf("%w: %v", errNotJSON, err)
		}
		return m, nil
	case '[':
		a := []any{}
		for d.More() {
			v, err := decodeValue(d, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if _, err := d.Token(); err != nil {
			return nil, fmt.Errorf("%w: %v", errNotJSON, err)
		}
		return a, nil
	}
	return nil, fmt.Errorf("%w: unexpected %v", errNotJSON, delim)
}

// normalize converts arbitrary Go values (as given to [Server.Load]) into
// the decoded representation by a JSON round trip.
func normalize(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeJSON(b)
}

// kv is one member of an ordered JSON object used for envelopes.
type kv struct {
	k string
	v any
}

// obj is an ordered JSON object; envelopes keep their documented key order.
type obj []kv

// appendJSON appends the JSON encoding of v. Maps are written with "_id"
// first and the other keys sorted; float32 values and []float32 vectors are
// written with float32 precision, as the server writes them.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case json.Number:
		if x == "" {
			return append(b, '0')
		}
		return append(b, x...)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		return appendFloat(b, x, 64)
	case float32:
		return appendFloat(b, float64(x), 32)
	case []float32:
		b = append(b, '[')
		for i, f := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFloat(b, float64(f), 32)
		}
		return append(b, ']')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e)
		}
		return append(b, ']')
	case map[string]any:
		return appendMap(b, x)
	case obj:
		b = append(b, '{')
		for i, m := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, m.k)
			b = append(b, ':')
			b = appendJSON(b, m.v)
		}
		return append(b, '}')
	default:
		raw, err := json.Marshal(x)
		if err != nil {
			return append(b, "null"...)
		}
		return append(b, raw...)
	}
}

func appendMap(b []byte, m map[string]any) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "_id" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	b = append(b, '{')
	first := true
	if id, ok := m["_id"]; ok {
		b = append(b, `"_id":`...)
		b = appendJSON(b, id)
		first = false
	}
	for _, k := range keys {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, k)
		b = append(b, ':')
		b = appendJSON(b, m[k])
	}
	return append(b, '}')
}

func appendFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
