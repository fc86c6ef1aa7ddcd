package astra

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/kgas-dev/kgas/apiclient"
)

// userAgent identifies the client to the server.
const userAgent = "kgas-astra/1"

// serverRetries is how many times a safe request answered with a
// SERVER-family "safe to retry" error is re-sent, and serverRetryBase the
// first backoff (doubled each time).
const (
	serverRetries   = 2
	serverRetryBase = 100 * time.Millisecond
)

// Client talks to one Data API endpoint and keyspace. It is safe for
// concurrent use. Create one with New.
type Client struct {
	api      *apiclient.Client
	ownsAPI  bool
	base     string // endpoint + API path
	token    string // never printed
	keyspace string
	log      *slog.Logger
	enc      encoder
	cfg      config
}

// New returns a Client configured by opts, then by the environment
// (ASTRA_DB_API_ENDPOINT, ASTRA_DB_APPLICATION_TOKEN, ASTRA_DB_KEYSPACE)
// for settings no option gave, then by the defaults. It fails with an
// *InvalidInputError naming "endpoint" when no endpoint is set.
func New(opts ...Option) (*Client, error) {
	var cfg config
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	c := &Client{api: cfg.api, base: base, token: cfg.token, keyspace: cfg.keyspace, log: cfg.log,
		enc: encoder{numericVectors: cfg.numericVectors}, cfg: cfg}
	c.cfg.token = "" // keep a single copy of the secret
	if c.api == nil {
		ac, err := apiclient.New(append([]apiclient.Option{apiclient.WithRedactHeaders("Token", "X-Cassandra-Token")}, cfg.apiOpts...)...)
		if err != nil {
			return nil, fmt.Errorf("astra: %w", err)
		}
		c.api, c.ownsAPI = ac, true
	}
	return c, nil
}

// String describes the client without its token.
func (c *Client) String() string {
	tok := "none"
	if c.token != "" {
		tok = "REDACTED"
	}
	return fmt.Sprintf("astra.Client{url: %s, keyspace: %s, token: %s}", c.base, c.keyspace, tok)
}

// GoString is String, so that %#v cannot print the token either.
func (c *Client) GoString() string { return c.String() }

// Keyspace returns the keyspace the client works in.
func (c *Client) Keyspace() string { return c.keyspace }

// BaseURL returns the URL commands are sent under, without the keyspace,
// e.g. "https://db-region.apps.astra.datastax.com/api/json/v1".
func (c *Client) BaseURL() string { return c.base }

// APIClient returns the apiclient.Client every request goes through (for
// Stats and sharing).
func (c *Client) APIClient() *apiclient.Client { return c.api }

// Close releases idle connections of the client's own apiclient.Client;
// a shared one (WithAPIClient) is left alone.
func (c *Client) Close() {
	if c.ownsAPI {
		c.api.Close()
	}
}

// send posts {"<command>": payload} to the keyspace (collection == "") or
// to a collection, and decodes the answer. safe says whether the request
// may be re-sent (see the package documentation). A non-nil response comes
// back with an *APIError when the answer carries errors, so partial
// results are kept; HTTP and transport failures give a nil response and an
// error wrapping the *apiclient.Error.
func (c *Client) send(ctx context.Context, collection, command string, payload any, safe bool) (*response, error) {
	body, err := c.enc.marshal(map[string]any{command: payload})
	if err != nil {
		return nil, &InvalidInputError{Field: command, Reason: "cannot encode as JSON: " + err.Error()}
	}
	url := c.base + "/" + c.keyspace
	if collection != "" {
		url += "/" + collection
	}
	if !safe {
		ctx = apiclient.WithoutRetry(ctx)
	}
	for try := 0; ; try++ {
		r, err := c.post(ctx, url, command, body)
		var ae *APIError
		if !safe || try >= serverRetries || !errors.As(err, &ae) || !ae.safeToRetry() {
			return r, err
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "astra: retrying after a server error marked safe to retry",
			slog.String("command", command), slog.String("code", ae.ErrorCode), slog.Int("attempt", try+1))
		t := time.NewTimer(serverRetryBase << try)
		select {
		case <-ctx.Done():
			t.Stop()
			return r, err
		case <-t.C:
		}
	}
}

// post sends one request through the apiclient.
func (c *Client) post(ctx context.Context, url, command string, body []byte) (*response, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, &InvalidInputError{Field: "collection", Reason: "cannot build the URL: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if c.token != "" {
		req.Header.Set("Token", c.token)
	}
	res := c.api.Do(ctx, req)
	if res.Err != nil {
		if res.Code >= 400 {
			// A 401 (and some gateways' answers) carries the errors array.
			if r, derr := decodeResponse(command, res.Body); derr == nil && len(r.Errors) > 0 {
				r.attempts = res.Attempts
				ae := newAPIError(command, res.Code, r.Errors, res.Err)
				ae.Attempts = res.Attempts
				return r, ae
			}
		}
		return nil, fmt.Errorf("astra: %s: %w", command, res.Err)
	}
	r, err := decodeResponse(command, res.Body)
	if err != nil {
		return nil, err
	}
	r.attempts = res.Attempts
	for _, w := range r.Status.Warnings {
		c.log.LogAttrs(ctx, slog.LevelWarn, "astra: warning from the Data API",
			slog.String("command", command), slog.String("code", w.ErrorCode), slog.String("message", w.Message))
	}
	if ae := newAPIError(command, res.Code, r.Errors, nil); ae != nil {
		ae.Attempts = res.Attempts
		return r, ae
	}
	return r, nil
}
