package tool_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kgas-dev/kgas/tool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPanicBecomesErrorResult(t *testing.T) {
	f, err := tool.New(tool.Metadata{ID: "boom", Description: "d"}, func(context.Context, struct{}) (int, error) {
		panic("kaboom")
	})
	require.NoError(t, err)
	for _, ctx := range []context.Context{context.Background(), t.Context()} { // inline and bounded paths
		r := f.Execute(ctx, nil)
		require.Equal(t, tool.StatusError, r.Status)
		var pe *tool.PanicError
		require.ErrorAs(t, r.Err, &pe)
		assert.Equal(t, "kaboom", pe.Value)
		assert.NotEmpty(t, pe.Stack)
		assert.ErrorIs(t, r.Err, tool.ErrPanic)
		assert.Equal(t, tool.KindPanic, tool.KindOf(r.Err))
		assert.EqualError(t, r.Err, `tool "boom" panicked: kaboom`)
	}
}

func TestTimeout(t *testing.T) {
	for _, tc := range []struct {
		name     string
		behavior tool.TimeoutBehavior
		fatal    bool
	}{{"as result", tool.TimeoutAsResult, false}, {"fails", tool.TimeoutFails, true}} {
		t.Run(tc.name, func(t *testing.T) {
			var sawDeadline atomic.Bool
			f, err := tool.New(tool.Metadata{ID: "slow", Description: "d"}, func(ctx context.Context, _ struct{}) (int, error) {
				_, has := ctx.Deadline()
				sawDeadline.Store(has)
				<-ctx.Done()
				return 0, ctx.Err()
			}, tool.WithTimeout(20*time.Millisecond), tool.WithTimeoutBehavior(tc.behavior))
			require.NoError(t, err)
			r := f.Execute(context.Background(), nil)
			assert.True(t, sawDeadline.Load(), "the tool sees its timeout as a context deadline")
			var te *tool.TimeoutError
			require.ErrorAs(t, r.Err, &te)
			assert.Equal(t, 20*time.Millisecond, te.Timeout)
			assert.ErrorIs(t, r.Err, tool.ErrTimeout)
			assert.ErrorIs(t, r.Err, context.DeadlineExceeded)
			assert.Equal(t, tc.fatal, errors.Is(r.Err, tool.ErrFatal))
			assert.True(t, tool.Retryable(r.Err))
			assert.GreaterOrEqual(t, r.Duration, 20*time.Millisecond)
		})
	}
}

// A tool that ignores its context still returns at the timeout; its
// concurrency slot stays taken until the function really returns.
func TestTimeoutWithToolIgnoringContext(t *testing.T) {
	release := make(chan struct{})
	var running atomic.Int32
	f, err := tool.New(tool.Metadata{ID: "stuck", Description: "d"}, func(context.Context, struct{}) (int, error) {
		running.Add(1)
		defer running.Add(-1)
		<-release
		return 1, nil
	}, tool.WithTimeout(10*time.Millisecond), tool.WithCapabilities(tool.Capabilities{Concurrent: true, MaxConcurrency: 1}))
	require.NoError(t, err)
	r := f.Execute(context.Background(), nil)
	require.ErrorIs(t, r.Err, tool.ErrTimeout)
	assert.Equal(t, int32(1), running.Load(), "the abandoned call is still running")
	// The slot is still held, so a second call times out waiting for it.
	r = f.Execute(context.Background(), nil)
	require.ErrorIs(t, r.Err, tool.ErrTimeout)
	assert.Zero(t, r.Attempts)
	close(release)
	require.Eventually(t, func() bool { return running.Load() == 0 }, time.Second, time.Millisecond)
	// Now the slot is free again.
	f2 := f.Execute(context.Background(), nil)
	assert.True(t, f2.OK(), "%v", f2.Err)
}

