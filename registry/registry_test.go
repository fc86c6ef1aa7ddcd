package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type echoIn struct {
	N int `json:"n,omitempty"`
}

func newTool(t testing.TB, meta tool.Metadata, fn func(context.Context, echoIn) (int, error), opts ...tool.Option) *tool.Func {
	t.Helper()
	if meta.Description == "" {
		meta.Description = "test tool " + meta.ID
	}
	f, err := tool.New(meta, fn, opts...)
	require.NoError(t, err)
	return f
}

func echo(_ context.Context, in echoIn) (int, error) { return in.N, nil }

func TestRegisterDuplicate(t *testing.T) {
	r := registry.New()
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "a"}, echo)))
	err := r.Register(newTool(t, tool.Metadata{ID: "a"}, echo))
	require.ErrorIs(t, err, registry.ErrDuplicate)
	assert.EqualError(t, err, `registry: duplicate tool id: "a"`)
	err = r.RegisterFactory("a", func() (tool.Tool, error) { return newTool(t, tool.Metadata{ID: "a"}, echo), nil })
	assert.ErrorIs(t, err, registry.ErrDuplicate)
	assert.Error(t, r.Register(nil))
	assert.Error(t, r.RegisterFactory("B", func() (tool.Tool, error) { return nil, nil }))
	assert.Error(t, r.RegisterFactory("b", nil))
	assert.Equal(t, 1, r.Len())
	assert.Panics(t, func() { r.MustRegister(newTool(t, tool.Metadata{ID: "a"}, echo)) })
}

func TestFactories(t *testing.T) {
	r := registry.New()
	var made atomic.Int32
	require.NoError(t, r.RegisterFactory("lazy", func() (tool.Tool, error) {
		made.Add(1)
		return newTool(t, tool.Metadata{ID: "lazy"}, echo), nil
	}))
	require.NoError(t, r.RegisterFactory("broken", func() (tool.Tool, error) { return nil, errors.New("no credentials") }))
	require.NoError(t, r.RegisterFactory("misnamed", func() (tool.Tool, error) { return newTool(t, tool.Metadata{ID: "other"}, echo), nil }))
	require.NoError(t, r.RegisterFactory("panicky", func() (tool.Tool, error) { panic("oops") }))
	assert.Zero(t, made.Load(), "factories run lazily")

	res := r.Execute(context.Background(), "lazy", json.RawMessage(`{"n":7}`))
	require.True(t, res.OK(), "%v", res.Err)
	assert.Equal(t, 7, res.Data)
	_, err := r.Get("lazy")
	require.NoError(t, err)
	assert.Equal(t, int32(1), made.Load(), "a factory runs once")

	_, err = r.Get("broken")
	assert.EqualError(t, err, `registry: factory "broken": no credentials`)
	assert.ErrorContains(t, r.Execute(context.Background(), "misnamed", nil).Err, `made a tool with id "other"`)
	assert.ErrorContains(t, r.Execute(context.Background(), "panicky", nil).Err, "panicked: oops")
	assert.Equal(t, []string{"lazy"}, ids(r.List()))

	err = r.InitializeAll(context.Background(), nil)
	var ie *registry.InitError
	require.ErrorAs(t, err, &ie)
	assert.ErrorContains(t, err, `initialize "broken"`)
	assert.ErrorContains(t, err, `initialize "misnamed"`)
	assert.ErrorContains(t, err, `initialize "panicky"`)
	require.NoError(t, r.Close())
}

func ids(ts []tool.Tool) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Metadata().ID
	}
	return out
}

