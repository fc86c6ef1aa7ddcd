package astra

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Sentinel errors, for errors.Is.
var (
	// ErrInvalidInput matches every *InvalidInputError: an input rejected
	// before anything was sent.
	ErrInvalidInput = errors.New("astra: invalid input")
	// ErrBadResponse reports an answer the client cannot use: not JSON, the
	// wrong shape, or inconsistent (moreData without a way to continue).
	ErrBadResponse = errors.New("astra: bad response")
	// ErrNoDocument reports that FindOne matched nothing, and marks the
	// ids FindByIDs did not find.
	ErrNoDocument = errors.New("astra: no document")
	// ErrNotAttempted marks documents of an ordered InsertMany that were not
	// inserted because an earlier document failed (the server's SKIPPED, or
	// chunks never sent).
	ErrNotAttempted = errors.New("astra: not attempted after an earlier failure")
	// ErrUnknownOutcome marks documents whose fate the server's answer did
	// not report; they may or may not have been inserted.
	ErrUnknownOutcome = errors.New("astra: outcome not reported by the server")
	// ErrTooManyDocuments reports that CountDocuments exceeded its upper
	// bound or the server's count cap.
	ErrTooManyDocuments = errors.New("astra: too many documents to count")
)

// Error codes of the Data API that callers commonly test for with
// (*APIError).HasCode.
const (
	// CodeDocumentAlreadyExists: an insert met an existing _id.
	CodeDocumentAlreadyExists = "DOCUMENT_ALREADY_EXISTS"
	// CodeUnknownCollection: the collection does not exist.
	CodeUnknownCollection = "UNKNOWN_COLLECTION_OR_TABLE"
	// CodeExistingCollectionDifferentSetting: createCollection of an
	// existing collection with other settings.
	CodeExistingCollectionDifferentSetting = "EXISTING_COLLECTION_DIFFERENT_SETTINGS"
	// CodeInvalidVectorLength: a vector does not match the collection's
	// dimension.
	CodeInvalidVectorLength = "INVALID_VECTOR_LENGTH"
)

// ErrorDescriptor is one entry of the API's errors array, or one warning of
// status.warnings (then Scope is "WARNING").
type ErrorDescriptor struct {
	// ID is the server's id for this error instance.
	ID string `json:"id,omitempty"`
	// Family is "REQUEST" or "SERVER".
	Family string `json:"family,omitempty"`
	// Scope is "DOCUMENT", "FILTER", "SCHEMA", "WARNING", ... or "".
	Scope string `json:"scope,omitempty"`
	// ErrorCode is the machine-readable code, e.g. DOCUMENT_ALREADY_EXISTS.
	ErrorCode string `json:"errorCode,omitempty"`
	// Title is a short human-readable summary.
	Title string `json:"title,omitempty"`
	// Message is the full human-readable message.
	Message string `json:"message,omitempty"`
	// DocumentIDs are the ids of the documents the error is about, decoded
	// like document values.
	DocumentIDs []any `json:"documentIds,omitempty"`
}

// Warning is a warning the API returned in status.warnings.
type Warning = ErrorDescriptor

// APIError is an error the Data API reported in its errors array. Its
// embedded ErrorDescriptor is the first error; Errors holds all of them.
type APIError struct {
	ErrorDescriptor
	// Command is the command that failed, e.g. "insertMany".
	Command string
	// HTTPStatus is the HTTP status of the answer (200 for most errors).
	HTTPStatus int
	// Errors are all the errors of the answer, the first one included.
	Errors []ErrorDescriptor
	// Attempts is the number of times the request was sent. Above 1, an
	// earlier attempt may have been applied (a DOCUMENT_ALREADY_EXISTS
	// after a retried insert may be the client's own document).
	Attempts int
	// Err is the HTTP-level cause (an *apiclient.Error) when the status
	// was not 2xx, e.g. 401.
	Err error
}

