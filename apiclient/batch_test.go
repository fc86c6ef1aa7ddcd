package apiclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// planServer answers each request by its X-Plan header: a comma list of
// actions for attempt 1, 2, ... (the last repeats), keyed by X-Id.
func planServer(t testing.TB) *testServer {
	var mu sync.Mutex
	seen := map[string]int{}
	return newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		mu.Lock()
		id := r.Header.Get("X-Id")
		k := seen[id]
		seen[id]++
		mu.Unlock()
		plan := strings.Split(r.Header.Get("X-Plan"), ",")
		act := plan[min(k, len(plan)-1)]
		w.Header().Set("X-Idx", r.Header.Get("X-Idx"))
		switch act {
		case "200":
			ok(w, "ok:"+r.Header.Get("X-Idx"))
		case "429":
			w.Header().Set("retry-after-ms", "0")
			writeErr(w, 429, "requests", "rate_limit_exceeded")
		case "400":
			writeErr(w, 400, "invalid_request_error", "")
		case "reset":
			reset(t, w)
		case "trunc":
			truncate(t, w)
		default:
			code, _ := strconv.Atoi(act)
			writeErr(w, code, "server_error", "")
		}
	})
}

var planActions = []string{"200", "200", "500", "503", "429", "400", "reset", "trunc"}

func planReq(t testing.TB, url, id string, idx int, plan []string) *http.Request {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader("payload "+strconv.Itoa(idx)))
	require.NoError(t, err)
	req.Header.Set("X-Id", id)
	req.Header.Set("X-Idx", strconv.Itoa(idx))
	req.Header.Set("X-Plan", strings.Join(plan, ","))
	return req
}

func TestBatchProperty(t *testing.T) {
	srv := planServer(t)
	c := newTestClient(t, WithConcurrency(4), WithMaxAttempts(3), WithBreaker(5, 5*time.Millisecond))
	var run atomic.Int64
	rapid.Check(t, func(rt *rapid.T) {
		r := run.Add(1)
		n := rapid.IntRange(0, 30).Draw(rt, "n")
		reqs := make([]*http.Request, n)
		for i := range reqs {
			if rapid.IntRange(0, 19).Draw(rt, "nil") == 0 {
				continue
			}
			plan := rapid.SliceOfN(rapid.SampledFrom(planActions), 1, 4).Draw(rt, "plan")
			reqs[i] = planReq(t, srv.URL, fmt.Sprintf("p%d-%d", r, i), i, plan)
		}
		out := c.Batch(bg, reqs)
		if len(out) != n {
			rt.Fatalf("got %d responses for %d requests", len(out), n)
		}
		for i, resp := range out {
			if resp == nil {
				rt.Fatalf("nil response at %d", i)
			}
			if reqs[i] == nil {
				if !errors.Is(resp.Err, ErrInvalidRequest) {
					rt.Fatalf("nil request %d: %v", i, resp.Err)
				}
				continue
			}
			if (resp.Err == nil) != (resp.Status == StatusSuccess) {
				rt.Fatalf("item %d: status %v with err %v", i, resp.Status, resp.Err)
			}
			if resp.Code != 0 && resp.Header.Get("X-Idx") != strconv.Itoa(i) {
				rt.Fatalf("item %d carries the response of %q", i, resp.Header.Get("X-Idx"))
			}
			if resp.Status == StatusSuccess && string(resp.Body) != "ok:"+strconv.Itoa(i) {
				rt.Fatalf("item %d body %q", i, resp.Body)
			}
		}
	})
}

// TestBatchMatchesDo is a differential test: Batch gives the same outcome
// per item as calling Do once per request.
func TestBatchMatchesDo(t *testing.T) {
	srv := planServer(t)
	rng := rand.New(rand.NewPCG(1, 2))
	plans := make([][]string, 60)
	for i := range plans {
		plans[i] = make([]string, 1+rng.IntN(3))
		for j := range plans[i] {
			plans[i][j] = planActions[rng.IntN(len(planActions))]
		}
	}
	opts := []Option{WithConcurrency(6), WithMaxAttempts(3), WithoutBreaker(), WithoutRetryBudget()}
	mk := func(prefix string) []*http.Request {
		reqs := make([]*http.Request, len(plans))
		for i, p := range plans {
			if i%17 == 5 {
				continue // nil
			}
			reqs[i] = planReq(t, srv.URL, prefix+strconv.Itoa(i), i, p)
		}
		return reqs
	}
	batch := newTestClient(t, opts...).Batch(bg, mk("batch-"))
	single := newTestClient(t, opts...)
	for i, req := range mk("do-") {
		want := single.Do(bg, req)
		got := batch[i]
		assert.Equal(t, want.Status, got.Status, "item %d plan %v", i, plans[i])
		assert.Equal(t, want.Code, got.Code, "item %d", i)
		assert.Equal(t, string(want.Body), string(got.Body), "item %d", i)
		assert.Equal(t, want.Attempts, got.Attempts, "item %d", i)
		assert.Equal(t, want.Err == nil, got.Err == nil, "item %d", i)
		for _, s := range []error{ErrRateLimited, ErrInvalidRequest, ErrQuotaExhausted} {
			assert.Equal(t, errors.Is(want.Err, s), errors.Is(got.Err, s), "item %d: %v", i, s)
		}
	}
}

