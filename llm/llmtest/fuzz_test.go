package llmtest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm/llmtest"
)

// FuzzChatRequest feeds arbitrary bodies to both API endpoints through the
// handler: the server must answer every one (200 or a JSON error) and never
// panic.
func FuzzChatRequest(f *testing.F) {
	for _, s := range []string{
		chatBody,
		`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"n":3,"stream":true,"stream_options":{"include_usage":true}}`,
		`{"model":"m","messages":[{"role":"user","content":"call:f"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"$ref":"#/$defs/a","$defs":{"a":{"$ref":"#/$defs/a"}}}}}]}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"array","items":{"type":["null","number"]},"minItems":1e300}}}}`,
		`{"model":"m","input":[[1,2],[3]],"dimensions":3,"encoding_format":"base64"}`,
		`{"model":"m","max_tokens":1e400}`, `[]`, `null`, `{"messages":null}`, "\x00\xff",
	} {
		f.Add(s)
	}
	srv, err := llmtest.NewServer(llmtest.Config{Limits: llmtest.RateLimits{Requests: 1 << 30, Tokens: 1 << 30}})
	require.NoError(f, err)
	f.Cleanup(func() { _ = srv.Close() })
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/v1/chat/completions", "/v1/embeddings"} {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
			if rec.Code != http.StatusOK && !strings.HasPrefix(rec.Body.String(), `{"error":{`) {
				t.Fatalf("%s: status %d with non-error body %q", path, rec.Code, rec.Body.String())
			}
		}
	})
}
