package astratest

import (
	"context"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kgas-dev/kgas/internal/loopback"
)

// Server is a running in-process Data API server. Create one with
// [NewServer] and stop it with [Server.Close]. All methods are safe for
// concurrent use.
type Server struct {
	cfg   config
	db    *database
	stats *statsRec
	srv   *loopback.Server
	url   string
	quit  chan struct{}
	once  sync.Once

	ordinal  atomic.Int64
	inFlight atomic.Int64
	oidCount atomic.Uint32

	rngMu sync.Mutex
	rng   *rand.Rand
}

// NewServer starts a server on a loopback address with the given options
// (defaults are documented on each option and on [DefaultLimits]).
func NewServer(opts ...Option) (*Server, error) {
	cfg, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:   cfg,
		db:    newDatabase(cfg.keyspaces),
		stats: newStatsRec(),
		url:   "http://" + ln.Addr().String(),
		quit:  make(chan struct{}),
		rng:   rand.New(rand.NewPCG(cfg.seed, 0x61737472612d7473)),
	}
	s.srv = loopback.Start(ln, s)
	return s, nil
}

// URL returns the API endpoint, e.g. "http://127.0.0.1:41234", the value
// to use as ASTRA_DB_API_ENDPOINT. Commands go to URL()+"/api/json/v1/…"
// (Astra shape) or URL()+"/v1/…" (self-hosted shape).
func (s *Server) URL() string { return s.url }

// Addr returns the listen address, e.g. "127.0.0.1:41234".
func (s *Server) Addr() string { return s.srv.Addr() }

// Close stops the server: it closes the listener and every connection,
// wakes requests that wait out injected latency, and waits for handlers to
// return. It is safe to call more than once.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		close(s.quit)
		err = s.srv.Close()
	})
	return err
}

// Stats returns a snapshot of the request counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// ResetStats clears the counters (not the data).
func (s *Server) ResetStats() { s.stats.reset() }

// random returns a seeded number in [0, 1).
func (s *Server) random() float64 {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.rng.Float64()
}

// sleep waits d; false if ctx ended or the server is closing.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.quit:
		return false
	}
}

// maxDrain bounds the bytes read from an oversized body before the 413.
const maxDrain = 64 << 20

// wait sleeps d; if the client goes away or the server closes first it
// aborts the handler, so no empty response is sent.
func (s *Server) wait(ctx context.Context, d time.Duration) {
	if !s.sleep(ctx, d) {
		panic(http.ErrAbortHandler)
	}
}

// route is a parsed API path.
type route struct {
	keyspace, collection string
	depth                int // 0 database, 1 keyspace, 2 collection
}

// parsePath accepts /api/json/v1[/{ks}[/{coll}]] and /v1[/{ks}[/{coll}]].
func parsePath(p string) (route, bool) {
	rest, ok := strings.CutPrefix(p, "/api/json/v1")
	if !ok {
		if rest, ok = strings.CutPrefix(p, "/v1"); !ok {
			return route{}, false
		}
	}
	rest = strings.TrimSuffix(rest, "/")
	if rest == "" {
		return route{}, true
	}
	if rest[0] != '/' {
		return route{}, false
	}
	parts := strings.Split(rest[1:], "/")
	if len(parts) > 2 || slices.Contains(parts, "") {
		return route{}, false
	}
	r := route{keyspace: parts[0], depth: len(parts)}
	if len(parts) == 2 {
		r.collection = parts[1]
	}
	return r, true
}

