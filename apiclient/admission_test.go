package apiclient

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serverBucket is a continuously refilling bucket the test server enforces.
type serverBucket struct {
	mu       sync.Mutex
	level    float64
	capacity float64
	rate     float64 // per second
	last     time.Time
}

func newServerBucket(capacity, perSecond float64) *serverBucket {
	return &serverBucket{level: capacity, capacity: capacity, rate: perSecond, last: time.Now()}
}

func (b *serverBucket) take(n float64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.level = math.Min(b.capacity, b.level+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.level < n {
		return false
	}
	b.level -= n
	return true
}

func TestPacingNeverExceedsServerLimit(t *testing.T) {
	// The server allows 20 requests per 400 ms (50/s) and 2000 tokens per
	// 400 ms (5000/s). Its buckets carry 100 ms worth of slack: a client-side
	// limiter cannot control the scheduling and network delay between its
	// grant and the server's arrival (large under -race on 2 cores).
	reqs := newServerBucket(20+5, 50)
	toks := newServerBucket(2000+500, 5000)
	var rejected recorder[string]
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		cost, _ := strconv.Atoi(r.Header.Get("X-Cost"))
		if !reqs.take(1) {
			rejected.add("requests")
			writeErr(w, 429, "requests", "rate_limit_exceeded")
			return
		}
		if !toks.take(float64(cost)) {
			rejected.add("tokens")
			writeErr(w, 429, "tokens", "rate_limit_exceeded")
			return
		}
		ok(w, "done")
	})
	var throttles recorder[ThrottleEvent]
	c := newTestClient(t,
		WithConcurrency(20),
		WithRequestLimit(20, 400*time.Millisecond),
		WithTokenLimit(2000, 400*time.Millisecond),
		WithCostFunc(func(r *http.Request) int { n, _ := strconv.Atoi(r.Header.Get("X-Cost")); return n }),
		WithMaxAttempts(1),
		WithHooks(Hooks{OnThrottle: func(_ context.Context, e ThrottleEvent) { throttles.add(e) }}),
	)
	in := make([]*http.Request, 70)
	for i := range in {
		in[i] = get(t, srv.URL)
		in[i].Header.Set("X-Cost", strconv.Itoa(50+i%3*50)) // 50, 100, 150: avg 100
	}
	start := time.Now()
	for _, r := range c.Batch(bg, in) {
		require.NoError(t, r.Err)
	}
	el := time.Since(start)
	assert.Empty(t, rejected.all(), "the server never rejected a request")
	// 50 requests beyond the initial 20 at 50/s need at least ~1 s.
	assert.Greater(t, el, 900*time.Millisecond)
	st := c.Stats()
	assert.Positive(t, st.Throttled)
	kinds := map[string]bool{}
	for _, e := range throttles.all() {
		kinds[e.Limit] = true
	}
	assert.True(t, kinds["requests"] || kinds["tokens"], "throttle events name the bucket: %v", kinds)
}

func TestRateLimiterHeaderCorrection(t *testing.T) {
	l := NewRateLimiter(100, time.Minute, 10000, time.Minute)
	r, tk := l.Tokens()
	assert.InDelta(t, 100, r, 0.5)
	assert.InDelta(t, 10000, tk, 1)

	// Garbage, negative and missing values change nothing.
	for _, h := range []http.Header{
		hdr("x-ratelimit-remaining-requests", "abc", "x-ratelimit-remaining-tokens", "-1", "x-ratelimit-reset-tokens", "soon"),
		hdr("x-ratelimit-limit-requests", "-1", "x-ratelimit-limit-tokens", "NaN"),
		hdr("x-ratelimit-remaining-requests", "1e999"),
		{},
	} {
		l.Update(ParseRateLimit(h))
	}
	r, tk = l.Tokens()
	assert.InDelta(t, 100, r, 0.5)
	assert.InDelta(t, 10000, tk, 1)

	// The server knows fewer remain (another process uses the key).
	l.Update(ParseRateLimit(hdr("x-ratelimit-remaining-requests", "10", "x-ratelimit-remaining-tokens", "2500")))
	r, tk = l.Tokens()
	assert.InDelta(t, 10, r, 0.5)
	assert.InDelta(t, 2500, tk, 1)

	// The server's remaining is compared as it is: our in-flight attempts
	// are already out of our bucket (no double count); never below zero.
	info := ParseRateLimit(hdr("x-ratelimit-remaining-requests", "3"))
	info.InFlightRequests = 50
	l.Update(info)
	r, _ = l.Tokens()
	assert.InDelta(t, 3, r, 0.5)
	l.Update(ParseRateLimit(hdr("x-ratelimit-remaining-requests", "0")))
	r, _ = l.Tokens()
	assert.GreaterOrEqual(t, r, 0.0)
	assert.Less(t, r, 1.0)

	// A higher remaining never raises the bucket.
	l.Update(ParseRateLimit(hdr("x-ratelimit-remaining-requests", "99")))
	r, _ = l.Tokens()
	assert.Less(t, r, 1.0)

	// A smaller server limit lowers capacity; its window comes from reset.
	l2 := NewRateLimiter(1000, time.Minute, 0, 0)
	l2.Update(ParseRateLimit(hdr("x-ratelimit-limit-requests", "60", "x-ratelimit-remaining-requests", "59", "x-ratelimit-reset-requests", "1s")))
	capR, capT := l2.Capacity()
	assert.Equal(t, 60, capR)
	assert.Equal(t, 0, capT)
	assert.InDelta(t, 1.0, float64(l2.req.Limit()), 0.01, "60 per minute")
}

