package llmtest

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kgas-dev/kgas/internal/loopback"
)

// Server is a running OpenAI-compatible simulator. Create one with
// [NewServer] and stop it with [Server.Close]. All methods are safe for
// concurrent use.
type Server struct {
	cfg    Config
	vocab  []string
	models map[string]bool
	srv    *loopback.Server
	url    string

	quit     chan struct{} // closed by Close: wakes sleeps and stalls
	closing  atomic.Bool
	once     sync.Once
	inFlight atomic.Int64
	state    atomic.Pointer[state]
	bufs     sync.Pool // *[]byte
}

// NewServer starts a server on cfg.Addr (loopback only) with the defaults
// documented on [Config] for zero fields.
func NewServer(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg.Faults = append([]FaultRule(nil), cfg.Faults...)
	cfg.Scripts = append([]Script(nil), cfg.Scripts...)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:    cfg,
		vocab:  strings.Fields(vocabText),
		models: make(map[string]bool, len(cfg.Models)),
		url:    "http://" + ln.Addr().String() + "/v1",
		quit:   make(chan struct{}),
	}
	for _, m := range cfg.Models {
		s.models[m] = true
	}
	s.state.Store(newState(&s.cfg))
	s.srv = loopback.Start(ln, s)
	return s, nil
}

// URL returns the API base URL, e.g. "http://127.0.0.1:41234/v1"; give it
// to an OpenAI client as its base URL.
func (s *Server) URL() string { return s.url }

// Addr returns the listen address, e.g. "127.0.0.1:41234".
func (s *Server) Addr() string { return s.srv.Addr() }

// Close stops the server: it closes the listener and every connection,
// wakes requests that sleep or stall, and waits for handlers to return.
// It is safe to call more than once.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		s.closing.Store(true)
		close(s.quit)
		err = s.srv.Close()
	})
	return err
}

// Stats returns a snapshot of the measurements since start or the last
// Reset, including the timeline.
func (s *Server) Stats() Stats { return s.state.Load().snapshot(s.inFlight.Load(), true) }

// Reset returns the server to its state just after NewServer: counters,
// attempts and timeline cleared, buckets full, the request ordinal and the
// fault-rule clock restarted, scripts restored to Config.Scripts. Requests
// in flight finish under the old state.
func (s *Server) Reset() { s.state.Store(newState(&s.cfg)) }

// AddScript appends a canned reply (see [Script]). It returns an error for
// an invalid regular expression or reply. Reset removes scripts added here.
func (s *Server) AddScript(sc Script) error {
	e, err := compileScript(sc)
	if err != nil {
		return err
	}
	s.state.Load().scripts.add(e)
	return nil
}

// ServeHTTP serves the simulator's routes; it lets the simulator be mounted
// in another server (e.g. httptest), though NewServer is the usual way.
//
// Routes: POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models,
// GET /v1/models/{id}, GET /_sim/stats, POST /_sim/reset and
// POST /_sim/script (a JSON [Script]).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch path {
	case "/v1/chat/completions", "/chat/completions":
		s.serveAPI(w, r, endpointChat)
		return
	case "/v1/embeddings", "/embeddings":
		s.serveAPI(w, r, endpointEmbeddings)
		return
	case "/v1/models", "/models":
		if r.Method == http.MethodGet {
			s.serveModels(w, "")
			return
		}
	case "/_sim/stats":
		if r.Method == http.MethodGet {
			st := s.state.Load().snapshot(s.inFlight.Load(), r.URL.Query().Get("timeline") != "0")
			b, _ := json.Marshal(st)
			writeBody(w, http.StatusOK, "application/json", b)
			return
		}
	case "/_sim/reset":
		if r.Method == http.MethodPost {
			s.Reset()
			w.WriteHeader(http.StatusNoContent)
			return
		}
	case "/_sim/script":
		if r.Method == http.MethodPost {
			s.serveScript(w, r)
			return
		}
	default:
		if id, ok := strings.CutPrefix(path, "/v1/models/"); ok && r.Method == http.MethodGet {
			s.serveModels(w, id)
			return
		}
		writeError(w, ErrorReply{Status: http.StatusNotFound, Type: "invalid_request_error",
			Message: "Invalid URL (" + r.Method + " " + path + ")"})
		return
	}
	writeError(w, ErrorReply{Status: http.StatusMethodNotAllowed, Type: "invalid_request_error",
		Message: "Method " + r.Method + " not allowed for " + path})
}

func (s *Server) serveScript(w http.ResponseWriter, r *http.Request) {
	var sc Script
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(body, &sc)
	}
	if err == nil {
		err = s.AddScript(sc)
	}
	if err != nil {
		writeError(w, invalidRequest("", err.Error()))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type modelJSON struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// serveModels lists the models, or returns one (id != "") or a 404.
func (s *Server) serveModels(w http.ResponseWriter, id string) {
	st := s.state.Load()
	st.limiter.setRateHeaders(w.Header(), s.cfg.Headers, st.limiter.peek(st.since()))
	var v any
	if id != "" {
		if !s.models[id] {
			writeError(w, modelNotFound(id))
			return
		}
		v = modelJSON{id, "model", created, "sim"}
	} else {
		list := struct {
			Object string      `json:"object"`
			Data   []modelJSON `json:"data"`
		}{Object: "list", Data: []modelJSON{}}
		for _, m := range s.cfg.Models {
			list.Data = append(list.Data, modelJSON{m, "model", created, "sim"})
		}
		v = list
	}
	b, _ := json.Marshal(v)
	writeBody(w, http.StatusOK, "application/json", b)
}

func modelNotFound(id string) ErrorReply {
	return ErrorReply{Status: http.StatusNotFound, Type: "invalid_request_error", Param: "model",
		Code:    "model_not_found",
		Message: "The model '" + id + "' does not exist or you do not have access to it."}
}

// sleep waits d; it reports false if ctx ended or the server is closing.
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

func (s *Server) getBuf() *[]byte {
	if b, ok := s.bufs.Get().(*[]byte); ok {
		*b = (*b)[:0]
		return b
	}
	b := make([]byte, 0, 4096)
	return &b
}

func (s *Server) putBuf(b *[]byte) {
	if cap(*b) <= 4<<20 {
		s.bufs.Put(b)
	}
}