func TestCallerCancellationIsNotATimeout(t *testing.T) {
	f, err := tool.New(tool.Metadata{ID: "wait", Description: "d"}, func(ctx context.Context, _ struct{}) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	}, tool.WithTimeout(time.Hour))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	r := f.Execute(ctx, nil)
	assert.ErrorIs(t, r.Err, context.Canceled)
	assert.NotErrorIs(t, r.Err, tool.ErrTimeout)
	assert.Equal(t, tool.KindCanceled, tool.KindOf(r.Err))

	r = f.Execute(ctx, nil) // already cancelled: the function never runs
	assert.ErrorIs(t, r.Err, context.Canceled)
	assert.Zero(t, r.Attempts)
}

// The concurrency bound is observed from inside the tool: with a bound of
// n and 4n concurrent callers, n calls are in at once and never more.
func TestConcurrencyBound(t *testing.T) {
	for _, tc := range []struct {
		name string
		caps tool.Capabilities
		want int
	}{
		{"bound 3", tool.Capabilities{Concurrent: true, MaxConcurrency: 3}, 3},
		{"not concurrent", tool.Capabilities{Concurrent: false}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in, peak atomic.Int32
			full := make(chan struct{})
			var once sync.Once
			f, err := tool.New(tool.Metadata{ID: "bounded", Description: "d"}, func(context.Context, struct{}) (int, error) {
				n := in.Add(1)
				defer in.Add(-1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				if int(n) == tc.want {
					once.Do(func() { close(full) })
				}
				<-full // every call waits until the bound has been reached once
				return int(n), nil
			}, tool.WithCapabilities(tc.caps))
			require.NoError(t, err)
			var wg sync.WaitGroup
			for range 4 * tc.want {
				wg.Go(func() {
					r := f.Execute(t.Context(), nil)
					assert.True(t, r.OK(), "%v", r.Err)
				})
			}
			wg.Wait()
			assert.Equal(t, int32(tc.want), peak.Load())
		})
	}
}

func TestRetryTransient(t *testing.T) {
	cases := []struct {
		name      string
		fails     int
		transient bool
		attempts  int
		ok        bool
	}{
		{"succeeds after two transient failures", 2, true, 3, true},
		{"gives up after max attempts", 5, true, 3, false},
		{"does not retry permanent errors", 5, false, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			f, err := tool.New(tool.Metadata{ID: "flaky", Description: "d"}, func(context.Context, struct{}) (int, error) {
				if int(calls.Add(1)) <= tc.fails {
					err := errors.New("upstream hiccup")
					if tc.transient {
						return 0, tool.Transient(err)
					}
					return 0, err
				}
				return 42, nil
			}, tool.WithRetry(3, time.Millisecond))
			require.NoError(t, err)
			r := f.Execute(context.Background(), nil)
			assert.Equal(t, tc.ok, r.OK())
			assert.Equal(t, tc.attempts, r.Attempts)
			assert.Equal(t, int32(tc.attempts), calls.Load())
			if !tc.ok {
				assert.EqualError(t, r.Err, "upstream hiccup")
				assert.Equal(t, tc.transient, errors.Is(r.Err, tool.ErrTransient))
			}
		})
	}
	assert.NoError(t, tool.Transient(nil))
}

type apiConfig struct {
	APIKey  string `json:"api_key" jsonschema:"minLength=1"`
	BaseURL string `json:"base_url,omitempty"`
	Retries int    `json:"retries,omitempty" jsonschema:"minimum=0,maximum=10"`
	Region  string `json:"region,omitempty" jsonschema:"enum=eu,enum=us"`
}

