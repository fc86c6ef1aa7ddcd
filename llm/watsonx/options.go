package watsonx

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/kgas-dev/kgas/apiclient"
)

// Defaults applied by New.
const (
	// DefaultModel is the embedding model.
	DefaultModel = "ibm/slate-125m-english-rtrvr"
	// DefaultIAMURL is IBM Cloud's IAM service.
	DefaultIAMURL = "https://iam.cloud.ibm.com"
	// DefaultAPIVersion is the watsonx.ai API version date sent as ?version=.
	DefaultAPIVersion = "2024-05-01"
	// DefaultBatchSize is the most inputs sent in one request (an assumed
	// per-request limit of the service; see the package documentation).
	DefaultBatchSize = 1000
)

// Environment variables read by New unless WithoutEnv is given.
const (
	// EnvAPIKey holds the IBM Cloud API key.
	EnvAPIKey = "WATSONX_APIKEY"
	// EnvAPIKeyAlt is read for the API key when EnvAPIKey is unset.
	EnvAPIKeyAlt = "WATSONX_API_KEY"
	// EnvURL holds the service URL, e.g. https://us-south.ml.cloud.ibm.com.
	EnvURL = "WATSONX_URL"
	// EnvProjectID holds the project id (exclusive with EnvSpaceID).
	EnvProjectID = "WATSONX_PROJECT_ID"
	// EnvSpaceID holds the deployment space id (exclusive with EnvProjectID).
	EnvSpaceID = "WATSONX_SPACE_ID"
)

// Option configures an Embedder.
type Option func(*config) error

type config struct {
	apiKey             string
	baseURL, iamURL    string
	projectID, spaceID string
	model              string
	dim                int
	batchSize          int
	truncate           int
	version            string
	client             *apiclient.Client
	clientOpts         []apiclient.Option
	noEnv              bool
	now                func() time.Time
}

func invalid(option, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrConfig, option, fmt.Sprintf(format, args...))
}

// WithAPIKey sets the IBM Cloud API key (default: $WATSONX_APIKEY, else
// $WATSONX_API_KEY).
func WithAPIKey(key string) Option {
	return func(c *config) error {
		if strings.TrimSpace(key) == "" {
			return invalid("WithAPIKey", "empty key")
		}
		c.apiKey = key
		return nil
	}
}

// WithURL sets the watsonx.ai service URL, such as
// https://us-south.ml.cloud.ibm.com (default: $WATSONX_URL).
func WithURL(u string) Option {
	return func(c *config) error { c.baseURL = u; return checkURL("WithURL", u) }
}

// WithIAMURL sets the IAM service URL (default DefaultIAMURL).
func WithIAMURL(u string) Option {
	return func(c *config) error { c.iamURL = u; return checkURL("WithIAMURL", u) }
}

// WithProjectID sets the watsonx.ai project (default: $WATSONX_PROJECT_ID).
func WithProjectID(id string) Option {
	return func(c *config) error {
		if strings.TrimSpace(id) == "" {
			return invalid("WithProjectID", "empty id")
		}
		c.projectID = id
		return nil
	}
}

// WithSpaceID sets the watsonx.ai deployment space (default:
// $WATSONX_SPACE_ID), instead of a project.
func WithSpaceID(id string) Option {
	return func(c *config) error {
		if strings.TrimSpace(id) == "" {
			return invalid("WithSpaceID", "empty id")
		}
		c.spaceID = id
		return nil
	}
}

// WithModel sets the embedding model id (default DefaultModel).
func WithModel(id string) Option {
	return func(c *config) error {
		if strings.TrimSpace(id) == "" {
			return invalid("WithModel", "empty model id")
		}
		c.model = id
		return nil
	}
}

// WithDimension sets the vector length the model returns (default: the
// model's known dimension, see KnownDimension, else learned from the first
// response). Responses of another length fail with ErrBadResponse.
func WithDimension(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("WithDimension", "%d: want > 0", n)
		}
		c.dim = n
		return nil
	}
}

// WithBatchSize sets the most inputs per request (default 1000).
func WithBatchSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("WithBatchSize", "%d: want > 0", n)
		}
		c.batchSize = n
		return nil
	}
}

// WithTruncateInputTokens asks the service to truncate each input to n
// tokens (default 0: the parameter is not sent and over-long inputs fail).
func WithTruncateInputTokens(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return invalid("WithTruncateInputTokens", "%d: want >= 0", n)
		}
		c.truncate = n
		return nil
	}
}

// WithAPIVersion sets the API version date (default DefaultAPIVersion).
func WithAPIVersion(v string) Option {
	return func(c *config) error {
		if strings.TrimSpace(v) == "" {
			return invalid("WithAPIVersion", "empty version")
		}
		c.version = v
		return nil
	}
}

