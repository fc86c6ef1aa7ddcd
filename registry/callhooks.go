package registry

import (
	"context"

	"github.com/kgas-dev/kgas/tool"
)

// callHooksKey carries the hooks added by WithCallHooks.
type callHooksKey struct{}

// WithCallHooks returns a context under which Execute and ExecuteAll also
// call h, after the registry's own hooks, for the calls made with that
// context. It lets one caller (an agent run, a request handler) observe its
// own calls as they start and end, without a registry-wide hook. Calling
// WithCallHooks on such a context adds to its hooks. The hooks see only
// the calls made directly with the context: a tool gets a context without
// them, so the calls it makes itself (on any registry) are not reported to
// its caller's hooks.
func WithCallHooks(ctx context.Context, h Hooks) context.Context {
	if h.OnStart == nil && h.OnEnd == nil {
		return ctx
	}
	prev, _ := ctx.Value(callHooksKey{}).([]Hooks)
	list := make([]Hooks, len(prev), len(prev)+1)
	copy(list, prev)
	return context.WithValue(ctx, callHooksKey{}, append(list, h))
}

// onStart calls the registry's and ctx's start hooks.
func (r *Registry) onStart(ctx context.Context, ev Event) {
	if r.hooks.OnStart != nil {
		r.hooks.OnStart(ctx, ev)
	}
	hs, _ := ctx.Value(callHooksKey{}).([]Hooks)
	for _, h := range hs {
		if h.OnStart != nil {
			h.OnStart(ctx, ev)
		}
	}
}

// onEnd calls the registry's and ctx's end hooks.
func (r *Registry) onEnd(ctx context.Context, ev Event, res tool.Result) {
	if r.hooks.OnEnd != nil {
		r.hooks.OnEnd(ctx, ev, res)
	}
	hs, _ := ctx.Value(callHooksKey{}).([]Hooks)
	for _, h := range hs {
		if h.OnEnd != nil {
			h.OnEnd(ctx, ev, res)
		}
	}
}

// withoutCallHooks returns ctx with no call hooks, for the tool's own use.
func withoutCallHooks(ctx context.Context) context.Context {
	if hs, _ := ctx.Value(callHooksKey{}).([]Hooks); len(hs) == 0 {
		return ctx
	}
	return context.WithValue(ctx, callHooksKey{}, []Hooks(nil))
}
