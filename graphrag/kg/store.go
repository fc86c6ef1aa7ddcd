package kg

import (
	"context"
	"errors"
)

// Store holds a knowledge graph. Implementations are safe for concurrent
// use; every method that can block takes a context and stops when it ends.
//
// Batch reads (Nodes, Chunks, Neighbors) return exactly one entry per
// input ID, in input order. Upserts are idempotent by ID and merge (see the
// package documentation); a batch is applied completely or, on error, the
// error says which record failed and nothing of the batch is applied.
type Store interface {
	// UpsertDocuments records source documents.
	UpsertDocuments(ctx context.Context, docs []Document) error
	// UpsertChunks records chunks; a chunk's document need not exist yet.
	UpsertChunks(ctx context.Context, chunks []Chunk) error
	// UpsertNodes records nodes, merging with existing ones.
	UpsertNodes(ctx context.Context, nodes []Node) error
	// UpsertEdges records edges, merging with existing ones. Edges may
	// refer to nodes not stored yet.
	UpsertEdges(ctx context.Context, edges []Edge) error

	// VectorSearch returns the k nodes most similar (cosine) to vector
	// among those that have an embedding and match filter (nil: all),
	// most similar first.
	VectorSearch(ctx context.Context, vector []float32, k int, filter *Filter) ([]Hit, error)
	// Nodes returns the nodes with the given IDs; an entry is nil when the
	// ID is not stored.
	Nodes(ctx context.Context, ids []string) ([]*Node, error)
	// Chunks returns the chunks with the given IDs; nil when missing.
	Chunks(ctx context.Context, ids []string) ([]*Chunk, error)
	// Neighbors returns, for each given node ID, its edges that match
	// opts, ordered by edge type, then the other node's ID, at most
	// opts.Limit per node (0: all).
	Neighbors(ctx context.Context, ids []string, opts NeighborOptions) ([][]Edge, error)

	// DeleteDocument removes a document, its chunks, and the nodes and
	// edges that only its chunks supported; nodes and edges supported by
	// other documents too lose this document's chunks and stay.
	DeleteDocument(ctx context.Context, id string) (DeleteStats, error)
	// Stats counts what the store holds.
	Stats(ctx context.Context) (Stats, error)
	// Close releases the store. Calling it again returns nil.
	Close() error
}

// Hit is a VectorSearch result.
type Hit struct {
	// Node is the matching node.
	Node Node
	// Score is the cosine similarity to the query, in [-1, 1].
	Score float32
}

// Direction selects which edges Neighbors follows.
type Direction int

const (
	// Outgoing edges start at the node (the default).
	Outgoing Direction = iota
	// Incoming edges end at the node.
	Incoming
	// Both follows edges either way.
	Both
)

// NeighborOptions select edges in Neighbors.
type NeighborOptions struct {
	// EdgeTypes, when set, keeps only these relation types.
	EdgeTypes []string
	// Direction: Outgoing (default), Incoming or Both.
	Direction Direction
	// Limit bounds the edges per node (0: no bound).
	Limit int
}

// DeleteStats reports what DeleteDocument removed.
type DeleteStats struct {
	Chunks, Nodes, Edges int
	// NodesKept and EdgesKept were supported by other documents too.
	NodesKept, EdgesKept int
}

// Stats counts a store's records.
type Stats struct {
	Documents, Chunks, Nodes, Edges int
	// Embedded counts nodes with an embedding.
	Embedded int
	// Dimension is the embedding dimension (0 before the first one).
	Dimension int
}

// Errors shared by stores.
var (
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("kg: store closed")
	// ErrDimension: a vector's length differs from the store's dimension.
	ErrDimension = errors.New("kg: embedding dimension mismatch")
	// ErrInvalid: a record or argument is invalid (the error names it).
	ErrInvalid = errors.New("kg: invalid")
	// ErrOntology: a node or edge breaks the store's ontology.
	ErrOntology = errors.New("kg: ontology violation")
)