func TestClientCorrectsBucketsFromHeaders(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		w.Header().Set("x-ratelimit-remaining-requests", []string{"5", "garbage", "-1", ""}[n%4])
		w.Header().Set("x-ratelimit-reset-requests", []string{"6m0s", "banana", "-2s", "1m30.5s"}[n%4])
		w.Header().Set("x-ratelimit-limit-tokens", "-1")
		ok(w, "done")
	})
	c := newTestClient(t, WithRequestLimit(1000, time.Minute), WithConcurrency(1))
	for range 8 {
		require.NoError(t, c.Do(bg, get(t, srv.URL)).Err)
	}
	r, _ := c.rl.Tokens()
	assert.GreaterOrEqual(t, r, 0.0)
	assert.LessOrEqual(t, r, 6.0, "lowered to the server's remaining")
}

func TestSharedPause(t *testing.T) {
	// Every request arriving within the storm window gets 429 with a
	// 150 ms retry-after. With a shared pause the server sees the initial
	// burst, then about one probe per wait, not one retry per request.
	const window = 600 * time.Millisecond
	var mu sync.Mutex
	var stormEnd time.Time
	var inStorm, afterFirst int
	var firstAt time.Time
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		mu.Lock()
		now := time.Now()
		if stormEnd.IsZero() {
			stormEnd, firstAt = now.Add(window), now
		}
		storm := now.Before(stormEnd)
		if storm {
			inStorm++
			if now.Sub(firstAt) > 50*time.Millisecond {
				afterFirst++
			}
		}
		mu.Unlock()
		if storm {
			w.Header().Set("retry-after-ms", "150")
			writeErr(w, 429, "requests", "rate_limit_exceeded")
			return
		}
		ok(w, "done")
	})
	c := newTestClient(t, WithConcurrency(20), WithMaxAttempts(20))
	in := make([]*http.Request, 20)
	for i := range in {
		in[i] = get(t, srv.URL)
	}
	for _, r := range c.Batch(bg, in) {
		require.NoError(t, r.Err)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("attempts in storm %d, after the first 50 ms %d, total %d", inStorm, afterFirst, srv.attempts.Load())
	// ~600/150 = 4 probes; allow slack for the jittered reopenings.
	assert.LessOrEqual(t, afterFirst, 8, "the pause is shared")
	assert.Equal(t, int64(20), c.Stats().Successes)
	assert.Positive(t, c.Stats().RateLimited)
}

func TestConcurrencyBoundServerSide(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		time.Sleep(5 * time.Millisecond) // hold the request so they overlap
		ok(w, "done")
	})
	c := newTestClient(t, WithConcurrency(5))
	in := make([]*http.Request, 60)
	for i := range in {
		in[i] = get(t, srv.URL)
	}
	var wg sync.WaitGroup
	wg.Add(2) // two batches at once share the bound
	for range 2 {
		go func() {
			defer wg.Done()
			for _, r := range c.Batch(bg, in[:30]) {
				assert.NoError(t, r.Err)
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, srv.maxInFlight.Load(), int64(5))
	st := c.Stats()
	assert.LessOrEqual(t, st.MaxInFlight, int64(5))
	assert.Equal(t, int64(0), st.InFlight)
}

func TestBreaker(t *testing.T) {
	var healthy sync.Mutex
	up := false
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		healthy.Lock()
		u := up
		healthy.Unlock()
		if r.Header.Get("X-4xx") != "" {
			writeErr(w, 404, "invalid_request_error", "model_not_found")
			return
		}
		if !u {
			writeErr(w, 500, "server_error", "")
			return
		}
		ok(w, "done")
	})
	var changes recorder[string]
	c := newTestClient(t, WithBreaker(3, 50*time.Millisecond), WithMaxAttempts(1),
		WithHooks(Hooks{OnBreakerStateChange: func(from, to BreakerState) { changes.add(from.String() + ">" + to.String()) }}))

	// 4xx never count.
	for range 5 {
		r := get(t, srv.URL)
		r.Header.Set("X-4xx", "1")
		assert.Equal(t, 404, c.Do(bg, r).Code)
	}
	// Context errors never count.
	ctx, cancel := context.WithCancel(bg)
	cancel()
	for range 5 {
		c.Do(ctx, get(t, srv.URL))
	}
	assert.Empty(t, changes.all())

	for range 3 {
		assert.Equal(t, 500, c.Do(bg, get(t, srv.URL)).Code)
	}
	sent := srv.attempts.Load()
	resp := c.Do(bg, get(t, srv.URL))
	assert.ErrorIs(t, resp.Err, ErrCircuitOpen)
	assert.Equal(t, 0, resp.Attempts)
	assert.Equal(t, sent, srv.attempts.Load(), "fails fast without sending")
	assert.Equal(t, int64(1), c.Stats().BreakerOpens)

	healthy.Lock()
	up = true
	healthy.Unlock()
	time.Sleep(60 * time.Millisecond) // the cool-down itself
	assert.NoError(t, c.Do(bg, get(t, srv.URL)).Err, "half-open probe")
	assert.NoError(t, c.Do(bg, get(t, srv.URL)).Err)
	assert.Equal(t, []string{"closed>open", "open>half-open", "half-open>closed"}, changes.all())
}

