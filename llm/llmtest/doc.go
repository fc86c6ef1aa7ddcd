// Package llmtest is an OpenAI-compatible HTTP server for tests and
// benchmarks. Point any OpenAI client (openai-go, go-openai, langchaingo,
// your own) at [Server.URL] and it talks to the simulator unchanged.
//
//	srv, err := llmtest.NewServer(llmtest.Config{
//		Limits:  llmtest.RateLimits{Requests: 600, Tokens: 40000, Window: time.Second},
//		Latency: llmtest.LogNormalLatency(400*time.Millisecond, 0.5),
//		Faults: []llmtest.FaultRule{{
//			Fault:       llmtest.Fault{Kind: llmtest.FaultOverloaded, Delay: 50 * time.Millisecond},
//			Probability: 0.1,
//		}},
//	})
//	if err != nil { ... }
//	defer srv.Close()
//	client := openai.NewClient(option.WithBaseURL(srv.URL()), option.WithAPIKey("sim"))
//
// # Endpoints
//
// POST /v1/chat/completions accepts model, messages, max_tokens or
// max_completion_tokens, n, stream with stream_options.include_usage,
// tools, tool_choice and response_format (json_object, json_schema).
// POST /v1/embeddings accepts a string, a list of strings, or token arrays,
// dimensions and encoding_format float or base64 (little-endian float32).
// GET /v1/models lists Config.Models. Errors use OpenAI's
// {"error":{"message","type","param","code"}} shape; invalid requests get
// 400 invalid_request_error naming the parameter.
//
// Simulator routes: GET /_sim/stats (the [Stats] as JSON), POST /_sim/reset
// ([Server.Reset]) and POST /_sim/script (a JSON [Script]).
//
// # Replies
//
// Every reply is a pure function of the seed and the request. A chat reply
// is 8+(h mod 120) words from a fixed vocabulary, one token per word, where
// h hashes the messages; it is cut at max_tokens with finish_reason
// "length". With json_object the reply is {"reply": "..."}; with
// json_schema it is a JSON instance of the schema. With tools, the model
// calls a tool when tool_choice is "required" or names a function, or, with
// "auto", when the last user message contains "call:<name>"; arguments are
// generated from the tool's parameter schema. After a tool message the
// reply is text. [Script]s override all of this, matched by a regular
// expression on the last user message or by the X-Sim-Script header.
//
// An embedding is a unit-norm vector drawn from a generator seeded by the
// input's text (and the dimensions), so the same text gets the same vector
// in any batch.
//
// # Token accounting and rate limits
//
// The admission charge of a chat request is
//
//	est_prompt + n × max_tokens
//	est_prompt = 2 + ceil(bytes(tools)/4)
//	           + Σ_messages (4 + ceil(bytes(content)/4) + ceil(bytes(tool_calls)/4))
//
// where max_tokens is max_completion_tokens, else max_tokens, else
// Config.DefaultMaxTokens (1024), and bytes are UTF-8 bytes of the message
// text (JSON bytes for tools and tool_calls). usage.prompt_tokens is
// est_prompt. An embeddings request costs Σ ceil(bytes(input)/4) (or the
// token count of token-array inputs), which is also its usage.
//
// [RateLimits] are two continuously refilling buckets (requests and tokens)
// of capacity Limit that refill at Limit per Window and start full. A
// request is admitted only if both hold enough, and a rejection consumes
// nothing. A charge larger than the token capacity gets 429 "Request too
// large" with x-should-retry: false and no retry-after. Every response
// carries x-ratelimit-{limit,remaining,reset}-{requests,tokens}; reset is
// (limit − level)·Window/limit in Go duration syntax rounded to 1ms
// ("12ms", "9.816s", "6m0s"). A 429 body has type requests or tokens, code
// rate_limit_exceeded and the "Please try again in {d}" hint, where
// d = deficit·Window/limit, also sent as retry-after (whole seconds, rounded
// up) and retry-after-ms.
//
// # Latency
//
// [Config.Latency] is drawn per attempt from the seed, the logical request
// and its attempt number, after admission. A non-streamed reply waits
// Latency + completion_tokens × TokenDelay before its headers; a stream
// waits Latency before its headers and first chunk (time to first token),
// then TokenDelay between content chunks. Waits end early when the client
// goes away (counted as "canceled") or the server closes. Faults wait their
// own Fault.Delay instead.
//
// # Faults
//
// [FaultRule]s match by endpoint, request ordinal range, every Nth request,
// time window since start, and probability (seeded); the first match wins.
// See [FaultKind] for the kinds: 500, 502 HTML, 503 overloaded, 429
// insufficient_quota, 429 request too large, 429 rate limited (a storm,
// with a time window), 200 with an error body, 200 with malformed JSON,
// connection reset before headers or mid-body, truncated body and stalled
// body.
//
// # Measurement
//
// [Server.Stats] counts requests per [Outcome], attempts per logical request
// (keyed by the X-Sim-Request-Id, X-Request-Id or Idempotency-Key header, or
// the body hash), current and maximum in-flight requests, tokens charged, and
// keeps a bounded timeline of per-request records.
//
// The server binds loopback addresses only, keeps no package-level state,
// and never writes to stdout. The llmsim command (cmd/llmsim) runs it as a
// process.
package llmtest
