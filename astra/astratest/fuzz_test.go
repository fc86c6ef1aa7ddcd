package astratest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra/astratest"
)

// FuzzRequest feeds arbitrary bodies to every endpoint level through
// ServeHTTP: the server must never panic and must always answer a JSON
// envelope with HTTP 200 (the body is under the size limit).
func FuzzRequest(f *testing.F) {
	for _, seed := range []string{
		`{"find":{"filter":{"a":{"$in":[1,"x",{"$date":5}]}},"sort":{"$vector":{"$binary":"P4AAAAAAAAAAAAAA"}},"options":{"limit":3,"includeSimilarity":true}}}`,
		`{"insertMany":{"documents":[{"_id":{"$uuid":"0190a3e4-6c6a-7c8e-9f00-0123456789ab"},"$vector":[1,2,3],"a":{"b":[1,{"c":null}]}}],"options":{"ordered":true,"returnDocumentResponses":true}}}`,
		`{"updateMany":{"filter":{"$or":[{"a":1},{"$not":{"b":{"$size":2}}}]},"update":{"$push":{"t":{"$each":[1],"$position":0}},"$inc":{"n":1e3}},"options":{"upsert":true,"pageState":"MTox"}}}`,
		`{"findOneAndReplace":{"filter":{"_id":1},"replacement":{"_id":2},"projection":{"a":{"$slice":[-1,2]}}}}`,
		`{"createCollection":{"name":"c","options":{"vector":{"dimension":3,"metric":"euclidean"},"indexing":{"deny":["x"]},"defaultId":{"type":"objectId"}}}}`,
		`{"deleteMany":{"filter":{"a&.b":{"$exists":true}}}}`,
		`{"countDocuments":{"filter":{"n":{"$gt":1.5e300}}}}`,
		`{"a":1,"a":2}`, `[`, `{"find":null}`, `"x"`, `{"find":{"filter":{"a..b":1}}}`,
	} {
		f.Add(seed)
	}
	paths := []string{"/v1", "/v1/default_keyspace", "/api/json/v1/default_keyspace/c"}
	f.Fuzz(func(t *testing.T, body string) {
		// A fresh server per input keeps executions independent.
		srv, err := astratest.NewServer(astratest.WithLimits(astratest.Limits{MaxBodyBytes: 1 << 16}))
		require.NoError(t, err)
		defer srv.Close()
		require.NoError(t, srv.CreateCollection("default_keyspace", "c", map[string]any{"vector": map[string]any{"dimension": 3}}))
		require.NoError(t, srv.Load("default_keyspace", "c", []map[string]any{
			{"_id": 1, "a": []any{1, "x"}, "$vector": []float32{1, 0, 0}}, {"_id": "two", "n": 2.5, "t": []any{}},
		}))
		for _, p := range paths {
			req := httptest.NewRequest(http.MethodPost, p, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d for %q at %s", rec.Code, body, p)
			}
			decode(t, rec.Body.Bytes())
		}
	})
}
