package graphrag

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// retrieved is everything the fetch steps found, with the re-ranked
// candidates.
type retrieved struct {
	qvec   []float32
	nodes  map[string]nodeAt
	edges  map[string]edgeAt
	chunks map[string]chunkAt
	seeds  int
	ranked []Candidate
}

// edgeAt is an edge with the hop it was found at.
type edgeAt struct {
	edge  kg.Edge
	depth int
}

// rerank gathers the results of the fetch steps into candidates and
// orders them with the re-ranker.
func (p *pipeline) rerank(ctx context.Context, qvec []float32, seeds *seedSet, seedChunks []chunkAt, levels []levelFutures) (*retrieved, error) {
	r := &retrieved{
		qvec:   qvec,
		nodes:  map[string]nodeAt{},
		edges:  map[string]edgeAt{},
		chunks: map[string]chunkAt{},
		seeds:  len(seeds.hits),
	}
	var nodeIDs, edgeIDs, chunkIDs []string // in order found
	addNode := func(n nodeAt) {
		if _, ok := r.nodes[n.node.ID]; !ok {
			r.nodes[n.node.ID] = n
			nodeIDs = append(nodeIDs, n.node.ID)
		}
	}
	addChunks := func(cs []chunkAt) {
		for _, c := range cs {
			old, ok := r.chunks[c.chunk.ID]
			if !ok {
				chunkIDs = append(chunkIDs, c.chunk.ID)
			}
			if !ok || c.depth < old.depth {
				r.chunks[c.chunk.ID] = c
			}
		}
	}
	for _, h := range seeds.hits {
		addNode(nodeAt{node: h.Node})
	}
	addChunks(seedChunks)
	for _, l := range levels {
		h := l.hop.Value()
		for _, e := range h.edges {
			if _, ok := r.edges[e.ID]; !ok {
				r.edges[e.ID] = edgeAt{edge: e, depth: h.depth}
				edgeIDs = append(edgeIDs, e.ID)
			}
		}
		for _, n := range l.nodes.Value() {
			addNode(n)
		}
		addChunks(l.chunks.Value())
	}

	cands := make([]Candidate, 0, len(nodeIDs)+len(edgeIDs)+len(chunkIDs))
	for _, id := range nodeIDs {
		n := r.nodes[id]
		cands = append(cands, Candidate{Kind: KindNode, ID: id, Text: nodeContextText(n.node),
			Embedding: n.node.Embedding, Depth: n.depth})
	}
	for _, id := range edgeIDs {
		e := r.edges[id]
		cands = append(cands, Candidate{Kind: KindEdge, ID: id, Text: r.edgeText(e.edge),
			Embedding: r.edgeVector(e.edge), Depth: e.depth})
	}
	for _, id := range chunkIDs {
		c := r.chunks[id]
		cands = append(cands, Candidate{Kind: KindChunk, ID: id, Text: c.chunk.Text,
			Embedding: c.chunk.Embedding, Depth: c.depth})
	}
	ranked, err := p.q.ReRanker.ReRank(ctx, qvec, cands)
	if err != nil {
		return nil, fmt.Errorf("re-ranker: %w", err)
	}
	r.ranked = ranked
	return r, nil
}

// edgeVector is the normalised sum of the embeddings of e's endpoints
// (of those that have one of the question's dimension), nil if neither.
func (r *retrieved) edgeVector(e kg.Edge) []float32 {
	var sum []float64
	for _, id := range []string{e.From, e.To} {
		n, ok := r.nodes[id]
		if !ok || len(n.node.Embedding) != len(r.qvec) {
			continue
		}
		if sum == nil {
			sum = make([]float64, len(r.qvec))
		}
		var norm float64
		for _, x := range n.node.Embedding {
			norm += float64(x) * float64(x)
		}
		if norm == 0 {
			continue
		}
		norm = math.Sqrt(norm)
		for i, x := range n.node.Embedding {
			sum[i] += float64(x) / norm
		}
	}
	if sum == nil {
		return nil
	}
	var norm float64
	for _, x := range sum {
		norm += x * x
	}
	if norm == 0 {
		return nil
	}
	norm = math.Sqrt(norm)
	out := make([]float32, len(sum))
	for i, x := range sum {
		out[i] = float32(x / norm)
	}
	return out
}

// name returns a node's display name: its name, else its ID.
func (r *retrieved) name(id string) string {
	if n, ok := r.nodes[id]; ok && strings.TrimSpace(n.node.Name) != "" {
		return strings.TrimSpace(n.node.Name)
	}
	return id
}

// label returns "name (Type)" for a node, the ID alone when unknown.
func (r *retrieved) label(id string) string {
	n, ok := r.nodes[id]
	if !ok || n.node.Type == "" {
		return r.name(id)
	}
	return r.name(id) + " (" + n.node.Type + ")"
}

// edgeText renders an edge: "41/7-3 (Well) -LOCATED_IN-> Brannfjell
// (Field)", then its properties.
func (r *retrieved) edgeText(e kg.Edge) string {
	s := r.label(e.From) + " -" + e.Type + "-> " + r.label(e.To)
	if p := propsText(e.Properties, 0); p != "" {
		s += "; " + p
	}
	return s
}

// edgeFact renders an edge as a fact of an extractive answer:
// "Brannfjell —OPERATED_BY→ Nordvik Energi".
func (r *retrieved) edgeFact(e kg.Edge) string {
	return r.name(e.From) + " —" + e.Type + "→ " + r.name(e.To)
}

// maxContextProps bounds the properties of a node or edge in the context.
const maxContextProps = 24

// nodeContextText renders a node for the context: "Brannfjell (Field):
// discovery_year: 1998; hydrocarbon_type: oil".
func nodeContextText(n kg.Node) string {
	s := strings.TrimSpace(n.Name)
	if s == "" {
		s = n.ID
	}
	if n.Type != "" {
		s += " (" + n.Type + ")"
	}
	if p := propsText(n.Properties, maxContextProps); p != "" {
		s += ": " + p
	}
	return s
}

// propsText renders properties as "key: value" pairs in key order, at
// most limit of them (0: maxContextProps).
func propsText(props map[string]any, limit int) string {
	if len(props) == 0 {
		return ""
	}
	if limit <= 0 {
		limit = maxContextProps
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) > limit {
		keys = keys[:limit]
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + valueText(props[k], 200)
	}
	return strings.Join(parts, "; ")
}
