package extract

import (
	"fmt"
	"math"
	"slices"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// direction says which way a relation type may join two entity types.
type direction int

const (
	dirNone     direction = iota
	dirForward            // from → to is allowed
	dirBackward           // only to → from is allowed
)

func allowedType(list []string, t string) bool { return len(list) == 0 || slices.Contains(list, t) }

// directionOf checks the relation rt between entities of types from and to.
func directionOf(rt kg.RelationType, from, to string) direction {
	switch {
	case allowedType(rt.Source, from) && allowedType(rt.Target, to):
		return dirForward
	case allowedType(rt.Source, to) && allowedType(rt.Target, from):
		if rt.Symmetric {
			return dirForward
		}
		return dirBackward
	}
	return dirNone
}

// relation validates one relation against the chunk's entities ents; false
// means pruned (the issue is recorded).
//
// Endpoints are found by normalised name (and type, when the reply gives
// one that matches). A relation valid only the other way round is
// reversed when WithFlipReversed is on (the default), reported with
// ActionFlipped; otherwise it is pruned (strict) or flagged (lenient).
func (v *validator) relation(ch *Chunk, rr RawRelation, ents []Entity, pruned map[string]Reason, p *chunkProduct) (Relation, bool) {
	is := Issue{ChunkID: ch.ID, Item: ItemRelation, Name: fmt.Sprintf("%s -%s-> %s", rr.Source, rr.Type, rr.Target), Type: rr.Type}
	prune := func(r Reason, detail string, args ...any) (Relation, bool) {
		is.Reason, is.Action, is.Detail = r, ActionPruned, fmt.Sprintf(detail, args...)
		p.issue(is)
		return Relation{}, false
	}
	srcs := v.candidates(rr.Source, rr.SourceType, ents)
	tgts := v.candidates(rr.Target, rr.TargetType, ents)
	for _, side := range [...]struct {
		name  string
		found []int
	}{{rr.Source, srcs}, {rr.Target, tgts}} {
		if len(side.found) > 0 {
			continue
		}
		if why, ok := pruned[NormalizeName(side.name)]; ok {
			return prune(ReasonMissingEndpoint, "endpoint %q was pruned (%s)", side.name, why)
		}
		return prune(ReasonMissingEndpoint, "endpoint %q is not an extracted entity", side.name)
	}
	typ, known := v.relationType(rr.Type)
	if !known {
		if !v.lenient || cleanName(rr.Type) == "" {
			return prune(ReasonUnknownRelationType, "relation type %q is not in the ontology", rr.Type)
		}
		from, to := ents[srcs[0]], ents[tgts[0]]
		if from.ID == to.ID {
			return prune(ReasonSelfLoop, "both endpoints are %s", from.ID)
		}
		is.Reason, is.Action, is.Detail = ReasonUnknownRelationType, ActionFlagged, fmt.Sprintf("relation type %q is not in the ontology", rr.Type)
		p.issue(is)
		t := cleanName(rr.Type)
		return Relation{ID: kg.EdgeID(from.ID, t, to.ID), Type: t, From: from.ID, To: to.ID,
			Properties: props(rr.Properties), ChunkIDs: []string{ch.ID}, Flags: []Reason{ReasonUnknownRelationType}}, true
	}
	rt, _ := v.ont.RelationType(typ)
	// Pick the endpoint pair: valid as given first, then valid reversed.
	si, ti, dir := srcs[0], tgts[0], dirNone
	for _, want := range [...]direction{dirForward, dirBackward} {
		for _, s := range srcs {
			for _, t := range tgts {
				if dir == dirNone && ents[s].ID != ents[t].ID && directionOf(rt, ents[s].Type, ents[t].Type) == want {
					si, ti, dir = s, t, want
				}
			}
		}
	}
	from, to := ents[si], ents[ti]
	if from.ID == to.ID {
		return prune(ReasonSelfLoop, "both endpoints are %s", from.ID)
	}
	r := Relation{Type: typ, From: from.ID, To: to.ID, Properties: props(rr.Properties), ChunkIDs: []string{ch.ID}}
	switch dir {
	case dirBackward:
		is.Reason = ReasonWrongDirection
		is.Detail = fmt.Sprintf("%s goes from %v to %v; given from %s to %s", typ, orAny(rt.Source), orAny(rt.Target), from.Type, to.Type)
		switch {
		case v.flip:
			r.From, r.To, r.Flipped = to.ID, from.ID, true
			is.Action = ActionFlipped
		case v.lenient:
			r.Flags, is.Action = []Reason{ReasonWrongDirection}, ActionFlagged
		default:
			is.Action = ActionPruned
			p.issue(is)
			return Relation{}, false
		}
		p.issue(is)
	case dirNone:
		detail := fmt.Sprintf("%s joins %v to %v, not %s and %s", typ, orAny(rt.Source), orAny(rt.Target), from.Type, to.Type)
		if !v.lenient {
			return prune(ReasonDomainRange, "%s", detail)
		}
		r.Flags = []Reason{ReasonDomainRange}
		is.Reason, is.Action, is.Detail = ReasonDomainRange, ActionFlagged, detail
		p.issue(is)
	}
	if rt.Symmetric && r.From > r.To && directionOf(rt, to.Type, from.Type) == dirForward {
		r.From, r.To = r.To, r.From // one ID for A–B and B–A
	}
	r.ID = kg.EdgeID(r.From, r.Type, r.To)
	return r, true
}

func orAny(types []string) any {
	if len(types) == 0 {
		return "any type"
	}
	return types
}

// candidates returns the indexes of ents named name (normalised), keeping
// those of type typ when the reply gave a type that some of them have.
func (v *validator) candidates(name, typ string, ents []Entity) []int {
	n := NormalizeName(name)
	if n == "" {
		n = cleanName(name)
	}
	var all, typed []int
	want, known := v.entityType(typ)
	for i, e := range ents {
		if NormalizeName(e.Name) != n && !slices.ContainsFunc(e.Aliases, func(a string) bool { return NormalizeName(a) == n }) {
			continue
		}
		all = append(all, i)
		if known && e.Type == want {
			typed = append(typed, i)
		}
	}
	if len(typed) > 0 {
		return typed
	}
	return all
}

// mergeEntity merges b into a (same ID): chunk IDs and aliases united,
// mentions united (by offsets) and ordered, properties kept where a has
// them, flags united.
func mergeEntity(a *Entity, b Entity) {
	a.ChunkIDs = union(a.ChunkIDs, b.ChunkIDs)
	for _, n := range append([]string{b.Name}, b.Aliases...) {
		if n != a.Name && !slices.Contains(a.Aliases, n) {
			a.Aliases = append(a.Aliases, n)
		}
	}
	for _, m := range b.Mentions {
		if !slices.ContainsFunc(a.Mentions, func(o Mention) bool {
			return o.Grounded && m.Grounded && o.Start == m.Start && o.End == m.End
		}) {
			a.Mentions = append(a.Mentions, m)
		}
	}
	slices.SortStableFunc(a.Mentions, func(x, y Mention) int { return mentionKey(x) - mentionKey(y) })
	a.Properties = overlayMissing(a.Properties, b.Properties)
	for _, f := range b.Flags {
		a.Flags = appendFlag(a.Flags, f)
	}
}

// mentionKey orders mentions by position, ungrounded ones last.
func mentionKey(m Mention) int {
	if !m.Grounded {
		return math.MaxInt32
	}
	return m.Start
}

// mergeRelation merges b into a (same ID).
func mergeRelation(a *Relation, b Relation) {
	a.ChunkIDs = union(a.ChunkIDs, b.ChunkIDs)
	a.Properties = overlayMissing(a.Properties, b.Properties)
	a.Flipped = a.Flipped || b.Flipped
	for _, f := range b.Flags {
		a.Flags = appendFlag(a.Flags, f)
	}
}

// overlayMissing adds to a the keys of b that a lacks (first value wins).
func overlayMissing(a, b map[string]any) map[string]any {
	for k, v := range b {
		if _, has := a[k]; has {
			continue
		}
		if a == nil {
			a = map[string]any{}
		}
		a[k] = v
	}
	return a
}

// union appends the elements of b missing from a, in order.
func union(a, b []string) []string {
	for _, x := range b {
		if !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	return a
}
