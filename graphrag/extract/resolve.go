package extract

import (
	"context"
	"fmt"
	"slices"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm"
)

// Resolver defaults.
const (
	// DefaultSimilarityThreshold is the Jaro–Winkler score at or above
	// which two names of one type are taken as the same entity.
	DefaultSimilarityThreshold = 0.92
	// DefaultEmbeddingThreshold is the cosine similarity of name
	// embeddings at or above which two names are the same entity.
	DefaultEmbeddingThreshold = 0.9
)

// Resolver merges entities that name the same thing: first exactly (same
// ID, or same type and normalised name), then, optionally, fuzzily within
// a type by string similarity and/or name embeddings. Fuzzy merging
// compares each candidate with the canonical entity of a cluster only,
// never with the cluster's other members, so no chain of small
// differences can merge two dissimilar names. A Resolver is safe for
// concurrent use.
type Resolver struct {
	sim          SimilarityFunc
	simThreshold float64
	emb          llm.Embedder
	embThreshold float64
	digitGuard   bool
}

// ResolverOption configures NewResolver.
type ResolverOption func(*Resolver) error

// WithSimilarity sets the string similarity and its threshold in (0, 1]
// (default JaroWinkler at DefaultSimilarityThreshold). A nil f turns
// string similarity off (exact merging only, plus embeddings if set).
func WithSimilarity(f SimilarityFunc, threshold float64) ResolverOption {
	return func(r *Resolver) error {
		if f != nil && (threshold <= 0 || threshold > 1) {
			return fmt.Errorf("extract: WithSimilarity: threshold %v must be in (0, 1]", threshold)
		}
		r.sim, r.simThreshold = f, threshold
		return nil
	}
}

// WithEmbeddingSimilarity also merges names whose embeddings (from e) have
// a cosine similarity of at least threshold, in (0, 1] (default: off).
func WithEmbeddingSimilarity(e llm.Embedder, threshold float64) ResolverOption {
	return func(r *Resolver) error {
		if e == nil {
			return fmt.Errorf("extract: WithEmbeddingSimilarity: embedder is nil")
		}
		if threshold <= 0 || threshold > 1 {
			return fmt.Errorf("extract: WithEmbeddingSimilarity: threshold %v must be in (0, 1]", threshold)
		}
		r.emb, r.embThreshold = e, threshold
		return nil
	}
}

// WithDigitGuard forbids fuzzy merges of names whose digit groups differ
// (default true): "15/9-13" and "15/9-19", or "Block 25" and "Block 26",
// are alike as strings yet different things.
func WithDigitGuard(on bool) ResolverOption {
	return func(r *Resolver) error { r.digitGuard = on; return nil }
}

