package mcp

import (
	"log/slog"
	"runtime/debug"
	"slices"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// Option configures [NewServer] and [AddTools]. The selection options
// (WithIDs, WithCategory, WithTags, WithQuery, WithFilter) combine: a tool
// is exposed when it passes every one given; giving the same option twice
// keeps the later one.
type Option func(*serveOptions)

type serveOptions struct {
	impl       *mcpsdk.Implementation
	sdk        *mcpsdk.ServerOptions
	logger     *slog.Logger
	ids        []string
	categories []string
	tags       []string
	query      *registry.Query
	filter     func(tool.Tool) bool
}

// WithImplementation sets the name and version the server reports to its
// clients. Default: name "kgas", version the kgas module's version from
// the build information ("(devel)" when unknown).
func WithImplementation(impl mcpsdk.Implementation) Option {
	return func(o *serveOptions) { o.impl = &impl }
}

// WithServerOptions passes options to mcpsdk.NewServer (instructions,
// keep-alive, page size, ...). Default: nil, the SDK's defaults. Ignored
// by AddTools, whose server already exists.
func WithServerOptions(opts *mcpsdk.ServerOptions) Option {
	return func(o *serveOptions) { o.sdk = opts }
}

// WithLogger sets the logger for warnings about tools that cannot be
// described fully (for example data that does not match the tool's own
// output schema). Default: slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(o *serveOptions) { o.logger = l }
}

// WithIDs exposes only the tools with these IDs; an ID the registry does
// not hold is an error. Default: every tool.
func WithIDs(ids ...string) Option {
	return func(o *serveOptions) { o.ids = slices.Clone(ids) }
}

// WithCategory exposes only the tools in one of these categories.
// Default: every category.
func WithCategory(categories ...string) Option {
	return func(o *serveOptions) { o.categories = slices.Clone(categories) }
}

// WithTags exposes only the tools that carry at least one of these tags.
// Default: no tag is required.
func WithTags(tags ...string) Option {
	return func(o *serveOptions) { o.tags = slices.Clone(tags) }
}

// WithQuery exposes only the tools matching q (see registry.Query).
// Default: every tool.
func WithQuery(q registry.Query) Option {
	return func(o *serveOptions) { o.query = &q }
}

// WithFilter exposes only the tools for which keep returns true. Default:
// every tool.
func WithFilter(keep func(tool.Tool) bool) Option {
	return func(o *serveOptions) { o.filter = keep }
}

func defaultImplementation() *mcpsdk.Implementation {
	impl := &mcpsdk.Implementation{Name: "kgas", Version: "(devel)"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return impl
	}
	const path = "github.com/kgas-dev/kgas"
	if bi.Main.Path == path && bi.Main.Version != "" {
		impl.Version = bi.Main.Version
		return impl
	}
	for _, d := range bi.Deps {
		if d.Path == path && d.Version != "" {
			impl.Version = d.Version
		}
	}
	return impl
}

// RemoteOption configures [RegisterRemote].
type RemoteOption func(*remoteOptions)

type remoteOptions struct {
	prefix   string
	category string
	tags     []string
	names    []string
	filter   func(*mcpsdk.Tool) bool
	toolOpts []tool.Option
}

// WithPrefix puts prefix before every registered ID, for example "gh_" to
// register the remote tool "search" as "gh_search". The prefix must be
// lowercase letters, digits, '_' or '-', starting with a letter or digit,
// and at most 32 characters long. Default: no prefix.
func WithPrefix(prefix string) RemoteOption {
	return func(o *remoteOptions) { o.prefix = prefix }
}

// WithRemoteCategory sets the category of the registered tools. Default:
// "mcp".
func WithRemoteCategory(category string) RemoteOption {
	return func(o *remoteOptions) { o.category = category }
}

// WithRemoteTags sets the tags of the registered tools. Default: none.
func WithRemoteTags(tags ...string) RemoteOption {
	return func(o *remoteOptions) { o.tags = slices.Clone(tags) }
}

// WithRemoteNames registers only the remote tools with these names (the
// server's names, before any prefix); a name the server does not list is
// an error. Default: every tool the server lists.
func WithRemoteNames(names ...string) RemoteOption {
	return func(o *remoteOptions) { o.names = slices.Clone(names) }
}

// WithRemoteFilter registers only the remote tools for which keep returns
// true. Default: every tool the server lists.
func WithRemoteFilter(keep func(*mcpsdk.Tool) bool) RemoteOption {
	return func(o *remoteOptions) { o.filter = keep }
}

// WithToolOptions applies kgas tool options to every registered tool: a
// timeout (tool.WithTimeout), retries of transport failures
// (tool.WithRetry), capabilities and a concurrency bound
// (tool.WithCapabilities). Default: no timeout beyond the caller's
// context, no retries, Async and Concurrent with no bound.
func WithToolOptions(opts ...tool.Option) RemoteOption {
	return func(o *remoteOptions) { o.toolOpts = slices.Clone(opts) }
}
