package astra

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// Document is a Data API document. Values decoded from the API use the
// types described in the package documentation.
type Document map[string]any

// Filter is a query filter, e.g. Filter{"n": Document{"$gt": 2}}.
type Filter map[string]any

// Projection selects fields, e.g. Projection{"name": 1, "$vector": 1}.
type Projection map[string]any

// Sort orders results: Sort{"field": 1} or Sort{"$vector": []float32{...}}.
type Sort map[string]any

// Update is an update document, e.g. Update{"$set": Document{"a": 1}}.
type Update map[string]any

// ID returns the document's _id (nil when absent).
func (d Document) ID() any { return d["_id"] }

// Vector returns the document's $vector, or nil when absent or not a
// vector.
func (d Document) Vector() []float32 {
	v, _ := d["$vector"].([]float32)
	return v
}

// Similarity returns the document's $similarity score, if present.
func (d Document) Similarity() (float64, bool) {
	s, ok := d["$similarity"].(float64)
	return s, ok
}

// UUID is a UUID value, sent as {"$uuid": "..."}.
type UUID string

// MarshalJSON implements json.Marshaler: {"$uuid": "..."}.
func (u UUID) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{"$uuid": string(u)})
}

// UnmarshalJSON implements json.Unmarshaler, accepting {"$uuid": "..."} or
// a plain string.
func (u *UUID) UnmarshalJSON(b []byte) error {
	s, err := unwrapString(b, "$uuid")
	*u = UUID(s)
	return err
}

// ObjectID is a 24-hex-digit object id, sent as {"$objectId": "..."}.
type ObjectID string

// MarshalJSON implements json.Marshaler: {"$objectId": "..."}.
func (o ObjectID) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{"$objectId": string(o)})
}

// UnmarshalJSON implements json.Unmarshaler, accepting {"$objectId": "..."}
// or a plain string.
func (o *ObjectID) UnmarshalJSON(b []byte) error {
	s, err := unwrapString(b, "$objectId")
	*o = ObjectID(s)
	return err
}

func unwrapString(b []byte, key string) (string, error) {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		return s, nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil || len(m) != 1 {
		return "", fmt.Errorf("astra: want a string or {%q: string}", key)
	}
	s, ok := m[key]
	if !ok {
		return "", fmt.Errorf("astra: want a string or {%q: string}", key)
	}
	return s, nil
}

// encoder turns caller values into their wire form.
type encoder struct{ numericVectors bool }

// value returns v with time.Time as {"$date": ms} and float vectors under a
// $vector key in the configured form; maps and slices are copied.
func (e encoder) value(v any) any {
	switch x := v.(type) {
	case Document:
		return e.mapValue(x)
	case Filter:
		return e.mapValue(x)
	case Sort:
		return e.mapValue(x)
	case Projection:
		return e.mapValue(x)
	case Update:
		return e.mapValue(x)
	case map[string]any:
		return e.mapValue(x)
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = e.value(y)
		}
		return out
	case []Document:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = e.mapValue(y)
		}
		return out
	case time.Time:
		return map[string]any{"$date": x.UnixMilli()}
	case *time.Time:
		if x == nil {
			return nil
		}
		return map[string]any{"$date": x.UnixMilli()}
	}
	return v
}

func (e encoder) mapValue(m map[string]any) any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k == "$vector" {
			if vec, ok := floatVector(v); ok {
				out[k] = e.vector(vec)
				continue
			}
		}
		out[k] = e.value(v)
	}
	return out
}

// vector encodes a vector in the configured wire form.
func (e encoder) vector(v []float32) any {
	if e.numericVectors {
		return v
	}
	return map[string]string{"$binary": encodeBinaryVector(v)}
}

// floatVector converts []float32 and []float64 to []float32.
func floatVector(v any) ([]float32, bool) {
	switch x := v.(type) {
	case []float32:
		return x, true
	case []float64:
		out := make([]float32, len(x))
		for i, f := range x {
			out[i] = float32(f)
		}
		return out, true
	}
	return nil, false
}

// encodeBinaryVector is base64 of the big-endian float32 bytes.
func encodeBinaryVector(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.BigEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// decodeBinaryVector reverses encodeBinaryVector (padding optional).
func decodeBinaryVector(s string) ([]float32, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("$binary vector: %w", err)
		}
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("$binary vector: %d bytes, not a multiple of 4", len(b))
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.BigEndian.Uint32(b[4*i:]))
	}
	return out, nil
}

// marshal encodes v in wire form.
func (e encoder) marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e.value(v)); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// maxDepth bounds the nesting accepted when decoding (the server's limit
// is 16; the margin covers the envelope).
const maxDepth = 64

// decodeJSON decodes one JSON value with numbers as json.Number and
// rejects trailing data.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

// decodeDocument decodes a document from the wire.
func decodeDocument(raw json.RawMessage) (Document, error) {
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("document is a %s, not an object", jsonKind(v))
	}
	out, err := fromWire(m, "", 0)
	if err != nil {
		return nil, err
	}
	return Document(out.(map[string]any)), nil
}

// fromWire converts a decoded wire value to Go values in place.
func fromWire(v any, key string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("nesting too deep")
	}
	switch x := v.(type) {
	case json.Number:
		return number(x), nil
	case []any:
		if key == "$vector" {
			return numberVector(x)
		}
		for i, y := range x {
			z, err := fromWire(y, "", depth+1)
			if err != nil {
				return nil, err
			}
			x[i] = z
		}
		return x, nil
	case map[string]any:
		if len(x) == 1 {
			if w, ok, err := wrapper(x, key); ok || err != nil {
				return w, err
			}
		}
		for k, y := range x {
			z, err := fromWire(y, k, depth+1)
			if err != nil {
				return nil, err
			}
			x[k] = z
		}
		return x, nil
	}
	return v, nil
}

// wrapper decodes a one-key Extended JSON object; ok is false for other
// objects.
func wrapper(m map[string]any, key string) (any, bool, error) {
	for k, v := range m {
		switch k {
		case "$date":
			switch d := v.(type) {
			case json.Number:
				if ms, err := d.Int64(); err == nil {
					return time.UnixMilli(ms).UTC(), true, nil
				}
				if f, err := d.Float64(); err == nil && !math.IsInf(f, 0) && math.Abs(f) < 1e18 {
					return time.UnixMilli(int64(f)).UTC(), true, nil
				}
			case string:
				if ms, err := strconv.ParseInt(d, 10, 64); err == nil {
					return time.UnixMilli(ms).UTC(), true, nil
				}
				if t, err := time.Parse(time.RFC3339Nano, d); err == nil {
					return t.UTC(), true, nil
				}
			}
			return nil, false, nil
		case "$uuid":
			if s, ok := v.(string); ok {
				return UUID(s), true, nil
			}
		case "$objectId":
			if s, ok := v.(string); ok {
				return ObjectID(s), true, nil
			}
		case "$binary":
			if s, ok := v.(string); ok && key == "$vector" {
				vec, err := decodeBinaryVector(s)
				return vec, true, err
			}
		}
	}
	return nil, false, nil
}

// numberVector converts a JSON number array to []float32.
func numberVector(x []any) ([]float32, error) {
	out := make([]float32, len(x))
	for i, y := range x {
		n, ok := y.(json.Number)
		if !ok {
			return nil, fmt.Errorf("$vector[%d] is a %s, not a number", i, jsonKind(y))
		}
		f, err := strconv.ParseFloat(string(n), 32)
		if err != nil {
			return nil, fmt.Errorf("$vector[%d]: %w", i, err)
		}
		out[i] = float32(f)
	}
	return out, nil
}
