// Package mcp connects kgas registries to the Model Context Protocol, in
// both directions, on the official SDK github.com/modelcontextprotocol/go-sdk
// (imported here as mcpsdk).
//
// # Serving a registry
//
// [NewServer] returns an *mcpsdk.Server whose tools are the tools of a
// [registry.Registry] (or those selected by [WithIDs], [WithCategory],
// [WithTags], [WithQuery] and [WithFilter]); [AddTools] adds them to a
// server the caller already has. Run the server on any SDK transport:
//
//	srv, err := mcp.NewServer(reg)
//	...
//	err = srv.Run(ctx, &mcpsdk.StdioTransport{})
//
// tools/list describes each tool with its own metadata (ID as the name,
// description, Name as the title) and its own JSON Schema, the one kgas
// made with invopop/jsonschema: the SDK's schema inference, which reads a
// different struct-tag dialect, is never used. tools/call runs through
// [registry.Registry.Execute], so the call is validated against that
// schema and runs under the tool's timeout and concurrency bound.
//
// A successful call returns the tool's data as JSON text content and,
// when the tool declares an output schema and the data conforms to it,
// as structuredContent too. Every tool error (invalid input, failure,
// timeout, panic, cancellation) is a result with isError set whose text is
// a JSON object a model can read and act on:
//
//	{"error":{"kind":"invalid_input","message":"…","retryable":false,
//	  "fields":[{"field":"days","rule":"maximum","message":"must be <= 14, got 99"}]}}
//
// Protocol errors, such as a call to a tool the server does not expose,
// stay JSON-RPC errors, as the SDK reports them.
//
// # Using the tools of an MCP server
//
// [RegisterRemote] lists the tools of a connected *mcpsdk.ClientSession
// and registers each one in a kgas registry as an ordinary tool: its ID is
// the remote name made into a kgas ID (with an optional prefix, see
// [WithPrefix]), its category "mcp", its input schema the remote one, so
// kgas validates arguments before they leave the process. A call goes
// through session.CallTool; a result with isError set becomes a tool error
// (*RemoteError, or *tool.InputError when the server is a kgas server that
// named the offending fields), and a transport failure a transient,
// retryable error ([tool.ErrTransient]).
package mcp
