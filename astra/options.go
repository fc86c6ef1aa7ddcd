package astra

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/kgas-dev/kgas/apiclient"
)

// Environment variables read by New for settings no option gave (unless
// WithoutEnvironment).
const (
	// EnvEndpoint holds the API endpoint.
	EnvEndpoint = "ASTRA_DB_API_ENDPOINT"
	// EnvToken holds the application token.
	EnvToken = "ASTRA_DB_APPLICATION_TOKEN"
	// EnvKeyspace holds the keyspace.
	EnvKeyspace = "ASTRA_DB_KEYSPACE"
)

// Defaults applied by New and by the collection methods.
const (
	// DefaultKeyspace is the keyspace when neither WithKeyspace nor
	// ASTRA_DB_KEYSPACE names one.
	DefaultKeyspace = "default_keyspace"
	// DefaultInsertChunkSize is the number of documents per insertMany
	// request (the official clients' choice).
	DefaultInsertChunkSize = 50
	// MaxInsertChunkSize is the server's limit on documents per insertMany.
	MaxInsertChunkSize = 100
	// DefaultInsertConcurrency bounds the insertMany requests in flight for
	// one unordered InsertMany.
	DefaultInsertConcurrency = 8
	// MaxInValues is the server's limit on values in one $in.
	MaxInValues = 100
	// DefaultIDsChunkSize is the default number of ids per FindByIDs
	// request: the documented unsorted page size, so that each request is
	// answered in one page whatever the server's page size (20 documented,
	// 50 in current server code) and the requests run side by side instead
	// of chaining pages (measured: 1000 ids took 2.3× the bound in chunks
	// of 100, whose five pages each had to follow one another).
	DefaultIDsChunkSize = 20
	// DefaultIDsConcurrency bounds the find requests in flight for one
	// FindByIDs.
	DefaultIDsConcurrency = 8
	// MaxVectorSearchLimit is the server's limit on a vector search's limit.
	MaxVectorSearchLimit = 1000
	// MaxVectorDimension is the server's limit on a vector's dimension.
	MaxVectorDimension = 4096
	// ServerCountLimit is the server's cap on countDocuments.
	ServerCountLimit = 1000
)

// Environment selects the URL shape of the API.
type Environment int

const (
	// EnvironmentAuto picks EnvironmentAstra for hosts under
	// astra.datastax.com, astra-dev.datastax.com and astra-test.datastax.com,
	// and EnvironmentSelfHosted otherwise.
	EnvironmentAuto Environment = iota
	// EnvironmentAstra addresses {endpoint}/api/json/v1/{keyspace}/...
	EnvironmentAstra
	// EnvironmentSelfHosted addresses {endpoint}/v1/{keyspace}/... (HCD,
	// DSE, Cassandra with the Data API, astratest).
	EnvironmentSelfHosted
)

// String returns "auto", "astra" or "self-hosted".
func (e Environment) String() string {
	switch e {
	case EnvironmentAuto:
		return "auto"
	case EnvironmentAstra:
		return "astra"
	case EnvironmentSelfHosted:
		return "self-hosted"
	}
	return fmt.Sprintf("environment(%d)", int(e))
}

// Option configures a Client. Options are applied in order by New, which
// returns the first invalid option's error.
type Option func(*config) error

type config struct {
	endpoint, token, keyspace string
	env                       Environment
	apiPath                   string
	apiPathSet                bool
	api                       *apiclient.Client
	apiOpts                   []apiclient.Option
	log                       *slog.Logger
	numericVectors            bool
	insertChunk, insertConc   int
	idsChunk, idsConc         int
	noEnv                     bool
}

// WithEndpoint sets the API endpoint (default: ASTRA_DB_API_ENDPOINT).
func WithEndpoint(endpoint string) Option {
	return func(c *config) error { c.endpoint = strings.TrimSpace(endpoint); return nil }
}

// WithToken sets the token sent in the Token header (default:
// ASTRA_DB_APPLICATION_TOKEN; with none, no Token header is sent). It
// never appears in errors, logs or String output. For self-hosted servers
// with user and password, see UsernamePasswordToken.
func WithToken(token string) Option {
	return func(c *config) error { c.token = strings.TrimSpace(token); return nil }
}

// UsernamePasswordToken returns the token form self-hosted Data API servers
// accept for Cassandra credentials: "Cassandra:" + base64(user) + ":" +
// base64(password).
func UsernamePasswordToken(user, password string) string {
	enc := base64.StdEncoding
	return "Cassandra:" + enc.EncodeToString([]byte(user)) + ":" + enc.EncodeToString([]byte(password))
}

// WithKeyspace sets the keyspace (default: ASTRA_DB_KEYSPACE, else
// DefaultKeyspace).
func WithKeyspace(keyspace string) Option {
	return func(c *config) error {
		if err := validName("keyspace", keyspace); err != nil {
			return err
		}
		c.keyspace = keyspace
		return nil
	}
}

// WithEnvironment selects the URL shape (default EnvironmentAuto).
func WithEnvironment(env Environment) Option {
	return func(c *config) error {
		if env < EnvironmentAuto || env > EnvironmentSelfHosted {
			return invalid("WithEnvironment", "unknown environment %d", int(env))
		}
		c.env = env
		return nil
	}
}

// WithAPIPath sets the path prefix between the endpoint and the keyspace,
// e.g. "api/json/v1" or "v1", overriding WithEnvironment (default: chosen
// by the environment).
func WithAPIPath(prefix string) Option {
	return func(c *config) error {
		c.apiPath, c.apiPathSet = strings.Trim(strings.TrimSpace(prefix), "/"), true
		return nil
	}
}

