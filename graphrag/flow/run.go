package flow

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
)

// Run runs the graph's steps under ctx, each as soon as all its
// dependencies have succeeded, and returns when every started step has
// returned.
//
// It returns the trace of the run and nil, or the first failure as a
// *StepError naming the step (the other running steps are canceled through
// their context and steps not started are skipped), or, if ctx was
// canceled before all steps succeeded, an error wrapping context.Cause(ctx)
// ("flow: run canceled: ..."). An invalid graph or argument
// returns a nil trace and an error matching ErrInvalid that names each
// invalid step (errors.Join), without running anything. Run may be called
// once; a second call returns ErrAlreadyRun. When Run returns, every Future
// of the graph is settled.
func (g *Graph) Run(ctx context.Context) (*Trace, error) {
	if g == nil {
		return nil, fmt.Errorf("%w: Run on a nil *Graph", ErrInvalid)
	}
	if ctx == nil {
		return nil, fmt.Errorf("%w: Run with a nil context", ErrInvalid)
	}
	g.mu.Lock()
	if g.started {
		g.mu.Unlock()
		return nil, ErrAlreadyRun
	}
	g.started = true
	nodes := g.nodes
	g.mu.Unlock()

	if err := g.validate(nodes); err != nil {
		for _, n := range nodes {
			if n.invalid != nil {
				n.settle(n.invalid)
			} else {
				n.outcome = OutcomeSkipped
				n.settle(&StepError{Step: n.name, Err: ErrSkipped})
			}
		}
		return nil, err
	}
	return g.run(ctx, nodes)
}

// validate joins the configuration error and the steps' validation errors.
func (g *Graph) validate(nodes []*node) error {
	var errs []error
	if g.cfgErr != nil {
		errs = append(errs, g.cfgErr)
	}
	for _, n := range nodes {
		if n.invalid != nil {
			errs = append(errs, n.invalid)
		}
	}
	return errors.Join(errs...)
}

// run schedules the steps of a valid graph. It is the only goroutine that
// reads the scheduling state; steps report back on done.
func (g *Graph) run(parent context.Context, nodes []*node) (*Trace, error) {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)

	waiting := make([]int, len(nodes))      // dependencies not yet succeeded
	dependents := make([][]int, len(nodes)) // steps depending on each step
	var ready []int
	for i, n := range nodes {
		waiting[i] = len(n.deps)
		for _, d := range n.deps {
			dependents[d.idx] = append(dependents[d.idx], i)
		}
		if waiting[i] == 0 {
			ready = append(ready, i)
		}
	}

	done := make(chan *node, len(nodes)) // never blocks a step
	start := g.cfg.clock()
	var firstErr error
	running, stopped := 0, false
	for {
		for !stopped && len(ready) > 0 && (g.cfg.maxConc == 0 || running < g.cfg.maxConc) {
			if ctx.Err() != nil {
				stopped = true
				break
			}
			n := nodes[ready[0]]
			ready = ready[1:]
			running++
			n.started = true
			go g.exec(ctx, n, start, done)
		}
		if running == 0 {
			break
		}
		ctxDone := ctx.Done()
		if stopped {
			ctxDone = nil // only collect the running steps
		}
		select {
		case n := <-done:
			running--
			switch n.outcome {
			case OutcomeOK:
				for _, j := range dependents[n.idx] {
					if waiting[j]--; waiting[j] == 0 {
						ready = append(ready, j)
					}
				}
			case OutcomeFailed:
				if firstErr == nil {
					firstErr = n.res
					cancel(firstErr)
				}
				stopped = true
			default:
				stopped = true
			}
		case <-ctxDone:
			stopped = true
		}
	}
	end := g.cfg.clock()

	for _, n := range nodes {
		if !n.started {
			n.outcome = OutcomeSkipped
			n.settle(&StepError{Step: n.name, Err: ErrSkipped})
		}
	}
	trace := newTrace(nodes, start, end)
	switch {
	case firstErr != nil:
		return trace, firstErr
	case parent.Err() != nil && trace.incomplete():
		return trace, fmt.Errorf("flow: run canceled: %w", context.Cause(parent))
	}
	return trace, nil
}

// errGoexit is the failure of a step that called runtime.Goexit (as
// testing.T.FailNow does) in its function or a hook.
var errGoexit = errors.New("step called runtime.Goexit")

// exec runs one step on its own goroutine and sends n on done when it ends,
// even if the step panics or calls runtime.Goexit.
func (g *Graph) exec(ctx context.Context, n *node, runStart time.Time, done chan<- *node) {
	settled := false
	defer func() {
		if !settled { // runtime.Goexit unwinding
			n.end = g.cfg.clock()
			n.outcome = classify(ctx, errGoexit)
			n.settle(&StepError{Step: n.name, Err: errGoexit})
		}
		done <- n
	}()

	n.start = g.cfg.clock()
	st := StepTrace{Name: n.name, Deps: n.depNames, Start: n.start.Sub(runStart)}
	stepCtx := ctx
	err := protect(func() error {
		stepCtx = g.stepStart(ctx, st)
		return n.run(stepCtx)
	})
	n.end = g.cfg.clock()
	n.outcome = classify(ctx, err)
	st.End, st.Duration, st.Outcome = n.end.Sub(runStart), n.end.Sub(n.start), n.outcome
	if err != nil {
		st.Error = err.Error()
	}
	if herr := protect(func() error { g.stepEnd(stepCtx, st); return nil }); herr != nil && err == nil {
		err = herr
		n.outcome = classify(ctx, err)
	}
	if err != nil {
		err = &StepError{Step: n.name, Err: err}
	}
	n.settle(err)
	settled = true
}

// classify returns the outcome of a step that returned err under ctx.
func classify(ctx context.Context, err error) Outcome {
	switch {
	case err == nil:
		return OutcomeOK
	case ctx.Err() != nil:
		return OutcomeCanceled
	}
	return OutcomeFailed
}

// protect calls f and turns a panic into a *PanicError.
func protect(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return f()
}

// stepStart calls every StepStart hook in order and returns the step's
// context.
func (g *Graph) stepStart(ctx context.Context, st StepTrace) context.Context {
	for _, h := range g.cfg.hooks {
		if h.StepStart != nil {
			if c := h.StepStart(ctx, st); c != nil {
				ctx = c
			}
		}
	}
	return ctx
}

// stepEnd calls every StepEnd hook in reverse order.
func (g *Graph) stepEnd(ctx context.Context, st StepTrace) {
	for i := len(g.cfg.hooks) - 1; i >= 0; i-- {
		if h := g.cfg.hooks[i]; h.StepEnd != nil {
			h.StepEnd(ctx, st)
		}
	}
}