// NewResolver returns a Resolver configured by opts.
func NewResolver(opts ...ResolverOption) (*Resolver, error) {
	r := &Resolver{sim: JaroWinkler, simThreshold: DefaultSimilarityThreshold, digitGuard: true}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Merge records one entity merged into another.
type Merge struct {
	// From is the merged entity's ID; Into the canonical entity's ID.
	From string `json:"from"`
	Into string `json:"into"`
	// Method is "exact", "similarity" or "embedding".
	Method string `json:"method"`
	// Score is the similarity that decided (1 for exact).
	Score float64 `json:"score"`
}

// Resolution is the outcome of Resolve.
type Resolution struct {
	// Entities are the incoming entities after merging, one per cluster,
	// in the order their first member came in. A cluster resolved to an
	// existing entity carries that entity's ID, type and name, and the
	// incoming members' aliases, mentions, properties and chunk IDs, ready
	// to be upserted (a store merges them with what it holds).
	Entities []Entity `json:"entities"`
	// Mapping maps every incoming entity ID to its canonical ID (itself
	// when it was not merged).
	Mapping map[string]string `json:"mapping"`
	// Merges lists each merge, in decision order.
	Merges []Merge `json:"merges,omitempty"`
}

// EntityFromNode turns a stored node into an Entity, so that new entities
// can be resolved against the store's (Resolve's existing argument).
func EntityFromNode(n kg.Node) Entity {
	return Entity{ID: n.ID, Type: n.Type, Name: n.Name, Properties: n.Properties, ChunkIDs: n.ChunkIDs}
}

type candidate struct {
	id, typ  string
	names    []string // normalised name and aliases
	vec      []float32
	existing int // index in existing, or -1
	out      int // index in Resolution.Entities, or -1
}

// Resolve merges incoming entities with each other and with existing ones
// (for example the store's nodes of the same types, via EntityFromNode).
// Existing entities are canonical and never merged with each other. Among
// incoming entities, those with more mentions (then more chunks, then
// earlier) become canonical first.
func (r *Resolver) Resolve(ctx context.Context, existing, incoming []Entity) (*Resolution, error) {
	for i, e := range existing {
		if e.ID == "" || e.Type == "" {
			return nil, fmt.Errorf("extract: Resolve: existing[%d] %q: id and type are required", i, e.Name)
		}
	}
	for i, e := range incoming {
		if e.ID == "" || e.Type == "" {
			return nil, fmt.Errorf("extract: Resolve: incoming[%d] %q: id and type are required", i, e.Name)
		}
	}
	res := &Resolution{Mapping: map[string]string{}}
	exByID, exByKey := map[string]int{}, map[string]int{}
	for i, e := range existing {
		exByID[e.ID] = i
		exByKey[EntityID(e.Type, e.Name)] = i
	}
	// Exact stage: incoming grouped by ID, each group looked up in existing.
	var groups []Entity
	groupOf := map[string]int{}
	for _, e := range incoming {
		if g, ok := groupOf[e.ID]; ok {
			mergeEntity(&groups[g], cloneEntity(e))
			continue
		}
		groupOf[e.ID] = len(groups)
		groups = append(groups, cloneEntity(e))
	}
	order := make([]int, len(groups))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ga, gb := &groups[a], &groups[b]
		if d := len(gb.Mentions) - len(ga.Mentions); d != 0 {
			return d
		}
		return len(gb.ChunkIDs) - len(ga.ChunkIDs)
	})
	vecs, err := r.embed(ctx, existing, groups)
	if err != nil {
		return nil, err
	}
	var cands []*candidate
	for i, e := range existing {
		cands = append(cands, &candidate{id: e.ID, typ: e.Type, names: normNames(e), vec: vecs.existing(i), existing: i, out: -1})
	}
	outOf := make([]int, len(groups)) // group -> Resolution.Entities index
	for i := range outOf {
		outOf[i] = -1
	}
	var outs []*Entity
	pos := make([]int, 0, len(groups)) // first-seen position of each output entity
	for _, gi := range order {
		g := groups[gi]
		target, method, score := -1, "exact", 1.0
		if x, ok := exByID[g.ID]; ok {
			target = x
		} else if x, ok := exByKey[EntityID(g.Type, g.Name)]; ok {
			target = x
		}
		var c *candidate
		if target >= 0 {
			c = cands[target]
		} else {
			c, method, score = r.best(cands, g, vecs.group(gi))
		}
		if c == nil { // a new canonical entity
			e := g
			outOf[gi] = len(outs)
			outs = append(outs, &e)
			pos = append(pos, gi)
			res.Mapping[g.ID] = g.ID
			cands = append(cands, &candidate{id: g.ID, typ: g.Type, names: normNames(g), vec: vecs.group(gi), existing: -1, out: outOf[gi]})
			continue
		}
		res.Mapping[g.ID] = c.id
		res.Merges = append(res.Merges, Merge{From: g.ID, Into: c.id, Method: method, Score: score})
		if c.out < 0 { // first incoming member of an existing entity
			ex := existing[c.existing]
			e := g
			e.ID, e.Type, e.Name, e.Aliases = ex.ID, ex.Type, ex.Name, nil
			mergeEntity(&e, Entity{Name: g.Name, Aliases: g.Aliases})
			c.out = len(outs)
			outs = append(outs, &e)
			pos = append(pos, gi)
			continue
		}
		mergeEntity(outs[c.out], g)
		pos[c.out] = min(pos[c.out], gi)
	}
	idx := make([]int, len(outs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return pos[a] - pos[b] })
	for _, i := range idx {
		res.Entities = append(res.Entities, *outs[i])
	}
	return res, ctx.Err()
}

