package graphrag

import (
	"cmp"
	"slices"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// maxPathHops bounds the paths bestPaths considers.
const maxPathHops = 2

// pathSet is the question's best paths: their edges and the nodes on
// them that the question does not name.
type pathSet struct {
	edges []kg.Edge
	nodes map[string]bool
}

// bestPaths returns the paths of one or two retrieved edges, from an entity
// the question names, that cover the question's terms best: a path covers
// the terms that its relation types ("OPERATED_BY" covers "operates") and
// the types of its other nodes ("Field" covers "field") match, and weighs
// the sum of their weights. Of paths of equal weight the shorter ones are
// kept, and all of the best weight are returned; none if no path covers a
// term. For "Who operates the field that well 41/7-3 is located in?" it
// is 41/7-3 —LOCATED_IN→ Brannfjell —OPERATED_BY→ Nordvik Energi.
func bestPaths(r *retrieved, anchors, terms []string, w []float64, types map[string]string) pathSet {
	out := pathSet{nodes: map[string]bool{}}
	if len(anchors) == 0 || len(terms) == 0 {
		return out
	}
	adj := map[string][]kg.Edge{}
	for _, ea := range r.edges {
		e := ea.edge
		adj[e.From] = append(adj[e.From], e)
		if e.To != e.From {
			adj[e.To] = append(adj[e.To], e)
		}
	}
	for id := range adj { // deterministic order whatever the map's
		slices.SortFunc(adj[id], func(a, b kg.Edge) int { return cmp.Compare(a.ID, b.ID) })
	}
	isAnchor := map[string]bool{}
	for _, a := range anchors {
		isAnchor[a] = true
	}
	stemsOf := func(s string) []string {
		var out []string
		for _, t := range tokens(s) {
			out = append(out, stem(t))
		}
		return out
	}
	// weigh returns the weight of the terms the path's relations and
	// non-anchor nodes cover.
	weigh := func(edges []kg.Edge, nodes []string) float64 {
		var stems []string
		for _, e := range edges {
			stems = append(stems, stemsOf(e.Type)...)
		}
		for _, n := range nodes {
			if !isAnchor[n] {
				stems = append(stems, stemsOf(types[n])...)
			}
		}
		var sum float64
		for j, t := range terms {
			if slices.ContainsFunc(stems, func(s string) bool { return stemsMatch(s, t) }) {
				sum += w[j]
			}
		}
		return sum
	}
	type path struct {
		edges []kg.Edge
		nodes []string
		score float64
	}
	var best []path
	consider := func(p path) {
		switch {
		case p.score <= 0:
			return
		case len(best) == 0 || p.score > best[0].score+1e-9 ||
			(p.score > best[0].score-1e-9 && len(p.edges) < len(best[0].edges)):
			best = []path{p}
		case p.score > best[0].score-1e-9 && len(p.edges) == len(best[0].edges):
			best = append(best, p)
		}
	}
	for _, a := range anchors {
		for _, e1 := range adj[a] {
			n1 := other(e1, a)
			p1 := path{edges: []kg.Edge{e1}, nodes: []string{n1}}
			p1.score = weigh(p1.edges, p1.nodes)
			consider(p1)
			if maxPathHops < 2 {
				continue
			}
			for _, e2 := range adj[n1] {
				n2 := other(e2, n1)
				if e2.ID == e1.ID || n2 == a {
					continue
				}
				p2 := path{edges: []kg.Edge{e1, e2}, nodes: []string{n1, n2}}
				p2.score = weigh(p2.edges, p2.nodes)
				consider(p2)
			}
		}
	}
	for _, p := range best {
		for _, e := range p.edges {
			if !slices.ContainsFunc(out.edges, func(x kg.Edge) bool { return x.ID == e.ID }) {
				out.edges = append(out.edges, e)
			}
		}
		for _, n := range p.nodes {
			if !isAnchor[n] {
				out.nodes[n] = true
			}
		}
	}
	return out
}

// other returns the endpoint of e that is not id (id itself for a loop).
func other(e kg.Edge, id string) string {
	if e.From == id {
		return e.To
	}
	return e.From
}

// pick chooses the units of an extractive answer greedily (see
// extractive).
func pick(units []unit, w []float64, anchors []string, pathNodes map[string]bool) []unit {
	var sumW, maxW float64
	for _, x := range w {
		sumW += x
		maxW = max(maxW, x)
	}
	anchorW := maxW + 1
	mass := sumW + anchorW*float64(len(anchors))
	meanW := 1.0
	if len(w) > 0 && sumW > 0 {
		meanW = sumW / float64(len(w))
	}
	// When the question names an entity that some unit names too (or a
	// path exists), units must connect to what the question is about.
	anchored := slices.ContainsFunc(units, func(u unit) bool {
		return slices.Contains(u.anchors, true) || len(u.states) > 0
	})
	termDone := make([]bool, len(w))
	anchorDone := make([]bool, len(anchors))
	edgeDone := map[string]bool{}
	named := map[string]bool{} // entities named by picked units
	chunks := map[string]bool{}
	used := make([]bool, len(units))
	var out []unit
	for len(out) < maxAnswerUnits {
		best, bestGain := -1, 0.0
		for i, u := range units {
			if used[i] {
				continue
			}
			var fresh, total, path float64
			for j, c := range u.terms {
				if c {
					total += w[j]
					if !termDone[j] {
						fresh += w[j]
					}
				}
			}
			for j, c := range u.anchors {
				if c {
					total += anchorW
					if !anchorDone[j] {
						fresh += anchorW
					}
				}
			}
			if slices.ContainsFunc(u.states, func(id string) bool { return !edgeDone[id] }) {
				path = anchorW
			}
			if fresh+path <= 0 || (len(out) > 0 && fresh+path < minGainShare*mass) {
				continue
			}
			local := u.chunk != "" && chunks[u.chunk]
			bridge := slices.ContainsFunc(u.mentions, func(id string) bool { return named[id] })
			if anchored {
				linked := slices.Contains(u.anchors, true) || len(u.states) > 0
				if len(out) > 0 {
					linked = linked || local || bridge ||
						slices.ContainsFunc(u.mentions, func(id string) bool { return pathNodes[id] })
				}
				if !linked {
					continue
				}
			}
			gain := u.weight*fresh + path
			if bridge {
				gain += bridgeBonus * meanW
			}
			if local {
				gain += localBonus * meanW
			}
			gain += 1e-3 * total // ties: the unit covering more overall
			if gain > bestGain {
				best, bestGain = i, gain
			}
		}
		if best < 0 {
			break
		}
		u := units[best]
		used[best] = true
		out = append(out, u)
		if u.chunk != "" {
			chunks[u.chunk] = true
		}
		for j, c := range u.terms {
			termDone[j] = termDone[j] || c
		}
		for j, c := range u.anchors {
			anchorDone[j] = anchorDone[j] || c
		}
		for _, id := range u.states {
			edgeDone[id] = true
		}
		for _, id := range u.mentions {
			named[id] = true
		}
	}
	return out
}
