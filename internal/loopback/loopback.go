package loopback

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is a running loopback HTTP server.
type Server struct {
	ln     net.Listener
	http   *http.Server
	served chan struct{} // closed when Serve returns

	mu     sync.Mutex
	idle   *sync.Cond // signalled when active drops to 0
	active int        // handlers running
	once   sync.Once
	err    error
}

// Start serves h on ln (which the caller opened, on a loopback address)
// until Close. Server errors are discarded: a test server has no one to
// tell.
func Start(ln net.Listener, h http.Handler) *Server {
	s := &Server{ln: ln, served: make(chan struct{})}
	s.idle = sync.NewCond(&s.mu)
	s.http = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.track(w, r, h) }),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(s.served)
		_ = s.http.Serve(ln)
	}()
	return s
}

func (s *Server) track(w http.ResponseWriter, r *http.Request, h http.Handler) {
	s.mu.Lock()
	s.active++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active--
		if s.active == 0 {
			s.idle.Broadcast()
		}
		s.mu.Unlock()
	}()
	h.ServeHTTP(w, r)
}

// Addr returns the listen address, e.g. "127.0.0.1:41234".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close closes the listener and every connection, then waits for Serve and
// for every handler to return (a handler that hijacked its connection
// included, which http.Server.Close does not wait for). Callers wake their
// own sleeping handlers first. It is safe to call more than once.
func (s *Server) Close() error {
	s.once.Do(func() {
		err := s.http.Close()
		<-s.served
		s.mu.Lock()
		for s.active > 0 {
			s.idle.Wait()
		}
		s.mu.Unlock()
		if !errors.Is(err, net.ErrClosed) {
			s.err = err
		}
	})
	return s.err
}
