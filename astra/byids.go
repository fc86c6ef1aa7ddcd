package astra

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
)

// FindByIDsOptions are per-call options of FindByIDs; nil means the
// defaults.
type FindByIDsOptions struct {
	// Projection selects the fields returned; it must not exclude _id.
	Projection Projection
	// ChunkSize is the ids per request (default: the client's,
	// DefaultIDsChunkSize unless WithIDsChunkSize; at most MaxInValues).
	ChunkSize int
	// Concurrency bounds the requests in flight (default: the client's,
	// DefaultIDsConcurrency unless WithIDsConcurrency).
	Concurrency int
}

// IDResult is the outcome for one id of FindByIDs: a document, or an error
// (ErrNoDocument when the id does not exist, or the error of the request
// that should have fetched it).
type IDResult struct {
	// ID is the id as given.
	ID any
	// Document is the document, nil on error.
	Document Document
	// Err is nil when Document is set.
	Err error
}

// IDResults are FindByIDs' results, one per input id, in input order.
type IDResults []IDResult

// Missing returns the ids that do not exist (ErrNoDocument), in input
// order, duplicates included.
func (rs IDResults) Missing() []any {
	var out []any
	for _, r := range rs {
		if errors.Is(r.Err, ErrNoDocument) {
			out = append(out, r.ID)
		}
	}
	return out
}

// Documents returns the documents found, in input order.
func (rs IDResults) Documents() []Document {
	var out []Document
	for _, r := range rs {
		if r.Err == nil {
			out = append(out, r.Document)
		}
	}
	return out
}

// Err returns the first error other than ErrNoDocument, if any.
func (rs IDResults) Err() error {
	for _, r := range rs {
		if r.Err != nil && !errors.Is(r.Err, ErrNoDocument) {
			return r.Err
		}
	}
	return nil
}

// FindByIDs fetches documents by _id: the distinct ids are split into
// find {"_id": {"$in": [...]}} requests within the server's $in limit,
// sent concurrently (pages of one request are followed, interleaved with
// other requests). It returns exactly len(ids) results in input order;
// a duplicated id gets its own shallow copy of the document. The error is
// non-nil only for invalid input; request failures are reported per id.
func (coll *Collection) FindByIDs(ctx context.Context, ids []any, opts *FindByIDsOptions) (IDResults, error) {
	var o FindByIDsOptions
	if opts != nil {
		o = *opts
	}
	if o.ChunkSize == 0 {
		o.ChunkSize = coll.c.cfg.idsChunk
	}
	if o.ChunkSize < 1 || o.ChunkSize > MaxInValues {
		return nil, &InvalidInputError{Field: "ChunkSize", Reason: fmt.Sprintf("%d: want 1..%d", o.ChunkSize, MaxInValues)}
	}
	if o.Concurrency == 0 {
		o.Concurrency = coll.c.cfg.idsConc
	}
	if o.Concurrency < 1 {
		return nil, &InvalidInputError{Field: "Concurrency", Reason: fmt.Sprintf("%d: want ≥ 1", o.Concurrency)}
	}
	if v, ok := o.Projection["_id"]; ok && (v == 0 || v == false || v == 0.0) {
		return nil, &InvalidInputError{Field: "Projection._id", Reason: "FindByIDs needs _id to match documents to ids"}
	}
	if err := validName("collection", coll.name); err != nil {
		return nil, err
	}
	keys := make([]string, len(ids))
	var unique []any
	chunkOf := map[string]int{}
	for i, id := range ids {
		k, err := idKey(coll.c.enc, id)
		if err != nil {
			return nil, &InvalidInputError{Field: fmt.Sprintf("ids[%d]", i), Reason: err.Error()}
		}
		keys[i] = k
		if _, seen := chunkOf[k]; !seen {
			chunkOf[k] = len(unique) / o.ChunkSize
			unique = append(unique, id)
		}
	}
	var chunks [][]any
	for start := 0; start < len(unique); start += o.ChunkSize {
		chunks = append(chunks, unique[start:min(start+o.ChunkSize, len(unique))])
	}
	found, chunkErr := coll.fetchChunks(ctx, chunks, o)
	out := make(IDResults, len(ids))
	used := map[string]bool{}
	for i, id := range ids {
		k := keys[i]
		out[i].ID = id
		switch doc, ok := found[k]; {
		case ok && used[k]:
			out[i].Document = maps.Clone(doc)
		case ok:
			out[i].Document, used[k] = doc, true
		case chunkErr[chunkOf[k]] != nil:
			out[i].Err = chunkErr[chunkOf[k]]
		default:
			out[i].Err = ErrNoDocument
		}
	}
	return out, nil
}

// fetchChunks runs the $in requests of FindByIDs with a bounded pool of
// workers over a queue of (chunk, page state) tasks, and returns the
// documents found by id key and each chunk's error.
func (coll *Collection) fetchChunks(ctx context.Context, chunks [][]any, o FindByIDsOptions) (map[string]Document, []error) {
	type task struct {
		chunk int
		state string
	}
	found := map[string]Document{}
	chunkErr := make([]error, len(chunks))
	if len(chunks) == 0 {
		return found, chunkErr
	}
	var mu sync.Mutex
	// Each chunk has at most one task queued or running, so the queue
	// never blocks a producer.
	tasks := make(chan task, len(chunks))
	var pending sync.WaitGroup
	pending.Add(len(chunks))
	for i := range chunks {
		tasks <- task{chunk: i}
	}
	go func() { pending.Wait(); close(tasks) }()
	handle := func(t task) {
		defer pending.Done()
		if err := ctx.Err(); err != nil {
			chunkErr[t.chunk] = fmt.Errorf("astra: find: not sent: %w", err)
			return
		}
		p := map[string]any{"filter": Filter{"_id": Document{"$in": chunks[t.chunk]}}}
		if o.Projection != nil {
			p["projection"] = o.Projection
		}
		options := map[string]any{}
		if t.state != "" {
			options["pageState"] = t.state
		}
		p["options"] = options
		r, err := coll.send(ctx, "find", p, true)
		if err == nil && !r.HasDocuments {
			err = badResponse("find", "no data.documents")
		}
		if err == nil && r.NextPageState != "" && r.NextPageState == t.state {
			err = badResponse("find", "nextPageState repeats the page state sent")
		}
		if err != nil {
			chunkErr[t.chunk] = err
			return
		}
		mu.Lock()
		for _, d := range r.Documents {
			if k, err := idKey(coll.c.enc, d["_id"]); err == nil {
				if _, dup := found[k]; !dup {
					found[k] = d
				}
			}
		}
		mu.Unlock()
		if r.NextPageState != "" {
			pending.Add(1)
			tasks <- task{chunk: t.chunk, state: r.NextPageState}
		}
	}
	var workers sync.WaitGroup
	for range min(o.Concurrency, len(chunks)) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for t := range tasks {
				handle(t)
			}
		}()
	}
	workers.Wait()
	return found, chunkErr
}
