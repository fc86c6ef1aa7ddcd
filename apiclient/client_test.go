package apiclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFaults drives one request through each fault and checks the outcome.
func TestFaults(t *testing.T) {
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		name     string
		opts     []Option
		handle   func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64)
		status   Status
		code     int
		attempts int
		is       []error
	}{
		{
			name: "429 retry-after-ms then ok",
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				if n == 1 {
					w.Header().Set("retry-after-ms", "30")
					writeErr(w, 429, "requests", "rate_limit_exceeded")
					return
				}
				ok(w, "done")
			},
			status: StatusSuccess, code: 200, attempts: 2,
		},
		{
			name: "429 retry-after seconds then ok",
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				if n == 1 {
					w.Header().Set("retry-after", "0.03")
					writeErr(w, 429, "tokens", "rate_limit_exceeded")
					return
				}
				ok(w, "done")
			},
			status: StatusSuccess, code: 200, attempts: 2,
		},
		{
			name: "429 retry-after HTTP date then ok",
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				if n == 1 {
					w.Header().Set("retry-after", past)
					writeErr(w, 429, "requests", "rate_limit_exceeded")
					return
				}
				ok(w, "done")
			},
			status: StatusSuccess, code: 200, attempts: 2,
		},
		{
			name: "429 until attempts run out",
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				w.Header().Set("retry-after-ms", "1")
				writeErr(w, 429, "requests", "rate_limit_exceeded")
			},
			status: StatusRateLimited, code: 429, attempts: 4, is: []error{ErrRateLimited},
		},
		{
			name: "5xx then ok",
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				switch n {
				case 1:
					writeErr(w, 500, "server_error", "")
				case 2:
					w.WriteHeader(502)
					io.WriteString(w, "<html>bad gateway</html>")
				case 3:
					writeErr(w, 503, "service_unavailable_error", "server_is_overloaded")
				default:
					ok(w, "done")
				}
			},
			status: StatusSuccess, code: 200, attempts: 4,
		},
		{
			name: "529 exhausts attempts",
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				writeErr(w, 529, "overloaded_error", "")
			},
			status: StatusError, code: 529, attempts: 4,
		},
		{
			name: "reset before headers then ok",
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				if n <= 2 {
					reset(t, w)
					return
				}
				ok(w, "done")
			},
			status: StatusSuccess, code: 200, attempts: 3,
		},
		{
			name: "EOF mid-body then ok",
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				if n == 1 {
					truncate(t, w)
					return
				}
				ok(w, "done")
			},
			status: StatusSuccess, code: 200, attempts: 2,
		},
		{
			name: "attempt timeout is retried",
			opts: []Option{WithAttemptTimeout(50 * time.Millisecond)},
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				if n == 1 {
					hang(r)
					return
				}
				ok(w, "done")
			},
			status: StatusSuccess, code: 200, attempts: 2,
		},
		{
			name: "attempt timeout covers a stalled body",
			opts: []Option{WithAttemptTimeout(50 * time.Millisecond)},
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				if n == 1 {
					w.Header().Set("Content-Length", "10")
					w.WriteHeader(200)
					io.WriteString(w, "abc")
					w.(http.Flusher).Flush()
					hang(r)
					return
				}
				ok(w, "done")
			},
			status: StatusSuccess, code: 200, attempts: 2,
		},
		{
			name: "first byte timeout is retried, then gives ErrTimeout",
			opts: []Option{WithFirstByteTimeout(30 * time.Millisecond), WithMaxAttempts(2)},
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				hang(r)
			},
			status: StatusTimeout, attempts: 2, is: []error{ErrTimeout},
		},
		{
			name: "400 is terminal",
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				writeErr(w, 400, "invalid_request_error", "")
			},
			status: StatusError, code: 400, attempts: 1,
		},
		{
			name: "x-should-retry true overrides 400",
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				if n == 1 {
					w.Header().Set("x-should-retry", "true")
					writeErr(w, 400, "invalid_request_error", "")
					return
				}
				ok(w, "done")
			},
			status: StatusSuccess, code: 200, attempts: 2,
		},
		{
			name: "x-should-retry false overrides 500",
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				w.Header().Set("x-should-retry", "false")
				writeErr(w, 500, "server_error", "")
			},
			status: StatusError, code: 500, attempts: 1,
		},
		{
			name: "server request too large (429 tokens, should-retry false)",
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				w.Header().Set("x-should-retry", "false")
				writeErr(w, 429, "tokens", "rate_limit_exceeded")
			},
			status: StatusError, code: 429, attempts: 1, is: []error{ErrRequestTooLarge},
		},
		{
			name: "request larger than the server's token limit header",
			opts: []Option{WithCostFunc(func(*http.Request) int { return 500 })},
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				w.Header().Set("x-ratelimit-limit-tokens", "100")
				writeErr(w, 429, "tokens", "rate_limit_exceeded")
			},
			status: StatusError, code: 429, attempts: 1, is: []error{ErrRequestTooLarge},
		},
		{
			name: "server wait beyond the deadline fails fast",
			opts: []Option{},
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				w.Header().Set("retry-after", "30")
				writeErr(w, 429, "requests", "rate_limit_exceeded")
			},
			status: StatusRateLimited, code: 429, attempts: 1, is: []error{ErrWaitExceedsDeadline, ErrRateLimited},
		},
		{
			name: "server wait beyond WithMaxServerWait ends the request",
			opts: []Option{WithMaxServerWait(time.Second)},
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				w.Header().Set("retry-after", "5")
				writeErr(w, 503, "service_unavailable_error", "")
			},
			status: StatusError, code: 503, attempts: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) { tt.handle(t, w, r, n) })
			c := newTestClient(t, tt.opts...)
			ctx, cancel := context.WithTimeout(bg, 5*time.Second)
			defer cancel()
			resp := c.Do(ctx, get(t, srv.URL))
			assert.Equal(t, tt.status, resp.Status, "resp: %v", resp)
			assert.Equal(t, tt.code, resp.Code)
			assert.Equal(t, tt.attempts, resp.Attempts)
			assert.Equal(t, int64(tt.attempts), srv.attempts.Load(), "server-side attempts")
			if tt.status == StatusSuccess {
				assert.NoError(t, resp.Err)
				assert.Equal(t, "done", string(resp.Body))
			} else {
				var e *Error
				require.ErrorAs(t, resp.Err, &e)
				assert.Equal(t, tt.attempts, e.Attempts)
			}
			for _, target := range tt.is {
				assert.ErrorIs(t, resp.Err, target)
			}
		})
	}
}

