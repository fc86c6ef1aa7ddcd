package watsonx

import (
	"errors"
	"testing"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/stretchr/testify/require"
)

func clearEnv(t *testing.T) {
	for _, k := range []string{EnvAPIKey, EnvAPIKeyAlt, EnvURL, EnvProjectID, EnvSpaceID} {
		t.Setenv(k, "")
	}
}

func TestConfigFromEnv(t *testing.T) {
	clearEnv(t)
	t.Setenv(EnvAPIKey, "k1")
	t.Setenv(EnvURL, "https://us-south.ml.cloud.ibm.com/")
	t.Setenv(EnvProjectID, "p1")
	e, err := New()
	require.NoError(t, err)
	defer e.Close()
	require.Equal(t, "k1", e.cfg.apiKey)
	require.Equal(t, "https://us-south.ml.cloud.ibm.com", e.cfg.baseURL)
	require.Equal(t, "https://us-south.ml.cloud.ibm.com/ml/v1/text/embeddings?version=2024-05-01", e.endpoint)
	require.Equal(t, "https://iam.cloud.ibm.com/identity/token", e.tokens.endpoint)
	require.Equal(t, "p1", e.cfg.projectID)
	require.Equal(t, DefaultModel, e.Model())
	require.Equal(t, 768, e.Dimension())
	require.Equal(t, DefaultBatchSize, e.cfg.batchSize)

	// The alternative key variable, and options over the environment.
	t.Setenv(EnvAPIKey, "")
	t.Setenv(EnvAPIKeyAlt, "k2")
	t.Setenv(EnvSpaceID, "s-env")
	e2, err := New(WithSpaceID("s1"), WithModel("ibm/slate-30m-english-rtrvr"), WithURL("http://localhost:1"), WithIAMURL("http://localhost:2/"))
	require.NoError(t, err)
	defer e2.Close()
	require.Equal(t, "k2", e2.cfg.apiKey)
	require.Equal(t, "s1", e2.cfg.spaceID)
	require.Empty(t, e2.cfg.projectID, "an option's space hides the environment's project")
	require.Equal(t, 384, e2.Dimension())
	require.Equal(t, "http://localhost:2/identity/token", e2.tokens.endpoint)
}

func TestConfigErrors(t *testing.T) {
	clearEnv(t)
	base := []Option{WithAPIKey("k"), WithURL("https://x.example"), WithProjectID("p")}
	cases := []struct {
		name  string
		opts  []Option
		env   map[string]string
		names []string // text the error must contain
	}{
		{"no key", []Option{WithURL("https://x.example"), WithProjectID("p")}, nil, []string{EnvAPIKey, EnvAPIKeyAlt, "WithAPIKey"}},
		{"no url", []Option{WithAPIKey("k"), WithProjectID("p")}, nil, []string{EnvURL, "WithURL"}},
		{"bad env url", []Option{WithAPIKey("k"), WithProjectID("p")}, map[string]string{EnvURL: "us-south"}, []string{EnvURL}},
		{"no scope", []Option{WithAPIKey("k"), WithURL("https://x.example")}, nil, []string{EnvProjectID, EnvSpaceID, "WithProjectID", "WithSpaceID"}},
		{"both env", []Option{WithAPIKey("k"), WithURL("https://x.example")}, map[string]string{EnvProjectID: "p", EnvSpaceID: "s"}, []string{EnvProjectID, EnvSpaceID}},
		{"both opts", append(base, WithSpaceID("s")), nil, []string{"WithProjectID", "WithSpaceID"}},
		{"empty key", []Option{WithAPIKey(" ")}, nil, []string{"WithAPIKey"}},
		{"bad url", []Option{WithURL("ftp://x")}, nil, []string{"WithURL"}},
		{"url with query", []Option{WithURL("https://x.example?apikey=zzz")}, nil, []string{"WithURL"}},
		{"bad iam", append(base, WithIAMURL("iam")), nil, []string{"WithIAMURL"}},
		{"dimension", append(base, WithDimension(0)), nil, []string{"WithDimension"}},
		{"batch", append(base, WithBatchSize(0)), nil, []string{"WithBatchSize"}},
		{"truncate", append(base, WithTruncateInputTokens(-1)), nil, []string{"WithTruncateInputTokens"}},
		{"model", append(base, WithModel("")), nil, []string{"WithModel"}},
		{"version", append(base, WithAPIVersion("")), nil, []string{"WithAPIVersion"}},
		{"nil client", append(base, WithClient(nil)), nil, []string{"WithClient"}},
		{"client opts", append(base, WithClientOptions(apiclient.WithConcurrency(0))), nil, []string{"WithClientOptions"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			e, err := New(c.opts...)
			require.Nil(t, e)
			require.ErrorIs(t, err, ErrConfig)
			for _, s := range c.names {
				require.Contains(t, err.Error(), s)
			}
			require.NotContains(t, err.Error(), "zzz")
		})
	}
	cl, err := apiclient.New()
	require.NoError(t, err)
	defer cl.Close()
	_, err = New(append(base, WithClient(cl), WithClientOptions(apiclient.WithMaxAttempts(1)))...)
	require.True(t, errors.Is(err, ErrConfig))

	// WithoutEnv ignores a complete environment.
	t.Setenv(EnvAPIKey, "k")
	t.Setenv(EnvURL, "https://x.example")
	t.Setenv(EnvProjectID, "p")
	_, err = New(WithoutEnv())
	require.ErrorIs(t, err, ErrConfig)
}

func TestKnownDimension(t *testing.T) {
	require.Equal(t, 768, KnownDimension("ibm/slate-125m-english-rtrvr"))
	require.Equal(t, 384, KnownDimension("ibm/slate-30m-english-rtrvr"))
	require.Equal(t, 0, KnownDimension("acme/unknown"))
}

func TestMargin(t *testing.T) {
	const s = 1_000_000_000
	require.Equal(t, int64(360*s), int64(margin(3600*s)), "90%% of an hour comes before 60 s left")
	require.Equal(t, int64(60*s), int64(margin(300*s)), "60 s left comes before 90%% of 5 min")
	require.Equal(t, int64(3*s), int64(margin(30*s)), "short tokens refresh at 90%%")
}
