package tools

import (
	"errors"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/tool"
)

// invalidInput is an input error on one field, for the rules a JSON Schema
// cannot express (one of two fields, a vector's dimension).
func invalidInput(field, msg string) error {
	return &tool.InputError{Violations: []tool.Violation{{Field: field, Rule: "value", Message: msg}}}
}

// transientIf marks err as transient when calling again later may succeed
// (rate limits, timeouts, an open breaker, an exhausted retry budget), so
// the tool's Result tells a model that retrying can help.
func transientIf(err error) error {
	for _, t := range []error{apiclient.ErrRateLimited, apiclient.ErrTimeout, apiclient.ErrCircuitOpen,
		apiclient.ErrRetryBudget, apiclient.ErrWaitExceedsDeadline} {
		if errors.Is(err, t) {
			return tool.Transient(err)
		}
	}
	return err
}

// storeError maps a graph store's error for a tool result: a vector of the
// wrong dimension is the caller's input error, the rest keep their kind.
func storeError(err error) error {
	switch {
	case errors.Is(err, kg.ErrDimension):
		return invalidInput("vector", err.Error())
	case errors.Is(err, kg.ErrInvalid):
		return invalidInput("", err.Error())
	}
	return transientIf(err)
}
