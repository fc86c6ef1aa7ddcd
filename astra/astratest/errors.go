package astratest

import (
	"crypto/rand"
	"fmt"
)

// Error families (spec §1.5).
const (
	familyRequest = "REQUEST"
	familyServer  = "SERVER"
)

// errorInfo is the fixed part of an error object: family, scope and title.
type errorInfo struct{ family, scope, title string }

// errorTable lists every error code the server emits (spec §1.5).
var errorTable = map[string]errorInfo{
	// Request, unscoped.
	"COMMAND_UNKNOWN":             {familyRequest, "", "Provided command unknown"},
	"COMMAND_FIELD_UNKNOWN":       {familyRequest, "", "Provided command field unknown"},
	"COMMAND_FIELD_VALUE_INVALID": {familyRequest, "", "Invalid value for a command field"},
	"COMMAND_ACCEPTS_NO_OPTIONS":  {familyRequest, "", "Command accepts no options"},
	"REQUEST_NOT_JSON":            {familyRequest, "", "Request not valid JSON"},
	"REQUEST_STRUCTURE_MISMATCH":  {familyRequest, "", "Request invalid, mismatching JSON structure"},
	"UNSUPPORTED_CONTENT_TYPE":    {familyRequest, "", "Unsupported content type"},
	// Document.
	"DOCUMENT_ALREADY_EXISTS":          {familyRequest, "DOCUMENT", "Document the given _id already exists"},
	"DOCUMENT_REPLACE_DIFFERENT_DOCID": {familyRequest, "DOCUMENT", "Replacement document _id differs"},
	"SHRED_BAD_DOCID_TYPE":             {familyRequest, "DOCUMENT", "Bad type for '_id' property"},
	"SHRED_BAD_DOCUMENT_VECTOR_TYPE":   {familyRequest, "DOCUMENT", "Bad $vector document type"},
	"SHRED_BAD_VECTOR_SIZE":            {familyRequest, "DOCUMENT", "$vector value cannot be empty"},
	"SHRED_BAD_VECTOR_VALUE":           {familyRequest, "DOCUMENT", "Bad $vector value"},
	"SHRED_BAD_BINARY_VECTOR_VALUE":    {familyRequest, "DOCUMENT", "Bad binary vector value"},
	"SHRED_BAD_EJSON_VALUE":            {familyRequest, "DOCUMENT", "Bad Extended JSON value"},
	"SHRED_BAD_FIELD_NAME":             {familyRequest, "DOCUMENT", "Document field name invalid"},
	"SHRED_DOC_LIMIT_VIOLATION":        {familyRequest, "DOCUMENT", "Document size limitation violated"},
	"INVALID_VECTOR_LENGTH":            {familyRequest, "DOCUMENT", "Vector length does not match the collection dimension"},
	// Filter.
	"FILTER_INVALID_EXPRESSION":     {familyRequest, "FILTER", "Invalid filter expression"},
	"FILTER_UNSUPPORTED_OPERATOR":   {familyRequest, "FILTER", "Unsupported filter operator"},
	"FILTER_FIELDS_LIMIT_VIOLATION": {familyRequest, "FILTER", "Filter fields limit violated"},
	"FILTER_MULTIPLE_ID_FILTER":     {familyRequest, "FILTER", "Cannot have more than one _id equals filter"},
	"FILTER_PATH_UNINDEXED":         {familyRequest, "FILTER", "Filter path is not indexed"},
	"FILTER_ID_NOT_INDEXED":         {familyRequest, "FILTER", "_id is not indexed"},
	// Sort.
	"SORT_CLAUSE_INVALID":                    {familyRequest, "SORT", "Invalid sort clause"},
	"SORT_CLAUSE_PATH_INVALID":               {familyRequest, "SORT", "Invalid sort clause path"},
	"SORT_CLAUSE_PATH_UNINDEXED":             {familyRequest, "SORT", "Sort path is not indexed"},
	"CANNOT_SORT_ON_SPECIAL_WITH_OTHERS":     {familyRequest, "SORT", "Cannot sort on a special field with other fields"},
	"CANNOT_SORT_ON_MULTIPLE_VECTORS":        {familyRequest, "SORT", "Cannot sort on multiple vectors"},
	"UNSUPPORTED_VECTOR_SORT_FOR_COLLECTION": {familyRequest, "SORT", "Vector sort not supported for the collection"},
	"OVERLOADED_SORT_ROW_LIMIT":              {familyRequest, "SORT", "Too many rows to sort in memory"},
	// Projection.
	"UNSUPPORTED_PROJECTION_PARAM": {familyRequest, "PROJECTION", "Unsupported projection parameter"},
	// Schema.
	"UNKNOWN_COLLECTION_OR_TABLE":            {familyRequest, "SCHEMA", "Collection or table does not exist"},
	"UNKNOWN_KEYSPACE":                       {familyRequest, "SCHEMA", "Keyspace does not exist"},
	"EXISTING_COLLECTION_DIFFERENT_SETTINGS": {familyRequest, "SCHEMA", "Collection already exists with different settings"},
	"TOO_MANY_COLLECTIONS":                   {familyRequest, "SCHEMA", "Too many collections"},
	"VECTOR_SEARCH_NOT_SUPPORTED":            {familyRequest, "SCHEMA", "Vector search is not enabled for the collection"},
	"VECTOR_SEARCH_TOO_BIG_VALUE":            {familyRequest, "SCHEMA", "Vector dimension too big"},
	"INVALID_CREATE_COLLECTION_OPTIONS":      {familyRequest, "SCHEMA", "Invalid createCollection options"},
	"INVALID_INDEXING_DEFINITION":            {familyRequest, "SCHEMA", "Invalid indexing definition"},
	"UNKNOWN_VECTOR_METRIC":                  {familyRequest, "SCHEMA", "Unknown vector metric"},
	"UNKNOWN_VECTOR_SOURCE_MODEL":            {familyRequest, "SCHEMA", "Unknown vector source model"},
	// Update.
	"UNSUPPORTED_UPDATE_OPERATION":           {familyRequest, "UPDATE", "Unsupported update operation"},
	"UNSUPPORTED_UPDATE_OPERATOR_FOR_DOC_ID": {familyRequest, "UPDATE", "Cannot use update operator on _id"},
	"UNSUPPORTED_UPDATE_OPERATOR_FOR_VECTOR": {familyRequest, "UPDATE", "Cannot use update operator on $vector"},
	// Security (HTTP 401).
	"MISSING_AUTHENTICATION_TOKEN": {familyRequest, "SECURITY", "Missing authentication token"},
	"UNAUTHENTICATED_REQUEST":      {familyRequest, "SECURITY", "Unauthenticated request"},
	"UNAUTHORIZED_ACCESS":          {familyRequest, "SECURITY", "Unauthorized access"},
	// Server.
	"INTERNAL_SERVER_ERROR":        {familyServer, "", "Internal server error"},
	"UNEXPECTED_SERVER_ERROR":      {familyServer, "", "Unexpected server error"},
	"TIMEOUT_READING_DATA":         {familyServer, "DATABASE", "Timeout reading data"},
	"TIMEOUT_WRITING_DATA":         {familyServer, "DATABASE", "Timeout writing data"},
	"FAILED_CONCURRENT_OPERATIONS": {familyServer, "DATABASE", "Failed concurrent operations"},
	"UNAVAILABLE_DATABASE":         {familyServer, "DATABASE", "Database unavailable"},
	// Warnings.
	"DEPRECATED_COMMAND": {familyRequest, "WARNING", "Deprecated command"},
}

