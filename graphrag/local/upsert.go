package local

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

const (
	kindNode = 'n'
	kindEdge = 'e'
)

// write runs fn in one read-write transaction as the only writer; after a
// successful commit it applies the index changes and count deltas fn
// collected.
func (s *Store) write(ctx context.Context, fn func(tx *bolt.Tx, w *writeState) error) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	w := &writeState{dim: s.idx.dimension()}
	if err := s.db.Update(func(tx *bolt.Tx) error { return fn(tx, w) }); err != nil {
		return err
	}
	s.addCounts(w.counts)
	s.keys.apply(w.keys)
	if err := s.idx.apply(w.changes); err != nil {
		// Cannot happen for validated input; the records are committed and
		// the next Open rebuilds the index from them.
		s.cfg.logger.Error("local: vector index update failed", "err", err)
		return fmt.Errorf("local: index update after commit: %w", err)
	}
	return nil
}

// writeState collects what a write transaction changes in memory.
type writeState struct {
	dim     int
	changes []indexChange
	counts  kg.Stats
	keys    []keyChange // node_ids changes, applied to Store.keys
}

// nodeKey is ensureKey on node_ids, recording an allocation.
func (w *writeState) nodeKey(ids, records *bolt.Bucket, id string) (uint64, error) {
	key, created, err := ensureKey(ids, records, id)
	if created {
		w.keys = append(w.keys, keyChange{id: id, key: key})
	}
	return key, err
}

