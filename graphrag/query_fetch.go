package graphrag

import (
	"context"
	"fmt"
	"maps"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// pipeline holds one query's settings; its methods are the steps.
type pipeline struct {
	e        *Engine
	q        QueryOptions
	question string
}

// seedSet is the search step's result.
type seedSet struct {
	hits []kg.Hit
	// chunkIDs are the seeds' chunk IDs (bounded per node), deduplicated.
	chunkIDs []string
}

// hop is the result of the neighbors-d step.
type hop struct {
	depth int
	// edges were first found at this hop.
	edges []kg.Edge
	// newIDs are the node IDs first reached at this hop, in order found.
	newIDs []string
	// seen holds every node ID reached so far (seeds included).
	seen map[string]bool
	// seenEdges holds every edge ID found so far.
	seenEdges map[string]bool
}

// nodeAt is a node with the hop it was reached at.
type nodeAt struct {
	node  kg.Node
	depth int
}

// chunkAt is a chunk with the smallest depth of the items citing it.
type chunkAt struct {
	chunk kg.Chunk
	depth int
}

func (p *pipeline) embedQuestion(ctx context.Context) ([]float32, error) {
	vecs, err := p.e.emb.Embed(ctx, []string{p.question})
	if err != nil {
		return nil, err
	}
	if len(vecs) != 1 || len(vecs[0]) != p.e.emb.Dimension() {
		return nil, fmt.Errorf("graphrag: the embedder returned %d vectors for 1 text, or a vector of the wrong dimension", len(vecs))
	}
	return vecs[0], nil
}

func (p *pipeline) search(ctx context.Context, qvec []float32) (*seedSet, error) {
	hits, err := p.e.store.VectorSearch(ctx, qvec, p.q.K, p.q.Filter)
	if err != nil {
		return nil, err
	}
	s := &seedSet{hits: hits}
	seen := map[string]bool{}
	for _, h := range hits {
		for _, id := range p.capChunks(h.Node.ChunkIDs) {
			if !seen[id] {
				seen[id] = true
				s.chunkIDs = append(s.chunkIDs, id)
			}
		}
	}
	return s, nil
}

// capChunks returns the first MaxChunksPerNode of ids (all when 0).
func (p *pipeline) capChunks(ids []string) []string {
	if p.q.MaxChunksPerNode > 0 && len(ids) > p.q.MaxChunksPerNode {
		return ids[:p.q.MaxChunksPerNode]
	}
	return ids
}

func (p *pipeline) seedChunks(ctx context.Context, s *seedSet) ([]chunkAt, error) {
	return p.fetchChunks(ctx, s.chunkIDs, 0)
}

// firstHop fetches the seeds' edges.
func (p *pipeline) firstHop(ctx context.Context, s *seedSet) (*hop, error) {
	start := &hop{seen: map[string]bool{}, seenEdges: map[string]bool{}}
	for _, h := range s.hits {
		if !start.seen[h.Node.ID] {
			start.seen[h.Node.ID] = true
			start.newIDs = append(start.newIDs, h.Node.ID)
		}
	}
	return p.expand(ctx, start)
}

// nextHop fetches the edges of the nodes the previous hop reached.
func (p *pipeline) nextHop(ctx context.Context, prev *hop) (*hop, error) {
	return p.expand(ctx, prev)
}

// expand makes the hop after prev: one Neighbors call for prev's new
// nodes.
func (p *pipeline) expand(ctx context.Context, prev *hop) (*hop, error) {
	h := &hop{
		depth:     prev.depth + 1,
		seen:      maps.Clone(prev.seen),
		seenEdges: maps.Clone(prev.seenEdges),
	}
	if len(prev.newIDs) == 0 {
		return h, nil
	}
	lists, err := p.e.store.Neighbors(ctx, prev.newIDs, kg.NeighborOptions{
		EdgeTypes: p.q.EdgeTypes, Direction: p.q.Direction, Limit: p.q.MaxNeighbors,
	})
	if err != nil {
		return nil, err
	}
	if len(lists) != len(prev.newIDs) {
		return nil, fmt.Errorf("graphrag: the store returned %d neighbour lists for %d nodes", len(lists), len(prev.newIDs))
	}
	for _, list := range lists {
		for _, e := range list {
			if h.seenEdges[e.ID] {
				continue
			}
			h.seenEdges[e.ID] = true
			h.edges = append(h.edges, e)
			for _, id := range []string{e.From, e.To} {
				if !h.seen[id] {
					h.seen[id] = true
					h.newIDs = append(h.newIDs, id)
				}
			}
		}
	}
	return h, nil
}

// hopNodes fetches the nodes first reached at h, in one Nodes call.
func (p *pipeline) hopNodes(ctx context.Context, h *hop) ([]nodeAt, error) {
	if len(h.newIDs) == 0 {
		return nil, nil
	}
	nodes, err := p.e.store.Nodes(ctx, h.newIDs)
	if err != nil {
		return nil, err
	}
	if len(nodes) != len(h.newIDs) {
		return nil, fmt.Errorf("graphrag: the store returned %d nodes for %d IDs", len(nodes), len(h.newIDs))
	}
	out := make([]nodeAt, 0, len(nodes))
	for _, n := range nodes {
		if n != nil {
			out = append(out, nodeAt{node: *n, depth: h.depth})
		}
	}
	return out, nil
}

// hopChunks fetches, in one Chunks call, the chunks of h's edges and new
// nodes that no earlier chunk step asked for (seed-chunks, or the chunk
// steps of the earlier hops).
func (p *pipeline) hopChunks(ctx context.Context, seeds *seedSet, earlier []levelFutures, h *hop, nodes []nodeAt) ([]chunkAt, error) {
	asked := map[string]bool{}
	for _, id := range seeds.chunkIDs {
		asked[id] = true
	}
	for _, l := range earlier {
		for _, id := range p.hopChunkIDs(l.hop.Value(), l.nodes.Value()) {
			asked[id] = true
		}
	}
	var ids []string
	for _, id := range p.hopChunkIDs(h, nodes) {
		if !asked[id] {
			ids = append(ids, id)
		}
	}
	return p.fetchChunks(ctx, ids, h.depth)
}

// hopChunkIDs returns the chunk IDs of a hop's edges and of its nodes
// (bounded per node), without repeats.
func (p *pipeline) hopChunkIDs(h *hop, nodes []nodeAt) []string {
	seen := map[string]bool{}
	var ids []string
	add := func(list []string) {
		for _, id := range list {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	for _, e := range h.edges {
		add(e.ChunkIDs)
	}
	for _, n := range nodes {
		add(p.capChunks(n.node.ChunkIDs))
	}
	return ids
}

// fetchChunks reads ids in one Chunks call and embeds the chunks that
// have no embedding of the embedder's dimension.
func (p *pipeline) fetchChunks(ctx context.Context, ids []string, depth int) ([]chunkAt, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	chunks, err := p.e.store.Chunks(ctx, ids)
	if err != nil {
		return nil, err
	}
	if len(chunks) != len(ids) {
		return nil, fmt.Errorf("graphrag: the store returned %d chunks for %d IDs", len(chunks), len(ids))
	}
	out := make([]chunkAt, 0, len(chunks))
	var missing []int
	var texts []string
	dim := p.e.emb.Dimension()
	for _, c := range chunks {
		if c == nil {
			continue
		}
		if len(c.Embedding) != dim && c.Text != "" {
			missing = append(missing, len(out))
			texts = append(texts, c.Text)
		}
		out = append(out, chunkAt{chunk: *c, depth: depth})
	}
	if len(texts) > 0 {
		vecs, err := p.e.emb.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("embedding chunks: %w", err)
		}
		if len(vecs) != len(texts) {
			return nil, fmt.Errorf("graphrag: the embedder returned %d vectors for %d chunks", len(vecs), len(texts))
		}
		for i, j := range missing {
			out[j].chunk.Embedding = vecs[i]
		}
	}
	return out, nil
}
