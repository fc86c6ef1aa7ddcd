package astratest_test

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra/astratest"
)

// binVec encodes a vector the way astra-db-ts does: base64 of big-endian
// float32.
func binVec(v ...float32) string {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.BigEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return `{"$binary":"` + base64.StdEncoding.EncodeToString(b) + `"}`
}

func TestBinaryVectorEncoding(t *testing.T) {
	// The spec's examples: [1,0,0] is P4AAAAAAAAAAAAAA, [1,0.05,0] is P4AAAD1MzM0AAAAA.
	assert.Equal(t, `{"$binary":"P4AAAAAAAAAAAAAA"}`, binVec(1, 0, 0))
	assert.Equal(t, `{"$binary":"P4AAAD1MzM0AAAAA"}`, binVec(1, 0.05, 0))
}

func TestInsertManyShapes(t *testing.T) {
	h := start(t)
	h.vectorColl("records_vec", "cosine")
	// astra-db-ts: returnDocumentResponses always true, $vector as $binary.
	h.jsonEq(ks+"/records_vec", `{"insertMany":{"documents":[
		{"_id":"doc1","name":"a","n":1,"tags":["x"],"$vector":{"$binary":"P4AAAAAAAAAAAAAA"}},
		{"_id":"doc2","name":"b","n":2,"$vector":[0,1,0]}],
		"options":{"returnDocumentResponses":true,"ordered":false}}}`,
		`{"status":{"documentResponses":[{"_id":"doc1","status":"OK"},{"_id":"doc2","status":"OK"}]}}`)
	// Default: insertedIds.
	h.jsonEq(ks+"/records_vec", `{"insertMany":{"documents":[{"_id":"doc3"},{"_id":"doc4"}]}}`,
		`{"status":{"insertedIds":["doc3","doc4"]}}`)
	h.jsonEq(ks+"/records_vec", `{"insertOne":{"document":{"_id":"doc5","name":"e"}}}`, `{"status":{"insertedIds":["doc5"]}}`)
	// Stored vectors come back as number arrays when projected.
	h.jsonEq(ks+"/records_vec", `{"findOne":{"filter":{"_id":"doc1"},"projection":{"$vector":1},"options":{}}}`,
		`{"data":{"document":{"_id":"doc1","$vector":[1,0,0]}}}`)
	h.jsonEq(ks+"/records_vec", `{"findOne":{"filter":{"_id":"doc1"},"options":{}}}`,
		`{"data":{"document":{"_id":"doc1","name":"a","n":1,"tags":["x"]}}}`)
}

