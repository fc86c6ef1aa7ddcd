package astratest

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// cond is a compiled filter condition.
type cond interface {
	match(doc map[string]any) bool
}

type andCond []cond

func (a andCond) match(d map[string]any) bool {
	for _, c := range a {
		if !c.match(d) {
			return false
		}
	}
	return true
}

type orCond []cond

func (o orCond) match(d map[string]any) bool {
	for _, c := range o {
		if c.match(d) {
			return true
		}
	}
	return false
}

type notCond struct{ c cond }

func (n notCond) match(d map[string]any) bool { return !n.c.match(d) }

// fieldCond is one operator applied to one path.
type fieldCond struct {
	path []string
	op   string
	val  any
	vals []any
	n    int
}

func (f *fieldCond) match(d map[string]any) bool {
	v, ok := lookup(d, f.path)
	switch f.op {
	case "$eq":
		return ok && eqContains(v, f.val)
	case "$ne":
		return !ok || !eqContains(v, f.val)
	case "$in", "$nin":
		in := false
		if ok {
			for _, x := range f.vals {
				if eqContains(v, x) {
					in = true
					break
				}
			}
		}
		return in == (f.op == "$in")
	case "$exists":
		return ok == f.val.(bool)
	case "$gt", "$gte", "$lt", "$lte":
		if !ok || typeRank(v, true) != typeRank(f.val, true) {
			return false
		}
		c := compareValues(v, true, f.val, true)
		switch f.op {
		case "$gt":
			return c > 0
		case "$gte":
			return c >= 0
		case "$lt":
			return c < 0
		}
		return c <= 0
	case "$size":
		a, isArr := v.([]any)
		return ok && isArr && len(a) == f.n
	case "$all":
		a, isArr := v.([]any)
		if !ok || !isArr {
			return false
		}
		for _, x := range f.vals {
			if !eqContains(a, x) {
				return false
			}
		}
		return true
	}
	return false
}

// eqContains is $eq with array semantics (spec §5): a scalar or object
// operand also matches an array holding it; an array operand needs an
// equal array.
func eqContains(v, operand any) bool {
	if valuesEqual(v, operand) {
		return true
	}
	if a, ok := v.([]any); ok {
		if _, opArr := operand.([]any); !opArr {
			for _, e := range a {
				if valuesEqual(e, operand) {
					return true
				}
			}
		}
	}
	return false
}

// filter is a compiled filter clause.
type filter struct {
	root  cond
	ids   []string // _id keys from a top-level _id $eq or $in; nil: any
	empty bool
}

// filterCompiler compiles a filter clause.
type filterCompiler struct {
	s      *Server
	def    *collDef
	exprs  int
	idEqs  int
	inOr   bool
	topIDs []string
	topSet bool
}

// compileFilter compiles a filter clause (nil or {} matches everything).
func (s *Server) compileFilter(def *collDef, f map[string]any) (*filter, *apiError) {
	fc := &filterCompiler{s: s, def: def}
	root, err := fc.object(f, true)
	if err != nil {
		return nil, err
	}
	if fc.exprs > s.cfg.limits.MaxFilterExpressions {
		return nil, errf("FILTER_FIELDS_LIMIT_VIOLATION",
			"Filter fields limit violated: filter has %d fields, exceeds maximum allowed %d.", fc.exprs, s.cfg.limits.MaxFilterExpressions)
	}
	if fc.idEqs > 1 {
		return nil, errf("FILTER_MULTIPLE_ID_FILTER", "Cannot have more than one _id equals filter clause: use $in operator instead.")
	}
	out := &filter{root: root, empty: len(f) == 0}
	if fc.topSet {
		out.ids = fc.topIDs
		if out.ids == nil {
			out.ids = []string{}
		}
	}
	return out, nil
}

func (fc *filterCompiler) object(f map[string]any, top bool) (cond, *apiError) {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var all andCond
	for _, k := range keys {
		v := f[k]
		switch k {
		case "$and", "$or":
			arr, ok := v.([]any)
			if !ok || len(arr) == 0 {
				return nil, errf("FILTER_INVALID_EXPRESSION", "Invalid filter expression: '%s' needs a non-empty array of objects.", k)
			}
			saved := fc.inOr
			fc.inOr = fc.inOr || k == "$or"
			var subs []cond
			for _, e := range arr {
				m, ok := e.(map[string]any)
				if !ok {
					return nil, errf("FILTER_INVALID_EXPRESSION", "Invalid filter expression: '%s' needs an array of objects.", k)
				}
				c, err := fc.object(m, top && k == "$and")
				if err != nil {
					return nil, err
				}
				subs = append(subs, c)
			}
			fc.inOr = saved
			if k == "$or" {
				all = append(all, orCond(subs))
			} else {
				all = append(all, andCond(subs))
			}
		case "$not":
			m, ok := v.(map[string]any)
			if !ok {
				return nil, errf("FILTER_INVALID_EXPRESSION", "Invalid filter expression: '$not' needs an object.")
			}
			c, err := fc.object(m, false)
			if err != nil {
				return nil, err
			}
			all = append(all, notCond{c})
		default:
			if strings.HasPrefix(k, "$") && k != "$vector" {
				return nil, errf("FILTER_UNSUPPORTED_OPERATOR", "Unsupported filter operator '%s'.", k)
			}
			cs, err := fc.field(k, v, top)
			if err != nil {
				return nil, err
			}
			all = append(all, cs...)
		}
	}
	if len(all) == 1 {
		return all[0], nil
	}
	return all, nil
}

