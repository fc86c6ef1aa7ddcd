package astratest

import (
	"encoding/json"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
)

// updateOp is one operator applied to one path.
type updateOp struct {
	op   string
	path []string
	raw  string
	val  any
}

// updateOrder fixes the order operators are applied in.
var updateOrder = map[string]int{"$setOnInsert": 0, "$set": 1, "$unset": 2, "$inc": 3, "$mul": 4, "$min": 5,
	"$max": 6, "$push": 7, "$addToSet": 8, "$pop": 9, "$pullAll": 10, "$rename": 11, "$currentDate": 12}

func badUpdate(format string, args ...any) *apiError {
	return errf("UNSUPPORTED_UPDATE_OPERATION", "Unsupported update operation: "+format, args...)
}

// compileUpdate validates an update clause (spec §4).
func compileUpdate(u map[string]any) ([]updateOp, *apiError) {
	if len(u) == 0 {
		return nil, badUpdate("the update clause must have at least one operator.")
	}
	var ops []updateOp
	seen := map[string]bool{}
	for op, v := range u {
		if _, ok := updateOrder[op]; !ok {
			return nil, badUpdate("unknown operator '%s'.", op)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, badUpdate("operator '%s' needs an object.", op)
		}
		for path, arg := range m {
			segs, ok := splitPath(path)
			if !ok {
				return nil, badUpdate("invalid path '%s'.", path)
			}
			if segs[0] == "_id" && op != "$setOnInsert" {
				return nil, errf("UNSUPPORTED_UPDATE_OPERATOR_FOR_DOC_ID", "Cannot use operator '%s' on '_id'.", op)
			}
			if segs[0] == "$vector" && op != "$set" && op != "$unset" && op != "$setOnInsert" {
				return nil, errf("UNSUPPORTED_UPDATE_OPERATOR_FOR_VECTOR", "Cannot use operator '%s' on '$vector'.", op)
			}
			if segs[0] != "$vector" && strings.HasPrefix(segs[0], "$") {
				return nil, badUpdate("invalid path '%s'.", path)
			}
			if seen[path] {
				return nil, badUpdate("path '%s' is updated by more than one operator.", path)
			}
			seen[path] = true
			arg, err := filterValue(arg)
			if err != nil {
				return nil, badUpdate("bad Extended JSON value for '%s'.", path)
			}
			if err := checkUpdateArg(op, path, arg); err != nil {
				return nil, err
			}
			ops = append(ops, updateOp{op: op, path: segs, raw: path, val: arg})
		}
	}
	sort.SliceStable(ops, func(i, j int) bool {
		if oi, oj := updateOrder[ops[i].op], updateOrder[ops[j].op]; oi != oj {
			return oi < oj
		}
		return ops[i].raw < ops[j].raw
	})
	return ops, nil
}

func checkUpdateArg(op, path string, arg any) *apiError {
	switch op {
	case "$inc", "$mul":
		if _, ok := arg.(json.Number); !ok {
			return badUpdate("'%s' needs a number for '%s'.", op, path)
		}
	case "$pop":
		n, ok := arg.(json.Number)
		if !ok || n != "1" && n != "-1" {
			return badUpdate("'$pop' needs 1 or -1 for '%s'.", path)
		}
	case "$pullAll":
		if _, ok := arg.([]any); !ok {
			return badUpdate("'$pullAll' needs an array for '%s'.", path)
		}
	case "$rename":
		s, ok := arg.(string)
		if _, valid := splitPath(s); !ok || !valid {
			return badUpdate("'$rename' needs a path string for '%s'.", path)
		}
	}
	return nil
}

// applyUpdate applies ops to doc (a private copy) and reports an error for
// an operator that does not fit the document.
func applyUpdate(doc map[string]any, ops []updateOp, inserting bool) *apiError {
	for _, u := range ops {
		if err := u.apply(doc, inserting); err != nil {
			return err
		}
	}
	return nil
}

