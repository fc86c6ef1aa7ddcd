package graphrag

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/kgas-dev/kgas/graphrag/extract"
)

// Ingest defaults.
const (
	// DefaultIngestWorkers is the number of documents extracted and
	// embedded at once.
	DefaultIngestWorkers = 4
	// DefaultIngestBatch is the most records (chunks, nodes or edges) one
	// store upsert carries.
	DefaultIngestBatch = 2000
	// MaxIngestWorkers bounds IngestOptions.Workers.
	MaxIngestWorkers = 1024
)

// Document is one input of Ingest.
type Document struct {
	// ID identifies the document in the store; re-ingesting the same ID
	// replaces the earlier version. Required.
	ID string `json:"id"`
	// Text is the document's content.
	Text string `json:"text"`
	// Metadata is stored with the document (title, source, ...).
	Metadata map[string]any `json:"metadata,omitempty"`
}

// IngestOptions configure one Ingest call; nil means the defaults.
type IngestOptions struct {
	// Extractor finds entities and relations. Default: the Engine's
	// (WithExtractor); one of the two is required.
	Extractor extract.Extractor
	// Workers is the number of documents in extraction and embedding at
	// once (default DefaultIngestWorkers). Documents stream through
	// queues of this size, so memory stays flat whatever the corpus.
	Workers int
	// BatchSize is the most records per store upsert (default
	// DefaultIngestBatch). Writes of several documents share a batch.
	BatchSize int
	// Resolver, when set, also merges a document's entities with similar
	// nodes the store already holds (candidates by vector search among
	// nodes of the same type). Without it, entities merge with stored
	// nodes only by ID, that is by type and normalised name.
	Resolver *extract.Resolver
	// Progress, when set, is called after each document is written,
	// found unchanged or failed, from one goroutine, with running totals.
	// A panic in it stops the ingest and is raised again by Ingest.
	Progress func(Progress)
	// Force re-ingests documents whose content is unchanged.
	Force bool
}

// DocStatus is what Ingest did with one document.
type DocStatus string

// Document statuses.
const (
	// DocAdded: the document was new and is now stored.
	DocAdded DocStatus = "added"
	// DocUpdated: an earlier version was replaced.
	DocUpdated DocStatus = "updated"
	// DocUnchanged: the stored version has the same content; nothing was
	// written. On stores that return documents (graphrag/local) the stored
	// content hash tells, and the document is not even extracted; on the
	// others the extraction's chunks are compared with the stored ones
	// (an LLM extractor's reply cache makes that free of model calls).
	DocUnchanged DocStatus = "unchanged"
	// DocFailed: this version was not stored; Err says why. An earlier
	// version stays, unless the store failed after it was deleted for the
	// replacement (stores have no cross-batch transactions); ingesting the
	// document again heals either way.
	DocFailed DocStatus = "failed"
)

// DocumentReport is the outcome of one document.
type DocumentReport struct {
	// Index is the document's position in the input.
	Index  int       `json:"index"`
	ID     string    `json:"id"`
	Status DocStatus `json:"status"`
	// Err is set for DocFailed.
	Err   error  `json:"-"`
	Error string `json:"error,omitempty"`
	// Chunks, Entities and Relations count what was written.
	Chunks    int `json:"chunks"`
	Entities  int `json:"entities"`
	Relations int `json:"relations"`
	// Issues counts the extraction issues (pruned, flagged, corrected).
	Issues int `json:"issues,omitempty"`
	// Merged counts entities merged into stored nodes by the Resolver.
	Merged int `json:"merged,omitempty"`
}

// Progress is the running total of an Ingest, passed to
// IngestOptions.Progress.
type Progress struct {
	// Documents is the number of documents finished (any status).
	Documents int `json:"documents"`
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Failed    int `json:"failed"`
	// Chunks, Entities and Relations sum what was written.
	Chunks    int `json:"chunks"`
	Entities  int `json:"entities"`
	Relations int `json:"relations"`
	// Last is the document that finished last.
	Last DocumentReport `json:"last"`
}

// IngestReport is the outcome of an Ingest: one report per document, in
// input order, and the totals.
type IngestReport struct {
	Documents []DocumentReport `json:"documents"`
	Totals    Progress         `json:"totals"`
	Wall      time.Duration    `json:"wall_ns"`
}

// Err joins the errors of the failed documents, each with its ID; nil
// when none failed.
func (r *IngestReport) Err() error {
	var errs []error
	for _, d := range r.Documents {
		if d.Status == DocFailed {
			errs = append(errs, fmt.Errorf("document %q: %w", d.ID, d.Err))
		}
	}
	return errors.Join(errs...)
}