// isOperatorObject reports whether v is {"$op": …, …} rather than a value.
func isOperatorObject(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 || ejsonKind(m) != "" {
		return nil, false
	}
	for k := range m {
		if !strings.HasPrefix(k, "$") {
			return nil, false
		}
	}
	return m, true
}

func (fc *filterCompiler) field(path string, v any, top bool) ([]cond, *apiError) {
	segs, ok := splitPath(path)
	if !ok {
		return nil, errf("FILTER_INVALID_EXPRESSION", "Invalid filter expression: invalid path '%s'.", path)
	}
	if path == "_id" && fc.inOr {
		return nil, errf("FILTER_INVALID_EXPRESSION", "Invalid filter expression: ID field can not be used with '$or' operator.")
	}
	if !fc.def.indexed(path) {
		if path == "_id" {
			return nil, errf("FILTER_ID_NOT_INDEXED", "_id is not indexed: you can only use $eq or $in on it.")
		}
		return nil, errf("FILTER_PATH_UNINDEXED", "Filter path '%s' is not indexed: allow it in the collection's 'indexing' options.", path)
	}
	ops, isOps := isOperatorObject(v)
	if !isOps {
		if m, ok := v.(map[string]any); ok {
			for k := range m {
				if strings.HasPrefix(k, "$") && ejsonKind(m) == "" {
					return nil, errf("FILTER_INVALID_EXPRESSION", "Invalid filter expression: cannot mix operators and fields in '%s'.", path)
				}
			}
		}
		ops = map[string]any{"$eq": v}
	}
	if path == "$vector" {
		if len(ops) != 1 || ops["$exists"] == nil {
			return nil, errf("FILTER_INVALID_EXPRESSION", "Invalid filter expression: '$vector' can only be filtered with '$exists'.")
		}
	}
	names := make([]string, 0, len(ops))
	for k := range ops {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []cond
	for _, op := range names {
		c, err := fc.operator(path, segs, op, ops[op], top)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func (fc *filterCompiler) operator(path string, segs []string, op string, raw any, top bool) (cond, *apiError) {
	fc.exprs++
	c := &fieldCond{path: segs, op: op}
	switch op {
	case "$eq", "$ne":
		v, err := filterValue(raw)
		if err != nil {
			return nil, err
		}
		c.val = v
		if path == "_id" && op == "$eq" {
			fc.idEqs++
			if top {
				k, _ := idKey(v)
				fc.topIDs, fc.topSet = []string{k}, true
			}
		}
	case "$in", "$nin", "$all":
		arr, ok := raw.([]any)
		if !ok {
			return nil, errf("FILTER_INVALID_EXPRESSION", "Invalid filter expression: '%s' operator must have an array value.", op)
		}
		if len(arr) > fc.s.cfg.limits.MaxInValues {
			return nil, errf("FILTER_INVALID_EXPRESSION", "Invalid filter expression: '%s' operator must have at most %d values.",
				op, fc.s.cfg.limits.MaxInValues)
		}
		for _, e := range arr {
			v, err := filterValue(e)
			if err != nil {
				return nil, err
			}
			c.vals = append(c.vals, v)
		}
		if path == "_id" && op == "$in" && top && !fc.topSet {
			keys := make([]string, 0, len(c.vals))
			for _, v := range c.vals {
				if k, ok := idKey(v); ok {
					keys = append(keys, k)
				}
			}
			fc.topIDs, fc.topSet = keys, true
		}
	case "$exists":
		b, ok := raw.(bool)
		if !ok {
			return nil, errf("FILTER_INVALID_EXPRESSION", "Invalid filter expression: '$exists' operator must have a boolean value.")
		}
		c.val = b
	case "$gt", "$gte", "$lt", "$lte":
		v, err := filterValue(raw)
		if err != nil {
			return nil, err
		}
		switch r := typeRank(v, true); r {
		case 2, 3, 8, 9, 10:
		default:
			return nil, errf("FILTER_INVALID_EXPRESSION",
				"Invalid filter expression: '%s' operator needs a number, string or $date value.", op)
		}
		c.val = v
	case "$size":
		n, ok := raw.(json.Number)
		i, err := strconv.Atoi(string(n))
		if !ok || err != nil || i < 0 {
			return nil, errf("FILTER_INVALID_EXPRESSION", "Invalid filter expression: '$size' operator must have a non-negative integer value.")
		}
		c.n = i
	default:
		return nil, errf("FILTER_UNSUPPORTED_OPERATOR", "Unsupported filter operator '%s'.", op)
	}
	return c, nil
}
