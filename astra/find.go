package astra

import (
	"context"
	"fmt"
	"iter"
)

// FindOptions are per-call options of Find; nil means none.
type FindOptions struct {
	// Projection selects the fields returned (default: all but $vector).
	Projection Projection
	// Sort orders the results. A vector sort (Sort{"$vector": v}) returns
	// one page of at most MaxVectorSearchLimit documents.
	Sort Sort
	// Limit caps the documents returned across all pages (0: no limit).
	Limit int
	// Skip skips documents (only with a non-vector sort).
	Skip int
	// IncludeSimilarity adds $similarity to each document (vector sort).
	IncludeSimilarity bool
	// IncludeSortVector asks for the sort vector (Cursor.SortVector).
	IncludeSortVector bool
	// PageState resumes from a page state returned by Cursor.PageState.
	PageState string
}

// FindOneOptions are per-call options of FindOne; nil means none.
type FindOneOptions struct {
	// Projection selects the fields returned.
	Projection Projection
	// Sort chooses which matching document is returned.
	Sort Sort
	// IncludeSimilarity adds $similarity (vector sort).
	IncludeSimilarity bool
}

// Cursor iterates over the documents of a Find, fetching pages lazily: each
// page re-sends the same command with options.pageState until the server's
// nextPageState is null. A Cursor is not safe for concurrent use.
type Cursor struct {
	coll       *Collection
	filter     Filter
	opts       FindOptions
	buf        []Document
	cur        Document
	pageState  string
	started    bool
	done       bool
	err        error
	endErr     error // reported once the last page is consumed
	sortVector []float32
	warnings   []Warning
	pages      int
}

// Find returns a cursor over the documents matching filter (nil matches
// all). Nothing is sent until the cursor is iterated; invalid inputs are
// reported by the first iteration.
func (coll *Collection) Find(filter Filter, opts *FindOptions) *Cursor {
	cur := &Cursor{coll: coll, filter: filter}
	if opts != nil {
		cur.opts = *opts
	}
	cur.pageState = cur.opts.PageState
	cur.err = cur.validate()
	return cur
}

func (cur *Cursor) validate() error {
	o := cur.opts
	if o.Limit < 0 {
		return &InvalidInputError{Field: "Limit", Reason: fmt.Sprintf("%d: want ≥ 0", o.Limit)}
	}
	if o.Skip < 0 {
		return &InvalidInputError{Field: "Skip", Reason: fmt.Sprintf("%d: want ≥ 0", o.Skip)}
	}
	if v, ok := o.Sort["$vector"]; ok {
		if err := validateVector("Sort.$vector", v, cur.coll.dim); err != nil {
			return err
		}
		if o.Limit > MaxVectorSearchLimit {
			return &InvalidInputError{Field: "Limit", Reason: fmt.Sprintf("%d exceeds the Data API's vector search limit of %d", o.Limit, MaxVectorSearchLimit)}
		}
		if o.Skip > 0 {
			return &InvalidInputError{Field: "Skip", Reason: "not allowed with a vector sort"}
		}
	}
	if len(o.Sort) > 0 && o.PageState != "" {
		return &InvalidInputError{Field: "PageState", Reason: "not allowed with a sort"}
	}
	return validName("collection", cur.coll.name)
}

// findPayload builds the find command for one page.
func findPayload(filter Filter, o FindOptions, pageState string, first bool) map[string]any {
	if filter == nil {
		filter = Filter{}
	}
	p := map[string]any{"filter": filter}
	if o.Projection != nil {
		p["projection"] = o.Projection
	}
	if len(o.Sort) > 0 {
		p["sort"] = o.Sort
	}
	options := map[string]any{}
	if o.Limit > 0 {
		options["limit"] = o.Limit
	}
	if o.Skip > 0 {
		options["skip"] = o.Skip
	}
	if o.IncludeSimilarity {
		options["includeSimilarity"] = true
	}
	if o.IncludeSortVector {
		options["includeSortVector"] = first // only the first page asks
	}
	if pageState != "" {
		options["pageState"] = pageState
	}
	p["options"] = options
	return p
}

