package astrastore

import (
	"context"
	"fmt"
	"math"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/kgas-dev/kgas/astra"
	"github.com/kgas-dev/kgas/graphrag/kg"
)

// parallel runs fn(0..n-1) with at most cfg.concurrency in flight and
// returns the first error.
func (s *Store) parallel(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.cfg.concurrency)
	for i := range n {
		g.Go(func() error { return fn(gctx, i) })
	}
	return g.Wait()
}

func cloneVec(v []float32) []float32 {
	if len(v) == 0 {
		return nil
	}
	return slices.Clone(v)
}

// checkVector rejects values JSON cannot carry and, under cosine, the zero
// vector (the Data API cannot index it).
func (s *Store) checkVector(v []float32, what string) error {
	zero := true
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("%w: %s: embedding holds %v", kg.ErrInvalid, what, x)
		}
		if x != 0 {
			zero = false
		}
	}
	if zero && s.cfg.metric == astra.MetricCosine {
		return fmt.Errorf("%w: %s: zero embedding has no cosine", kg.ErrInvalid, what)
	}
	return nil
}

func nodeDoc(n kg.Node) astra.Document {
	d := astra.Document{"_id": n.ID, "type": n.Type, "has_embedding": n.Embedding != nil}
	if n.Name != "" {
		d["name"] = n.Name
	}
	if len(n.Properties) > 0 {
		d["properties"] = n.Properties
	}
	if len(n.ChunkIDs) > 0 {
		d["chunk_ids"] = n.ChunkIDs
	}
	if n.Embedding != nil {
		d["$vector"] = n.Embedding
	}
	return d
}

var nodeFields = []string{"type", "name", "properties", "chunk_ids", "has_embedding", "$vector"}

func edgeDoc(e kg.Edge) astra.Document {
	d := astra.Document{"_id": e.ID, "from": e.From, "to": e.To, "type": e.Type}
	if len(e.Properties) > 0 {
		d["properties"] = e.Properties
	}
	if len(e.ChunkIDs) > 0 {
		d["chunk_ids"] = e.ChunkIDs
	}
	return d
}

var edgeFields = []string{"from", "to", "type", "properties", "chunk_ids"}

func chunkDoc(c kg.Chunk) astra.Document {
	d := astra.Document{"_id": c.ID, "document_id": c.DocumentID, "text": c.Text, "start": c.Start, "end": c.End}
	if c.Embedding != nil {
		d["embedding"] = c.Embedding
	}
	return d
}

var chunkFields = []string{"document_id", "text", "start", "end", "embedding"}

func docDoc(d kg.Document) astra.Document {
	out := astra.Document{"_id": d.ID}
	if len(d.Metadata) > 0 {
		out["metadata"] = d.Metadata
	}
	if d.ContentHash != "" {
		out["content_hash"] = d.ContentHash
	}
	return out
}

var docFields = []string{"metadata", "content_hash"}

