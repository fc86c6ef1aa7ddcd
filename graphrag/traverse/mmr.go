package traverse

import (
	"fmt"
	"math"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// DefaultLambda is MMR's default λ (that of the graph-rag reference).
const DefaultLambda = 0.5

// MMR is the maximal-marginal-relevance strategy: it balances similarity
// to the query against redundancy with the nodes already selected. A
// candidate's score is
//
//	λ·Similarity − (1−λ)·max cos(candidate, s) over selected s
//
// (the max term is 0 while nothing is selected). Each round it picks the
// best-scoring candidate while one scores at least the minimum and the
// select_k budget lasts (ties go to the earlier discovered), selects it,
// raises the others' redundancy with their cosine to it, and marks it;
// when the mark succeeds the round ends so that the pick's neighbours
// join the candidates before the next pick. Results come in pick order,
// with Score the MMR score at the pick and Redundancy its maximum cosine
// to the nodes picked before it. Build one with NewMMR (the zero value
// has λ = 0 and a minimum score of 0).
type MMR struct {
	lambda   float64
	minScore float64
}

// MMROption configures NewMMR.
type MMROption func(*MMR)

// Lambda sets λ, the weight of similarity against redundancy, in [0, 1]:
// 1 ranks by similarity alone, 0 by diversity alone (default
// DefaultLambda).
func Lambda(l float64) MMROption { return func(m *MMR) { m.lambda = l } }

// MinMMRScore stops the picking of a round when the best candidate scores
// below s (default: no minimum).
func MinMMRScore(s float64) MMROption { return func(m *MMR) { m.minScore = s } }

// NewMMR returns the MMR strategy; Run reports invalid settings.
func NewMMR(opts ...MMROption) MMR {
	m := MMR{lambda: DefaultLambda, minScore: math.Inf(-1)}
	for _, o := range opts {
		if o != nil {
			o(&m)
		}
	}
	return m
}

// Begin implements Strategy. It fails when λ is outside [0, 1] or the
// minimum score is NaN.
func (m MMR) Begin([]float32) (Selector, error) {
	if !(m.lambda >= 0 && m.lambda <= 1) {
		return nil, fmt.Errorf("%w: traverse: mmr lambda_mult = %v: must be in [0, 1]", kg.ErrInvalid, m.lambda)
	}
	if math.IsNaN(m.minScore) {
		return nil, fmt.Errorf("%w: traverse: mmr min_mmr_score is NaN", kg.ErrInvalid)
	}
	return &mmrSelector{MMR: m}, nil
}

type mmrCandidate struct {
	n          *Node
	redundancy float64
	score      float64
}

type mmrSelector struct {
	MMR
	cands    []*mmrCandidate // discovery order
	selected [][]float32
}

func (s *mmrSelector) rescore(c *mmrCandidate) {
	c.score = s.lambda*c.n.Similarity - (1-s.lambda)*c.redundancy
}

func (s *mmrSelector) Iterate(discovered []*Node, t *Tracker) {
	for _, n := range discovered {
		if t.Selected(n.ID) {
			continue
		}
		c := &mmrCandidate{n: n}
		for i, e := range s.selected {
			if r := kg.Cosine(n.Embedding, e); i == 0 || r > c.redundancy {
				c.redundancy = r
			}
		}
		s.rescore(c)
		s.cands = append(s.cands, c)
	}
	for t.Remaining() > 0 && len(s.cands) > 0 {
		best := 0
		for i, c := range s.cands {
			if c.score > s.cands[best].score {
				best = i
			}
		}
		pick := s.cands[best]
		if pick.score < s.minScore {
			return
		}
		s.cands = append(s.cands[:best], s.cands[best+1:]...)
		t.Select(Result{Node: *pick.n, Score: pick.score, Redundancy: pick.redundancy})
		s.selected = append(s.selected, pick.n.Embedding)
		for _, c := range s.cands {
			if r := kg.Cosine(c.n.Embedding, pick.n.Embedding); r > c.redundancy {
				c.redundancy = r
				s.rescore(c)
			}
		}
		if t.Mark(pick.n) {
			return
		}
	}
}

func (s *mmrSelector) Finish(selected []Result) []Result { return selected }
