package local

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// Nodes returns the nodes with the given IDs, in input order; an entry is
// nil when the ID is not stored. IDs resolve to keys in memory (keyMap) and
// the records are read in key order, so the pages are visited in file
// order within one read transaction.
func (s *Store) Nodes(ctx context.Context, ids []string) ([]*kg.Node, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	out := make([]*kg.Node, len(ids))
	keys := make([]uint64, len(ids))
	s.keys.lookup(ids, keys)
	order := make([]int, 0, len(ids))
	for i, k := range keys {
		if k != 0 {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(keys[a], keys[b]) })
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bNodes).Cursor()
		var kb [8]byte
		for n, i := range order {
			if err := ctxEvery(ctx, n); err != nil {
				return err
			}
			if n > 0 && keys[i] == keys[order[n-1]] {
				out[i] = cloneNode(out[order[n-1]]) // a repeated ID
				continue
			}
			binary.BigEndian.PutUint64(kb[:], keys[i])
			k, raw := c.Seek(kb[:])
			if k == nil || !bytes.Equal(k, kb[:]) {
				continue // a key without a record: an ID only named by edges
			}
			node, err := decodeNode(raw)
			if err != nil {
				return fmt.Errorf("local: node %q: %w", ids[i], err)
			}
			out[i] = node
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// cloneNode copies n so that repeated IDs in one call share no memory.
func cloneNode(n *kg.Node) *kg.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Properties = cloneValue(n.Properties).(map[string]any)
	c.Embedding = slices.Clone(n.Embedding)
	c.ChunkIDs = slices.Clone(n.ChunkIDs)
	return &c
}

// cloneValue deep-copies a decoded JSON value.
func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return x
		}
		m := make(map[string]any, len(x))
		for k, y := range x {
			m[k] = cloneValue(y)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, y := range x {
			a[i] = cloneValue(y)
		}
		return a
	}
	return v
}

// Chunks returns the chunks with the given IDs, in input order; an entry
// is nil when the ID is not stored.
func (s *Store) Chunks(ctx context.Context, ids []string) ([]*kg.Chunk, error) {
	return readByIDs(ctx, s, ids, bChunks, bChunkIDs, "chunk", decodeChunk)
}

// Documents returns the documents with the given IDs, in input order; an
// entry is nil when the ID is not stored. It is not part of kg.Store; the
// ingest pipeline uses it to skip documents whose ContentHash is unchanged.
func (s *Store) Documents(ctx context.Context, ids []string) ([]*kg.Document, error) {
	return readByIDs(ctx, s, ids, bDocs, bDocIDs, "document", decodeDocument)
}

