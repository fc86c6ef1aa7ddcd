package astratest_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra/astratest"
)

func TestLatencyDoesNotSerialize(t *testing.T) {
	const n, latency = 8, 100 * time.Millisecond
	h := start(t, astratest.WithLatency(latency), astratest.WithJitter(time.Millisecond))
	require.NoError(t, h.srv.Load(ks, "c", []map[string]any{{"_id": 1}}))
	h.srv.ResetStats()
	var wg sync.WaitGroup
	begin := time.Now()
	for range n {
		wg.Go(func() {
			// Writes take the collection's write lock: latency must not.
			env := h.ok(ks+"/c", `{"updateOne":{"filter":{"_id":1},"update":{"$inc":{"n":1}}}}`)
			assert.NotNil(t, env["status"])
		})
	}
	wg.Wait()
	assert.GreaterOrEqual(t, time.Since(begin), latency)
	st := h.srv.Stats()
	assert.Equal(t, int64(n), st.MaxInFlight, "all requests wait out their latency at the same time")
	assert.Equal(t, int64(n), st.Commands["updateOne"])
	assert.Equal(t, int64(n), st.Updated)
	assert.Equal(t, int64(0), st.InFlight)
}

func TestFaultKinds(t *testing.T) {
	for _, tc := range []struct {
		kind   astratest.FaultKind
		status int
		code   string
	}{
		{astratest.FaultServerError, 500, "UNEXPECTED_SERVER_ERROR"},
		{astratest.FaultBadGateway, 502, ""},
		{astratest.FaultUnavailable, 503, ""},
		{astratest.FaultGatewayTimeout, 504, ""},
		{astratest.FaultRateLimited, 429, ""},
		{astratest.FaultTimeoutError, 200, "TIMEOUT_READING_DATA"},
		{astratest.FaultUnavailableError, 200, "UNAVAILABLE_DATABASE"},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			h := start(t, astratest.WithFaults(astratest.FaultRule{Kind: tc.kind, From: 2, To: 2, RetryAfter: 1500 * time.Millisecond}))
			h.ok(ks, `{"createCollection":{"name":"c"}}`) // request 1
			status, b := h.raw("/v1/"+ks+"/c", `{"find":{}}`, nil)
			require.Equal(t, tc.status, status, string(b))
			if tc.code != "" {
				env := decode(t, b)
				assert.Equal(t, []string{tc.code}, codesOf(env))
				e := env["errors"].([]any)[0].(map[string]any)
				assert.Equal(t, "SERVER", e["family"])
			}
			if tc.kind == astratest.FaultTimeoutError {
				assert.Contains(t, string(b), "It is safe to retry this request.")
			}
			if tc.kind == astratest.FaultBadGateway {
				assert.Contains(t, string(b), "<html>")
			}
			status, _ = h.raw("/v1/"+ks+"/c", `{"find":{}}`, nil) // request 3: healthy
			assert.Equal(t, 200, status)
			assert.Equal(t, int64(1), h.srv.Stats().Faults[tc.kind])
		})
	}
}