// UpsertDocuments records source documents, replacing stored ones with the
// same ID.
func (s *Store) UpsertDocuments(ctx context.Context, docs []kg.Document) error {
	for i := range docs {
		if docs[i].ID == "" {
			return invalid(fmt.Errorf("documents[%d]: id is empty", i))
		}
	}
	if len(docs) == 0 {
		return s.begin0(ctx)
	}
	return s.write(ctx, func(tx *bolt.Tx, w *writeState) error {
		recs, ids := tx.Bucket(bDocs), tx.Bucket(bDocIDs)
		for i := range docs {
			if err := ctxEvery(ctx, i); err != nil {
				return err
			}
			d := &docs[i]
			v, err := encodeDocument(d)
			if err != nil {
				return invalid(fmt.Errorf("document %q: metadata: %w", d.ID, err))
			}
			key, _, err := ensureKey(ids, recs, d.ID)
			if err != nil {
				return err
			}
			k := u64(key)
			if recs.Get(k) == nil {
				w.counts.Documents++
			}
			if err := recs.Put(k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// begin0 is the check a call with an empty batch makes.
func (s *Store) begin0(ctx context.Context) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	s.end()
	return nil
}

// UpsertChunks records chunks, replacing stored ones with the same ID; a
// chunk's document need not exist yet.
func (s *Store) UpsertChunks(ctx context.Context, chunks []kg.Chunk) error {
	for i := range chunks {
		if err := chunks[i].Validate(); err != nil {
			return invalid(fmt.Errorf("chunks[%d]: %w", i, err))
		}
		if err := finite(chunks[i].Embedding); err != nil {
			return invalid(fmt.Errorf("chunks[%d] %q: embedding %w", i, chunks[i].ID, err))
		}
	}
	if len(chunks) == 0 {
		return s.begin0(ctx)
	}
	return s.write(ctx, func(tx *bolt.Tx, w *writeState) error {
		recs, ids, byDoc := tx.Bucket(bChunks), tx.Bucket(bChunkIDs), tx.Bucket(bDocChunks)
		for i := range chunks {
			if err := ctxEvery(ctx, i); err != nil {
				return err
			}
			c := &chunks[i]
			key, _, err := ensureKey(ids, recs, c.ID)
			if err != nil {
				return err
			}
			k := u64(key)
			if old := recs.Get(k); old == nil {
				w.counts.Chunks++
			} else if oc, err := decodeChunk(old); err != nil {
				return fmt.Errorf("chunk %q: %w", c.ID, err)
			} else if oc.DocumentID != c.DocumentID {
				if err := byDoc.Delete(append(lenPrefixed(oc.DocumentID, 8), k...)); err != nil {
					return err
				}
			}
			if err := byDoc.Put(append(lenPrefixed(c.DocumentID, 8), k...), nil); err != nil {
				return err
			}
			if err := recs.Put(k, encodeChunk(c)); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpsertNodes records nodes, merging with stored ones (kg.MergeNode). A
// node whose embedding length differs from the store's dimension fails the
// batch with kg.ErrDimension.
func (s *Store) UpsertNodes(ctx context.Context, nodes []kg.Node) error {
	for i := range nodes {
		if err := nodes[i].Validate(); err != nil {
			return invalid(fmt.Errorf("nodes[%d]: %w", i, err))
		}
		if err := finite(nodes[i].Embedding); err != nil {
			return invalid(fmt.Errorf("nodes[%d] %q: embedding %w", i, nodes[i].ID, err))
		}
	}
	if len(nodes) == 0 {
		return s.begin0(ctx)
	}
	return s.write(ctx, func(tx *bolt.Tx, w *writeState) error {
		recs, ids, sup := tx.Bucket(bNodes), tx.Bucket(bNodeIDs), tx.Bucket(bSupport)
		dim0 := w.dim
		for i := range nodes {
			if err := ctxEvery(ctx, i); err != nil {
				return err
			}
			key, err := w.nodeKey(ids, recs, nodes[i].ID)
			if err != nil {
				return err
			}
			k := u64(key)
			var old *kg.Node
			if raw := recs.Get(k); raw != nil {
				if old, err = decodeNode(raw); err != nil {
					return fmt.Errorf("node %q: %w", nodes[i].ID, err)
				}
			} else {
				w.counts.Nodes++
			}
			merged := kg.MergeNode(old, nodes[i])
			if d := len(merged.Embedding); d > 0 {
				if w.dim == 0 {
					w.dim = d
				} else if d != w.dim {
					return fmt.Errorf("%w: node %q: embedding has %d dimensions, the store %d", kg.ErrDimension, merged.ID, d, w.dim)
				}
			}
			if s.cfg.ontology != nil {
				if err := s.cfg.ontology.ValidateNode(&merged); err != nil {
					return fmt.Errorf("nodes[%d]: %w", i, err)
				}
			}
			v, err := encodeNode(&merged)
			if err != nil {
				return invalid(fmt.Errorf("node %q: properties: %w", merged.ID, err))
			}
			if err := recs.Put(k, v); err != nil {
				return err
			}
			if err := addSupport(sup, kindNode, key, oldChunks(old), merged.ChunkIDs); err != nil {
				return err
			}
			w.changes = append(w.changes, indexChange{key: key, node: &merged})
		}
		if w.dim != dim0 {
			return tx.Bucket(bMeta).Put(metaDim, binary.BigEndian.AppendUint32(nil, uint32(w.dim)))
		}
		return nil
	})
}

// UpsertEdges records edges, merging with stored ones (kg.MergeEdge).
// Edges may refer to nodes not stored yet.
func (s *Store) UpsertEdges(ctx context.Context, edges []kg.Edge) error {
	for i := range edges {
		if err := edges[i].Validate(); err != nil {
			return invalid(fmt.Errorf("edges[%d]: %w", i, err))
		}
		if strings.IndexByte(edges[i].Type, 0) >= 0 {
			return invalid(fmt.Errorf("edges[%d] %q: type holds a NUL byte", i, edges[i].ID))
		}
	}
	if len(edges) == 0 {
		return s.begin0(ctx)
	}
	return s.write(ctx, func(tx *bolt.Tx, w *writeState) error {
		b := edgeBuckets(tx, w)
		for i := range edges {
			if err := ctxEvery(ctx, i); err != nil {
				return err
			}
			key, _, err := ensureKey(b.ids, b.recs, edges[i].ID)
			if err != nil {
				return err
			}
			k := u64(key)
			var old *kg.Edge
			if raw := b.recs.Get(k); raw != nil {
				if old, err = decodeEdge(raw); err != nil {
					return fmt.Errorf("edge %q: %w", edges[i].ID, err)
				}
			} else {
				w.counts.Edges++
			}
			merged := kg.MergeEdge(old, edges[i])
			if err := s.checkEdge(b, &merged); err != nil {
				return fmt.Errorf("edges[%d]: %w", i, err)
			}
			v, err := encodeEdge(&merged)
			if err != nil {
				return invalid(fmt.Errorf("edge %q: properties: %w", merged.ID, err))
			}
			if err := b.recs.Put(k, v); err != nil {
				return err
			}
			if old != nil {
				if err := b.unlink(old, key); err != nil {
					return err
				}
			}
			if err := b.link(&merged, key, v); err != nil {
				return err
			}
			if err := addSupport(b.sup, kindEdge, key, oldEdgeChunks(old), merged.ChunkIDs); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkEdge validates e against the ontology: its relation type always,
// its endpoint types when both nodes are stored.
func (s *Store) checkEdge(b edgeTx, e *kg.Edge) error {
	o := s.cfg.ontology
	if o == nil {
		return nil
	}
	if _, ok := o.RelationType(e.Type); !ok {
		return o.ValidateEdge(e, "", "")
	}
	from, okFrom := b.nodeType(e.From)
	to, okTo := b.nodeType(e.To)
	if !okFrom || !okTo {
		return nil
	}
	return o.ValidateEdge(e, from, to)
}

// addSupport records that the record (kind, key) is supported by each of
// chunks not in old.
func addSupport(sup *bolt.Bucket, kind byte, key uint64, old, chunks []string) error {
	for _, c := range chunks {
		if slices.Contains(old, c) {
			continue
		}
		if err := sup.Put(supportKey(c, kind, key), nil); err != nil {
			return err
		}
	}
	return nil
}

func supportKey(chunk string, kind byte, key uint64) []byte {
	b := append(lenPrefixed(chunk, 9), kind)
	return binary.BigEndian.AppendUint64(b, key)
}

func oldChunks(n *kg.Node) []string {
	if n == nil {
		return nil
	}
	return n.ChunkIDs
}

func oldEdgeChunks(e *kg.Edge) []string {
	if e == nil {
		return nil
	}
	return e.ChunkIDs
}

// finite reports a NaN or infinite component.
func finite(v []float32) error {
	for i, f := range v {
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return fmt.Errorf("[%d] is not finite", i)
		}
	}
	return nil
}