// Error implements error: the command, the code, the scope and the message.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("astra: ")
	if e.Command != "" {
		b.WriteString(e.Command)
		b.WriteString(": ")
	}
	code := e.ErrorCode
	if code == "" {
		code = "error"
	}
	b.WriteString(code)
	if e.Family != "" || e.Scope != "" {
		b.WriteString(" (")
		b.WriteString(strings.Trim(e.Family+"/"+e.Scope, "/"))
		b.WriteString(")")
	}
	if e.HTTPStatus != 0 && e.HTTPStatus != 200 {
		b.WriteString(" [HTTP ")
		b.WriteString(strconv.Itoa(e.HTTPStatus))
		b.WriteString("]")
	}
	if msg := e.Message; msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	} else if e.Title != "" {
		b.WriteString(": ")
		b.WriteString(e.Title)
	}
	if n := len(e.Errors); n > 1 {
		fmt.Fprintf(&b, " (and %d more)", n-1)
	}
	return b.String()
}

// Unwrap returns the HTTP-level cause, if any.
func (e *APIError) Unwrap() error { return e.Err }

// HasCode reports whether any of the answer's errors has the given code.
func (e *APIError) HasCode(code string) bool {
	for _, d := range e.Errors {
		if d.ErrorCode == code {
			return true
		}
	}
	return e.ErrorCode == code
}

// safeToRetry reports a server-family error whose message says a retry is
// safe.
func (e *APIError) safeToRetry() bool {
	return strings.EqualFold(e.Family, "SERVER") && strings.Contains(strings.ToLower(e.Message), "safe to retry")
}

// newAPIError builds an *APIError from the errors of an answer; nil if
// there are none.
func newAPIError(command string, status int, errs []ErrorDescriptor, cause error) *APIError {
	if len(errs) == 0 {
		return nil
	}
	return &APIError{ErrorDescriptor: errs[0], Command: command, HTTPStatus: status, Errors: errs, Err: cause}
}

// InvalidInputError reports an input rejected before sending, naming the
// field ("collection", "filter", "k", "documents[3]._id", ...).
type InvalidInputError struct {
	// Field is the offending input.
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *InvalidInputError) Error() string {
	return "astra: invalid input: " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrInvalidInput.
func (e *InvalidInputError) Is(target error) bool { return target == ErrInvalidInput }

// TooManyDocumentsError reports a count over CountDocuments' upper bound,
// or one the server capped.
type TooManyDocumentsError struct {
	// Count is what was counted: the exact count when it exceeded the upper
	// bound, a lower bound when ServerCapped.
	Count int
	// UpperBound is the bound the caller gave (0 for none).
	UpperBound int
	// ServerCapped is set when the server stopped counting at its cap
	// (moreData), so the true count is larger than Count.
	ServerCapped bool
}

// Error implements error.
func (e *TooManyDocumentsError) Error() string {
	if e.ServerCapped {
		return fmt.Sprintf("astra: too many documents to count: more than %d (the server's count limit)", e.Count)
	}
	return fmt.Sprintf("astra: too many documents to count: %d, over the upper bound %d", e.Count, e.UpperBound)
}

// Is reports whether target is ErrTooManyDocuments.
func (e *TooManyDocumentsError) Is(target error) bool { return target == ErrTooManyDocuments }

// badResponse wraps ErrBadResponse with the command and a reason.
func badResponse(command, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrBadResponse, command, fmt.Sprintf(format, args...))
}

var nameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// validName checks a keyspace or collection name: [A-Za-z][A-Za-z0-9_]*,
// at most 48 characters.
func validName(field, name string) error {
	switch {
	case name == "":
		return &InvalidInputError{Field: field, Reason: "empty name"}
	case len(name) > 48:
		return &InvalidInputError{Field: field, Reason: fmt.Sprintf("name of %d characters: at most 48 allowed", len(name))}
	case !nameRE.MatchString(name):
		return &InvalidInputError{Field: field, Reason: fmt.Sprintf("name %q: want a letter followed by letters, digits or _", name)}
	}
	return nil
}
