package graphrag

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// ingestFlushIdle is how long the writer waits for another document
// before writing a batch that is not full.
const ingestFlushIdle = 20 * time.Millisecond

// ingestWriter is the single goroutine that writes prepared documents,
// several per store batch, and reports every document exactly once.
type ingestWriter struct {
	e       *Engine
	o       IngestOptions
	rep     *IngestReport
	pending []ingestItem
	records int
}

// run consumes in until it is closed.
func (w *ingestWriter) run(ctx context.Context, in <-chan ingestItem) {
	idle := time.NewTimer(ingestFlushIdle)
	defer idle.Stop()
	for {
		var item ingestItem
		var ok bool
		if len(w.pending) == 0 {
			item, ok = <-in
		} else {
			idle.Reset(ingestFlushIdle)
			select {
			case item, ok = <-in:
			case <-idle.C:
				w.flush(ctx)
				continue
			}
		}
		if !ok {
			w.flush(ctx)
			slices.SortFunc(w.rep.Documents, func(a, b DocumentReport) int { return a.Index - b.Index })
			return
		}
		if !item.write {
			w.finish(item.report)
			continue
		}
		w.pending = append(w.pending, item)
		w.records += len(item.chunks) + len(item.nodes) + len(item.edges) + 1
		if w.records >= w.o.BatchSize {
			w.flush(ctx)
		}
	}
}

// flush writes the pending documents. The earlier versions of replaced
// documents are deleted first (their chunks, and the nodes and edges only
// they supported), right before the new records, so a failure or a
// cancellation before a flush leaves them in place; nodes other pending
// documents share are then recreated with their own support. Then come
// nodes, edges, and the two kinds of records the unchanged check reads,
// last: the chunks and the document records, the one the check uses last
// of all (the content hash on stores that return documents, the chunks on
// the others), so a document half-written by a failed flush is never taken
// for unchanged. Nodes and edges that several pending documents share are
// merged first.
func (w *ingestWriter) flush(ctx context.Context) {
	if len(w.pending) == 0 {
		return
	}
	items := w.pending[:0:0]
	for _, it := range w.pending {
		if it.replace {
			if _, err := w.e.store.DeleteDocument(ctx, it.doc.ID); err != nil {
				w.fail(it.report, fmt.Errorf("delete the stored version: %w", err))
				continue
			}
		}
		items = append(items, it)
	}
	var (
		chunks []kg.Chunk
		nodes  []kg.Node
		edges  []kg.Edge
		docs   []kg.Document
	)
	nodeAt := make(map[string]int)
	edgeAt := make(map[string]int)
	for _, it := range items {
		chunks = append(chunks, it.chunks...)
		docs = append(docs, it.doc)
		for _, n := range it.nodes {
			if i, ok := nodeAt[n.ID]; ok {
				nodes[i] = kg.MergeNode(&nodes[i], n)
				continue
			}
			nodeAt[n.ID] = len(nodes)
			nodes = append(nodes, n)
		}
		for _, ed := range it.edges {
			if i, ok := edgeAt[ed.ID]; ok {
				edges[i] = kg.MergeEdge(&edges[i], ed)
				continue
			}
			edgeAt[ed.ID] = len(edges)
			edges = append(edges, ed)
		}
	}
	writeChunks := func() error { return upsertAll(ctx, w.o.BatchSize, chunks, w.e.store.UpsertChunks) }
	writeDocs := func() error { return upsertAll(ctx, w.o.BatchSize, docs, w.e.store.UpsertDocuments) }
	last, beforeLast := writeDocs, writeChunks
	if _, hashes := w.e.store.(documentReader); !hashes {
		last, beforeLast = writeChunks, writeDocs
	}
	err := upsertAll(ctx, w.o.BatchSize, nodes, w.e.store.UpsertNodes)
	if err == nil {
		err = upsertAll(ctx, w.o.BatchSize, edges, w.e.store.UpsertEdges)
	}
	if err == nil {
		err = beforeLast()
	}
	if err == nil {
		err = last()
	}
	for _, it := range items {
		if err != nil {
			w.fail(it.report, fmt.Errorf("store: %w", err))
		} else {
			w.finish(it.report)
		}
	}
	w.pending, w.records = w.pending[:0], 0
}

// upsertAll writes recs in slices of at most size.
func upsertAll[T any](ctx context.Context, size int, recs []T, upsert func(context.Context, []T) error) error {
	for len(recs) > 0 {
		n := min(size, len(recs))
		if err := upsert(ctx, recs[:n]); err != nil {
			return err
		}
		recs = recs[n:]
	}
	return nil
}

func (w *ingestWriter) fail(r DocumentReport, err error) {
	r.Status, r.Err, r.Error = DocFailed, err, err.Error()
	r.Chunks, r.Entities, r.Relations, r.Merged = 0, 0, 0, 0
	w.finish(r)
}

// finish records one document's report and calls the progress callback.
func (w *ingestWriter) finish(r DocumentReport) {
	t := &w.rep.Totals
	t.Documents++
	switch r.Status {
	case DocAdded:
		t.Added++
	case DocUpdated:
		t.Updated++
	case DocUnchanged:
		t.Unchanged++
	case DocFailed:
		t.Failed++
	}
	t.Chunks += r.Chunks
	t.Entities += r.Entities
	t.Relations += r.Relations
	t.Last = r
	w.rep.Documents = append(w.rep.Documents, r)
	if w.o.Progress != nil {
		w.o.Progress(*t)
	}
}