func TestConfig(t *testing.T) {
	var applied apiConfig
	var closed atomic.Int32
	f, err := tool.New(tool.Metadata{ID: "api", Description: "d"}, func(context.Context, struct{}) (string, error) {
		return applied.BaseURL, nil
	}, tool.WithConfig(func(_ context.Context, c apiConfig) error {
		if c.BaseURL == "http://refused" {
			return errors.New("cannot reach base_url")
		}
		applied = c
		return nil
	}), tool.WithClose(func() error { closed.Add(1); return nil }))
	require.NoError(t, err)
	assert.NotNil(t, f.ConfigSchema())

	r := f.Execute(context.Background(), nil)
	assert.ErrorIs(t, r.Err, tool.ErrNotInitialized)
	assert.Equal(t, tool.KindNotInitialized, tool.KindOf(r.Err))

	bad := []struct {
		name string
		cfg  tool.Config
		want string
	}{
		{"missing required", tool.Config{"base_url": "x"}, `tool "api": invalid config: api_key: is required`},
		{"unknown key", tool.Config{"api_key": "k", "colour": "red"}, `tool "api": invalid config: colour: unknown key`},
		{"out of range", tool.Config{"api_key": "k", "retries": 99}, `tool "api": invalid config: retries: must be <= 10`},
		{"wrong type", tool.Config{"api_key": 7}, `tool "api": invalid config: api_key: must be string`},
		{"value never echoed", tool.Config{"api_key": "sk-secret-123", "region": "sk-secret-123"}, `tool "api": invalid config: region: must be one of "eu", "us"`},
		{"apply fails", tool.Config{"api_key": "k", "base_url": "http://refused"}, `tool "api": invalid config: cannot reach base_url`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			err := f.Initialize(context.Background(), tc.cfg)
			require.ErrorIs(t, err, tool.ErrInvalidConfig)
			assert.EqualError(t, err, tc.want)
		})
	}
	require.NoError(t, f.Initialize(context.Background(), tool.Config{"api_key": "k", "base_url": "http://ok"}))
	r = f.Execute(context.Background(), nil)
	require.True(t, r.OK(), "%v", r.Err)
	assert.Equal(t, "http://ok", r.Data)

	require.NoError(t, f.Close())
	require.NoError(t, f.Close())
	assert.Equal(t, int32(1), closed.Load())
	assert.ErrorIs(t, f.Execute(context.Background(), nil).Err, tool.ErrClosed)
	assert.ErrorIs(t, f.Initialize(context.Background(), nil), tool.ErrClosed)
}

func TestToolWithoutConfigRejectsKeys(t *testing.T) {
	f := newForecast(t)
	require.NoError(t, f.Initialize(context.Background(), nil))
	err := f.Initialize(context.Background(), tool.Config{"zeta": 1, "alpha": 2})
	assert.EqualError(t, err, `tool "forecast": invalid config: alpha: unknown key (the tool takes no configuration)`)
}

func TestResultJSON(t *testing.T) {
	f := newForecast(t)
	ok := f.Execute(context.Background(), json.RawMessage(`{"city":"Oslo","days":2}`))
	b, err := json.Marshal(ok)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, "forecast", m["tool_id"])
	assert.Equal(t, "success", m["status"])
	assert.Equal(t, map[string]any{"city": "Oslo", "days": float64(2)}, m["data"])
	assert.NotContains(t, m, "error")

	bad := f.Execute(context.Background(), json.RawMessage(`{"city":"Oslo","days":20}`))
	b, err = json.Marshal(bad)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, "error", m["status"])
	assert.Equal(t, map[string]any{
		"kind": "invalid_input", "message": `tool "forecast": invalid input: days: must be <= 14, got 20`, "retryable": false,
		"fields": []any{map[string]any{"field": "days", "rule": "maximum", "message": "must be <= 14, got 20"}},
	}, m["error"])
}

type handMade struct {
	closed int
}

func (h *handMade) Metadata() tool.Metadata {
	return tool.Metadata{ID: "hand", Description: "A hand-written tool"}
}
func (h *handMade) Capabilities() tool.Capabilities { return tool.Capabilities{Concurrent: true} }
func (h *handMade) InputSchema() json.RawMessage {
	return json.RawMessage(`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}`)
}
func (h *handMade) OutputSchema() json.RawMessage                 { return nil }
func (h *handMade) Initialize(context.Context, tool.Config) error { return nil }
func (h *handMade) Execute(_ context.Context, in json.RawMessage) tool.Result {
	var v struct{ N int }
	_ = json.Unmarshal(in, &v)
	if v.N < 0 {
		panic("negative")
	}
	return tool.Success("hand", v.N*2)
}
func (h *handMade) Close() error { h.closed++; return nil }

