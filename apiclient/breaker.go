package apiclient

import (
	"errors"

	"github.com/sony/gobreaker/v2"
)

// breaker wraps a gobreaker two-step circuit breaker. Each attempt reports
// a verdict: a failure (transport error, attempt timeout, 5xx), a success
// (2xx or 3xx), or nothing (4xx, or the context ended: not evidence either
// way, so gobreaker excludes it).
type breaker struct {
	cb *gobreaker.TwoStepCircuitBreaker[struct{}]
}

var (
	errBreakerFailure  = errors.New("apiclient: upstream failure")
	errBreakerExcluded = errors.New("apiclient: not counted")
)

func newBreaker(threshold int, cfg config, onChange func(from, to BreakerState)) *breaker {
	st := gobreaker.Settings{
		Name:        "apiclient",
		MaxRequests: 1,
		Timeout:     cfg.breakerCooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= uint32(threshold)
		},
		IsExcluded: func(err error) bool { return err == errBreakerExcluded },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			onChange(breakerState(from), breakerState(to))
		},
	}
	return &breaker{cb: gobreaker.NewTwoStepCircuitBreaker[struct{}](st)}
}

func breakerState(s gobreaker.State) BreakerState {
	switch s {
	case gobreaker.StateOpen:
		return BreakerOpen
	case gobreaker.StateHalfOpen:
		return BreakerHalfOpen
	}
	return BreakerClosed
}

// open reports whether the breaker is open (a cheap check before queuing).
func (b *breaker) open() bool {
	return b != nil && b.cb.State() == gobreaker.StateOpen
}

// verdict is an attempt's effect on the breaker.
type verdict int

const (
	verdictNone    verdict = iota // not counted
	verdictSuccess                // the upstream answered sensibly
	verdictFailure                // transport error, timeout, 5xx
)

func noVerdict(verdict) {}

// allow asks to send an attempt. The returned done must be called once.
func (b *breaker) allow() (done func(verdict), err error) {
	if b == nil {
		return noVerdict, nil
	}
	d, err := b.cb.Allow()
	if err != nil {
		return nil, err
	}
	return func(v verdict) {
		switch v {
		case verdictSuccess:
			d(nil)
		case verdictFailure:
			d(errBreakerFailure)
		default:
			d(errBreakerExcluded)
		}
	}, nil
}
