package astrastore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kgas-dev/kgas/astra"
	"github.com/kgas-dev/kgas/graphrag/kg"
)

func str(d astra.Document, k string) string {
	v, _ := d[k].(string)
	return v
}

func strs(v any) []string {
	arr, _ := v.([]any)
	if len(arr) == 0 {
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func props(v any) map[string]any {
	m, _ := v.(map[string]any)
	if len(m) == 0 {
		return nil
	}
	return m
}

func decodeNode(d astra.Document) kg.Node {
	id, _ := d.ID().(string)
	n := kg.Node{ID: id, Type: str(d, "type"), Name: str(d, "name"), Properties: props(d["properties"]),
		ChunkIDs: strs(d["chunk_ids"])}
	if v := d.Vector(); len(v) > 0 {
		n.Embedding = v
	}
	return n
}

func decodeEdge(d astra.Document) kg.Edge {
	id, _ := d.ID().(string)
	return kg.Edge{ID: id, From: str(d, "from"), To: str(d, "to"), Type: str(d, "type"),
		Properties: props(d["properties"]), ChunkIDs: strs(d["chunk_ids"])}
}

func toInt(v any) int {
	switch x := v.(type) {
	case float64:
		return int(x)
	case int:
		return x
	}
	return 0
}

func decodeChunk(d astra.Document) kg.Chunk {
	id, _ := d.ID().(string)
	c := kg.Chunk{ID: id, DocumentID: str(d, "document_id"), Text: str(d, "text"),
		Start: toInt(d["start"]), End: toInt(d["end"])}
	if arr, ok := d["embedding"].([]any); ok && len(arr) > 0 {
		c.Embedding = make([]float32, len(arr))
		for i, x := range arr {
			f, _ := x.(float64)
			c.Embedding[i] = float32(f)
		}
	}
	return c
}

// byIDs fetches documents by id: one entry per id, nil when missing.
// _id lookups always go alone (never inside $or).
func (s *Store) byIDs(ctx context.Context, c *astra.Collection, ids []string, proj astra.Projection) ([]astra.Document, error) {
	out := make([]astra.Document, len(ids))
	var want []any
	for _, id := range ids {
		if id != "" {
			want = append(want, id)
		}
	}
	if len(want) == 0 {
		return out, nil
	}
	res, err := c.FindByIDs(ctx, want, &astra.FindByIDsOptions{Projection: proj, Concurrency: s.cfg.concurrency})
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		if unknownCollection(err) {
			return out, nil
		}
		return nil, fmt.Errorf("astrastore: read %s: %w", c.Name(), err)
	}
	j := 0
	for i, id := range ids {
		if id == "" {
			continue
		}
		out[i] = res[j].Document
		j++
	}
	return out, nil
}

// Nodes implements kg.Store.
func (s *Store) Nodes(ctx context.Context, ids []string) ([]*kg.Node, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	s.cmu.RLock()
	defer s.cmu.RUnlock()
	docs, err := s.byIDs(ctx, s.nodesHandle(), ids, astra.Projection{"*": 1})
	if err != nil {
		return nil, err
	}
	out := make([]*kg.Node, len(ids))
	for i, d := range docs {
		if d != nil {
			n := decodeNode(d)
			out[i] = &n
		}
	}
	return out, nil
}

// Chunks implements kg.Store.
func (s *Store) Chunks(ctx context.Context, ids []string) ([]*kg.Chunk, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	docs, err := s.byIDs(ctx, s.handle(chunkColl), ids, nil)
	if err != nil {
		return nil, err
	}
	out := make([]*kg.Chunk, len(ids))
	for i, d := range docs {
		if d != nil {
			c := decodeChunk(d)
			out[i] = &c
		}
	}
	return out, nil
}

// batches splits ids into slices of at most n.
func batches(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > 0 {
		k := min(n, len(ids))
		out = append(out, ids[:k])
		ids = ids[k:]
	}
	return out
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// neighborFilter is the find filter of one batch of node ids.
func neighborFilter(batch []string, opts kg.NeighborOptions) astra.Filter {
	in := astra.Document{"$in": anys(batch)}
	var f astra.Filter
	switch opts.Direction {
	case kg.Outgoing:
		f = astra.Filter{"from": in}
	case kg.Incoming:
		f = astra.Filter{"to": in}
	default:
		f = astra.Filter{"$or": []any{astra.Document{"from": in}, astra.Document{"to": in}}}
	}
	if n := len(opts.EdgeTypes); n > 0 && n <= batchSize {
		f["type"] = astra.Document{"$in": anys(opts.EdgeTypes)}
	}
	return f
}

// Neighbors implements kg.Store: distinct ids in batches of 100, one find
// per batch, concurrently; a self-loop is listed once.
func (s *Store) Neighbors(ctx context.Context, ids []string, opts kg.NeighborOptions) ([][]kg.Edge, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if opts.Direction < kg.Outgoing || opts.Direction > kg.Both {
		return nil, fmt.Errorf("%w: direction %d", kg.ErrInvalid, opts.Direction)
	}
	if opts.Limit < 0 {
		return nil, fmt.Errorf("%w: limit %d is negative", kg.ErrInvalid, opts.Limit)
	}
	var distinct []string
	seen := map[string]bool{}
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			distinct = append(distinct, id)
		}
	}
	parts := batches(distinct, batchSize)
	found := make([][]astra.Document, len(parts))
	c := s.handle(edgesColl)
	err := s.parallel(ctx, len(parts), func(ctx context.Context, i int) error {
		docs, err := c.Find(neighborFilter(parts[i], opts), nil).ToSlice(ctx)
		if err != nil && !unknownCollection(err) {
			return fmt.Errorf("astrastore: neighbors: %w", err)
		}
		found[i] = docs
		return nil
	})
	if err != nil {
		return nil, err
	}
	lists := map[string][]kg.Edge{}
	for i, docs := range found {
		inBatch := map[string]bool{}
		for _, id := range parts[i] {
			inBatch[id] = true
		}
		for _, d := range docs {
			e := decodeEdge(d)
			if len(opts.EdgeTypes) > 0 && !slices.Contains(opts.EdgeTypes, e.Type) {
				continue
			}
			if opts.Direction != kg.Incoming && inBatch[e.From] {
				lists[e.From] = append(lists[e.From], e)
			}
			if opts.Direction != kg.Outgoing && inBatch[e.To] && (e.To != e.From || opts.Direction == kg.Incoming) {
				lists[e.To] = append(lists[e.To], e)
			}
		}
	}
	for id, list := range lists {
		other := func(e kg.Edge) string {
			if e.From == id {
				return e.To
			}
			return e.From
		}
		slices.SortFunc(list, func(a, b kg.Edge) int {
			return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(other(a), other(b)), cmp.Compare(a.ID, b.ID))
		})
		if opts.Limit > 0 && len(list) > opts.Limit {
			list = list[:opts.Limit]
		}
		lists[id] = list
	}
	out := make([][]kg.Edge, len(ids))
	handed := map[string]bool{}
	for i, id := range ids {
		out[i] = copyEdges(lists[id], handed[id])
		handed[id] = true
	}
	return out, nil
}

