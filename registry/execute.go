package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kgas-dev/kgas/tool"
)

// Call is one tool call in [Registry.ExecuteAll].
type Call struct {
	// ID is the tool to call.
	ID string `json:"id"`
	// Input is the tool's JSON input.
	Input json.RawMessage `json:"input"`
	// DryRun validates the input without running the tool.
	DryRun bool `json:"dry_run,omitempty"`
}

// Execute runs one call of the tool id. An unknown ID, invalid input, a
// failure, a panic, a timeout or a cancellation are all reported in the
// Result.
func (r *Registry) Execute(ctx context.Context, id string, input json.RawMessage) tool.Result {
	return r.run(ctx, 0, Call{ID: id, Input: input})
}

// ExecuteAll runs calls concurrently and returns exactly one result per
// call, in call order. Executions are bounded by the registry's global
// bound and by each tool's own; a call waiting for a tool's slot does not
// hold a global one. When ctx is cancelled, calls not yet finished get a
// cancelled result (kind "canceled") and ExecuteAll returns promptly; a
// result whose error matches tool.ErrFatal cancels the calls still
// running or waiting in the same way, their errors carrying an
// *AbortError that names the fatal call (only that call matches
// tool.ErrFatal). A call abandoned at its timeout gives back the
// registry's slots with its result, while its function, if it ignores its
// context, may still run: the tool's own bound stays held until it
// returns.
func (r *Registry) ExecuteAll(ctx context.Context, calls []Call) []tool.Result {
	results := make([]tool.Result, len(calls))
	if len(calls) == 0 {
		return results
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	wg.Add(len(calls))
	for i, c := range calls {
		go func() {
			defer wg.Done()
			res := r.run(ctx, i, c)
			if res.Err != nil && errors.Is(res.Err, tool.ErrFatal) {
				cancel(&AbortError{Index: i, ToolID: c.ID, Reason: res.Err.Error()})
			}
			results[i] = res
		}()
	}
	wg.Wait()
	return results
}

// run executes one call under the tool's and the registry's bounds.
func (r *Registry) run(ctx context.Context, index int, c Call) tool.Result {
	start := time.Now()
	ev := Event{ToolID: c.ID, Index: index, Input: c.Input, DryRun: c.DryRun}
	e, err := r.lookup(c.ID)
	var t tool.Tool
	if err == nil {
		t, err = e.resolve()
	}
	if err != nil {
		return r.finish(ctx, ev, start, tool.Failure(c.ID, err))
	}
	if c.DryRun {
		// Validation only: nothing runs, so no slot is needed.
		ev.Start = time.Now()
		r.onStart(ctx, ev)
		return r.finish(ctx, ev, start, t.Execute(tool.DryRun(withoutCallHooks(ctx)), c.Input))
	}
	release, err := r.acquire(ctx, e)
	if err != nil {
		return r.finish(ctx, ev, start, tool.Failure(c.ID, fmt.Errorf("tool %q: %w", c.ID, err)))
	}
	defer release()
	ev.Start = time.Now()
	r.onStart(ctx, ev)
	res := t.Execute(withoutCallHooks(ctx), c.Input)
	return r.finish(ctx, ev, start, res)
}

func (r *Registry) finish(ctx context.Context, ev Event, start time.Time, res tool.Result) tool.Result {
	res.ToolID = ev.ToolID
	res.Duration = time.Since(start)
	if ev.Start.IsZero() {
		ev.Start = start
	}
	r.onEnd(ctx, ev, res)
	return res
}

// acquire takes the tool's slot, then a global one. The context's cause
// is returned when it ends first.
func (r *Registry) acquire(ctx context.Context, e *entry) (func(), error) {
	if e.sem != nil {
		select {
		case e.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctxErr(ctx)
		}
	}
	if r.global != nil {
		select {
		case r.global <- struct{}{}:
		case <-ctx.Done():
			if e.sem != nil {
				<-e.sem
			}
			return nil, ctxErr(ctx)
		}
	}
	release := func() {
		if r.global != nil {
			<-r.global
		}
		if e.sem != nil {
			<-e.sem
		}
	}
	// A slot and the end of ctx may be ready together; never start then.
	if ctx.Err() != nil {
		release()
		return nil, ctxErr(ctx)
	}
	return release, nil
}

// ctxErr is ctx's error with its cause, both visible to errors.Is.
func ctxErr(ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("%w: %w", err, cause)
	}
	return err
}

// AbortError is the cause of the cancellation of an ExecuteAll batch after
// one call failed fatally (its error matched tool.ErrFatal). The other
// calls' results match context.Canceled and carry this cause; only the
// call at Index matches tool.ErrFatal.
type AbortError struct {
	// Index and ToolID name the call that failed fatally.
	Index  int
	ToolID string
	// Reason is that call's error text.
	Reason string
}

func (e *AbortError) Error() string {
	return fmt.Sprintf("registry: batch aborted: call %d (%s) failed fatally: %s", e.Index, e.ToolID, e.Reason)
}
