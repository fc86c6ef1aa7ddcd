package astratest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/kgas-dev/kgas/astra/astratest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const ks = "default_keyspace"

// harness is a running server plus an HTTP client whose idle connections
// are closed at the end of the test.
type harness struct {
	t   testing.TB
	srv *astratest.Server
	c   *http.Client
}

func start(t testing.TB, opts ...astratest.Option) *harness {
	t.Helper()
	srv, err := astratest.NewServer(opts...)
	require.NoError(t, err)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		require.NoError(t, srv.Close())
	})
	return &harness{t: t, srv: srv, c: &http.Client{Transport: tr}}
}

// raw posts body to path with the given headers and returns the status
// and raw body.
func (h *harness) raw(path, body string, header map[string]string) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL()+path, strings.NewReader(body))
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := h.c.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return resp.StatusCode, b
}

// post sends a command to /api/json/v1/{path} and decodes the envelope.
func (h *harness) post(path, body string) map[string]any {
	h.t.Helper()
	code, b := h.raw("/api/json/v1/"+path, body, nil)
	require.Equal(h.t, http.StatusOK, code, string(b))
	return decode(h.t, b)
}

// ok sends a command that must not return errors.
func (h *harness) ok(path, body string) map[string]any {
	h.t.Helper()
	env := h.post(path, body)
	require.Nil(h.t, env["errors"], "%s -> %v", body, env)
	return env
}

// errorCode sends a command that must fail and returns its first code.
func (h *harness) errorCode(path, body string) string {
	h.t.Helper()
	env := h.post(path, body)
	codes := codesOf(env)
	require.NotEmpty(h.t, codes, "%s -> %v", body, env)
	return codes[0]
}

func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	require.NoError(t, d.Decode(&m), string(b))
	return m
}

func codesOf(env map[string]any) []string {
	var out []string
	errs, _ := env["errors"].([]any)
	for _, e := range errs {
		out = append(out, e.(map[string]any)["errorCode"].(string))
	}
	return out
}

var errorIDs = regexp.MustCompile(`"id":"[0-9a-f-]{36}"`)

// scrub replaces the random error ids so bodies can be compared.
func scrub(b []byte) string { return errorIDs.ReplaceAllString(string(b), `"id":"ID"`) }

// jsonEq compares a raw response body with a JSON literal, ignoring error
// ids.
func (h *harness) jsonEq(path, body, want string) {
	h.t.Helper()
	code, b := h.raw("/api/json/v1/"+path, body, nil)
	require.Equal(h.t, http.StatusOK, code, string(b))
	require.JSONEq(h.t, want, scrub(b), "request %s", body)
}

// vectorColl creates a 3-dimensional vector collection with the metric.
func (h *harness) vectorColl(name, metric string) {
	h.t.Helper()
	h.ok(ks, `{"createCollection":{"name":"`+name+`","options":{"vector":{"dimension":3,"metric":"`+metric+`"}}}}`)
}

func docs(env map[string]any) []map[string]any {
	data := env["data"].(map[string]any)
	var out []map[string]any
	for _, d := range data["documents"].([]any) {
		out = append(out, d.(map[string]any))
	}
	return out
}

func ids(env map[string]any) []string {
	var out []string
	for _, d := range docs(env) {
		out = append(out, d["_id"].(string))
	}
	return out
}
