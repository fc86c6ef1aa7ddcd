package astratest

import (
	"maps"
	"sync"
)

// Stats is a snapshot of what the server has seen since start or the last
// [Server.ResetStats].
type Stats struct {
	// Requests counts HTTP requests on API paths, whatever their outcome.
	Requests int64
	// Commands counts requests per command name (e.g. "insertMany").
	Commands map[string]int64
	// Errors counts error objects returned, per errorCode (HTTP 401 and 415
	// errors included).
	Errors map[string]int64
	// Status counts responses per HTTP status code (resets count as 0).
	Status map[int]int64
	// Faults counts injected faults per kind.
	Faults map[FaultKind]int64
	// Documents counts documents inserted, updated and deleted.
	Inserted, Updated, Deleted int64
	// InFlight is the number of requests being served now; MaxInFlight
	// the highest value seen.
	InFlight, MaxInFlight int64
}

// statsRec accumulates Stats under a mutex.
type statsRec struct {
	mu sync.Mutex
	s  Stats
}

func newStatsRec() *statsRec {
	r := &statsRec{}
	r.resetLocked()
	return r
}

func (r *statsRec) resetLocked() {
	inFlight := r.s.InFlight
	r.s = Stats{Commands: map[string]int64{}, Errors: map[string]int64{}, Status: map[int]int64{},
		Faults: map[FaultKind]int64{}, InFlight: inFlight, MaxInFlight: inFlight}
}

func (r *statsRec) reset() {
	r.mu.Lock()
	r.resetLocked()
	r.mu.Unlock()
}

func (r *statsRec) snapshot() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.s
	s.Commands = maps.Clone(r.s.Commands)
	s.Errors = maps.Clone(r.s.Errors)
	s.Status = maps.Clone(r.s.Status)
	s.Faults = maps.Clone(r.s.Faults)
	return s
}

func (r *statsRec) begin() {
	r.mu.Lock()
	r.s.Requests++
	r.s.InFlight++
	r.s.MaxInFlight = max(r.s.MaxInFlight, r.s.InFlight)
	r.mu.Unlock()
}

func (r *statsRec) end() {
	r.mu.Lock()
	r.s.InFlight--
	r.mu.Unlock()
}

func (r *statsRec) command(name string) {
	r.mu.Lock()
	r.s.Commands[name]++
	r.mu.Unlock()
}

func (r *statsRec) errors(errs []*apiError) {
	if len(errs) == 0 {
		return
	}
	r.mu.Lock()
	for _, e := range errs {
		r.s.Errors[e.code]++
	}
	r.mu.Unlock()
}

func (r *statsRec) status(code int) {
	r.mu.Lock()
	r.s.Status[code]++
	r.mu.Unlock()
}

func (r *statsRec) fault(k FaultKind) {
	r.mu.Lock()
	r.s.Faults[k]++
	r.mu.Unlock()
}

func (r *statsRec) docs(inserted, updated, deleted int64) {
	r.mu.Lock()
	r.s.Inserted += inserted
	r.s.Updated += updated
	r.s.Deleted += deleted
	r.mu.Unlock()
}
