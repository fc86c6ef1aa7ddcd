package registry

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/kgas-dev/kgas/tool"
)

// InitError reports a tool that failed to initialize.
type InitError struct {
	// ToolID is the tool.
	ToolID string
	// Err is its error.
	Err error
}

func (e *InitError) Error() string {
	return fmt.Sprintf("registry: initialize %q: %v", e.ToolID, e.Err)
}

// Unwrap returns the tool's error.
func (e *InitError) Unwrap() error { return e.Err }

// InitializeAll initializes every registered tool concurrently, each with
// configs[id] (nil when absent). A config for an ID that is not registered
// is an error. Every failure is reported, each as an *InitError naming its
// tool, joined in ID order; nil means every tool is ready.
func (r *Registry) InitializeAll(ctx context.Context, configs map[string]tool.Config) error {
	entries := r.sorted()
	var errs []error
	known := make(map[string]bool, len(entries))
	for _, e := range entries {
		known[e.id] = true
	}
	unknown := make([]string, 0)
	for id := range configs {
		if !known[id] {
			unknown = append(unknown, id)
		}
	}
	sort.Strings(unknown)
	for _, id := range unknown {
		errs = append(errs, &InitError{ToolID: id, Err: fmt.Errorf("config given for a tool that is not registered: %w", tool.ErrUnknownTool)})
	}
	failures := make([]error, len(entries))
	var wg sync.WaitGroup
	for i, e := range entries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t, err := e.resolve()
			if err == nil {
				err = t.Initialize(ctx, configs[e.id])
			}
			if err != nil {
				failures[i] = &InitError{ToolID: e.id, Err: err}
			}
		}()
	}
	wg.Wait()
	for _, f := range failures {
		if f != nil {
			errs = append(errs, f)
		}
	}
	return errors.Join(errs...)
}
