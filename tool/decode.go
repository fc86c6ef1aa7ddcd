package tool

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
)

// decodeInput decodes validated input into In. JSON Schema counts 2.0 and
// 1e3 as integers, and models send them; encoding/json does not put them
// in an int. So when decoding fails on a number, integral numbers are
// rewritten as plain integers and decoding is tried once more.
func decodeInput[In any](input json.RawMessage) (In, error) {
	var v In
	err := json.Unmarshal(input, &v)
	var te *json.UnmarshalTypeError
	if err == nil || !errors.As(err, &te) || te.Value != "number" && !isNumberText(te.Value) {
		return v, err
	}
	canon, ok := integralNumbers(input)
	if !ok {
		return v, err
	}
	var w In
	if err2 := json.Unmarshal(canon, &w); err2 != nil {
		return v, err2
	}
	return w, nil
}

func isNumberText(s string) bool {
	return len(s) > 7 && s[:7] == "number "
}

// integralNumbers rewrites every integral number of input in integer form.
func integralNumbers(input json.RawMessage) (json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return nil, false
	}
	doc = canonInts(doc)
	out, err := json.Marshal(doc)
	return out, err == nil
}

func canonInts(v any) any {
	switch x := v.(type) {
	case json.Number:
		r, ok := new(big.Rat).SetString(string(x))
		if ok && r.IsInt() && r.Num().BitLen() < 64 {
			return json.Number(r.Num().String())
		}
	case []any:
		for i := range x {
			x[i] = canonInts(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = canonInts(x[k])
		}
	}
	return v
}

// decodeViolation explains a decoding failure of input that passed the
// schema: the Go type is narrower than the schema (an int too large, a
// fraction for an integer), named by field.
func decodeViolation(err error) Violation {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := te.Type.String()
		switch te.Type.Kind().String() {
		case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
			want = fmt.Sprintf("an integer that fits in %s", te.Type)
		case "float32":
			want = fmt.Sprintf("a number within ±%g", math.MaxFloat32)
		}
		return Violation{Field: te.Field, Rule: "type", Message: fmt.Sprintf("must be %s, got %s", want, te.Value)}
	}
	return Violation{Rule: "decode", Message: err.Error()}
}
