package llm

import "context"

// Embedder turns texts into vectors.
//
// Embed returns exactly one vector per text, in input order, each of
// length Dimension(). Implementations must be safe for concurrent use.
type Embedder interface {
	// Embed embeds texts. An error means no vector is returned; batch
	// helpers (EmbedBatch) give per-item results instead.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Dimension is the length of every vector Embed returns.
	Dimension() int
	// Model names the embedding model (used, with the dimension, to key
	// caches, so that vectors of different models never mix).
	Model() string
}
