package astratest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra/astratest"
)

func TestBothURLShapes(t *testing.T) {
	h := start(t)
	for _, prefix := range []string{"/api/json/v1/", "/v1/"} {
		code, b := h.raw(prefix+ks, `{"createCollection":{"name":"records_vec","options":{"vector":{"dimension":3,"metric":"cosine"}}}}`, nil)
		require.Equal(t, 200, code)
		assert.JSONEq(t, `{"status":{"ok":1}}`, string(b))
		code, b = h.raw(prefix+ks+"/records_vec", `{"estimatedDocumentCount":{}}`, nil)
		require.Equal(t, 200, code)
		assert.JSONEq(t, `{"status":{"count":0}}`, string(b))
		code, b = h.raw(strings.TrimSuffix(prefix, "/"), `{"findKeyspaces":{}}`, nil)
		require.Equal(t, 200, code)
		assert.JSONEq(t, `{"status":{"keyspaces":["default_keyspace"]}}`, string(b))
	}
	assert.Equal(t, "http://"+h.srv.Addr(), h.srv.URL())
}

func TestAuthentication(t *testing.T) {
	h := start(t, astratest.WithToken("AstraCS:secret"))
	path := "/api/json/v1/" + ks
	body := `{"findCollections":{}}`
	for _, tc := range []struct {
		name   string
		header map[string]string
		status int
		code   string
	}{
		{"missing", nil, 401, "MISSING_AUTHENTICATION_TOKEN"},
		{"wrong", map[string]string{"Token": "AstraCS:nope"}, 401, "UNAUTHENTICATED_REQUEST"},
		{"right", map[string]string{"Token": "AstraCS:secret"}, 200, ""},
		{"deprecated header", map[string]string{"X-Cassandra-Token": "AstraCS:secret"}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, b := h.raw(path, body, tc.header)
			require.Equal(t, tc.status, status, string(b))
			env := decode(t, b)
			if tc.code == "" {
				assert.Nil(t, env["errors"])
				return
			}
			assert.Equal(t, []string{tc.code}, codesOf(env))
			e := env["errors"].([]any)[0].(map[string]any)
			assert.Equal(t, "SECURITY", e["scope"])
			assert.Equal(t, "REQUEST", e["family"])
			for _, k := range []string{"id", "title", "message"} {
				assert.NotEmpty(t, e[k], k)
			}
			assert.NotContains(t, string(b), "secret")
		})
	}
	// Without a configured token anything (or nothing) is accepted.
	open := start(t)
	status, _ := open.raw(path, body, nil)
	assert.Equal(t, 200, status)
}