func TestFaultRetryAfterAndWriteTimeout(t *testing.T) {
	h := start(t, astratest.WithFaults(
		astratest.FaultRule{Kind: astratest.FaultRateLimited, Commands: []string{"find"}, RetryAfter: 1500 * time.Millisecond},
		astratest.FaultRule{Kind: astratest.FaultTimeoutError, Commands: []string{"insertOne"}, AfterApply: true},
	))
	h.ok(ks, `{"createCollection":{"name":"c"}}`)
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL()+"/v1/"+ks+"/c", strings.NewReader(`{"find":{}}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"))

	// The write is applied, but the response is a write timeout that does
	// not claim a retry is safe.
	env := h.post(ks+"/c", `{"insertOne":{"document":{"_id":"w"}}}`)
	assert.Equal(t, []string{"TIMEOUT_WRITING_DATA"}, codesOf(env))
	assert.NotContains(t, env["errors"].([]any)[0].(map[string]any)["message"], "safe to retry")
	got, err := h.srv.Documents(ks, "c")
	require.NoError(t, err)
	assert.Len(t, got, 1)
}

func TestFaultResetAndSlow(t *testing.T) {
	h := start(t, astratest.WithFaults(
		astratest.FaultRule{Kind: astratest.FaultReset, From: 1, To: 1},
		astratest.FaultRule{Kind: astratest.FaultSlow, From: 2, To: 2, Delay: 60 * time.Millisecond},
	))
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL()+"/v1/"+ks, strings.NewReader(`{"findCollections":{}}`))
	req.Header.Set("Content-Type", "application/json")
	_, err := h.c.Do(req)
	require.Error(t, err, "a reset gives no response")
	begin := time.Now()
	h.ok(ks, `{"findCollections":{}}`)
	assert.GreaterOrEqual(t, time.Since(begin), 60*time.Millisecond)
	st := h.srv.Stats()
	assert.Equal(t, int64(1), st.Faults[astratest.FaultReset])
	assert.Equal(t, int64(1), st.Faults[astratest.FaultSlow])
}

func TestFaultProbabilityAndEvery(t *testing.T) {
	count := func(rule astratest.FaultRule, n int) int {
		h := start(t, astratest.WithSeed(7), astratest.WithFaults(rule))
		failed := 0
		for range n {
			if status, _ := h.raw("/v1/"+ks, `{"findCollections":{}}`, nil); status != 200 {
				failed++
			}
		}
		return failed
	}
	p := count(astratest.FaultRule{Kind: astratest.FaultServerError, Probability: 0.3}, 200)
	assert.InDelta(t, 60, p, 25)
	assert.Equal(t, p, count(astratest.FaultRule{Kind: astratest.FaultServerError, Probability: 0.3}, 200), "seeded")
	assert.Equal(t, 10, count(astratest.FaultRule{Kind: astratest.FaultServerError, Every: 3}, 30))
}

func TestOptionValidation(t *testing.T) {
	for _, opts := range [][]astratest.Option{
		{astratest.WithAddr("0.0.0.0:0")},
		{astratest.WithAddr("nonsense")},
		{astratest.WithLatency(-time.Second)},
		{astratest.WithKeyspaces("1bad")},
		{astratest.WithFaults(astratest.FaultRule{Kind: "meteor"})},
		{astratest.WithFaults(astratest.FaultRule{Kind: astratest.FaultReset, Probability: 2})},
	} {
		srv, err := astratest.NewServer(opts...)
		if !assert.Error(t, err) {
			srv.Close()
		}
	}
	srv, err := astratest.NewServer(astratest.WithAddr("localhost:0"), nil)
	require.NoError(t, err)
	require.NoError(t, srv.Close())
	require.NoError(t, srv.Close())
	d := astratest.DefaultLimits()
	assert.Equal(t, astratest.Limits{PageSize: 20, MaxInsertMany: 100, MaxUpdateMany: 20, MaxDeleteMany: 20, MaxCount: 1000,
		MaxInValues: 100, MaxFilterExpressions: 64, MaxVectorSortLimit: 1000, MaxSortDocuments: 10000,
		MaxDocumentSize: 4_000_000, MaxDepth: 16, MaxPathLength: 1000, MaxObjectProperties: 1000,
		MaxDocumentProperties: 2000, MaxStringBytes: 8000, MaxNumberLength: 100, MaxArrayLength: 1000,
		MaxVectorDimension: 4096, MaxCollections: 5, MaxBodyBytes: 20 << 20}, d)
}

func TestCloseWakesLatency(t *testing.T) {
	srv, err := astratest.NewServer(astratest.WithLatency(time.Hour))
	require.NoError(t, err)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	done := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Transport: tr}).Post(srv.URL()+"/v1/"+ks, "application/json", strings.NewReader(`{"findCollections":{}}`))
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	require.Eventually(t, func() bool { return srv.Stats().InFlight == 1 }, 5*time.Second, time.Millisecond)
	begin := time.Now()
	require.NoError(t, srv.Close())
	assert.Less(t, time.Since(begin), 5*time.Second)
	assert.Error(t, <-done)
}
