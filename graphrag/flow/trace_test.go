package flow_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/flow"
)

// runDiamond runs a -> (first, second) -> d on a fake clock: a takes 10ms,
// the branch called slowName takes 30ms, the other 5ms, d 5ms.
func runDiamond(t *testing.T, first, second, slowName string) *flow.Trace {
	t.Helper()
	var clk fakeClock
	ended := make(chan string)
	g := flow.New(flow.WithClock(clk.now), flow.WithHooks(flow.Hooks{
		StepEnd: func(_ context.Context, st flow.StepTrace) { ended <- st.Name },
	}))
	started := make(chan string)
	release := map[string]chan struct{}{}
	for _, name := range []string{"a", first, second, "d"} {
		release[name] = make(chan struct{})
	}
	wait := func(name string) (int, error) {
		started <- name
		<-release[name]
		return 1, nil
	}
	a := flow.Go(g, "a", func(context.Context) (int, error) { return wait("a") })
	b1 := flow.Then(g, first, a, func(context.Context, int) (int, error) { return wait(first) })
	b2 := flow.Then(g, second, a, func(context.Context, int) (int, error) { return wait(second) })
	flow.Join2(g, "d", b1, b2, func(context.Context, int, int) (int, error) { return wait("d") })
	fast := first
	if slowName == first {
		fast = second
	}

	type result struct {
		trace *flow.Trace
		err   error
	}
	res := make(chan result, 1)
	go func() { tr, err := g.Run(context.Background()); res <- result{tr, err} }()

	finish := func(name string, at time.Duration) {
		clk.set(at)
		close(release[name])
		require.Equal(t, name, <-ended)
	}
	require.Equal(t, "a", <-started)
	finish("a", 10*time.Millisecond)
	got := []string{<-started, <-started}
	assert.ElementsMatch(t, []string{first, second}, got)
	finish(fast, 15*time.Millisecond)
	finish(slowName, 40*time.Millisecond)
	require.Equal(t, "d", <-started)
	finish("d", 45*time.Millisecond)
	r := <-res
	require.NoError(t, r.err)
	return r.trace
}

func TestTraceCriticalPathOnDiamond(t *testing.T) {
	for _, tc := range []struct{ first, second, slow string }{
		{"fast", "slow", "slow"},
		{"slow", "fast", "slow"},
	} {
		t.Run(tc.first+"-first", func(t *testing.T) {
			trace := runDiamond(t, tc.first, tc.second, tc.slow)
			assert.Equal(t, []string{"a", "slow", "d"}, trace.CriticalPath)
			assert.Equal(t, epoch, trace.StartedAt)
			assert.Equal(t, 45*time.Millisecond, trace.Wall)
			assert.Equal(t, 50*time.Millisecond, trace.SumSteps)
			want := map[string]flow.StepTrace{
				"a":    {Name: "a", Outcome: flow.OutcomeOK, End: 10 * time.Millisecond, Duration: 10 * time.Millisecond, Critical: true},
				"fast": {Name: "fast", Deps: []string{"a"}, Outcome: flow.OutcomeOK, Start: 10 * time.Millisecond, End: 15 * time.Millisecond, Duration: 5 * time.Millisecond},
				"slow": {Name: "slow", Deps: []string{"a"}, Outcome: flow.OutcomeOK, Start: 10 * time.Millisecond, End: 40 * time.Millisecond, Duration: 30 * time.Millisecond, Critical: true},
				"d":    {Name: "d", Deps: []string{tc.first, tc.second}, Outcome: flow.OutcomeOK, Start: 40 * time.Millisecond, End: 45 * time.Millisecond, Duration: 5 * time.Millisecond, Critical: true},
			}
			require.Len(t, trace.Steps, 4)
			for _, st := range trace.Steps {
				assert.Equal(t, want[st.Name], st, st.Name)
			}
		})
	}
}

func TestTraceJSON(t *testing.T) {
	trace := runDiamond(t, "fast", "slow", "slow")
	data, err := json.Marshal(trace)
	require.NoError(t, err)

	var raw map[string]any
	require.NoError(t, json.Unmarshal(data, &raw))
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		return ks
	}
	assert.ElementsMatch(t, []string{"started_at", "wall_ns", "sum_steps_ns", "critical_path", "steps"}, keys(raw))
	assert.Equal(t, float64(45*time.Millisecond), raw["wall_ns"])
	steps := raw["steps"].([]any)
	assert.ElementsMatch(t, []string{"name", "outcome", "start_ns", "end_ns", "duration_ns", "critical"},
		keys(steps[0].(map[string]any)), "a step without deps or error omits them")
	assert.ElementsMatch(t, []string{"name", "deps", "outcome", "start_ns", "end_ns", "duration_ns", "critical"},
		keys(steps[3].(map[string]any)))

	var back flow.Trace
	require.NoError(t, json.Unmarshal(data, &back))
	assert.True(t, trace.StartedAt.Equal(back.StartedAt))
	back.StartedAt = trace.StartedAt
	assert.Equal(t, *trace, back)
}

