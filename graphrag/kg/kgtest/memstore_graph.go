package kgtest

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// Neighbors implements kg.Store by scanning every edge; edges with the
// same type and other node are ordered by edge ID, and a self-loop is
// listed once.
func (s *MemStore) Neighbors(ctx context.Context, ids []string, opts kg.NeighborOptions) ([][]kg.Edge, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if opts.Direction < kg.Outgoing || opts.Direction > kg.Both {
		return nil, fmt.Errorf("%w: direction %d", kg.ErrInvalid, opts.Direction)
	}
	if opts.Limit < 0 {
		return nil, fmt.Errorf("%w: limit %d is negative", kg.ErrInvalid, opts.Limit)
	}
	out := make([][]kg.Edge, len(ids))
	for i, id := range ids {
		list := []kg.Edge{}
		for _, e := range s.edges {
			if len(opts.EdgeTypes) > 0 && !slices.Contains(opts.EdgeTypes, e.Type) {
				continue
			}
			out := e.From == id && opts.Direction != kg.Incoming
			in := e.To == id && opts.Direction != kg.Outgoing
			if out || in {
				list = append(list, copyEdge(e))
			}
		}
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
		out[i] = list
	}
	return out, nil
}

// DeleteDocument implements kg.Store. A node or edge is removed when all
// its chunk IDs belong to the document, and kept without them when some do
// not; records with none of the document's chunks are untouched.
func (s *MemStore) DeleteDocument(ctx context.Context, id string) (kg.DeleteStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st kg.DeleteStats
	if err := s.check(ctx); err != nil {
		return st, err
	}
	gone := map[string]bool{}
	for cid, c := range s.chunks {
		if c.DocumentID == id {
			gone[cid] = true
		}
	}
	rest := func(ids []string) (left []string, touched bool) {
		for _, c := range ids {
			if gone[c] {
				touched = true
			} else {
				left = append(left, c)
			}
		}
		return left, touched
	}
	for nid, n := range s.nodes {
		left, touched := rest(n.ChunkIDs)
		switch {
		case !touched:
		case len(left) == 0:
			delete(s.nodes, nid)
			st.Nodes++
		default:
			n.ChunkIDs = left
			s.nodes[nid] = n
			st.NodesKept++
		}
	}
	for eid, e := range s.edges {
		left, touched := rest(e.ChunkIDs)
		switch {
		case !touched:
		case len(left) == 0:
			delete(s.edges, eid)
			st.Edges++
		default:
			e.ChunkIDs = left
			s.edges[eid] = e
			st.EdgesKept++
		}
	}
	for cid := range gone {
		delete(s.chunks, cid)
	}
	st.Chunks = len(gone)
	delete(s.docs, id)
	return st, nil
}

// Stats implements kg.Store.
func (s *MemStore) Stats(ctx context.Context) (kg.Stats, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx); err != nil {
		return kg.Stats{}, err
	}
	st := kg.Stats{Documents: len(s.docs), Chunks: len(s.chunks), Nodes: len(s.nodes), Edges: len(s.edges), Dimension: s.dim}
	for _, n := range s.nodes {
		if n.Embedding != nil {
			st.Embedded++
		}
	}
	return st, nil
}

// Close implements kg.Store; later calls return kg.ErrClosed, and Close
// itself may be called again.
func (s *MemStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
