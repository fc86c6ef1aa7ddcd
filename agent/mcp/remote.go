package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// DefaultRemoteCategory is the category of tools registered by
// RegisterRemote unless WithRemoteCategory says otherwise.
const DefaultRemoteCategory = "mcp"

// RegisterRemote lists the tools of the MCP server behind session and
// registers each one (or those the options select) in reg, returning the
// registered IDs in the server's order.
//
// Each tool's ID is its remote name made into a kgas ID (see [RemoteID]),
// its Name the remote title (or name), its description the remote one,
// its category "mcp", and its input schema the remote input schema, so
// reg validates every call before it leaves the process. A call goes
// through session.CallTool under the tool's policy (WithToolOptions);
// a result with isError set becomes a tool error, a transport failure a
// transient one (tool.Retryable reports true). The data of a successful
// call is json.RawMessage for JSON results (structuredContent, or a text
// that is JSON) and a string for any other single text.
//
// The tools are a snapshot of the server's list. They do not own session:
// close reg (which waits for calls in flight) before closing session.
// On error nothing is registered, unless another goroutine registers a
// clashing ID in reg at the same time.
func RegisterRemote(ctx context.Context, reg *registry.Registry, session *mcpsdk.ClientSession, opts ...RemoteOption) ([]string, error) {
	o := remoteOptions{category: DefaultRemoteCategory}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case reg == nil:
		return nil, errors.New("mcp: RegisterRemote: registry is nil")
	case session == nil:
		return nil, errors.New("mcp: RegisterRemote: session is nil")
	}
	if o.prefix != "" && !validPrefix(o.prefix) {
		return nil, fmt.Errorf("mcp: WithPrefix %q: must be lowercase letters, digits, '_' or '-', starting with a letter or digit", o.prefix)
	}
	for i, tag := range o.tags {
		if strings.TrimSpace(tag) == "" {
			return nil, fmt.Errorf("mcp: WithRemoteTags[%d] is empty", i)
		}
	}
	remote, err := listTools(ctx, session)
	if err != nil {
		return nil, err
	}
	for i, n := range o.names {
		if !slices.ContainsFunc(remote, func(t *mcpsdk.Tool) bool { return t.Name == n }) {
			return nil, fmt.Errorf("mcp: WithRemoteNames[%d]: the server lists no tool %q", i, n)
		}
	}
	server := serverName(session)
	taken := make(map[string]string) // kgas ID -> remote name
	for _, id := range reg.IDs() {
		taken[id] = ""
	}
	var tools []tool.Tool
	var errs []error
	for _, rt := range remote {
		if len(o.names) > 0 && !slices.Contains(o.names, rt.Name) || o.filter != nil && !o.filter(rt) {
			continue
		}
		t, err := newRemoteTool(session, server, rt, &o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		id := t.Metadata().ID
		if other, ok := taken[id]; ok {
			if other == "" {
				errs = append(errs, fmt.Errorf("mcp: remote tool %q: %w: %q", rt.Name, registry.ErrDuplicate, id))
			} else {
				errs = append(errs, fmt.Errorf("mcp: remote tools %q and %q both map to the ID %q (use WithRemoteNames or WithRemoteFilter to leave one out)", other, rt.Name, id))
			}
			continue
		}
		taken[id] = rt.Name
		tools = append(tools, t)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	ids := make([]string, 0, len(tools))
	for _, t := range tools {
		if err := reg.Register(t); err != nil {
			return ids, fmt.Errorf("mcp: registering remote tool %q: %w", t.Metadata().Name, err)
		}
		ids = append(ids, t.Metadata().ID)
	}
	return ids, nil
}

// listTools reads every page of the server's tool list.
func listTools(ctx context.Context, session *mcpsdk.ClientSession) ([]*mcpsdk.Tool, error) {
	var out []*mcpsdk.Tool
	for t, err := range session.Tools(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("mcp: listing the server's tools: %w", err)
		}
		if t != nil {
			out = append(out, t)
		}
	}
	return out, nil
}

func serverName(session *mcpsdk.ClientSession) string {
	if ir := session.InitializeResult(); ir != nil && ir.ServerInfo != nil && ir.ServerInfo.Name != "" {
		return ir.ServerInfo.Name
	}
	return "an MCP server"
}

