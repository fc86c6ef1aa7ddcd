package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
	"pgregory.net/rapid"
)

type propIn struct {
	I    int    `json:"i"`
	Mode string `json:"mode" jsonschema:"enum=ok,enum=fail,enum=panic,enum=hang,enum=transient"`
}

// TestExecuteAllProperty: whatever the tools do (succeed, fail, panic, time
// out, be unknown, get invalid input) and whether or not the batch is
// cancelled, ExecuteAll returns exactly one result per call, in call order,
// each matching what its call did.
func TestExecuteAllProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		r := registry.New(registry.WithMaxConcurrency(rapid.IntRange(0, 8).Draw(rt, "global")))
		defer r.Close()
		fn := func(ctx context.Context, in propIn) (int, error) {
			switch in.Mode {
			case "fail":
				return 0, fmt.Errorf("call %d failed", in.I)
			case "panic":
				panic(in.I)
			case "hang":
				<-ctx.Done()
				return 0, ctx.Err()
			case "transient":
				return 0, tool.Transient(errors.New("flaky"))
			}
			return in.I, nil
		}
		for _, id := range []string{"t1", "t2"} {
			caps := tool.Capabilities{Concurrent: true, MaxConcurrency: rapid.IntRange(0, 3).Draw(rt, id+"-bound")}
			f, err := tool.New(tool.Metadata{ID: id, Description: "d"}, fn,
				tool.WithTimeout(5*time.Millisecond), tool.WithCapabilities(caps), tool.WithRetry(2, time.Microsecond))
			if err != nil {
				rt.Fatal(err)
			}
			if err := r.Register(f); err != nil {
				rt.Fatal(err)
			}
		}
		modes := []string{"ok", "fail", "panic", "hang", "transient", "unknown", "invalid"}
		n := rapid.IntRange(0, 40).Draw(rt, "n")
		calls := make([]registry.Call, n)
		kinds := make([]string, n)
		for i := range calls {
			mode := rapid.SampledFrom(modes).Draw(rt, "mode")
			kinds[i] = mode
			id := rapid.SampledFrom([]string{"t1", "t2"}).Draw(rt, "id")
			input := fmt.Sprintf(`{"i":%d,"mode":%q}`, i, mode)
			switch mode {
			case "unknown":
				id = "missing"
			case "invalid":
				input = fmt.Sprintf(`{"i":"%d","mode":"ok"}`, i)
			}
			calls[i] = registry.Call{ID: id, Input: json.RawMessage(input)}
		}
		ctx := context.Background()
		cancelled := rapid.Bool().Draw(rt, "cancel")
		if cancelled {
			c, cancel := context.WithTimeout(ctx, time.Duration(rapid.IntRange(0, 3).Draw(rt, "cancel_ms"))*time.Millisecond)
			defer cancel()
			ctx = c
		}
		res := r.ExecuteAll(ctx, calls)
		if len(res) != n {
			rt.Fatalf("got %d results for %d calls", len(res), n)
		}
		for i, got := range res {
			if got.ToolID != calls[i].ID {
				rt.Fatalf("result %d is for %q, call was %q", i, got.ToolID, calls[i].ID)
			}
			if got.OK() {
				if kinds[i] != "ok" || got.Data != i {
					rt.Fatalf("result %d: unexpected success %v for mode %s", i, got.Data, kinds[i])
				}
				continue
			}
			k := tool.KindOf(got.Err)
			want := map[string]tool.Kind{"fail": tool.KindExecution, "panic": tool.KindPanic, "hang": tool.KindTimeout,
				"transient": tool.KindTransient, "unknown": tool.KindUnknownTool, "invalid": tool.KindInvalidInput}[kinds[i]]
			if k == want {
				continue
			}
			// The 5 ms tool timeout may fire for any call that runs (a
			// loaded machine can take that long to schedule one), and
			// under cancellation any call may end early instead.
			if k == tool.KindTimeout && kinds[i] != "unknown" && kinds[i] != "invalid" {
				continue
			}
			if cancelled && (k == tool.KindTimeout || k == tool.KindCanceled) {
				continue
			}
			rt.Fatalf("result %d (mode %s): kind %s, error %v", i, kinds[i], k, got.Err)
		}
	})
}
