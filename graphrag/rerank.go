package graphrag

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// Kind is the kind of a retrieved item: a node, an edge or a chunk.
type Kind string

// The kinds of items.
const (
	KindNode  Kind = "node"
	KindEdge  Kind = "edge"
	KindChunk Kind = "chunk"
)

// Candidate is a retrieved item the ReRanker orders.
type Candidate struct {
	// Kind and ID identify the item (a node, edge or chunk ID).
	Kind Kind
	ID   string
	// Text is what the item contributes to the context.
	Text string
	// Embedding is the item's vector in the question's space: a node's
	// stored embedding; for an edge, the normalised sum of its endpoints'
	// embeddings; a chunk's stored embedding, or the one the engine
	// computed from its text. nil when there is none.
	Embedding []float32
	// Depth is the number of hops from the nearest seed: 0 for the seeds
	// and their chunks, d for nodes and edges reached at hop d, and for a
	// chunk the smallest depth of the items it supports.
	Depth int
	// Score is the re-ranker's score, higher first.
	Score float64
}

// ReRanker orders retrieved candidates for the context: it returns the
// candidates to keep, best first, with Score set. It must not modify the
// question vector or the candidates' embeddings.
//
// Re-rankers with settings may implement Validate() error, which Query
// calls before anything runs.
type ReRanker interface {
	ReRank(ctx context.Context, question []float32, cands []Candidate) ([]Candidate, error)
}

// Cosine is the default ReRanker: every candidate scored by its cosine
// similarity to the question (0 without an embedding), best first, ties
// in kind order (nodes, edges, chunks), then by ID.
type Cosine struct{}

// ReRank implements ReRanker.
func (Cosine) ReRank(ctx context.Context, q []float32, cands []Candidate) ([]Candidate, error) {
	out := slices.Clone(cands)
	for i := range out {
		out[i].Score = kg.Cosine(q, out[i].Embedding)
	}
	slices.SortStableFunc(out, byScore)
	return out, ctx.Err()
}

// byScore orders by score (higher first), kind, then ID.
func byScore(a, b Candidate) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	if c := cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func kindRank(k Kind) int {
	switch k {
	case KindNode:
		return 0
	case KindEdge:
		return 1
	}
	return 2
}

// DefaultMMRPool is the number of best-by-cosine candidates MMR reorders
// when Pool is 0.
const DefaultMMRPool = 200

// MMR is a ReRanker for diversity: maximal marginal relevance. Among the
// Pool candidates most similar to the question it picks, one at a time,
// the candidate maximising
//
//	Lambda·cos(question, c) − (1−Lambda)·max over picked p of cos(c, p)
//
// so that near-duplicates of what is already picked fall back; the other
// candidates follow by cosine. A candidate's Score is its MMR value at the
// time it was picked (its cosine for those beyond the pool).
type MMR struct {
	// Lambda in [0, 1] weighs relevance against diversity: 1 is Cosine,
	// 0 is diversity only. The zero value is invalid: set it (0.5 is a
	// usual choice).
	Lambda float64
	// Pool is how many candidates are reordered (default DefaultMMRPool;
	// the cost grows with its square).
	Pool int
}

// Validate checks Lambda and Pool.
func (m MMR) Validate() error {
	if math.IsNaN(m.Lambda) || m.Lambda <= 0 || m.Lambda > 1 {
		return fmt.Errorf("MMR.Lambda %v is outside (0, 1]", m.Lambda)
	}
	if m.Pool < 0 {
		return fmt.Errorf("MMR.Pool %d is negative", m.Pool)
	}
	return nil
}

// ReRank implements ReRanker.
func (m MMR) ReRank(ctx context.Context, q []float32, cands []Candidate) ([]Candidate, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	ranked, err := Cosine{}.ReRank(ctx, q, cands)
	if err != nil {
		return nil, err
	}
	pool := m.Pool
	if pool == 0 {
		pool = DefaultMMRPool
	}
	pool = min(pool, len(ranked))
	rest := ranked[pool:]
	todo := slices.Clone(ranked[:pool])
	// maxSim[i]: the largest similarity of todo[i] to a picked candidate.
	maxSim := make([]float64, len(todo))
	out := make([]Candidate, 0, len(ranked))
	for len(todo) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		best, bestV := 0, math.Inf(-1)
		for i, c := range todo {
			v := m.Lambda*c.Score - (1-m.Lambda)*maxSim[i]
			if v > bestV {
				best, bestV = i, v
			}
		}
		picked := todo[best]
		todo = slices.Delete(todo, best, best+1)
		maxSim = slices.Delete(maxSim, best, best+1)
		for i := range todo {
			maxSim[i] = max(maxSim[i], kg.Cosine(picked.Embedding, todo[i].Embedding))
		}
		picked.Score = bestV
		out = append(out, picked)
	}
	return append(out, rest...), nil
}
