// Package watsonx is an [Embedder] for IBM watsonx.ai text embeddings,
// sending every request through the kgas resilient HTTP core
// (github.com/kgas-dev/kgas/apiclient): pacing, retries with backoff,
// the circuit breaker and typed errors apply to it as to every other
// provider.
//
//	e, err := watsonx.New() // reads WATSONX_APIKEY, WATSONX_URL, WATSONX_PROJECT_ID
//	if err != nil { ... }
//	defer e.Close()
//	vecs, err := e.Embed(ctx, []string{"first text", "second text"})
//
// # Configuration
//
// Options take precedence over the environment; WithoutEnv ignores it.
//
//	API key       WithAPIKey          WATSONX_APIKEY, else WATSONX_API_KEY   (required)
//	service URL   WithURL             WATSONX_URL, e.g. https://us-south.ml.cloud.ibm.com (required)
//	project       WithProjectID       WATSONX_PROJECT_ID  } exactly one of
//	space         WithSpaceID         WATSONX_SPACE_ID    } the two
//	model         WithModel           default DefaultModel (ibm/slate-125m-english-rtrvr)
//	IAM URL       WithIAMURL          default DefaultIAMURL (https://iam.cloud.ibm.com)
//	dimension     WithDimension       default: known per model, else learned
//	batch size    WithBatchSize       default DefaultBatchSize (1000)
//	truncation    WithTruncateInputTokens  default 0: not sent
//	API version   WithAPIVersion      default DefaultAPIVersion (2024-05-01)
//	HTTP core     WithClient / WithClientOptions  default apiclient.New()
//
// When a project or space is set by an option, neither environment variable
// is read for it. Setting both a project and a space is an error, as is
// setting neither. Configuration errors wrap ErrConfig and name the option
// and the environment variable to set.
//
// # Authentication
//
// The API key is exchanged for a bearer token at {IAM URL}/identity/token
// (grant type urn:ibm:params:oauth:grant-type:apikey). The token is cached
// and refreshed before it expires: at 90% of its lifetime (expires_in, or
// the expiration time when expires_in is absent), or 60 s before expiry if
// that comes first (for lifetimes over 60 s). Concurrent callers needing a
// token share one exchange. If a refresh fails while the old token is still
// valid, the old token is used. A request answered 401 gets one fresh token
// and is sent once more; a second 401 is returned as an *APIError matching
// ErrUnauthorized.
//
// # Requests
//
// Texts go to POST {URL}/ml/v1/text/embeddings?version={API version} as
// {"inputs":[...],"model_id":...,"project_id"|"space_id":...} (plus
// "parameters":{"truncate_input_tokens":N} when set). A batch larger than
// the batch size is split into several requests, sent concurrently through
// the apiclient (its concurrency bound applies) and rejoined in input
// order. The default of 1000 inputs per request is an assumption about the
// service's per-request input limit; lower it with WithBatchSize if the
// service rejects large batches (it also bounds the request body size).
//
// # Errors and secrets
//
// HTTP failures are returned as *APIError, which carries watsonx's error
// code, message and trace id and unwraps to the *apiclient.Error, so
// errors.Is works with the apiclient sentinels (ErrRateLimited,
// ErrQuotaExhausted, ErrTimeout, ErrCircuitOpen, ...), context.Canceled and
// context.DeadlineExceeded, and with ErrUnauthorized for 401 and 403. The API
// key and bearer tokens never appear in errors, logs, String, fmt verbs or
// slog values: server messages are scrubbed of them before they are kept.
package watsonx