// best finds the canonical candidate g merges into, if any.
func (r *Resolver) best(cands []*candidate, g Entity, vec []float32) (*candidate, string, float64) {
	names := normNames(g)
	var best *candidate
	method, score := "", 0.0
	for _, c := range cands {
		if c.typ != g.Type {
			continue
		}
		for _, a := range names {
			for _, b := range c.names {
				if r.digitGuard && digits(a) != digits(b) {
					continue
				}
				if r.sim != nil {
					if s := r.sim(a, b); s >= r.simThreshold && s > score {
						best, method, score = c, "similarity", s
					}
				}
				if vec != nil && c.vec != nil {
					if s := kg.Cosine(vec, c.vec); s >= r.embThreshold && s > score {
						best, method, score = c, "embedding", s
					}
				}
			}
		}
	}
	return best, method, score
}

func normNames(e Entity) []string {
	out := []string{NormalizeName(e.Name)}
	for _, a := range e.Aliases {
		if n := NormalizeName(a); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// vectors holds name embeddings: existing entities first, then groups.
type vectors struct {
	all [][]float32
	n   int // len(existing)
}

func (v vectors) existing(i int) []float32 {
	if v.all == nil {
		return nil
	}
	return v.all[i]
}

func (v vectors) group(i int) []float32 {
	if v.all == nil {
		return nil
	}
	return v.all[v.n+i]
}

// embed embeds the names of existing entities and groups when an embedder
// is set.
func (r *Resolver) embed(ctx context.Context, existing, groups []Entity) (vectors, error) {
	if r.emb == nil || len(groups) == 0 {
		return vectors{}, nil
	}
	texts := make([]string, 0, len(existing)+len(groups))
	for _, e := range append(slices.Clip(existing), groups...) {
		texts = append(texts, e.Name)
	}
	out := vectors{all: make([][]float32, len(texts)), n: len(existing)}
	for i, res := range llm.EmbedBatch(ctx, r.emb, texts) {
		if res.Err != nil {
			return vectors{}, fmt.Errorf("extract: Resolve: embedding %q: %w", texts[i], res.Err)
		}
		out.all[i] = res.Value
	}
	return out, nil
}

// cloneEntity copies e's slices and maps so merging never writes to the
// caller's values.
func cloneEntity(e Entity) Entity {
	e.Aliases = slices.Clone(e.Aliases)
	e.Mentions = slices.Clone(e.Mentions)
	e.ChunkIDs = slices.Clone(e.ChunkIDs)
	e.Flags = slices.Clone(e.Flags)
	if e.Properties != nil {
		p := make(map[string]any, len(e.Properties))
		for k, v := range e.Properties {
			p[k] = v
		}
		e.Properties = p
	}
	return e
}

// Relations rewrites rels to the canonical entity IDs of the resolution:
// endpoints mapped, IDs recomputed, duplicates merged. Relations whose
// endpoints became one entity are returned apart, in loops.
func (res *Resolution) Relations(rels []Relation) (kept, loops []Relation) {
	byID := map[string]int{}
	for _, r := range rels {
		r.ChunkIDs = slices.Clone(r.ChunkIDs)
		r.Flags = slices.Clone(r.Flags)
		if to, ok := res.Mapping[r.From]; ok {
			r.From = to
		}
		if to, ok := res.Mapping[r.To]; ok {
			r.To = to
		}
		if r.From == r.To {
			loops = append(loops, r)
			continue
		}
		r.ID = kg.EdgeID(r.From, r.Type, r.To)
		if i, ok := byID[r.ID]; ok {
			mergeRelation(&kept[i], r)
			continue
		}
		byID[r.ID] = len(kept)
		kept = append(kept, r)
	}
	return kept, loops
}
