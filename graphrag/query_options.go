package graphrag

import (
	"github.com/kgas-dev/kgas/graphrag/kg"
)

// Defaults and limits of QueryOptions.
const (
	// DefaultK is the number of seed nodes of the vector search.
	DefaultK = 8
	// DefaultDepth is how many hops the neighbour fetch follows.
	DefaultDepth = 2
	// DefaultTokenBudget bounds the estimated tokens of the context.
	DefaultTokenBudget = 2000
	// DefaultMaxNeighbors bounds the edges followed per node and hop.
	DefaultMaxNeighbors = 25
	// DefaultMaxChunksPerNode bounds the source chunks fetched per node.
	DefaultMaxChunksPerNode = 10

	// MaxK is the largest K (the Data API's largest vector search).
	MaxK = 1000
	// MaxDepth is the largest Depth.
	MaxDepth = 6
)

// QueryOptions tune one query. A nil *QueryOptions means the engine's
// defaults (DefaultQueryOptions unless WithQueryDefaults changed them).
//
// In a non-nil QueryOptions, the fields without a useful zero value (K,
// TokenBudget, ReRanker) take the engine's defaults when zero; every other
// field is taken as written: Depth 0 fetches no neighbours, Direction 0
// is kg.Outgoing, MaxNeighbors and MaxChunksPerNode 0 mean no bound. To
// change a few fields, start from Engine.QueryDefaults().
type QueryOptions struct {
	// K is the number of seed nodes the vector search returns
	// (default DefaultK, at most MaxK).
	K int
	// Depth is the number of hops followed from the seeds (default
	// DefaultDepth, at most MaxDepth); 0 keeps the seeds only.
	Depth int
	// EdgeTypes, when set, keeps only edges of these types.
	EdgeTypes []string
	// Direction is the direction edges are followed in (default
	// kg.Both).
	Direction kg.Direction
	// Filter selects the seed nodes (nil: any); neighbours are not
	// filtered.
	Filter *kg.Filter
	// TokenBudget bounds the estimated tokens of the context given to the
	// answer (default DefaultTokenBudget): ceil(bytes/4) of each item's
	// prompt line, as llm.EstimateEmbedTokens counts, plus one. An item
	// larger than the budget never enters the context.
	TokenBudget int
	// ReRanker orders the retrieved nodes, edges and chunks before the
	// context is assembled (default Cosine{}).
	ReRanker ReRanker
	// MaxNeighbors bounds the edges followed per node and hop (default
	// DefaultMaxNeighbors; 0: no bound).
	MaxNeighbors int
	// MaxChunksPerNode bounds the source chunks fetched per node, first
	// ones first (default DefaultMaxChunksPerNode; 0: no bound). Edges'
	// chunks are always fetched.
	MaxChunksPerNode int
}

// DefaultQueryOptions returns the package defaults: K DefaultK, Depth
// DefaultDepth, both directions, any edge type, no filter, TokenBudget
// DefaultTokenBudget, the Cosine re-ranker, MaxNeighbors
// DefaultMaxNeighbors, MaxChunksPerNode DefaultMaxChunksPerNode.
func DefaultQueryOptions() QueryOptions {
	return QueryOptions{
		K:                DefaultK,
		Depth:            DefaultDepth,
		Direction:        kg.Both,
		TokenBudget:      DefaultTokenBudget,
		ReRanker:         Cosine{},
		MaxNeighbors:     DefaultMaxNeighbors,
		MaxChunksPerNode: DefaultMaxChunksPerNode,
	}
}

// fill returns q with its zero K, TokenBudget and ReRanker taken from def.
func fill(q, def QueryOptions) QueryOptions {
	if q.K == 0 {
		q.K = def.K
	}
	if q.TokenBudget == 0 {
		q.TokenBudget = def.TokenBudget
	}
	if q.ReRanker == nil {
		q.ReRanker = def.ReRanker
	}
	return q
}

// validator is implemented by re-rankers that can check their settings.
type validator interface{ Validate() error }

// validate checks q, naming the offending field under prefix.
func (q *QueryOptions) validate(prefix string) error {
	f := func(name string) string { return prefix + "." + name }
	switch {
	case q.K <= 0 || q.K > MaxK:
		return invalid(f("K"), "%d is outside [1, %d]", q.K, MaxK)
	case q.Depth < 0 || q.Depth > MaxDepth:
		return invalid(f("Depth"), "%d is outside [0, %d]", q.Depth, MaxDepth)
	case q.Direction != kg.Outgoing && q.Direction != kg.Incoming && q.Direction != kg.Both:
		return invalid(f("Direction"), "%d is not kg.Outgoing, kg.Incoming or kg.Both", q.Direction)
	case q.TokenBudget <= 0:
		return invalid(f("TokenBudget"), "%d is not positive", q.TokenBudget)
	case q.MaxNeighbors < 0:
		return invalid(f("MaxNeighbors"), "%d is negative", q.MaxNeighbors)
	case q.MaxChunksPerNode < 0:
		return invalid(f("MaxChunksPerNode"), "%d is negative", q.MaxChunksPerNode)
	case q.ReRanker == nil:
		return invalid(f("ReRanker"), "is nil")
	}
	for i, t := range q.EdgeTypes {
		if t == "" {
			return invalid(f("EdgeTypes"), "entry %d is empty", i)
		}
	}
	if q.Filter != nil {
		for i, t := range q.Filter.Types {
			if t == "" {
				return invalid(f("Filter.Types"), "entry %d is empty", i)
			}
		}
		for k := range q.Filter.Properties {
			if k == "" {
				return invalid(f("Filter.Properties"), "has an empty key")
			}
		}
	}
	if v, ok := q.ReRanker.(validator); ok {
		if err := v.Validate(); err != nil {
			return invalid(f("ReRanker"), "%v", err)
		}
	}
	return nil
}
