// Package agent is the kgas tool-calling loop: a model (llm.ChatModel)
// and the tools of a registry (registry.Registry) answer a conversation
// together.
//
//	a, err := agent.New(model, reg, agent.WithMaxSteps(8))
//	...
//	res, err := a.RunPrompt(ctx, "What will the weather be in Oslo?")
//	fmt.Println(res.Answer)
//
// # The loop
//
// Each step sends the conversation to the model with the run's tools,
// each described by its ID, its description and its own JSON Schema (the
// one the tool validates against). When the model answers without tool
// calls, the run is done. Otherwise the step's tool calls run and one tool
// message per call is appended, in the model's order, and the next step
// begins. A run makes at most WithMaxSteps model calls (DefaultMaxSteps);
// reaching the limit ends it with a *MaxStepsError, and the partial
// Result, which is a valid conversation to continue with another Run.
//
// # Tool calls
//
// A step's calls run concurrently through registry.ExecuteAll, so they
// are bounded by the registry's global bound and each tool's own, and each
// runs under its tool's timeout. The calls of a tool whose Capabilities
// are not Concurrent, when a step has several, run one at a time in the
// model's order; WithSequentialTools runs every call one at a time.
//
// Errors are shown to the model, not thrown: a tool that fails, panics,
// times out, gets invalid arguments (the validation error names each
// field) or does not exist produces a tool message holding a JSON object
// with the error's kind, message and whether retrying may help (see
// DefaultToolMessage), and the loop goes on. An error marked
// tool.ErrFatal (tool.TimeoutFails), or of a kind given to WithStopOn,
// ends the run instead with a *ToolError.
//
// # Tools a run may use
//
// Every tool of the registry by default; WithTools names an explicit list
// (an ID the registry does not hold is an error, a *UnknownToolsError);
// WithCategory, WithTags, WithQuery and WithFilter select by metadata. A
// call to a tool the run does not offer is answered with an
// "unknown_tool" error listing the available tools.
//
// # Observing a run
//
// WithTokenCallback streams the model's content as it arrives (the model
// is then called with ChatStream). Hooks (WithHooks) observe each model
// call, each tool call (with the registry's Event and tool.Result types)
// and each step. The Result carries the answer, all messages, every tool
// call with its result and timing, the summed token usage, the number of
// steps and a Trace with, per step, the model call's and the tool calls'
// start and end offsets.
//
// # Cancellation
//
// When the run's context ends, the model call in flight and every running
// tool are cancelled, and Run returns the context's error promptly with
// the Result so far. Run starts no goroutine that outlives it; a tool
// function that ignores its context keeps running until it returns (the
// registry has already given up on it), as under registry.ExecuteAll.
package agent
