package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// ErrNoTools is returned by NewServer and AddTools when the registry holds
// no tool that passes the selection options.
var ErrNoTools = errors.New("mcp: no tools selected")

// NewServer returns an MCP server whose tools are reg's tools (or those
// the options select). The selection is made now: tools registered in
// reg later are not exposed (call AddTools for them). Calls run through
// reg.Execute, so reg must stay open while the server serves; tools that
// need configuration must have been initialized (reg.InitializeAll).
//
// The error names the offending option or tool: a nil registry, an ID in
// WithIDs that reg does not hold (or whose factory fails), a tool whose
// input schema is not a JSON object schema, or no tool selected at all
// ([ErrNoTools]).
func NewServer(reg *registry.Registry, opts ...Option) (*mcpsdk.Server, error) {
	o := serveOptions{}
	for _, opt := range opts {
		opt(&o)
	}
	if reg == nil {
		return nil, errors.New("mcp: NewServer: registry is nil")
	}
	defs, err := definitions(reg, &o)
	if err != nil {
		return nil, err
	}
	impl := o.impl
	if impl == nil {
		impl = defaultImplementation()
	}
	srv := mcpsdk.NewServer(impl, o.sdk)
	for _, d := range defs {
		srv.AddTool(d.tool, d.handler)
	}
	return srv, nil
}

// AddTools adds reg's tools (or those the options select) to srv and
// returns their IDs in order. A tool with the same name already on srv is
// replaced. Errors are those of NewServer; on error nothing is added.
func AddTools(srv *mcpsdk.Server, reg *registry.Registry, opts ...Option) ([]string, error) {
	o := serveOptions{}
	for _, opt := range opts {
		opt(&o)
	}
	if srv == nil {
		return nil, errors.New("mcp: AddTools: server is nil")
	}
	if reg == nil {
		return nil, errors.New("mcp: AddTools: registry is nil")
	}
	defs, err := definitions(reg, &o)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(defs))
	for i, d := range defs {
		srv.AddTool(d.tool, d.handler)
		ids[i] = d.tool.Name
	}
	return ids, nil
}

// served is one registry tool as the SDK sees it.
type served struct {
	tool    *mcpsdk.Tool
	handler mcpsdk.ToolHandler
}

// definitions selects reg's tools and describes each one, or fails
// without side effects.
func definitions(reg *registry.Registry, o *serveOptions) ([]served, error) {
	logger := o.logger
	if logger == nil {
		logger = slog.Default()
	}
	var q registry.Query
	if o.query != nil {
		q = *o.query
	}
	all := reg.Find(q)
	for i, id := range o.ids {
		// Get also reports a tool whose factory failed, which Find skips.
		if _, err := reg.Get(id); err != nil {
			return nil, fmt.Errorf("mcp: WithIDs[%d] %q: %w", i, id, err)
		}
	}
	var out []served
	for _, t := range all {
		m := t.Metadata()
		switch {
		case len(o.ids) > 0 && !slices.Contains(o.ids, m.ID),
			len(o.categories) > 0 && !slices.Contains(o.categories, m.Category),
			len(o.tags) > 0 && !slices.ContainsFunc(o.tags, m.HasTag),
			o.filter != nil && !o.filter(t):
			continue
		}
		d, err := describe(reg, t, logger)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w (registry holds %d tools; check WithIDs, WithCategory, WithTags, WithQuery, WithFilter)", ErrNoTools, reg.Len())
	}
	return out, nil
}

// describe makes the MCP definition and handler of t.
func describe(reg *registry.Registry, t tool.Tool, logger *slog.Logger) (served, error) {
	m := t.Metadata()
	in := tool.Parameters(t)
	var shape struct {
		Type any `json:"type"`
	}
	if err := json.Unmarshal(in, &shape); err != nil || shape.Type != "object" {
		return served{}, fmt.Errorf("mcp: tool %q: input schema must be a JSON object schema with \"type\":\"object\" (got %.80s)", m.ID, in)
	}
	def := &mcpsdk.Tool{Name: m.ID, Description: m.Description, InputSchema: in}
	if m.Name != m.ID {
		def.Title = m.Name
	}
	var outCheck *tool.Validator
	if s := t.OutputSchema(); len(s) > 0 {
		v, err := tool.NewValidator(s)
		if err != nil {
			// The SDK would pass the schema on, but a client could not use
			// it either: describe the tool without it.
			logger.Warn("mcp: output schema left out", "tool", m.ID, "error", err)
		} else {
			def.OutputSchema = s
			outCheck = v
		}
	}
	return served{tool: def, handler: handlerFor(reg, m.ID, outCheck, logger)}, nil
}

// handlerFor runs calls of tool id through reg.
func handlerFor(reg *registry.Registry, id string, outCheck *tool.Validator, logger *slog.Logger) mcpsdk.ToolHandler {
	return func(ctx context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
		var args json.RawMessage
		if req != nil && req.Params != nil {
			args = req.Params.Arguments
		}
		r := reg.Execute(ctx, id, args)
		return callResult(r, outCheck, logger), nil
	}
}

// callResult turns a kgas result into an MCP one: the data as JSON text
// (and structuredContent when it matches the output schema), or the
// structured error with isError set.
func callResult(r tool.Result, outCheck *tool.Validator, logger *slog.Logger) *mcpsdk.CallToolResult {
	if !r.OK() {
		err := r.Err
		if err == nil {
			err = fmt.Errorf("tool %q: failed without an error", r.ToolID)
		}
		return errorResult(err)
	}
	text, err := encodeJSON(r.Data)
	if err != nil {
		return errorResult(fmt.Errorf("tool %q: result is not JSON-encodable: %w", r.ToolID, err))
	}
	res := &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: text}}}
	if outCheck != nil && text != "null" {
		if err := outCheck.Validate(json.RawMessage(text)); err != nil {
			logger.Warn("mcp: tool data does not match its output schema; structuredContent left out",
				"tool", r.ToolID, "error", strings.TrimPrefix(err.Error(), `tool "": `))
		} else {
			res.StructuredContent = json.RawMessage(text)
		}
	}
	return res
}

// errorResult is the isError result for err: {"error": tool.ErrorInfo}.
func errorResult(err error) *mcpsdk.CallToolResult {
	text, encErr := encodeJSON(map[string]any{"error": tool.Info(err)})
	if encErr != nil {
		text = err.Error()
	}
	res := &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: text}}}
	res.SetError(err) // keeps Content; lets SDK middleware see the error
	return res
}

// encodeJSON renders v as compact JSON without HTML escaping, so that a
// model reads "<=" rather than "\u003c=".
func encodeJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
