package llmtest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/kgas-dev/kgas/llm/llmtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs a server for the test and closes it afterwards.
func start(t testing.TB, cfg llmtest.Config) *llmtest.Server {
	t.Helper()
	srv, err := llmtest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	return srv
}

// httpClient returns a client whose idle connections close with the test.
func httpClient(t testing.TB) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// post sends body to srv.URL()+path and returns the response with its body
// read; err is the transport or body-read error.
func post(t testing.TB, c *http.Client, url, body string, hdr ...string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

const chatBody = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello there"}],"max_tokens":50}`

func TestSmoke(t *testing.T) {
	srv := start(t, llmtest.Config{})
	c := httpClient(t)
	resp, b, err := post(t, c, srv.URL()+"/chat/completions", chatBody)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode, string(b))
	t.Log(string(b), resp.Header)
	resp, b, err = post(t, c, srv.URL()+"/chat/completions", `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}],"max_tokens":5}`)
	require.NoError(t, err)
	t.Log(string(b), resp.Header)
	resp, b, err = post(t, c, srv.URL()+"/embeddings", `{"model":"m","input":["a","b"],"dimensions":4}`)
	require.NoError(t, err)
	t.Log(string(b), resp.Header)
}