func TestFindAndList(t *testing.T) {
	r := registry.New()
	for _, m := range []struct {
		meta tool.Metadata
		caps tool.Capabilities
	}{
		{tool.Metadata{ID: "web-search", Category: "search", Tags: []string{"web", "slow"}}, tool.Capabilities{Async: true, Concurrent: true, RequiresAuth: true}},
		{tool.Metadata{ID: "vector-search", Category: "search", Tags: []string{"graph"}}, tool.Capabilities{Async: true, Batch: true, Concurrent: true}},
		{tool.Metadata{ID: "graph-query", Category: "graph", Tags: []string{"graph", "slow"}}, tool.Capabilities{Streaming: true}},
		{tool.Metadata{ID: "clock", Category: "util"}, tool.Capabilities{Concurrent: true}},
	} {
		require.NoError(t, r.Register(newTool(t, m.meta, echo, tool.WithCapabilities(m.caps))))
	}
	cases := []struct {
		name string
		q    registry.Query
		want []string
	}{
		{"all, in id order", registry.Query{}, []string{"clock", "graph-query", "vector-search", "web-search"}},
		{"category", registry.Query{Category: "search"}, []string{"vector-search", "web-search"}},
		{"any tag", registry.Query{AnyTags: []string{"web", "graph"}}, []string{"graph-query", "vector-search", "web-search"}},
		{"all tags", registry.Query{AllTags: []string{"graph", "slow"}}, []string{"graph-query"}},
		{"capability", registry.Query{Capabilities: tool.Capabilities{Batch: true}}, []string{"vector-search"}},
		{"capability auth", registry.Query{Capabilities: tool.Capabilities{RequiresAuth: true, Async: true}}, []string{"web-search"}},
		{"category and tag", registry.Query{Category: "search", AnyTags: []string{"slow"}}, []string{"web-search"}},
		{"ids", registry.Query{IDs: []string{"clock", "nope"}}, []string{"clock"}},
		{"no match", registry.Query{Category: "none"}, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, ids(r.Find(tc.q)))
		})
	}
	assert.Equal(t, []string{"clock", "graph-query", "vector-search", "web-search"}, r.IDs())
	got, err := r.Get("clock")
	require.NoError(t, err)
	assert.Equal(t, "clock", got.Metadata().ID)
	_, err = r.Get("nope")
	assert.ErrorIs(t, err, registry.ErrUnknownTool)
}

type cfg struct {
	Key string `json:"key"`
}

func TestInitializeAllReportsEveryFailure(t *testing.T) {
	r := registry.New()
	mk := func(id string) *tool.Func {
		return newTool(t, tool.Metadata{ID: id}, echo, tool.WithConfig(func(context.Context, cfg) error { return nil }))
	}
	require.NoError(t, r.Register(mk("a")))
	require.NoError(t, r.Register(mk("b")))
	require.NoError(t, r.Register(mk("c")))
	err := r.InitializeAll(context.Background(), map[string]tool.Config{
		"a":     {"key": "ok"},
		"b":     {"wrong": 1},
		"ghost": {"key": "x"},
	})
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, `initialize "ghost"`)
	assert.Contains(t, msg, `initialize "b": tool "b": invalid config: key: is required`)
	assert.Contains(t, msg, `tool "b": invalid config: wrong: unknown key`)
	assert.Contains(t, msg, `initialize "c": tool "c": invalid config: key: is required`)
	assert.NotContains(t, msg, `initialize "a"`)
	assert.True(t, r.Execute(context.Background(), "a", json.RawMessage(`{"n":1}`)).OK())
	assert.ErrorIs(t, r.Execute(context.Background(), "c", json.RawMessage(`{"n":1}`)).Err, tool.ErrNotInitialized)
}

func TestExecuteAllOrderAndPerCallErrors(t *testing.T) {
	r := registry.New()
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "echo"}, echo)))
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "fail"}, func(context.Context, echoIn) (int, error) { return 0, errors.New("nope") })))
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "boom"}, func(context.Context, echoIn) (int, error) { panic("kaboom") })))
	calls := []registry.Call{
		{ID: "echo", Input: json.RawMessage(`{"n":1}`)},
		{ID: "ghost", Input: json.RawMessage(`{}`)},
		{ID: "fail", Input: json.RawMessage(`{"n":2}`)},
		{ID: "echo", Input: json.RawMessage(`{"n":"x"}`)},
		{ID: "boom", Input: json.RawMessage(`{"n":3}`)},
		{ID: "echo", Input: json.RawMessage(`{"n":4}`), DryRun: true},
		{ID: "echo", Input: json.RawMessage(`{"n":5}`)},
	}
	res := r.ExecuteAll(context.Background(), calls)
	require.Len(t, res, len(calls))
	want := []tool.Kind{"", tool.KindUnknownTool, tool.KindExecution, tool.KindInvalidInput, tool.KindPanic, "", ""}
	for i, rr := range res {
		assert.Equal(t, calls[i].ID, rr.ToolID, "call %d", i)
		assert.Equal(t, want[i], tool.KindOf(rr.Err), "call %d: %v", i, rr.Err)
	}
	assert.Equal(t, 1, res[0].Data)
	assert.True(t, res[5].DryRun)
	assert.Nil(t, res[5].Data)
	assert.Equal(t, 5, res[6].Data)
	assert.Empty(t, r.ExecuteAll(context.Background(), nil))
}