func TestServerWaitIsHonoured(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		if n == 1 {
			w.Header().Set("retry-after-ms", "120")
			writeErr(w, 429, "requests", "rate_limit_exceeded")
			return
		}
		ok(w, "done")
	})
	c := newTestClient(t)
	resp := c.Do(bg, get(t, srv.URL))
	require.NoError(t, resp.Err)
	require.Len(t, times, 2)
	assert.GreaterOrEqual(t, times[1].Sub(times[0]), 120*time.Millisecond)
	assert.GreaterOrEqual(t, resp.LimitWait, 100*time.Millisecond, "the pause is admission wait")
}

func TestStickyQuota(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		if r.Header.Get("X-Idx") == "warm" {
			ok(w, "done")
			return
		}
		writeErr(w, 429, "insufficient_quota", "insufficient_quota")
	})
	c := newTestClient(t, WithConcurrency(5))
	req := get(t, srv.URL)
	req.Header.Set("X-Idx", "warm")
	require.NoError(t, c.Do(bg, req).Err)

	first := c.Do(bg, get(t, srv.URL))
	assert.Equal(t, 1, first.Attempts, "quota errors are never retried")
	assert.ErrorIs(t, first.Err, ErrQuotaExhausted)
	assert.Equal(t, 429, first.Code)
	assert.Equal(t, int64(2), srv.attempts.Load())

	reqs := make([]*http.Request, 50)
	for i := range reqs {
		reqs[i] = get(t, srv.URL)
		reqs[i].Header.Set("X-Idx", "warm") // would succeed if sent
	}
	for _, r := range c.Batch(bg, reqs) {
		assert.ErrorIs(t, r.Err, ErrQuotaExhausted)
		assert.Equal(t, StatusError, r.Status)
		assert.Equal(t, 0, r.Attempts)
	}
	assert.Equal(t, int64(2), srv.attempts.Load(), "sticky: nothing more was sent")
	assert.Equal(t, int64(51), c.Stats().QuotaExhausted)
}

func TestStickyQuotaFailsQueuedWork(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		if n == 1 {
			<-release
			writeErr(w, 429, "insufficient_quota", "credit_balance_exhausted")
			return
		}
		ok(w, "done")
	})
	// One slot and a slow request pacer: everything else queues.
	c := newTestClient(t, WithConcurrency(1))
	reqs := make([]*http.Request, 20)
	for i := range reqs {
		reqs[i] = get(t, srv.URL)
	}
	done := make(chan []*Response)
	go func() { done <- c.Batch(bg, reqs) }()
	require.Eventually(t, func() bool { return srv.attempts.Load() == 1 }, 5*time.Second, time.Millisecond)
	close(release)
	out := <-done
	for _, r := range out {
		assert.ErrorIs(t, r.Err, ErrQuotaExhausted)
	}
	assert.Equal(t, int64(1), srv.attempts.Load())
}

