package apiclient

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testServer is an httptest server that counts attempts and in-flight
// requests and delegates to a handler given the 1-based arrival number.
type testServer struct {
	*httptest.Server
	attempts    atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	conns       atomic.Int64
	handle      func(w http.ResponseWriter, r *http.Request, n int64)
}

func newServer(t testing.TB, h func(w http.ResponseWriter, r *http.Request, n int64)) *testServer {
	t.Helper()
	s := &testServer{handle: h}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.attempts.Add(1)
		cur := s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		for {
			m := s.maxInFlight.Load()
			if cur <= m || s.maxInFlight.CompareAndSwap(m, cur) {
				break
			}
		}
		io.Copy(io.Discard, r.Body)
		s.handle(w, r, n)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// newTestClient builds a client with fast backoff unless opts override it,
// closing its idle connections at cleanup.
func newTestClient(t testing.TB, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithBackoff(time.Millisecond, 5*time.Millisecond)}
	c, err := New(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

func get(t testing.TB, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	return req
}

// writeErr writes an OpenAI-style error body.
func writeErr(w http.ResponseWriter, status int, typ, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, `{"error":{"message":"boom","type":"`+typ+`","param":null,"code":"`+code+`"}}`)
}

// reset hijacks the connection and closes it with RST, before any header.
func reset(t testing.TB, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("no hijacker")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// truncate sends headers promising more body than it writes, then closes.
func truncate(t testing.TB, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("no hijacker")
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\npartial")
	buf.Flush()
	conn.Close()
}

// hang blocks until the request's context ends (or a long safety timeout).
func hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// ok writes a 200 with the given body.
func ok(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(200)
	io.WriteString(w, body)
}

// recorder collects values safely across goroutines.
type recorder[T any] struct {
	mu sync.Mutex
	v  []T
}

func (r *recorder[T]) add(v T) { r.mu.Lock(); r.v = append(r.v, v); r.mu.Unlock() }
func (r *recorder[T]) all() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]T(nil), r.v...)
}

var bg = context.Background()