// The global bound is observed from inside the tools, and a tool's own
// bound does not starve the others of global slots.
func TestExecuteAllBounds(t *testing.T) {
	const global = 3
	var in, peak, serialIn, serialPeak atomic.Int32
	track := func(cur, pk *atomic.Int32) func() {
		n := cur.Add(1)
		for {
			p := pk.Load()
			if n <= p || pk.CompareAndSwap(p, n) {
				break
			}
		}
		return func() { cur.Add(-1) }
	}
	gate := make(chan struct{})
	r := registry.New(registry.WithMaxConcurrency(global))
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "serial"}, func(context.Context, echoIn) (int, error) {
		defer track(&in, &peak)()
		defer track(&serialIn, &serialPeak)()
		<-gate
		return 0, nil
	}, tool.WithCapabilities(tool.Capabilities{Concurrent: false}))))
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "fast"}, func(context.Context, echoIn) (int, error) {
		defer track(&in, &peak)()
		return 1, nil
	})))
	var calls []registry.Call
	for range 5 {
		calls = append(calls, registry.Call{ID: "serial"})
	}
	for range 20 {
		calls = append(calls, registry.Call{ID: "fast"})
	}
	var fastDone atomic.Int32
	hooks := registry.Hooks{OnEnd: func(_ context.Context, e registry.Event, _ tool.Result) {
		if e.ToolID == "fast" && fastDone.Add(1) == 20 {
			close(gate) // the serial calls finish only after every fast one did
		}
	}}
	r2 := registry.New(registry.WithMaxConcurrency(global), registry.WithHooks(hooks))
	for _, id := range []string{"serial", "fast"} {
		tl, err := r.Get(id)
		require.NoError(t, err)
		require.NoError(t, r2.Register(tl))
	}
	res := r2.ExecuteAll(context.Background(), calls)
	for i, rr := range res {
		require.True(t, rr.OK(), "call %d: %v", i, rr.Err)
	}
	assert.LessOrEqual(t, peak.Load(), int32(global))
	assert.Equal(t, int32(1), serialPeak.Load())
}

func TestExecuteAllCancellation(t *testing.T) {
	echoDone := make(chan struct{})
	r := registry.New(registry.WithHooks(registry.Hooks{OnEnd: func(_ context.Context, e registry.Event, _ tool.Result) {
		if e.ToolID == "echo" {
			close(echoDone)
		}
	}}))
	started := make(chan struct{}, 100)
	var ran atomic.Int32
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "block"}, func(ctx context.Context, _ echoIn) (int, error) {
		ran.Add(1)
		started <- struct{}{}
		<-ctx.Done()
		return 0, ctx.Err()
	}, tool.WithCapabilities(tool.Capabilities{Concurrent: true, MaxConcurrency: 2}))))
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "echo"}, echo)))
	calls := []registry.Call{{ID: "echo", Input: json.RawMessage(`{"n":9}`)}}
	for range 10 {
		calls = append(calls, registry.Call{ID: "block"})
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		<-started
		<-echoDone
		cancel()
	}()
	res := r.ExecuteAll(ctx, calls)
	require.Len(t, res, len(calls))
	assert.Equal(t, 9, res[0].Data, "a finished result is kept")
	for i, rr := range res[1:] {
		assert.ErrorIs(t, rr.Err, context.Canceled, "call %d", i+1)
		assert.Equal(t, tool.KindCanceled, tool.KindOf(rr.Err))
	}
	assert.Equal(t, int32(2), ran.Load(), "calls waiting for a slot never start after the cancel")
}