// newRemoteTool describes rt as a kgas tool under the framework's policy.
func newRemoteTool(session *mcpsdk.ClientSession, server string, rt *mcpsdk.Tool, o *remoteOptions) (tool.Tool, error) {
	id, err := RemoteID(o.prefix, rt.Name)
	if err != nil {
		return nil, err
	}
	in, err := schemaJSON(rt.InputSchema)
	if err != nil || len(in) == 0 {
		return nil, fmt.Errorf("mcp: remote tool %q: input schema: %v", rt.Name, orMissing(err))
	}
	var out json.RawMessage
	if rt.OutputSchema != nil {
		if out, err = schemaJSON(rt.OutputSchema); err != nil {
			return nil, fmt.Errorf("mcp: remote tool %q: output schema: %w", rt.Name, err)
		}
	}
	name := rt.Title
	if name == "" && rt.Annotations != nil {
		name = rt.Annotations.Title
	}
	if name == "" {
		name = rt.Name
	}
	desc := rt.Description
	if strings.TrimSpace(desc) == "" {
		desc = fmt.Sprintf("Tool %q of %s.", rt.Name, server)
	}
	r := &remoteTool{
		session: session,
		name:    rt.Name,
		meta:    tool.Metadata{ID: id, Name: name, Description: desc, Category: o.category, Tags: slices.Clone(o.tags)},
		in:      in,
		out:     out,
	}
	t, err := tool.Wrap(r, o.toolOpts...)
	if err != nil {
		return nil, fmt.Errorf("mcp: remote tool %q: %w", rt.Name, err)
	}
	return t, nil
}

func orMissing(err error) error {
	if err == nil {
		return errors.New("missing")
	}
	return err
}

// schemaJSON renders a schema as the client received it (a map) as JSON.
func schemaJSON(s any) (json.RawMessage, error) {
	if s == nil {
		return nil, nil
	}
	if raw, ok := s.(json.RawMessage); ok {
		return raw, nil
	}
	return json.Marshal(s)
}

// remoteTool is one tool of an MCP server, seen as a kgas tool. The
// framework's policy (validation, timeout, retries, bound, panics) is
// added by tool.Wrap.
type remoteTool struct {
	session *mcpsdk.ClientSession
	name    string // the server's name for the tool
	meta    tool.Metadata
	in, out json.RawMessage
}

func (r *remoteTool) Metadata() tool.Metadata { return r.meta }

func (r *remoteTool) Capabilities() tool.Capabilities {
	return tool.Capabilities{Async: true, Concurrent: true}
}

func (r *remoteTool) InputSchema() json.RawMessage  { return r.in }
func (r *remoteTool) OutputSchema() json.RawMessage { return r.out }

// Initialize accepts no configuration: the server is configured on its
// side.
func (r *remoteTool) Initialize(_ context.Context, cfg tool.Config) error {
	for k := range cfg {
		return &tool.ConfigError{ToolID: r.meta.ID, Key: k, Reason: "unknown key (MCP tools take no configuration)"}
	}
	return nil
}

// Execute calls the tool on the server.
func (r *remoteTool) Execute(ctx context.Context, input json.RawMessage) tool.Result {
	if len(input) == 0 {
		input = json.RawMessage("{}")
	}
	res, err := r.session.CallTool(ctx, &mcpsdk.CallToolParams{Name: r.name, Arguments: input})
	if err != nil {
		return tool.Failure(r.meta.ID, r.callError(ctx, err))
	}
	if res != nil && res.NeedsInput() {
		return tool.Failure(r.meta.ID, fmt.Errorf("mcp tool %q: the server asks the client for input, which a kgas tool call cannot give", r.name))
	}
	data, err := decodeResult(r.meta.ID, r.name, res)
	if err != nil {
		return tool.Failure(r.meta.ID, err)
	}
	return tool.Success(r.meta.ID, data)
}

// callError classifies a failed CallTool: the caller's context, a
// JSON-RPC error from the server, or a transport failure (transient).
func (r *remoteTool) callError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("mcp: calling %q: %w", r.name, ctxErr)
	}
	if _, ok := errors.AsType[*jsonRPCError](err); ok {
		return fmt.Errorf("mcp: server rejected the call of %q: %w", r.name, err)
	}
	return tool.Transient(fmt.Errorf("mcp: calling %q: %w", r.name, err))
}

func (r *remoteTool) Close() error { return nil }
