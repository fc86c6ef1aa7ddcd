// Package openai is kgas's provider for OpenAI and any OpenAI-compatible
// server (vLLM, Ollama, LM Studio, llama.cpp, Azure OpenAI deployments via
// WithAzure), built on github.com/sashabaranov/go-openai.
//
// A [Client] implements llm.ChatModel (tools and tool calls, tool choice,
// JSON mode and json_schema structured output, streaming with
// cancellation) and llm.Embedder (batches split at the API's per-request
// limits, sent concurrently and rejoined in order; the dimensions
// parameter).
//
// Every request goes through an apiclient.Client: pacing by requests and
// tokens (with llm.CostFunc, the exact estimate OpenAI-style limiters
// charge), a concurrency bound, retries honouring retry-after, a shared
// pause after 429s, a circuit breaker, sticky quota errors and timeouts.
// Ordinary requests use apiclient's Do, which reads the whole body within
// each attempt, so a connection reset or truncated body is retried too;
// streams use its RoundTrip.
//
// # Configuration
//
// Options (see New) override these environment variables, which override
// the defaults:
//
//	OPENAI_API_KEY               API key (required for the default base URL only)
//	OPENAI_BASE_URL              base URL (default https://api.openai.com/v1)
//	OPENAI_ORG_ID                organization, sent as OpenAI-Organization
//	OPENAI_CHAT_MODEL            default chat model (default gpt-4o-mini)
//	OPENAI_EMBEDDING_MODEL       embedding model (default text-embedding-3-small)
//	OPENAI_EMBEDDING_DIMENSIONS  requested embedding dimensions (default: the model's)
//
// The API key never appears in errors, logs or String output.
//
// # Errors
//
// Errors match the llm sentinels with errors.Is: a 429 that retries did
// not get through is llm.ErrRateLimited; insufficient_quota and other
// account errors are llm.ErrQuotaExhausted (sticky: later requests on the
// same apiclient fail at once); size errors are llm.ErrRequestTooLarge;
// an open breaker is llm.ErrCircuitOpen; a 400 is an
// *llm.InvalidRequestError naming the server's param. errors.As reaches
// *llm.APIError (status, type, code, message, request id) for every HTTP
// error, including 5xx after retries.
package openai