func TestFatalTimeoutCancelsTheBatch(t *testing.T) {
	r := registry.New()
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "slow"}, func(ctx context.Context, _ echoIn) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	}, tool.WithTimeout(10*time.Millisecond), tool.WithTimeoutBehavior(tool.TimeoutFails))))
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "wait"}, func(ctx context.Context, _ echoIn) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})))
	res := r.ExecuteAll(context.Background(), []registry.Call{{ID: "wait"}, {ID: "slow"}, {ID: "wait"}})
	assert.ErrorIs(t, res[1].Err, tool.ErrFatal)
	for _, i := range []int{0, 2} {
		assert.NotErrorIs(t, res[i].Err, tool.ErrFatal, "only the call that failed is fatal")
		assert.Equal(t, tool.KindCanceled, tool.KindOf(res[i].Err))
		var abort *registry.AbortError
		require.ErrorAs(t, res[i].Err, &abort, "the cause names the fatal call")
		assert.Equal(t, 1, abort.Index)
		assert.Equal(t, "slow", abort.ToolID)
	}
}

func TestHooks(t *testing.T) {
	var mu sync.Mutex
	var starts, ends []string
	r := registry.New(registry.WithHooks(registry.Hooks{
		OnStart: func(_ context.Context, e registry.Event) {
			mu.Lock()
			defer mu.Unlock()
			starts = append(starts, e.ToolID)
		},
		OnEnd: func(_ context.Context, e registry.Event, res tool.Result) {
			mu.Lock()
			defer mu.Unlock()
			ends = append(ends, e.ToolID+":"+string(res.Status))
			assert.False(t, e.Start.IsZero())
			assert.Positive(t, res.Duration)
		},
	}))
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "echo"}, echo)))
	r.ExecuteAll(context.Background(), []registry.Call{{ID: "echo", Input: json.RawMessage(`{"n":1}`)}, {ID: "ghost"}})
	assert.Equal(t, []string{"echo"}, starts)
	assert.ElementsMatch(t, []string{"echo:success", "ghost:error"}, ends)
}

// TestCallHooks: hooks carried by a context see only the calls made with
// that context, after the registry's own hooks, and nest.
func TestCallHooks(t *testing.T) {
	var mu sync.Mutex
	var log []string
	record := func(tag string) registry.Hooks {
		return registry.Hooks{
			OnStart: func(_ context.Context, e registry.Event) {
				mu.Lock()
				defer mu.Unlock()
				log = append(log, tag+" start "+e.ToolID)
			},
			OnEnd: func(_ context.Context, e registry.Event, res tool.Result) {
				mu.Lock()
				defer mu.Unlock()
				log = append(log, tag+" end "+e.ToolID+":"+string(res.Status))
			},
		}
	}
	r := registry.New(registry.WithHooks(record("registry")))
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "echo"}, echo)))
	ctx := context.Background()
	r.Execute(ctx, "echo", json.RawMessage(`{"n":1}`))
	assert.Equal(t, []string{"registry start echo", "registry end echo:success"}, log)

	log = nil
	outer := registry.WithCallHooks(ctx, record("outer"))
	inner := registry.WithCallHooks(outer, record("inner"))
	assert.Equal(t, outer, registry.WithCallHooks(outer, registry.Hooks{}), "empty hooks add nothing")
	r.Execute(inner, "echo", json.RawMessage(`{"n":1}`))
	r.Execute(outer, "ghost", nil)
	// A tool calling a registry with the context it got reports nothing to
	// its caller's call hooks.
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "nested"}, func(ctx context.Context, in echoIn) (int, error) {
		r.Execute(ctx, "echo", json.RawMessage(`{"n":1}`))
		return in.N, nil
	})))
	log = nil
	r.Execute(outer, "nested", json.RawMessage(`{"n":2}`))
	assert.Equal(t, []string{
		"registry start nested", "outer start nested",
		"registry start echo", "registry end echo:success",
		"registry end nested:success", "outer end nested:success",
	}, log)
	log = nil
	r.Execute(inner, "echo", json.RawMessage(`{"n":1}`))
	r.Execute(outer, "ghost", nil)
	assert.Equal(t, []string{
		"registry start echo", "outer start echo", "inner start echo",
		"registry end echo:success", "outer end echo:success", "inner end echo:success",
		"registry end ghost:error", "outer end ghost:error",
	}, log)
}

type closer struct {
	tool.Tool
	n   *atomic.Int32
	err error
}

func (c closer) Close() error { c.n.Add(1); return c.err }

