package traverse

// Eager is the breadth-first strategy: it selects every discovered node,
// in discovery order, while the select_k budget lasts, and marks each one
// it selects for expansion. Result.Score is the node's Similarity.
type Eager struct{}

// Begin implements Strategy.
func (Eager) Begin([]float32) (Selector, error) { return eagerSelector{}, nil }

type eagerSelector struct{}

func (eagerSelector) Iterate(discovered []*Node, t *Tracker) {
	for _, n := range discovered {
		if t.Remaining() == 0 {
			return
		}
		if t.Select(Result{Node: *n, Score: n.Similarity}) {
			t.Mark(n)
		}
	}
}

func (eagerSelector) Finish(selected []Result) []Result { return selected }
