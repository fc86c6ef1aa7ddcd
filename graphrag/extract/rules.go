package extract

import (
	"cmp"
	"context"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// RuleExtractor extracts entities and relations offline, with no model,
// driven by the ontology alone. It is deterministic (the same document
// and ontology always give the same result) and safe for concurrent use.
//
// Entities come from gazetteers and patterns:
//   - every EntityType.Examples name is looked up in the text, ignoring
//     case (except names of up to four characters in capitals, such as
//     "BP", which must match exactly), with any whitespace run matching
//     any other and any dash matching any dash, never inside a word; the
//     entity is named as the ontology spells it;
//   - every EntityType.Patterns regular expression is matched; when it has
//     a group named "name", that group is the mention, otherwise the whole
//     match; other named groups that are declared properties of the type
//     set those properties (e.g. (?P<value>\d+) for a "value" number).
//
// Overlapping candidates are resolved longest first, then leftmost, then
// gazetteer before pattern, then in ontology order.
//
// Relations come from co-occurrence in a sentence (see Sentences), for
// each pair of entities a … b in it:
//  1. the candidates are the relation types whose source and target types
//     allow a and b, in either order (the direction follows the types,
//     not the word order);
//  2. cue words are the words of the relation's name, of its examples
//     (minus the entity names and stop words in them) and the words of
//     five letters or more of its description (minus entity type names),
//     compared by a crude stem ("drilled", "drilling" → "drill"); each
//     weighs 2, except function words of the name ("in" of located_in,
//     "by" of drilled_by), which weigh 1;
//  3. each candidate scores twice the weight of its cues between a and b
//     plus the weight of its cues elsewhere in the sentence (entity names
//     never count);
//  4. the pair is skipped when the text between a and b holds a clause
//     break (";", "while", "whereas", "but", "although", "however") or an
//     entity of b's type that is not part of a list ending at b
//     ("Statoil operates Volve and Grane" links both fields);
//  5. with one candidate, it is emitted when its cues between a and b
//     weigh 2 or more, or when a and b are adjacent (no entity between
//     them, at most four words apart, none of them a content cue of
//     another relation type); with several, the best is emitted when its
//     score is higher than every other's, else the pair is ambiguous and
//     skipped.
//
// Everything then goes through the same validation, grounding and merging
// as model output.
type RuleExtractor struct {
	cfg   *config
	val   *validator
	ont   *kg.Ontology
	types []ruleType
	cues  map[string]map[string]int // relation type -> cue stem -> weight
}

type ruleType struct {
	et    kg.EntityType
	index int
	// gazetteer regexps: case-insensitive and exact (short capitals).
	fold, exact *regexp.Regexp
	// spelling maps a matched name's NormalizeName to the example.
	spelling map[string]string
	patterns []*regexp.Regexp
}

// NewRuleExtractor returns a rule extractor for ont (copied). Options that
// concern models only are ignored.
func NewRuleExtractor(ont *kg.Ontology, opts ...Option) (*RuleExtractor, error) {
	o, err := copyOntology(ont)
	if err != nil {
		return nil, err
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	x := &RuleExtractor{cfg: cfg, val: newValidator(o, cfg), ont: o, cues: map[string]map[string]int{}}
	for i, et := range o.EntityTypes {
		rt := ruleType{et: et, index: i, spelling: map[string]string{}, patterns: o.Patterns(et.Name)}
		var fold, exact []string
		examples := slices.Clone(et.Examples)
		slices.SortStableFunc(examples, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
		for _, ex := range examples {
			ex = cleanName(ex)
			if ex == "" {
				continue
			}
			if _, dup := rt.spelling[NormalizeName(ex)]; !dup {
				rt.spelling[NormalizeName(ex)] = ex
			}
			if utf8.RuneCountInString(ex) <= 4 && strings.ToUpper(ex) == ex && strings.ToLower(ex) != ex {
				exact = append(exact, literalPattern(ex))
			} else {
				fold = append(fold, literalPattern(ex))
			}
		}
		if len(fold) > 0 {
			rt.fold = regexp.MustCompile(`(?i)(?:` + strings.Join(fold, "|") + `)`)
		}
		if len(exact) > 0 {
			rt.exact = regexp.MustCompile(`(?:` + strings.Join(exact, "|") + `)`)
		}
		x.types = append(x.types, rt)
	}
	for _, rt := range o.RelationTypes {
		x.cues[rt.Name] = x.cueWords(rt)
	}
	return x, nil
}

// literalPattern matches s literally, with any whitespace run for a space
// and any dash for a dash.
func literalPattern(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case isSpace(r):
			b.WriteString(`\s+`)
		case isDash(r):
			b.WriteString(`[-‐‑‒–—−]`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

// span is an entity candidate found in a text.
type span struct {
	Span
	typ      int // index in x.types
	name     string
	gazette  bool
	props    map[string]any
	entityID string
}

// entities finds the entity mentions of text, non-overlapping, in order.
func (x *RuleExtractor) entities(text string) []span {
	var cands []span
	for ti, rt := range x.types {
		for _, re := range []*regexp.Regexp{rt.fold, rt.exact} {
			if re == nil {
				continue
			}
			for _, m := range re.FindAllStringIndex(text, -1) {
				found := text[m[0]:m[1]]
				if !bounded(text, m[0], m[1], found) {
					continue
				}
				name := rt.spelling[NormalizeName(found)]
				if name == "" {
					name = cleanName(found)
				}
				cands = append(cands, span{Span: Span{m[0], m[1]}, typ: ti, name: name, gazette: true})
			}
		}
		for _, re := range rt.patterns {
			nameGroup := re.SubexpIndex("name")
			for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
				s, e := m[0], m[1]
				if nameGroup > 0 && m[2*nameGroup] >= 0 {
					s, e = m[2*nameGroup], m[2*nameGroup+1]
				}
				if e <= s {
					continue
				}
				c := span{Span: Span{s, e}, typ: ti, name: cleanName(text[s:e])}
				for gi, g := range re.SubexpNames() {
					if g == "" || g == "name" || m[2*gi] < 0 {
						continue
					}
					if slices.ContainsFunc(rt.et.Properties, func(p kg.PropertyDef) bool { return p.Name == g }) {
						if c.props == nil {
							c.props = map[string]any{}
						}
						c.props[g] = text[m[2*gi]:m[2*gi+1]]
					}
				}
				cands = append(cands, c)
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b span) int {
		return cmp.Or(cmp.Compare(b.End-b.Start, a.End-a.Start), cmp.Compare(a.Start, b.Start),
			boolOrder(a.gazette, b.gazette), cmp.Compare(a.typ, b.typ))
	})
	var out []span
	for _, c := range cands {
		if !slices.ContainsFunc(out, func(o span) bool { return c.Start < o.End && o.Start < c.End }) {
			c.entityID = EntityID(x.types[c.typ].et.Name, c.name)
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b span) int { return cmp.Compare(a.Start, b.Start) })
	return out
}

func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// Extract implements Extractor.
func (x *RuleExtractor) Extract(ctx context.Context, doc Document) (*Result, error) {
	if err := doc.validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	chunks, err := x.cfg.chunker.Chunk(doc.ID, doc.Text)
	if err != nil {
		return nil, err
	}
	tChunk := time.Now()
	runs := make([]chunkRun, len(chunks))
	for i := range chunks {
		if err := ctx.Err(); err != nil {
			runs[i] = failedRun(err)
			continue
		}
		t := time.Now()
		rep := x.reply(chunks[i].Text)
		runs[i] = chunkRun{reply: &rep, outcome: ChunkOutcome{Status: ChunkOK, Duration: time.Since(t)}}
	}
	tExtract := time.Now()
	res := assemble(ctx, x.val, x.cfg, doc, chunks, runs)
	res.Timings.Chunking = tChunk.Sub(start)
	res.Timings.Extraction = tExtract.Sub(tChunk)
	res.Timings.Total = time.Since(start)
	res.Timings.Validation = res.Timings.Total - res.Timings.Chunking - res.Timings.Extraction - res.Timings.Resolution
	return res, ctx.Err()
}

// reply extracts the items of one chunk's text, as a model reply would
// state them.
func (x *RuleExtractor) reply(text string) Reply {
	var rep Reply
	ents := x.entities(text)
	runes, last := 0, 0
	for _, e := range ents {
		runes += utf8.RuneCountInString(text[last:e.Start])
		last = e.Start
		rep.Entities = append(rep.Entities, RawEntity{Name: e.name, Type: x.types[e.typ].et.Name, Properties: e.props,
			Mentions: []RawMention{{Text: text[e.Start:e.End], Start: runes, End: -1}}})
	}
	seen := map[string]bool{}
	for _, s := range Sentences(text) {
		lo := sort.Search(len(ents), func(i int) bool { return ents[i].Start >= s.Start })
		hi := lo
		for hi < len(ents) && ents[hi].End <= s.End {
			hi++
		}
		for _, r := range x.relations(text, s, ents[lo:hi]) {
			if k := r.Source + "\x00" + r.Type + "\x00" + r.Target; !seen[k] {
				seen[k] = true
				rep.Relations = append(rep.Relations, r)
			}
		}
	}
	return rep
}

// isCueWord reports whether w might carry meaning for a relation.
func isCueWord(w string) bool {
	return len(w) > 1 && !stopWords[w] && strings.IndexFunc(w, unicode.IsLetter) >= 0
}