// readByIDs reads the records with the given user IDs from one record
// bucket through its ID bucket, in input order, nil where missing.
func readByIDs[T any](ctx context.Context, s *Store, ids []string, recBucket, idBucket []byte, what string, decode func([]byte) (*T, error)) ([]*T, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	out := make([]*T, len(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
		recs, idb := tx.Bucket(recBucket), tx.Bucket(idBucket)
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
			v, err := decode(raw)
			if err != nil {
				return fmt.Errorf("local: %s %q: %w", what, id, err)
			}
			out[i] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// adjEntry is one adjacency entry, decoded; rec is the edge record (the
// entry's value), valid only within the read transaction.
type adjEntry struct {
	typ, other string
	edge       uint64
	rec        []byte
	in         bool // from the in bucket
}

func compareAdj(a, b adjEntry) int {
	if c := compareTypeOther(a, b); c != 0 {
		return c
	}
	return cmp.Compare(a.edge, b.edge)
}

func compareTypeOther(a, b adjEntry) int {
	if c := cmp.Compare(a.typ, b.typ); c != 0 {
		return c
	}
	return cmp.Compare(a.other, b.other)
}

// Neighbors returns, for each given node ID, its edges matching opts,
// ordered by edge type, then the other node's ID, then edge ID, at
// most opts.Limit per node (0: all). An edge that is a self-loop appears
// once with Both. The edges are decoded from the adjacency entries' values:
// one prefix scan per node and direction, no edge record lookups.
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
	types := opts.EdgeTypes
	if len(types) > 1 {
		types = slices.Clone(types)
		slices.Sort(types)
		types = slices.Compact(types)
	}
	out := make([][]kg.Edge, len(ids))
	keys := make([]uint64, len(ids))
	s.keys.lookup(ids, keys)
	err := s.db.View(func(tx *bolt.Tx) error {
		var entries []adjEntry
		for i, id := range ids {
			if err := ctxEvery(ctx, i); err != nil {
				return err
			}
			out[i] = []kg.Edge{}
			key := keys[i]
			if key == 0 {
				continue
			}
			entries = entries[:0]
			switch opts.Direction {
			case kg.Outgoing:
				entries = scanAdj(entries, tx.Bucket(bOut), false, key, types, opts.Limit)
			case kg.Incoming:
				entries = scanAdj(entries, tx.Bucket(bIn), true, key, types, opts.Limit)
			case kg.Both:
				entries = scanAdj(entries, tx.Bucket(bOut), false, key, types, opts.Limit)
				n := len(entries)
				entries = scanAdj(entries, tx.Bucket(bIn), true, key, types, opts.Limit)
				entries = mergeAdj(entries, n, opts.Limit)
			}
			edges := make([]kg.Edge, len(entries))
			for j, a := range entries {
				from, to := id, a.other // an out entry; an in entry swaps them
				if a.in {
					from, to = a.other, id
				}
				if err := decodeEdgeKnown(&edges[j], a.rec, from, to, a.typ); err != nil {
					return fmt.Errorf("local: node %q: edge key %d: %w", id, a.edge, err)
				}
			}
			out[i] = orderEdges(edges, entries, opts.Limit)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanAdj appends to out a node's adjacency entries of the given types
// (all when none) in key order, which is (type, other ID, edge key) order;
// at most limit (0: all) are appended.
func scanAdj(out []adjEntry, bk *bolt.Bucket, in bool, node uint64, types []string, limit int) []adjEntry {
	base := len(out)
	c := bk.Cursor()
	scan := func(prefix []byte) bool {
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			typ, other, edge, ok := parseAdjKey(k)
			if !ok {
				continue
			}
			if n := len(out); n > 0 && out[n-1].typ == typ {
				typ = out[n-1].typ // share one string per type
			}
			// Past the limit, keep the entries tied with the last one kept:
			// ties are ordered by edge ID once the edges are read.
			if limit > 0 && len(out)-base >= limit && (out[len(out)-1].typ != typ || out[len(out)-1].other != other) {
				return false
			}
			out = append(out, adjEntry{typ: typ, other: other, edge: edge, rec: v, in: in})
		}
		return true
	}
	var prefix [8]byte
	binary.BigEndian.PutUint64(prefix[:], node)
	if len(types) == 0 {
		scan(prefix[:])
		return out
	}
	p := make([]byte, 0, 8+32)
	for _, t := range types {
		p = append(append(append(p[:0], prefix[:]...), t...), 0)
		if !scan(p) {
			break
		}
	}
	return out
}

// mergeAdj sorts all[:n] and all[n:], both sorted, into one list, dropping
// the second copy of an edge (a self-loop is in both), keeping at most
// limit (0: all).
func mergeAdj(all []adjEntry, n, limit int) []adjEntry {
	if n == 0 || n == len(all) {
		// One side only: already sorted, and no self-loop can repeat.
	} else {
		slices.SortStableFunc(all, compareAdj)
		all = slices.CompactFunc(all, func(x, y adjEntry) bool { return x.edge == y.edge })
	}
	if limit > 0 && len(all) > limit {
		// Keep the entries tied with the last one kept (see scanAdj).
		n := limit
		for n < len(all) && all[n].typ == all[limit-1].typ && all[n].other == all[limit-1].other {
			n++
		}
		all = all[:n]
	}
	return all
}

// orderEdges orders edges (decoded from entries, in entry order) by type,
// other node ID, then edge ID, and keeps at most limit (0: all). Entries
// are in (type, other ID, edge key) order, so only runs with the same type
// and other ID (parallel edges) may need reordering.
func orderEdges(edges []kg.Edge, entries []adjEntry, limit int) []kg.Edge {
	if !slices.IsSortedFunc(entries, compareTypeOther) {
		// Only when another node's ID holds a 0x00 byte can the key order
		// differ from (type, other ID) order: sort fully.
		idx := make([]int, len(edges))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int {
			if c := compareTypeOther(entries[a], entries[b]); c != 0 {
				return c
			}
			return cmp.Compare(edges[a].ID, edges[b].ID)
		})
		sorted := make([]kg.Edge, len(edges))
		for i, j := range idx {
			sorted[i] = edges[j]
		}
		edges = sorted
		if limit > 0 && len(edges) > limit {
			edges = edges[:limit:limit]
		}
		return edges
	}
	for i := 0; i < len(entries); {
		j := i + 1
		for j < len(entries) && entries[j].typ == entries[i].typ && entries[j].other == entries[i].other {
			j++
		}
		if j-i > 1 {
			slices.SortStableFunc(edges[i:j], func(a, b kg.Edge) int { return cmp.Compare(a.ID, b.ID) })
		}
		i = j
	}
	if limit > 0 && len(edges) > limit {
		edges = edges[:limit:limit]
	}
	return edges
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