// copyEdges returns list, deep-copied when shared with an earlier entry
// (a duplicated id), never nil.
func copyEdges(list []kg.Edge, dup bool) []kg.Edge {
	out := make([]kg.Edge, len(list))
	copy(out, list)
	if dup {
		for i := range out {
			out[i].Properties, _ = kg.CopyJSON(out[i].Properties, "")
			out[i].ChunkIDs = slices.Clone(out[i].ChunkIDs)
		}
	}
	return out
}

// Filter translates f into a Data API filter on the nodes collection. exact
// reports whether the translation selects exactly the nodes f.Match keeps;
// otherwise it selects a superset, and the caller re-checks with Match.
//
//   - Types: {"type": {"$in": [...]}} (up to 100 types);
//   - a property equal to a string, bool or finite number:
//     {"properties.key": value}; the Data API's equality on an array field
//     matches an element, as Filter.Match does. A key with dots may name a
//     literal key or a nested path (Match tries the literal key first, then
//     splits at the first dot, recursively): the alternatives go in an $or
//     with "&." escaping the dots that are part of a key;
//   - objects, arrays and nil stay on the client (the Data API's object
//     and array equality differ from kg.Equal's).
func Filter(f *kg.Filter) (filter astra.Filter, exact bool) {
	exact = true
	var conds []astra.Filter
	if f == nil {
		return nil, true
	}
	if n := len(f.Types); n > 0 {
		if n <= batchSize {
			conds = append(conds, astra.Filter{"type": astra.Document{"$in": anys(f.Types)}})
		} else {
			exact = false
		}
	}
	keys := make([]string, 0, len(f.Properties))
	for k := range f.Properties {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v, ok := scalar(f.Properties[k])
		if !ok || k == "" || strings.Count(k, ".") > 8 {
			exact = false
			continue
		}
		paths := propertyPaths(k)
		if len(paths) == 1 {
			conds = append(conds, astra.Filter{paths[0]: v})
			continue
		}
		alts := make([]any, len(paths))
		for i, p := range paths {
			alts[i] = astra.Document{p: v}
		}
		conds = append(conds, astra.Filter{"$or": alts})
	}
	switch len(conds) {
	case 0:
		return nil, exact
	case 1:
		return conds[0], exact
	}
	all := make([]any, len(conds))
	for i, c := range conds {
		all[i] = c
	}
	return astra.Filter{"$and": all}, exact
}