// safeToRetry is the snippet server messages carry when a retry is safe.
const safeToRetry = "It is safe to retry this request."

// apiError is one entry of the response's errors array.
type apiError struct {
	code string
	msg  string
	ids  []any // documentIds, written only when non-empty
}

// Error implements error.
func (e *apiError) Error() string { return e.code + ": " + e.msg }

// errf builds an apiError with a formatted message.
func errf(code, format string, args ...any) *apiError {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

// object renders the error (or warning) object of spec §1.5.
func (e *apiError) object() obj {
	info, ok := errorTable[e.code]
	if !ok {
		info = errorInfo{familyRequest, "", e.code}
	}
	o := obj{{"id", newUUIDv4()}, {"family", info.family}, {"scope", info.scope},
		{"errorCode", e.code}, {"title", info.title}, {"message", e.msg}}
	if len(e.ids) > 0 {
		o = append(o, kv{"documentIds", e.ids})
	}
	return o
}

// errorsOf renders a list of errors.
func errorsOf(errs []*apiError) []any {
	out := make([]any, len(errs))
	for i, e := range errs {
		out[i] = e.object()
	}
	return out
}

// newUUIDv4 returns a random UUID in its canonical text form.
func newUUIDv4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	var s [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j], s[j+1] = hexDigits[c>>4], hexDigits[c&0xF]
		j += 2
	}
	return string(s[:])
}
