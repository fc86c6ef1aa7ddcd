package watsonx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kgas-dev/kgas/apiclient"
)

const (
	// refreshMargin is the least time before expiry at which a token is
	// refreshed (for lifetimes over it).
	refreshMargin = 60 * time.Second
	// fallbackTTL is assumed when IAM gives neither expires_in nor expiration.
	fallbackTTL = 10 * time.Minute
	// staleGrace: a token this close to expiry is not used as a fallback
	// when a refresh fails.
	staleGrace = 5 * time.Second
)

// tokenSource exchanges the API key for bearer tokens and caches them.
type tokenSource struct {
	client   *apiclient.Client
	endpoint string
	apiKey   string
	now      func() time.Time

	mu        sync.Mutex
	tok       string
	refreshAt time.Time
	expiry    time.Time
	call      *tokenCall // the exchange in flight, nil if none

	exchanges atomic.Int64
}

// tokenCall is one token exchange that several callers wait for.
type tokenCall struct {
	done chan struct{}
	tok  string
	err  error
}

// iamToken is the part of IAM's token response kgas reads.
type iamToken struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	Expiration  int64  `json:"expiration"`
}

// token returns a valid bearer token. stale, if not empty, is a token the
// server rejected: it is never returned, and a fresh one is fetched unless
// another caller already replaced it. Concurrent callers share one
// exchange; a caller whose context ends stops waiting.
func (ts *tokenSource) token(ctx context.Context, stale string) (string, error) {
	for {
		ts.mu.Lock()
		if ts.tok != "" && ts.tok != stale && ts.now().Before(ts.refreshAt) {
			tok := ts.tok
			ts.mu.Unlock()
			return tok, nil
		}
		c := ts.call
		if c == nil {
			c = &tokenCall{done: make(chan struct{})}
			ts.call = c
			ts.mu.Unlock()
			ts.exchange(ctx, c, stale)
			return c.tok, c.err
		}
		ts.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		if c.err == nil && c.tok != stale {
			return c.tok, nil
		}
		if c.err != nil && !isContextErr(c.err) {
			return "", c.err
		}
		// The leader's context ended, or it fell back to the token this
		// caller saw rejected: try again, possibly as the leader.
		if err := ctx.Err(); err != nil {
			return "", err
		}
	}
}

// exchange runs call c and publishes its outcome.
func (ts *tokenSource) exchange(ctx context.Context, c *tokenCall, stale string) {
	tok, refreshAt, expiry, err := ts.fetch(ctx)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	switch {
	case err == nil:
		ts.tok, ts.refreshAt, ts.expiry = tok, refreshAt, expiry
		c.tok = tok
	case ts.tok != "" && ts.tok != stale && ts.now().Before(ts.expiry.Add(-staleGrace)):
		// The refresh failed but the current token is still good.
		c.tok = ts.tok
	default:
		c.err = err
	}
	ts.call = nil
	close(c.done)
}

// fetch performs one IAM exchange.
func (ts *tokenSource) fetch(ctx context.Context) (tok string, refreshAt, expiry time.Time, err error) {
	ts.exchanges.Add(1)
	form := url.Values{"grant_type": {"urn:ibm:params:oauth:grant-type:apikey"}, "apikey": {ts.apiKey}}
	req, err := http.NewRequest(http.MethodPost, ts.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", time.Time{}, time.Time{}, fmt.Errorf("%w: IAM URL: %v", ErrConfig, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	start := ts.now()
	resp := ts.client.Do(ctx, req)
	if resp.Err != nil {
		return "", time.Time{}, time.Time{}, newAPIError(OpToken, resp, scrubber{ts.apiKey})
	}
	var it iamToken
	if err := json.Unmarshal(resp.Body, &it); err != nil {
		return "", time.Time{}, time.Time{}, fmt.Errorf("%w: %s: status %d: body is not a token JSON object", ErrBadResponse, OpToken, resp.Code)
	}
	if it.AccessToken == "" {
		return "", time.Time{}, time.Time{}, fmt.Errorf("%w: %s: no access_token in the response", ErrBadResponse, OpToken)
	}
	ttl := time.Duration(it.ExpiresIn) * time.Second
	if ttl <= 0 && it.Expiration > 0 {
		ttl = time.Unix(it.Expiration, 0).Sub(start)
	}
	if ttl <= 0 {
		ttl = fallbackTTL
	}
	return it.AccessToken, start.Add(ttl - margin(ttl)), start.Add(ttl), nil
}

// margin is how long before expiry a token of lifetime ttl is refreshed:
// at 90% of the lifetime, or 60 s before expiry if that is earlier, for
// lifetimes over 60 s; at 90% for shorter ones.
func margin(ttl time.Duration) time.Duration {
	m := max(refreshMargin, ttl/10)
	if m >= ttl {
		m = ttl / 10
	}
	return m
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
