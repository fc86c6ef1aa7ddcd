package graphrag

import (
	"math"
	"slices"
	"strings"

	"github.com/kgas-dev/kgas/graphrag/extract"
)

// Tuning of extractive answers.
const (
	// maxAnswerUnits is the most sentences and facts an answer holds.
	maxAnswerUnits = 3
	// minUnitTokens: shorter sentences (headings, fragments) are skipped.
	minUnitTokens = 4
	// factWeight scales the gain of edge and property facts, so that a
	// sentence saying the same wins.
	factWeight = 0.85
	// bridgeBonus and localBonus, times the mean term weight, reward a
	// unit that names an entity a picked unit names, or that comes from a
	// picked unit's chunk.
	bridgeBonus = 0.6
	localBonus  = 0.4
	// minGainShare: a unit after the first must add at least this share
	// of the question's weight.
	minGainShare = 0.08
)

// noAnswer is the text of an extractive answer that found nothing.
const noAnswer = "The retrieved context does not answer the question."

// unit is a candidate sentence or fact of an extractive answer.
type unit struct {
	cite     Citation
	source   string // what the answer shows in brackets
	chunk    string // the chunk a sentence comes from ("" for facts)
	weight   float64
	terms    []bool // which question terms it covers
	anchors  []bool // which question entities it names
	mentions []string
	states   []string // the IDs of the path edges it states
}

// evidence picks the best-supported sentences and facts of what the query
// retrieved, without a model: up to three units (sentences of the
// retrieved chunks, facts of the edges that no sentence states, facts of
// the nodes' properties), chosen greedily by their gain:
//
//   - the weight of the question's terms and entities the unit covers that
//     no picked unit covers: a term weighs by its rarity among the units,
//     an entity named in the question more than any term, and a term like
//     "operator" is also covered by naming an entity of that type;
//   - a bonus, as large as an entity's weight, for stating an edge of the
//     question's best path (see bestPaths), so that a two-hop question is
//     answered along the graph: the well's field, then its operator;
//   - smaller bonuses for naming an entity a picked unit names, or for
//     coming from a picked unit's chunk.
//
// When the question names entities, the first unit must name one or state
// a path edge, and later units must name one of them, an entity of a
// path or of a picked unit, or share a picked unit's chunk: so a unit
// about another well, however well it matches the words, stays out. Facts
// weigh less than sentences.
//
// The evidence leads the context (for the chat model too), and is the
// offline answer.
func (p *pipeline) evidence(r *retrieved) []unit {
	names := make(map[string]string, len(r.nodes))
	types := make(map[string]string, len(r.nodes))
	for id, n := range r.nodes {
		names[id], types[id] = n.node.Name, n.node.Type
	}
	x := newEntityIndex(names, types)
	anchors, rest := x.questionEntities(p.question)
	terms := questionTerms(rest)
	units := unitsOf(r, x)
	for i := range units {
		u := &units[i]
		u.terms = covers(terms, u.cite.Text, u.mentions, types)
		u.anchors = make([]bool, len(anchors))
		for j, id := range anchors {
			u.anchors[j] = slices.Contains(u.mentions, id)
		}
	}
	w := termWeights(units, len(terms))
	paths := bestPaths(r, anchors, terms, w, types)
	for i := range units {
		u := &units[i]
		for _, e := range paths.edges {
			if (u.cite.Kind == KindEdge && u.cite.ID == e.ID) ||
				(slices.Contains(u.mentions, e.From) && slices.Contains(u.mentions, e.To)) {
				u.states = append(u.states, e.ID)
			}
		}
	}
	return pick(units, w, anchors, paths.nodes)
}

// extractive writes the offline answer: each evidence unit followed by its
// source in brackets (its document, or the item's reference).
func extractive(ev []unit) *Answer {
	out := &Answer{Offline: true, Citations: []Citation{}}
	if len(ev) == 0 {
		out.Text = noAnswer
		return out
	}
	var b strings.Builder
	for i, u := range ev {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(u.cite.Text)
		b.WriteString(" [")
		b.WriteString(u.source)
		b.WriteString("]")
		out.Citations = append(out.Citations, u.cite)
	}
	out.Text = b.String()
	return out
}

