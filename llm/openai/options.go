package openai

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/kgas-dev/kgas/apiclient"
)

// Defaults applied by New.
const (
	// DefaultBaseURL is OpenAI's API.
	DefaultBaseURL = "https://api.openai.com/v1"
	// DefaultChatModel is the chat model when neither WithChatModel nor
	// OPENAI_CHAT_MODEL names one.
	DefaultChatModel = "gpt-4o-mini"
	// DefaultEmbeddingModel is the embedding model when neither
	// WithEmbeddingModel nor OPENAI_EMBEDDING_MODEL names one.
	DefaultEmbeddingModel = "text-embedding-3-small"
	// DefaultMaxEmbedBatch is the API's limit on inputs per embeddings
	// request.
	DefaultMaxEmbedBatch = 2048
	// DefaultMaxEmbedTokens bounds the estimated tokens (ceil(bytes/4) per
	// text) of one embeddings request, below the API's 300 000 per request
	// to leave room for the estimate's error.
	DefaultMaxEmbedTokens = 250_000
)

// Environment variables read by New for settings no option gave (unless
// WithoutEnvironment).
const (
	// EnvAPIKey holds the API key.
	EnvAPIKey = "OPENAI_API_KEY"
	// EnvBaseURL holds the API base URL (for OpenAI-compatible servers).
	EnvBaseURL = "OPENAI_BASE_URL"
	// EnvOrgID holds the organization id (sent as OpenAI-Organization).
	EnvOrgID = "OPENAI_ORG_ID"
	// EnvChatModel holds the default chat model.
	EnvChatModel = "OPENAI_CHAT_MODEL"
	// EnvEmbeddingModel holds the embedding model.
	EnvEmbeddingModel = "OPENAI_EMBEDDING_MODEL"
	// EnvEmbeddingDimensions holds the requested embedding dimensions.
	EnvEmbeddingDimensions = "OPENAI_EMBEDDING_DIMENSIONS"
)

// Option configures a Client. Options are applied in order by New, which
// returns the first invalid option's error.
type Option func(*config) error

type config struct {
	apiKey, baseURL, org      string
	chatModel, embeddingModel string
	dims                      int
	maxBatch, maxTokens       int
	api                       *apiclient.Client
	apiOpts                   []apiclient.Option
	noEnv                     bool
	azureVersion              string
}

// WithAPIKey sets the API key (default: OPENAI_API_KEY). It is sent as a
// bearer token and never appears in errors, logs or String output.
func WithAPIKey(key string) Option {
	return func(c *config) error { c.apiKey = key; return nil }
}

// WithBaseURL sets the API base URL, e.g. "http://localhost:8000/v1" for
// vLLM (default: OPENAI_BASE_URL, else DefaultBaseURL). With a base URL
// other than DefaultBaseURL no API key is required.
func WithBaseURL(u string) Option {
	return func(c *config) error { c.baseURL = strings.TrimRight(u, "/"); return nil }
}

// WithOrganization sets the OpenAI-Organization header (default:
// OPENAI_ORG_ID, else none).
func WithOrganization(org string) Option {
	return func(c *config) error { c.org = org; return nil }
}

// WithChatModel sets the default chat model (default: OPENAI_CHAT_MODEL,
// else DefaultChatModel). ChatRequest.Model overrides it per request.
func WithChatModel(model string) Option {
	return func(c *config) error { c.chatModel = model; return nil }
}

// WithEmbeddingModel sets the embedding model (default:
// OPENAI_EMBEDDING_MODEL, else DefaultEmbeddingModel).
func WithEmbeddingModel(model string) Option {
	return func(c *config) error { c.embeddingModel = model; return nil }
}

// WithEmbeddingDimensions asks for vectors of n dimensions (the API's
// dimensions parameter, text-embedding-3 and later; default:
// OPENAI_EMBEDDING_DIMENSIONS, else the model's native size).
func WithEmbeddingDimensions(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("openai: WithEmbeddingDimensions(%d): must be ≥ 1", n)
		}
		c.dims = n
		return nil
	}
}

