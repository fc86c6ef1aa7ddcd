package local

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// DeleteDocument removes a document, its stored chunks, and the nodes and
// edges that only those chunks supported; nodes and edges supported by
// other chunks too lose this document's chunks and stay. Nodes and edges
// without chunk IDs are never removed. Deleting an unknown document returns
// zero stats.
func (s *Store) DeleteDocument(ctx context.Context, id string) (kg.DeleteStats, error) {
	if id == "" {
		return kg.DeleteStats{}, invalid(fmt.Errorf("delete document: id is empty"))
	}
	var st kg.DeleteStats
	err := s.write(ctx, func(tx *bolt.Tx, w *writeState) error {
		st = kg.DeleteStats{}
		w.counts, w.changes, w.keys = kg.Stats{}, nil, nil
		if err := deleteDocRecord(tx, id, w); err != nil {
			return err
		}
		chunks, err := deleteDocChunks(ctx, tx, id)
		if err != nil {
			return err
		}
		st.Chunks = len(chunks)
		w.counts.Chunks -= len(chunks)
		nodeKeys, edgeKeys, err := supported(tx, chunks)
		if err != nil {
			return err
		}
		gone := func(c string) bool { return chunks[c] }
		b := edgeBuckets(tx, w)
		for i, key := range nodeKeys {
			if err := ctxEvery(ctx, i); err != nil {
				return err
			}
			removed, err := trimNode(b, key, gone, w)
			if err != nil {
				return err
			}
			if removed {
				st.Nodes++
			} else {
				st.NodesKept++
			}
		}
		for i, key := range edgeKeys {
			if err := ctxEvery(ctx, i); err != nil {
				return err
			}
			removed, err := trimEdge(b, key, gone)
			if err != nil {
				return err
			}
			if removed {
				st.Edges++
			} else {
				st.EdgesKept++
			}
		}
		w.counts.Nodes -= st.Nodes
		w.counts.Edges -= st.Edges
		return nil
	})
	if err != nil {
		return kg.DeleteStats{}, err
	}
	return st, nil
}

func deleteDocRecord(tx *bolt.Tx, id string, w *writeState) error {
	ids := tx.Bucket(bDocIDs)
	key, ok := lookupKey(ids, id)
	if !ok {
		return nil
	}
	recs := tx.Bucket(bDocs)
	if recs.Get(u64(key)) != nil {
		w.counts.Documents--
		if err := recs.Delete(u64(key)); err != nil {
			return err
		}
	}
	return ids.Delete([]byte(id))
}

// deleteDocChunks deletes the document's chunks and returns their IDs.
func deleteDocChunks(ctx context.Context, tx *bolt.Tx, doc string) (map[string]bool, error) {
	byDoc, recs, ids := tx.Bucket(bDocChunks), tx.Bucket(bChunks), tx.Bucket(bChunkIDs)
	prefix := lenPrefixed(doc, 0)
	var keys [][]byte
	c := byDoc.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) == len(prefix)+8 { // not a longer document ID's entry
			keys = append(keys, slices.Clone(k))
		}
	}
	out := make(map[string]bool, len(keys))
	for i, k := range keys {
		if err := ctxEvery(ctx, i); err != nil {
			return nil, err
		}
		ck := k[len(prefix):]
		raw := recs.Get(ck)
		if raw == nil {
			return nil, fmt.Errorf("local: document %q: %w: missing chunk key %x", doc, errCorrupt, ck)
		}
		ch, err := decodeChunk(raw)
		if err != nil {
			return nil, fmt.Errorf("local: chunk key %x: %w", ck, err)
		}
		out[ch.ID] = true
		for _, del := range []func() error{
			func() error { return recs.Delete(ck) },
			func() error { return ids.Delete([]byte(ch.ID)) },
			func() error { return byDoc.Delete(k) },
		} {
			if err := del(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// supported returns the keys of the nodes and edges that the chunks
// support (sorted, unique) and deletes those support entries.
func supported(tx *bolt.Tx, chunks map[string]bool) (nodes, edges []uint64, err error) {
	sup := tx.Bucket(bSupport)
	for chunk := range chunks {
		prefix := lenPrefixed(chunk, 0)
		var keys [][]byte
		c := sup.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) != len(prefix)+9 {
				continue
			}
			keys = append(keys, slices.Clone(k))
			key := binary.BigEndian.Uint64(k[len(prefix)+1:])
			if k[len(prefix)] == kindNode {
				nodes = append(nodes, key)
			} else {
				edges = append(edges, key)
			}
		}
		for _, k := range keys {
			if err := sup.Delete(k); err != nil {
				return nil, nil, err
			}
		}
	}
	slices.Sort(nodes)
	slices.Sort(edges)
	return slices.Compact(nodes), slices.Compact(edges), nil
}

// trimNode drops the gone chunks from a node, removing the node when none
// remain.
func trimNode(b edgeTx, key uint64, gone func(string) bool, w *writeState) (removed bool, err error) {
	k := u64(key)
	raw := b.nodes.Get(k)
	if raw == nil {
		return false, fmt.Errorf("local: %w: support names missing node key %d", errCorrupt, key)
	}
	n, err := decodeNode(raw)
	if err != nil {
		return false, fmt.Errorf("local: node key %d: %w", key, err)
	}
	n.ChunkIDs = slices.DeleteFunc(n.ChunkIDs, gone)
	if len(n.ChunkIDs) > 0 {
		v, err := encodeNode(n)
		if err != nil {
			return false, err
		}
		w.changes = append(w.changes, indexChange{key: key, node: n})
		return false, b.nodes.Put(k, v)
	}
	if err := b.nodes.Delete(k); err != nil {
		return false, err
	}
	w.changes = append(w.changes, indexChange{key: key})
	return true, b.gcNodeKey(n.ID)
}

// trimEdge drops the gone chunks from an edge, removing the edge when none
// remain.
func trimEdge(b edgeTx, key uint64, gone func(string) bool) (removed bool, err error) {
	k := u64(key)
	raw := b.recs.Get(k)
	if raw == nil {
		return false, fmt.Errorf("local: %w: support names missing edge key %d", errCorrupt, key)
	}
	e, err := decodeEdge(raw)
	if err != nil {
		return false, fmt.Errorf("local: edge key %d: %w", key, err)
	}
	e.ChunkIDs = slices.DeleteFunc(e.ChunkIDs, gone)
	if len(e.ChunkIDs) > 0 {
		v, err := encodeEdge(e)
		if err != nil {
			return false, err
		}
		if err := b.recs.Put(k, v); err != nil {
			return false, err
		}
		return false, b.link(e, key, v) // the adjacency values hold the record
	}
	// Support entries of the gone chunks were deleted by supported.
	return true, b.remove(e, key)
}
