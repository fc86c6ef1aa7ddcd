package astrastore

import (
	"context"
	"fmt"
	"sync"

	"github.com/kgas-dev/kgas/astra"
	"github.com/kgas-dev/kgas/graphrag/kg"
)

// DeleteDocument implements kg.Store: it finds the document's chunks, then
// the nodes and edges whose chunk_ids hold any of them ({"chunk_ids":
// {"$in": [...]}} in batches of 100, concurrently), deletes those only the
// document supported, sets the chunk_ids of the others, and finally
// deletes the chunks and the document. Each step is idempotent, so a
// DeleteDocument interrupted by a failure can be run again.
func (s *Store) DeleteDocument(ctx context.Context, id string) (kg.DeleteStats, error) {
	var st kg.DeleteStats
	if err := s.check(ctx); err != nil {
		return st, err
	}
	if id == "" {
		return st, fmt.Errorf("%w: document id is empty", kg.ErrInvalid)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.cmu.RLock()
	defer s.cmu.RUnlock()
	chunks := s.handle(chunkColl)
	docs, err := chunks.Find(astra.Filter{"document_id": id}, &astra.FindOptions{Projection: astra.Projection{"_id": 1}}).ToSlice(ctx)
	if err != nil && !unknownCollection(err) {
		return st, fmt.Errorf("astrastore: delete document %q: chunks: %w", id, err)
	}
	gone := map[string]bool{}
	var chunkIDs []string
	for _, d := range docs {
		if cid, ok := d.ID().(string); ok && !gone[cid] {
			gone[cid] = true
			chunkIDs = append(chunkIDs, cid)
		}
	}
	if len(chunkIDs) > 0 {
		var err error
		st.Nodes, st.NodesKept, err = s.prune(ctx, s.nodesHandle(), chunkIDs, gone)
		if err != nil {
			return kg.DeleteStats{}, fmt.Errorf("astrastore: delete document %q: nodes: %w", id, err)
		}
		st.Edges, st.EdgesKept, err = s.prune(ctx, s.handle(edgesColl), chunkIDs, gone)
		if err != nil {
			return kg.DeleteStats{}, fmt.Errorf("astrastore: delete document %q: edges: %w", id, err)
		}
		if err := s.deleteIDs(ctx, chunks, chunkIDs); err != nil {
			return kg.DeleteStats{}, fmt.Errorf("astrastore: delete document %q: chunks: %w", id, err)
		}
		st.Chunks = len(chunkIDs)
	}
	if _, err := s.handle(docsColl).DeleteOne(ctx, astra.Filter{"_id": id}, nil); err != nil && !unknownCollection(err) {
		return kg.DeleteStats{}, fmt.Errorf("astrastore: delete document %q: %w", id, err)
	}
	return st, nil
}

// prune removes gone chunks from the records of c that cite them: records
// left without chunks are deleted, the others updated.
func (s *Store) prune(ctx context.Context, c *astra.Collection, chunkIDs []string, gone map[string]bool) (deleted, kept int, err error) {
	parts := batches(chunkIDs, batchSize)
	var mu sync.Mutex
	records := map[string][]string{}
	err = s.parallel(ctx, len(parts), func(ctx context.Context, i int) error {
		f := astra.Filter{"chunk_ids": astra.Document{"$in": anys(parts[i])}}
		docs, err := c.Find(f, &astra.FindOptions{Projection: astra.Projection{"_id": 1, "chunk_ids": 1}}).ToSlice(ctx)
		if err != nil && !unknownCollection(err) {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, d := range docs {
			if rid, ok := d.ID().(string); ok {
				records[rid] = strs(d["chunk_ids"])
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	var drop, keep []string
	left := map[string][]string{}
	for rid, cids := range records {
		var rest []string
		for _, cid := range cids {
			if !gone[cid] {
				rest = append(rest, cid)
			}
		}
		if len(rest) == 0 {
			drop = append(drop, rid)
		} else {
			keep = append(keep, rid)
			left[rid] = rest
		}
	}
	err = s.parallel(ctx, len(keep), func(ctx context.Context, i int) error {
		rid := keep[i]
		_, err := c.UpdateOne(ctx, astra.Filter{"_id": rid}, astra.Update{"$set": astra.Document{"chunk_ids": left[rid]}}, nil)
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	if err := s.deleteIDs(ctx, c, drop); err != nil {
		return 0, 0, err
	}
	return len(drop), len(keep), nil
}

// deleteIDs deletes the documents with the given ids, 100 per deleteMany.
func (s *Store) deleteIDs(ctx context.Context, c *astra.Collection, ids []string) error {
	parts := batches(ids, batchSize)
	return s.parallel(ctx, len(parts), func(ctx context.Context, i int) error {
		_, err := c.DeleteMany(ctx, astra.Filter{"_id": astra.Document{"$in": anys(parts[i])}})
		return err
	})
}
