package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/kgas-dev/kgas/agent"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// invariantRegistry holds one tool per behaviour the property test mixes.
func invariantRegistry(t testing.TB) *registry.Registry {
	mk := func(id string, caps tool.Capabilities, fn func(context.Context, NIn) (int, error)) tool.Tool {
		f, err := tool.New(tool.Metadata{ID: id, Description: id}, fn, tool.WithCapabilities(caps))
		require.NoError(t, err)
		return f
	}
	conc := tool.Capabilities{Async: true, Concurrent: true}
	return newRegistry(t,
		mk("ok", conc, func(_ context.Context, in NIn) (int, error) { return in.N, nil }),
		mk("serial", tool.Capabilities{}, func(_ context.Context, in NIn) (int, error) { return in.N, nil }),
		mk("fail", conc, func(context.Context, NIn) (int, error) { return 0, errors.New("no") }),
		mk("panic", conc, func(context.Context, NIn) (int, error) { panic("p") }),
	)
}

// behaviours maps a kind of call to the tool, the arguments and the error
// kind it must produce.
var behaviours = []struct {
	name, tool, args string
	kind             tool.Kind
}{
	{"ok", "ok", `{"n":%d}`, ""},
	{"serial", "serial", `{"n":%d}`, ""},
	{"fail", "fail", `{"n":%d}`, tool.KindExecution},
	{"panic", "panic", `{"n":%d}`, tool.KindPanic},
	{"unknown", "zzz", `{"n":%d}`, tool.KindUnknownTool},
	{"invalid", "ok", `{"n":"x%d"}`, tool.KindInvalidInput},
	{"not json", "ok", `{"n":%d`, tool.KindInvalidInput},
}

// Whatever a turn holds (any mix of tools, outcomes, missing or repeated
// call ids, sequential or not), every call gets exactly one record and one
// tool message, in the model's order, answering a distinct call id, and
// the next request is valid.
func TestTurnInvariants(t *testing.T) {
	reg := invariantRegistry(t)
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(0, 8).Draw(rt, "n")
		var tcs []llm.ToolCall
		var kinds []tool.Kind
		for i := range n {
			b := behaviours[rapid.IntRange(0, len(behaviours)-1).Draw(rt, "behaviour")]
			id := rapid.SampledFrom([]string{"", "dup", fmt.Sprintf("id%d", i)}).Draw(rt, "id")
			tcs = append(tcs, llm.ToolCall{ID: id, Name: b.tool, Arguments: json.RawMessage(fmt.Sprintf(b.args, i))})
			kinds = append(kinds, b.kind)
		}
		var opts []agent.Option
		if rapid.Bool().Draw(rt, "sequential") {
			opts = append(opts, agent.WithSequentialTools())
		}
		m := fakeModel(llm.Message{Role: llm.RoleAssistant, ToolCalls: tcs})
		a, err := agent.New(m, reg, opts...)
		require.NoError(rt, err)

		res, err := a.RunPrompt(context.Background(), "go")
		require.NoError(rt, err)
		if n == 0 { // a message without calls is the (empty) answer
			require.Equal(rt, 1, res.Steps)
			require.Empty(rt, res.Calls)
			require.Empty(rt, res.Answer)
			return
		}
		require.Equal(rt, "done", res.Answer)
		require.Equal(rt, 2, res.Steps)
		require.Len(rt, res.Calls, n)
		reqs := m.requests()
		require.Len(rt, reqs, 2)
		msgs := reqs[1].Messages
		require.Len(rt, msgs, 2+n)
		asst := msgs[1]
		require.Len(rt, asst.ToolCalls, n)
		seen := map[string]bool{}
		for i, rec := range res.Calls {
			id := asst.ToolCalls[i].ID
			require.NotEmpty(rt, id)
			require.False(rt, seen[id], "call id %q repeated", id)
			seen[id] = true
			require.Equal(rt, i, rec.Index)
			require.Equal(rt, id, rec.ID)
			require.Equal(rt, tcs[i].Name, rec.Tool)
			require.Equal(rt, kinds[i], tool.KindOf(rec.Result.Err), "call %d (%s)", i, rec.Tool)
			require.LessOrEqual(rt, rec.Start, rec.End)
			tm := msgs[2+i]
			require.Equal(rt, llm.RoleTool, tm.Role)
			require.Equal(rt, id, tm.ToolCallID)
			require.Equal(rt, rec.Content, tm.Content)
			if kinds[i] == "" {
				require.Equal(rt, fmt.Sprint(i), tm.Content)
			}
		}
	})
}

// No tool call a model can send (any id, name or arguments) makes the
// agent build an invalid next request or fail the run.
func FuzzModelToolCall(f *testing.F) {
	f.Add("c1", "ok", `{"n":1}`)
	f.Add("", "", "")
	f.Add("x", "panic", `{"n":`)
	f.Add("x", "zzz", `null`)
	f.Add("dup", "serial", `[1,2]`)
	f.Add("id", "ok", "\xff")
	reg := invariantRegistry(f)
	f.Fuzz(func(t *testing.T, id, name, args string) {
		var raw json.RawMessage
		if args != "" {
			raw = json.RawMessage(args)
		}
		m := fakeModel(llm.Message{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{
			{ID: id, Name: name, Arguments: raw},
			{ID: id, Name: name, Arguments: raw},
		}})
		a, err := agent.New(m, reg)
		require.NoError(t, err)
		res, err := a.RunPrompt(context.Background(), "go")
		require.NoError(t, err)
		require.Equal(t, "done", res.Answer)
		require.Len(t, res.Calls, 2)
		require.NotEqual(t, res.Calls[0].ID, res.Calls[1].ID)
		require.Equal(t, args, string(res.Calls[0].Arguments))
	})
}