func TestRetryBudget(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) { writeErr(w, 503, "", "") })
	c := newTestClient(t, WithoutBreaker(), WithRetryBudget(0.1, 3), WithMaxAttempts(5))
	var budgetErrs int
	for range 5 {
		r := c.Do(bg, get(t, srv.URL))
		if assert.Error(t, r.Err) && r.Attempts == 1 {
			assert.ErrorIs(t, r.Err, ErrRetryBudget)
			budgetErrs++
		}
	}
	// 5 first attempts + 3 budgeted retries (plus any time refill).
	assert.LessOrEqual(t, srv.attempts.Load(), int64(5+3+1))
	assert.GreaterOrEqual(t, budgetErrs, 3)
}

func TestAdaptiveConcurrencyConverges(t *testing.T) {
	const capacity = 4
	srv := newServer(t, nil)
	srv.handle = func(w http.ResponseWriter, r *http.Request, n int64) {
		if srv.inFlight.Load() > capacity {
			writeErr(w, 503, "service_unavailable_error", "server_is_overloaded")
			return
		}
		time.Sleep(3 * time.Millisecond)
		ok(w, "done")
	}
	c := newTestClient(t, WithConcurrency(32), WithAdaptiveConcurrency(1, 32), WithMaxAttempts(1000), WithoutRetryBudget(), WithoutBreaker())
	assert.Equal(t, 32, c.Stats().ConcurrencyLimit)
	in := make([]*http.Request, 400)
	for i := range in {
		in[i] = get(t, srv.URL)
	}
	for _, r := range c.Batch(bg, in) {
		require.NoError(t, r.Err)
	}
	lim := c.Stats().ConcurrencyLimit
	t.Logf("final limit %d, attempts %d", lim, srv.attempts.Load())
	assert.GreaterOrEqual(t, lim, 1)
	assert.LessOrEqual(t, lim, 3*capacity, "converged near what the server sustains")
}

func TestAIMD(t *testing.T) {
	var applied []int
	a := newAIMD(2, 10, 5, func(n int) { applied = append(applied, n) })
	now := time.Now()
	for range 100 {
		a.observe(true, false, 10*time.Millisecond, now)
	}
	assert.Equal(t, 10, applied[len(applied)-1], "additive increase up to max")
	a.observe(false, true, 0, now)
	a.observe(false, true, 0, now) // same round trip: counted once
	assert.Equal(t, 7, applied[len(applied)-1])
	for i := range 20 {
		a.observe(false, true, 0, now.Add(time.Duration(i+1)*time.Second))
	}
	assert.Equal(t, 2, applied[len(applied)-1], "bounded below")
	// Latency far above the lowest seen decreases too.
	b := newAIMD(1, 100, 50, func(int) {})
	for range minSamples {
		b.observe(true, false, 10*time.Millisecond, now)
	}
	before := b.limit
	for i := range 20 {
		b.observe(true, false, 100*time.Millisecond, now.Add(time.Duration(i+1)*time.Second))
	}
	assert.Less(t, b.limit, before)
}

