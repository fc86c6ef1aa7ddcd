package astratest

import (
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
)

// sortKey is one field of a regular sort.
type sortKey struct {
	path []string
	desc bool
}

// sortSpec is a compiled sort clause.
type sortSpec struct {
	vector []float32 // vector sort
	fields []sortKey // regular (in-memory) sort
}

func (s *sortSpec) empty() bool { return s == nil || s.vector == nil && len(s.fields) == 0 }

// compileSort compiles a sort clause (spec §5).
func (s *Server) compileSort(def *collDef, raw map[string]any) (*sortSpec, *apiError) {
	out := &sortSpec{}
	if len(raw) == 0 {
		return out, nil
	}
	for _, special := range []string{"$vector", "$vectorize", "$hybrid", "$lexical"} {
		v, ok := raw[special]
		if !ok {
			continue
		}
		if len(raw) > 1 {
			return nil, errf("CANNOT_SORT_ON_SPECIAL_WITH_OTHERS",
				"Cannot sort on special field '%s' together with other fields.", special)
		}
		if special != "$vector" {
			return nil, errf("SORT_CLAUSE_INVALID", "Invalid sort clause: '%s' sort is not supported by astratest.", special)
		}
		if def.dimension == 0 {
			return nil, errf("VECTOR_SEARCH_NOT_SUPPORTED", "Vector search is not enabled for collection '%s'.", "this collection")
		}
		vec, verr := decodeVector(v)
		if verr != nil {
			return nil, errf("SORT_CLAUSE_INVALID", "Invalid sort clause: %s.", verr.msg)
		}
		if len(vec) != def.dimension {
			return nil, errf("INVALID_VECTOR_LENGTH",
				"Length of vector parameter different from declared '$vector' dimension: sort clause: %d vs expected %d.",
				len(vec), def.dimension)
		}
		out.vector = vec
		return out, nil
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys) // JSON key order is lost in maps; sort by path name for determinism
	for _, k := range keys {
		segs, ok := splitPath(k)
		if !ok || strings.HasPrefix(k, "$") {
			return nil, errf("SORT_CLAUSE_PATH_INVALID", "Invalid sort clause path '%s'.", k)
		}
		if !def.indexed(k) {
			return nil, errf("SORT_CLAUSE_PATH_UNINDEXED", "Sort path '%s' is not indexed.", k)
		}
		d, _ := projFlagInt(raw[k])
		if d != 1 && d != -1 {
			return nil, errf("SORT_CLAUSE_INVALID", "Invalid sort clause: value for '%s' must be 1 or -1.", k)
		}
		out.fields = append(out.fields, sortKey{path: segs, desc: d == -1})
	}
	return out, nil
}

func projFlagInt(v any) (int, bool) {
	n, ok := v.(interface{ String() string })
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n.String())
	return i, err == nil
}

// pageState is the decoded paging position: the last seq seen and the
// number of documents returned so far (for limit across pages).
type pageState struct {
	after    uint64
	returned int
}

func encodePageState(p pageState) string {
	return base64.StdEncoding.EncodeToString([]byte(strconv.FormatUint(p.after, 10) + ":" + strconv.Itoa(p.returned)))
}

func decodePageState(s string) (pageState, *apiError) {
	if s == "" {
		return pageState{}, nil
	}
	bad := errf("COMMAND_FIELD_VALUE_INVALID", "Invalid 'pageState': not a value returned by this server.")
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return pageState{}, bad
	}
	a, b, ok := strings.Cut(string(raw), ":")
	after, err1 := strconv.ParseUint(a, 10, 64)
	ret, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || ret < 0 {
		return pageState{}, bad
	}
	return pageState{after: after, returned: ret}, nil
}

// hit is a selected document with its similarity (vector sorts).
type hit struct {
	e   *docEntry
	doc map[string]any
	sim float32
}

// sortedHits runs a sorted selection (vector or field sort) over matching
// live documents and returns the ordered hits; the caller holds c.mu.
func (s *Server) sortedHits(c *collection, f *filter, so *sortSpec) ([]hit, *apiError) {
	var hits []hit
	var err *apiError
	c.scan(0, f.ids, func(e *docEntry) bool {
		if !f.root.match(e.doc) {
			return true
		}
		if so.vector != nil {
			if e.vec == nil {
				return true
			}
			hits = append(hits, hit{e: e, doc: e.doc, sim: similarity(c.def.metric, so.vector, e.vec)})
			return true
		}
		if len(hits) >= s.cfg.limits.MaxSortDocuments {
			err = errf("OVERLOADED_SORT_ROW_LIMIT",
				"Too many rows to sort in memory: more than %d documents match the filter; use a more selective filter.",
				s.cfg.limits.MaxSortDocuments)
			return false
		}
		hits = append(hits, hit{e: e, doc: e.doc})
		return true
	})
	if err != nil {
		return nil, err
	}
	if so.vector != nil {
		sort.SliceStable(hits, func(i, j int) bool { return hits[i].sim > hits[j].sim })
		return hits, nil
	}
	sort.SliceStable(hits, func(i, j int) bool {
		for _, k := range so.fields {
			a, aok := lookup(hits[i].doc, k.path)
			b, bok := lookup(hits[j].doc, k.path)
			if c := compareValues(a, aok, b, bok); c != 0 {
				return c < 0 != k.desc
			}
		}
		return false
	})
	return hits, nil
}

// firstHit selects the document a single-document command acts on: the
// best by sort, or the first in storage order. The caller holds c.mu.
func (s *Server) firstHit(c *collection, f *filter, so *sortSpec) (*hit, *apiError) {
	if !so.empty() {
		hits, err := s.sortedHits(c, f, so)
		if err != nil || len(hits) == 0 {
			return nil, err
		}
		return &hits[0], nil
	}
	var h *hit
	c.scan(0, f.ids, func(e *docEntry) bool {
		if f.root.match(e.doc) {
			h = &hit{e: e, doc: e.doc}
			return false
		}
		return true
	})
	return h, nil
}

// readClauses compiles the filter, sort and projection of a read command.
func (s *Server) readClauses(x *exec) (*filter, *sortSpec, *projection, *apiError) {
	fm, err := x.object("filter")
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := s.compileFilter(x.coll.def, fm)
	if err != nil {
		return nil, nil, nil, err
	}
	sm, err := x.object("sort")
	if err != nil {
		return nil, nil, nil, err
	}
	so, err := s.compileSort(x.coll.def, sm)
	if err != nil {
		return nil, nil, nil, err
	}
	pm, err := x.object("projection")
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := compileProjection(pm)
	if err != nil {
		return nil, nil, nil, err
	}
	return f, so, p, nil
}

// render projects a hit and adds $similarity when asked.
func render(h hit, p *projection, withSim bool) map[string]any {
	d := p.apply(h.doc)
	if withSim {
		d["$similarity"] = h.sim
	}
	return d
}

// sortVectorStatus is the status.sortVector entry.
func sortVectorStatus(so *sortSpec) kv {
	if so.vector == nil {
		return kv{"sortVector", nil}
	}
	return kv{"sortVector", so.vector}
}
