package tool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/sethvargo/go-retry"
)

type dryRunKey struct{}

// DryRun returns a context under which Execute only decodes and validates
// its input: nothing runs, and a valid input gives a success Result with
// DryRun set (the seed design's validation mode).
func DryRun(ctx context.Context) context.Context {
	return context.WithValue(ctx, dryRunKey{}, true)
}

// IsDryRun reports whether ctx asks for validation only.
func IsDryRun(ctx context.Context) bool {
	v, _ := ctx.Value(dryRunKey{}).(bool)
	return v
}

// Execute implements Tool: state check, validation, dry run, concurrency
// slot, then the function under the timeout, retries and panic recovery.
func (f *Func) Execute(ctx context.Context, input json.RawMessage) Result {
	start := time.Now()
	r := f.execute(ctx, input)
	r.ToolID = f.meta.ID
	r.Duration = time.Since(start)
	return r
}

func (f *Func) execute(ctx context.Context, input json.RawMessage) Result {
	switch f.state.Load() {
	case stateClosed:
		return Failure("", fmt.Errorf("tool %q: %w", f.meta.ID, ErrClosed))
	case stateNew:
		if f.needInit {
			return Failure("", fmt.Errorf("tool %q: %w", f.meta.ID, ErrNotInitialized))
		}
	}
	norm, err := f.parse(input)
	if err != nil {
		return Failure("", err)
	}
	c, err := f.prepare(norm)
	if err != nil {
		return Failure("", err)
	}
	if IsDryRun(ctx) {
		return Result{Status: StatusSuccess, DryRun: true}
	}
	if err := ctx.Err(); err != nil {
		return Failure("", f.ctxError(ctx, err))
	}
	if !f.calls.enter() {
		return Failure("", fmt.Errorf("tool %q: %w", f.meta.ID, ErrClosed))
	}
	if f.opts.timeout <= 0 && ctx.Done() == nil {
		// Nothing can interrupt the call: run it on this goroutine.
		defer f.calls.leave()
		if f.sem != nil {
			f.sem <- struct{}{}
			defer func() { <-f.sem }()
		}
		data, attempts, err := f.attempts(ctx, c)
		return outcome(data, attempts, err)
	}
	return f.executeBounded(ctx, c)
}

// executeBounded runs the function on its own goroutine so that the call
// returns at the deadline or on cancellation even if the function ignores
// its context.
func (f *Func) executeBounded(parent context.Context, c call) Result {
	ctx := parent
	if f.opts.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(parent, f.opts.timeout)
		defer cancel()
	}
	if f.sem != nil {
		select {
		case f.sem <- struct{}{}:
		case <-ctx.Done():
			f.calls.leave()
			return Failure("", f.ctxError(parent, ctx.Err()))
		}
	}
	type done struct {
		data     any
		attempts int
		err      error
	}
	ch := make(chan done, 1)
	go func() {
		defer f.calls.leave()
		if f.sem != nil {
			defer func() { <-f.sem }()
		}
		data, attempts, err := f.attempts(ctx, c)
		ch <- done{data, attempts, err}
	}()
	select {
	case d := <-ch:
		if d.err != nil && ctx.Err() != nil && errors.Is(d.err, ctx.Err()) {
			d.err = f.ctxError(parent, ctx.Err())
		}
		return outcome(d.data, d.attempts, d.err)
	case <-ctx.Done():
		return Result{Status: StatusError, Err: f.ctxError(parent, ctx.Err()), Attempts: 1}
	}
}

// ctxError turns a context error into the tool's error: the tool's own
// timeout becomes a *TimeoutError, the caller's cancellation or deadline
// stays visible through errors.Is.
func (f *Func) ctxError(parent context.Context, err error) error {
	if parent.Err() == nil && errors.Is(err, context.DeadlineExceeded) && f.opts.timeout > 0 {
		return &TimeoutError{ToolID: f.meta.ID, Timeout: f.opts.timeout, Fatal: f.opts.onTimeout == TimeoutFails}
	}
	if cause := context.Cause(parent); cause != nil && cause != err {
		// Keep both: errors.Is(err, context.Canceled) and the cause.
		return fmt.Errorf("tool %q: %w: %w", f.meta.ID, err, cause)
	}
	return fmt.Errorf("tool %q: %w", f.meta.ID, err)
}

func outcome(data any, attempts int, err error) Result {
	if err != nil {
		return Result{Status: StatusError, Err: err, Attempts: attempts}
	}
	return Result{Status: StatusSuccess, Data: data, Attempts: attempts}
}

// attempts runs the function, retrying transient errors under WithRetry.
func (f *Func) attempts(ctx context.Context, c call) (any, int, error) {
	if f.opts.attempts <= 1 {
		data, err := f.guarded(ctx, c)
		return data, 1, err
	}
	var (
		data any
		n    int
	)
	b := retry.NewExponential(f.opts.backoff)
	b = retry.WithCappedDuration(f.opts.maxBackoff, b)
	b = retry.WithJitterPercent(50, b)
	b = retry.WithMaxRetries(uint64(f.opts.attempts-1), b)
	err := retry.Do(ctx, b, func(ctx context.Context) error {
		n++
		var err error
		data, err = f.guarded(ctx, c)
		if err != nil && errors.Is(err, ErrTransient) {
			return retry.RetryableError(err)
		}
		return err
	})
	return data, n, err
}

// guarded calls the function once, turning a panic into a *PanicError.
func (f *Func) guarded(ctx context.Context, c call) (data any, err error) {
	defer func() {
		if v := recover(); v != nil {
			data, err = nil, &PanicError{ToolID: f.meta.ID, Value: v, Stack: debug.Stack()}
		}
	}()
	return c(ctx)
}
