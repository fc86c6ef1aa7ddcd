package main

import (
	"context"
	"errors"
	"math"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"go.uber.org/goleak"
)

// The client suite: the scenarios of docs/benchmarks.md, scaled so that the
// whole suite runs in well under three minutes.
func clientScenarios() []scenario {
	return []scenario{
		{"burst", "500 chat requests, request and token limits, the token bucket binds", burst},
		{"flaky", "1000 requests, 10% 503s, 1% resets before headers, no limits, C=32", flaky},
		{"storm", "300 requests, every request in a 2 s window gets 429 with retry-after 0.4 s", storm},
		{"quota", "200 requests, insufficient_quota after the first 10", quota},
		{"cancel", "1000 streaming requests, the context cancelled mid-batch", cancelScenario},
		{"adaptive", "600 requests, a 100 req/s server limit the client is not told", adaptive},
	}
}

// clientRun is one client of a scenario.
type clientRun struct {
	client string
	fn     func(t target) (result, error)
}

// kgasClient runs the workload through apiclient with opts.
func kgasClient(ctx context.Context, w workload, opts ...apiclient.Option) clientRun {
	return clientRun{"kgas", func(t target) (result, error) {
		r, c, err := runKgas(ctx, t, w, opts...)
		if c != nil {
			r.limit = c.Stats().ConcurrencyLimit
			c.Close()
		}
		return r, err
	}}
}

// openaiClient runs the workload with go-openai from conc goroutines.
func openaiClient(ctx context.Context, name string, w workload, conc int) clientRun {
	return clientRun{name, func(t target) (result, error) {
		r, tr := runOpenAI(ctx, t, w, conc, nil)
		tr.CloseIdleConnections()
		return r, nil
	}}
}

// allClients returns kgas (default options), naive and sequential.
func allClients(ctx context.Context, w workload) []clientRun {
	return []clientRun{kgasClient(ctx, w), openaiClient(ctx, "naive", w, w.conc), openaiClient(ctx, "sequential", w, 1)}
}

// eachClient runs every client against a fresh server and hands over the
// result with the server's stats.
func eachClient(cfg llmtest.Config, runs []clientRun, fn func(client string, res result, st llmtest.Stats)) error {
	for _, run := range runs {
		var res result
		st, err := serverRun(cfg, func(t target) (err error) { res, err = run.fn(t); return err })
		if err != nil {
			return err
		}
		fn(run.client, res, st)
	}
	return nil
}

// serverRun starts a simulator, runs fn against it, and returns its stats.
// The client resets the server right before it starts sending, so the
// server's timeline starts with the run.
func serverRun(cfg llmtest.Config, fn func(t target) error) (llmtest.Stats, error) {
	srv, err := llmtest.NewServer(cfg)
	if err != nil {
		return llmtest.Stats{}, err
	}
	defer srv.Close()
	if err := fn(target{url: srv.URL(), reset: srv.Reset, stats: srv.Stats}); err != nil {
		return llmtest.Stats{}, err
	}
	return srv.Stats(), nil
}

// latencies summarises the successful attempts of a timeline.
func latencies(st llmtest.Stats) (minL, maxL, sumL float64) {
	minL = math.Inf(1)
	for _, r := range st.Timeline {
		if r.Outcome != llmtest.OutcomeOK {
			continue
		}
		d := (r.End - r.Start).Seconds()
		minL, maxL, sumL = math.Min(minL, d), math.Max(maxL, d), sumL+d
	}
	if math.IsInf(minL, 1) {
		minL = 0
	}
	return minL, maxL, sumL
}

func emitResult(emit func(record), scen, client string, n int, res result, st llmtest.Stats, bound float64, extra map[string]any) {
	ok, failed := res.counts()
	if extra == nil {
		extra = map[string]any{}
	}
	for k, v := range res.extra {
		extra[k] = v
	}
	extra["max_in_flight"] = st.MaxInFlight
	if kinds := res.errorKinds(); len(kinds) > 0 {
		extra["errors"] = kinds
	}
	emit(record{Scenario: scen, Client: client, N: n, OK: ok, Failed: failed, Attempts: st.Received,
		WallS: res.wall.Seconds(), BoundS: bound, Extra: extra})
}

