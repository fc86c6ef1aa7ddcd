package openaitool

import (
	"github.com/kgas-dev/kgas/tool"
	"github.com/sashabaranov/go-openai"
)

// Definition returns the openai.Tool describing t: type "function", the
// tool's ID as the function name, its description, and its input schema
// as parameters.
func Definition(t tool.Tool) openai.Tool {
	m := t.Metadata()
	return openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
		Name: m.ID, Description: m.Description, Parameters: tool.Parameters(t),
	}}
}

// Definitions returns the definitions of ts, in order.
func Definitions(ts ...tool.Tool) []openai.Tool {
	out := make([]openai.Tool, len(ts))
	for i, t := range ts {
		out[i] = Definition(t)
	}
	return out
}
