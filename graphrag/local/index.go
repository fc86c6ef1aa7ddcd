package local

import (
	"cmp"
	"slices"
	"sync"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/local/vecindex"
)

// vectorIndex is what the store needs from a vector index (implemented by
// the vecindex package's indexes).
type vectorIndex interface {
	Add(id uint64, vec []float32) error
	Delete(id uint64) bool
	Search(query []float32, k int, accept func(id uint64) bool) ([]vecindex.Hit, error)
	Len() int
	KeysDigest() uint64
}

// memIndex is the in-memory side of the store: the vector index of the
// embedded nodes and, for filtering, their ID, type and properties.
type memIndex struct {
	mu   sync.RWMutex
	hnsw bool        // the index is (or will be) a vecindex.HNSW
	dim  int         // 0 until the first embedding
	vec  vectorIndex // nil while dim is 0
	meta map[uint64]*kg.Node
}

func newMemIndex(dim int, hnsw bool) (*memIndex, error) {
	m := &memIndex{meta: map[uint64]*kg.Node{}, hnsw: hnsw}
	return m, m.setDim(dim)
}

func (m *memIndex) setDim(dim int) error {
	if dim == 0 || m.vec != nil {
		return nil
	}
	var v vectorIndex
	var err error
	if m.hnsw {
		v, err = vecindex.NewHNSW(dim, vecindex.HNSWConfig{})
	} else {
		v, err = vecindex.NewExact(dim)
	}
	if err != nil {
		return err
	}
	m.dim, m.vec = dim, v
	return nil
}

// put indexes an embedded node (caller holds mu or owns m).
func (m *memIndex) put(key uint64, n *kg.Node) error {
	if err := m.setDim(len(n.Embedding)); err != nil {
		return err
	}
	if err := m.vec.Add(key, n.Embedding); err != nil {
		return err
	}
	m.meta[key] = &kg.Node{ID: n.ID, Type: n.Type, Properties: n.Properties}
	return nil
}

// remove drops key (caller holds mu).
func (m *memIndex) remove(key uint64) {
	if m.vec != nil {
		m.vec.Delete(key)
	}
	delete(m.meta, key)
}

// indexChange is one committed change: node set (embedded) or key removed.
type indexChange struct {
	key  uint64
	node *kg.Node // nil: remove
}

// apply applies committed changes in order.
func (m *memIndex) apply(changes []indexChange) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var first error
	for _, c := range changes {
		if c.node == nil || len(c.node.Embedding) == 0 {
			m.remove(c.key)
			continue
		}
		if err := m.put(c.key, c.node); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// size returns the number of embedded nodes and the dimension.
func (m *memIndex) size() (n, dim int) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.meta), m.dim
}

// Len is the number of vectors in the index.
func (m *memIndex) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.vec == nil {
		return 0
	}
	return m.vec.Len()
}

// dimension returns the store's embedding dimension (0: none yet).
func (m *memIndex) dimension() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.dim
}

// search runs a filtered top-k search and returns the hits with the
// matching nodes' IDs.
func (m *memIndex) search(q []float32, k int, f *kg.Filter) ([]vecindex.Hit, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.vec == nil {
		return nil, nil
	}
	var accept func(uint64) bool
	if f != nil && (len(f.Types) > 0 || len(f.Properties) > 0) {
		accept = func(key uint64) bool {
			n := m.meta[key]
			return n != nil && f.Match(n)
		}
	}
	// The index breaks score ties by key; the Store contract breaks them by
	// node ID, so widen the search until the k-th score's ties are all in.
	want := k
	hits, err := m.vec.Search(q, want, accept)
	for err == nil && len(hits) == want && want < m.vec.Len() && hits[want-1].Score == hits[k-1].Score {
		want *= 2
		hits, err = m.vec.Search(q, want, accept)
	}
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(hits, func(a, b vecindex.Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(m.id(a.ID), m.id(b.ID))
	})
	if len(hits) > k {
		hits = hits[:k]
	}
	return hits, nil
}

func (m *memIndex) id(key uint64) string {
	if n := m.meta[key]; n != nil {
		return n.ID
	}
	return ""
}