// WithMaxEmbedBatch sets the most texts per embeddings request (default
// DefaultMaxEmbedBatch, the API's limit). Larger Embed calls are split into
// several requests sent concurrently and rejoined in order.
func WithMaxEmbedBatch(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("openai: WithMaxEmbedBatch(%d): must be ≥ 1", n)
		}
		c.maxBatch = n
		return nil
	}
}

// WithMaxEmbedTokens bounds the estimated tokens per embeddings request
// (default DefaultMaxEmbedTokens); a request closes before the text that
// would cross it. A single text is never split.
func WithMaxEmbedTokens(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("openai: WithMaxEmbedTokens(%d): must be ≥ 1", n)
		}
		c.maxTokens = n
		return nil
	}
}

// WithAPIClient sends every request through ac, for sharing one rate
// limit, breaker and quota state between clients (default: a new
// apiclient.Client with llm.CostFunc as its cost function). Give ac
// apiclient.WithCostFunc(llm.CostFunc()) so that token pacing is exact.
// The Client does not close a shared ac. It overrides WithAPIClientOptions.
func WithAPIClient(ac *apiclient.Client) Option {
	return func(c *config) error {
		if ac == nil {
			return fmt.Errorf("openai: WithAPIClient(nil)")
		}
		c.api = ac
		return nil
	}
}

// WithAPIClientOptions configures the Client's own apiclient.Client
// (pacing, concurrency, retries, timeouts, hooks, logger). They are applied
// after the default cost function, which they may replace.
func WithAPIClientOptions(opts ...apiclient.Option) Option {
	return func(c *config) error { c.apiOpts = append(c.apiOpts, opts...); return nil }
}

// WithAzure talks to an Azure OpenAI resource at the base URL: the key is
// sent as api-key, models name deployments, and apiVersion (for instance
// "2024-10-21") is sent as api-version.
func WithAzure(apiVersion string) Option {
	return func(c *config) error {
		if apiVersion == "" {
			return fmt.Errorf("openai: WithAzure: empty API version")
		}
		c.azureVersion = apiVersion
		return nil
	}
}

// WithoutEnvironment makes New ignore the environment variables.
func WithoutEnvironment() Option {
	return func(c *config) error { c.noEnv = true; return nil }
}

// resolve fills settings no option gave from the environment and the
// defaults, and checks them.
func (c *config) resolve() error {
	env := func(name string, dst *string) {
		if *dst == "" && !c.noEnv {
			*dst = strings.TrimSpace(os.Getenv(name))
		}
	}
	env(EnvAPIKey, &c.apiKey)
	env(EnvBaseURL, &c.baseURL)
	env(EnvOrgID, &c.org)
	env(EnvChatModel, &c.chatModel)
	env(EnvEmbeddingModel, &c.embeddingModel)
	if c.dims == 0 && !c.noEnv {
		if v := strings.TrimSpace(os.Getenv(EnvEmbeddingDimensions)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("openai: %s=%q: want a positive integer", EnvEmbeddingDimensions, v)
			}
			c.dims = n
		}
	}
	c.baseURL = strings.TrimRight(c.baseURL, "/")
	if c.baseURL == "" {
		c.baseURL = DefaultBaseURL
	}
	if c.chatModel == "" {
		c.chatModel = DefaultChatModel
	}
	if c.embeddingModel == "" {
		c.embeddingModel = DefaultEmbeddingModel
	}
	if c.maxBatch == 0 {
		c.maxBatch = DefaultMaxEmbedBatch
	}
	if c.maxTokens == 0 {
		c.maxTokens = DefaultMaxEmbedTokens
	}
	if !strings.HasPrefix(c.baseURL, "http://") && !strings.HasPrefix(c.baseURL, "https://") {
		return fmt.Errorf("openai: base URL %q: want an http or https URL", redactURL(c.baseURL))
	}
	if c.apiKey == "" && c.baseURL == DefaultBaseURL {
		return fmt.Errorf("openai: no API key: set %s or use WithAPIKey (a non-default base URL needs none)", EnvAPIKey)
	}
	return nil
}

// redactURL drops user info, query and fragment from a URL for messages.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "<unparseable URL>"
	}
	p.User, p.RawQuery, p.ForceQuery, p.Fragment, p.RawFragment = nil, "", false, "", ""
	return p.String()
}
