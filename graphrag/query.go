package graphrag

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kgas-dev/kgas/graphrag/flow"
)

// Step names of the query graph. Hop d (1-based) adds "neighbors-d",
// "nodes-d" and "chunks-d".
const (
	StepEmbed      = "embed"
	StepSearch     = "search"
	StepSeedChunks = "seed-chunks"
	StepRerank     = "rerank"
	StepContext    = "context"
	StepAnswer     = "answer"
)

// Prefixes of the per-hop step names.
const (
	StepNeighborsPrefix = "neighbors-"
	StepNodesPrefix     = "nodes-"
	StepChunksPrefix    = "chunks-"
)

// Query answers question from the graph. opts nil uses the engine's
// defaults (see QueryOptions for how a non-nil one is completed).
//
// The query is a graph of steps (graphrag/flow), each started the moment
// its inputs exist:
//
//	embed ─ search ─┬─ seed-chunks ─────────────────────────────┐
//	                └─ neighbors-1 ─┬─ nodes-1 ─ chunks-1 ───────┤
//	                                └─ neighbors-2 ─ nodes-2 ─ chunks-2 ─ rerank ─ context ─ answer
//
// embed embeds the question (cached); search finds the K seed nodes (the
// hits carry their properties); seed-chunks fetches the seeds' source
// chunks. neighbors-d fetches the edges of the whole frontier in one
// batched Neighbors call and needs only the previous hop's edges, so the
// next hop starts while nodes-d fetches the new nodes in one Nodes call;
// chunks-d fetches, in one Chunks call, the chunks of the hop's edges and
// new nodes that no earlier step asked for (it also waits for the earlier
// hops' nodes, which are done by then). Chunks without a stored
// embedding are embedded there. rerank orders every retrieved node, edge
// and chunk (QueryOptions.ReRanker). context picks the evidence (the
// sentences and facts of everything retrieved that cover the question
// best, following the graph from the entities the question names) and
// fills the token budget with the items holding it first, then with the
// re-ranked items. answer is the model's answer from the context, with its
// citations checked (WithChatModel), or offline the evidence itself, each
// sentence or fact with its source.
//
// Invalid input fails before any step with an *InvalidError naming the
// field ("question", "opts.K", ...); after Close, Query returns ErrClosed.
// The first failing step cancels the others; the error is a
// *flow.StepError naming the step (errors.As), wrapped. Answer.Trace
// records every step and the critical path.
func (e *Engine) Query(ctx context.Context, question string, opts *QueryOptions) (*Answer, error) {
	if ctx == nil {
		return nil, invalid("ctx", "is nil")
	}
	if e.closed.Load() {
		return nil, ErrClosed
	}
	question = strings.TrimSpace(question)
	if question == "" {
		return nil, invalid("question", "is empty")
	}
	q := e.cfg.queryDef
	field := "opts"
	if opts != nil {
		q = fill(*opts, e.cfg.queryDef)
	} else {
		field = "WithQueryDefaults"
	}
	if err := q.validate(field); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	var fopts []flow.Option
	if e.cfg.sequential {
		fopts = append(fopts, flow.WithMaxConcurrency(1))
	}
	fopts = append(fopts, flow.WithHooks(flow.LogHooks(e.log)))
	for _, h := range e.cfg.hooks {
		fopts = append(fopts, flow.WithHooks(h))
	}
	g := flow.New(fopts...)
	p := &pipeline{e: e, q: q, question: question}

	qvec := flow.Go(g, StepEmbed, p.embedQuestion)
	seeds := flow.Then(g, StepSearch, qvec, p.search)
	seedChunks := flow.Then(g, StepSeedChunks, seeds, p.seedChunks)
	deps := []flow.Dep{qvec, seeds, seedChunks}
	var levels []levelFutures
	var prev *flow.Future[*hop]
	for d := 1; d <= q.Depth; d++ {
		n := strconv.Itoa(d)
		if d == 1 {
			prev = flow.Then(g, StepNeighborsPrefix+n, seeds, p.firstHop)
		} else {
			prev = flow.Then(g, StepNeighborsPrefix+n, prev, p.nextHop)
		}
		hopF := prev
		nodes := flow.Then(g, StepNodesPrefix+n, hopF, p.hopNodes)
		// chunks-d also waits for the earlier hops' nodes (done by then in
		// practice: nodes-(d-1) runs beside neighbors-d), so that no chunk
		// is fetched twice.
		earlier := slices.Clone(levels)
		chunkDeps := []flow.Dep{seeds, hopF, nodes}
		for _, l := range earlier {
			chunkDeps = append(chunkDeps, l.nodes)
		}
		chunks := flow.Step(g, StepChunksPrefix+n, func(ctx context.Context) ([]chunkAt, error) {
			return p.hopChunks(ctx, seeds.Value(), earlier, hopF.Value(), nodes.Value())
		}, chunkDeps...)
		levels = append(levels, levelFutures{hop: hopF, nodes: nodes, chunks: chunks})
		deps = append(deps, hopF, nodes, chunks)
	}
	ranked := flow.Step(g, StepRerank, func(ctx context.Context) (*retrieved, error) {
		return p.rerank(ctx, qvec.Value(), seeds.Value(), seedChunks.Value(), levels)
	}, deps...)
	assembled := flow.Then(g, StepContext, ranked, p.assemble)
	answer := flow.Then(g, StepAnswer, assembled, p.answer)

	trace, err := g.Run(ctx)
	if err != nil {
		return nil, fmt.Errorf("graphrag: query: %w", err)
	}
	a := answer.Value()
	a.Question = question
	a.Trace = trace
	return a, nil
}

// levelFutures are the steps of one hop.
type levelFutures struct {
	hop    *flow.Future[*hop]
	nodes  *flow.Future[[]nodeAt]
	chunks *flow.Future[[]chunkAt]
}