func TestTraceCriticalPathAfterFailure(t *testing.T) {
	var clk fakeClock
	g := flow.New(flow.WithClock(clk.now))
	a := flow.Go(g, "a", func(context.Context) (int, error) { clk.set(time.Millisecond); return 1, nil })
	b := flow.Then(g, "b", a, func(context.Context, int) (int, error) {
		clk.set(3 * time.Millisecond)
		return 0, errors.New("bad\nsecond line")
	})
	flow.Then(g, "c", b, func(context.Context, int) (int, error) { return 0, nil })
	trace, err := g.Run(context.Background())
	require.Error(t, err)
	assert.Equal(t, []string{"a", "b"}, trace.CriticalPath)
	assert.Equal(t, 3*time.Millisecond, trace.SumSteps)
	c, _ := trace.Step("c")
	assert.Equal(t, flow.StepTrace{Name: "c", Deps: []string{"b"}, Outcome: flow.OutcomeSkipped, Error: flow.ErrSkipped.Error()}, c)
	_, found := trace.Step("nope")
	assert.False(t, found)
	assert.Contains(t, trace.String(), "failed: bad\n", "only the first line of an error is printed")
}

func TestTimelineFormat(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	tests := []struct {
		name  string
		trace *flow.Trace
		width int
		want  []string
	}{
		{
			name: "query with failure", width: 20,
			trace: &flow.Trace{
				Wall: 20 * ms, SumSteps: 27*ms + 345*us, CriticalPath: []string{"embed", "neighbors", "rerank"},
				Steps: []flow.StepTrace{
					{Name: "embed", Outcome: flow.OutcomeOK, End: 5 * ms, Duration: 5 * ms, Critical: true},
					{Name: "props", Deps: []string{"embed"}, Outcome: flow.OutcomeCanceled, Start: 5 * ms, End: 7*ms + 345*us, Duration: 2*ms + 345*us, Error: "context canceled"},
					{Name: "neighbors", Deps: []string{"embed"}, Outcome: flow.OutcomeOK, Start: 5 * ms, End: 15 * ms, Duration: 10 * ms, Critical: true},
					{Name: "rerank", Deps: []string{"props", "neighbors"}, Outcome: flow.OutcomeFailed, Start: 15 * ms, End: 20 * ms, Duration: 5 * ms, Critical: true, Error: "boom"},
					{Name: "answer", Deps: []string{"rerank"}, Outcome: flow.OutcomeSkipped, Error: "skipped"},
				},
			},
			want: []string{
				"wall 20ms  sum 27.3ms  critical embed -> neighbors -> rerank",
				"* embed      +0s       5ms  [#####...............]  ok",
				"  props      +5ms   2.35ms  [.....###............]  canceled: context canceled",
				"* neighbors  +5ms     10ms  [.....##########.....]  ok",
				"* rerank     +15ms     5ms  [...............#####]  failed: boom",
				"  answer     -           -  [....................]  skipped",
			},
		},
		{
			name: "zero wall time, default width", width: 0,
			trace: &flow.Trace{CriticalPath: []string{"x"}, Steps: []flow.StepTrace{{Name: "x", Outcome: flow.OutcomeOK, Critical: true}}},
			want: []string{
				"wall 0s  sum 0s  critical x",
				"* x  +0s  0s  [#" + strings.Repeat(".", flow.DefaultBarWidth-1) + "]  ok",
			},
		},
		{
			name: "nothing started", width: 4,
			trace: &flow.Trace{Wall: 1234567 * time.Nanosecond, Steps: []flow.StepTrace{{Name: "x", Outcome: flow.OutcomeSkipped}}},
			want:  []string{"wall 1.23ms  sum 0s  critical -", "  x  -  -  [....]  skipped"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, strings.Join(tc.want, "\n")+"\n", tc.trace.Timeline(tc.width))
		})
	}
	var nilTrace *flow.Trace
	assert.Equal(t, "<nil trace>", nilTrace.String())
}

func TestStringOfARealRun(t *testing.T) {
	trace := runDiamond(t, "fast", "slow", "slow")
	assert.Equal(t, strings.Join([]string{
		"wall 45ms  sum 50ms  critical a -> slow -> d",
		"* a     +0s    10ms  [#########...............................]  ok",
		"  fast  +10ms   5ms  [........######..........................]  ok",
		"* slow  +10ms  30ms  [........############################....]  ok",
		"* d     +40ms   5ms  [...................................#####]  ok",
		"",
	}, "\n"), trace.String())
}
