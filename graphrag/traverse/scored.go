package traverse

import (
	"cmp"
	"container/heap"
	"fmt"
	"slices"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// Scorer scores a discovered node for Scored; higher is better. A Scored
// strategy shared by concurrent Runs calls it concurrently.
type Scorer func(n *Node) float64

// Scored is the strategy that ranks every discovered node by a Scorer.
// All discovered nodes wait in one queue, best score first (ties go to
// the earlier discovered, NaN ranks last). Each round has a budget of the
// remaining select_k, capped by the per-iteration limit when one is set:
// it pops the best node, selects it with Result.Score set to its score,
// and marks it, and only a node actually marked uses up budget, so nodes
// at the maximum depth do not. The results are all selected nodes, best
// score first, cut to select_k. Build one with NewScored.
type Scored struct {
	scorer Scorer
	limit  int
}

// ScoredOption configures NewScored.
type ScoredOption func(*Scored)

// PerIterationLimit caps the nodes one round may mark at n (default 0:
// no cap beyond select_k).
func PerIterationLimit(n int) ScoredOption { return func(s *Scored) { s.limit = n } }

// NewScored returns the Scored strategy for scorer; Run reports invalid
// settings.
func NewScored(scorer Scorer, opts ...ScoredOption) Scored {
	s := Scored{scorer: scorer}
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	return s
}

// Begin implements Strategy. It fails when the scorer is nil or the
// per-iteration limit is negative.
func (s Scored) Begin([]float32) (Selector, error) {
	if s.scorer == nil {
		return nil, fmt.Errorf("%w: traverse: scored scorer is nil", kg.ErrInvalid)
	}
	if s.limit < 0 {
		return nil, fmt.Errorf("%w: traverse: scored per_iteration_limit = %d: must not be negative", kg.ErrInvalid, s.limit)
	}
	return &scoredSelector{Scored: s}, nil
}

type scoredItem struct {
	n     *Node
	score float64
	seq   int
}

// better orders items best first: higher score, NaN last, then earlier.
func better(a, b scoredItem) int {
	return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.seq, b.seq))
}

type scoredQueue []scoredItem

func (q scoredQueue) Len() int           { return len(q) }
func (q scoredQueue) Less(i, j int) bool { return better(q[i], q[j]) < 0 }
func (q scoredQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *scoredQueue) Push(x any)        { *q = append(*q, x.(scoredItem)) }
func (q *scoredQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

type scoredSelector struct {
	Scored
	queue scoredQueue
	seq   int
}

func (s *scoredSelector) Iterate(discovered []*Node, t *Tracker) {
	for _, n := range discovered {
		heap.Push(&s.queue, scoredItem{n: n, score: s.scorer(n), seq: s.seq})
		s.seq++
	}
	budget := t.Remaining()
	if s.limit > 0 {
		budget = min(budget, s.limit)
	}
	for budget > 0 && s.queue.Len() > 0 {
		it := heap.Pop(&s.queue).(scoredItem)
		if !t.Select(Result{Node: *it.n, Score: it.score}) {
			continue
		}
		if t.Mark(it.n) {
			budget--
		}
	}
}

func (s *scoredSelector) Finish(selected []Result) []Result {
	out := slices.Clone(selected)
	slices.SortStableFunc(out, func(a, b Result) int {
		return better(scoredItem{score: a.Score}, scoredItem{score: b.Score})
	})
	return out
}
