package graphrag

import (
	"context"
	"fmt"
	"slices"

	"github.com/kgas-dev/kgas/graphrag/extract"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm"
)

// ingestItem is a prepared document for the writer: the records to
// upsert, or a final report (unchanged, failed).
type ingestItem struct {
	report  DocumentReport
	write   bool // records below are to be written
	replace bool // an earlier version is stored: delete it first
	doc     kg.Document
	chunks  []kg.Chunk
	nodes   []kg.Node
	edges   []kg.Edge
}

// documentReader is implemented by stores that can return documents
// (graphrag/local does); Ingest then detects unchanged documents from the
// stored content hash without extracting them again.
type documentReader interface {
	Documents(ctx context.Context, ids []string) ([]*kg.Document, error)
}

// prepare does a document's work before writing: the unchanged check,
// extraction, resolution and embedding.
func (e *Engine) prepare(ctx context.Context, j ingestJob, o IngestOptions) ingestItem {
	if err := ctx.Err(); err != nil {
		return ingestItem{report: failed(j, err)}
	}
	hash := contentHash(j.doc.Text)
	stored, tells, err := e.storedHash(ctx, j.doc.ID)
	if err != nil {
		return ingestItem{report: failed(j, err)}
	}
	if tells && stored != "" && stored == hash && !o.Force {
		return ingestItem{report: DocumentReport{Index: j.index, ID: j.doc.ID, Status: DocUnchanged}}
	}
	res, err := o.Extractor.Extract(ctx, extract.Document{ID: j.doc.ID, Text: j.doc.Text})
	if err == nil {
		err = res.Err() // a failed chunk fails the document: no partial version replaces a whole one
	}
	if err != nil {
		return ingestItem{report: failed(j, fmt.Errorf("extract: %w", err))}
	}
	chunks := res.KGChunks()
	// Stored chunks tell whether a version (possibly half-written) is
	// there to replace; for a store without document records they also
	// tell whether the content is unchanged.
	same, existed, err := e.sameChunks(ctx, j.doc.ID, chunks)
	if err != nil {
		return ingestItem{report: failed(j, err)}
	}
	existed = existed || stored != ""
	if !tells && same && !o.Force {
		return ingestItem{report: DocumentReport{Index: j.index, ID: j.doc.ID, Status: DocUnchanged}}
	}
	entities, relations := res.Entities, res.Relations
	merged := 0
	if o.Resolver != nil {
		if entities, relations, merged, err = e.resolveStored(ctx, o.Resolver, entities, relations); err != nil {
			return ingestItem{report: failed(j, fmt.Errorf("resolve: %w", err))}
		}
	}
	nodes := make([]kg.Node, len(entities))
	for i := range entities {
		nodes[i] = entities[i].Node()
	}
	edges := make([]kg.Edge, 0, len(relations))
	for _, r := range relations {
		edges = append(edges, kg.Edge{ID: r.ID, From: r.From, To: r.To, Type: r.Type,
			Properties: r.Properties, ChunkIDs: r.ChunkIDs})
	}
	if err := e.embedRecords(ctx, nodes, chunks); err != nil {
		return ingestItem{report: failed(j, fmt.Errorf("embed: %w", err))}
	}
	status := DocAdded
	if existed {
		status = DocUpdated
	}
	return ingestItem{
		report: DocumentReport{Index: j.index, ID: j.doc.ID, Status: status, Chunks: len(chunks),
			Entities: len(nodes), Relations: len(edges), Issues: len(res.Issues), Merged: merged},
		write:   true,
		replace: existed,
		doc:     kg.Document{ID: j.doc.ID, Metadata: j.doc.Metadata, ContentHash: hash},
		chunks:  chunks,
		nodes:   nodes,
		edges:   edges,
	}
}

// storedHash returns the content hash stored for document id ("" when it
// is not stored, or was stored without one) and whether the store can
// tell (it implements documentReader).
func (e *Engine) storedHash(ctx context.Context, id string) (hash string, tells bool, err error) {
	dr, ok := e.store.(documentReader)
	if !ok {
		return "", false, nil
	}
	docs, err := dr.Documents(ctx, []string{id})
	if err != nil {
		return "", true, fmt.Errorf("read stored document: %w", err)
	}
	if len(docs) != 1 || docs[0] == nil {
		return "", true, nil
	}
	return docs[0].ContentHash, true, nil
}