func (u *updateOp) apply(doc map[string]any, inserting bool) *apiError {
	cur, exists := lookup(doc, u.path)
	set := func(v any) *apiError {
		if !setPath(doc, u.path, v) {
			return badUpdate("cannot set '%s': a parent is not an object or array.", u.raw)
		}
		return nil
	}
	switch u.op {
	case "$setOnInsert":
		if inserting {
			return set(deepCopy(u.val))
		}
	case "$set":
		return set(deepCopy(u.val))
	case "$unset":
		unsetPath(doc, u.path)
	case "$inc", "$mul":
		n := u.val.(json.Number)
		if !exists {
			if u.op == "$mul" {
				n = "0"
			}
			return set(n)
		}
		c, ok := cur.(json.Number)
		if !ok {
			return badUpdate("'%s' needs a number at '%s'.", u.op, u.raw)
		}
		return set(arith(u.op, c, n))
	case "$min", "$max":
		c := compareValues(cur, exists, u.val, true)
		if !exists || u.op == "$min" && c > 0 || u.op == "$max" && c < 0 {
			return set(deepCopy(u.val))
		}
	case "$push", "$addToSet":
		arr, ok := cur.([]any)
		if exists && !ok {
			return badUpdate("'%s' needs an array at '%s'.", u.op, u.raw)
		}
		items, pos := []any{u.val}, -1
		if m, ok := u.val.(map[string]any); ok {
			if each, ok := m["$each"].([]any); ok {
				items = each
				if p, ok := m["$position"].(json.Number); ok {
					pos, _ = strconv.Atoi(string(p))
				}
			}
		}
		out := append([]any(nil), arr...)
		var add []any
		for _, it := range items {
			if u.op == "$addToSet" && (containsValue(out, it) || containsValue(add, it)) {
				continue
			}
			add = append(add, deepCopy(it))
		}
		if pos < 0 || pos > len(out) {
			pos = len(out)
		}
		out = append(out[:pos:pos], append(add, out[pos:]...)...)
		return set(out)
	case "$pop":
		arr, ok := cur.([]any)
		if !exists {
			return nil
		}
		if !ok {
			return badUpdate("'$pop' needs an array at '%s'.", u.raw)
		}
		if len(arr) > 0 {
			if u.val.(json.Number) == "1" {
				return set(append([]any(nil), arr[:len(arr)-1]...))
			}
			return set(append([]any(nil), arr[1:]...))
		}
	case "$pullAll":
		arr, ok := cur.([]any)
		if !exists {
			return nil
		}
		if !ok {
			return badUpdate("'$pullAll' needs an array at '%s'.", u.raw)
		}
		var out []any
		for _, e := range arr {
			if !containsValue(u.val.([]any), e) {
				out = append(out, e)
			}
		}
		if out == nil {
			out = []any{}
		}
		return set(out)
	case "$rename":
		if exists {
			to, _ := splitPath(u.val.(string))
			unsetPath(doc, u.path)
			if !setPath(doc, to, cur) {
				return badUpdate("cannot rename '%s'.", u.raw)
			}
		}
	case "$currentDate":
		return set(map[string]any{ejDate: json.Number(strconv.FormatInt(time.Now().UnixMilli(), 10))})
	}
	return nil
}

func containsValue(a []any, v any) bool {
	for _, e := range a {
		if valuesEqual(e, v) {
			return true
		}
	}
	return false
}

// arith computes a+b or a*b exactly.
func arith(op string, a, b json.Number) json.Number {
	ai, e1 := strconv.ParseInt(string(a), 10, 64)
	bi, e2 := strconv.ParseInt(string(b), 10, 64)
	if e1 == nil && e2 == nil {
		x, y := big.NewInt(ai), big.NewInt(bi)
		if op == "$inc" {
			return json.Number(x.Add(x, y).String())
		}
		return json.Number(x.Mul(x, y).String())
	}
	var x, y big.Float
	x.SetPrec(128)
	y.SetPrec(128)
	if _, _, err := x.Parse(string(a), 10); err != nil {
		return a
	}
	if _, _, err := y.Parse(string(b), 10); err != nil {
		return a
	}
	if op == "$inc" {
		x.Add(&x, &y)
	} else {
		x.Mul(&x, &y)
	}
	f, _ := x.Float64()
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// setPath sets a value, creating objects on the way; numeric segments
// index existing arrays (padding with null).
func setPath(doc map[string]any, path []string, v any) bool {
	var cur any = doc
	for i, seg := range path {
		last := i == len(path)-1
		switch x := cur.(type) {
		case map[string]any:
			if last {
				x[seg] = v
				return true
			}
			next, ok := x[seg]
			if !ok || next == nil {
				next = map[string]any{}
				x[seg] = next
			}
			cur = next
		case []any:
			idx, err := strconv.Atoi(seg)
			if err != nil || idx < 0 || idx >= len(x) {
				return false // growing arrays would need the parent; keep it simple
			}
			if last {
				x[idx] = v
				return true
			}
			if x[idx] == nil {
				x[idx] = map[string]any{}
			}
			cur = x[idx]
		default:
			return false
		}
	}
	return false
}

func unsetPath(doc map[string]any, path []string) {
	parent, ok := lookup(doc, path[:len(path)-1])
	if !ok {
		return
	}
	switch x := parent.(type) {
	case map[string]any:
		delete(x, path[len(path)-1])
	case []any:
		if i, err := strconv.Atoi(path[len(path)-1]); err == nil && i >= 0 && i < len(x) {
			x[i] = nil
		}
	}
}