// Ingest stores docs: each is split into chunks, its entities and
// relations extracted, resolved against what the store holds, embedded
// (nodes from NodeText, chunks from their text; through the Engine's
// cache) and upserted. It is IngestSeq over a slice.
func (e *Engine) Ingest(ctx context.Context, docs []Document, opts *IngestOptions) (*IngestReport, error) {
	return e.IngestSeq(ctx, func(yield func(Document, error) bool) {
		for _, d := range docs {
			if !yield(d, nil) {
				return
			}
		}
	}, opts)
}

// IngestSeq stores the documents docs yields, streaming them through
// bounded queues: at most about 3·Workers documents are held at once.
// docs is consumed on a goroutine of its own: it must not panic, and an
// iterator blocked (in I/O, say) delays the return after cancellation
// until it yields or ends.
// A document whose content (SHA-256 of its text) is what the store already
// holds is skipped unless Force; a changed one replaces the stored version
// (DeleteDocument, then upserts), so re-ingesting never duplicates. A
// document that fails (bad input, a failed chunk, an embedding or store
// error; or an error yielded by docs) is reported and the others go on.
//
// The error is non-nil only for invalid options or when ctx ends; the
// report then still has one entry per document seen, the unfinished ones
// failed with the context's error.
func (e *Engine) IngestSeq(ctx context.Context, docs iter.Seq2[Document, error], opts *IngestOptions) (*IngestReport, error) {
	if e.closed.Load() {
		return nil, ErrClosed
	}
	if docs == nil {
		return nil, invalid("docs", "is nil")
	}
	o, err := e.ingestOptions(opts)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan ingestJob, o.Workers)
	done := make(chan ingestItem, 2*o.Workers)
	rep := &IngestReport{}
	var wg sync.WaitGroup
	for range o.Workers {
		wg.Go(func() {
			for j := range jobs {
				done <- e.prepare(ctx, j, o)
			}
		})
	}
	go func() { // the source
		defer func() {
			close(jobs)
			wg.Wait()
			close(done)
		}()
		seen := make(map[string]int)
		i := 0
		for d, err := range docs {
			j := ingestJob{index: i, doc: d, err: err}
			i++
			if j.err == nil {
				j.err = validateDoc(d)
			}
			if j.err == nil {
				if first, dup := seen[d.ID]; dup {
					j.err = fmt.Errorf("id %q: given again (first at index %d)", d.ID, first)
				} else {
					seen[d.ID] = j.index
				}
			}
			// The writer drains done until it is closed, so these sends
			// cannot block for good; every document seen gets its report.
			if j.err != nil {
				done <- ingestItem{report: failed(j, j.err)} // failed before any work
				continue
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				done <- ingestItem{report: failed(j, ctx.Err())}
				return
			}
		}
	}()
	w := &ingestWriter{e: e, o: o, rep: rep}
	func() {
		// A panic in the Progress callback: stop the source and the
		// workers, let them finish, then panic on the caller's goroutine.
		defer func() {
			if p := recover(); p != nil {
				cancel()
				for range done {
				}
				panic(p)
			}
		}()
		w.run(ctx, done)
	}()
	rep.Wall = time.Since(start)
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("graphrag: ingest: %w", err)
	}
	return rep, nil
}

// ingestJob is one document on its way through the workers.
type ingestJob struct {
	index int
	doc   Document
	err   error
}

func failed(j ingestJob, err error) DocumentReport {
	return DocumentReport{Index: j.index, ID: j.doc.ID, Status: DocFailed, Err: err, Error: err.Error()}
}

func validateDoc(d Document) error {
	switch {
	case d.ID == "":
		return invalid("Document.ID", "is empty")
	case len(d.ID) > 512:
		return invalid("Document.ID", "is %d bytes long (at most 512)", len(d.ID))
	}
	return nil
}

// contentHash is the hex SHA-256 of a document's text.
func contentHash(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// ingestOptions applies the defaults to opts and validates them.
func (e *Engine) ingestOptions(opts *IngestOptions) (IngestOptions, error) {
	var o IngestOptions
	if opts != nil {
		o = *opts
	}
	if o.Extractor == nil {
		o.Extractor = e.cfg.extractor
	}
	switch {
	case o.Extractor == nil:
		return o, invalid("opts.Extractor", "no extractor: set it here or with WithExtractor")
	case o.Workers < 0:
		return o, invalid("opts.Workers", "%d is negative", o.Workers)
	case o.Workers > MaxIngestWorkers:
		return o, invalid("opts.Workers", "%d is more than %d", o.Workers, MaxIngestWorkers)
	case o.BatchSize < 0:
		return o, invalid("opts.BatchSize", "%d is negative", o.BatchSize)
	}
	if o.Workers == 0 {
		o.Workers = DefaultIngestWorkers
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultIngestBatch
	}
	return o, nil
}