// WithAPIClient sends every request through ac, to share pacing, the
// concurrency bound and breaker state with other clients (default: a new
// apiclient.Client). The Client does not close a shared ac. It overrides
// WithAPIClientOptions.
func WithAPIClient(ac *apiclient.Client) Option {
	return func(c *config) error {
		if ac == nil {
			return invalid("WithAPIClient", "nil client")
		}
		c.api = ac
		return nil
	}
}

// WithAPIClientOptions configures the Client's own apiclient.Client
// (pacing, concurrency, retries, timeouts, hooks, logger); default:
// apiclient's defaults, with Token redacted in its logs.
func WithAPIClientOptions(opts ...apiclient.Option) Option {
	return func(c *config) error { c.apiOpts = append(c.apiOpts, opts...); return nil }
}

// WithLogger sets the logger for warnings the API returns (Warn level) and
// other diagnostics (default: discard). Logs never contain the token.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.log = l; return nil }
}

// WithNumericVectors sends vectors as JSON number arrays instead of the
// default compact {"$binary": base64(big-endian float32)} form.
func WithNumericVectors() Option {
	return func(c *config) error { c.numericVectors = true; return nil }
}

// WithInsertChunkSize sets the documents per insertMany request (default
// DefaultInsertChunkSize, at most MaxInsertChunkSize).
func WithInsertChunkSize(n int) Option {
	return func(c *config) error {
		if n < 1 || n > MaxInsertChunkSize {
			return invalid("WithInsertChunkSize", "%d: want 1..%d", n, MaxInsertChunkSize)
		}
		c.insertChunk = n
		return nil
	}
}

// WithInsertConcurrency bounds the insertMany requests in flight for one
// unordered InsertMany (default DefaultInsertConcurrency). The apiclient
// concurrency bound applies on top of it.
func WithInsertConcurrency(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("WithInsertConcurrency", "%d: want ≥ 1", n)
		}
		c.insertConc = n
		return nil
	}
}

// WithIDsChunkSize sets the ids per FindByIDs request (default
// DefaultIDsChunkSize, at most MaxInValues, the server's $in limit).
func WithIDsChunkSize(n int) Option {
	return func(c *config) error {
		if n < 1 || n > MaxInValues {
			return invalid("WithIDsChunkSize", "%d: want 1..%d", n, MaxInValues)
		}
		c.idsChunk = n
		return nil
	}
}

// WithIDsConcurrency bounds the find requests in flight for one FindByIDs
// (default DefaultIDsConcurrency).
func WithIDsConcurrency(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("WithIDsConcurrency", "%d: want ≥ 1", n)
		}
		c.idsConc = n
		return nil
	}
}

// WithoutEnvironment makes New ignore the environment variables.
func WithoutEnvironment() Option {
	return func(c *config) error { c.noEnv = true; return nil }
}

// resolve fills unset settings from the environment and the defaults and
// returns the base URL (endpoint plus API path, no trailing slash).
func (c *config) resolve() (string, error) {
	env := func(name string, dst *string) {
		if *dst == "" && !c.noEnv {
			*dst = strings.TrimSpace(os.Getenv(name))
		}
	}
	env(EnvEndpoint, &c.endpoint)
	env(EnvToken, &c.token)
	env(EnvKeyspace, &c.keyspace)
	if c.keyspace == "" {
		c.keyspace = DefaultKeyspace
	}
	if err := validName("keyspace", c.keyspace); err != nil {
		return "", err
	}
	if c.insertChunk == 0 {
		c.insertChunk = DefaultInsertChunkSize
	}
	if c.insertConc == 0 {
		c.insertConc = DefaultInsertConcurrency
	}
	if c.idsChunk == 0 {
		c.idsChunk = DefaultIDsChunkSize
	}
	if c.idsConc == 0 {
		c.idsConc = DefaultIDsConcurrency
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.endpoint == "" {
		return "", &InvalidInputError{Field: "endpoint", Reason: "not set: use WithEndpoint or " + EnvEndpoint}
	}
	u, err := url.Parse(c.endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", &InvalidInputError{Field: "endpoint", Reason: fmt.Sprintf("%q: want an http or https URL", redactURL(c.endpoint))}
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	base := strings.TrimRight(u.String(), "/")
	path := strings.TrimRight(u.Path, "/")
	switch {
	case c.apiPathSet:
		if c.apiPath != "" {
			base += "/" + c.apiPath
		}
	case c.env == EnvironmentAuto && (strings.HasSuffix(path, "/api/json/v1") || strings.HasSuffix(path, "/v1")):
		// The endpoint already names the API path.
	case c.env == EnvironmentAstra || (c.env == EnvironmentAuto && isAstraHost(u.Hostname())):
		base += "/api/json/v1"
	default:
		base += "/v1"
	}
	return base, nil
}

// isAstraHost reports whether host is an Astra DB endpoint.
func isAstraHost(host string) bool {
	host = strings.ToLower(host)
	for _, d := range []string{".astra.datastax.com", ".astra-dev.datastax.com", ".astra-test.datastax.com"} {
		if strings.HasSuffix(host, d) {
			return true
		}
	}
	return false
}

// redactURL drops user info, query and fragment from a URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<unparseable URL>"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// invalid returns an option error.
func invalid(option, format string, args ...any) error {
	return &InvalidInputError{Field: option, Reason: fmt.Sprintf(format, args...)}
}
