package apiclient

import (
	"math"
	"sync"
	"time"
)

// aimd adapts the concurrency bound: additive increase of 1/limit per
// success (about +1 per round of limit successes), multiplicative decrease
// by decreaseFactor on overload signals (429, 503, or an EWMA of success
// latency above latencyFactor times the lowest latency seen). Decreases are
// spaced by at least one smoothed round trip, so the burst of failures one
// overload produces counts once.
type aimd struct {
	mu           sync.Mutex
	min, max     float64
	limit        float64
	ewma         float64 // seconds
	minLat       float64 // seconds
	samples      int
	lastDecrease time.Time
	apply        func(int)
}

const (
	decreaseFactor = 0.7
	latencyFactor  = 2.0
	ewmaAlpha      = 0.2
	// minSamples is the number of successes before latency can trigger a
	// decrease.
	minSamples = 10
)

func newAIMD(min, max, start int, apply func(int)) *aimd {
	start = clamp(start, min, max)
	a := &aimd{min: float64(min), max: float64(max), limit: float64(start), apply: apply}
	apply(start)
	return a
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

// observe records one attempt outcome: overload for 429/503, success for a
// 2xx-3xx with its latency. Other outcomes are ignored.
func (a *aimd) observe(success, overload bool, latency time.Duration, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	before := int(math.Floor(a.limit))
	switch {
	case overload:
		a.decrease(now)
	case success:
		lat := latency.Seconds()
		if a.samples == 0 {
			a.ewma, a.minLat = lat, lat
		} else {
			a.ewma = ewmaAlpha*lat + (1-ewmaAlpha)*a.ewma
			a.minLat = min(a.minLat, lat)
		}
		a.samples++
		if a.samples >= minSamples && a.minLat > 0 && a.ewma > latencyFactor*a.minLat {
			a.decrease(now)
		} else {
			a.limit = min(a.max, a.limit+1/a.limit)
		}
	default:
		return
	}
	if after := int(math.Floor(a.limit)); after != before {
		a.apply(after)
	}
}

// decrease cuts the limit unless it was cut less than a round trip ago.
// Callers hold a.mu.
func (a *aimd) decrease(now time.Time) {
	rtt := time.Duration(a.ewma * float64(time.Second))
	rtt = max(rtt, 10*time.Millisecond)
	if now.Sub(a.lastDecrease) < rtt {
		return
	}
	a.lastDecrease = now
	a.limit = max(a.min, a.limit*decreaseFactor)
}
