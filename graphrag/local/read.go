package local

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// Nodes returns the nodes with the given IDs, in input order; an entry is
// nil when the ID is not stored.
func (s *Store) Nodes(ctx context.Context, ids []string) ([]*kg.Node, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	out := make([]*kg.Node, len(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
		recs, idb := tx.Bucket(bNodes), tx.Bucket(bNodeIDs)
		for i, id := range ids {
			if err := ctxEvery(ctx, i); err != nil {
				return err
			}
			key, ok := lookupKey(idb, id)
			if !ok {
				continue
			}
			raw := recs.Get(u64(key))
			if raw == nil {
				continue
			}
			n, err := decodeNode(raw)
			if err != nil {
				return fmt.Errorf("local: node %q: %w", id, err)
			}
			out[i] = n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Chunks returns the chunks with the given IDs, in input order; an entry
// is nil when the ID is not stored.
func (s *Store) Chunks(ctx context.Context, ids []string) ([]*kg.Chunk, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	out := make([]*kg.Chunk, len(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
		recs, idb := tx.Bucket(bChunks), tx.Bucket(bChunkIDs)
		for i, id := range ids {
			if err := ctxEvery(ctx, i); err != nil {
				return err
			}
			key, ok := lookupKey(idb, id)
			if !ok {
				continue
			}
			raw := recs.Get(u64(key))
			if raw == nil {
				continue
			}
			c, err := decodeChunk(raw)
			if err != nil {
				return fmt.Errorf("local: chunk %q: %w", id, err)
			}
			out[i] = c
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Documents returns the documents with the given IDs, in input order; an
// entry is nil when the ID is not stored. It is not part of kg.Store; the
// ingest pipeline uses it to skip documents whose ContentHash is unchanged.
func (s *Store) Documents(ctx context.Context, ids []string) ([]*kg.Document, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	out := make([]*kg.Document, len(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
		recs, idb := tx.Bucket(bDocs), tx.Bucket(bDocIDs)
		for i, id := range ids {
			if err := ctxEvery(ctx, i); err != nil {
				return err
			}
			key, ok := lookupKey(idb, id)
			if !ok {
				continue
			}
			raw := recs.Get(u64(key))
			if raw == nil {
				continue
			}
			d, err := decodeDocument(raw)
			if err != nil {
				return fmt.Errorf("local: document %q: %w", id, err)
			}
			out[i] = d
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// adjEntry is one adjacency key, decoded.
type adjEntry struct {
	typ, other string
	edge       uint64
}

func compareAdj(a, b adjEntry) int {
	if c := cmp.Compare(a.typ, b.typ); c != 0 {
		return c
	}
	if c := cmp.Compare(a.other, b.other); c != 0 {
		return c
	}
	return cmp.Compare(a.edge, b.edge)
}

// Neighbors returns, for each given node ID, its edges matching opts,
// ordered by edge type, then the other node's ID, then edge ID, at
// most opts.Limit per node (0: all). An edge that is a self-loop appears
// once with Both.
func (s *Store) Neighbors(ctx context.Context, ids []string, opts kg.NeighborOptions) ([][]kg.Edge, error) {
	if opts.Limit < 0 {
		return nil, invalid(fmt.Errorf("neighbors: limit %d is negative", opts.Limit))
	}
	if opts.Direction < kg.Outgoing || opts.Direction > kg.Both {
		return nil, invalid(fmt.Errorf("neighbors: unknown direction %d", opts.Direction))
	}
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	types := slices.Clone(opts.EdgeTypes)
	slices.Sort(types)
	types = slices.Compact(types)
	out := make([][]kg.Edge, len(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
		idb, recs := tx.Bucket(bNodeIDs), tx.Bucket(bEdges)
		for i, id := range ids {
			if err := ctxEvery(ctx, i); err != nil {
				return err
			}
			out[i] = []kg.Edge{}
			key, ok := lookupKey(idb, id)
			if !ok {
				continue
			}
			var entries []adjEntry
			switch opts.Direction {
			case kg.Outgoing:
				entries = scanAdj(tx.Bucket(bOut), key, types, opts.Limit)
			case kg.Incoming:
				entries = scanAdj(tx.Bucket(bIn), key, types, opts.Limit)
			case kg.Both:
				entries = mergeAdj(scanAdj(tx.Bucket(bOut), key, types, opts.Limit),
					scanAdj(tx.Bucket(bIn), key, types, opts.Limit), opts.Limit)
			}
			for _, a := range entries {
				raw := recs.Get(u64(a.edge))
				if raw == nil {
					return fmt.Errorf("local: node %q: %w: adjacency names missing edge key %d", id, errCorrupt, a.edge)
				}
				e, err := decodeEdge(raw)
				if err != nil {
					return fmt.Errorf("local: node %q: edge key %d: %w", id, a.edge, err)
				}
				out[i] = append(out[i], *e)
			}
			out[i] = orderEdges(out[i], entries, opts.Limit)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanAdj collects a node's adjacency entries of the given types (all when
// none) in key order, which is (type, other ID, edge key) order; at most
// limit (0: all).
func scanAdj(bk *bolt.Bucket, node uint64, types []string, limit int) []adjEntry {
	var out []adjEntry
	scan := func(prefix []byte) bool {
		c := bk.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			typ, other, edge, ok := parseAdjKey(k)
			if !ok {
				continue
			}
			// Past the limit, keep the entries tied with the last one kept:
			// ties are ordered by edge ID once the edges are read.
			if limit > 0 && len(out) >= limit && (out[len(out)-1].typ != typ || out[len(out)-1].other != other) {
				return false
			}
			out = append(out, adjEntry{typ: typ, other: other, edge: edge})
		}
		return true
	}
	base := u64(node)
	if len(types) == 0 {
		scan(base)
		return out
	}
	for _, t := range types {
		p := append(append(slices.Clone(base), t...), 0)
		if !scan(p) {
			break
		}
	}
	return out
}

// mergeAdj merges two sorted lists, dropping the second copy of an edge
// (a self-loop is in both), keeping at most limit (0: all).
func mergeAdj(a, b []adjEntry, limit int) []adjEntry {
	out := make([]adjEntry, 0, len(a)+len(b))
	out = append(append(out, a...), b...)
	slices.SortStableFunc(out, compareAdj)
	out = slices.CompactFunc(out, func(x, y adjEntry) bool { return x.edge == y.edge })
	if limit > 0 && len(out) > limit {
		// Keep the entries tied with the last one kept (see scanAdj).
		n := limit
		for n < len(out) && out[n].typ == out[limit-1].typ && out[n].other == out[limit-1].other {
			n++
		}
		out = out[:n]
	}
	return out
}

// orderEdges orders edges (read for entries, in entry order) by type,
// other node ID, then edge ID, and keeps at most limit (0: all).
func orderEdges(edges []kg.Edge, entries []adjEntry, limit int) []kg.Edge {
	idx := make([]int, len(edges))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ea, eb := entries[a], entries[b]
		if c := cmp.Compare(ea.typ, eb.typ); c != 0 {
			return c
		}
		if c := cmp.Compare(ea.other, eb.other); c != 0 {
			return c
		}
		return cmp.Compare(edges[a].ID, edges[b].ID)
	})
	out := make([]kg.Edge, 0, len(edges))
	for _, i := range idx {
		out = append(out, edges[i])
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// VectorSearch returns the k embedded nodes most similar (cosine) to
// vector among those matching filter (nil: all), most similar first (ties:
// by node ID). The filter runs on the in-memory metadata; only
// the hits are read from disk. A vector whose length is not the store's
// dimension fails with kg.ErrDimension; an empty store returns no hits.
func (s *Store) VectorSearch(ctx context.Context, vector []float32, k int, filter *kg.Filter) ([]kg.Hit, error) {
	if k < 0 {
		return nil, invalid(fmt.Errorf("vector search: k %d is negative", k))
	}
	if len(vector) == 0 {
		return nil, invalid(fmt.Errorf("vector search: vector is empty"))
	}
	if err := finite(vector); err != nil {
		return nil, invalid(fmt.Errorf("vector search: vector %w", err))
	}
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	if dim := s.idx.dimension(); dim != 0 && dim != len(vector) {
		return nil, fmt.Errorf("%w: vector has %d dimensions, the store %d", kg.ErrDimension, len(vector), dim)
	}
	if k == 0 {
		return []kg.Hit{}, nil
	}
	hits, err := s.idx.search(vector, k, filter)
	if err != nil {
		return nil, fmt.Errorf("local: vector search: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]kg.Hit, 0, len(hits))
	err = s.db.View(func(tx *bolt.Tx) error {
		recs := tx.Bucket(bNodes)
		for _, h := range hits {
			raw := recs.Get(u64(h.ID))
			if raw == nil {
				continue // deleted since the search
			}
			n, err := decodeNode(raw)
			if err != nil {
				return fmt.Errorf("local: node key %d: %w", h.ID, err)
			}
			if !filter.Match(n) {
				continue // changed since the search
			}
			out = append(out, kg.Hit{Node: *n, Score: h.Score})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