func TestLimiterPluggable(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		w.Header().Set("x-ratelimit-remaining-tokens", "77")
		ok(w, "done")
	})
	fl := &fakeLimiter{}
	c := newTestClient(t, WithLimiter(fl), WithCostFunc(func(*http.Request) int { return 9 }))
	require.NoError(t, c.Do(bg, get(t, srv.URL)).Err)
	fl.mu.Lock()
	defer fl.mu.Unlock()
	assert.Equal(t, []int{9}, fl.costs)
	require.Len(t, fl.infos, 1)
	assert.Equal(t, int64(77), fl.infos[0].RemainingTokens)
	fl.tooLarge = true
	fl.mu.Unlock()
	r := c.Do(bg, get(t, srv.URL))
	fl.mu.Lock()
	assert.ErrorIs(t, r.Err, ErrRequestTooLarge)
	assert.Equal(t, int64(1), srv.attempts.Load())
}

type fakeLimiter struct {
	mu       sync.Mutex
	costs    []int
	infos    []RateLimitInfo
	tooLarge bool
}

func (f *fakeLimiter) Wait(ctx context.Context, cost int) (time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tooLarge {
		return 0, fmt.Errorf("shared limiter: %w", ErrRequestTooLarge)
	}
	f.costs = append(f.costs, cost)
	return 0, nil
}

func (f *fakeLimiter) Update(info RateLimitInfo) {
	f.mu.Lock()
	f.infos = append(f.infos, info)
	f.mu.Unlock()
}

// The default threshold scales with the concurrency bound: max(5, 2×C).
func TestBreakerDefaultThreshold(t *testing.T) {
	for _, tc := range []struct{ conc, want int }{{1, 5}, {10, 20}} {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
			writeErr(w, 500, "server_error", "")
		})
		c := newTestClient(t, WithConcurrency(tc.conc), WithMaxAttempts(1), WithoutRetryBudget())
		for i := 1; i <= tc.want; i++ {
			resp := c.Do(bg, get(t, srv.URL))
			assert.NotErrorIs(t, resp.Err, ErrCircuitOpen, "failure %d of %d must still be sent", i, tc.want)
		}
		assert.ErrorIs(t, c.Do(bg, get(t, srv.URL)).Err, ErrCircuitOpen, "concurrency %d", tc.conc)
		assert.Equal(t, int64(1), c.Stats().BreakerOpens)
	}
}

// A server wait longer than WithMaxServerWait ends that request and holds
// nobody else; a terminal 429 with a wait pauses nobody either.
func TestLongOrTerminalWaitDoesNotFreezeTheClient(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply func(w http.ResponseWriter)
	}{
		{"wait beyond the cap", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3600")
			writeErr(w, 429, "requests", "rate_limit_exceeded")
		}},
		{"terminal with a wait", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3600")
			writeErr(w, 429, "insufficient_quota", "insufficient_quota")
		}},
		{"should-retry false with a wait", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3600")
			w.Header().Set("X-Should-Retry", "false")
			writeErr(w, 429, "tokens", "rate_limit_exceeded")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
				if r.Header.Get("X-First") != "" {
					tc.reply(w)
					return
				}
				ok(w, "fine")
			})
			c := newTestClient(t, WithMaxServerWait(time.Second))
			first := get(t, srv.URL)
			first.Header.Set("X-First", "1")
			require.Error(t, c.Do(bg, first).Err)
			ctx, cancel := context.WithTimeout(bg, 2*time.Second)
			defer cancel()
			if tc.name == "terminal with a wait" {
				assert.ErrorIs(t, c.Do(ctx, get(t, srv.URL)).Err, ErrQuotaExhausted, "quota is sticky, but not a pause")
				return
			}
			assert.NoError(t, c.Do(ctx, get(t, srv.URL)).Err, "the next request is not held by the long wait")
		})
	}
}

// A request sleeping in backoff fails at once when another request finds
// the quota exhausted.
func TestStickyQuotaInterruptsBackoff(t *testing.T) {
	quota := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		if r.Header.Get("X-Quota") != "" {
			writeErr(w, 429, "insufficient_quota", "insufficient_quota")
			return
		}
		writeErr(w, 500, "server_error", "")
	})
	var retrying sync.Once
	c := newTestClient(t, WithBackoff(time.Hour, time.Hour), WithHooks(Hooks{OnRetry: func(context.Context, RetryEvent) {
		retrying.Do(func() { close(quota) })
	}}))
	done := make(chan *Response, 1)
	go func() { done <- c.Do(bg, get(t, srv.URL)) }()
	<-quota // the first request is now sleeping in an hour-long backoff
	q := get(t, srv.URL)
	q.Header.Set("X-Quota", "1")
	require.ErrorIs(t, c.Do(bg, q).Err, ErrQuotaExhausted)
	select {
	case r := <-done:
		assert.ErrorIs(t, r.Err, ErrQuotaExhausted)
	case <-time.After(5 * time.Second):
		t.Fatal("the sleeping request did not fail with the quota")
	}
}
