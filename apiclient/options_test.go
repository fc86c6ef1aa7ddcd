package apiclient

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInvalidRequests(t *testing.T) {
	c := newTestClient(t)
	resp := c.Do(bg, nil)
	assert.ErrorIs(t, resp.Err, ErrInvalidRequest)
	req, _ := http.NewRequest(http.MethodGet, "ftp://example.com/x", nil)
	assert.ErrorIs(t, c.Do(bg, req).Err, ErrInvalidRequest)
	_, err := c.RoundTrip(nil)
	assert.ErrorIs(t, err, ErrInvalidRequest)
}

func TestOptionsValidation(t *testing.T) {
	tests := []struct {
		opt  Option
		name string
	}{
		{WithConcurrency(0), "WithConcurrency(0)"},
		{WithMaxAttempts(0), "WithMaxAttempts(0)"},
		{WithBackoff(0, time.Second), "WithBackoff(0s)"},
		{WithBackoff(time.Second, time.Millisecond), "WithBackoff(1ms)"},
		{WithMaxElapsed(-1), "WithMaxElapsed(-1ns)"},
		{WithMaxServerWait(0), "WithMaxServerWait(0s)"},
		{WithRequestLimit(0, time.Second), "WithRequestLimit(0)"},
		{WithRequestLimit(1, 0), "WithRequestLimit(0s)"},
		{WithTokenLimit(-5, time.Second), "WithTokenLimit(-5)"},
		{WithCostFunc(nil), "WithCostFunc(nil)"},
		{WithLimiter(nil), "WithLimiter(nil)"},
		{WithAttemptTimeout(-time.Second), "WithAttemptTimeout(-1s)"},
		{WithFirstByteTimeout(-time.Second), "WithFirstByteTimeout(-1s)"},
		{WithBreaker(0, time.Second), "WithBreaker(0)"},
		{WithBreaker(1, 0), "WithBreaker(0s)"},
		{WithRetryBudget(-1, 1), "WithRetryBudget(-1)"},
		{WithRetryBudget(0.1, -1), "WithRetryBudget(-1)"},
		{WithAdaptiveConcurrency(0, 5), "WithAdaptiveConcurrency(0)"},
		{WithAdaptiveConcurrency(5, 2), "WithAdaptiveConcurrency(2)"},
		{WithBaseTransport(nil), "WithBaseTransport(nil)"},
		{WithLogger(nil), "WithLogger(nil)"},
		{WithRedactHeaders(""), `WithRedactHeaders("")`},
	}
	for _, tt := range tests {
		_, err := New(tt.opt)
		require.Error(t, err, tt.name)
		assert.ErrorIs(t, err, ErrInvalidOption)
		assert.Contains(t, err.Error(), tt.name)
	}
	_, err := New(nil)
	assert.ErrorIs(t, err, ErrInvalidOption)
}

func TestConnectionReuse(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) { ok(w, "done") })
	c := newTestClient(t, WithConcurrency(8))
	reqs := make([]*http.Request, 200)
	for i := range reqs {
		reqs[i] = get(t, srv.URL)
	}
	for _, r := range c.Batch(bg, reqs) {
		require.NoError(t, r.Err)
	}
	// Reused, not redialled: about one connection per slot (a few more when
	// a connection is not yet back in the idle pool as the next attempt starts).
	assert.LessOrEqual(t, srv.conns.Load(), int64(16))
	assert.LessOrEqual(t, srv.maxInFlight.Load(), int64(8))
}
