package openai

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/llm"
)

// Client is an OpenAI-compatible chat model and embedder. It implements
// llm.ChatModel and llm.Embedder and is safe for concurrent use. Create one
// with New.
type Client struct {
	oc       *goopenai.Client
	api      *apiclient.Client
	ownsAPI  bool
	baseURL  string
	org      string
	key      string // for scrubbing server messages; never printed
	keySet   bool
	azure    bool
	chat     string
	embed    string
	dims     int // requested dimensions, 0 for the model's own
	knownDim int // dimension known before any response, 0 if unknown
	learned  atomic.Int64
	maxBatch int
	maxTok   int
}

// Compile-time checks.
var (
	_ llm.ChatModel = (*Client)(nil)
	_ llm.Embedder  = (*Client)(nil)
)

// New returns a Client configured by opts, then by the environment
// (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_CHAT_MODEL,
// OPENAI_EMBEDDING_MODEL, OPENAI_EMBEDDING_DIMENSIONS) for settings no
// option gave, then by the defaults. It fails when no API key is set and
// the base URL is DefaultBaseURL; the error names OPENAI_API_KEY.
//
// Every request goes through an apiclient.Client (pacing, retries,
// breaker, sticky quota errors, timeouts), with llm.CostFunc as its cost
// function unless WithAPIClient gives one.
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
	if err := cfg.resolve(); err != nil {
		return nil, err
	}
	c := &Client{
		api: cfg.api, baseURL: cfg.baseURL, org: cfg.org, key: cfg.apiKey, keySet: cfg.apiKey != "",
		azure: cfg.azureVersion != "", chat: cfg.chatModel, embed: cfg.embeddingModel,
		dims: cfg.dims, maxBatch: cfg.maxBatch, maxTok: cfg.maxTokens,
	}
	c.knownDim = cfg.dims
	if c.knownDim == 0 {
		c.knownDim = nativeDimension(cfg.embeddingModel)
	}
	if c.api == nil {
		ac, err := apiclient.New(append([]apiclient.Option{apiclient.WithCostFunc(llm.CostFunc())}, cfg.apiOpts...)...)
		if err != nil {
			return nil, fmt.Errorf("openai: %w", err)
		}
		c.api, c.ownsAPI = ac, true
	}
	var oc goopenai.ClientConfig
	if c.azure {
		oc = goopenai.DefaultAzureConfig(cfg.apiKey, cfg.baseURL)
		oc.APIVersion = cfg.azureVersion
	} else {
		oc = goopenai.DefaultConfig(cfg.apiKey)
		oc.BaseURL = cfg.baseURL
	}
	oc.OrgID = cfg.org
	oc.HTTPClient = &doer{api: c.api}
	c.oc = goopenai.NewClientWithConfig(oc)
	return c, nil
}

// nativeDimension is the vector size of well-known embedding models, 0 for
// others.
func nativeDimension(model string) int {
	switch model {
	case "text-embedding-3-small", "text-embedding-ada-002":
		return 1536
	case "text-embedding-3-large":
		return 3072
	}
	return 0
}

// Model returns the embedding model name (llm.Embedder).
func (c *Client) Model() string { return c.embed }

// ChatModelName returns the default chat model name.
func (c *Client) ChatModelName() string { return c.chat }

// APIClient returns the apiclient.Client the Client sends through, for its
// Stats.
func (c *Client) APIClient() *apiclient.Client { return c.api }

// Close closes idle connections of the Client's own apiclient.Client (not
// one given by WithAPIClient). Requests in flight are not affected.
func (c *Client) Close() error {
	if c.ownsAPI {
		c.api.Close()
	}
	return nil
}

// String describes the client without its API key.
func (c *Client) String() string {
	key := "unset"
	if c.keySet {
		key = "set"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "openai.Client{base_url=%s chat_model=%s embedding_model=%s", redactURL(c.baseURL), c.chat, c.embed)
	if c.dims > 0 {
		fmt.Fprintf(&b, " dimensions=%d", c.dims)
	}
	if c.org != "" {
		b.WriteString(" organization=set")
	}
	if c.azure {
		b.WriteString(" azure")
	}
	fmt.Fprintf(&b, " api_key=%s}", key)
	return b.String()
}

// GoString is String, so that %#v cannot print the key either.
func (c *Client) GoString() string { return c.String() }

// doer is go-openai's HTTP client. Ordinary requests go through
// apiclient.Client.Do, which reads the whole body inside each attempt, so a
// reset or truncation mid-body is retried, and which turns every failed
// request (HTTP error, 2xx with an error body, client-side failure) into an
// *apiclient.Error. Streaming requests go through RoundTrip, which returns
// once the headers are in; an error response there is turned into an
// *apiclient.Error classified by apiclient.Classify. Either way go-openai
// returns the *apiclient.Error unwrapped.
type doer struct{ api *apiclient.Client }

// maxErrorBody bounds the error body read on the streaming path.
const maxErrorBody = 1 << 20

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	if strings.Contains(req.Header.Get("Accept"), "text/event-stream") {
		resp, err := d.api.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 400 {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
			resp.Body.Close()
			return nil, newAPIError(resp.StatusCode, resp.Header, body)
		}
		return resp, nil
	}
	r := d.api.Do(req.Context(), req)
	if r.Err != nil {
		return nil, r.Err
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", r.Code, http.StatusText(r.Code)),
		StatusCode:    r.Code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        r.Header,
		Body:          io.NopCloser(bytes.NewReader(r.Body)),
		ContentLength: int64(len(r.Body)),
		Request:       req,
	}, nil
}
