package loopback

import (
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Close waits for a handler that hijacked its connection, which
// http.Server.Close alone does not.
func TestCloseWaitsForHijackedHandlers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	inside, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	s := Start(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			_, _ = io.WriteString(w, "ok")
			return
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			defer conn.Close()
		}
		close(inside)
		<-release
		finished.Store(true)
	}))
	resp, err := http.Get("http://" + s.Addr() + "/ok")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "ok", string(b))

	go func() { _, _ = http.Get("http://" + s.Addr() + "/hijack") }()
	<-inside
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case <-closed:
		t.Fatal("Close returned while a hijacked handler was running")
	default:
	}
	close(release)
	require.NoError(t, <-closed)
	assert.True(t, finished.Load())
	assert.NoError(t, s.Close(), "a second Close is a no-op")
	http.DefaultClient.CloseIdleConnections()
}
