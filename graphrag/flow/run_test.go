package flow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/flow"
)

func TestOverlap(t *testing.T) {
	// Each step waits until both have started: the run ends only if they
	// run at the same time.
	g := flow.New()
	both := newGate(2)
	step := func(ctx context.Context) (int, error) { return 1, both.arrive(ctx) }
	a := flow.Go(g, "a", step)
	b := flow.Go(g, "b", step)
	sum := flow.Join2(g, "sum", a, b, func(_ context.Context, x, y int) (int, error) { return x + y, nil })

	trace, err := g.Run(guard(t))
	require.NoError(t, err)
	v, err := sum.Get()
	require.NoError(t, err)
	assert.Equal(t, 2, v)
	assert.Equal(t, 2, sum.Value())
	for _, st := range trace.Steps {
		assert.Equal(t, flow.OutcomeOK, st.Outcome, st.Name)
	}
}

func TestDependencyOrder(t *testing.T) {
	var ev events
	g := flow.New()
	rec := func(name string, v int) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			ev.add("start " + name)
			ev.add("end " + name)
			return v, nil
		}
	}
	a := flow.Go(g, "a", rec("a", 1))
	b := flow.Then(g, "b", a, func(ctx context.Context, x int) (int, error) { return rec("b", x+1)(ctx) })
	c := flow.Then(g, "c", a, func(ctx context.Context, x int) (int, error) { return rec("c", x+2)(ctx) })
	d := flow.Join3(g, "d", a, b, c, func(ctx context.Context, x, y, z int) (int, error) {
		_, err := rec("d", 0)(ctx)
		return x + y + z, err
	})
	e := flow.Step(g, "e", func(ctx context.Context) (int, error) {
		_, err := rec("e", 0)(ctx)
		return d.Value() * 10, err
	}, d, b, d) // repeated dependency counts once
	deps := map[string][]string{"b": {"a"}, "c": {"a"}, "d": {"a", "b", "c"}, "e": {"d", "b"}}

	trace, err := g.Run(guard(t))
	require.NoError(t, err)
	assert.Equal(t, 60, e.Value())
	for step, ds := range deps {
		st, ok := trace.Step(step)
		require.True(t, ok)
		assert.Equal(t, ds, st.Deps)
		for _, dep := range ds {
			assert.Less(t, ev.index("end "+dep), ev.index("start "+step), "%s started before %s ended", step, dep)
			dt, _ := trace.Step(dep)
			assert.LessOrEqual(t, dt.End, st.Start, "trace: %s started before %s ended", step, dep)
		}
	}
}

func TestFailureCancelsRunningAndSkipsDependents(t *testing.T) {
	boom := errors.New("boom")
	g := flow.New()
	started := make(chan struct{})
	var cause error
	sib := flow.Go(g, "sibling", func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		cause = context.Cause(ctx)
		return 0, ctx.Err()
	})
	fail := flow.Go(g, "fail", func(ctx context.Context) (int, error) {
		select {
		case <-started:
		case <-ctx.Done():
		}
		return 0, boom
	})
	var ran atomic.Bool
	after := flow.Then(g, "after-fail", fail, func(context.Context, int) (int, error) { ran.Store(true); return 1, nil })
	afterSib := flow.Then(g, "after-sibling", sib, func(context.Context, int) (int, error) { ran.Store(true); return 1, nil })

	trace, err := g.Run(guard(t))
	require.Error(t, err)
	var se *flow.StepError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "fail", se.Step)
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, `flow: step "fail": boom`, err.Error())
	assert.Same(t, err, cause, "the sibling's context is canceled with the failure as cause")
	assert.False(t, ran.Load(), "a dependent of a failed or canceled step ran")

	outcomes := map[string]flow.Outcome{}
	for _, st := range trace.Steps {
		outcomes[st.Name] = st.Outcome
	}
	assert.Equal(t, map[string]flow.Outcome{
		"sibling": flow.OutcomeCanceled, "fail": flow.OutcomeFailed,
		"after-fail": flow.OutcomeSkipped, "after-sibling": flow.OutcomeSkipped,
	}, outcomes)
	st, _ := trace.Step("sibling")
	assert.Equal(t, context.Canceled.Error(), st.Error)
	st, _ = trace.Step("fail")
	assert.Equal(t, "boom", st.Error)

	for _, f := range []*flow.Future[int]{after, afterSib} {
		_, err := f.Get()
		assert.ErrorIs(t, err, flow.ErrSkipped, f.Name())
		require.ErrorAs(t, err, &se)
		assert.Equal(t, f.Name(), se.Step)
	}
	_, err = sib.Get()
	assert.ErrorIs(t, err, context.Canceled)
	_, err = fail.Get()
	assert.ErrorIs(t, err, boom)
}