const burstWindow = 6 * time.Second // one "minute" of the tier, 10x faster

func burst(ctx context.Context, emit func(record)) error {
	const rpm, tpm = 600, 40000
	w := workload{n: 500, conc: 64, promptLen: 360, maxTokens: 64}
	cfg := llmtest.Config{Seed: 1, Latency: llmtest.LogNormalLatency(40*time.Millisecond, 0.5),
		Limits: llmtest.RateLimits{Requests: rpm, Tokens: tpm, Window: burstWindow}}
	bound := func(st llmtest.Stats) float64 {
		minL, maxL, sumL := latencies(st)
		k := float64(w.n * w.cost())
		win := burstWindow.Seconds()
		return max(maxL, sumL/float64(w.conc),
			win*math.Max(0, float64(w.n-rpm))/rpm+minL,
			win*math.Max(0, k-tpm)/tpm+minL)
	}
	extra := func(st llmtest.Stats) map[string]any {
		return map[string]any{"rate_limited": st.Outcomes[llmtest.OutcomeRateLimitedTokens] + st.Outcomes[llmtest.OutcomeRateLimitedRequests], "tokens_per_request": w.cost()}
	}
	cost := w.cost()
	kgas := kgasClient(ctx, w, apiclient.WithRequestLimit(rpm, burstWindow), apiclient.WithTokenLimit(tpm, burstWindow),
		apiclient.WithCostFunc(func(*http.Request) int { return cost }))
	return eachClient(cfg, []clientRun{kgas, openaiClient(ctx, "naive", w, w.conc)}, func(client string, res result, st llmtest.Stats) {
		emitResult(emit, "burst", client, w.n, res, st, bound(st), extra(st))
	})
}

func flaky(ctx context.Context, emit func(record)) error {
	w := workload{n: 1000, conc: 32, promptLen: 200, maxTokens: 16}
	cfg := llmtest.Config{Seed: 2, Latency: llmtest.FixedLatency(100 * time.Millisecond), Faults: []llmtest.FaultRule{
		{Fault: llmtest.Fault{Kind: llmtest.FaultOverloaded, Delay: 20 * time.Millisecond}, Probability: 0.10},
		{Fault: llmtest.Fault{Kind: llmtest.FaultResetBeforeHeaders}, Probability: 0.01},
	}}
	// The expected slot time of the work over C, the same for every client:
	// each success costs L, and with a failure probability p per attempt a
	// success needs p/(1-p) failed attempts on average, each costing its
	// time to error (20 ms for a 503, ~0 for a reset). Client backoff is a
	// cost the client chose and is not in the bound.
	const lat, p503, pReset, t503 = 0.100, 0.10, 0.01, 0.020
	bound := func(llmtest.Stats) float64 {
		p := p503 + pReset
		perSuccess := lat + p/(1-p)*(p503/p*t503)
		return math.Max(lat, float64(w.n)*perSuccess/float64(w.conc))
	}
	// kgas with a backoff in proportion to a 100 ms upstream, and with the
	// defaults (0.5 s doubling, 4 attempts) for comparison.
	kgas := kgasClient(ctx, w, apiclient.WithBackoff(50*time.Millisecond, 2*time.Second), apiclient.WithMaxAttempts(8))
	kgasDefault := kgasClient(ctx, w)
	kgasDefault.client = "kgas-default"
	return eachClient(cfg, []clientRun{kgas, kgasDefault, openaiClient(ctx, "naive", w, w.conc)}, func(client string, res result, st llmtest.Stats) {
		emitResult(emit, "flaky", client, w.n, res, st, bound(st), map[string]any{"max_attempts_per_request": st.Attempts.Max})
	})
}

