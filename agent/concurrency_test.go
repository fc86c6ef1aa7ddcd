package agent_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/kgas-dev/kgas/agent"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/tool"
)

// Three calls of one turn run at once: each tool blocks on a barrier that
// opens only when all three have started, and they finish in the reverse
// of the model's order; the results still come back in the model's order.
func TestCallsOfATurnOverlap(t *testing.T) {
	const n = 3
	var (
		starts, ends [n]time.Time
		arrived      atomic.Int32
		all          = make(chan struct{})
		done         [n]chan struct{}
	)
	var tools []tool.Tool
	for i := range n {
		done[i] = make(chan struct{})
		tools = append(tools, fnTool(t, tool.Metadata{ID: fmt.Sprintf("t%d", i)}, func(ctx context.Context, _ struct{}) (string, error) {
			starts[i] = time.Now()
			if arrived.Add(1) == n {
				close(all)
			}
			select {
			case <-all:
			case <-ctx.Done():
				return "", ctx.Err()
			}
			if i < n-1 { // t2 ends first, then t1, then t0
				select {
				case <-done[i+1]:
				case <-ctx.Done():
					return "", ctx.Err()
				}
			}
			ends[i] = time.Now()
			close(done[i])
			return fmt.Sprintf("r%d", i), nil
		}, tool.WithTimeout(5*time.Second))) // run one at a time, the first call would time out
	}
	var cs []llmtest.ToolCall
	for i := range n {
		cs = append(cs, llmtest.ToolCall{ID: fmt.Sprintf("c%d", i), Name: fmt.Sprintf("t%d", i), Arguments: `{}`})
	}
	s := newSim(t, llmtest.Config{}, calls(cs...), answer("ok"))
	a, err := agent.New(s.client(t), newRegistry(t, tools...))
	require.NoError(t, err)

	res, err := a.RunPrompt(t.Context(), "all three")
	require.NoError(t, err)
	require.Len(t, res.Calls, n)
	for i, c := range res.Calls {
		require.True(t, c.Result.OK(), "call %d: %v", i, c.Result.Err)
		assert.Equal(t, fmt.Sprintf("c%d", i), c.ID)
	}
	for i := range n {
		for j := range n {
			assert.True(t, starts[i].Before(ends[j]), "call %d started after call %d ended", i, j)
		}
	}
	assert.True(t, ends[2].Before(ends[0]), "the calls did finish out of order")

	// The next request carries the results in the model's order.
	reqs := s.requests()
	require.Len(t, reqs, 2)
	byID, ids := reqs[1].toolMessages()
	assert.Equal(t, []string{"c0", "c1", "c2"}, ids)
	for i := range n {
		assert.Equal(t, fmt.Sprintf("r%d", i), byID[fmt.Sprintf("c%d", i)])
	}
}

// NIn is the input of the ordered tools.
type NIn struct {
	N int `json:"n"`
}

// orderProbe records the order of a tool's calls and whether two of them
// ever ran at once. Each call stays in flight long enough for a call
// started concurrently to be seen.
type orderProbe struct {
	mu       sync.Mutex
	order    []int
	inflight atomic.Int32
	overlaps atomic.Int32
	started  chan struct{} // closed by the first call
	once     sync.Once
}

func newProbe() *orderProbe { return &orderProbe{started: make(chan struct{})} }

