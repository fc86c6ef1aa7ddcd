package astra_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/astra"
)

func TestConfigurationURLs(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		opts    []astra.Option
		base    string
		ks      string
		wantErr string
	}{
		{"astra host is detected", map[string]string{astra.EnvEndpoint: "https://0123-us-east1.apps.astra.datastax.com"}, nil,
			"https://0123-us-east1.apps.astra.datastax.com/api/json/v1", "default_keyspace", ""},
		{"self-hosted otherwise", map[string]string{astra.EnvEndpoint: "http://localhost:8181/", astra.EnvKeyspace: "ks"}, nil,
			"http://localhost:8181/v1", "ks", ""},
		{"path given in the endpoint", map[string]string{astra.EnvEndpoint: "http://h:1/api/json/v1"}, nil,
			"http://h:1/api/json/v1", "default_keyspace", ""},
		{"forced astra", nil, []astra.Option{astra.WithEndpoint("http://127.0.0.1:9"), astra.WithEnvironment(astra.EnvironmentAstra)},
			"http://127.0.0.1:9/api/json/v1", "default_keyspace", ""},
		{"forced self-hosted", nil, []astra.Option{astra.WithEndpoint("https://x.apps.astra.datastax.com"), astra.WithEnvironment(astra.EnvironmentSelfHosted)},
			"https://x.apps.astra.datastax.com/v1", "default_keyspace", ""},
		{"custom path", nil, []astra.Option{astra.WithEndpoint("http://h"), astra.WithAPIPath("/proxy/v1/")},
			"http://h/proxy/v1", "default_keyspace", ""},
		{"options beat env", map[string]string{astra.EnvEndpoint: "http://env", astra.EnvKeyspace: "envks"},
			[]astra.Option{astra.WithEndpoint("http://opt"), astra.WithKeyspace("optks")}, "http://opt/v1", "optks", ""},
		{"no endpoint", nil, nil, "", "", "endpoint"},
		{"bad endpoint", nil, []astra.Option{astra.WithEndpoint("ftp://x")}, "", "", "endpoint"},
		{"bad keyspace", map[string]string{astra.EnvEndpoint: "http://h", astra.EnvKeyspace: "bad-ks"}, nil, "", "", "keyspace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{astra.EnvEndpoint, astra.EnvToken, astra.EnvKeyspace} {
				t.Setenv(k, tc.env[k])
			}
			c, err := astra.New(tc.opts...)
			if tc.wantErr != "" {
				var ie *astra.InvalidInputError
				require.ErrorAs(t, err, &ie)
				assert.Equal(t, tc.wantErr, ie.Field)
				return
			}
			require.NoError(t, err)
			defer c.Close()
			assert.Equal(t, tc.base, c.BaseURL())
			assert.Equal(t, tc.ks, c.Keyspace())
		})
	}
	t.Run("WithoutEnvironment ignores the environment", func(t *testing.T) {
		t.Setenv(astra.EnvEndpoint, "http://env")
		_, err := astra.New(astra.WithoutEnvironment())
		assert.ErrorIs(t, err, astra.ErrInvalidInput)
	})
	t.Run("bad options", func(t *testing.T) {
		for _, o := range []astra.Option{astra.WithInsertChunkSize(0), astra.WithInsertChunkSize(101), astra.WithIDsChunkSize(101),
			astra.WithInsertConcurrency(0), astra.WithIDsConcurrency(-1), astra.WithAPIClient(nil), astra.WithEnvironment(9)} {
			_, err := astra.New(astra.WithEndpoint("http://h"), o)
			assert.ErrorIs(t, err, astra.ErrInvalidInput)
		}
	})
	assert.Equal(t, "Cassandra:dXNlcg==:cGFzcw==", astra.UsernamePasswordToken("user", "pass"))
}

// TestTokenNeverLeaks: the token is in the Token header and nowhere else:
// not in String, errors, our logs or apiclient's logs.
func TestTokenNeverLeaks(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFake(t, func(c call, n int64) (int, string) {
		switch n % 3 {
		case 1:
			return 503, `{"message":"down"}`
		case 2:
			return 401, `{"errors":[{"scope":"SECURITY","errorCode":"UNAUTHENTICATED_REQUEST","message":"bad token"}]}`
		}
		return 200, `{"status":{"count":1,"warnings":[{"scope":"WARNING","errorCode":"ZERO_FILTER_OPERATIONS","message":"no filter"}]}}`
	})
	c := newClient(t, f.URL, astra.WithLogger(logger), astra.WithAPIClientOptions(apiclient.WithLogger(logger)))
	var errs []error
	for range 3 {
		_, err := c.Collection("c").CountDocuments(bg, nil, 0)
		errs = append(errs, err)
	}
	_, err := c.Collection("c").InsertOne(bg, astra.Document{"a": 1})
	errs = append(errs, err)
	out := []string{c.String(), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), logs.String()}
	for _, e := range errs {
		if e != nil {
			out = append(out, e.Error(), fmt.Sprintf("%+v", e))
		}
	}
	for _, s := range out {
		assert.NotContains(t, s, testToken)
		assert.NotContains(t, s, "super-secret")
	}
	assert.Contains(t, c.String(), "REDACTED")
	assert.Contains(t, logs.String(), "ZERO_FILTER_OPERATIONS", "warnings are logged")
	assert.Contains(t, logs.String(), "retrying", "apiclient logged its retries")
	for _, cl := range f.all() {
		assert.Equal(t, testToken, cl.Header.Get("Token"))
	}
	hdr := apiclient.RedactHeader(f.all()[0].Header)
	assert.Equal(t, "REDACTED", hdr.Get("Token"), "apiclient redacts Token")
}

func TestNoTokenNoHeader(t *testing.T) {
	f := newFake(t, okAnswer)
	c, err := astra.New(astra.WithoutEnvironment(), astra.WithEndpoint(f.URL))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.ListCollections(bg)
	require.NoError(t, err)
	_, has := f.all()[0].Header["Token"]
	assert.False(t, has)
	assert.Contains(t, c.String(), "token: none")
}

func TestWarningsSurface(t *testing.T) {
	f := newFake(t, fixed(`{"data":{"documents":[{"_id":"a"}],"nextPageState":null},"status":{"warnings":[{"family":"REQUEST","scope":"WARNING","errorCode":"MISSING_INDEX","message":"slow"}]}}`))
	cur := newClient(t, f.URL).Collection("c").Find(nil, nil)
	_, err := cur.ToSlice(bg)
	require.NoError(t, err)
	require.Len(t, cur.Warnings(), 1)
	assert.Equal(t, "MISSING_INDEX", cur.Warnings()[0].ErrorCode)

	f2 := newFake(t, fixed(`{"status":{"insertedIds":["a"],"warnings":[{"errorCode":"W1"}]}}`))
	res, err := newClient(t, f2.URL).Collection("c").InsertOne(bg, astra.Document{"_id": "a"})
	require.NoError(t, err)
	assert.Equal(t, "W1", res.Warnings[0].ErrorCode)
}

func TestSharedAPIClient(t *testing.T) {
	f := newFake(t, okAnswer)
	ac, err := apiclient.New()
	require.NoError(t, err)
	defer ac.Close()
	c := newClient(t, f.URL, astra.WithAPIClient(ac))
	_, err = c.ListCollections(bg)
	require.NoError(t, err)
	assert.Same(t, ac, c.APIClient())
	assert.Equal(t, int64(1), ac.Stats().Requests)
}
