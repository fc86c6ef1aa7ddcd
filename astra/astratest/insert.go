package astratest

// insertOne serves insertOne: {"status":{"insertedIds":[id]}}, or
// {"status":{"insertedIds":[]},"errors":[…]} on failure.
func (s *Server) insertOne(x *exec) *result {
	doc, err := x.object("document")
	if err != nil {
		return fail(err)
	}
	if doc == nil {
		return fail(errf("COMMAND_FIELD_VALUE_INVALID", "Request invalid: field 'document' must not be null."))
	}
	sd, err := s.shred(x.coll.def, doc, nil)
	if err == nil {
		c := x.coll
		c.mu.Lock()
		if c.byID[sd.key] != nil {
			err = dupError(sd.doc["_id"])
		} else {
			c.insertLocked(sd)
		}
		c.mu.Unlock()
	}
	if err != nil {
		return &result{status: obj{{"insertedIds", []any{}}}, errs: []*apiError{err}}
	}
	s.stats.docs(1, 0, 0)
	return &result{status: obj{{"insertedIds", []any{sd.doc["_id"]}}}}
}

// Document response statuses of insertMany.
const (
	docOK      = "OK"
	docError   = "ERROR"
	docSkipped = "SKIPPED"
)

// insertMany serves insertMany (spec §4): ordered stops at the first
// failure and skips the rest; unordered tries every document. With
// returnDocumentResponses the status has documentResponses (one per input
// document, in input order), otherwise insertedIds.
func (s *Server) insertMany(x *exec) *result {
	raw, ok := x.cmd["documents"].([]any)
	if !ok {
		return fail(errf("REQUEST_STRUCTURE_MISMATCH", "Request invalid: 'insertMany.documents' must be an array of objects."))
	}
	if max := s.cfg.limits.MaxInsertMany; len(raw) > max {
		return fail(errf("COMMAND_FIELD_VALUE_INVALID",
			"Request invalid: field 'command.documents' value \"[…]\" not valid. Problem: amount of documents to insert is over the max limit (%d vs %d).",
			len(raw), max))
	}
	ordered, err := x.optBool("ordered")
	if err != nil {
		return fail(err)
	}
	withResponses, err := x.optBool("returnDocumentResponses")
	if err != nil {
		return fail(err)
	}
	// Shred outside the lock; failures are reported per document.
	type slot struct {
		sd  *shredded
		id  any
		err *apiError
	}
	slots := make([]slot, len(raw))
	for i, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			return fail(errf("REQUEST_STRUCTURE_MISMATCH", "Request invalid: document %d of 'insertMany.documents' is not an object.", i))
		}
		slots[i].id = m["_id"]
		sd, e := s.shred(x.coll.def, m, nil)
		if e != nil {
			slots[i].err = e
			continue
		}
		slots[i].sd, slots[i].id = sd, sd.doc["_id"]
	}
	statuses := make([]string, len(raw))
	errIdx := make([]int, len(raw))
	var errs []*apiError
	inserted := 0
	c := x.coll
	c.mu.Lock()
	for i := range slots {
		sl := &slots[i]
		if ordered && len(errs) > 0 {
			statuses[i] = docSkipped
			continue
		}
		if sl.err == nil && c.byID[sl.sd.key] != nil {
			sl.err = dupError(sl.id)
		}
		if sl.err != nil {
			statuses[i], errIdx[i] = docError, len(errs)
			errs = append(errs, sl.err)
			continue
		}
		c.insertLocked(sl.sd)
		statuses[i] = docOK
		inserted++
	}
	c.mu.Unlock()
	s.stats.docs(int64(inserted), 0, 0)
	res := &result{errs: errs}
	if withResponses {
		resp := make([]any, len(raw))
		for i, st := range statuses {
			o := obj{{"_id", slots[i].id}, {"status", st}}
			if st == docError {
				o = append(o, kv{"errorsIdx", errIdx[i]})
			}
			resp[i] = o
		}
		res.status = obj{{"documentResponses", resp}}
	} else {
		ids := make([]any, 0, inserted)
		for i, st := range statuses {
			if st == docOK {
				ids = append(ids, slots[i].id)
			}
		}
		res.status = obj{{"insertedIds", ids}}
	}
	return res
}
