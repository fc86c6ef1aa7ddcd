package local

import (
	"encoding/binary"
	"math"
)

// The binary value encoding of properties and metadata: a JSON value as a
// tag byte and its payload. Decoding it is several times cheaper than
// encoding/json and yields the same Go values (nil, bool, float64, string,
// []any, map[string]any).
const (
	tagNull   = 0
	tagFalse  = 1
	tagTrue   = 2
	tagNumber = 3 // float64, 8 bytes little-endian
	tagString = 4 // uvarint length, bytes
	tagArray  = 5 // uvarint count, values
	tagObject = 6 // uvarint count, (uvarint length, key bytes, value) pairs
)

// maxDepth bounds the nesting decodeValue accepts (encoding/json's limit).
const maxDepth = 10000

// value appends v, a value as json.Unmarshal produces it into an any.
func (e *enc) value(v any) {
	switch x := v.(type) {
	case nil:
		e.b = append(e.b, tagNull)
	case bool:
		if x {
			e.b = append(e.b, tagTrue)
		} else {
			e.b = append(e.b, tagFalse)
		}
	case float64:
		e.b = append(e.b, tagNumber)
		e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(x))
	case string:
		e.b = append(e.b, tagString)
		e.str(x)
	case []any:
		e.b = append(e.b, tagArray)
		e.uvarint(uint64(len(x)))
		for _, y := range x {
			e.value(y)
		}
	case map[string]any:
		e.b = append(e.b, tagObject)
		e.uvarint(uint64(len(x)))
		for k, y := range x {
			e.str(k)
			e.value(y)
		}
	default:
		panic("local: value of a type json.Unmarshal does not produce") // unreachable
	}
}

// decodeValue decodes one value from b and returns the rest.
func decodeValue(b []byte, depth int) (any, []byte, error) {
	if len(b) == 0 || depth > maxDepth {
		return nil, nil, errCorrupt
	}
	tag, b := b[0], b[1:]
	switch tag {
	case tagNull:
		return nil, b, nil
	case tagFalse:
		return false, b, nil
	case tagTrue:
		return true, b, nil
	case tagNumber:
		if len(b) < 8 {
			return nil, nil, errCorrupt
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), b[8:], nil
	case tagString:
		s, rest, err := decodeString(b)
		return s, rest, err
	case tagArray:
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)) {
			return nil, nil, errCorrupt
		}
		b = b[w:]
		out := make([]any, n)
		for i := range out {
			var err error
			if out[i], b, err = decodeValue(b, depth+1); err != nil {
				return nil, nil, err
			}
		}
		return out, b, nil
	case tagObject:
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)) {
			return nil, nil, errCorrupt
		}
		b = b[w:]
		out := make(map[string]any, n)
		for range n {
			k, rest, err := decodeString(b)
			if err != nil {
				return nil, nil, err
			}
			var v any
			if v, b, err = decodeValue(rest, depth+1); err != nil {
				return nil, nil, err
			}
			out[k] = v
		}
		return out, b, nil
	}
	return nil, nil, errCorrupt
}

func decodeString(b []byte) (string, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return "", nil, errCorrupt
	}
	return string(b[w : w+int(n)]), b[w+int(n):], nil
}
