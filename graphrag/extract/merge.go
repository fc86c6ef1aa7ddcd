package extract

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// chunkRun is one chunk's raw outcome, before validation.
type chunkRun struct {
	outcome ChunkOutcome
	// replies are the model's replies (first pass, then gleaning rounds).
	replies []string
	// reply is set by extractors that build items directly (rules).
	reply *Reply
}

// assemble validates every chunk's items, merges them over the document
// by ID, resolves near-duplicates when a resolver is set, and fills in the
// outcomes and usage.
func assemble(ctx context.Context, v *validator, cfg *config, doc Document, chunks []Chunk, runs []chunkRun) *Result {
	res := &Result{DocumentID: doc.ID, Chunks: chunks, Outcomes: make([]ChunkOutcome, len(chunks))}
	entIdx, relIdx := map[string]int{}, map[string]int{}
	for i := range chunks {
		o := runs[i].outcome
		o.ChunkID, o.Index = chunks[i].ID, i
		if o.Status == "" {
			o.Status = ChunkOK
		}
		res.Usage.PromptTokens += o.Usage.PromptTokens
		res.Usage.CompletionTokens += o.Usage.CompletionTokens
		res.Usage.TotalTokens += o.Usage.TotalTokens
		if o.Status == ChunkOK || o.Status == ChunkPartial {
			rep, err := runs[i].parsed()
			switch {
			case err != nil && len(rep.Entities)+len(rep.Relations) == 0 && rep.Values == 0:
				o.Status, o.Err = ChunkFailed, err
			case err != nil:
				o.Status, o.Err = ChunkPartial, err
			}
			if o.Status != ChunkFailed {
				o.Truncated = o.Truncated || rep.Truncated
				p := v.apply(&chunks[i], rep)
				o.Entities, o.Relations = len(p.entities), len(p.relations)
				for _, is := range p.issues {
					switch is.Action {
					case ActionPruned:
						o.Pruned = inc(o.Pruned, is.Reason)
					case ActionFlagged:
						o.Flagged = inc(o.Flagged, is.Reason)
					}
				}
				res.Issues = append(res.Issues, p.issues...)
				for _, e := range p.entities {
					if k, ok := entIdx[e.ID]; ok {
						mergeEntity(&res.Entities[k], e)
						continue
					}
					entIdx[e.ID] = len(res.Entities)
					res.Entities = append(res.Entities, e)
				}
				for _, r := range p.relations {
					if k, ok := relIdx[r.ID]; ok {
						mergeRelation(&res.Relations[k], r)
						continue
					}
					relIdx[r.ID] = len(res.Relations)
					res.Relations = append(res.Relations, r)
				}
			}
		}
		if o.Err != nil {
			o.Error = o.Err.Error()
			cfg.logger.LogAttrs(ctx, slog.LevelWarn, "extract: chunk failed", slog.String("chunk", o.ChunkID),
				slog.String("status", string(o.Status)), slog.String("error", o.Error))
		}
		res.Outcomes[i] = o
	}
	if cfg.resolver != nil && len(res.Entities) > 1 {
		t := time.Now()
		resolveResult(ctx, cfg.resolver, res)
		res.Timings.Resolution = time.Since(t)
	}
	return res
}

// parsed merges the run's replies into one. An error means the first
// reply held no JSON (nothing usable) or a later one did not (the
// earlier ones are kept).
func (r *chunkRun) parsed() (Reply, error) {
	if r.reply != nil {
		return *r.reply, nil
	}
	var out Reply
	for k, text := range r.replies {
		rep, err := ParseReply(text)
		if err != nil {
			if k == 0 {
				return Reply{}, err
			}
			return out, fmt.Errorf("gleaning round %d: %w", k, err)
		}
		out.Entities = append(out.Entities, rep.Entities...)
		out.Relations = append(out.Relations, rep.Relations...)
		out.Values += rep.Values
		out.Skipped += rep.Skipped
		out.Truncated = out.Truncated || rep.Truncated
	}
	return out, nil
}

func inc(m map[Reason]int, r Reason) map[Reason]int {
	if m == nil {
		m = map[Reason]int{}
	}
	m[r]++
	return m
}

// resolveResult merges near-duplicate entities of res and rewrites its
// relations; a relation whose endpoints merged is pruned as a self-loop.
// A resolver error (an embedding call failed) leaves res as it was and is
// recorded in ResolutionErr.
func resolveResult(ctx context.Context, r *Resolver, res *Result) {
	rs, err := r.Resolve(ctx, nil, res.Entities)
	if err != nil {
		res.ResolutionErr = err
		return
	}
	res.Entities = rs.Entities
	res.Merges = rs.Merges
	kept, loops := rs.Relations(res.Relations)
	res.Relations = kept
	for _, l := range loops {
		chunk := ""
		if len(l.ChunkIDs) > 0 {
			chunk = l.ChunkIDs[0]
		}
		res.Issues = append(res.Issues, Issue{ChunkID: chunk, Item: ItemRelation, Name: l.ID, Type: l.Type,
			Reason: ReasonSelfLoop, Action: ActionPruned, Detail: "both endpoints were resolved to " + l.From})
	}
}
