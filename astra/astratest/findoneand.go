package astratest

// findOneAndOptions reads returnDocument ("before" by default) and upsert.
func findOneAndOptions(x *exec) (after, upsert, withSim bool, err *apiError) {
	rd, err := x.optString("returnDocument")
	if err != nil {
		return false, false, false, err
	}
	switch rd {
	case "", "before":
	case "after":
		after = true
	default:
		return false, false, false, errf("COMMAND_FIELD_VALUE_INVALID",
			"Request invalid: 'returnDocument' must be \"before\" or \"after\", not \"%s\".", rd)
	}
	if upsert, err = x.optBool("upsert"); err != nil {
		return false, false, false, err
	}
	withSim, err = x.optBool("includeSimilarity")
	return after, upsert, withSim, err
}

// findOneAndWrite is the shared body of findOneAndUpdate and
// findOneAndReplace: change picks the new document from the old one, build
// makes an upserted one.
func (s *Server) findOneAndWrite(x *exec, change func(old map[string]any) (map[string]any, *apiError),
	build func() (map[string]any, *apiError)) *result {
	f, so, p, err := s.readClauses(x)
	if err != nil {
		return fail(err)
	}
	after, upsert, withSim, err := findOneAndOptions(x)
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
		res := &result{data: obj{{"document", nil}}, status: updateStatus(0, 0, nil, false)}
		if !upsert {
			return res
		}
		id, doc, err := s.upsert(c, build)
		if err != nil {
			res.errs = []*apiError{err}
			return res
		}
		if after {
			res.data = obj{{"document", p.apply(doc)}}
		}
		res.status = updateStatus(0, 0, id, true)
		return res
	}
	old := h.e.doc
	next, err := change(old)
	if err == nil && next != nil {
		var modified bool
		modified, err = s.replaceEntry(c, h.e, next)
		if err == nil && modified {
			s.stats.docs(0, 1, 0)
		}
		if err == nil {
			shown := hit{e: h.e, doc: old, sim: h.sim}
			if after {
				shown.doc = h.e.doc
			}
			n := 0
			if modified {
				n = 1
			}
			return &result{data: obj{{"document", render(shown, p, withSim && so.vector != nil)}},
				status: updateStatus(1, n, nil, false)}
		}
	}
	return &result{data: obj{{"document", nil}}, status: updateStatus(1, 0, nil, false), errs: []*apiError{err}}
}

func (s *Server) findOneAndUpdate(x *exec) *result {
	um, err := x.object("update")
	if err != nil {
		return fail(err)
	}
	ops, err := compileUpdate(um)
	if err != nil {
		return fail(err)
	}
	fm, _ := x.object("filter")
	return s.findOneAndWrite(x, func(old map[string]any) (map[string]any, *apiError) {
		next := deepCopy(old).(map[string]any)
		if err := applyUpdate(next, ops, false); err != nil {
			return nil, withID(err, old["_id"])
		}
		return next, nil
	}, upsertByUpdate(fm, ops))
}

func (s *Server) findOneAndReplace(x *exec) *result {
	rep, err := x.object("replacement")
	if err != nil {
		return fail(err)
	}
	if rep == nil {
		return fail(errf("COMMAND_FIELD_VALUE_INVALID", "Request invalid: field 'replacement' must not be null."))
	}
	fm, _ := x.object("filter")
	return s.findOneAndWrite(x, func(old map[string]any) (map[string]any, *apiError) {
		next := deepCopy(rep).(map[string]any)
		if id, ok := next["_id"]; ok {
			nid, okN := idKey(normalizeID(id))
			oid, _ := idKey(old["_id"])
			if !okN || nid != oid {
				return nil, withID(errf("DOCUMENT_REPLACE_DIFFERENT_DOCID",
					"The replace document and document resolved using filter have different '_id's: %s vs %s.",
					string(appendJSON(nil, id)), string(appendJSON(nil, old["_id"]))), old["_id"])
			}
		}
		next["_id"] = old["_id"]
		return next, nil
	}, func() (map[string]any, *apiError) {
		doc := deepCopy(rep).(map[string]any)
		if _, ok := doc["_id"]; !ok {
			seed := map[string]any{}
			seedFromFilter(seed, fm)
			if id, ok := seed["_id"]; ok {
				doc["_id"] = id
			}
		}
		return doc, nil
	})
}

// normalizeID canonicalizes an Extended JSON _id for comparison.
func normalizeID(id any) any {
	if m, ok := id.(map[string]any); ok {
		if k := ejsonKind(m); k != "" {
			if n, ok := normalizeEJSON(k, m[k]); ok {
				return n
			}
		}
	}
	return id
}

func (s *Server) findOneAndDelete(x *exec) *result {
	f, so, p, err := s.readClauses(x)
	if err != nil {
		return fail(err)
	}
	withSim, err := x.optBool("includeSimilarity")
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
		return &result{data: obj{{"document", nil}}, status: obj{{"deletedCount", 0}}}
	}
	c.deleteLocked(h.e)
	s.stats.docs(0, 0, 1)
	return &result{data: obj{{"document", render(*h, p, withSim && so.vector != nil)}}, status: obj{{"deletedCount", 1}}}
}
