package watsonx

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/stretchr/testify/require"
)

var bg = context.Background()

// newTestEmbedder builds an Embedder on f with fast retries, ignoring the
// environment.
func newTestEmbedder(t testing.TB, f *fakeWatsonx, opts ...Option) *Embedder {
	t.Helper()
	base := []Option{
		WithoutEnv(), WithAPIKey(f.apiKey), WithURL(f.URL), WithIAMURL(f.URL), WithProjectID("proj-1"),
		WithClientOptions(apiclient.WithBackoff(time.Millisecond, 5*time.Millisecond)),
	}
	e, err := New(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(e.Close)
	return e
}

func inputs(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = "t" + strconv.Itoa(i)
	}
	return s
}

func requireOrdered(t testing.TB, vecs [][]float32, n, dim int) {
	t.Helper()
	require.Len(t, vecs, n)
	for i, v := range vecs {
		require.Len(t, v, dim)
		require.Equal(t, float32(i), v[0], "vector %d out of order", i)
	}
}

func TestEmbedSharesOneToken(t *testing.T) {
	f := newFake(t)
	e := newTestEmbedder(t, f)
	for range 5 {
		vecs, err := e.Embed(bg, inputs(3))
		require.NoError(t, err)
		requireOrdered(t, vecs, 3, 768)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			vecs, err := e.Embed(bg, inputs(4))
			if err == nil && len(vecs) != 4 {
				err = fmt.Errorf("%d vectors", len(vecs))
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, 1, f.tokenReqs.Load(), "one IAM exchange for many embeds")
	require.EqualValues(t, 1, e.TokenExchanges())
	require.EqualValues(t, 25, f.embedReqs.Load())
	require.Equal(t, 768, e.Dimension())
	require.Equal(t, DefaultModel, e.Model())

	vecs, err := e.Embed(bg, nil)
	require.NoError(t, err)
	require.Empty(t, vecs)
	require.EqualValues(t, 25, f.embedReqs.Load(), "no request for no input")
}

func TestConcurrentFirstCallsShareOneExchange(t *testing.T) {
	f := newFake(t)
	e := newTestEmbedder(t, f)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			<-start
			if _, err := e.Embed(bg, inputs(1)); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	require.EqualValues(t, 1, f.tokenReqs.Load(), "no stampede on the IAM endpoint")
}

func TestProjectSpaceAndParameters(t *testing.T) {
	f := newFake(t)
	e := newTestEmbedder(t, f)
	_, err := e.Embed(bg, []string{"a"})
	require.NoError(t, err)
	f.mu.Lock()
	b := f.bodies[0]
	f.mu.Unlock()
	require.Equal(t, "proj-1", b["project_id"])
	require.NotContains(t, b, "space_id")
	require.NotContains(t, b, "parameters")
	require.Equal(t, DefaultModel, b["model_id"])
	require.Equal(t, []any{"a"}, b["inputs"])

	f2 := newFake(t)
	base := []Option{WithoutEnv(), WithAPIKey(f2.apiKey), WithURL(f2.URL), WithIAMURL(f2.URL), WithSpaceID("space-9"),
		WithModel("ibm/slate-30m-english-rtrvr"), WithTruncateInputTokens(128)}
	f2.dim = 384
	e2, err := New(base...)
	require.NoError(t, err)
	defer e2.Close()
	vecs, err := e2.Embed(bg, []string{"b", "c"})
	require.NoError(t, err)
	require.Len(t, vecs, 2)
	require.Len(t, vecs[0], 384)
	f2.mu.Lock()
	b = f2.bodies[0]
	f2.mu.Unlock()
	require.Equal(t, "space-9", b["space_id"])
	require.NotContains(t, b, "project_id")
	require.Equal(t, "ibm/slate-30m-english-rtrvr", b["model_id"])
	require.Equal(t, map[string]any{"truncate_input_tokens": float64(128)}, b["parameters"])
}

func TestBatchSplittingKeepsOrder(t *testing.T) {
	f := newFake(t)
	f.maxInputs = 7
	f.delay = 20 * time.Millisecond
	e := newTestEmbedder(t, f, WithBatchSize(7))
	vecs, err := e.Embed(bg, inputs(100))
	require.NoError(t, err)
	requireOrdered(t, vecs, 100, 768)
	require.EqualValues(t, 15, f.embedReqs.Load(), "ceil(100/7) requests")
	require.Greater(t, f.maxInFlight.Load(), int64(1), "chunks are sent concurrently")

	// The default limit of 1000 per request.
	f.maxInputs, f.delay, f.dim = 1000, 0, 4
	e2 := newTestEmbedder(t, f, WithModel("acme/small"))
	vecs, err = e2.Embed(bg, inputs(2500))
	require.NoError(t, err)
	requireOrdered(t, vecs, 2500, 4)
	require.EqualValues(t, 15+3, f.embedReqs.Load())
}

func TestRefreshNearExpiry(t *testing.T) {
	for _, c := range []struct {
		ttl       int64
		keep, due time.Duration // advances (cumulative) that keep the token, then make it due
	}{
		{3600, 3239 * time.Second, 2 * time.Second}, // 90% = 3240 s
		{300, 239 * time.Second, 2 * time.Second},   // 60 s before expiry = 240 s
		{30, 26 * time.Second, 2 * time.Second},     // 90% = 27 s
	} {
		t.Run(strconv.FormatInt(c.ttl, 10), func(t *testing.T) {
			f := newFake(t)
			f.ttl = c.ttl
			clk := &clock{t: time.Unix(1_700_000_000, 0)}
			e := newTestEmbedder(t, f, withClock(clk.now))
			_, err := e.Embed(bg, inputs(1))
			require.NoError(t, err)
			clk.advance(c.keep)
			_, err = e.Embed(bg, inputs(1))
			require.NoError(t, err)
			require.EqualValues(t, 1, f.tokenReqs.Load(), "token still fresh")
			clk.advance(c.due)
			_, err = e.Embed(bg, inputs(1))
			require.NoError(t, err)
			require.EqualValues(t, 2, f.tokenReqs.Load(), "token refreshed near expiry")
			_, err = e.Embed(bg, inputs(1))
			require.NoError(t, err)
			require.EqualValues(t, 2, f.tokenReqs.Load())
		})
	}
}

func TestRefreshFailureKeepsValidToken(t *testing.T) {
	f := newFake(t)
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	e := newTestEmbedder(t, f, withClock(clk.now))
	_, err := e.Embed(bg, inputs(1))
	require.NoError(t, err)
	clk.advance(3300 * time.Second) // due for refresh, 300 s left
	f.setAPIKey("rotated")          // IAM now refuses the exchange
	_, err = e.Embed(bg, inputs(1))
	require.NoError(t, err, "the old token is still valid")
	require.EqualValues(t, 2, f.tokenReqs.Load())
	clk.advance(300 * time.Second) // expired
	_, err = e.Embed(bg, inputs(1))
	require.ErrorIs(t, err, ErrUnauthorized)
}

func TestUnauthorizedRefreshesOnceAndRetries(t *testing.T) {
	f := newFake(t)
	f.maxInputs = 10
	e := newTestEmbedder(t, f, WithBatchSize(10))
	_, err := e.Embed(bg, inputs(1))
	require.NoError(t, err)
	f.revokeAll() // the cached token is now rejected with 401
	vecs, err := e.Embed(bg, inputs(50))
	require.NoError(t, err)
	requireOrdered(t, vecs, 50, 768)
	require.EqualValues(t, 2, f.tokenReqs.Load(), "one refresh for all five rejected chunks")
	require.EqualValues(t, 1+5+5, f.embedReqs.Load(), "each rejected chunk retried once")
}

func TestUnauthorizedTwiceFails(t *testing.T) {
	f := newFake(t)
	f.fault = func(w http.ResponseWriter, _ *http.Request, _ int64) bool {
		writeWxErr(w, 401, "authorization_rejected", "token rejected")
		return true
	}
	e := newTestEmbedder(t, f)
	_, err := e.Embed(bg, inputs(3))
	require.ErrorIs(t, err, ErrUnauthorized)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, OpEmbed, ae.Op)
	require.Equal(t, 401, ae.StatusCode)
	require.Equal(t, "authorization_rejected", ae.Code)
	require.Equal(t, "trace-401", ae.Trace)
	var ce *apiclient.Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, 401, ce.StatusCode)
	require.EqualValues(t, 2, f.tokenReqs.Load())
	require.EqualValues(t, 2, f.embedReqs.Load(), "one retry, no more")
}

