package llmtest

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// call is the per-request context of an API request.
type call struct {
	s      *Server
	st     *state
	w      http.ResponseWriter
	r      *http.Request
	rec    *Record
	key    uint64
	stream bool
	model  string
	cost   int
	ruleAt int // index of the matched fault rule, or -1
}

// serveAPI runs the pipeline for chat and embeddings: read, parse, fault
// rules, admission, scripts, latency, respond. Every step records into the
// state loaded on arrival.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, ep string) {
	if r.Method != http.MethodPost {
		writeError(w, ErrorReply{Status: http.StatusMethodNotAllowed, Type: "invalid_request_error",
			Message: "Method " + r.Method + " not allowed for " + r.URL.Path})
		return
	}
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	if s.closing.Load() {
		writeError(w, ErrorReply{Status: http.StatusServiceUnavailable, Type: "server_error", Message: "server closing"})
		return
	}
	st := s.state.Load()
	st.observeInFlight(n)
	rec := Record{Start: st.since(), Ordinal: st.ordinal.Add(1), Endpoint: ep, Outcome: OutcomeOK}
	defer st.finish(&rec)
	c := &call{s: s, st: st, w: w, r: r, rec: &rec, ruleAt: -1}

	buf := s.getBuf()
	defer s.putBuf(buf)
	body, err := readBody(w, r, buf, s.cfg.MaxBodyBytes)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			c.fail(ErrorReply{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error",
				Message: "Request body exceeds " + strconv.FormatInt(mbe.Limit, 10) + " bytes"}, OutcomeBadRequest)
			return
		}
		rec.Outcome = OutcomeCanceled
		return
	}
	*buf = body
	// The logical request is named by the first of these headers present.
	id := r.Header.Get("X-Sim-Request-Id")
	if id == "" {
		id = r.Header.Get("X-Request-Id")
	}
	if id == "" {
		id = r.Header.Get("Idempotency-Key")
	}
	if id != "" {
		c.key = hashString(hashString(fnvOffset, "id\x00"), id)
	} else {
		c.key = hashBytes(fnvOffset, body)
	}
	rec.Attempt = st.attempt(id, c.key)
	w.Header()["X-Request-Id"] = []string{"req_" + hex16(mix2(c.key, uint64(rec.Attempt)))}

	var chat *chatRequest
	var emb *embRequest
	var perr *ErrorReply
	if ep == endpointChat {
		if chat, perr = parseChat(body, s.cfg.DefaultMaxTokens); perr == nil {
			c.model, c.stream = chat.Model, chat.Stream
			c.cost = chat.promptTk + chat.n*chat.maxTk
		}
	} else if emb, perr = parseEmbeddings(body, s.cfg.EmbeddingDims); perr == nil {
		c.model, c.cost = emb.Model, emb.cost
	}
	if perr != nil {
		c.fail(*perr, OutcomeBadRequest)
		return
	}
	rec.Tokens = c.cost
	if s.cfg.RejectUnknownModels && !s.models[c.model] {
		c.fail(modelNotFound(c.model), OutcomeNotFound)
		return
	}

	fault := c.matchFault(ep, rec.Ordinal, rec.Start)
	if fault != nil && fault.Kind.rejects() {
		c.serveFault(fault, nil, st.limiter.peek(st.since()))
		return
	}
	v, wait, snap := st.limiter.admit(st.since(), c.cost)
	if v != admitted {
		c.reject(v, wait, snap)
		return
	}
	st.tokens.Add(int64(c.cost))

	var sc *Reply
	var lastUser *string
	if chat != nil {
		lastUser = &chat.lastUser
	}
	if reply, ok := st.scripts.take(r.Header.Get(ScriptHeader), lastUser); ok {
		sc = &reply
		if sc.Fault != nil {
			fault = sc.Fault
		}
	}
	render := func(b []byte) ([]byte, []sseEvent, int) {
		if chat == nil {
			return emb.body(b, s.cfg.Seed), nil, 0
		}
		comp := s.generate(chat, sc)
		if chat.Stream {
			b, ev := comp.streamBody(b, chat.StreamOptions != nil && chat.StreamOptions.IncludeUsage)
			return b, ev, comp.tokens
		}
		return append(b, comp.body()...), nil, comp.tokens
	}
	if fault != nil {
		c.serveFault(fault, render, snap)
		return
	}
	st.limiter.setRateHeaders(w.Header(), s.cfg.Headers, snap)
	delay := s.cfg.Latency.sample(mix2(mix2(s.cfg.Seed, c.key), uint64(rec.Attempt)))
	if sc != nil && sc.Error != nil {
		if c.sleep(delay) {
			c.fail(*sc.Error, OutcomeScriptedError)
		}
		return
	}
	out, events, tokens := render((*buf)[len(body):])
	*buf = out[:0]
	if !c.stream {
		delay += time.Duration(tokens) * s.cfg.TokenDelay
	}
	if !c.sleep(delay) {
		return
	}
	w.Header()["Openai-Processing-Ms"] = []string{strconv.FormatInt(delay.Milliseconds(), 10)}
	rec.Status = http.StatusOK
	if c.stream {
		if !s.writeStream(r.Context(), w, out, events) {
			rec.Outcome = OutcomeCanceled
		}
		return
	}
	writeBody(w, http.StatusOK, "application/json", out)
}

// readBody reads the whole request body into buf.
func readBody(w http.ResponseWriter, r *http.Request, buf *[]byte, limit int64) ([]byte, error) {
	rd := http.MaxBytesReader(w, r.Body, limit)
	b := *buf
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// sleep waits d and records a cancellation when cut short.
func (c *call) sleep(d time.Duration) bool {
	if c.s.sleep(c.r.Context(), d) {
		return true
	}
	c.rec.Outcome, c.rec.Status = OutcomeCanceled, 0
	return false
}

// fail sends an error response with the current bucket levels.
func (c *call) fail(e ErrorReply, o Outcome) {
	c.st.limiter.setRateHeaders(c.w.Header(), c.s.cfg.Headers, c.st.limiter.peek(c.st.since()))
	c.rec.Outcome, c.rec.Status = o, e.Status
	writeError(c.w, e)
}

// reject sends the 429 for a bucket rejection.
func (c *call) reject(v verdict, wait time.Duration, snap snapshot) {
	l, h := c.st.limiter, c.w.Header()
	l.setRateHeaders(h, c.s.cfg.Headers, snap)
	e := l.rateLimitError(v, c.model, c.cost, wait, snap)
	switch v {
	case limitedRequests:
		c.rec.Outcome = OutcomeRateLimitedRequests
		setRetryAfter(h, c.s.cfg.Headers, wait)
	case limitedTokens:
		c.rec.Outcome = OutcomeRateLimitedTokens
		setRetryAfter(h, c.s.cfg.Headers, wait)
	default:
		c.rec.Outcome = OutcomeRequestTooLarge
		if !c.s.cfg.Headers.OmitShouldRetry {
			h["X-Should-Retry"] = []string{"false"}
		}
	}
	c.rec.Status = e.Status
	writeError(c.w, e)
}

// matchFault returns the first matching rule's fault, or nil.
func (c *call) matchFault(ep string, ordinal int64, at time.Duration) *Fault {
	rules := c.s.cfg.Faults
	if len(rules) == 0 {
		return nil
	}
	base := mix2(mix2(c.s.cfg.Seed, c.key), uint64(c.rec.Attempt))
	for i := range rules {
		if rules[i].matches(ep, ordinal, at, unit(mix2(base, uint64(i)))) {
			c.ruleAt = i
			return &rules[i].Fault
		}
	}
	return nil
}
