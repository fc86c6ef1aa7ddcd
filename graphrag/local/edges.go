package local

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// edgeTx groups the buckets an edge write touches.
type edgeTx struct {
	w              *writeState // records node key changes
	recs, ids, sup *bolt.Bucket
	nodes, nodeIDs *bolt.Bucket
	out, in        *bolt.Bucket
}

func edgeBuckets(tx *bolt.Tx, w *writeState) edgeTx {
	return edgeTx{w: w,
		recs: tx.Bucket(bEdges), ids: tx.Bucket(bEdgeIDs), sup: tx.Bucket(bSupport),
		nodes: tx.Bucket(bNodes), nodeIDs: tx.Bucket(bNodeIDs),
		out: tx.Bucket(bOut), in: tx.Bucket(bIn),
	}
}

// nodeType returns the type of the stored node id.
func (b edgeTx) nodeType(id string) (string, bool) {
	key, ok := lookupKey(b.nodeIDs, id)
	if !ok {
		return "", false
	}
	raw := b.nodes.Get(u64(key))
	if raw == nil {
		return "", false
	}
	d := dec{b: raw}
	d.version()
	d.str() // ID
	t := d.str()
	return t, d.err == nil
}

// link writes e's adjacency entries, whose value is the edge record rec,
// allocating node keys for endpoints not seen before.
func (b edgeTx) link(e *kg.Edge, key uint64, rec []byte) error {
	from, err := b.w.nodeKey(b.nodeIDs, b.nodes, e.From)
	if err != nil {
		return err
	}
	to, err := b.w.nodeKey(b.nodeIDs, b.nodes, e.To)
	if err != nil {
		return err
	}
	if err := b.out.Put(adjKey(from, e.Type, e.To, key), rec); err != nil {
		return err
	}
	return b.in.Put(adjKey(to, e.Type, e.From, key), rec)
}

// unlink deletes e's adjacency entries.
func (b edgeTx) unlink(e *kg.Edge, key uint64) error {
	from, okFrom := lookupKey(b.nodeIDs, e.From)
	to, okTo := lookupKey(b.nodeIDs, e.To)
	if !okFrom || !okTo {
		return fmt.Errorf("%w: edge %q: endpoint without a node key", errCorrupt, e.ID)
	}
	if err := b.out.Delete(adjKey(from, e.Type, e.To, key)); err != nil {
		return err
	}
	return b.in.Delete(adjKey(to, e.Type, e.From, key))
}

// remove deletes the edge record, its ID mapping, adjacency and the given
// support entries, and drops endpoint keys left unused.
func (b edgeTx) remove(e *kg.Edge, key uint64) error {
	if err := b.unlink(e, key); err != nil {
		return err
	}
	if err := b.recs.Delete(u64(key)); err != nil {
		return err
	}
	if err := b.ids.Delete([]byte(e.ID)); err != nil {
		return err
	}
	for _, c := range e.ChunkIDs {
		if err := b.sup.Delete(supportKey(c, kindEdge, key)); err != nil {
			return err
		}
	}
	if err := b.gcNodeKey(e.From); err != nil {
		return err
	}
	return b.gcNodeKey(e.To)
}

// gcNodeKey removes id's key mapping when no node record and no edge uses
// it any more.
func (b edgeTx) gcNodeKey(id string) error {
	key, ok := lookupKey(b.nodeIDs, id)
	if !ok {
		return nil
	}
	k := u64(key)
	if b.nodes.Get(k) != nil || hasPrefix(b.out, k) || hasPrefix(b.in, k) {
		return nil
	}
	b.w.keys = append(b.w.keys, keyChange{id: id})
	return b.nodeIDs.Delete([]byte(id))
}

func hasPrefix(bk *bolt.Bucket, prefix []byte) bool {
	k, _ := bk.Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix)
}
