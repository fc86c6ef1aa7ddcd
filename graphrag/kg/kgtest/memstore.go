package kgtest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// MemStore is an in-memory kg.Store: maps under one lock, exact vector
// search by scanning every node. It is the reference the conformance suite
// tests itself against, and a fake for tests. Properties are stored as
// their JSON round trip (numbers become float64, slices []any, maps
// map[string]any), as a store that persists JSON would return them.
type MemStore struct {
	mu     sync.RWMutex
	closed bool
	dim    int
	docs   map[string]kg.Document
	chunks map[string]kg.Chunk
	nodes  map[string]kg.Node
	edges  map[string]kg.Edge
}

var _ kg.Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{
		docs:   map[string]kg.Document{},
		chunks: map[string]kg.Chunk{},
		nodes:  map[string]kg.Node{},
		edges:  map[string]kg.Edge{},
	}
}

// check reports a cancelled context or a closed store; callers hold mu.
func (s *MemStore) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed {
		return kg.ErrClosed
	}
	return nil
}

// UpsertDocuments implements kg.Store.
func (s *MemStore) UpsertDocuments(ctx context.Context, docs []kg.Document) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return err
	}
	out := make([]kg.Document, len(docs))
	for i, d := range docs {
		if d.ID == "" {
			return fmt.Errorf("%w: documents[%d]: id is empty", kg.ErrInvalid, i)
		}
		md, err := kg.CopyJSON(d.Metadata, fmt.Sprintf("document %q: properties", d.ID))
		if err != nil {
			return err
		}
		d.Metadata = md
		out[i] = d
	}
	for _, d := range out {
		s.docs[d.ID] = d
	}
	return nil
}

// UpsertChunks implements kg.Store; a chunk upserted again is replaced.
func (s *MemStore) UpsertChunks(ctx context.Context, chunks []kg.Chunk) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return err
	}
	out := make([]kg.Chunk, len(chunks))
	for i, c := range chunks {
		if err := c.Validate(); err != nil {
			return err
		}
		c.Embedding = cloneVec(c.Embedding)
		out[i] = c
	}
	for _, c := range out {
		s.chunks[c.ID] = c
	}
	return nil
}

func cloneVec(v []float32) []float32 {
	if len(v) == 0 {
		return nil
	}
	return slices.Clone(v)
}

// UpsertNodes implements kg.Store.
func (s *MemStore) UpsertNodes(ctx context.Context, nodes []kg.Node) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return err
	}
	dim := s.dim
	staged := map[string]kg.Node{}
	for _, n := range nodes {
		if err := n.Validate(); err != nil {
			return err
		}
		props, err := kg.CopyJSON(n.Properties, fmt.Sprintf("node %q: properties", n.ID))
		if err != nil {
			return err
		}
		n.Properties = props
		n.Embedding = cloneVec(n.Embedding)
		n.ChunkIDs = slices.Clone(n.ChunkIDs)
		if n.Embedding != nil {
			if dim == 0 {
				dim = len(n.Embedding)
			} else if len(n.Embedding) != dim {
				return fmt.Errorf("%w: node %q: embedding has %d dimensions, the store %d", kg.ErrDimension, n.ID, len(n.Embedding), dim)
			}
		}
		var old *kg.Node
		if o, ok := staged[n.ID]; ok {
			old = &o
		} else if o, ok := s.nodes[n.ID]; ok {
			old = &o
		}
		staged[n.ID] = kg.MergeNode(old, n)
	}
	for id, n := range staged {
		s.nodes[id] = n
	}
	s.dim = dim
	return nil
}

// UpsertEdges implements kg.Store.
func (s *MemStore) UpsertEdges(ctx context.Context, edges []kg.Edge) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return err
	}
	staged := map[string]kg.Edge{}
	for _, e := range edges {
		if err := e.Validate(); err != nil {
			return err
		}
		props, err := kg.CopyJSON(e.Properties, fmt.Sprintf("edge %q: properties", e.ID))
		if err != nil {
			return err
		}
		e.Properties = props
		e.ChunkIDs = slices.Clone(e.ChunkIDs)
		var old *kg.Edge
		if o, ok := staged[e.ID]; ok {
			old = &o
		} else if o, ok := s.edges[e.ID]; ok {
			old = &o
		}
		staged[e.ID] = kg.MergeEdge(old, e)
	}
	for id, e := range staged {
		s.edges[id] = e
	}
	return nil
}

// copyNode returns n with nothing shared with the store.
func copyNode(n kg.Node) kg.Node {
	n.Properties, _ = kg.CopyJSON(n.Properties, "")
	n.Embedding = cloneVec(n.Embedding)
	n.ChunkIDs = slices.Clone(n.ChunkIDs)
	return n
}

func copyEdge(e kg.Edge) kg.Edge {
	e.Properties, _ = kg.CopyJSON(e.Properties, "")
	e.ChunkIDs = slices.Clone(e.ChunkIDs)
	return e
}

// Cosine returns the cosine similarity of a and b computed in float64, or
// 0 when either has zero length. a and b must have the same length.
func Cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / (math.Sqrt(na) * math.Sqrt(nb))
}

// VectorSearch implements kg.Store by scoring every embedded node; ties
// are broken by node ID.
func (s *MemStore) VectorSearch(ctx context.Context, vector []float32, k int, filter *kg.Filter) ([]kg.Hit, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if k < 0 {
		return nil, fmt.Errorf("%w: k = %d is negative", kg.ErrInvalid, k)
	}
	if s.dim != 0 && len(vector) != s.dim {
		return nil, fmt.Errorf("%w: query has %d dimensions, the store %d", kg.ErrDimension, len(vector), s.dim)
	}
	if k == 0 || s.dim == 0 {
		return []kg.Hit{}, nil
	}
	type scored struct {
		id    string
		score float64
	}
	var all []scored
	for id, n := range s.nodes {
		if n.Embedding == nil || !filter.Match(&n) {
			continue
		}
		all = append(all, scored{id, Cosine(vector, n.Embedding)})
	}
	slices.SortFunc(all, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	hits := make([]kg.Hit, 0, min(k, len(all)))
	for _, sc := range all[:min(k, len(all))] {
		hits = append(hits, kg.Hit{Node: copyNode(s.nodes[sc.id]), Score: float32(sc.score)})
	}
	return hits, nil
}

// Nodes implements kg.Store.
func (s *MemStore) Nodes(ctx context.Context, ids []string) ([]*kg.Node, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	out := make([]*kg.Node, len(ids))
	for i, id := range ids {
		if n, ok := s.nodes[id]; ok {
			c := copyNode(n)
			out[i] = &c
		}
	}
	return out, nil
}

// Chunks implements kg.Store.
func (s *MemStore) Chunks(ctx context.Context, ids []string) ([]*kg.Chunk, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	out := make([]*kg.Chunk, len(ids))
	for i, id := range ids {
		if c, ok := s.chunks[id]; ok {
			c.Embedding = cloneVec(c.Embedding)
			out[i] = &c
		}
	}
	return out, nil
}
