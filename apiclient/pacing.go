package apiclient

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter paces admission. The Client calls Wait once per attempt, after it
// holds a concurrency slot and just before it sends, and Update with the
// rate-limit headers of every response. Implementations must be safe for
// concurrent use; a shared multi-process limiter can implement it.
type Limiter interface {
	// Wait blocks until one request of the given cost (in tokens) may be
	// sent, and returns how long it waited. It returns ErrRequestTooLarge
	// (wrapped or not) at once if cost can never be admitted, an error
	// wrapping ErrWaitExceedsDeadline if the wait would end after ctx's
	// deadline, and the context's error if ctx ends first.
	Wait(ctx context.Context, cost int) (waited time.Duration, err error)
	// Update corrects the limiter from a response's rate-limit headers.
	// Fields are -1 when unknown; implementations must ignore them then.
	Update(info RateLimitInfo)
}

// RateLimiter is the built-in Limiter: two continuously refilling token
// buckets (golang.org/x/time/rate), one for requests and one for tokens,
// each of capacity equal to its per-window limit and starting full. This
// matches how OpenAI enforces RPM and TPM.
//
// Update lowers a bucket when the server reports fewer remaining than the
// bucket holds, and lowers a bucket's
// capacity and rate when the server reports a smaller limit. It never raises
// them: the configured limits are a ceiling.
type RateLimiter struct {
	mu  sync.Mutex // serialises reservations with header corrections
	req *rate.Limiter
	tok *rate.Limiter
	// reqPer and tokPer are the windows the limits are expressed over.
	reqPer, tokPer time.Duration
}

// NewRateLimiter returns a limiter admitting at most requests per reqPer and
// tokens per tokPer. A zero count disables that bucket.
func NewRateLimiter(requests int, reqPer time.Duration, tokens int, tokPer time.Duration) *RateLimiter {
	l := &RateLimiter{reqPer: reqPer, tokPer: tokPer}
	if requests > 0 && reqPer > 0 {
		l.req = rate.NewLimiter(perSecond(requests, reqPer), requests)
	}
	if tokens > 0 && tokPer > 0 {
		l.tok = rate.NewLimiter(perSecond(tokens, tokPer), tokens)
	}
	return l
}

func perSecond(n int, per time.Duration) rate.Limit {
	return rate.Limit(float64(n) / per.Seconds())
}

// Wait implements Limiter.
func (l *RateLimiter) Wait(ctx context.Context, cost int) (time.Duration, error) {
	d, _, err := l.wait(ctx, cost)
	return d, err
}

// wait is Wait that also names the bucket that imposed the wait.
func (l *RateLimiter) wait(ctx context.Context, cost int) (time.Duration, string, error) {
	if err := ctx.Err(); err != nil {
		return 0, "", err
	}
	now := time.Now()
	l.mu.Lock()
	var rr, tr *rate.Reservation
	if l.tok != nil && cost > 0 {
		if cost > l.tok.Burst() {
			burst := l.tok.Burst()
			l.mu.Unlock()
			return 0, "tokens", fmt.Errorf("%w: cost %d exceeds the token limit %d", ErrRequestTooLarge, cost, burst)
		}
		tr = l.tok.ReserveN(now, cost)
	}
	if l.req != nil {
		rr = l.req.ReserveN(now, 1)
	}
	l.mu.Unlock()
	var delay time.Duration
	which := ""
	if rr != nil {
		if d := rr.DelayFrom(now); d > delay {
			delay, which = d, "requests"
		}
	}
	if tr != nil {
		if d := tr.DelayFrom(now); d > delay {
			delay, which = d, "tokens"
		}
	}
	cancel := func() {
		if rr != nil {
			rr.Cancel()
		}
		if tr != nil {
			tr.Cancel()
		}
	}
	if delay == 0 {
		return 0, "", nil
	}
	if dl, ok := ctx.Deadline(); ok && now.Add(delay).After(dl) {
		cancel()
		return 0, which, fmt.Errorf("%w: %s limit needs %v", ErrWaitExceedsDeadline, which, delay)
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return delay, which, nil
	case <-ctx.Done():
		cancel()
		return time.Since(now), which, ctx.Err()
	}
}

// Update implements Limiter.
func (l *RateLimiter) Update(info RateLimitInfo) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.req != nil {
		correct(l.req, now, info.LimitRequests, info.RemainingRequests, info.ResetRequests, info.Age, l.reqPer)
	}
	if l.tok != nil {
		correct(l.tok, now, info.LimitTokens, info.RemainingTokens, info.ResetTokens, info.Age, l.tokPer)
	}
}

// correct applies one bucket's header values to lim; see RateLimiter.
func correct(lim *rate.Limiter, now time.Time, limit, remaining int64, reset, age time.Duration, per time.Duration) {
	if limit > 0 && limit < int64(lim.Burst()) {
		// The server's bucket is smaller than ours. Infer its window from
		// reset = (limit-remaining)·window/limit when possible.
		window := per
		if remaining >= 0 && remaining < limit && reset > 0 {
			if w := time.Duration(float64(reset) * float64(limit) / float64(limit-remaining)); w > 0 && w < 2*maxHeaderWait {
				window = w
			}
		}
		lim.SetBurstAt(now, int(limit))
		lim.SetLimitAt(now, perSecond(int(limit), window))
	}
	if remaining < 0 {
		return
	}
	// The server's remaining already excludes every attempt it admitted,
	// and our bucket already excludes every attempt we admitted, so the
	// two compare directly. Only attempts still in transit to the server
	// differ; subtracting all of inFlight would count the admitted ones
	// twice and stall the client far below the server's limit (measured:
	// the burst scenario ran 24% over its bound that way). A few in-transit
	// attempts may meet a 429, whose wait the shared pause honours.
	// The figures may be as old as the attempt: credit the refill since.
	target := max(float64(remaining)+float64(lim.Limit())*max(age, 0).Seconds(), 0)
	cur := lim.TokensAt(now)
	if excess := cur - target; excess >= 1 {
		n := int(math.Floor(excess))
		n = min(n, lim.Burst())
		// Consume the excess without waiting: the bucket never goes below
		// the target (and never below zero).
		lim.ReserveN(now, n)
	}
}

// Tokens returns the current request and token bucket levels (-1 for a
// disabled bucket). It is meant for tests and diagnostics.
func (l *RateLimiter) Tokens() (requests, tokens float64) {
	now := time.Now()
	requests, tokens = -1, -1
	if l.req != nil {
		requests = l.req.TokensAt(now)
	}
	if l.tok != nil {
		tokens = l.tok.TokensAt(now)
	}
	return requests, tokens
}

// Capacity returns the current request and token bucket capacities (0 for a
// disabled bucket).
func (l *RateLimiter) Capacity() (requests, tokens int) {
	if l.req != nil {
		requests = l.req.Burst()
	}
	if l.tok != nil {
		tokens = l.tok.Burst()
	}
	return requests, tokens
}