func TestBatchCancel(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		if n <= 5 {
			ok(w, "ok:"+r.Header.Get("X-Idx"))
			return
		}
		hang(r)
	})
	var started atomic.Int64
	c := newTestClient(t, WithConcurrency(10), WithHooks(Hooks{
		OnAttemptStart: func(context.Context, AttemptStart) { started.Add(1) },
	}))
	reqs := make([]*http.Request, 200)
	for i := range reqs {
		reqs[i] = get(t, srv.URL)
		reqs[i].Header.Set("X-Idx", strconv.Itoa(i))
	}
	ctx, cancel := context.WithCancel(bg)
	done := make(chan []*Response)
	go func() { done <- c.Batch(ctx, reqs) }()
	require.Eventually(t, func() bool { return srv.attempts.Load() == 15 && srv.inFlight.Load() == 10 }, 5*time.Second, time.Millisecond)
	atCancel := started.Load()
	t0 := time.Now()
	cancel()
	out := <-done
	took := time.Since(t0)
	t.Logf("Batch returned %v after cancel", took)
	assert.Less(t, took, 500*time.Millisecond, "generous bound; the target is 50 ms")
	assert.Equal(t, atCancel, started.Load(), "no attempt started after cancel")
	require.Len(t, out, 200)
	var okN int
	for i, r := range out {
		require.NotNil(t, r)
		if r.Status == StatusSuccess {
			okN++
			assert.Equal(t, "ok:"+strconv.Itoa(i), string(r.Body), "finished results are kept")
			continue
		}
		assert.Equal(t, StatusCanceled, r.Status, "item %d: %v", i, r)
		assert.ErrorIs(t, r.Err, context.Canceled)
	}
	assert.Equal(t, 5, okN)
	assert.Equal(t, int64(15), srv.attempts.Load())
}

func TestBatchBoundedGoroutines(t *testing.T) {
	c := newTestClient(t, WithConcurrency(3))
	assert.Equal(t, 10, c.batchWorkers(10000))
	assert.Equal(t, 2, c.batchWorkers(2))
	out := c.Batch(bg, nil)
	assert.Empty(t, out)
}

func TestSecretsNeverLeak(t *testing.T) {
	const secret = "sk-SECRET-123"
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		switch n {
		case 1:
			writeErr(w, 500, "server_error", "")
		case 2:
			reset(t, w)
		default:
			writeErr(w, 401, "invalid_request_error", "invalid_api_key")
		}
	})
	var logs bytes.Buffer
	var events recorder[string]
	hooks := Hooks{
		OnAttemptStart: func(_ context.Context, e AttemptStart) { events.add(fmt.Sprintf("%+v", e)) },
		OnAttemptEnd:   func(_ context.Context, e AttemptEnd) { events.add(fmt.Sprintf("%+v", e)) },
		OnRetry:        func(_ context.Context, e RetryEvent) { events.add(fmt.Sprintf("%+v", e)) },
	}
	c := newTestClient(t, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithRedactHeaders("X-Custom-Secret"), WithHooks(hooks))
	u := strings.Replace(srv.URL, "http://", "http://user:"+secret+"@", 1) + "/v1/chat?key=" + secret
	req := get(t, u)
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("X-Api-Key", secret)
	req.Header.Set("Api-Key", secret)
	req.Header.Set("Token", secret)
	req.Header.Set("Cookie", "session="+secret)
	req.Header.Set("X-Custom-Secret", secret)
	resp := c.Do(bg, req)
	require.Error(t, resp.Err)
	assert.Equal(t, 401, resp.Code, "%v", resp)
	for what, s := range map[string]string{
		"logs": logs.String(), "error": resp.Err.Error(), "String": resp.String(),
		"events": strings.Join(events.all(), "\n"), "%+v": fmt.Sprintf("%+v", resp.Err),
	} {
		assert.NotContains(t, s, secret, what)
	}
	assert.Contains(t, logs.String(), "REDACTED", "headers are logged, redacted")
	assert.Contains(t, logs.String(), "/v1/chat")
	h := RedactHeader(req.Header, "x-custom-secret")
	assert.Equal(t, "REDACTED", h.Get("Authorization"))
	assert.Equal(t, "REDACTED", h.Get("X-Custom-Secret"))
	assert.Equal(t, "Bearer "+secret, req.Header.Get("Authorization"), "the original is untouched")
}