func TestClose(t *testing.T) {
	r := registry.New()
	var a, b atomic.Int32
	require.NoError(t, r.Register(closer{newTool(t, tool.Metadata{ID: "a"}, echo), &a, nil}))
	require.NoError(t, r.Register(closer{newTool(t, tool.Metadata{ID: "b"}, echo), &b, errors.New("disk busy")}))
	var made atomic.Int32
	require.NoError(t, r.RegisterFactory("never", func() (tool.Tool, error) { made.Add(1); return nil, nil }))
	err := r.Close()
	assert.EqualError(t, err, `registry: close "b": disk busy`)
	assert.NoError(t, r.Close())
	assert.Equal(t, int32(1), a.Load())
	assert.Equal(t, int32(1), b.Load())
	assert.Zero(t, made.Load(), "closing never makes a tool")
	assert.ErrorIs(t, r.Execute(context.Background(), "a", nil).Err, registry.ErrClosed)
	assert.ErrorIs(t, r.Register(newTool(t, tool.Metadata{ID: "c"}, echo)), registry.ErrClosed)
}

var defaultRuns atomic.Int32

func TestDefaultRegistry(t *testing.T) {
	// Unique IDs per run, so that -count=N works on the process-wide registry.
	suffix := string(rune('a' + defaultRuns.Add(1)%26))
	echoID, lazyID := "default-echo-"+suffix, "default-lazy-"+suffix
	require.NoError(t, registry.Register(newTool(t, tool.Metadata{ID: echoID}, echo)))
	assert.ErrorIs(t, registry.Register(newTool(t, tool.Metadata{ID: echoID}, echo)), registry.ErrDuplicate)
	require.NoError(t, registry.RegisterFactory(lazyID, func() (tool.Tool, error) {
		return newTool(t, tool.Metadata{ID: lazyID}, echo), nil
	}))
	assert.Subset(t, registry.Default().IDs(), []string{echoID, lazyID})
	assert.True(t, registry.Default().Execute(context.Background(), lazyID, json.RawMessage(`{"n":3}`)).OK())
}

// A caller's custom cancellation cause stays next to context.Canceled.
func TestCancelCauseKeepsCanceled(t *testing.T) {
	r := registry.New()
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "wait"}, func(ctx context.Context, _ echoIn) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})))
	hungUp := errors.New("user hung up")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(hungUp)
	for _, res := range r.ExecuteAll(ctx, []registry.Call{{ID: "wait"}, {ID: "wait"}}) {
		assert.ErrorIs(t, res.Err, context.Canceled)
		assert.ErrorIs(t, res.Err, hungUp)
		assert.Equal(t, tool.KindCanceled, tool.KindOf(res.Err))
	}
}

// Dry runs never wait for a slot: a busy tool still validates at once.
func TestDryRunNeedsNoSlot(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	r := registry.New()
	require.NoError(t, r.Register(newTool(t, tool.Metadata{ID: "busy"}, func(context.Context, echoIn) (int, error) {
		close(started)
		<-release
		return 1, nil
	}, tool.WithCapabilities(tool.Capabilities{Concurrent: false}))))
	done := make(chan tool.Result, 1)
	go func() { done <- r.Execute(context.Background(), "busy", json.RawMessage(`{"n":1}`)) }()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res := r.ExecuteAll(ctx, []registry.Call{{ID: "busy", Input: json.RawMessage(`{"n":2}`), DryRun: true}, {ID: "busy", Input: json.RawMessage(`{"n":"x"}`), DryRun: true}})
	assert.True(t, res[0].OK() && res[0].DryRun, "%v", res[0].Err)
	assert.ErrorIs(t, res[1].Err, tool.ErrInvalidInput)
	close(release)
	assert.True(t, (<-done).OK())
}

// Concurrent Close calls are safe and close each tool once.
func TestConcurrentClose(t *testing.T) {
	r := registry.New()
	var n atomic.Int32
	require.NoError(t, r.Register(closer{newTool(t, tool.Metadata{ID: "a"}, echo), &n, errors.New("x")}))
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = r.Close() })
	}
	wg.Wait()
	assert.Equal(t, int32(1), n.Load())
	got := 0
	for _, err := range errs {
		if err != nil {
			got++
		}
	}
	assert.Equal(t, 1, got, "the close error is returned once")
}
