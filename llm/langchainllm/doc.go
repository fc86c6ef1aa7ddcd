// Package langchainllm connects kgas chat models and
// github.com/tmc/langchaingo models, in both directions.
//
// # kgas model in a langchaingo program
//
// [New] wraps any kgas llm.ChatModel as a langchaingo llms.Model, so a
// langchaingo program swaps its model for a kgas one and keeps its chains
// and agents, while every call gets kgas's rate limiting, retries, circuit
// breaker and timeouts (llm/openai over apiclient):
//
//	client, _ := openai.New(openai.WithAPIClientOptions(apiclient.WithRequestLimit(500, time.Minute)))
//	model, _ := langchainllm.New(client, langchainllm.WithToolSchemas(langchaintool.Definitions(weather)...))
//	agent := agents.NewOpenAIFunctionsAgent(model, []tools.Tool{langchaintool.New(weather)})
//	out, _ := agents.NewExecutor(agent).Call(ctx, map[string]any{"input": "Weather in Oslo?"})
//
// Messages map by role: system, human and generic (as user), ai (text and
// llms.ToolCall parts) and tool (one kgas tool message per
// llms.ToolCallResponse part). Call options map to the llm.ChatRequest
// fields: Model, MaxTokens, Temperature, TopP, Seed, StopWords, N (or
// CandidateCount), Tools and the deprecated Functions (each an
// llm.ToolDef with its JSON Schema parameters), ToolChoice and
// FunctionCallBehavior, JSONMode and ResponseMIMEType "application/json"
// (JSON mode), and StreamingFunc and StreamingReasoningFunc (the request
// is then sent with ChatStream and each content delta of the first choice
// is passed on). The response carries every choice with its content, tool
// calls (ids, names, arguments), stop reason, and the token usage in
// GenerationInfo under the keys langchaingo's openai provider uses:
// PromptTokens, CompletionTokens and TotalTokens.
//
// Nothing is dropped silently: a part or option kgas cannot carry (images,
// binary data, cached content, legacy function messages, TopK, penalties,
// MinLength, MaxLength, Metadata) fails the call with an
// *llm.InvalidRequestError naming it, which matches both
// llm.ErrInvalidRequest and [ErrUnsupported] under errors.Is. (The Name of
// an llms.ToolCallResponse is not needed: kgas links a tool message to its
// call by id.) Temperature and Seed are sent whenever an option sets them,
// zero included; TopP, MaxTokens and N only when positive, as langchaingo's
// providers read 0 as unset. Text parts of one message are joined without
// a separator. Plain-text arguments of an llms.ToolCall part (the
// functions agent records the unwrapped "__arg1" string) are sent back as
// {"__arg1": text}, the form the model produced.
//
// langchaingo's functions agent describes every tool as one "__arg1" string.
// [WithToolSchemas] replaces those parameters by the tools' real JSON
// Schemas (langchaintool.Definitions gives them for kgas tools), so the
// model sends real arguments that the kgas tool validates.
//
// # langchaingo model in a kgas program
//
// [NewChatModel] wraps any langchaingo llms.Model as a kgas llm.ChatModel,
// so kgas agents, extraction and GraphRAG run on every langchaingo
// provider. The mapping is the reverse of the one above; features
// langchaingo has no option for (json_schema response formats, participant
// names) fail with [ErrUnsupported].
package langchainllm
