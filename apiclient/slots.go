package apiclient

import (
	"context"
	"sync"
)

// slots is a FIFO counting semaphore with a limit that can change (for
// adaptive concurrency). It bounds attempts in flight.
type slots struct {
	mu          sync.Mutex
	limit       int
	inFlight    int
	maxInFlight int
	waiters     []chan struct{}
}

func newSlots(limit int) *slots { return &slots{limit: limit} }

// acquire takes a slot, waiting in FIFO order. It reports whether it had
// to wait.
func (s *slots) acquire(ctx context.Context) (waited bool, err error) {
	s.mu.Lock()
	if s.inFlight < s.limit && len(s.waiters) == 0 {
		s.take()
		s.mu.Unlock()
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		s.mu.Unlock()
		return false, err
	}
	ch := make(chan struct{})
	s.waiters = append(s.waiters, ch)
	s.mu.Unlock()
	select {
	case <-ch:
		return true, nil
	case <-ctx.Done():
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, w := range s.waiters {
			if w == ch {
				s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
				return true, ctx.Err()
			}
		}
		// Granted concurrently with the cancellation: give the slot back.
		s.inFlight--
		s.grant()
		return true, ctx.Err()
	}
}

// take counts one more attempt in flight. Callers hold s.mu.
func (s *slots) take() {
	s.inFlight++
	if s.inFlight > s.maxInFlight {
		s.maxInFlight = s.inFlight
	}
}

// grant hands free slots to waiters. Callers hold s.mu.
func (s *slots) grant() {
	for s.inFlight < s.limit && len(s.waiters) > 0 {
		ch := s.waiters[0]
		s.waiters[0] = nil
		s.waiters = s.waiters[1:]
		s.take()
		close(ch)
	}
}

// release returns a slot.
func (s *slots) release() {
	s.mu.Lock()
	s.inFlight--
	s.grant()
	s.mu.Unlock()
}

// setLimit changes the bound; slots in use above it drain naturally.
func (s *slots) setLimit(n int) {
	s.mu.Lock()
	s.limit = n
	s.grant()
	s.mu.Unlock()
}

func (s *slots) snapshot() (inFlight, maxInFlight, limit int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight, s.maxInFlight, s.limit
}
