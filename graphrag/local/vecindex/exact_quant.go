package vecindex

import (
	"math"
	"runtime"
	"slices"
	"sync"
)

// quantBlock is the number of rows one kernel call scores.
const quantBlock = 256

// qcand is a row that the first pass could not rule out, with the upper
// bound of its score.
type qcand struct {
	row   int
	upper float32
}

// quantPart is one worker's share of a quantised search: the k largest
// lower bounds it saw (a min-heap) and its candidate rows.
type quantPart struct {
	lows  []float32
	cands []qcand
}

// slackFor bounds the float32 rounding in a score: the float32 dot
// product of two unit vectors of length dim differs from the real one by
// at most about dim·2⁻²⁴, and the bound's own arithmetic adds a little.
func slackFor(dim int) float32 {
	return float32(dim)*1.2e-7 + 1e-6
}

// searchQuantised is Search for large indexes; the caller holds e.mu for
// reading and q is normalised. Every row gets an approximate score a from
// the int8 kernel and an error bound ε, so its float32 score lies in
// [a−ε, a+ε]. With τ the k-th largest lower bound over all rows, at least
// k rows score ≥ τ, so no row whose upper bound is below τ can be in the
// top k. Only the others are rescored in float32 with the same kernel as
// the plain scan, which makes the result identical to it.
func (e *Exact) searchQuantised(q []float32, k int, accept func(uint64) bool) []Hit {
	n := len(e.ids)
	k = min(k, n)
	qq := make([]int16, e.stride)
	sy, ry := quantiseQuery(qq, q, queryLimit(e.stride))
	workers := 1
	if n > e.parallelMin {
		workers = max(1, runtime.GOMAXPROCS(0))
	}
	parts := make([]quantPart, workers)
	if workers == 1 {
		e.quantScan(qq, float32(sy), float32(ry), 0, n, k, accept, &parts[0])
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			lo, hi := w*n/workers, (w+1)*n/workers
			wg.Go(func() { e.quantScan(qq, float32(sy), float32(ry), lo, hi, k, accept, &parts[w]) })
		}
		wg.Wait()
	}
	var lows []float32
	for _, p := range parts {
		lows = append(lows, p.lows...)
	}
	tau := float32(math.Inf(-1))
	if len(lows) >= k {
		slices.Sort(lows)
		tau = lows[len(lows)-k]
	}
	t := newTopK(k)
	dim := e.dim
	for _, p := range parts {
		for _, c := range p.cands {
			if c.upper < tau {
				continue
			}
			r := c.row
			t.push(Hit{ID: e.ids[r], Score: dot(q, e.data[r*dim:(r+1)*dim:(r+1)*dim])})
		}
	}
	return t.sorted()
}

// quantScan runs the first pass over rows [lo, hi) into p.
func (e *Exact) quantScan(qq []int16, sy, ry float32, lo, hi, k int, accept func(uint64) bool, p *quantPart) {
	if k == 0 {
		return
	}
	stride := e.stride
	slack := slackFor(e.dim)
	tau := float32(math.Inf(-1))
	compactAt := max(4*k, 1024)
	var dots [quantBlock]int32
	for r := lo; r < hi; r += quantBlock {
		m := min(quantBlock, hi-r)
		if accept == nil {
			dotsI8(qq, e.q8[r*stride:(r+m)*stride], stride, dots[:m])
		}
		for i := range m {
			row := r + i
			if accept != nil {
				if !accept(e.ids[row]) {
					continue
				}
				dotsI8(qq, e.q8[row*stride:(row+1)*stride], stride, dots[i:i+1])
			}
			qr := e.qrow[row]
			a := qr.scale * sy * float32(dots[i])
			eps := qr.norm*ry + qr.res + slack
			up := a + eps
			if up < tau {
				continue
			}
			if low := a - eps; len(p.lows) < k {
				p.lows = pushLow(p.lows, low)
				if len(p.lows) == k {
					tau = p.lows[0]
				}
			} else if low > p.lows[0] {
				replaceLow(p.lows, low)
				tau = p.lows[0]
			}
			p.cands = append(p.cands, qcand{row: row, upper: up})
			if len(p.cands) >= compactAt {
				p.cands = slices.DeleteFunc(p.cands, func(c qcand) bool { return c.upper < tau })
				compactAt = max(2*len(p.cands), compactAt)
			}
		}
	}
}

// pushLow adds x to the min-heap h.
func pushLow(h []float32, x float32) []float32 {
	h = append(h, x)
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if h[parent] <= h[i] {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
	return h
}

// replaceLow replaces the minimum of the min-heap h with x.
func replaceLow(h []float32, x float32) {
	h[0] = x
	i, n := 0, len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h[r] < h[l] {
			m = r
		}
		if h[i] <= h[m] {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