// write stores docs (distinct _ids): insertMany for the new ones, one
// replacing updateOne per existing one.
func (s *Store) write(ctx context.Context, c *astra.Collection, docs []astra.Document, exists map[string]bool, fields []string) error {
	var fresh, old []astra.Document
	for _, d := range docs {
		if exists[d["_id"].(string)] {
			old = append(old, d)
		} else {
			fresh = append(fresh, d)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	if len(fresh) > 0 {
		g.Go(func() error {
			_, err := c.InsertMany(gctx, fresh, &astra.InsertManyOptions{Concurrency: s.cfg.concurrency})
			if err != nil {
				return fmt.Errorf("astrastore: insert into %s: %w", c.Name(), err)
			}
			return nil
		})
	}
	if len(old) > 0 {
		g.Go(func() error {
			return s.parallel(gctx, len(old), func(ctx context.Context, i int) error {
				d := old[i]
				set, unset := astra.Document{}, astra.Document{}
				for _, f := range fields {
					if v, ok := d[f]; ok {
						set[f] = v
					} else {
						unset[f] = ""
					}
				}
				u := astra.Update{"$set": set}
				if len(unset) > 0 {
					u["$unset"] = unset
				}
				_, err := c.UpdateOne(ctx, astra.Filter{"_id": d["_id"]}, u, &astra.UpdateOptions{Upsert: true})
				if err != nil {
					return fmt.Errorf("astrastore: replace %q in %s: %w", d["_id"], c.Name(), err)
				}
				return nil
			})
		})
	}
	return g.Wait()
}

// existing returns the stored documents among ids, by id.
func (s *Store) existing(ctx context.Context, c *astra.Collection, ids []string) (map[string]astra.Document, error) {
	return s.fetch(ctx, c, ids, astra.Projection{"*": 1})
}

// fetch returns the stored documents among ids, by id, with the fields
// proj selects; a collection not created yet holds none.
func (s *Store) fetch(ctx context.Context, c *astra.Collection, ids []string, proj astra.Projection) (map[string]astra.Document, error) {
	out := map[string]astra.Document{}
	if len(ids) == 0 {
		return out, nil
	}
	anyIDs := make([]any, len(ids))
	for i, id := range ids {
		anyIDs[i] = id
	}
	res, err := c.FindByIDs(ctx, anyIDs, &astra.FindByIDsOptions{Projection: proj, Concurrency: s.cfg.concurrency})
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		if unknownCollection(err) {
			return out, nil
		}
		return nil, fmt.Errorf("astrastore: read %s: %w", c.Name(), err)
	}
	for _, r := range res {
		if r.Document != nil {
			out[r.ID.(string)] = r.Document
		}
	}
	return out, nil
}

// UpsertDocuments implements kg.Store; a document upserted again is
// replaced.
func (s *Store) UpsertDocuments(ctx context.Context, docs []kg.Document) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	out := make([]astra.Document, 0, len(docs))
	idx := map[string]int{}
	for i, d := range docs {
		if d.ID == "" {
			return fmt.Errorf("%w: documents[%d]: id is empty", kg.ErrInvalid, i)
		}
		md, err := kg.CopyJSON(d.Metadata, fmt.Sprintf("document %q: metadata", d.ID))
		if err != nil {
			return err
		}
		d.Metadata = md
		out = upsertLast(out, idx, d.ID, docDoc(d))
	}
	return s.replaceAll(ctx, docsColl, out, docFields)
}

// upsertLast appends doc, or replaces an earlier one with the same id
// (the last record of a batch wins).
func upsertLast(out []astra.Document, idx map[string]int, id string, doc astra.Document) []astra.Document {
	if i, ok := idx[id]; ok {
		out[i] = doc
		return out
	}
	idx[id] = len(out)
	return append(out, doc)
}

// replaceAll writes docs with replace semantics.
func (s *Store) replaceAll(ctx context.Context, suffix string, docs []astra.Document, fields []string) error {
	if len(docs) == 0 {
		return nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	c, err := s.ensure(ctx, suffix)
	if err != nil {
		return err
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d["_id"].(string)
	}
	old, err := s.existingIDs(ctx, c, ids)
	if err != nil {
		return err
	}
	return s.write(ctx, c, docs, old, fields)
}

// existingIDs returns which ids are stored.
func (s *Store) existingIDs(ctx context.Context, c *astra.Collection, ids []string) (map[string]bool, error) {
	docs, err := s.fetch(ctx, c, ids, astra.Projection{"_id": 1})
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(docs))
	for id := range docs {
		out[id] = true
	}
	return out, nil
}

// UpsertChunks implements kg.Store; a chunk upserted again is replaced.
func (s *Store) UpsertChunks(ctx context.Context, chunks []kg.Chunk) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	out := make([]astra.Document, 0, len(chunks))
	idx := map[string]int{}
	for _, c := range chunks {
		if err := c.Validate(); err != nil {
			return err
		}
		c.Embedding = cloneVec(c.Embedding)
		for _, x := range c.Embedding {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("%w: chunk %q: embedding holds %v", kg.ErrInvalid, c.ID, x)
			}
		}
		out = upsertLast(out, idx, c.ID, chunkDoc(c))
	}
	return s.replaceAll(ctx, chunkColl, out, chunkFields)
}