func TestWrap(t *testing.T) {
	h := &handMade{}
	w, err := tool.Wrap(h, tool.WithTimeout(time.Second))
	require.NoError(t, err)
	assert.Equal(t, 4, w.Execute(context.Background(), json.RawMessage(`{"n":2}`)).Data)
	assert.ErrorIs(t, w.Execute(context.Background(), json.RawMessage(`{"n":"x"}`)).Err, tool.ErrInvalidInput)
	assert.ErrorIs(t, w.Execute(context.Background(), json.RawMessage(`{"n":-1}`)).Err, tool.ErrPanic)
	require.NoError(t, w.Close())
	require.NoError(t, w.Close())
	assert.Equal(t, 1, h.closed)
	params := tool.Parameters(w)
	assert.NotContains(t, string(params), "$schema")

	f := newForecast(t)
	same, err := tool.Wrap(f)
	require.NoError(t, err)
	assert.Same(t, f, same)
	_, err = tool.Wrap(nil)
	assert.Error(t, err)
}

func TestKindOf(t *testing.T) {
	cases := []struct {
		err  error
		kind tool.Kind
		retr bool
	}{
		{nil, "", false},
		{errors.New("x"), tool.KindExecution, false},
		{tool.Transient(errors.New("x")), tool.KindTransient, true},
		{context.Canceled, tool.KindCanceled, true},
		{context.DeadlineExceeded, tool.KindTimeout, true},
		{tool.ErrUnknownTool, tool.KindUnknownTool, false},
		{tool.ErrClosed, tool.KindClosed, false},
		{&tool.ConfigError{ToolID: "a", Reason: "r"}, tool.KindInvalidConfig, false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.kind, tool.KindOf(tc.err), "%v", tc.err)
		assert.Equal(t, tc.retr, tool.Retryable(tc.err), "%v", tc.err)
	}
	assert.Nil(t, tool.Info(nil))
}

// Close waits for the calls in flight, then releases; new calls fail.
func TestCloseWaitsForCalls(t *testing.T) {
	inside, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	var running, closedWhileRunning atomic.Bool
	f, err := tool.New(tool.Metadata{ID: "long", Description: "d"}, func(context.Context, struct{}) (int, error) {
		if calls.Add(1) > 1 {
			return 2, nil // later calls (before Close began) return at once
		}
		running.Store(true)
		close(inside)
		<-release
		running.Store(false)
		return 1, nil
	}, tool.WithClose(func() error {
		closedWhileRunning.Store(running.Load())
		return nil
	}))
	require.NoError(t, err)
	done := make(chan tool.Result, 1)
	go func() { done <- f.Execute(t.Context(), nil) }()
	<-inside
	closed := make(chan struct{})
	go func() { _ = f.Close(); close(closed) }()
	require.Eventually(t, func() bool {
		return errors.Is(f.Execute(context.Background(), nil).Err, tool.ErrClosed)
	}, 5*time.Second, time.Millisecond, "new calls fail once Close began")
	select {
	case <-closed:
		t.Fatal("Close returned while a call was running")
	default:
	}
	close(release)
	<-closed
	assert.True(t, (<-done).OK())
	assert.False(t, closedWhileRunning.Load(), "the close function ran after the call returned")
}

func TestCapabilitiesTrap(t *testing.T) {
	_, err := tool.New(tool.Metadata{ID: "x", Description: "d"}, func(context.Context, struct{}) (int, error) { return 0, nil },
		tool.WithCapabilities(tool.Capabilities{MaxConcurrency: 8}))
	assert.ErrorContains(t, err, "needs concurrent: true")
}