func TestInsertManyPartialFailure(t *testing.T) {
	for _, tc := range []struct {
		name, options, want string
	}{
		{"ordered with responses", `{"ordered":true,"returnDocumentResponses":true}`,
			`{"status":{"documentResponses":[{"_id":"doc1","status":"OK"},{"_id":"doc0","status":"ERROR","errorsIdx":0},
				{"_id":"doc2","status":"SKIPPED"},{"_id":"doc0","status":"SKIPPED"}]},
			  "errors":[{"errorCode":"DOCUMENT_ALREADY_EXISTS","documentIds":["doc0"]}]}`},
		{"unordered with responses", `{"ordered":false,"returnDocumentResponses":true}`,
			`{"status":{"documentResponses":[{"_id":"doc1","status":"OK"},{"_id":"doc0","status":"ERROR","errorsIdx":0},
				{"_id":"doc2","status":"OK"},{"_id":"doc0","status":"ERROR","errorsIdx":1}]},
			  "errors":[{"errorCode":"DOCUMENT_ALREADY_EXISTS","documentIds":["doc0"]},{"errorCode":"DOCUMENT_ALREADY_EXISTS","documentIds":["doc0"]}]}`},
		{"ordered ids", `{"ordered":true}`,
			`{"status":{"insertedIds":["doc1"]},"errors":[{"errorCode":"DOCUMENT_ALREADY_EXISTS","documentIds":["doc0"]}]}`},
		{"unordered ids (the default)", `{}`,
			`{"status":{"insertedIds":["doc1","doc2"]},"errors":[{"errorCode":"DOCUMENT_ALREADY_EXISTS","documentIds":["doc0"]},
				{"errorCode":"DOCUMENT_ALREADY_EXISTS","documentIds":["doc0"]}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t)
			h.ok(ks, `{"createCollection":{"name":"c"}}`)
			h.ok(ks+"/c", `{"insertOne":{"document":{"_id":"doc0"}}}`)
			env := h.post(ks+"/c", `{"insertMany":{"documents":[{"_id":"doc1"},{"_id":"doc0"},{"_id":"doc2"},{"_id":"doc0"}],"options":`+tc.options+`}}`)
			// Compare only errorCode and documentIds of the errors.
			for _, e := range env["errors"].([]any) {
				m := e.(map[string]any)
				for k := range m {
					if k != "errorCode" && k != "documentIds" {
						delete(m, k)
					}
				}
			}
			b, _ := json.Marshal(env)
			assert.JSONEq(t, tc.want, string(b))
		})
	}
}

func TestInsertLimitsAndShredErrors(t *testing.T) {
	h := start(t, astratest.WithLimits(astratest.Limits{MaxInsertMany: 3, MaxDocumentSize: 2000, MaxDepth: 4,
		MaxArrayLength: 5, MaxObjectProperties: 4, MaxDocumentProperties: 6, MaxNumberLength: 10, MaxPathLength: 20}))
	h.vectorColl("v", "cosine")
	h.ok(ks, `{"createCollection":{"name":"plain"}}`)
	assert.Equal(t, "COMMAND_FIELD_VALUE_INVALID",
		h.errorCode(ks+"/v", `{"insertMany":{"documents":[{},{},{},{}]}}`))
	n, _ := h.srv.Documents(ks, "v")
	assert.Empty(t, n, "an over-limit insertMany inserts nothing")
	for _, tc := range []struct{ doc, code string }{
		{`{"_id":[1]}`, "SHRED_BAD_DOCID_TYPE"},
		{`{"_id":{"a":1}}`, "SHRED_BAD_DOCID_TYPE"},
		{`{"_id":{"$uuid":"nope"}}`, "SHRED_BAD_EJSON_VALUE"},
		{`{"d":{"$date":"yesterday"}}`, "SHRED_BAD_EJSON_VALUE"},
		{`{"$bad":1}`, "SHRED_BAD_FIELD_NAME"},
		{`{"a":{"$b":1,"c":2}}`, "SHRED_BAD_FIELD_NAME"},
		{`{"":1}`, "SHRED_BAD_FIELD_NAME"},
		{`{"$vector":"abc"}`, "SHRED_BAD_DOCUMENT_VECTOR_TYPE"},
		{`{"$vector":[]}`, "SHRED_BAD_VECTOR_SIZE"},
		{`{"$vector":[1,"a",3]}`, "SHRED_BAD_VECTOR_VALUE"},
		{`{"$vector":{"$binary":"AAAAAAA="}}`, "SHRED_BAD_BINARY_VECTOR_VALUE"},
		{`{"$vector":[1,2]}`, "INVALID_VECTOR_LENGTH"},
		{`{"$vector":` + binVec(1, 2, 3, 4) + `}`, "INVALID_VECTOR_LENGTH"},
		{`{"a":{"b":{"c":{"d":{"e":1}}}}}`, "SHRED_DOC_LIMIT_VIOLATION"},
		{`{"a":[1,2,3,4,5,6]}`, "SHRED_DOC_LIMIT_VIOLATION"},
		{`{"a":1,"b":2,"c":3,"d":4,"e":5}`, "SHRED_DOC_LIMIT_VIOLATION"},
		{`{"a":{"x":1,"y":2,"z":3},"b":{"x":1,"y":2}}`, "SHRED_DOC_LIMIT_VIOLATION"},
		{`{"n":12345678901}`, "SHRED_DOC_LIMIT_VIOLATION"},
		{`{"s":"` + strings.Repeat("x", 2100) + `"}`, "SHRED_DOC_LIMIT_VIOLATION"},
		{`{"abcdefghij":{"klmnopqrstuvwxyz":1}}`, "SHRED_DOC_LIMIT_VIOLATION"},
	} {
		t.Run(tc.doc, func(t *testing.T) {
			env := h.post(ks+"/v", `{"insertOne":{"document":`+tc.doc+`}}`)
			assert.Equal(t, []string{tc.code}, codesOf(env))
			assert.Equal(t, []any{}, env["status"].(map[string]any)["insertedIds"])
		})
	}
	assert.Equal(t, "VECTOR_SEARCH_NOT_SUPPORTED", h.errorCode(ks+"/plain", `{"insertOne":{"document":{"$vector":[1,2,3]}}}`))
	// $vector: null is the same as no vector; escaped names are fine.
	h.ok(ks+"/v", `{"insertOne":{"document":{"_id":"nv","$vector":null,"a.b":1,"c&d":2}}}`)
	h.jsonEq(ks+"/v", `{"findOne":{"filter":{"a&.b":1,"c&&d":2},"projection":{"*":1}}}`,
		`{"data":{"document":{"_id":"nv","a.b":1,"c&d":2}}}`)
}

func TestGeneratedIDs(t *testing.T) {
	h := start(t)
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, tc := range []struct {
		typ, wrapper, version string
	}{
		{"", "", "4"}, {"uuid", "$uuid", "4"}, {"uuidv6", "$uuid", "6"}, {"uuidv7", "$uuid", "7"}, {"objectId", "$objectId", ""},
	} {
		t.Run("type "+tc.typ, func(t *testing.T) {
			name := "c" + strings.ToLower(tc.typ)
			opts := `{}`
			if tc.typ != "" {
				opts = `{"defaultId":{"type":"` + tc.typ + `"}}`
			}
			h.ok(ks, `{"createCollection":{"name":"`+name+`","options":`+opts+`}}`)
			env := h.ok(ks+"/"+name, `{"insertMany":{"documents":[{"a":1},{"a":2}]}}`)
			got := env["status"].(map[string]any)["insertedIds"].([]any)
			require.Len(t, got, 2)
			assert.NotEqual(t, got[0], got[1])
			var s string
			if tc.wrapper == "" {
				s = got[0].(string) // a plain string for an unset defaultId
			} else {
				s = got[0].(map[string]any)[tc.wrapper].(string)
			}
			if tc.typ == "objectId" {
				assert.Regexp(t, `^[0-9a-f]{24}$`, s)
			} else {
				m := uuid.FindStringSubmatch(s)
				require.NotNil(t, m, s)
				assert.Equal(t, tc.version, m[1])
			}
			// The generated id finds the document.
			idJSON, _ := json.Marshal(got[0])
			env = h.ok(ks+"/"+name, `{"findOne":{"filter":{"_id":`+string(idJSON)+`}}}`)
			assert.Equal(t, json.Number("1"), env["data"].(map[string]any)["document"].(map[string]any)["a"])
		})
	}
}

func TestExtendedJSONRoundTrip(t *testing.T) {
	h := start(t)
	h.ok(ks, `{"createCollection":{"name":"c"}}`)
	for i, id := range []string{
		`"s"`, `42`, `1.5`, `true`, `null`,
		`{"$date":1704067200000}`,
		`{"$uuid":"0190a3e4-6c6a-7c8e-9f00-0123456789ab"}`,
		`{"$objectId":"65a1b2c3d4e5f60718293a4b"}`,
	} {
		doc := fmt.Sprintf(`{"_id":%s,"when":{"$date":1704067200000},"u":{"$uuid":"0190A3E4-6C6A-7C8E-9F00-0123456789AB"},"nested":{"o":{"$objectId":"65a1b2c3d4e5f60718293a4b"}},"i":%d}`, id, i)
		h.jsonEq(ks+"/c", `{"insertOne":{"document":`+doc+`}}`, `{"status":{"insertedIds":[`+id+`]}}`)
		h.jsonEq(ks+"/c", `{"findOne":{"filter":{"_id":`+id+`}}}`, `{"data":{"document":{"_id":`+id+`,
			"when":{"$date":1704067200000},"u":{"$uuid":"0190a3e4-6c6a-7c8e-9f00-0123456789ab"},
			"nested":{"o":{"$objectId":"65a1b2c3d4e5f60718293a4b"}},"i":`+fmt.Sprint(i)+`}}}`)
	}
	// Equal ids in other spellings are duplicates.
	assert.Equal(t, "DOCUMENT_ALREADY_EXISTS", h.errorCode(ks+"/c", `{"insertOne":{"document":{"_id":42.0}}}`))
	assert.Equal(t, "DOCUMENT_ALREADY_EXISTS", h.errorCode(ks+"/c", `{"insertOne":{"document":{"_id":{"$uuid":"0190A3E4-6C6A-7C8E-9F00-0123456789AB"}}}}`))
	// $date as text is normalized to epoch milliseconds; dates compare by time.
	h.ok(ks+"/c", `{"insertOne":{"document":{"_id":"t","when":{"$date":"2024-01-02T00:00:00Z"}}}}`)
	env := h.ok(ks+"/c", `{"find":{"filter":{"when":{"$gt":{"$date":1704067200000}}}}}`)
	assert.Equal(t, []string{"t"}, ids(env))
	assert.Equal(t, json.Number("1704153600000"), docs(env)[0]["when"].(map[string]any)["$date"])
}
