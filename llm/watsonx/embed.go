package watsonx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"

	"github.com/kgas-dev/kgas/apiclient"
)

// Embedder embeds texts with a watsonx.ai embedding model. Create one with
// New; it is safe for concurrent use. Close it when done.
type Embedder struct {
	cfg       config
	client    *apiclient.Client
	ownClient bool
	endpoint  string // embeddings URL with the version query
	tokens    *tokenSource
	dim       atomic.Int64
}

// New returns an Embedder configured by opts and the environment (see the
// package documentation). Its error wraps ErrConfig and names the option or
// environment variable at fault, or wraps apiclient.ErrInvalidOption. New
// does not contact the service: the first Embed exchanges the API key.
func New(opts ...Option) (*Embedder, error) {
	cfg, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	e := &Embedder{cfg: cfg, client: cfg.client}
	if e.client == nil {
		e.client, err = apiclient.New(cfg.clientOpts...)
		if err != nil {
			return nil, fmt.Errorf("%w: WithClientOptions: %w", ErrConfig, err)
		}
		e.ownClient = true
	}
	e.endpoint = cfg.baseURL + "/ml/v1/text/embeddings?version=" + url.QueryEscape(cfg.version)
	e.tokens = &tokenSource{client: e.client, endpoint: cfg.iamURL + "/identity/token", apiKey: cfg.apiKey, now: cfg.now}
	e.dim.Store(int64(cfg.dim))
	return e, nil
}

// Model returns the model id.
func (e *Embedder) Model() string { return e.cfg.model }

// Dimension returns the vector length: WithDimension's, the model's known
// one (KnownDimension), or the one learned from the first response; 0 until
// then for an unknown model without WithDimension.
func (e *Embedder) Dimension() int { return int(e.dim.Load()) }

// Close releases the apiclient the Embedder created (not one given with
// WithClient).
func (e *Embedder) Close() {
	if e.ownClient {
		e.client.Close()
	}
}

// String describes the Embedder without its API key or token.
func (e *Embedder) String() string {
	scope := "project " + e.cfg.projectID
	if e.cfg.spaceID != "" {
		scope = "space " + e.cfg.spaceID
	}
	return fmt.Sprintf("watsonx.Embedder{url: %s, model: %s, %s, dimension: %d, apikey: REDACTED}",
		redactURL(e.cfg.baseURL), e.cfg.model, scope, e.Dimension())
}

// Format makes every fmt verb (%v, %+v, %#v, %s, ...) print String, so the
// API key held inside can never be printed.
func (e *Embedder) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, e.String()) }

// LogValue makes slog log String.
func (e *Embedder) LogValue() slog.Value { return slog.StringValue(e.String()) }

// embedRequest is the body of POST /ml/v1/text/embeddings.
type embedRequest struct {
	Inputs     []string     `json:"inputs"`
	ModelID    string       `json:"model_id"`
	ProjectID  string       `json:"project_id,omitempty"`
	SpaceID    string       `json:"space_id,omitempty"`
	Parameters *embedParams `json:"parameters,omitempty"`
}

type embedParams struct {
	TruncateInputTokens int `json:"truncate_input_tokens,omitempty"`
}

// embedResponse is the part of the embeddings response kgas reads.
type embedResponse struct {
	ModelID string `json:"model_id"`
	Results []struct {
		Embedding []float32 `json:"embedding"`
	} `json:"results"`
	InputTokenCount int `json:"input_token_count"`
}