func storm(ctx context.Context, emit func(record)) error {
	const (
		ts, te = 400 * time.Millisecond, 2400 * time.Millisecond // the storm window
		wait   = 400 * time.Millisecond
		lat    = 60 * time.Millisecond
	)
	w := workload{n: 300, conc: 20, promptLen: 200, maxTokens: 16}
	// Latency varies (40–80 ms), so that requests do not move in lockstep
	// waves: with a fixed latency all C slots send within the same
	// millisecond, before any client can have seen the storm's first 429.
	cfg := llmtest.Config{Seed: 3, Latency: llmtest.UniformLatency(lat-20*time.Millisecond, lat+20*time.Millisecond), Faults: []llmtest.FaultRule{
		{Fault: llmtest.Fault{Kind: llmtest.FaultRateLimited, RetryAfter: wait}, After: ts, Before: te},
	}}
	// t_end + max(longest L, Σ L / C) over the requests served after the
	// window: nothing can be served inside it.
	measure := func(st llmtest.Stats) (float64, map[string]any) {
		var inWindow int
		var post, longest float64
		lag := math.Inf(1)
		for _, r := range st.Timeline {
			if r.Start >= te && r.Outcome == llmtest.OutcomeOK {
				d := (r.End - r.Start).Seconds()
				post += d
				longest = math.Max(longest, d)
			}
			if r.Start >= ts && r.Start < te {
				inWindow++
			}
			if r.Start >= te && r.Outcome == llmtest.OutcomeOK {
				lag = math.Min(lag, (r.Start - te).Seconds())
			}
		}
		b := te.Seconds() + math.Max(longest, post/float64(w.conc))
		if math.IsInf(lag, 1) {
			lag = -1
		}
		return b, map[string]any{"storm_attempts": inWindow, "recovery_lag_s": round(lag)}
	}
	return eachClient(cfg, allClients(ctx, w), func(client string, res result, st llmtest.Stats) {
		b, extra := measure(st)
		emitResult(emit, "storm", client, w.n, res, st, b, extra)
	})
}

func quota(ctx context.Context, emit func(record)) error {
	w := workload{n: 200, conc: 20, promptLen: 200, maxTokens: 16}
	cfg := llmtest.Config{Seed: 4, Latency: llmtest.FixedLatency(20 * time.Millisecond), Faults: []llmtest.FaultRule{
		{Fault: llmtest.Fault{Kind: llmtest.FaultInsufficientQuota}, FromRequest: 11},
	}}
	// The bound is the later of the first quota error and the last success:
	// nothing sent after the first error can succeed, and the requests
	// admitted before it finish normally, so a perfect client stops there.
	measure := func(st llmtest.Stats, res result) (float64, map[string]any) {
		first, lastOK := math.Inf(1), 0.0
		for _, r := range st.Timeline {
			if r.Outcome == llmtest.Outcome(llmtest.FaultInsufficientQuota) {
				first = math.Min(first, r.End.Seconds())
			}
			if r.Outcome == llmtest.OutcomeOK {
				lastOK = math.Max(lastOK, r.End.Seconds())
			}
		}
		typed := 0
		for _, o := range res.outcomes {
			if o.err != nil && errors.Is(o.err, apiclient.ErrQuotaExhausted) {
				typed++
			}
		}
		return math.Max(first, lastOK), map[string]any{"quota_errors_typed": typed, "attempt_budget": 10 + w.conc,
			"after_first_error_ms": round((res.wall.Seconds() - first) * 1000)}
	}
	return eachClient(cfg, allClients(ctx, w), func(client string, res result, st llmtest.Stats) {
		b, extra := measure(st, res)
		emitResult(emit, "quota", client, w.n, res, st, b, extra)
	})
}

