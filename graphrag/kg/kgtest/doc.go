// Package kgtest is the conformance suite for kg.Store implementations,
// and a small in-memory reference Store.
//
// A store package runs the suite from its own tests:
//
//	func TestConformance(t *testing.T) {
//		kgtest.Run(t, func(t *testing.T) kg.Store { return openMyStore(t) })
//	}
//
// or, when the store needs the embedding dimension at open time, through a
// Suite:
//
//	kgtest.Suite{Open: func(t *testing.T, dim int) kg.Store { ... }}.Run(t)
//
// The suite checks upsert idempotence and merging, all-or-nothing batches,
// batch reads in input order, Neighbors ordering and options, VectorSearch
// (cosine ranking, filters, k, dimensions), DeleteDocument, Stats, Close,
// context cancellation, isolation of returned and stored values, and
// concurrent readers beside a writer (run it with -race). It also runs the
// "animals" data set's cases (datastax/graph-rag): its store operations,
// and its traversal cases through graphrag/traverse (eager, MMR and
// scored strategies over the store's Neighbors and VectorSearch). The data
// is read from ../shared/data/animals next to the module root or from
// $KGAS_SHARED_DATA; the cases are skipped with a message when the folder
// is absent.
//
// Contract points the suite pins down where the kg.Store documentation
// leaves room: invalid records fail with kg.ErrInvalid and name the record;
// VectorSearch with k = 0 returns no hits and no error; an unknown ID gives
// an empty Neighbors list; DeleteDocument of an unknown document returns
// zero DeleteStats and no error; nodes without chunk IDs are never removed
// by DeleteDocument.
//
// NewMemStore returns the reference Store: maps under one lock, simple
// enough to be obviously correct, and useful as a fake in users' tests.
package kgtest
