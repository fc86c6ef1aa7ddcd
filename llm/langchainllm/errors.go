package langchainllm

import (
	"errors"

	"github.com/kgas-dev/kgas/llm"
)

// ErrUnsupported marks a message part, option or request field that the
// other side of the adapter cannot carry. Errors wrapping it are
// *llm.InvalidRequestError values naming the field, so errors.Is(err,
// llm.ErrInvalidRequest) holds too.
var ErrUnsupported = errors.New("langchainllm: unsupported")

// unsupported returns an *llm.InvalidRequestError for a field the adapter
// cannot map.
func unsupported(field, reason string) error {
	return &llm.InvalidRequestError{Field: field, Reason: reason, Err: ErrUnsupported}
}

// invalid returns an *llm.InvalidRequestError for a malformed field.
func invalid(field, reason string) error {
	return &llm.InvalidRequestError{Field: field, Reason: reason}
}
