package graphrag

import (
	"context"
	"strings"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm"
)

// ContextItem is one item of the context an answer is written from.
type ContextItem struct {
	// Kind and ID identify the node, edge or chunk.
	Kind Kind   `json:"kind"`
	ID   string `json:"id"`
	// DocumentID is a chunk's document ("" for nodes and edges).
	DocumentID string `json:"document_id,omitempty"`
	// Text is the item as the context gives it (without its reference).
	Text string `json:"text"`
	// Score is the re-ranker's score.
	Score float64 `json:"score"`
	// Depth is the number of hops from the nearest seed.
	Depth int `json:"depth"`
	// Tokens is the item's estimated cost against the budget.
	Tokens int `json:"tokens"`
}

// Ref returns the item's reference as answers cite it: "n:<id>",
// "e:<id>" or "c:<id>".
func (c ContextItem) Ref() string { return refPrefix(c.Kind) + c.ID }

// Line returns the item as the prompt gives it: "[c:<id>] (<document>)
// <text>", "[n:<id>] <text>" or "[e:<id>] <text>".
func (c ContextItem) Line() string {
	var b strings.Builder
	b.WriteString("[")
	b.WriteString(c.Ref())
	b.WriteString("] ")
	if c.DocumentID != "" {
		b.WriteString("(document ")
		b.WriteString(c.DocumentID)
		b.WriteString(") ")
	}
	b.WriteString(strings.Join(strings.Fields(c.Text), " "))
	return b.String()
}

func refPrefix(k Kind) string {
	switch k {
	case KindNode:
		return "n:"
	case KindEdge:
		return "e:"
	}
	return "c:"
}

// Subgraph is the part of the graph an answer used: the nodes, edges and
// chunks of its context, without their embeddings.
type Subgraph struct {
	Nodes  []kg.Node  `json:"nodes"`
	Edges  []kg.Edge  `json:"edges"`
	Chunks []kg.Chunk `json:"chunks"`
}

// QueryStats counts what a query retrieved and kept.
type QueryStats struct {
	// Seeds, Nodes, Edges and Chunks count the retrieved records (Nodes
	// includes the seeds).
	Seeds  int `json:"seeds"`
	Nodes  int `json:"nodes"`
	Edges  int `json:"edges"`
	Chunks int `json:"chunks"`
	// ContextItems and ContextTokens describe the assembled context.
	ContextItems  int `json:"context_items"`
	ContextTokens int `json:"context_tokens"`
}

// assembled is the context step's result.
type assembled struct {
	r        *retrieved
	evidence []unit
	items    []ContextItem
	subgraph Subgraph
	stats    QueryStats
}

// itemTokens estimates an item's tokens as the budget counts them: its
// prompt line, plus one for the line break.
func itemTokens(c ContextItem) int { return llm.EstimateEmbedTokens([]string{c.Line()}) + 1 }

// assemble builds the context: first the items holding the evidence (the
// chunks of its sentences, the edges and nodes of its facts: see
// evidence), then the re-ranked candidates, best first, while they fit in
// the token budget (an item that does not fit is skipped, and smaller ones
// after it may still enter).
func (p *pipeline) assemble(ctx context.Context, r *retrieved) (*assembled, error) {
	ev := p.evidence(r)
	var pinned []string
	for _, u := range ev {
		pinned = append(pinned, refPrefix(u.cite.Kind)+u.cite.ID)
	}
	a, err := p.fit(ctx, r, pinned)
	if err != nil {
		return nil, err
	}
	// Keep the evidence whose item fit in the budget.
	in := map[string]bool{}
	for _, it := range a.items {
		in[it.Ref()] = true
	}
	for _, u := range ev {
		if in[refPrefix(u.cite.Kind)+u.cite.ID] {
			a.evidence = append(a.evidence, u)
		}
	}
	return a, nil
}

// fit assembles the context: first the pinned references ("c:<id>", in
// order, each if it fits), then the re-ranked candidates as assemble says.
func (p *pipeline) fit(ctx context.Context, r *retrieved, pinned []string) (*assembled, error) {
	a := &assembled{r: r, stats: QueryStats{Seeds: r.seeds, Nodes: len(r.nodes), Edges: len(r.edges), Chunks: len(r.chunks)}}
	budget := p.q.TokenBudget
	used := map[string]bool{}
	add := func(c Candidate) {
		if used[refPrefix(c.Kind)+c.ID] {
			return // pinned, or returned twice by a re-ranker
		}
		item := ContextItem{Kind: c.Kind, ID: c.ID, Text: c.Text, Score: c.Score, Depth: c.Depth}
		switch c.Kind {
		case KindChunk:
			ch, ok := r.chunks[c.ID]
			if !ok {
				return
			}
			item.DocumentID = ch.chunk.DocumentID
		case KindNode:
			if _, ok := r.nodes[c.ID]; !ok {
				return
			}
		case KindEdge:
			if _, ok := r.edges[c.ID]; !ok {
				return
			}
		default:
			return
		}
		item.Tokens = itemTokens(item)
		if item.Tokens > budget {
			return
		}
		budget -= item.Tokens
		used[item.Ref()] = true
		a.items = append(a.items, item)
		a.stats.ContextTokens += item.Tokens
		switch c.Kind {
		case KindChunk:
			ch := r.chunks[c.ID].chunk
			ch.Embedding = nil
			a.subgraph.Chunks = append(a.subgraph.Chunks, ch)
		case KindNode:
			n := r.nodes[c.ID].node
			n.Embedding = nil
			a.subgraph.Nodes = append(a.subgraph.Nodes, n)
		case KindEdge:
			a.subgraph.Edges = append(a.subgraph.Edges, r.edges[c.ID].edge)
		}
	}
	if len(pinned) > 0 {
		byRef := make(map[string]Candidate, len(r.ranked))
		for _, c := range r.ranked {
			if _, dup := byRef[refPrefix(c.Kind)+c.ID]; !dup {
				byRef[refPrefix(c.Kind)+c.ID] = c
			}
		}
		for _, ref := range pinned {
			if c, ok := byRef[ref]; ok {
				add(c)
			}
		}
	}
	for _, c := range r.ranked {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		add(c)
	}
	a.stats.ContextItems = len(a.items)
	return a, nil
}
