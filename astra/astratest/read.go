package astratest

// find serves the find command (spec §4): unsorted pages of PageSize with
// an opaque nextPageState, a vector sort as one page of at most
// MaxVectorSortLimit documents, or an in-memory field sort as one page.
func (s *Server) find(x *exec) *result {
	f, so, p, err := s.readClauses(x)
	if err != nil {
		return fail(err)
	}
	limit, hasLimit, err := x.optInt("limit")
	if err != nil {
		return fail(err)
	}
	skip, hasSkip, err := x.optInt("skip")
	if err != nil {
		return fail(err)
	}
	ps, err := x.optString("pageState")
	if err != nil {
		return fail(err)
	}
	withSim, err := x.optBool("includeSimilarity")
	if err != nil {
		return fail(err)
	}
	withSV, err := x.optBool("includeSortVector")
	if err != nil {
		return fail(err)
	}
	if hasLimit && limit <= 0 {
		return fail(errf("COMMAND_FIELD_VALUE_INVALID", "Request invalid: field 'options.limit' value %d not valid: limit should be greater than `0`.", limit))
	}
	if hasSkip && skip < 0 {
		return fail(errf("COMMAND_FIELD_VALUE_INVALID", "Request invalid: field 'options.skip' value %d not valid: skip should be greater than or equal to `0`.", skip))
	}
	if !so.empty() && ps != "" {
		return fail(errf("SORT_CLAUSE_INVALID", "Invalid sort clause: 'pageState' is not supported with non-empty sort clause."))
	}
	state, err := decodePageState(ps)
	if err != nil {
		return fail(err)
	}
	c := x.coll
	var hits []hit
	var next any
	switch {
	case so.vector != nil:
		max := s.cfg.limits.MaxVectorSortLimit
		if hasLimit && limit > max {
			return fail(errf("COMMAND_FIELD_VALUE_INVALID",
				"Request invalid: limit options should not be greater than %d for vector search.", max))
		}
		if hasSkip {
			return fail(errf("COMMAND_FIELD_VALUE_INVALID", "Request invalid: skip options should not be used with vector search."))
		}
		if !hasLimit {
			limit = max
		}
		c.mu.RLock()
		hits, err = s.sortedHits(c, f, so)
		c.mu.RUnlock()
		if err != nil {
			return fail(err)
		}
		hits = hits[:min(limit, len(hits))]
	case len(so.fields) > 0:
		c.mu.RLock()
		hits, err = s.sortedHits(c, f, so)
		c.mu.RUnlock()
		if err != nil {
			return fail(err)
		}
		n := s.cfg.limits.PageSize
		if hasLimit {
			n = min(n, limit)
		}
		skip = min(skip, len(hits))
		hits = hits[skip:min(skip+n, len(hits))]
	default:
		want := s.cfg.limits.PageSize
		if hasLimit {
			want = min(want, limit-state.returned)
		}
		toSkip := 0
		if state.after == 0 {
			toSkip = skip
		}
		more := false
		var last uint64
		c.mu.RLock()
		if want > 0 {
			c.scan(state.after, f.ids, func(e *docEntry) bool {
				if !f.root.match(e.doc) {
					return true
				}
				if toSkip > 0 {
					toSkip--
					last = e.seq
					return true
				}
				if len(hits) == want {
					more = true
					return false
				}
				hits = append(hits, hit{e: e, doc: e.doc})
				last = e.seq
				return true
			})
		}
		c.mu.RUnlock()
		returned := state.returned + len(hits)
		if more && (!hasLimit || returned < limit) && !withSV {
			next = encodePageState(pageState{after: last, returned: returned})
		}
	}
	docs := make([]any, len(hits))
	for i, h := range hits {
		docs[i] = render(h, p, withSim && so.vector != nil)
	}
	res := &result{data: obj{{"documents", docs}, {"nextPageState", next}}}
	if withSV {
		res.status = obj{sortVectorStatus(so)}
	}
	return res
}

// findOne serves findOne: {"data":{"document": … | null}}.
func (s *Server) findOne(x *exec) *result {
	f, so, p, err := s.readClauses(x)
	if err != nil {
		return fail(err)
	}
	withSim, err := x.optBool("includeSimilarity")
	if err != nil {
		return fail(err)
	}
	withSV, err := x.optBool("includeSortVector")
	if err != nil {
		return fail(err)
	}
	c := x.coll
	c.mu.RLock()
	h, err := s.firstHit(c, f, so)
	c.mu.RUnlock()
	if err != nil {
		return fail(err)
	}
	var doc any
	if h != nil {
		doc = render(*h, p, withSim && so.vector != nil)
	}
	res := &result{data: obj{{"document", doc}}}
	if withSV {
		res.status = obj{sortVectorStatus(so)}
	}
	return res
}

// countDocuments counts up to MaxCount matches, then answers moreData.
func (s *Server) countDocuments(x *exec) *result {
	fm, err := x.object("filter")
	if err != nil {
		return fail(err)
	}
	f, err := s.compileFilter(x.coll.def, fm)
	if err != nil {
		return fail(err)
	}
	limit := s.cfg.limits.MaxCount
	n := 0
	c := x.coll
	c.mu.RLock()
	c.scan(0, f.ids, func(e *docEntry) bool {
		if f.root.match(e.doc) {
			n++
		}
		return n <= limit
	})
	c.mu.RUnlock()
	if n > limit {
		return &result{status: obj{{"count", limit}, {"moreData", true}}}
	}
	return &result{status: obj{{"count", n}}}
}

// estimatedDocumentCount returns the number of documents.
func (s *Server) estimatedDocumentCount(x *exec) *result {
	x.coll.mu.RLock()
	n := x.coll.liveCount()
	x.coll.mu.RUnlock()
	return &result{status: obj{{"count", n}}}
}
