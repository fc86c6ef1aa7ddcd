package astrastore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra"
	"github.com/kgas-dev/kgas/astra/astratest"
	"github.com/kgas-dev/kgas/graphrag/astrastore"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/kg/kgtest"
)

// newServer starts a fresh Data API server and a client on it.
func newServer(t *testing.T) (*astratest.Server, *astra.Client) {
	t.Helper()
	srv, err := astratest.NewServer()
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	c, err := astra.New(astra.WithoutEnvironment(), astra.WithEndpoint(srv.URL()))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return srv, c
}

func open(t *testing.T, opts ...astrastore.Option) (*astratest.Server, *astrastore.Store) {
	t.Helper()
	srv, c := newServer(t)
	st, err := astrastore.New(t.Context(), c, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return srv, st
}

// TestConformance runs the suite with the dimension learned from the first
// embedding (nodes written before it are migrated to the vector
// collection).
func TestConformance(t *testing.T) {
	kgtest.Run(t, func(t *testing.T) kg.Store {
		_, st := open(t)
		return st
	})
}

// TestConformanceDimension runs the suite with the dimension given up
// front.
func TestConformanceDimension(t *testing.T) {
	kgtest.Suite{Open: func(t *testing.T, dim int) kg.Store {
		_, st := open(t, astrastore.WithDimension(dim))
		return st
	}}.Run(t)
}
