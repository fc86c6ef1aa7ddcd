package flow_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/flow"
)

func one(context.Context) (int, error) { return 1, nil }

func TestRunRejectsInvalidGraphs(t *testing.T) {
	tests := []struct {
		name  string
		opts  []flow.Option
		build func(g *flow.Graph)
		step  string // step named in the error ("" for none)
		msg   string
	}{
		{name: "empty name", build: func(g *flow.Graph) { flow.Go(g, "", one) }, msg: "empty name"},
		{name: "duplicate name", build: func(g *flow.Graph) { flow.Go(g, "x", one); flow.Go(g, "x", one) },
			step: "x", msg: "duplicate step name (also step 0)"},
		{name: "nil function", build: func(g *flow.Graph) { flow.Go[int](g, "f", nil) }, step: "f", msg: "function is nil"},
		{name: "nil Then function", build: func(g *flow.Graph) {
			flow.Then[int, int](g, "t", flow.Go(g, "a", one), nil)
		}, step: "t", msg: "function is nil"},
		{name: "nil typed dependency", build: func(g *flow.Graph) {
			flow.Then(g, "t", (*flow.Future[int])(nil), func(context.Context, int) (int, error) { return 0, nil })
		}, step: "t", msg: "dependency 0 is nil"},
		{name: "nil Dep", build: func(g *flow.Graph) { flow.Step(g, "s", one, flow.Go(g, "a", one), nil) },
			step: "s", msg: "dependency 1 is nil"},
		{name: "zero Future", build: func(g *flow.Graph) { flow.Step(g, "s", one, &flow.Future[int]{}) },
			step: "s", msg: "dependency 0 is nil"},
		{name: "dependency from another graph", build: func(g *flow.Graph) {
			other := flow.New()
			flow.Join2(g, "j", flow.Go(g, "a", one), flow.Go(other, "b", one),
				func(context.Context, int, int) (int, error) { return 0, nil })
		}, step: "j", msg: `dependency 1 ("b") belongs to another graph`},
		{name: "dependency from a nil graph", build: func(g *flow.Graph) {
			flow.Step(g, "s", one, flow.Go(nil, "orphan", one))
		}, step: "s", msg: `dependency 0 ("orphan") belongs to another graph`},
		{name: "negative max concurrency", opts: []flow.Option{flow.WithMaxConcurrency(-1)},
			build: func(g *flow.Graph) { flow.Go(g, "a", one) }, msg: "WithMaxConcurrency(-1)"},
		{name: "nil clock", opts: []flow.Option{flow.WithClock(nil)},
			build: func(g *flow.Graph) { flow.Go(g, "a", one) }, msg: "WithClock(nil)"},
		{name: "nil option", opts: []flow.Option{nil}, build: func(*flow.Graph) {}, msg: "option 0 is nil"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := flow.New(tc.opts...)
			var ran atomic.Bool
			tc.build(g)
			flow.Go(g, "valid", func(context.Context) (int, error) { ran.Store(true); return 0, nil })
			trace, err := g.Run(context.Background())
			require.ErrorIs(t, err, flow.ErrInvalid)
			assert.ErrorContains(t, err, tc.msg)
			assert.Nil(t, trace)
			assert.False(t, ran.Load(), "a step ran in an invalid graph")
			if tc.step != "" {
				var se *flow.StepError
				require.ErrorAs(t, err, &se)
				assert.Equal(t, tc.step, se.Step)
			}
		})
	}
}

func TestInvalidGraphSettlesFutures(t *testing.T) {
	g := flow.New()
	ok := flow.Go(g, "ok", one)
	bad := flow.Go(g, "ok", one)
	_, err := g.Run(context.Background())
	require.Error(t, err)
	_, err = ok.Get()
	assert.ErrorIs(t, err, flow.ErrSkipped)
	_, err = bad.Get()
	assert.ErrorIs(t, err, flow.ErrInvalid)
}

func TestRunOnce(t *testing.T) {
	g := flow.New()
	var runs atomic.Int32
	f := flow.Go(g, "a", func(context.Context) (int, error) { runs.Add(1); return 7, nil })
	_, err := g.Run(context.Background())
	require.NoError(t, err)
	trace, err := g.Run(context.Background())
	assert.ErrorIs(t, err, flow.ErrAlreadyRun)
	assert.Nil(t, trace)
	assert.Equal(t, int32(1), runs.Load())
	assert.Equal(t, 7, f.Value())

	late := flow.Go(g, "late", one)
	_, err = late.Get()
	assert.ErrorIs(t, err, flow.ErrInvalid)
	assert.ErrorContains(t, err, "added after Run")
}

func TestRunArguments(t *testing.T) {
	var nilGraph *flow.Graph
	_, err := nilGraph.Run(context.Background())
	assert.ErrorIs(t, err, flow.ErrInvalid)

	g := flow.New()
	f := flow.Go(g, "a", one)
	//lint:ignore SA1012 testing the nil-context check
	_, err = g.Run(nil)
	assert.ErrorIs(t, err, flow.ErrInvalid)
	_, err = g.Run(context.Background())
	require.NoError(t, err, "a rejected call does not use up the run")
	assert.Equal(t, 1, f.Value())

	orphan := flow.Go(nil, "orphan", one)
	_, err = orphan.Get()
	assert.ErrorIs(t, err, flow.ErrInvalid)
	assert.Equal(t, "orphan", orphan.Name())
}

func TestFutureBeforeRun(t *testing.T) {
	g := flow.New()
	f := flow.Go(g, "a", one)
	_, err := f.Get()
	assert.ErrorIs(t, err, flow.ErrNotDone)
	assert.PanicsWithError(t, `flow: step "a": flow: step has not finished`, func() { f.Value() })

	var nilF *flow.Future[int]
	_, err = nilF.Get()
	assert.ErrorIs(t, err, flow.ErrInvalid)
	assert.Equal(t, "", nilF.Name())
}

func TestValueOfUndeclaredDependencyFailsTheStep(t *testing.T) {
	g := flow.New()
	slow := flow.Go(g, "slow", func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() })
	flow.Go(g, "reader", func(context.Context) (int, error) { return slow.Value(), nil }) // no declared dependency
	_, err := g.Run(guard(t))
	var se *flow.StepError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "reader", se.Step)
	assert.ErrorIs(t, err, flow.ErrNotDone)
	var pe *flow.PanicError
	assert.ErrorAs(t, err, &pe)
}

func TestStepErrorKeepsValueOnlyOnSuccess(t *testing.T) {
	g := flow.New()
	f := flow.Go(g, "half", func(context.Context) (int, error) { return 5, errors.New("partial") })
	_, err := g.Run(context.Background())
	require.Error(t, err)
	v, err := f.Get()
	assert.Error(t, err)
	assert.Zero(t, v)
}

func TestWithClockIsUsed(t *testing.T) {
	var clk fakeClock
	clk.set(3 * time.Second)
	g := flow.New(flow.WithClock(clk.now))
	flow.Go(g, "a", one)
	trace, err := g.Run(context.Background())
	require.NoError(t, err)
	assert.Equal(t, epoch.Add(3*time.Second), trace.StartedAt)
	assert.Zero(t, trace.Wall)
}
