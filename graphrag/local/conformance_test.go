package local

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/kg/kgtest"
)

// TestConformance runs the kg.Store conformance suite against Store.
func TestConformance(t *testing.T) {
	kgtest.Run(t, func(t *testing.T) kg.Store {
		s, err := Open(filepath.Join(t.TempDir(), "kg.db"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
