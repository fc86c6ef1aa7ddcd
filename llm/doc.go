// Package llm is the provider-neutral contract every LLM-using part of kgas
// (extraction, GraphRAG answers, agents) programs against.
//
// # Models
//
// A [ChatModel] answers a [ChatRequest] with a [ChatResponse], in one piece
// (Chat) or as a stream of [ChatDelta] values handed to a callback
// (ChatStream). An [Embedder] turns texts into vectors. Providers live in
// sub-packages (llm/openai for any OpenAI-compatible server); tests use the
// simulator in llm/llmtest.
//
// Requests are checked by [ChatRequest.Validate] before anything is sent:
// an invalid request gives an *[InvalidRequestError] naming the field
// (errors.Is(err, ErrInvalidRequest) holds).
//
// # Batches
//
// [ChatBatch] and [EmbedBatch] keep the apiclient guarantees: exactly one
// [Result] per input, in input order, each a value or an error, with bounded
// concurrency (default [DefaultBatchConcurrency]). When the context ends,
// unfinished items get the context's error and the call returns promptly.
//
// # Token estimates
//
// [EstimateChatTokens] and [EstimateEmbedTokens] estimate what a request
// costs against a tokens-per-minute limit, with the formula OpenAI-style
// rate limiters (and llm/llmtest) charge:
//
//	chat       = prompt + max_tokens × max(n, 1)
//	prompt     = 2 + ceil(bytes(tools JSON)/4)
//	           + Σ_messages (4 + ceil(bytes(content)/4) + ceil(bytes(tool_calls JSON)/4))
//	embeddings = Σ_inputs ceil(bytes/4)
//
// where max_tokens defaults to [DefaultMaxTokens] when unset. [CostFunc]
// computes the same figure from an HTTP request body, for
// apiclient.WithCostFunc.
//
// # Errors
//
// The sentinels of apiclient are re-exported with the same values
// ([ErrRateLimited], [ErrQuotaExhausted], [ErrTimeout], [ErrCircuitOpen],
// [ErrRequestTooLarge], [ErrRetryBudget], [ErrWaitExceedsDeadline]), so
// errors.Is works on errors from any provider built on apiclient.
// [ErrInvalidRequest] marks invalid requests (the client's checks and the
// server's 400s) and [ErrBadResponse] answers that cannot be used.
// [APIError] is apiclient's typed error (status, type, code, message,
// request id); errors.As reaches it through provider errors. Cancellation
// surfaces as context.Canceled or context.DeadlineExceeded.
package llm
