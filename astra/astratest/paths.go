package astratest

import (
	"strconv"
	"strings"
)

// lookup resolves a path; numeric segments index arrays.
func lookup(d map[string]any, path []string) (any, bool) {
	var cur any = d
	for _, seg := range path {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[seg]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) || seg != strconv.Itoa(i) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// splitPath splits a dotted path, honouring the &. and && escapes.
func splitPath(p string) ([]string, bool) {
	if p == "" {
		return nil, false
	}
	var segs []string
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '&':
			if i+1 >= len(p) || p[i+1] != '&' && p[i+1] != '.' {
				return nil, false
			}
			i++
			b.WriteByte(p[i])
		case '.':
			if b.Len() == 0 {
				return nil, false
			}
			segs = append(segs, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return nil, false
	}
	return append(segs, b.String()), true
}

// filterValue normalizes Extended JSON inside a filter operand.
func filterValue(v any) (any, *apiError) {
	switch x := v.(type) {
	case map[string]any:
		if k := ejsonKind(x); k != "" {
			n, ok := normalizeEJSON(k, x[k])
			if !ok {
				return nil, errf("FILTER_INVALID_EXPRESSION", "Invalid filter expression: bad Extended JSON value %s.", string(appendJSON(nil, x)))
			}
			return n, nil
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			n, err := filterValue(e)
			if err != nil {
				return nil, err
			}
			m[k] = n
		}
		return m, nil
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			n, err := filterValue(e)
			if err != nil {
				return nil, err
			}
			a[i] = n
		}
		return a, nil
	}
	return v, nil
}