func TestPanicsBecomeStepErrors(t *testing.T) {
	sentinel := errors.New("sentinel")
	tests := []struct {
		name  string
		opts  []flow.Option
		step  func(context.Context) (int, error)
		is    error  // errors.Is target besides the PanicError
		value string // fmt of the panic value
	}{
		{name: "string", step: func(context.Context) (int, error) { panic("kaboom") }, value: "kaboom"},
		{name: "error value", step: func(context.Context) (int, error) { panic(sentinel) }, is: sentinel, value: "sentinel"},
		{name: "nil map write", step: func(context.Context) (int, error) {
			var m map[string]int
			//lint:ignore SA5000 the runtime panic is what is tested
			m["x"] = 1
			return 0, nil
		}, value: "assignment to entry in nil map"},
		{name: "StepStart hook", opts: []flow.Option{flow.WithHooks(flow.Hooks{
			StepStart: func(context.Context, flow.StepTrace) context.Context { panic("in start hook") },
		})}, step: func(context.Context) (int, error) { return 1, nil }, value: "in start hook"},
		{name: "StepEnd hook", opts: []flow.Option{flow.WithHooks(flow.Hooks{
			StepEnd: func(context.Context, flow.StepTrace) { panic("in end hook") },
		})}, step: func(context.Context) (int, error) { return 1, nil }, value: "in end hook"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := flow.New(tc.opts...)
			f := flow.Go(g, "p", tc.step)
			trace, err := g.Run(guard(t))
			var se *flow.StepError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, "p", se.Step)
			var pe *flow.PanicError
			require.ErrorAs(t, err, &pe)
			assert.Contains(t, pe.Error(), tc.value)
			assert.NotEmpty(t, pe.Stack)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			st, _ := trace.Step("p")
			assert.Equal(t, flow.OutcomeFailed, st.Outcome)
			_, gerr := f.Get()
			assert.Same(t, err, gerr)
		})
	}
}

func TestGoexitBecomesStepError(t *testing.T) {
	exit := func(context.Context) (int, error) { runtime.Goexit(); return 0, nil }
	tests := []struct {
		name string
		opts []flow.Option
		step func(context.Context) (int, error)
	}{
		{name: "in the step", step: exit},
		{name: "in StepStart", step: one, opts: []flow.Option{flow.WithHooks(flow.Hooks{
			StepStart: func(context.Context, flow.StepTrace) context.Context { runtime.Goexit(); return nil },
		})}},
		{name: "in StepEnd", step: one, opts: []flow.Option{flow.WithHooks(flow.Hooks{
			StepEnd: func(context.Context, flow.StepTrace) { runtime.Goexit() },
		})}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := flow.New(tc.opts...)
			f := flow.Go(g, "exits", tc.step)
			trace, err := g.Run(guard(t))
			var se *flow.StepError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, "exits", se.Step)
			assert.ErrorContains(t, err, "runtime.Goexit")
			assert.Equal(t, flow.OutcomeFailed, trace.Steps[0].Outcome)
			_, gerr := f.Get()
			assert.Same(t, err, gerr)
		})
	}
}