func TestRoundTripStreams(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		if n == 1 {
			writeErr(w, 503, "", "") // retried before the headers of a success
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		<-release
		io.WriteString(w, "data: [DONE]\n\n")
	})
	c := newTestClient(t)
	hc := c.HTTPClient()
	assert.Same(t, hc, c.HTTPClient())
	resp, err := hc.Get(srv.URL)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, int64(1), c.Stats().InFlight, "the stream holds its slot")
	buf := make([]byte, len("data: one\n\n"))
	_, err = io.ReadFull(resp.Body, buf)
	require.NoError(t, err)
	assert.Equal(t, "data: one\n\n", string(buf))
	close(release)
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "data: [DONE]\n\n", string(rest))
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, int64(0), c.Stats().InFlight)
	assert.Equal(t, int64(2), srv.attempts.Load())
}

func TestRoundTripErrors(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		if r.URL.Path == "/bad" {
			writeErr(w, 400, "invalid_request_error", "")
			return
		}
		writeErr(w, 429, "insufficient_quota", "insufficient_quota")
	})
	c := newTestClient(t)
	hc := c.HTTPClient()

	resp, err := hc.Get(srv.URL + "/bad")
	require.NoError(t, err, "an HTTP error is a response, for SDKs to decode")
	assert.Equal(t, 400, resp.StatusCode)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(b), "invalid_request_error")

	resp, err = hc.Get(srv.URL)
	require.NoError(t, err)
	assert.Equal(t, 429, resp.StatusCode)
	resp.Body.Close()

	_, err = hc.Get(srv.URL + "/bad")
	assert.ErrorIs(t, err, ErrQuotaExhausted, "sticky, through *url.Error")
	assert.Equal(t, int64(2), srv.attempts.Load())
}

func TestHooksAndStats(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		if n == 1 {
			writeErr(w, 500, "server_error", "")
			return
		}
		ok(w, "done")
	})
	var starts, ends, retries atomic.Int64
	var endClasses recorder[Class]
	c := newTestClient(t, WithHooks(Hooks{
		OnAttemptStart: func(context.Context, AttemptStart) { starts.Add(1) },
		OnAttemptEnd: func(_ context.Context, e AttemptEnd) {
			ends.Add(1)
			endClasses.add(e.Class)
		},
		OnRetry: func(_ context.Context, e RetryEvent) {
			retries.Add(1)
			assert.Equal(t, 1, e.Attempt)
			assert.Contains(t, e.Reason, "500")
		},
	}))
	resp := c.Do(bg, get(t, srv.URL))
	require.NoError(t, resp.Err)
	assert.Equal(t, int64(2), starts.Load())
	assert.Equal(t, int64(2), ends.Load())
	assert.Equal(t, int64(1), retries.Load())
	assert.Equal(t, []Class{RetryBackoff, Success}, endClasses.all())
	st := c.Stats()
	assert.Equal(t, Stats{Requests: 1, Attempts: 2, Successes: 1, Retries: 1, MaxInFlight: 1, ConcurrencyLimit: 10}, st)
	assert.Contains(t, resp.String(), "success 200 attempts=2")
}

// BenchmarkTransportOverhead compares one request through a Client with
// the same request through a plain http.Client, on loopback.
func BenchmarkTransportOverhead(b *testing.B) {
	srv := newServer(b, func(w http.ResponseWriter, r *http.Request, n int64) { ok(w, `{"ok":true}`) })
	b.Run("plain", func(b *testing.B) {
		tr := defaultTransport(10).(*http.Transport)
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr}
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			req, _ := http.NewRequestWithContext(bg, http.MethodGet, srv.URL, nil)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.ReadAll(resp.Body)
			resp.Body.Close()
		}
	})
	b.Run("apiclient", func(b *testing.B) {
		c := newTestClient(b)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			req, _ := http.NewRequestWithContext(bg, http.MethodGet, srv.URL, nil)
			if r := c.Do(bg, req); r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	})
	b.Run("apiclient-paced", func(b *testing.B) {
		c := newTestClient(b, WithRequestLimit(1<<30, time.Second), WithTokenLimit(1<<30, time.Second))
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			req, _ := http.NewRequestWithContext(bg, http.MethodGet, srv.URL, nil)
			if r := c.Do(bg, req); r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	})
}

// reportCPU reports the process CPU time per operation (client and the
// loopback server together; the server's share is the same in every
// variant, so the difference is the client's).
func reportCPU(b *testing.B) func() {
	start := processCPU()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}
