package openai_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testKey is the API key the tests use; it must never leak.
const testKey = "sk-test-SECRET-0123456789"

// start runs a simulator for the test and closes it afterwards.
func start(t testing.TB, cfg llmtest.Config) *llmtest.Server {
	t.Helper()
	srv, err := llmtest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	return srv
}

// fastRetries makes retries quick enough for unit tests.
func fastRetries() openai.Option {
	return openai.WithAPIClientOptions(apiclient.WithBackoff(time.Millisecond, 4*time.Millisecond))
}

// client returns a Client on srv, closed with the test; the environment
// is ignored.
func client(t testing.TB, srv *llmtest.Server, opts ...openai.Option) *openai.Client {
	t.Helper()
	base := []openai.Option{openai.WithoutEnvironment(), openai.WithBaseURL(srv.URL()), openai.WithAPIKey(testKey), fastRetries()}
	c, err := openai.New(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}
