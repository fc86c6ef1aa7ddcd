package astratest

import "strings"

// writeClauses compiles the filter, sort and update (nil when the command
// has none) of a write command.
func (s *Server) writeClauses(x *exec, needUpdate bool) (*filter, map[string]any, *sortSpec, []updateOp, *apiError) {
	fm, err := x.object("filter")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	f, err := s.compileFilter(x.coll.def, fm)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	sm, err := x.object("sort")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	so, err := s.compileSort(x.coll.def, sm)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	var ops []updateOp
	if needUpdate {
		um, err := x.object("update")
		if err != nil {
			return nil, nil, nil, nil, err
		}
		if ops, err = compileUpdate(um); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	return f, fm, so, ops, nil
}

// replaceEntry validates next and stores it in e; it reports whether the
// document changed. The caller holds c.mu for writing.
func (s *Server) replaceEntry(c *collection, e *docEntry, next map[string]any) (bool, *apiError) {
	if valuesEqual(next, e.doc) {
		return false, nil
	}
	sd, err := s.shred(c.def, next, e.doc["_id"])
	if err != nil {
		return false, err
	}
	e.doc, e.vec = sd.doc, sd.vec
	return true, nil
}

// updateEntry applies ops to a copy of e's document and stores it.
func (s *Server) updateEntry(c *collection, e *docEntry, ops []updateOp) (bool, *apiError) {
	next := deepCopy(e.doc).(map[string]any)
	if err := applyUpdate(next, ops, false); err != nil {
		return false, withID(err, e.doc["_id"])
	}
	return s.replaceEntry(c, e, next)
}

// seedFromFilter builds an upserted document's starting point from the
// equality conditions of the filter (spec §4).
func seedFromFilter(doc map[string]any, f map[string]any) {
	for k, v := range f {
		if k == "$and" {
			if arr, ok := v.([]any); ok {
				for _, e := range arr {
					if m, ok := e.(map[string]any); ok {
						seedFromFilter(doc, m)
					}
				}
			}
			continue
		}
		if strings.HasPrefix(k, "$") {
			continue
		}
		if ops, isOps := isOperatorObject(v); isOps {
			eq, ok := ops["$eq"]
			if !ok {
				continue
			}
			v = eq
		}
		segs, ok := splitPath(k)
		if nv, err := filterValue(v); ok && err == nil {
			setPath(doc, segs, deepCopy(nv))
		}
	}
}

// upsert inserts a new document made by build; the caller holds c.mu.
func (s *Server) upsert(c *collection, build func() (map[string]any, *apiError)) (any, map[string]any, *apiError) {
	doc, err := build()
	if err != nil {
		return nil, nil, err
	}
	sd, err := s.shred(c.def, doc, nil)
	if err != nil {
		return nil, nil, err
	}
	if c.byID[sd.key] != nil {
		return nil, nil, dupError(sd.doc["_id"])
	}
	c.insertLocked(sd)
	s.stats.docs(1, 0, 0)
	return sd.doc["_id"], sd.doc, nil
}

func upsertByUpdate(fm map[string]any, ops []updateOp) func() (map[string]any, *apiError) {
	return func() (map[string]any, *apiError) {
		doc := map[string]any{}
		seedFromFilter(doc, fm)
		return doc, applyUpdate(doc, ops, true)
	}
}

// updateStatus renders matchedCount, modifiedCount and upsertedId.
func updateStatus(matched, modified int, upserted any, didUpsert bool) obj {
	st := obj{{"matchedCount", matched}, {"modifiedCount", modified}}
	if didUpsert {
		st = append(st, kv{"upsertedId", upserted})
	}
	return st
}

func (s *Server) updateOne(x *exec) *result {
	f, fm, so, ops, err := s.writeClauses(x, true)
	if err != nil {
		return fail(err)
	}
	upsert, err := x.optBool("upsert")
	if err != nil {
		return fail(err)
	}
	c := x.coll
	c.mu.Lock()
	defer c.mu.Unlock()
	h, err := s.firstHit(c, f, so)
	if err != nil {
		return fail(err)
	}
	if h == nil {
		if !upsert {
			return &result{status: updateStatus(0, 0, nil, false)}
		}
		id, _, err := s.upsert(c, upsertByUpdate(fm, ops))
		if err != nil {
			return &result{status: updateStatus(0, 0, nil, false), errs: []*apiError{err}}
		}
		return &result{status: updateStatus(0, 0, id, true)}
	}
	modified, err := s.updateEntry(c, h.e, ops)
	if err != nil {
		return &result{status: updateStatus(1, 0, nil, false), errs: []*apiError{err}}
	}
	n := 0
	if modified {
		n = 1
		s.stats.docs(0, 1, 0)
	}
	return &result{status: updateStatus(1, n, nil, false)}
}

// updateMany updates at most MaxUpdateMany documents per request; when more
// match it answers moreData and a nextPageState to send back as
// options.pageState (spec §4).
func (s *Server) updateMany(x *exec) *result {
	f, fm, _, ops, err := s.writeClauses(x, true)
	if err != nil {
		return fail(err)
	}
	upsert, err := x.optBool("upsert")
	if err != nil {
		return fail(err)
	}
	ps, err := x.optString("pageState")
	if err != nil {
		return fail(err)
	}
	state, err := decodePageState(ps)
	if err != nil {
		return fail(err)
	}
	c := x.coll
	c.mu.Lock()
	defer c.mu.Unlock()
	max := s.cfg.limits.MaxUpdateMany
	var batch []*docEntry
	more := false
	c.scan(state.after, f.ids, func(e *docEntry) bool {
		if !f.root.match(e.doc) {
			return true
		}
		if len(batch) == max {
			more = true
			return false
		}
		batch = append(batch, e)
		return true
	})
	res := &result{}
	modified := 0
	for _, e := range batch {
		m, err := s.updateEntry(c, e, ops)
		if err != nil {
			res.errs = append(res.errs, err)
		} else if m {
			modified++
		}
	}
	s.stats.docs(0, int64(modified), 0)
	if len(batch) == 0 && upsert && ps == "" {
		id, _, err := s.upsert(c, upsertByUpdate(fm, ops))
		if err != nil {
			res.status, res.errs = updateStatus(0, 0, nil, false), []*apiError{err}
			return res
		}
		res.status = updateStatus(0, 0, id, true)
		return res
	}
	res.status = updateStatus(len(batch), modified, nil, false)
	if more {
		last := batch[len(batch)-1].seq
		res.status = append(res.status, kv{"moreData", true},
			kv{"nextPageState", encodePageState(pageState{after: last, returned: state.returned + len(batch)})})
	}
	return res
}

func (s *Server) deleteOne(x *exec) *result {
	f, _, so, _, err := s.writeClauses(x, false)
	if err != nil {
		return fail(err)
	}
	c := x.coll
	c.mu.Lock()
	defer c.mu.Unlock()
	h, err := s.firstHit(c, f, so)
	if err != nil {
		return fail(err)
	}
	if h == nil {
		return &result{status: obj{{"deletedCount", 0}}}
	}
	c.deleteLocked(h.e)
	s.stats.docs(0, 0, 1)
	return &result{status: obj{{"deletedCount", 1}}}
}

// deleteMany deletes at most MaxDeleteMany documents per request and
// answers moreData when more match; an empty filter truncates the
// collection and answers deletedCount -1 (spec §4).
func (s *Server) deleteMany(x *exec) *result {
	f, _, _, _, err := s.writeClauses(x, false)
	if err != nil {
		return fail(err)
	}
	c := x.coll
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.empty {
		n := c.truncateLocked()
		s.stats.docs(0, 0, int64(n))
		return &result{status: obj{{"deletedCount", -1}}}
	}
	max := s.cfg.limits.MaxDeleteMany
	var batch []*docEntry
	more := false
	c.scan(0, f.ids, func(e *docEntry) bool {
		if !f.root.match(e.doc) {
			return true
		}
		if len(batch) == max {
			more = true
			return false
		}
		batch = append(batch, e)
		return true
	})
	for _, e := range batch {
		c.deleteLocked(e)
	}
	s.stats.docs(0, 0, int64(len(batch)))
	st := obj{{"deletedCount", len(batch)}}
	if more {
		st = append(st, kv{"moreData", true})
	}
	return &result{status: st}
}