func (p *orderProbe) fn(ctx context.Context, in NIn) (int, error) {
	if p.inflight.Add(1) > 1 {
		p.overlaps.Add(1)
	}
	defer p.inflight.Add(-1)
	p.once.Do(func() { close(p.started) })
	p.mu.Lock()
	p.order = append(p.order, in.N)
	p.mu.Unlock()
	select {
	case <-time.After(20 * time.Millisecond):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return in.N, nil
}

func probeTool(t *testing.T, id string, p *orderProbe, caps tool.Capabilities) tool.Tool {
	f, err := tool.New(tool.Metadata{ID: id, Description: "probe"}, p.fn, tool.WithCapabilities(caps))
	require.NoError(t, err)
	return f
}

func TestSequentialCalls(t *testing.T) {
	concurrent := tool.Capabilities{Async: true, Concurrent: true}
	serial := tool.Capabilities{Async: true, Concurrent: false}
	for _, tc := range []struct {
		name string
		caps tool.Capabilities
		opts []agent.Option
	}{
		{"WithSequentialTools", concurrent, []agent.Option{agent.WithSequentialTools()}},
		{"tool not Concurrent", serial, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProbe()
			var cs []llmtest.ToolCall
			for i := range 4 {
				cs = append(cs, llmtest.ToolCall{ID: fmt.Sprintf("c%d", i), Name: "probe", Arguments: fmt.Sprintf(`{"n":%d}`, i)})
			}
			s := newSim(t, llmtest.Config{}, calls(cs...), answer("ok"))
			a, err := agent.New(s.client(t), newRegistry(t, probeTool(t, "probe", p, tc.caps)), tc.opts...)
			require.NoError(t, err)
			res, err := a.RunPrompt(t.Context(), "go")
			require.NoError(t, err)
			assert.Zero(t, p.overlaps.Load(), "calls overlapped")
			assert.Equal(t, []int{0, 1, 2, 3}, p.order, "calls ran in the model's order")
			for i := 1; i < len(res.Calls); i++ {
				assert.LessOrEqual(t, res.Calls[i-1].End, res.Calls[i].Start)
			}
		})
	}

	t.Run("the calls of a non-concurrent tool run beside the batch", func(t *testing.T) {
		p := newProbe()
		other := fnTool(t, tool.Metadata{ID: "other"}, func(ctx context.Context, _ struct{}) (string, error) {
			select { // needs the serial tool's lane to be running at the same time
			case <-p.started:
				return "ok", nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}, tool.WithTimeout(5*time.Second))
		s := newSim(t, llmtest.Config{}, calls(
			llmtest.ToolCall{ID: "c0", Name: "other", Arguments: `{}`},
			llmtest.ToolCall{ID: "c1", Name: "probe", Arguments: `{"n":1}`},
			llmtest.ToolCall{ID: "c2", Name: "probe", Arguments: `{"n":2}`},
			llmtest.ToolCall{ID: "c3", Name: "probe", Arguments: `{"n":3}`},
		), answer("ok"))
		a, err := agent.New(s.client(t), newRegistry(t, other, probeTool(t, "probe", p, serial)))
		require.NoError(t, err)
		res, err := a.RunPrompt(t.Context(), "go")
		require.NoError(t, err)
		for _, c := range res.Calls {
			require.True(t, c.Result.OK(), "%s: %v", c.ID, c.Result.Err)
		}
		assert.Zero(t, p.overlaps.Load())
		assert.Equal(t, []int{1, 2, 3}, p.order)
		_, ids := s.requests()[1].toolMessages()
		assert.Equal(t, []string{"c0", "c1", "c2", "c3"}, ids)
	})
}

// Cancelling the run while its tools run stops them all; Run returns the
// context's error and the partial result, and no goroutine is left.
func TestCancelMidTurn(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // runs after the other cleanups
	started := make(chan struct{}, 3)
	var stopped atomic.Int32
	var tools []tool.Tool
	for i := range 3 {
		tools = append(tools, fnTool(t, tool.Metadata{ID: fmt.Sprintf("t%d", i)}, func(ctx context.Context, _ struct{}) (string, error) {
			started <- struct{}{}
			<-ctx.Done()
			stopped.Add(1)
			return "", ctx.Err()
		}))
	}
	s := newSim(t, llmtest.Config{}, calls(
		llmtest.ToolCall{ID: "c0", Name: "t0", Arguments: `{}`},
		llmtest.ToolCall{ID: "c1", Name: "t1", Arguments: `{}`},
		llmtest.ToolCall{ID: "c2", Name: "t2", Arguments: `{}`},
	), answer("never sent"))
	a, err := agent.New(s.client(t), newRegistry(t, tools...))
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		for range 3 {
			<-started
		}
		cancel()
	}()
	res, err := a.RunPrompt(ctx, "go")
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, res.Steps)
	require.Len(t, res.Calls, 3)
	for _, c := range res.Calls {
		assert.Equal(t, tool.KindCanceled, tool.KindOf(c.Result.Err), c.ID)
	}
	assert.Len(t, res.Messages, 5, "user, assistant and three tool messages")
	assert.Len(t, s.requests(), 1, "no model call after the cancellation")
	require.Eventually(t, func() bool { return stopped.Load() == 3 }, 5*time.Second, time.Millisecond)
}

// Cancelling the run during a model call ends the call at once.
func TestCancelDuringModelCall(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []agent.Option
	}{
		{"chat", nil},
		{"stream", []agent.Option{agent.WithTokenCallback(func(int, string) error { return nil })}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(func() { goleak.VerifyNone(t) })
			// The model would take a minute to answer.
			s := newSim(t, llmtest.Config{Latency: llmtest.FixedLatency(time.Minute)})
			a, err := agent.New(s.client(t), newRegistry(t, forecastTool(t)), tc.opts...)
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go func() {
				<-s.received
				cancel()
			}()
			res, err := a.RunPrompt(ctx, "hi")
			require.ErrorIs(t, err, context.Canceled)
			assert.Equal(t, 1, res.Steps)
			require.Len(t, res.Trace.Steps, 1)
			assert.NotEmpty(t, res.Trace.Steps[0].Err)
		})
	}
}