// Embed returns one vector per text, in order. Texts beyond the batch size
// are split into several requests sent concurrently and rejoined in order.
// Any failed request fails the whole call (no vectors): the error is an
// *APIError naming the inputs of the failed request, or ctx's error.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return [][]float32{}, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := e.cfg.batchSize
	chunks := (len(texts) + n - 1) / n
	bodies := make([][]byte, chunks)
	for i := range bodies {
		req := embedRequest{
			Inputs:    texts[i*n : min((i+1)*n, len(texts))],
			ModelID:   e.cfg.model,
			ProjectID: e.cfg.projectID,
			SpaceID:   e.cfg.spaceID,
		}
		if e.cfg.truncate > 0 {
			req.Parameters = &embedParams{TruncateInputTokens: e.cfg.truncate}
		}
		b, err := json.Marshal(req)
		if err != nil {
			return nil, fmt.Errorf("watsonx: encoding the request: %w", err)
		}
		bodies[i] = b
	}

	tok, err := e.tokens.token(ctx, "")
	if err != nil {
		return nil, err
	}
	all := make([]int, chunks)
	for i := range all {
		all[i] = i
	}
	resps := e.send(ctx, tok, bodies, all)
	var unauthorized []int
	for i, r := range resps {
		if r.Code == http.StatusUnauthorized {
			unauthorized = append(unauthorized, i)
		}
	}
	if len(unauthorized) > 0 {
		// One refresh shared by every rejected chunk, then one retry each.
		fresh, err := e.tokens.token(ctx, tok)
		if err != nil {
			return nil, err
		}
		for k, r := range e.send(ctx, fresh, bodies, unauthorized) {
			resps[unauthorized[k]] = r
		}
		tok = fresh
	}

	out := make([][]float32, len(texts))
	for i, r := range resps {
		lo, hi := i*n, min((i+1)*n, len(texts))
		if r.Err != nil {
			err := newAPIError(OpEmbed, r, scrubber{e.cfg.apiKey, tok})
			if len(resps) == 1 {
				return nil, err
			}
			return nil, fmt.Errorf("watsonx: inputs %d to %d of %d: %w", lo, hi-1, len(texts), err)
		}
		if err := e.decode(r.Body, out[lo:hi]); err != nil {
			return nil, fmt.Errorf("watsonx: inputs %d to %d of %d: %w", lo, hi-1, len(texts), err)
		}
	}
	return out, nil
}

// send posts bodies[idx[k]] for each k with the token, through the
// apiclient, and returns the responses in the order of idx.
func (e *Embedder) send(ctx context.Context, tok string, bodies [][]byte, idx []int) []*apiclient.Response {
	reqs := make([]*http.Request, len(idx))
	for k, i := range idx {
		req, err := http.NewRequest(http.MethodPost, e.endpoint, bytes.NewReader(bodies[i]))
		if err != nil {
			// The endpoint was validated by New; a nil request gets an
			// ErrInvalidRequest response from Batch.
			continue
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		reqs[k] = req
	}
	if len(reqs) == 1 && reqs[0] != nil {
		return []*apiclient.Response{e.client.Do(ctx, reqs[0])}
	}
	return e.client.Batch(ctx, reqs)
}

// decode reads a response body into dst, checking the count and the
// dimension (learning it when unknown).
func (e *Embedder) decode(body []byte, dst [][]float32) error {
	var er embedResponse
	if err := json.Unmarshal(body, &er); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadResponse, OpEmbed, err)
	}
	if len(er.Results) != len(dst) {
		return fmt.Errorf("%w: %s: %d embeddings for %d inputs", ErrBadResponse, OpEmbed, len(er.Results), len(dst))
	}
	for i, res := range er.Results {
		d := int64(len(res.Embedding))
		if d == 0 {
			return fmt.Errorf("%w: %s: empty embedding", ErrBadResponse, OpEmbed)
		}
		if want := e.dim.Load(); want != d {
			if want != 0 || !e.dim.CompareAndSwap(0, d) {
				if want = e.dim.Load(); want != d {
					return fmt.Errorf("%w: %s: embedding of dimension %d, want %d (see WithDimension)", ErrBadResponse, OpEmbed, d, want)
				}
			}
		}
		dst[i] = res.Embedding
	}
	return nil
}

// TokenExchanges returns how many IAM token exchanges the Embedder has
// made (for monitoring: about one per token lifetime is expected).
func (e *Embedder) TokenExchanges() int64 { return e.tokens.exchanges.Load() }