func TestRequestTooLargeRejectedBeforeSending(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) { ok(w, "done") })
	c := newTestClient(t, WithTokenLimit(100, time.Minute), WithCostFunc(func(r *http.Request) int {
		if r.Header.Get("X-Big") != "" {
			return 101
		}
		return 10
	}))
	req := get(t, srv.URL)
	req.Header.Set("X-Big", "1")
	resp := c.Do(bg, req)
	assert.ErrorIs(t, resp.Err, ErrRequestTooLarge)
	assert.Equal(t, 0, resp.Attempts)
	assert.Equal(t, int64(0), srv.attempts.Load())
	assert.Contains(t, resp.Err.Error(), "cost 101 exceeds the token limit 100")
	assert.NoError(t, c.Do(bg, get(t, srv.URL)).Err, "smaller requests still go")
}

func TestGetBodyReplay(t *testing.T) {
	for _, withGetBody := range []bool{true, false} {
		t.Run(fmt.Sprint("GetBody=", withGetBody), func(t *testing.T) {
			var bodies recorder[string]
			srv := newServer(t, nil)
			srv.handle = func(w http.ResponseWriter, r *http.Request, n int64) {}
			srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := srv.attempts.Add(1)
				b, _ := io.ReadAll(r.Body)
				bodies.add(string(b))
				if n < 3 {
					writeErr(w, 503, "", "")
					return
				}
				ok(w, "done")
			})
			var body io.Reader = strings.NewReader(`{"input":"hello"}`)
			if !withGetBody {
				body = struct{ io.Reader }{body} // hides the type: no GetBody
			}
			req, err := http.NewRequest(http.MethodPost, srv.URL, body)
			require.NoError(t, err)
			require.Equal(t, withGetBody, req.GetBody != nil)
			c := newTestClient(t)
			resp := c.Do(bg, req)
			require.NoError(t, resp.Err)
			assert.Equal(t, []string{`{"input":"hello"}`, `{"input":"hello"}`, `{"input":"hello"}`}, bodies.all())
		})
	}
}

func TestRetryReleasesSlot(t *testing.T) {
	var order recorder[string]
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		id := r.Header.Get("X-Idx")
		order.add(id)
		if id == "A" && n == 1 {
			w.Header().Set("retry-after-ms", "150") // a 500 with a wait: no shared pause
			writeErr(w, 500, "server_error", "")
			return
		}
		ok(w, id)
	})
	c := newTestClient(t, WithConcurrency(1))
	a, b := get(t, srv.URL), get(t, srv.URL)
	a.Header.Set("X-Idx", "A")
	b.Header.Set("X-Idx", "B")
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); assert.NoError(t, c.Do(bg, a).Err) }()
	require.Eventually(t, func() bool { return srv.attempts.Load() == 1 }, 5*time.Second, time.Millisecond)
	assert.NoError(t, c.Do(bg, b).Err)
	wg.Wait()
	assert.Equal(t, []string{"A", "B", "A"}, order.all(), "B used the slot while A waited to retry")
}

func TestCancellation(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		if r.Header.Get("X-Mode") == "hang" {
			hang(r)
			return
		}
		writeErr(w, 503, "", "") // backoff retries
	})
	c := newTestClient(t, WithBackoff(time.Second, time.Second), WithoutRetryBudget())

	t.Run("canceled while in flight", func(t *testing.T) {
		ctx, cancel := context.WithCancel(bg)
		req := get(t, srv.URL)
		req.Header.Set("X-Mode", "hang")
		go func() {
			for srv.inFlight.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		resp := c.Do(ctx, req)
		assert.Equal(t, StatusCanceled, resp.Status)
		assert.ErrorIs(t, resp.Err, context.Canceled)
	})
	t.Run("deadline while in flight", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
		defer cancel()
		req := get(t, srv.URL)
		req.Header.Set("X-Mode", "hang")
		resp := c.Do(ctx, req)
		assert.Equal(t, StatusTimeout, resp.Status, "%v", resp)
		assert.ErrorIs(t, resp.Err, context.DeadlineExceeded)
		assert.ErrorIs(t, resp.Err, ErrTimeout)
	})
	t.Run("canceled while backing off", func(t *testing.T) {
		ctx, cancel := context.WithCancel(bg)
		before := srv.attempts.Load()
		go func() {
			for srv.attempts.Load() < before+2 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		resp := c.Do(ctx, get(t, srv.URL))
		assert.Equal(t, StatusCanceled, resp.Status, "%v", resp)
		assert.ErrorIs(t, resp.Err, context.Canceled)
		assert.Equal(t, 503, resp.Code, "the last server answer is kept")
	})
	t.Run("cause is kept", func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(bg)
		cause := errors.New("user went away")
		cancel(cause)
		resp := c.Do(ctx, get(t, srv.URL))
		assert.ErrorIs(t, resp.Err, context.Canceled)
		assert.ErrorIs(t, resp.Err, cause)
		assert.Equal(t, 0, resp.Attempts)
	})
}
