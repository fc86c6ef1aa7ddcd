package openai_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/llm/openai"
)

// Environment tests cannot run in parallel (t.Setenv).
func TestNewEnvironment(t *testing.T) {
	t.Setenv(openai.EnvAPIKey, "")
	t.Setenv(openai.EnvBaseURL, "")
	t.Setenv(openai.EnvOrgID, "")
	t.Setenv(openai.EnvChatModel, "")
	t.Setenv(openai.EnvEmbeddingModel, "")
	t.Setenv(openai.EnvEmbeddingDimensions, "")

	_, err := openai.New()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "OPENAI_API_KEY")

	// A local server needs no key.
	c, err := openai.New(openai.WithBaseURL("http://127.0.0.1:1/v1"))
	require.NoError(t, err)
	assert.Equal(t, openai.DefaultChatModel, c.ChatModelName())
	assert.Equal(t, openai.DefaultEmbeddingModel, c.Model())
	assert.Equal(t, 1536, c.Dimension())
	require.NoError(t, c.Close())

	t.Setenv(openai.EnvAPIKey, testKey)
	t.Setenv(openai.EnvOrgID, "org-1")
	t.Setenv(openai.EnvChatModel, "env-chat")
	t.Setenv(openai.EnvEmbeddingModel, "text-embedding-3-large")
	c, err = openai.New()
	require.NoError(t, err)
	assert.Equal(t, "env-chat", c.ChatModelName())
	assert.Equal(t, "text-embedding-3-large", c.Model())
	assert.Equal(t, 3072, c.Dimension())
	require.NoError(t, c.Close())

	// Options win over the environment.
	t.Setenv(openai.EnvEmbeddingDimensions, "256")
	c, err = openai.New(openai.WithChatModel("opt-chat"), openai.WithEmbeddingModel("my-embedder"))
	require.NoError(t, err)
	assert.Equal(t, "opt-chat", c.ChatModelName())
	assert.Equal(t, "my-embedder", c.Model())
	assert.Equal(t, 256, c.Dimension())
	require.NoError(t, c.Close())

	t.Setenv(openai.EnvEmbeddingDimensions, "many")
	_, err = openai.New()
	require.ErrorContains(t, err, openai.EnvEmbeddingDimensions)

	// WithoutEnvironment ignores it all: no key again.
	_, err = openai.New(openai.WithoutEnvironment())
	require.ErrorContains(t, err, "OPENAI_API_KEY")
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	bad := []openai.Option{
		openai.WithEmbeddingDimensions(0), openai.WithMaxEmbedBatch(0), openai.WithMaxEmbedTokens(-1),
		openai.WithAPIClient(nil), openai.WithAzure(""), openai.WithBaseURL("ftp://x"),
		openai.WithAPIClientOptions(apiclient.WithConcurrency(-1)),
	}
	for i, o := range bad {
		_, err := openai.New(openai.WithoutEnvironment(), openai.WithAPIKey("k"), o)
		assert.Error(t, err, i)
	}
	ac, err := apiclient.New()
	require.NoError(t, err)
	defer ac.Close()
	c, err := openai.New(openai.WithoutEnvironment(), openai.WithAPIKey("k"), openai.WithAPIClient(ac), nil)
	require.NoError(t, err)
	assert.Same(t, ac, c.APIClient())
	require.NoError(t, c.Close())
}

func TestStringHidesKey(t *testing.T) {
	t.Parallel()
	c, err := openai.New(openai.WithoutEnvironment(), openai.WithAPIKey(testKey),
		openai.WithBaseURL("https://user:pw@example.com/v1?token=abc"), openai.WithOrganization("org-x"),
		openai.WithEmbeddingDimensions(64))
	require.NoError(t, err)
	defer c.Close()
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v %#v %s", c, c, c, c)} {
		assert.NotContains(t, s, testKey)
		assert.NotContains(t, s, "SECRET")
		assert.NotContains(t, s, "pw")
		assert.NotContains(t, s, "abc")
		assert.Contains(t, s, "api_key=set")
	}
}
