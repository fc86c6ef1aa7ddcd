package astratest

import (
	"encoding/json"
	"strconv"
)

// projNode is one level of a projection tree.
type projNode struct {
	children map[string]*projNode
	leaf     bool
	slice    *[2]int // $slice: [skip, limit]; limit < 0 means "to the end"
}

// projection is a compiled projection clause (spec §5).
type projection struct {
	include   bool // inclusion mode (otherwise exclusion)
	all, none bool // {"*":1} / {"*":0}
	idOff     bool
	vector    bool // $vector requested
	root      *projNode
	hasSlices bool
}

func badProjection(format string, args ...any) *apiError {
	return errf("UNSUPPORTED_PROJECTION_PARAM", "Unsupported projection parameter: "+format, args...)
}

// compileProjection compiles a projection; nil gives the default (all
// fields but $vector).
func compileProjection(p map[string]any) (*projection, *apiError) {
	pr := &projection{root: &projNode{}}
	if len(p) == 0 {
		return pr, nil
	}
	if star, ok := p["*"]; ok {
		if len(p) != 1 {
			return nil, badProjection("wildcard '*' cannot be combined with other paths.")
		}
		in, isBool := projFlag(star)
		if !isBool {
			return nil, badProjection("wildcard '*' needs 1 or 0.")
		}
		pr.all, pr.none = in, !in
		return pr, nil
	}
	mode := 0 // 1 include, -1 exclude
	for path, v := range p {
		if path == "$similarity" {
			continue // comes from includeSimilarity, not the projection
		}
		if m, ok := v.(map[string]any); ok {
			sl, err := parseSlice(m)
			if err != nil {
				return nil, err
			}
			n, err := pr.node(path)
			if err != nil {
				return nil, err
			}
			n.slice, pr.hasSlices = sl, true
			continue
		}
		in, ok := projFlag(v)
		if !ok {
			return nil, badProjection("path '%s' needs 1, 0, true, false or {\"$slice\": …}.", path)
		}
		switch path {
		case "_id":
			pr.idOff = !in
			continue
		case "$vector":
			pr.vector = in
			if !in {
				continue
			}
		}
		m := -1
		if in {
			m = 1
		}
		if mode != 0 && mode != m {
			return nil, badProjection("cannot mix inclusions and exclusions (except for '_id').")
		}
		mode = m
		if path == "$vector" {
			continue
		}
		n, err := pr.node(path)
		if err != nil {
			return nil, err
		}
		n.leaf = true
	}
	pr.include = mode == 1
	return pr, nil
}

func projFlag(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f != 0, err == nil
	}
	return false, false
}

func parseSlice(m map[string]any) (*[2]int, *apiError) {
	raw, ok := m["$slice"]
	if !ok || len(m) != 1 {
		return nil, badProjection("only '$slice' is supported as a projection operator.")
	}
	num := func(v any) (int, bool) {
		n, ok := v.(json.Number)
		if !ok {
			return 0, false
		}
		i, err := strconv.Atoi(string(n))
		return i, err == nil
	}
	if i, ok := num(raw); ok {
		if i < 0 {
			return &[2]int{i, -1}, nil
		}
		return &[2]int{0, i}, nil
	}
	if a, ok := raw.([]any); ok && len(a) == 2 {
		skip, ok1 := num(a[0])
		limit, ok2 := num(a[1])
		if ok1 && ok2 && limit > 0 {
			return &[2]int{skip, limit}, nil
		}
	}
	return nil, badProjection("'$slice' needs an integer or [skip, limit] with limit > 0.")
}

func (pr *projection) node(path string) (*projNode, *apiError) {
	segs, ok := splitPath(path)
	if !ok || segs[0] != "" && segs[0][0] == '$' {
		return nil, badProjection("invalid path '%s'.", path)
	}
	n := pr.root
	for _, s := range segs {
		if n.children == nil {
			n.children = map[string]*projNode{}
		}
		c := n.children[s]
		if c == nil {
			c = &projNode{}
			n.children[s] = c
		}
		n = c
	}
	return n, nil
}

// apply returns the projected document; the source is never modified.
func (pr *projection) apply(doc map[string]any) map[string]any {
	if pr.none {
		return map[string]any{}
	}
	var out map[string]any
	if pr.include {
		out = includeNode(pr.root, doc)
		if id, ok := doc["_id"]; ok {
			out["_id"] = id
		}
	} else {
		out = excludeNode(pr.root, doc)
		if !pr.all && !pr.vector {
			delete(out, "$vector")
		}
	}
	if pr.include && pr.vector || pr.all {
		if v, ok := doc["$vector"]; ok {
			out["$vector"] = v
		}
	}
	if pr.idOff {
		delete(out, "_id")
	}
	return out
}

func includeNode(n *projNode, doc map[string]any) map[string]any {
	out := map[string]any{}
	for k, c := range n.children {
		v, ok := doc[k]
		if !ok {
			continue
		}
		switch {
		case c.leaf:
			out[k] = sliceValue(c, v)
		case c.slice != nil && len(c.children) == 0:
			out[k] = sliceValue(c, v)
		default:
			if m, ok := v.(map[string]any); ok {
				out[k] = includeNode(c, m)
			}
		}
	}
	return out
}

func excludeNode(n *projNode, doc map[string]any) map[string]any {
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		c := n.children[k]
		switch {
		case c == nil:
			out[k] = v
		case c.leaf:
		case c.slice != nil:
			out[k] = sliceValue(c, v)
		default:
			if m, ok := v.(map[string]any); ok {
				out[k] = excludeNode(c, m)
			} else {
				out[k] = v
			}
		}
	}
	return out
}

// sliceValue applies $slice to an array value.
func sliceValue(n *projNode, v any) any {
	a, ok := v.([]any)
	if n.slice == nil || !ok {
		return v
	}
	skip, limit := n.slice[0], n.slice[1]
	if skip < 0 {
		skip = max(len(a)+skip, 0)
	}
	skip = min(skip, len(a))
	end := len(a)
	if limit >= 0 {
		end = min(skip+limit, len(a))
	}
	return a[skip:end]
}