func TestHTTPLevelErrors(t *testing.T) {
	h := start(t, astratest.WithLimits(astratest.Limits{MaxBodyBytes: 1024}))
	status, b := h.raw("/api/json/v1/"+ks, `{"findCollections":{}}`, map[string]string{"Content-Type": "text/plain"})
	assert.Equal(t, http.StatusUnsupportedMediaType, status)
	assert.Equal(t, []string{"UNSUPPORTED_CONTENT_TYPE"}, codesOf(decode(t, b)))
	status, _ = h.raw("/api/json/v1/"+ks, `{"findCollections":{}}`, map[string]string{"Content-Type": "application/json; charset=utf-8"})
	assert.Equal(t, http.StatusOK, status)

	status, _ = h.raw("/api/json/v2/"+ks, `{}`, nil)
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = h.raw("/v1/a/b/c", `{}`, nil)
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = h.raw("/v1/"+ks, `{"findCollections":{"options":{"x":"`+strings.Repeat("y", 2000)+`"}}}`, nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, status)

	resp, err := h.c.Get(h.srv.URL() + "/v1/" + ks)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestRequestErrors(t *testing.T) {
	h := start(t)
	h.ok(ks, `{"createCollection":{"name":"c"}}`)
	for _, tc := range []struct{ path, body, code string }{
		{ks, `{"find`, "REQUEST_NOT_JSON"},
		{ks, `{"findCollections":{}} x`, "REQUEST_NOT_JSON"},
		{ks + "/c", `{"insertOne":{"document":{"a":1,"a":2}}}`, "REQUEST_NOT_JSON"},
		{ks, `[]`, "REQUEST_STRUCTURE_MISMATCH"},
		{ks, `{"findCollections":{},"deleteCollection":{"name":"c"}}`, "REQUEST_STRUCTURE_MISMATCH"},
		{ks, `{"findCollections":3}`, "REQUEST_STRUCTURE_MISMATCH"},
		{ks, `{"dance":{}}`, "COMMAND_UNKNOWN"},
		{ks, `{"insertOne":{"document":{}}}`, "COMMAND_UNKNOWN"},
		{ks + "/c", `{"createCollection":{"name":"x"}}`, "COMMAND_UNKNOWN"},
		{ks + "/c", `{"find":{"filter":{},"colour":1}}`, "COMMAND_FIELD_UNKNOWN"},
		{ks + "/c", `{"find":{"options":{"pageSize":3}}}`, "COMMAND_FIELD_UNKNOWN"},
		{ks + "/c", `{"insertOne":{"document":{},"options":{"ordered":true}}}`, "COMMAND_ACCEPTS_NO_OPTIONS"},
		{ks + "/c", `{"find":{"options":{"limit":"3"}}}`, "REQUEST_STRUCTURE_MISMATCH"},
		{ks + "/c", `{"find":{"options":{"limit":0}}}`, "COMMAND_FIELD_VALUE_INVALID"},
		{ks + "/c", `{"find":{"options":{"skip":-1}}}`, "COMMAND_FIELD_VALUE_INVALID"},
		{ks + "/c", `{"find":{"options":{"pageState":"!!"}}}`, "COMMAND_FIELD_VALUE_INVALID"},
		{"nope/c", `{"find":{}}`, "UNKNOWN_KEYSPACE"},
		{ks + "/nope", `{"find":{}}`, "UNKNOWN_COLLECTION_OR_TABLE"},
	} {
		t.Run(tc.body, func(t *testing.T) {
			assert.Equal(t, tc.code, h.errorCode(tc.path, tc.body))
		})
	}
	// An empty options object is accepted everywhere.
	h.ok(ks+"/c", `{"insertOne":{"document":{"_id":1},"options":{}}}`)
	h.ok(ks+"/c", `{"countDocuments":{"filter":{},"options":{}}}`)
}

func TestErrorObjectShape(t *testing.T) {
	h := start(t)
	h.ok(ks, `{"createCollection":{"name":"c"}}`)
	h.ok(ks+"/c", `{"insertOne":{"document":{"_id":"doc2","name":"dup"}}}`)
	h.jsonEq(ks+"/c", `{"insertOne":{"document":{"_id":"doc2","name":"dup"}}}`, `{"status":{"insertedIds":[]},"errors":[
		{"id":"ID","family":"REQUEST","scope":"DOCUMENT","errorCode":"DOCUMENT_ALREADY_EXISTS",
		 "title":"Document the given _id already exists",
		 "message":"Cannot insert the document: a document already exists with given '_id' (\"doc2\"). Resend the command using a different '_id'.",
		 "documentIds":["doc2"]}]}`)
}

func TestDeprecatedNamespaceCommands(t *testing.T) {
	h := start(t)
	code, b := h.raw("/v1", `{"createNamespace":{"name":"other"}}`, nil)
	require.Equal(t, 200, code)
	env := decode(t, b)
	w := env["status"].(map[string]any)["warnings"].([]any)[0].(map[string]any)
	assert.Equal(t, "DEPRECATED_COMMAND", w["errorCode"])
	assert.Equal(t, "WARNING", w["scope"])
	code, b = h.raw("/v1", `{"findNamespaces":{}}`, nil)
	require.Equal(t, 200, code)
	assert.Equal(t, []any{"default_keyspace", "other"}, decode(t, b)["status"].(map[string]any)["namespaces"])
	code, b = h.raw("/v1", `{"dropKeyspace":{"name":"other"}}`, nil)
	require.Equal(t, 200, code)
	assert.JSONEq(t, `{"status":{"ok":1}}`, string(b))
}
