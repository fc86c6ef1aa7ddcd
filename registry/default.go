package registry

import "github.com/kgas-dev/kgas/tool"

// defaultRegistry is the one package-level registry, for init-time
// plugins.
var defaultRegistry = New()

// Default returns the default registry, which holds what plugins added
// with the package-level Register and RegisterFactory.
func Default() *Registry { return defaultRegistry }

// Register adds t to the default registry.
func Register(t tool.Tool) error { return defaultRegistry.Register(t) }

// RegisterFactory adds a lazily made tool to the default registry.
func RegisterFactory(id string, f Factory) error { return defaultRegistry.RegisterFactory(id, f) }
