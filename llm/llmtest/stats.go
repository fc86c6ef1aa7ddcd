package llmtest

import (
	"sync"
	"sync/atomic"
	"time"
)

// Outcome classifies how the server answered one request (one attempt).
type Outcome string

// Outcomes besides the fault kinds, which count under Outcome(kind).
const (
	OutcomeOK                  Outcome = "ok"
	OutcomeBadRequest          Outcome = "bad_request"
	OutcomeNotFound            Outcome = "not_found"
	OutcomeRateLimitedRequests Outcome = "rate_limited_requests"
	OutcomeRateLimitedTokens   Outcome = "rate_limited_tokens"
	// OutcomeRequestTooLarge counts both the token bucket's "Request too
	// large" and FaultRequestTooLarge.
	OutcomeRequestTooLarge Outcome = Outcome(FaultRequestTooLarge)
	OutcomeCanceled        Outcome = "canceled"
	OutcomeScriptedError   Outcome = "scripted_error"
)

const numOutcomes = 19

// outcomeNames lists every outcome in a fixed order; index = counter slot.
func outcomeNames() [numOutcomes]Outcome {
	return [numOutcomes]Outcome{
		OutcomeOK, OutcomeBadRequest, OutcomeNotFound, OutcomeRateLimitedRequests,
		OutcomeRateLimitedTokens, OutcomeRequestTooLarge, OutcomeCanceled, OutcomeScriptedError,
		Outcome(FaultServerError), Outcome(FaultBadGateway), Outcome(FaultOverloaded),
		Outcome(FaultInsufficientQuota), Outcome(FaultRateLimited), Outcome(FaultErrorIn200),
		Outcome(FaultMalformedJSON), Outcome(FaultResetBeforeHeaders), Outcome(FaultResetMidBody),
		Outcome(FaultTruncated), Outcome(FaultStall),
	}
}

func outcomeIndex(o Outcome) int {
	names := outcomeNames()
	for i, n := range names {
		if n == o {
			return i
		}
	}
	return 0
}

// Record is one request in the admission timeline. Times are offsets from
// the server start (or the last Reset).
type Record struct {
	// Ordinal is the 1-based arrival number.
	Ordinal int64 `json:"ordinal"`
	// Start is when the request arrived; End when its response finished.
	Start time.Duration `json:"start_ns"`
	End   time.Duration `json:"end_ns"`
	// Endpoint is "chat" or "embeddings".
	Endpoint string `json:"endpoint"`
	// Outcome is how the request was answered.
	Outcome Outcome `json:"outcome"`
	// Status is the HTTP status sent (0 when no status line was sent).
	Status int `json:"status"`
	// Attempt is the attempt number of the request's logical key (1 for the
	// first arrival).
	Attempt int `json:"attempt"`
	// Tokens is the admission charge estimate of the request.
	Tokens int `json:"tokens"`
}

// AttemptStats counts attempts per logical request. A logical request is
// keyed by its X-Sim-Request-Id, X-Request-Id or Idempotency-Key header
// (first present), else by a hash of its body.
type AttemptStats struct {
	// Logical is the number of distinct logical requests seen.
	Logical int `json:"logical"`
	// Max is the largest attempt count of any logical request.
	Max int `json:"max"`
	// Histogram maps an attempt count k to the number of logical requests
	// that arrived exactly k times.
	Histogram map[int]int `json:"histogram"`
	// ByID gives the attempt count of every header-keyed logical request.
	ByID map[string]int `json:"by_id,omitempty"`
}

// Stats is a snapshot of the server's measurements since start or Reset.
// It is also served as JSON by GET /_sim/stats (add ?timeline=0 to omit
// the timeline).
type Stats struct {
	// Elapsed is the time since start or Reset.
	Elapsed time.Duration `json:"elapsed_ns"`
	// Received counts requests to /v1/chat/completions and /v1/embeddings.
	Received int64 `json:"received"`
	// Outcomes counts requests per outcome; every outcome has a key.
	Outcomes map[Outcome]int64 `json:"outcomes"`
	// InFlight is the number of requests being handled now; MaxInFlight the
	// most seen at once.
	InFlight    int64 `json:"in_flight"`
	MaxInFlight int64 `json:"max_in_flight"`
	// TokensCharged sums the token-bucket charges of admitted requests.
	TokensCharged int64 `json:"tokens_charged"`
	// Attempts counts attempts per logical request.
	Attempts AttemptStats `json:"attempts"`
	// Timeline holds one record per finished request, in completion order,
	// up to Config.TimelineCap; TimelineDropped counts the rest.
	Timeline        []Record `json:"timeline"`
	TimelineDropped int64    `json:"timeline_dropped"`
}