func cancelScenario(ctx context.Context, emit func(record)) error {
	const cancelAfter = 3 * time.Second
	w := workload{n: 1000, conc: 50, promptLen: 200, maxTokens: 100, stream: true}
	cfg := llmtest.Config{Seed: 5, Latency: llmtest.FixedLatency(200 * time.Millisecond), TokenDelay: 50 * time.Millisecond,
		Faults: []llmtest.FaultRule{{Fault: llmtest.Fault{Kind: llmtest.FaultRateLimited, RetryAfter: 5 * time.Second}, Probability: 0.2, ToRequest: 50}}}
	// kgas runs twice: as Batch (Do reads each stream whole) and as the
	// transport under go-openai's own streaming, the path SDK users take.
	for _, client := range []string{"kgas", "kgas-sdk", "naive"} {
		var (
			res        result
			cancelAt   time.Time
			lateStarts atomic.Int64
			leaked     int
		)
		st, err := serverRun(cfg, func(t target) error {
			before := goleak.IgnoreCurrent()
			cctx, cancel := context.WithCancel(ctx)
			timer := time.AfterFunc(cancelAfter, func() { cancelAt = time.Now(); cancel() })
			defer timer.Stop()
			defer cancel()
			hooks := apiclient.Hooks{OnAttemptStart: func(context.Context, apiclient.AttemptStart) {
				if cctx.Err() != nil {
					lateStarts.Add(1)
				}
			}}
			switch client {
			case "kgas":
				r, c, err := runKgas(cctx, t, w, apiclient.WithHooks(hooks))
				if err != nil {
					return err
				}
				res = r
				c.Close()
			case "kgas-sdk":
				c, err := apiclient.New(apiclient.WithConcurrency(w.conc), apiclient.WithHooks(hooks))
				if err != nil {
					return err
				}
				res, _ = runOpenAI(cctx, t, w, w.conc, c.HTTPClient())
				c.Close()
			default:
				r, tr := runOpenAI(cctx, t, w, w.conc, nil)
				res = r
				tr.CloseIdleConnections()
			}
			if err := goleak.Find(before); err != nil {
				leaked = 1
			}
			return nil
		})
		if err != nil {
			return err
		}
		returnMS := -1.0 // the batch finished before the cancel
		if !cancelAt.IsZero() && res.end.After(cancelAt) {
			returnMS = res.end.Sub(cancelAt).Seconds() * 1000
		}
		canceled := 0
		for _, o := range res.outcomes {
			if o.err != nil && errors.Is(o.err, context.Canceled) {
				canceled++
			}
		}
		extra := map[string]any{"return_after_cancel_ms": round(returnMS), "canceled": canceled, "goroutines_leaked": leaked > 0}
		if client != "naive" {
			extra["attempts_started_after_cancel"] = lateStarts.Load()
		}
		emitResult(emit, "cancel", client, w.n, res, st, cancelAfter.Seconds(), extra)
	}
	return nil
}

func adaptive(ctx context.Context, emit func(record)) error {
	const rps = 100
	w := workload{n: 600, conc: 64, promptLen: 200, maxTokens: 16}
	cfg := llmtest.Config{Seed: 6, Latency: llmtest.FixedLatency(50 * time.Millisecond),
		Limits: llmtest.RateLimits{Requests: rps, Window: time.Second}}
	bound := func(st llmtest.Stats) float64 {
		minL, maxL, sumL := latencies(st)
		return max(maxL, sumL/float64(w.conc), float64(w.n-rps)/rps+minL)
	}
	kgas := kgasClient(ctx, w, apiclient.WithAdaptiveConcurrency(1, w.conc), apiclient.WithMaxAttempts(20))
	return eachClient(cfg, []clientRun{kgas, openaiClient(ctx, "naive", w, w.conc)}, func(client string, res result, st llmtest.Stats) {
		extra := map[string]any{"rate_limited": st.Outcomes[llmtest.OutcomeRateLimitedRequests]}
		if client == "kgas" {
			extra["final_concurrency"] = res.limit
		}
		emitResult(emit, "adaptive", client, w.n, res, st, bound(st), extra)
	})
}