// scalar returns v when the Data API compares it as kg.Equal does.
func scalar(v any) (any, bool) {
	switch x := v.(type) {
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return x, true
	case float32:
		if x == x && x-x == 0 {
			return float64(x), true
		}
	case float64:
		if x == x && x-x == 0 {
			return x, true
		}
	}
	return nil, false
}

func escape(seg string) string {
	return strings.NewReplacer("&", "&&", ".", "&.").Replace(seg)
}

// propertyPaths lists the Data API paths kg's lookup of key may resolve
// to: the first i dot-separated parts as nested keys and the rest as one
// literal key, for i = 0..dots.
func propertyPaths(key string) []string {
	segs := strings.Split(key, ".")
	out := make([]string, 0, len(segs))
	for i := range segs {
		parts := []string{"properties"}
		for _, s := range segs[:i] {
			parts = append(parts, escape(s))
		}
		parts = append(parts, escape(strings.Join(segs[i:], ".")))
		out = append(out, strings.Join(parts, "."))
	}
	return out
}

// VectorSearch implements kg.Store.
func (s *Store) VectorSearch(ctx context.Context, vector []float32, k int, filter *kg.Filter) ([]kg.Hit, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if k < 0 {
		return nil, fmt.Errorf("%w: k = %d is negative", kg.ErrInvalid, k)
	}
	s.cmu.RLock()
	defer s.cmu.RUnlock()
	if s.dim != 0 && len(vector) != s.dim {
		return nil, fmt.Errorf("%w: query has %d dimensions, the store %d", kg.ErrDimension, len(vector), s.dim)
	}
	if k == 0 || !s.vector {
		return []kg.Hit{}, nil
	}
	if err := s.checkVector(vector, "query"); err != nil {
		return nil, err
	}
	f, exact := Filter(filter)
	base := astra.Filter{"has_embedding": true}
	if f != nil {
		base = astra.Filter{"$and": []any{base, f}}
	}
	limit := min(k, astra.MaxVectorSearchLimit)
	if !exact {
		limit = astra.MaxVectorSearchLimit
	}
	docs, err := s.handle(nodesColl).VectorSearch(ctx, vector, limit, base, astra.Projection{"*": 1})
	if err != nil {
		if unknownCollection(err) {
			return []kg.Hit{}, nil
		}
		return nil, fmt.Errorf("astrastore: vector search: %w", err)
	}
	hits := make([]kg.Hit, 0, min(k, len(docs)))
	for _, d := range docs {
		n := decodeNode(d.Document)
		if n.Embedding == nil || !filter.Match(&n) {
			continue
		}
		score := d.Similarity
		if s.cfg.metric != astra.MetricEuclidean {
			score = 2*score - 1 // (1+cos)/2 → cos
		}
		hits = append(hits, kg.Hit{Node: n, Score: float32(score)})
		if len(hits) == k {
			break
		}
	}
	return hits, nil
}