// state is everything Reset replaces. Requests load it once on arrival.
type state struct {
	start       time.Time
	ordinal     atomic.Int64
	counts      [numOutcomes]atomic.Int64
	maxInFlight atomic.Int64
	tokens      atomic.Int64
	limiter     *limiter
	scripts     *scriptSet

	attMu    sync.Mutex
	byHash   map[uint64]int32
	byID     map[string]int32
	maxKeys  int
	tlMu     sync.Mutex
	timeline []Record
	tlCap    int
	dropped  int64
}

func newState(cfg *Config) *state {
	st := &state{
		start:   time.Now(),
		limiter: newLimiter(cfg.Limits),
		byHash:  make(map[uint64]int32),
		byID:    make(map[string]int32),
		maxKeys: defaultMaxAttemptKeys,
		tlCap:   cfg.TimelineCap,
	}
	st.scripts = newScriptSet(cfg.Scripts)
	return st
}

// since is the time elapsed since the state began.
func (st *state) since() time.Duration { return time.Since(st.start) }

// attempt records an arrival of the logical request and returns its
// attempt number.
func (st *state) attempt(id string, hash uint64) int {
	st.attMu.Lock()
	defer st.attMu.Unlock()
	if id != "" {
		n, ok := st.byID[id]
		if !ok && len(st.byID)+len(st.byHash) >= st.maxKeys {
			return 1
		}
		st.byID[id] = n + 1
		return int(n + 1)
	}
	n, ok := st.byHash[hash]
	if !ok && len(st.byID)+len(st.byHash) >= st.maxKeys {
		return 1
	}
	st.byHash[hash] = n + 1
	return int(n + 1)
}

func (st *state) observeInFlight(n int64) {
	for {
		m := st.maxInFlight.Load()
		if n <= m || st.maxInFlight.CompareAndSwap(m, n) {
			return
		}
	}
}

// finish counts the outcome and appends the record to the timeline.
func (st *state) finish(rec *Record) {
	rec.End = st.since()
	st.counts[outcomeIndex(rec.Outcome)].Add(1)
	st.tlMu.Lock()
	if len(st.timeline) < st.tlCap {
		st.timeline = append(st.timeline, *rec)
	} else {
		st.dropped++
	}
	st.tlMu.Unlock()
}

// snapshot builds Stats; withTimeline copies the timeline.
func (st *state) snapshot(inFlight int64, withTimeline bool) Stats {
	s := Stats{
		Elapsed:       st.since(),
		Received:      st.ordinal.Load(),
		Outcomes:      make(map[Outcome]int64, numOutcomes),
		InFlight:      inFlight,
		MaxInFlight:   st.maxInFlight.Load(),
		TokensCharged: st.tokens.Load(),
	}
	for i, name := range outcomeNames() {
		s.Outcomes[name] = st.counts[i].Load()
	}
	a := AttemptStats{Histogram: make(map[int]int)}
	st.attMu.Lock()
	add := func(n int32) {
		a.Logical++
		a.Histogram[int(n)]++
		a.Max = max(a.Max, int(n))
	}
	for _, n := range st.byHash {
		add(n)
	}
	if len(st.byID) > 0 {
		a.ByID = make(map[string]int, len(st.byID))
		for id, n := range st.byID {
			add(n)
			a.ByID[id] = int(n)
		}
	}
	st.attMu.Unlock()
	s.Attempts = a
	st.tlMu.Lock()
	if withTimeline {
		s.Timeline = append([]Record(nil), st.timeline...)
	}
	s.TimelineDropped = st.dropped
	st.tlMu.Unlock()
	return s
}
