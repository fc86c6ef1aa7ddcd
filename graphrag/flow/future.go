package flow

import (
	"context"
	"fmt"
)

// Future is the result of a step, of type T. It is settled when the step
// ends, and every Future of a graph is settled when Run returns.
type Future[T any] struct {
	n   *node
	val T // written by the step before n.state is stored
}

func (f *Future[T]) flowNode() *node {
	if f == nil {
		return nil
	}
	return f.n
}

// Name returns the step's name ("" for a nil Future).
func (f *Future[T]) Name() string {
	if f == nil || f.n == nil {
		return ""
	}
	return f.n.name
}

// Get returns the step's value if it succeeded. Otherwise it returns the
// zero value and a *StepError naming the step: its failure, ErrSkipped if
// it never started, ErrNotDone if it has not finished, or ErrInvalid if it
// was invalid. Get never blocks.
func (f *Future[T]) Get() (T, error) {
	var zero T
	if f == nil || f.n == nil {
		return zero, fmt.Errorf("%w: Get on a nil *Future", ErrInvalid)
	}
	switch f.n.state.Load() {
	case stateOK:
		return f.val, nil
	case stateErr:
		return zero, f.n.res
	default:
		return zero, &StepError{Step: f.n.name, Err: ErrNotDone}
	}
}

// Value returns the step's value. It panics with the error Get would return
// unless the step succeeded, so call it only inside a step that depends on
// f, directly or through other steps (the executor starts that step after f
// succeeded, and turns a panic into that step's failure), or after Run
// returned a nil error.
func (f *Future[T]) Value() T {
	v, err := f.Get()
	if err != nil {
		panic(err)
	}
	return v
}

// newFuture adds a step whose function is made by body from the Future's
// address, so body can store the value.
func newFuture[T any](g *Graph, name string, fnNil bool, body func(context.Context) (T, error), deps ...Dep) *Future[T] {
	f := &Future[T]{}
	var run func(context.Context) error
	if !fnNil {
		run = func(ctx context.Context) error {
			v, err := body(ctx)
			if err != nil {
				return err
			}
			f.val = v
			return nil
		}
	}
	f.n = g.add(name, run, deps)
	return f
}

// Go adds a step without dependencies that runs fn. The step's value is
// kept only if fn returns a nil error.
func Go[T any](g *Graph, name string, fn func(ctx context.Context) (T, error)) *Future[T] {
	return newFuture(g, name, fn == nil, fn)
}

// Then adds a step that runs fn with a's value once step a has succeeded.
func Then[A, T any](g *Graph, name string, a *Future[A], fn func(ctx context.Context, a A) (T, error)) *Future[T] {
	return newFuture(g, name, fn == nil, func(ctx context.Context) (T, error) {
		return fn(ctx, a.val)
	}, a)
}

// Join2 adds a step that runs fn with the values of a and b once both
// have succeeded.
func Join2[A, B, T any](g *Graph, name string, a *Future[A], b *Future[B], fn func(ctx context.Context, a A, b B) (T, error)) *Future[T] {
	return newFuture(g, name, fn == nil, func(ctx context.Context) (T, error) {
		return fn(ctx, a.val, b.val)
	}, a, b)
}

// Join3 adds a step that runs fn with the values of a, b and c once all
// three have succeeded.
func Join3[A, B, C, T any](g *Graph, name string, a *Future[A], b *Future[B], c *Future[C], fn func(ctx context.Context, a A, b B, c C) (T, error)) *Future[T] {
	return newFuture(g, name, fn == nil, func(ctx context.Context) (T, error) {
		return fn(ctx, a.val, b.val, c.val)
	}, a, b, c)
}

// Step adds a step that runs fn once every one of deps has succeeded; fn
// reads their values with Future.Value. Repeated dependencies count once.
func Step[T any](g *Graph, name string, fn func(ctx context.Context) (T, error), deps ...Dep) *Future[T] {
	return newFuture(g, name, fn == nil, fn, deps...)
}