func TestBadAPIKey(t *testing.T) {
	f := newFake(t)
	e := newTestEmbedder(t, f, WithAPIKey("wrong-key-zzz"))
	_, err := e.Embed(bg, inputs(1))
	require.ErrorIs(t, err, ErrUnauthorized)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, OpToken, ae.Op)
	require.Equal(t, 400, ae.StatusCode)
	require.Equal(t, "BXNIM0415E", ae.Code)
	require.NotContains(t, err.Error(), "wrong-key-zzz")
	require.EqualValues(t, 0, f.embedReqs.Load())
}

func TestServerErrorsAreTyped(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		header   map[string]string
		code     string
		sentinel error
		attempts int64
	}{
		{"rate limited", 429, map[string]string{"Retry-After-Ms": "1"}, "rate_limit_reached", apiclient.ErrRateLimited, 2},
		{"bad input", 400, nil, "invalid_input_argument", nil, 1},
		{"not found", 404, nil, "model_not_supported", nil, 1},
		{"server", 500, nil, "internal_error", nil, 2},
		{"quota", 402, nil, "token_quota_reached", apiclient.ErrQuotaExhausted, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.fault = func(w http.ResponseWriter, _ *http.Request, _ int64) bool {
				for k, v := range c.header {
					w.Header().Set(k, v)
				}
				writeWxErr(w, c.status, c.code, "failed: "+c.name)
				return true
			}
			e := newTestEmbedder(t, f, WithClientOptions(apiclient.WithMaxAttempts(2)))
			_, err := e.Embed(bg, inputs(2))
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, c.status, ae.StatusCode)
			require.Equal(t, c.code, ae.Code)
			require.Equal(t, "failed: "+c.name, ae.Message)
			require.Equal(t, fmt.Sprintf("trace-%d", c.status), ae.Trace)
			require.Contains(t, err.Error(), c.code)
			if c.sentinel != nil {
				require.ErrorIs(t, err, c.sentinel)
			}
			require.NotErrorIs(t, err, ErrUnauthorized)
			require.Equal(t, c.attempts, f.embedReqs.Load())
		})
	}
}