// fetch gets the next page into buf.
func (cur *Cursor) fetch(ctx context.Context) {
	first := !cur.started
	cur.started = true
	r, err := cur.coll.send(ctx, "find", findPayload(cur.filter, cur.opts, cur.pageState, first), true)
	if err != nil {
		cur.err, cur.done = err, true
		return
	}
	if !r.HasDocuments {
		cur.err, cur.done = badResponse("find", "no data.documents"), true
		return
	}
	cur.pages++
	cur.warnings = append(cur.warnings, r.Status.Warnings...)
	if first && r.Status.SortVector != nil {
		cur.sortVector = r.Status.SortVector
	}
	cur.buf = r.Documents
	switch {
	case r.NextPageState == "":
		cur.done = true
	case r.NextPageState == cur.pageState:
		// A repeated state would loop for ever.
		cur.done = true
		cur.endErr = badResponse("find", "nextPageState repeats the page state sent")
	}
	cur.pageState = r.NextPageState
}

// Next advances to the next document, fetching a page when needed. It
// returns false at the end, on error (see Err) or when ctx ends.
func (cur *Cursor) Next(ctx context.Context) bool {
	for {
		if cur.err != nil {
			return false
		}
		if err := ctx.Err(); err != nil {
			cur.err = err
			return false
		}
		if len(cur.buf) > 0 {
			cur.cur, cur.buf = cur.buf[0], cur.buf[1:]
			return true
		}
		if cur.done {
			cur.cur, cur.err = nil, cur.endErr
			return false
		}
		cur.fetch(ctx)
	}
}

// Current returns the document Next moved to.
func (cur *Cursor) Current() Document { return cur.cur }

// Decode decodes the current document into v (a pointer), like Decode.
func (cur *Cursor) Decode(v any) error { return decodeInto(cur.cur, v) }

// Err returns the error that ended the iteration, nil at a clean end.
func (cur *Cursor) Err() error { return cur.err }

// PageState returns the state to resume after the page fetched last ("" at
// the end); documents of that page not yet consumed are not included.
func (cur *Cursor) PageState() string {
	if cur.done {
		return ""
	}
	return cur.pageState
}

// Pages returns the number of pages fetched so far.
func (cur *Cursor) Pages() int { return cur.pages }

// SortVector returns the sort vector the server reported (with
// IncludeSortVector), after the first page.
func (cur *Cursor) SortVector() []float32 { return cur.sortVector }

// Warnings returns the API's warnings seen so far.
func (cur *Cursor) Warnings() []Warning { return cur.warnings }

// All iterates over the remaining documents. An error ends the iteration
// and is yielded once with a nil document; breaking out early is fine.
func (cur *Cursor) All(ctx context.Context) iter.Seq2[Document, error] {
	return func(yield func(Document, error) bool) {
		for cur.Next(ctx) {
			if !yield(cur.cur, nil) {
				return
			}
		}
		if cur.err != nil {
			yield(nil, cur.err)
		}
	}
}

// ToSlice reads every remaining document.
func (cur *Cursor) ToSlice(ctx context.Context) ([]Document, error) {
	var out []Document
	for d, err := range cur.All(ctx) {
		if err != nil {
			return out, err
		}
		out = append(out, d)
	}
	return out, nil
}

// FindOne returns the first document matching filter (nil matches any),
// or ErrNoDocument.
func (coll *Collection) FindOne(ctx context.Context, filter Filter, opts *FindOneOptions) (Document, error) {
	var o FindOneOptions
	if opts != nil {
		o = *opts
	}
	if v, ok := o.Sort["$vector"]; ok {
		if err := validateVector("Sort.$vector", v, coll.dim); err != nil {
			return nil, err
		}
	}
	if filter == nil {
		filter = Filter{}
	}
	p := map[string]any{"filter": filter}
	if o.Projection != nil {
		p["projection"] = o.Projection
	}
	if len(o.Sort) > 0 {
		p["sort"] = o.Sort
	}
	options := map[string]any{}
	if o.IncludeSimilarity {
		options["includeSimilarity"] = true
	}
	p["options"] = options
	r, err := coll.send(ctx, "findOne", p, true)
	if err != nil {
		return nil, err
	}
	if !r.HasDocument {
		return nil, badResponse("findOne", "no data.document")
	}
	if r.Document == nil {
		return nil, ErrNoDocument
	}
	return r.Document, nil
}
