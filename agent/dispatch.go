package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// runTools runs one step's tool calls and returns one record per call, in
// the model's order. calls are the sanitized calls (ids and names the
// conversation carries); raw holds the model's arguments, verbatim, which
// are what the tools receive.
//
// Calls of tools the run offers go to the registry: by default in one
// concurrent batch (registry.ExecuteAll), except that the calls of a tool
// that is not Concurrent, when it has several, run one at a time in the
// model's order (a "lane", concurrently with the batch and other lanes);
// under WithSequentialTools every call runs in a single lane. A result
// marked tool.ErrFatal cancels the calls still running or waiting, in
// every group, with a *registry.AbortError as the cause.
func (r *run) runTools(ctx context.Context, step int, calls []llm.ToolCall, raw []llm.ToolCall) []CallRecord {
	recs := make([]CallRecord, len(calls))
	perTool := make(map[string]int, len(calls))
	for i, c := range calls {
		recs[i] = CallRecord{Step: step, Index: i, ID: c.ID, Tool: c.Name, Arguments: raw[i].Arguments}
		perTool[c.Name]++
	}
	var (
		batch      []int
		lanes      [][]int
		laneOfTool = make(map[string]int)
	)
	for i, c := range calls {
		t, ok := r.tools.byID[c.Name]
		switch {
		case !ok:
			r.refuse(ctx, calls[i], &recs[i])
		case r.cfg.sequential:
			if len(lanes) == 0 {
				lanes = append(lanes, nil)
			}
			lanes[0] = append(lanes[0], i)
		case !t.Capabilities().Concurrent && perTool[c.Name] > 1:
			k, ok := laneOfTool[c.Name]
			if !ok {
				k = len(lanes)
				laneOfTool[c.Name] = k
				lanes = append(lanes, nil)
			}
			lanes[k] = append(lanes[k], i)
		default:
			batch = append(batch, i)
		}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	if len(batch) > 0 {
		wg.Go(func() { r.batch(ctx, cancel, batch, calls, recs) })
	}
	for _, lane := range lanes {
		wg.Go(func() { r.lane(ctx, cancel, lane, calls, recs) })
	}
	wg.Wait()
	return recs
}

// batch runs the calls at idx concurrently through registry.ExecuteAll.
// Call hooks on the context report each call as it starts (after its wait
// for a concurrency slot) and as it ends, so a fast call's end event does
// not wait for the slowest call of the turn.
func (r *run) batch(ctx context.Context, cancel context.CancelCauseFunc, idx []int, calls []llm.ToolCall, recs []CallRecord) {
	start := time.Now()
	rc := make([]registry.Call, len(idx))
	evs := make([]ToolEvent, len(idx))
	for k, i := range idx {
		rc[k] = registry.Call{ID: recs[i].Tool, Input: recs[i].Arguments}
		evs[k] = r.toolEvent(&recs[i], start)
	}
	// Each k is touched by the one goroutine running call k, and read
	// here only after ExecuteAll has returned.
	started := make([]bool, len(idx))
	ended := make([]bool, len(idx))
	begin := func(k int, at time.Time) {
		started[k] = true
		evs[k].Start = at
		if r.cfg.hooks.OnToolStart != nil {
			r.cfg.hooks.OnToolStart(ctx, evs[k])
		}
	}
	hctx := registry.WithCallHooks(ctx, registry.Hooks{
		OnStart: func(_ context.Context, e registry.Event) { begin(e.Index, e.Start) },
		OnEnd: func(_ context.Context, e registry.Event, res tool.Result) {
			k := e.Index
			if !started[k] { // unknown tool, or no slot before the context ended
				begin(k, e.Start)
			}
			ended[k] = true
			i := idx[k]
			r.finish(ctx, evs[k], calls[i], &recs[i], res, r.offset(evs[k].Start), r.offset(time.Now()))
		},
	})
	results := r.reg.ExecuteAll(hctx, rc)
	for k, i := range idx {
		if !ended[k] {
			if !started[k] {
				begin(k, start)
			}
			off := r.offset(start)
			r.finish(ctx, evs[k], calls[i], &recs[i], results[k], off, off+results[k].Duration)
		}
	}
	for k, i := range idx {
		if abortErr := fatal(i, results[k]); abortErr != nil {
			cancel(abortErr)
			return
		}
	}
}

// lane runs the calls at idx one at a time, in order.
func (r *run) lane(ctx context.Context, cancel context.CancelCauseFunc, idx []int, calls []llm.ToolCall, recs []CallRecord) {
	for _, i := range idx {
		rec := &recs[i]
		start := time.Now()
		ev := r.toolEvent(rec, start)
		if r.cfg.hooks.OnToolStart != nil {
			r.cfg.hooks.OnToolStart(ctx, ev)
		}
		var res tool.Result
		if ctx.Err() != nil {
			// An earlier call failed fatally, or the run was cancelled:
			// the call is not started.
			res = tool.Failure(rec.Tool, ctxErr(ctx, rec.Tool))
			res.Duration = time.Since(start)
		} else {
			res = r.reg.Execute(ctx, rec.Tool, rec.Arguments)
		}
		r.finish(ctx, ev, calls[i], rec, res, r.offset(start), r.offset(time.Now()))
		if abortErr := fatal(i, res); abortErr != nil {
			cancel(abortErr)
		}
	}
}

// refuse answers a call to a tool the run does not offer, without asking
// the registry (which may hold a tool of that name that this run must not
// use).
func (r *run) refuse(ctx context.Context, call llm.ToolCall, rec *CallRecord) {
	now := time.Now()
	ev := r.toolEvent(rec, now)
	if r.cfg.hooks.OnToolStart != nil {
		r.cfg.hooks.OnToolStart(ctx, ev)
	}
	off := r.offset(now)
	r.finish(ctx, ev, call, rec, tool.Failure(rec.Tool, r.tools.notOffered(rec.Tool)), off, off)
}

func (r *run) toolEvent(rec *CallRecord, start time.Time) ToolEvent {
	return ToolEvent{
		Event:  registry.Event{ToolID: rec.Tool, Index: rec.Index, Input: rec.Arguments, Start: start},
		Step:   rec.Step,
		CallID: rec.ID,
	}
}

// finish completes a record and reports it.
func (r *run) finish(ctx context.Context, ev ToolEvent, call llm.ToolCall, rec *CallRecord, res tool.Result, start, end time.Duration) {
	res.ToolID = rec.Tool
	rec.Result = res
	rec.Start, rec.End = start, end
	rec.Content = r.cfg.format(call, res)
	if res.Err != nil {
		r.cfg.logger.DebugContext(ctx, "agent: tool call failed", "step", rec.Step, "index", rec.Index,
			"tool", rec.Tool, "kind", tool.KindOf(res.Err), "error", res.Err)
	}
	if r.cfg.hooks.OnToolEnd != nil {
		r.cfg.hooks.OnToolEnd(ctx, ev, res)
	}
}

// fatal returns the abort cause for the other calls when res failed
// fatally, else nil.
func fatal(index int, res tool.Result) error {
	if res.Err == nil || !errors.Is(res.Err, tool.ErrFatal) {
		return nil
	}
	return &registry.AbortError{Index: index, ToolID: res.ToolID, Reason: res.Err.Error()}
}

// ctxErr is ctx's error for a call of id, with the context's cause when it
// differs (both visible to errors.Is), as the registry reports it.
func ctxErr(ctx context.Context, id string) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("tool %q: %w: %w", id, err, cause)
	}
	return fmt.Errorf("tool %q: %w", id, err)
}

// stopError returns the error that ends the run after a step, if a
// record calls for it: the first fatal error in the model's order, else
// the first error of a kind given to WithStopOn.
func (r *run) stopError(recs []CallRecord) error {
	for _, rec := range recs {
		if rec.Result.Err != nil && errors.Is(rec.Result.Err, tool.ErrFatal) {
			return toolError(rec)
		}
	}
	if len(r.cfg.stopOn) == 0 {
		return nil
	}
	for _, rec := range recs {
		if rec.Result.Err != nil && slices.Contains(r.cfg.stopOn, tool.KindOf(rec.Result.Err)) {
			return toolError(rec)
		}
	}
	return nil
}

func toolError(rec CallRecord) *ToolError {
	return &ToolError{Step: rec.Step, Index: rec.Index, CallID: rec.ID, ToolID: rec.Tool,
		Kind: tool.KindOf(rec.Result.Err), Err: rec.Result.Err}
}

func kindOf(rec CallRecord) tool.Kind { return tool.KindOf(rec.Result.Err) }