// WithClient sends requests through c, shared with other users (default: a
// new apiclient.New(opts...) with the WithClientOptions options, closed by
// Close). The Embedder does not close a client given here.
func WithClient(cl *apiclient.Client) Option {
	return func(c *config) error {
		if cl == nil {
			return invalid("WithClient", "nil client")
		}
		c.client = cl
		return nil
	}
}

// WithClientOptions sets the options of the apiclient the Embedder creates
// (default: none, the apiclient defaults). It conflicts with WithClient.
func WithClientOptions(opts ...apiclient.Option) Option {
	return func(c *config) error { c.clientOpts = append(c.clientOpts, opts...); return nil }
}

// WithoutEnv makes New ignore the environment: only options configure.
func WithoutEnv() Option {
	return func(c *config) error { c.noEnv = true; return nil }
}

// withClock replaces time.Now (tests).
func withClock(now func() time.Time) Option {
	return func(c *config) error { c.now = now; return nil }
}

func checkURL(option, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid(option, "%q: want an absolute http(s) URL", redactURL(raw))
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return invalid(option, "%q: want no user info, query or fragment", redactURL(raw))
	}
	return nil
}

// redactURL keeps only the scheme, host and path of a URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// resolve applies opts, then the environment, then the defaults, and
// checks the result.
func resolve(opts []Option) (config, error) {
	c := config{now: time.Now}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return config{}, err
		}
	}
	env := func(name string) string {
		if c.noEnv {
			return ""
		}
		return strings.TrimSpace(os.Getenv(name))
	}
	if c.apiKey == "" {
		c.apiKey = env(EnvAPIKey)
		if c.apiKey == "" {
			c.apiKey = env(EnvAPIKeyAlt)
		}
		if c.apiKey == "" {
			return config{}, fmt.Errorf("%w: no API key: set %s (or %s), or use WithAPIKey", ErrConfig, EnvAPIKey, EnvAPIKeyAlt)
		}
	}
	if c.baseURL == "" {
		c.baseURL = env(EnvURL)
		if c.baseURL == "" {
			return config{}, fmt.Errorf("%w: no service URL: set %s (e.g. https://us-south.ml.cloud.ibm.com), or use WithURL", ErrConfig, EnvURL)
		}
		if err := checkURL(EnvURL, c.baseURL); err != nil {
			return config{}, err
		}
	}
	switch {
	case c.projectID != "" && c.spaceID != "":
		return config{}, fmt.Errorf("%w: both WithProjectID and WithSpaceID given: use one", ErrConfig)
	case c.projectID == "" && c.spaceID == "":
		c.projectID, c.spaceID = env(EnvProjectID), env(EnvSpaceID)
		switch {
		case c.projectID != "" && c.spaceID != "":
			return config{}, fmt.Errorf("%w: both %s and %s are set: unset one, or choose with WithProjectID or WithSpaceID", ErrConfig, EnvProjectID, EnvSpaceID)
		case c.projectID == "" && c.spaceID == "":
			return config{}, fmt.Errorf("%w: no project or space: set %s or %s, or use WithProjectID or WithSpaceID", ErrConfig, EnvProjectID, EnvSpaceID)
		}
	}
	if c.client != nil && len(c.clientOpts) > 0 {
		return config{}, fmt.Errorf("%w: WithClientOptions has no effect with WithClient", ErrConfig)
	}
	c.baseURL = strings.TrimRight(c.baseURL, "/")
	if c.iamURL == "" {
		c.iamURL = DefaultIAMURL
	}
	c.iamURL = strings.TrimRight(c.iamURL, "/")
	if c.model == "" {
		c.model = DefaultModel
	}
	if c.dim == 0 {
		c.dim = KnownDimension(c.model)
	}
	if c.batchSize == 0 {
		c.batchSize = DefaultBatchSize
	}
	if c.version == "" {
		c.version = DefaultAPIVersion
	}
	return c, nil
}

// KnownDimension returns the vector length of a watsonx.ai embedding model
// kgas knows, or 0.
func KnownDimension(model string) int {
	switch strings.ToLower(model) {
	case "ibm/slate-125m-english-rtrvr", "ibm/slate-125m-english-rtrvr-v2",
		"ibm/granite-embedding-278m-multilingual":
		return 768
	case "ibm/slate-30m-english-rtrvr", "ibm/slate-30m-english-rtrvr-v2",
		"ibm/granite-embedding-107m-multilingual",
		"sentence-transformers/all-minilm-l6-v2", "sentence-transformers/all-minilm-l12-v2":
		return 384
	case "intfloat/multilingual-e5-large":
		return 1024
	}
	return 0
}