// questionTerms returns the distinct stems of the question's words that
// are not stop words.
func questionTerms(q string) []string {
	var out []string
	for _, t := range tokens(q) {
		if stopWords[t] {
			continue
		}
		if s := stem(t); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// covers reports which terms text covers: by a word, or, for a term naming
// an entity type ("operator"), by naming an entity of that type.
func covers(terms []string, text string, mentions []string, types map[string]string) []bool {
	stems := map[string]bool{}
	for _, t := range tokens(text) {
		stems[stem(t)] = true
	}
	for _, id := range mentions {
		for _, t := range tokens(types[id]) {
			stems[stem(t)] = true
		}
	}
	out := make([]bool, len(terms))
	for j, t := range terms {
		for s := range stems {
			if stemsMatch(s, t) {
				out[j] = true
				break
			}
		}
	}
	return out
}

// termWeights weighs each term by its rarity among the units:
// ln(1 + units/units covering it), 0 for a term no unit covers.
func termWeights(units []unit, nTerms int) []float64 {
	w := make([]float64, nTerms)
	for j := range w {
		df := 0
		for _, u := range units {
			if u.terms[j] {
				df++
			}
		}
		if df > 0 {
			w[j] = math.Log(1 + float64(len(units))/float64(df))
		}
	}
	return w
}

// unitsOf returns the sentences of the retrieved chunks (in ranked order),
// the facts of the edges that no such sentence states (none names both
// ends), and the facts of the nodes' scalar properties.
func unitsOf(r *retrieved, x *entityIndex) []unit {
	var out []unit
	for _, c := range r.ranked {
		ch, ok := r.chunks[c.ID]
		if c.Kind != KindChunk || !ok {
			continue
		}
		text := ch.chunk.Text
		for _, sp := range extract.Sentences(text) {
			s := strings.Join(strings.Fields(text[sp.Start:sp.End]), " ")
			if strings.HasPrefix(s, "#") || len(tokens(s)) < minUnitTokens {
				continue
			}
			ids, _ := x.mentions(s)
			doc := ch.chunk.DocumentID
			out = append(out, unit{
				cite:   Citation{Kind: KindChunk, ID: c.ID, DocumentID: doc, Text: s},
				source: sourceLabel(doc, "c:"+c.ID), chunk: c.ID, weight: 1, mentions: ids,
			})
		}
	}
	// pairs holds the pairs of entities some sentence names together.
	pairs := map[[2]string]bool{}
	for _, u := range out {
		for _, a := range u.mentions {
			for _, b := range u.mentions {
				pairs[[2]string{a, b}] = true
			}
		}
	}
	stated := func(from, to string) bool { return pairs[[2]string{from, to}] }
	for _, c := range r.ranked {
		switch c.Kind {
		case KindEdge:
			ea, ok := r.edges[c.ID]
			if !ok || stated(ea.edge.From, ea.edge.To) {
				continue
			}
			e := ea.edge
			doc := r.docOf(KindEdge, e.ID)
			out = append(out, unit{
				cite:   Citation{Kind: KindEdge, ID: e.ID, DocumentID: doc, Text: r.edgeFact(e)},
				source: sourceLabel(doc, "e:"+e.ID), weight: factWeight, mentions: []string{e.From, e.To},
			})
		case KindNode:
			if na, ok := r.nodes[c.ID]; ok {
				out = append(out, propertyUnits(r, na.node.ID)...)
			}
		}
	}
	return out
}

// propertyUnits returns one fact per scalar property of a node.
func propertyUnits(r *retrieved, id string) []unit {
	n := r.nodes[id].node
	doc := r.docOf(KindNode, id)
	keys := make([]string, 0, len(n.Properties))
	for k := range n.Properties {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []unit
	for _, k := range keys {
		switch n.Properties[k].(type) {
		case string, float64, float32, int, int64, bool:
		default:
			continue
		}
		text := r.name(id) + " " + k + ": " + valueText(n.Properties[k], 200)
		out = append(out, unit{
			cite:   Citation{Kind: KindNode, ID: id, DocumentID: doc, Text: text},
			source: sourceLabel(doc, "n:"+id), weight: factWeight, mentions: []string{id},
		})
	}
	return out
}

// sourceLabel is what an extractive answer shows in brackets: the
// document, else the item's reference.
func sourceLabel(doc, ref string) string {
	if doc != "" {
		return doc
	}
	return ref
}
