package openaitool_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/kgas-dev/kgas/tool"
	"github.com/kgas-dev/kgas/tool/openaitool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefinition(t *testing.T) {
	f, err := tool.New(tool.Metadata{ID: "lookup", Description: "Looks up a node"}, func(_ context.Context, in struct {
		ID   string `json:"id" jsonschema:"description=Node id"`
		Kind string `json:"kind,omitempty" jsonschema:"enum=entity,enum=chunk"`
	}) (string, error) {
		return in.ID, nil
	})
	require.NoError(t, err)
	noIn, err := tool.New(tool.Metadata{ID: "now", Description: "Current time"}, func(context.Context, struct{}) (string, error) { return "", nil })
	require.NoError(t, err)

	b, err := json.Marshal(openaitool.Definitions(f, noIn))
	require.NoError(t, err)
	assert.JSONEq(t, `[
	 {"type":"function","function":{"name":"lookup","description":"Looks up a node","parameters":{
	   "type":"object","additionalProperties":false,"required":["id"],
	   "properties":{"id":{"type":"string","description":"Node id"},"kind":{"type":"string","enum":["entity","chunk"]}}}}},
	 {"type":"function","function":{"name":"now","description":"Current time","parameters":{"type":"object","properties":{},"additionalProperties":false}}}
	]`, string(b))
}