func TestParentCancel(t *testing.T) {
	t.Run("while running", func(t *testing.T) {
		ctx, cancel := context.WithCancel(guard(t))
		defer cancel()
		g := flow.New()
		started := make(chan struct{})
		a := flow.Go(g, "a", func(ctx context.Context) (int, error) {
			close(started)
			<-ctx.Done()
			return 0, ctx.Err()
		})
		b := flow.Then(g, "b", a, func(context.Context, int) (int, error) { return 1, nil })
		go func() { <-started; cancel() }()

		trace, err := g.Run(ctx)
		require.ErrorIs(t, err, context.Canceled)
		var se *flow.StepError
		assert.False(t, errors.As(err, &se), "a caller's cancel is not a step failure")
		require.NotNil(t, trace)
		assert.Equal(t, flow.OutcomeCanceled, trace.Steps[0].Outcome)
		assert.Equal(t, flow.OutcomeSkipped, trace.Steps[1].Outcome)
		_, err = b.Get()
		assert.ErrorIs(t, err, flow.ErrSkipped)
	})
	t.Run("before Run, with cause", func(t *testing.T) {
		why := errors.New("shutting down")
		ctx, cancel := context.WithCancelCause(guard(t))
		cancel(why)
		g := flow.New()
		var ran atomic.Bool
		flow.Go(g, "a", func(context.Context) (int, error) { ran.Store(true); return 0, nil })
		trace, err := g.Run(ctx)
		require.ErrorIs(t, err, why)
		assert.False(t, ran.Load())
		assert.Equal(t, flow.OutcomeSkipped, trace.Steps[0].Outcome)
		assert.Empty(t, trace.CriticalPath)
	})
	t.Run("after every step ended", func(t *testing.T) {
		ctx, cancel := context.WithCancel(guard(t))
		g := flow.New()
		flow.Go(g, "a", func(context.Context) (int, error) { cancel(); return 1, nil })
		_, err := g.Run(ctx)
		assert.NoError(t, err, "all steps succeeded")
	})
}

func TestMaxConcurrency(t *testing.T) {
	const limit, steps = 2, 7
	g := flow.New(flow.WithMaxConcurrency(limit))
	var active, peak atomic.Int32
	two := newGate(limit) // the first two steps wait for each other: the limit is reached
	for i := range steps {
		flow.Go(g, string(rune('a'+i)), func(ctx context.Context) (int, error) {
			n := active.Add(1)
			defer active.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			return i, two.arrive(ctx)
		})
	}
	trace, err := g.Run(guard(t))
	require.NoError(t, err)
	assert.Equal(t, int32(limit), peak.Load())
	assert.Len(t, trace.Steps, steps)
}

func TestHooks(t *testing.T) {
	type key struct{}
	var ev events
	hook := func(tag string) flow.Hooks {
		return flow.Hooks{
			StepStart: func(ctx context.Context, st flow.StepTrace) context.Context {
				ev.add(tag + " start " + st.Name)
				return context.WithValue(ctx, key{}, tag)
			},
			StepEnd: func(ctx context.Context, st flow.StepTrace) {
				ev.add(tag + " end " + st.Name + " " + string(st.Outcome) + " " + ctx.Value(key{}).(string))
			},
		}
	}
	g := flow.New(flow.WithHooks(hook("1")), flow.WithHooks(flow.Hooks{}), flow.WithHooks(hook("2")))
	flow.Go(g, "s", func(ctx context.Context) (string, error) {
		ev.add("run s " + ctx.Value(key{}).(string))
		return "", nil
	})
	_, err := g.Run(guard(t))
	require.NoError(t, err)
	assert.Equal(t, []string{"1 start s", "2 start s", "run s 2", "2 end s ok 2", "1 end s ok 2"}, ev.log)
}

func TestLogHooks(t *testing.T) {
	var buf syncBuffer
	l := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	g := flow.New(flow.WithHooks(flow.LogHooks(l)))
	a := flow.Go(g, "a", one)
	flow.Then(g, "b", a, func(context.Context, int) (int, error) { return 0, errors.New("nope") })
	_, err := g.Run(guard(t))
	require.Error(t, err)

	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		recs = append(recs, m)
	}
	require.Len(t, recs, 4)
	assert.Equal(t, "flow: step started", recs[0]["msg"])
	assert.Equal(t, "a", recs[0]["step"])
	assert.Equal(t, "DEBUG", recs[1]["level"])
	assert.Equal(t, "ok", recs[1]["outcome"])
	assert.Equal(t, []any{"a"}, recs[2]["deps"])
	assert.Equal(t, "WARN", recs[3]["level"])
	assert.Equal(t, "failed", recs[3]["outcome"])
	assert.Equal(t, "nope", recs[3]["error"])

	// A nil logger logs nothing and does not panic.
	g = flow.New(flow.WithHooks(flow.LogHooks(nil)))
	flow.Go(g, "a", one)
	_, err = g.Run(guard(t))
	assert.NoError(t, err)
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
