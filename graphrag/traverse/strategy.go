package traverse

import (
	"github.com/kgas-dev/kgas/graphrag/kg"
)

// Node is a node a traversal discovered, as strategies see it.
type Node struct {
	kg.Node
	// Depth is the number of links from the start set: 0 for the start
	// set and the initial roots, else the smallest depth among the links
	// that reach the node and were followed (a link made by a node at
	// depth d has depth d+1). It is never more than the maximum depth.
	Depth int
	// Similarity is the cosine of the node's embedding to the query
	// embedding, computed in float64; 0 when the node has no embedding.
	Similarity float64
}

// Result is a selected node with the metrics its strategy recorded.
type Result struct {
	Node
	// Score is the strategy's score: Similarity for Eager, the MMR score
	// at the pick for MMR, the scorer's value for Scored.
	Score float64
	// Redundancy is, for MMR, the largest cosine of the node's embedding
	// to the nodes picked before it (0 for the first pick); 0 for other
	// strategies.
	Redundancy float64
}

// Strategy decides which discovered nodes a traversal selects and which
// it expands. A Strategy holds configuration only: Run calls Begin once
// per traversal for the traversal's own state, so one Strategy may serve
// concurrent traversals. Eager, MMR and Scored are the built-in ones.
type Strategy interface {
	// Begin validates the configuration, naming the offending field in an
	// error that matches kg.ErrInvalid, and returns the state of one
	// traversal for the query embedding query.
	Begin(query []float32) (Selector, error)
}

// Selector is a strategy's state during one traversal. Run calls it from
// one goroutine.
type Selector interface {
	// Iterate is called once per round with the nodes discovered in it
	// (none is passed twice): first the start set (search order, then the
	// initial roots), later each adjacent batch, most similar first. It
	// selects results and marks nodes for expansion through t. The
	// traversal ends when t.Remaining() is 0 after a round, or when the
	// round marked nothing. The nodes belong to the traversal: read them,
	// keep the pointers, but do not modify them.
	Iterate(discovered []*Node, t *Tracker)
	// Finish returns the results in their final order, given the selected
	// ones in selection order; Run keeps the first select_k of them.
	Finish(selected []Result) []Result
}

// Tracker records what a strategy selects and marks during a traversal.
type Tracker struct {
	selectK  int
	maxDepth int // < 0: no limit
	known    map[string]*Node
	selected []Result
	chosen   map[string]bool
	marked   map[string]bool
	expand   []*Node // marked in the current round
}

func newTracker(selectK, maxDepth int, known map[string]*Node) *Tracker {
	return &Tracker{selectK: selectK, maxDepth: maxDepth, known: known,
		chosen: map[string]bool{}, marked: map[string]bool{}}
}

// Remaining returns how many more nodes may be selected: select_k minus
// the number selected, never below 0.
func (t *Tracker) Remaining() int { return max(0, t.selectK-len(t.selected)) }

// Select adds r to the results and reports whether it did; a node that
// was not discovered or is already selected is not added. Select does not
// enforce select_k (Remaining tells the budget); Run keeps the first
// select_k results of Selector.Finish.
func (t *Tracker) Select(r Result) bool {
	if t.known[r.ID] == nil || t.chosen[r.ID] {
		return false
	}
	t.chosen[r.ID] = true
	t.selected = append(t.selected, r)
	return true
}

// Selected reports whether the node with this ID has been selected.
func (t *Tracker) Selected(id string) bool { return t.chosen[id] }

// Mark marks a discovered node for expansion at the end of the round and
// reports whether it did: only a node below the maximum depth that was
// never marked before can be marked. Its links not followed yet are
// followed after the round.
func (t *Tracker) Mark(n *Node) bool {
	k := t.known[n.ID]
	if k == nil || t.marked[n.ID] || (t.maxDepth >= 0 && k.Depth >= t.maxDepth) {
		return false
	}
	t.marked[n.ID] = true
	t.expand = append(t.expand, k)
	return true
}

// takeExpand returns and clears the nodes marked in this round.
func (t *Tracker) takeExpand() []*Node {
	out := t.expand
	t.expand = nil
	return out
}
