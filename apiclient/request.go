package apiclient

import "context"

// noRetryKey marks a context whose requests must not be re-sent.
type noRetryKey struct{}

// WithoutRetry returns a context under which Do, Batch and RoundTrip send
// each request at most once, whatever WithMaxAttempts says: a request that
// may already have been applied by the server (a non-idempotent write) is
// never re-sent blindly. Everything else still applies: admission, pacing,
// the concurrency bound, the breaker, timeouts and classification; the
// error of a failed request is the same *Error it would be on the last of
// several attempts. A nil ctx is treated as context.Background().
func WithoutRetry(ctx context.Context) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, noRetryKey{}, true)
}

// RetryDisabled reports whether ctx was marked with WithoutRetry.
func RetryDisabled(ctx context.Context) bool {
	if ctx == nil {
		return false
	}
	v, _ := ctx.Value(noRetryKey{}).(bool)
	return v
}