// UpsertNodes implements kg.Store.
func (s *Store) UpsertNodes(ctx context.Context, nodes []kg.Node) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if len(nodes) == 0 {
		return nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.cmu.RLock()
	dim := s.dim
	s.cmu.RUnlock()
	batchDim := 0
	clean := make([]kg.Node, len(nodes))
	var ids []string
	seen := map[string]bool{}
	for i, n := range nodes {
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
			want := dim
			if want == 0 {
				want = batchDim
			}
			if want != 0 && len(n.Embedding) != want {
				return fmt.Errorf("%w: node %q: embedding has %d dimensions, the store %d", kg.ErrDimension, n.ID, len(n.Embedding), want)
			}
			if len(n.Embedding) > astra.MaxVectorDimension {
				return fmt.Errorf("%w: node %q: embedding has %d dimensions, the Data API at most %d", kg.ErrDimension, n.ID, len(n.Embedding), astra.MaxVectorDimension)
			}
			if err := s.checkVector(n.Embedding, fmt.Sprintf("node %q", n.ID)); err != nil {
				return err
			}
			batchDim = len(n.Embedding)
		}
		clean[i] = n
		if !seen[n.ID] {
			seen[n.ID] = true
			ids = append(ids, n.ID)
		}
	}
	if err := s.prepareNodes(ctx, dim, batchDim); err != nil {
		return err
	}
	s.cmu.RLock()
	c := s.nodesHandle()
	s.cmu.RUnlock()
	oldDocs, err := s.existing(ctx, c, ids)
	if err != nil {
		return err
	}
	staged, exists := mergeBatch(clean, func(n kg.Node) string { return n.ID }, oldDocs, decodeNode, kg.MergeNode)
	docs := make([]astra.Document, len(ids))
	for i, id := range ids {
		docs[i] = nodeDoc(staged[id])
	}
	err = s.write(ctx, c, docs, exists, nodeFields)
	if batchDim > 0 {
		s.cmu.Lock()
		s.dimSeen = true
		s.cmu.Unlock()
	}
	return err
}

// prepareNodes makes sure the nodes collection exists, with vectors once a
// dimension is known (migrating the plain collection then).
func (s *Store) prepareNodes(ctx context.Context, dim, batchDim int) error {
	s.cmu.RLock()
	vector := s.vector
	s.cmu.RUnlock()
	switch {
	case vector:
		return nil
	case dim == 0 && batchDim == 0:
		_, err := s.ensure(ctx, plainColl)
		return err
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	if s.dim == 0 {
		s.dim = batchDim
	}
	if _, err := s.ensure(ctx, nodesColl); err != nil {
		if !s.vector && dim == 0 {
			s.dim = 0
		}
		return err
	}
	s.vector = true
	s.createMu.Lock()
	_, hadPlain := s.created[plainColl]
	s.createMu.Unlock()
	if !hadPlain {
		// Another process may have written plain nodes: migrate if present.
		names, err := s.client.ListCollections(ctx)
		if err != nil {
			return fmt.Errorf("astrastore: list collections: %w", err)
		}
		hadPlain = slices.Contains(names, s.name(plainColl))
	}
	if hadPlain {
		if err := s.migrate(ctx); err != nil {
			return err
		}
		s.createMu.Lock()
		delete(s.created, plainColl)
		s.createMu.Unlock()
	}
	return nil
}

// UpsertEdges implements kg.Store.
func (s *Store) UpsertEdges(ctx context.Context, edges []kg.Edge) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if len(edges) == 0 {
		return nil
	}
	clean := make([]kg.Edge, len(edges))
	var ids []string
	seen := map[string]bool{}
	for i, e := range edges {
		if err := e.Validate(); err != nil {
			return err
		}
		props, err := kg.CopyJSON(e.Properties, fmt.Sprintf("edge %q: properties", e.ID))
		if err != nil {
			return err
		}
		e.Properties = props
		e.ChunkIDs = slices.Clone(e.ChunkIDs)
		clean[i] = e
		if !seen[e.ID] {
			seen[e.ID] = true
			ids = append(ids, e.ID)
		}
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	c, err := s.ensure(ctx, edgesColl)
	if err != nil {
		return err
	}
	oldDocs, err := s.existing(ctx, c, ids)
	if err != nil {
		return err
	}
	staged, exists := mergeBatch(clean, func(e kg.Edge) string { return e.ID }, oldDocs, decodeEdge, kg.MergeEdge)
	docs := make([]astra.Document, len(ids))
	for i, id := range ids {
		docs[i] = edgeDoc(staged[id])
	}
	return s.write(ctx, c, docs, exists, edgeFields)
}

// mergeBatch merges a batch into the stored records, in batch order (a
// record repeated in the batch merges onto its earlier self): staged holds
// the merged record per ID, exists marks the IDs already stored.
func mergeBatch[T any](batch []T, id func(T) string, stored map[string]astra.Document,
	decode func(astra.Document) T, merge func(*T, T) T) (staged map[string]T, exists map[string]bool) {
	staged, exists = map[string]T{}, map[string]bool{}
	for _, rec := range batch {
		key := id(rec)
		var old *T
		if o, ok := staged[key]; ok {
			old = &o
		} else if d, ok := stored[key]; ok {
			o := decode(d)
			old = &o
			exists[key] = true
		}
		staged[key] = merge(old, rec)
	}
	return staged, exists
}
