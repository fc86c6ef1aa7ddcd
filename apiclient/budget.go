package apiclient

import (
	"sync"
	"time"
)

// retryBudget is a token bucket that bounds retries so a failing upstream
// is not hit with a multiple of the offered load. It holds at most capacity
// tokens, starts full, refills completely in budgetRefill, and gains ratio
// tokens per success. A retry needs one whole token.
type retryBudget struct {
	mu       sync.Mutex
	tokens   float64
	capacity float64
	ratio    float64
	last     time.Time
}

// budgetRefill is the time an idle budget takes to refill from empty.
const budgetRefill = 10 * time.Second

func newRetryBudget(ratio float64, min int) *retryBudget {
	return &retryBudget{tokens: float64(min), capacity: float64(min), ratio: ratio, last: time.Now()}
}

// refill adds the time-based refill. Callers hold b.mu.
func (b *retryBudget) refill(now time.Time) {
	if el := now.Sub(b.last); el > 0 && b.capacity > 0 {
		b.tokens = min(b.capacity, b.tokens+b.capacity*el.Seconds()/budgetRefill.Seconds())
	}
	b.last = now
}

// success deposits ratio tokens.
func (b *retryBudget) success() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.refill(time.Now())
	b.tokens = min(max(b.capacity, 1), b.tokens+b.ratio)
	b.mu.Unlock()
}

// withdraw takes one token for a retry, reporting whether one was there.
func (b *retryBudget) withdraw() bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(time.Now())
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