// ServeHTTP serves the Data API routes; it lets the server be mounted in
// another http.Server, though [NewServer] is the usual way.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, ok := parsePath(r.URL.Path)
	if !ok {
		s.stats.status(http.StatusNotFound)
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	arrived := time.Now()
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	s.stats.begin()
	defer s.stats.end()
	if r.Method != http.MethodPost {
		s.stats.status(http.StatusMethodNotAllowed)
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	if s.cfg.token != "" {
		tok := r.Header.Get("Token")
		if tok == "" {
			tok = r.Header.Get("X-Cassandra-Token")
		}
		switch {
		case tok == "":
			s.writeErrors(w, http.StatusUnauthorized, errf("MISSING_AUTHENTICATION_TOKEN",
				"Role unauthorized for operation: Missing token, expecting one in the Token header."))
			return
		case tok != s.cfg.token:
			s.writeErrors(w, http.StatusUnauthorized, errf("UNAUTHENTICATED_REQUEST",
				"UNAUTHENTICATED: Invalid token"))
			return
		}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		s.writeErrors(w, http.StatusUnsupportedMediaType, errf("UNSUPPORTED_CONTENT_TYPE",
			"Unsupported content type %q: only 'application/json' is supported.", r.Header.Get("Content-Type")))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.cfg.limits.MaxBodyBytes+1))
	if err != nil {
		return
	}
	if int64(len(body)) > s.cfg.limits.MaxBodyBytes {
		// Drain (boundedly) so the connection stays usable and net/http
		// does not linger on it.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxDrain))
		s.stats.status(http.StatusRequestEntityTooLarge)
		http.Error(w, "Request Entity Too Large", http.StatusRequestEntityTooLarge)
		return
	}
	name, cmd, perr := parseCommand(body)
	if perr != nil {
		s.writeErrors(w, http.StatusOK, perr)
		return
	}
	s.stats.command(name)
	fault := s.pickFault(s.ordinal.Add(1), name)
	if fault != nil && fault.Kind != FaultSlow && !fault.AfterApply {
		s.wait(r.Context(), fault.Delay)
		s.serveFault(w, fault, name)
		return
	}
	delay := s.cfg.latency
	if s.cfg.jitter > 0 {
		delay += time.Duration(s.random() * float64(s.cfg.jitter))
	}
	if fault != nil && fault.Kind == FaultSlow {
		s.stats.fault(FaultSlow)
		delay += fault.Delay
	}
	// The command runs at once and is answered delay after it arrived: a
	// remote server's work overlaps the network's delay, so many commands
	// in flight do not queue their work behind their latency.
	res := s.execute(rt, name, cmd)
	s.wait(r.Context(), delay-time.Since(arrived))
	if fault != nil && fault.AfterApply && fault.Kind != FaultSlow {
		s.wait(r.Context(), fault.Delay)
		s.serveFault(w, fault, name)
		return
	}
	s.writeResult(w, res)
}

// parseCommand decodes {"<command>": {...}}.
func parseCommand(body []byte) (string, map[string]any, *apiError) {
	v, err := decodeJSON(body)
	if err != nil {
		return "", nil, errf("REQUEST_NOT_JSON", "Request not valid JSON: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", nil, errf("REQUEST_STRUCTURE_MISMATCH",
			"Request invalid: the body must be a JSON object with exactly one command.")
	}
	for name, c := range m {
		switch x := c.(type) {
		case map[string]any:
			return name, x, nil
		case nil:
			return name, map[string]any{}, nil
		}
		return name, nil, errf("REQUEST_STRUCTURE_MISMATCH",
			"Request invalid: the value of command '%s' must be a JSON object.", name)
	}
	return "", nil, nil
}

// result is the outcome of one command.
type result struct {
	data     obj
	status   obj
	errs     []*apiError
	warnings []*apiError
}

// fail is a result holding one error.
func fail(e *apiError) *result { return &result{errs: []*apiError{e}} }

func (s *Server) writeErrors(w http.ResponseWriter, code int, errs ...*apiError) {
	s.stats.errors(errs)
	s.writeEnvelope(w, code, obj{{"errors", errorsOf(errs)}})
}

func (s *Server) writeResult(w http.ResponseWriter, res *result) {
	var env obj
	if res.data != nil {
		env = append(env, kv{"data", res.data})
	}
	status := res.status
	if len(res.warnings) > 0 {
		status = append(status, kv{"warnings", errorsOf(res.warnings)})
	}
	if len(status) > 0 {
		env = append(env, kv{"status", status})
	}
	if len(res.errs) > 0 {
		s.stats.errors(res.errs)
		env = append(env, kv{"errors", errorsOf(res.errs)})
	}
	s.writeEnvelope(w, http.StatusOK, env)
}

func (s *Server) writeEnvelope(w http.ResponseWriter, code int, env obj) {
	s.stats.status(code)
	if env == nil {
		env = obj{}
	}
	b := appendJSON(make([]byte, 0, 512), env)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}
