package agent

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// toolSet is the tools one run offers the model.
type toolSet struct {
	byID map[string]tool.Tool
	defs []llm.ToolDef
	ids  []string // in registry (ID) order
}

// selectTools resolves the configuration's selection options against reg.
func (c *config) selectTools(reg *registry.Registry) (*toolSet, error) {
	if err := c.checkIDs(reg); err != nil {
		return nil, err
	}
	q := registry.Query{}
	if c.query != nil {
		q = *c.query
	}
	ts := &toolSet{byID: make(map[string]tool.Tool)}
	for _, t := range reg.Find(q) {
		m := t.Metadata()
		switch {
		case c.explicit && !slices.Contains(c.ids, m.ID):
			continue
		case len(c.categories) > 0 && !slices.Contains(c.categories, m.Category):
			continue
		case len(c.tags) > 0 && !slices.ContainsFunc(c.tags, m.HasTag):
			continue
		case c.filter != nil && !c.filter(t):
			continue
		}
		ts.byID[m.ID] = t
		ts.ids = append(ts.ids, m.ID)
		ts.defs = append(ts.defs, llm.ToolDef{Name: m.ID, Description: m.Description, Parameters: tool.Parameters(t)})
	}
	return ts, nil
}

// checkIDs reports the IDs of WithTools and WithQuery that reg cannot
// provide.
func (c *config) checkIDs(reg *registry.Registry) error {
	ids := slices.Clone(c.ids)
	if c.query != nil {
		for _, id := range c.query.IDs {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	var ue UnknownToolsError
	for _, id := range ids {
		if _, err := reg.Get(id); err != nil {
			ue.IDs = append(ue.IDs, id)
			ue.Errs = append(ue.Errs, err)
		}
	}
	if len(ue.IDs) > 0 {
		return &ue
	}
	return nil
}

// notOffered is the error of a call to a tool the run does not offer.
func (ts *toolSet) notOffered(name string) error {
	avail := "none"
	if len(ts.ids) > 0 {
		avail = strings.Join(ts.ids, ", ")
	}
	return fmt.Errorf("%w: %q is not one of the available tools (%s)", tool.ErrUnknownTool, name, avail)
}

// DefaultToolMessage writes a tool call's result as the tool message the
// model reads. Success: the data itself when it is a string or raw JSON,
// else the data as JSON. Failure: a JSON object with the error's kind,
// message, whether retrying may help and, for invalid input, each
// offending field:
//
//	{"error":{"kind":"invalid_input","message":"…","retryable":false,
//	  "fields":[{"field":"days","rule":"maximum","message":"must be <= 14, got 99"}]}}
func DefaultToolMessage(_ llm.ToolCall, r tool.Result) string {
	if r.Err != nil || r.Status != tool.StatusSuccess {
		return errorMessage(tool.Info(r.Err))
	}
	switch d := r.Data.(type) {
	case string:
		return d
	case json.RawMessage:
		if json.Valid(d) {
			return string(d)
		}
	}
	b, err := json.Marshal(r.Data)
	if err != nil {
		return errorMessage(&tool.ErrorInfo{Kind: tool.KindExecution, Message: "the tool's output is not JSON-encodable: " + err.Error()})
	}
	return string(b)
}

func errorMessage(info *tool.ErrorInfo) string {
	if info == nil {
		info = &tool.ErrorInfo{Kind: tool.KindExecution, Message: "the tool failed without an error"}
	}
	b, err := json.Marshal(struct {
		Error *tool.ErrorInfo `json:"error"`
	}{info})
	if err != nil { // unreachable: ErrorInfo holds strings and a bool
		return `{"error":{"kind":"execution","message":"unencodable error"}}`
	}
	return string(b)
}

// sanitize returns the model's message in a form every later request
// accepts: role assistant, every tool call with a distinct id, a name and valid
// JSON arguments (invalid arguments become {}; the call itself still gets
// the model's text, and so the validation error).
func sanitize(m llm.Message, step int) llm.Message {
	m.Role = llm.RoleAssistant
	m.ToolCallID = ""
	if len(m.ToolCalls) == 0 {
		return m
	}
	calls := slices.Clone(m.ToolCalls)
	seen := make(map[string]bool, len(calls))
	for i := range calls {
		c := &calls[i]
		for k := 0; c.ID == "" || seen[c.ID]; k++ {
			c.ID = fmt.Sprintf("call_%d_%d", step, i)
			if k > 0 {
				c.ID += fmt.Sprintf("_%d", k)
			}
		}
		seen[c.ID] = true
		if c.Name == "" {
			c.Name = "unnamed"
		}
		if len(c.Arguments) > 0 && !json.Valid(c.Arguments) {
			c.Arguments = json.RawMessage(`{}`)
		}
	}
	m.ToolCalls = calls
	return m
}
