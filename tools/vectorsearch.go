package tools

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/tool"
)

// VectorSearchID is the ID of the vector_search tool.
const VectorSearchID = "vector_search"

// DefaultVectorSearchK is the number of hits vector_search returns when the
// input gives no k.
const DefaultVectorSearchK = 5

// VectorSearchInput is vector_search's input: exactly one of Text and
// Vector.
type VectorSearchInput struct {
	Text       string         `json:"text,omitempty" jsonschema:"description=Text to search for; it is embedded with the configured embedder. Give text or vector, not both."`
	Vector     []float32      `json:"vector,omitempty" jsonschema:"description=Query vector of the store's dimension. Give text or vector, not both."`
	K          int            `json:"k,omitempty" jsonschema:"description=Number of nodes to return (default 5),minimum=1,maximum=1000"`
	Types      []string       `json:"types,omitempty" jsonschema:"description=Keep only nodes of these entity types"`
	Properties map[string]any `json:"properties,omitempty" jsonschema:"description=Keep only nodes whose property at each key equals the value (dotted paths reach nested objects)"`
}

// VectorSearchOutput is vector_search's result, best hit first.
type VectorSearchOutput struct {
	Hits []VectorHit `json:"hits"`
}

// VectorHit is one node found by vector_search.
type VectorHit struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	Name       string         `json:"name,omitempty"`
	Score      float32        `json:"score"`
	Properties map[string]any `json:"properties,omitempty"`
	ChunkIDs   []string       `json:"chunk_ids,omitempty"`
}

// VectorSearchConfig is vector_search's configuration; every key is
// optional.
type VectorSearchConfig struct {
	// MaxK caps k (default 100): a model asking for more gets MaxK hits.
	MaxK int `json:"max_k,omitempty" jsonschema:"minimum=1,maximum=1000"`
}

// DefaultVectorSearchMaxK is VectorSearchConfig.MaxK's default.
const DefaultVectorSearchMaxK = 100

// VectorSearch returns the vector_search tool over store. emb embeds text
// queries; with a nil emb only vector queries are accepted.
func VectorSearch(store kg.Store, emb llm.Embedder) (*tool.Func, error) {
	if store == nil {
		return nil, errors.New("tools: vector_search: store is nil")
	}
	var maxK atomic.Int64 // set by Initialize, read by calls
	maxK.Store(DefaultVectorSearchMaxK)
	meta := tool.Metadata{
		ID:          VectorSearchID,
		Name:        "Vector search",
		Description: "Find the knowledge-graph nodes (entities) most similar to a text or a vector, optionally only of some entity types or with given property values. Returns each node's id, type, name, similarity score, properties and source chunk ids, best first.",
		Category:    "graph",
		Tags:        []string{"search", "vector", "graph"},
		Version:     "1.0.0",
	}
	fn := func(ctx context.Context, in VectorSearchInput) (VectorSearchOutput, error) {
		vec, err := queryVector(ctx, emb, in.Text, in.Vector)
		if err != nil {
			return VectorSearchOutput{}, err
		}
		k := in.K
		if k == 0 {
			k = DefaultVectorSearchK
		}
		k = min(k, int(maxK.Load()))
		var filter *kg.Filter
		if len(in.Types) > 0 || len(in.Properties) > 0 {
			filter = &kg.Filter{Types: in.Types, Properties: in.Properties}
		}
		hits, err := store.VectorSearch(ctx, vec, k, filter)
		if err != nil {
			return VectorSearchOutput{}, storeError(err)
		}
		out := VectorSearchOutput{Hits: make([]VectorHit, len(hits))}
		for i, h := range hits {
			out.Hits[i] = VectorHit{ID: h.Node.ID, Type: h.Node.Type, Name: h.Node.Name, Score: h.Score,
				Properties: h.Node.Properties, ChunkIDs: h.Node.ChunkIDs}
		}
		return out, nil
	}
	return tool.New(meta, fn,
		tool.WithCapabilities(tool.Capabilities{Async: true, Concurrent: true}),
		tool.WithConfig(func(_ context.Context, c VectorSearchConfig) error {
			m := c.MaxK
			if m == 0 {
				m = DefaultVectorSearchMaxK
			}
			maxK.Store(int64(m))
			return nil
		}))
}

// queryVector returns vector, or text embedded by emb; exactly one of the
// two must be given.
func queryVector(ctx context.Context, emb llm.Embedder, text string, vector []float32) ([]float32, error) {
	switch {
	case text != "" && len(vector) > 0:
		return nil, invalidInput("text", "give text or vector, not both")
	case len(vector) > 0:
		return vector, nil
	case text == "":
		return nil, invalidInput("text", "give text or vector")
	case emb == nil:
		return nil, invalidInput("text", "no embedder is configured for text queries; give vector")
	}
	vecs, err := emb.Embed(ctx, []string{text})
	if err != nil {
		return nil, fmt.Errorf("embed text: %w", transientIf(err))
	}
	if len(vecs) != 1 {
		return nil, fmt.Errorf("embed text: embedder returned %d vectors for 1 text", len(vecs))
	}
	return vecs[0], nil
}