func TestBadResponses(t *testing.T) {
	for name, body := range map[string]string{
		"not json":    `<html>`,
		"too few":     `{"model_id":"m","results":[{"embedding":[1,2]}]}`,
		"empty vec":   `{"model_id":"m","results":[{"embedding":[]},{"embedding":[]}]}`,
		"wrong dim":   `{"model_id":"m","results":[{"embedding":[1,2]},{"embedding":[1,2]}]}`,
		"ragged dims": `{"model_id":"m","results":[{"embedding":[1,2,3]},{"embedding":[1,2]}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			f.fault = func(w http.ResponseWriter, _ *http.Request, _ int64) bool {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(body))
				return true
			}
			opt := WithDimension(3)
			if name == "wrong dim" {
				opt = WithDimension(768)
			}
			e := newTestEmbedder(t, f, WithModel("acme/custom"), opt)
			_, err := e.Embed(bg, inputs(2))
			require.ErrorIs(t, err, ErrBadResponse)
		})
	}
}

func TestDimensionLearned(t *testing.T) {
	f := newFake(t)
	f.dim = 5
	e := newTestEmbedder(t, f, WithModel("acme/custom"))
	require.Equal(t, 0, e.Dimension())
	vecs, err := e.Embed(bg, inputs(3))
	require.NoError(t, err)
	requireOrdered(t, vecs, 3, 5)
	require.Equal(t, 5, e.Dimension())
	f.dim = 6
	_, err = e.Embed(bg, inputs(1))
	require.ErrorIs(t, err, ErrBadResponse)
}

func TestCancel(t *testing.T) {
	f := newFake(t)
	f.delay = 300 * time.Millisecond
	e := newTestEmbedder(t, f, WithBatchSize(2))
	ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Embed(ctx, inputs(10))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 250*time.Millisecond, "returns promptly")

	ctx, cancel = context.WithCancel(bg)
	cancel()
	_, err = e.Embed(ctx, inputs(1))
	require.ErrorIs(t, err, context.Canceled)
}

func TestSecretsNeverShown(t *testing.T) {
	f := newFake(t)
	var seenToken string
	var mu sync.Mutex
	f.fault = func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		mu.Lock()
		seenToken = tok
		mu.Unlock()
		// A careless server echoing both secrets.
		writeWxErr(w, 400, "bad_"+f.apiKey, "key "+f.apiKey+" token "+tok)
		return true
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newTestEmbedder(t, f, WithClientOptions(apiclient.WithLogger(logger)))
	_, err := e.Embed(bg, inputs(1))
	require.Error(t, err)
	mu.Lock()
	tok := seenToken
	mu.Unlock()
	require.NotEmpty(t, tok)

	var ce *apiclient.Error
	require.ErrorAs(t, err, &ce)
	logger.Info("embedder", "e", e, "err", err)
	shown := []string{
		err.Error(), ce.Error(), fmt.Sprint(err), fmt.Sprintf("%+v", err),
		e.String(), fmt.Sprint(e), fmt.Sprintf("%v %+v %#v %s %q", e, e, e, e, e), logs.String(),
	}
	for _, s := range shown {
		require.NotContains(t, s, f.apiKey)
		require.NotContains(t, s, tok)
	}
	require.Contains(t, e.String(), "REDACTED")
	require.Contains(t, err.Error(), "REDACTED")
}
