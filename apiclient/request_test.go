package apiclient

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWithoutRetry(t *testing.T) {
	tests := []struct {
		name     string
		noRetry  bool
		handle   func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64)
		status   Status
		code     int
		attempts int
	}{
		{
			name:    "503 is retried by default",
			noRetry: false,
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				if n == 1 {
					writeErr(w, 503, "server_error", "")
					return
				}
				ok(w, "done")
			},
			status: StatusSuccess, code: 200, attempts: 2,
		},
		{
			name:    "503 is not retried without retry",
			noRetry: true,
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				if n == 1 {
					writeErr(w, 503, "server_error", "")
					return
				}
				ok(w, "done")
			},
			status: StatusError, code: 503, attempts: 1,
		},
		{
			name:    "reset is not retried without retry",
			noRetry: true,
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				if n == 1 {
					reset(t, w)
					return
				}
				ok(w, "done")
			},
			status: StatusError, code: 0, attempts: 1,
		},
		{
			name:    "success is unaffected",
			noRetry: true,
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request, n int64) {
				ok(w, "done")
			},
			status: StatusSuccess, code: 200, attempts: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int64) { tc.handle(t, w, r, n) })
			c := newTestClient(t)
			ctx := bg
			if tc.noRetry {
				ctx = WithoutRetry(ctx)
			}
			resp := c.Do(ctx, get(t, s.URL))
			assert.Equal(t, tc.status, resp.Status)
			assert.Equal(t, tc.code, resp.Code)
			assert.Equal(t, tc.attempts, resp.Attempts)
			assert.Equal(t, int64(tc.attempts), s.attempts.Load())
			if tc.status != StatusSuccess {
				var e *Error
				require.True(t, errors.As(resp.Err, &e))
				assert.Equal(t, 1, e.Attempts)
			}
		})
	}
}

func TestRetryDisabled(t *testing.T) {
	assert.False(t, RetryDisabled(context.Background()))
	//lint:ignore SA1012 a nil context is documented to work
	assert.False(t, RetryDisabled(nil))
	assert.True(t, RetryDisabled(WithoutRetry(context.Background())))
	//lint:ignore SA1012 a nil context is documented to work
	assert.True(t, RetryDisabled(WithoutRetry(nil)))
	ctx, cancel := context.WithCancel(WithoutRetry(context.Background()))
	defer cancel()
	assert.True(t, RetryDisabled(ctx), "derived contexts keep the mark")
}