// sameChunks reports whether the store holds exactly chunks for document
// id (the same texts under the same IDs, and no chunk after the last),
// and whether it holds any chunk of it.
func (e *Engine) sameChunks(ctx context.Context, id string, chunks []kg.Chunk) (same, exists bool, err error) {
	n := len(chunks)
	ids := make([]string, n+1)
	for i, c := range chunks {
		ids[i] = c.ID
	}
	ids[n] = extract.ChunkID(id, n) // must be absent
	got, err := e.store.Chunks(ctx, ids)
	if err != nil {
		return false, false, fmt.Errorf("read stored chunks: %w", err)
	}
	same, exists = got[n] == nil, got[n] != nil
	for i, c := range chunks {
		if got[i] != nil {
			exists = true
		}
		if got[i] == nil || got[i].Text != c.Text {
			same = false
		}
	}
	return same && exists, exists, nil
}

// embedRecords sets the embeddings of nodes (from NodeText) and chunks
// (from their text) in one batched pass through the Engine's embedder.
func (e *Engine) embedRecords(ctx context.Context, nodes []kg.Node, chunks []kg.Chunk) error {
	texts := make([]string, 0, len(nodes)+len(chunks))
	for _, n := range nodes {
		texts = append(texts, NodeText(n))
	}
	for _, c := range chunks {
		texts = append(texts, c.Text)
	}
	if len(texts) == 0 {
		return nil
	}
	res := llm.EmbedBatch(ctx, e.emb, texts)
	for i, r := range res {
		if r.Err != nil {
			return r.Err
		}
		if i < len(nodes) {
			nodes[i].Embedding = r.Value
		} else {
			chunks[i-len(nodes)].Embedding = r.Value
		}
	}
	return nil
}

// resolveStored merges entities with similar stored nodes of the same
// type: for each entity not stored under its own ID, the nearest nodes of
// its type (by NodeText embedding) are the candidates the resolver
// compares it with.
func (e *Engine) resolveStored(ctx context.Context, r *extract.Resolver, ents []extract.Entity, rels []extract.Relation) ([]extract.Entity, []extract.Relation, int, error) {
	if len(ents) == 0 {
		return ents, rels, 0, nil
	}
	ids := make([]string, len(ents))
	for i, en := range ents {
		ids[i] = en.ID
	}
	stored, err := e.store.Nodes(ctx, ids)
	if err != nil {
		return nil, nil, 0, err
	}
	var texts []string
	var which []int
	for i, n := range stored {
		if n == nil {
			texts = append(texts, NodeText(ents[i].Node()))
			which = append(which, i)
		}
	}
	var existing []extract.Entity
	seen := make(map[string]bool)
	if len(texts) > 0 {
		vecs := llm.EmbedBatch(ctx, e.emb, texts)
		for k, v := range vecs {
			if v.Err != nil {
				return nil, nil, 0, v.Err
			}
			hits, err := e.store.VectorSearch(ctx, v.Value, resolveCandidates, &kg.Filter{Types: []string{ents[which[k]].Type}})
			if err != nil {
				return nil, nil, 0, err
			}
			for _, h := range hits {
				if !seen[h.Node.ID] {
					seen[h.Node.ID] = true
					existing = append(existing, extract.EntityFromNode(h.Node))
				}
			}
		}
	}
	if len(existing) == 0 {
		return ents, rels, 0, nil
	}
	res, err := r.Resolve(ctx, existing, ents)
	if err != nil {
		return nil, nil, 0, err
	}
	merged := 0
	for from, to := range res.Mapping {
		if from != to && slices.ContainsFunc(existing, func(x extract.Entity) bool { return x.ID == to }) {
			merged++
		}
	}
	kept, _ := res.Relations(rels)
	return res.Entities, kept, merged, nil
}

// resolveCandidates is how many stored nodes of the same type an unknown
// entity is compared with.
const resolveCandidates = 5
