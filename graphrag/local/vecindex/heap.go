package vecindex

// cand is a graph node with its similarity to the current query.
type cand struct {
	sim  float32
	node uint32
}

// candHeap is a binary heap of candidates. With max true the best
// (highest similarity) is at the root; otherwise the worst is.
type candHeap struct {
	max bool
	h   []cand
}

func (c *candHeap) less(a, b cand) bool {
	if c.max {
		return a.sim > b.sim || (a.sim == b.sim && a.node < b.node)
	}
	return a.sim < b.sim || (a.sim == b.sim && a.node > b.node)
}

func (c *candHeap) len() int { return len(c.h) }

func (c *candHeap) top() cand { return c.h[0] }

func (c *candHeap) push(x cand) {
	c.h = append(c.h, x)
	i := len(c.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !c.less(c.h[i], c.h[p]) {
			break
		}
		c.h[i], c.h[p] = c.h[p], c.h[i]
		i = p
	}
}

func (c *candHeap) pop() cand {
	h := c.h
	x := h[0]
	n := len(h) - 1
	h[0] = h[n]
	c.h = h[:n]
	h = c.h
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && c.less(h[r], h[l]) {
			m = r
		}
		if !c.less(h[m], h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return x
}

// visited is a reusable visited set: a node is visited when its mark
// equals the current epoch.
type visited struct {
	marks []uint32
	epoch uint32
}

// reset prepares the set for a graph of n nodes.
func (v *visited) reset(n int) {
	if len(v.marks) < n {
		v.marks = make([]uint32, n+n/4)
		v.epoch = 0
	}
	v.epoch++
	if v.epoch == 0 {
		clear(v.marks)
		v.epoch = 1
	}
}

// visit marks node and reports whether it was already marked.
func (v *visited) visit(node uint32) bool {
	if v.marks[node] == v.epoch {
		return true
	}
	v.marks[node] = v.epoch
	return false
}
