package astra_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/astra"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const testToken = "AstraCS:super-secret-token-value"

// call is one request the fake server received.
type call struct {
	Path    string
	Header  http.Header
	Body    string
	Command string
	Payload map[string]any
}

// fake is an httptest server that records requests and answers with a
// handler given the decoded call and its 1-based arrival number.
type fake struct {
	*httptest.Server
	mu       sync.Mutex
	calls    []call
	n        atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64
}

// handler answers a call with a status and a body.
type handler func(c call, n int64) (int, string)

func newFake(t testing.TB, h handler) *fake {
	t.Helper()
	f := &fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur := f.inFlight.Add(1)
		defer f.inFlight.Add(-1)
		for m := f.maxIn.Load(); cur > m && !f.maxIn.CompareAndSwap(m, cur); m = f.maxIn.Load() {
		}
		b, _ := io.ReadAll(r.Body)
		c := call{Path: r.URL.Path, Header: r.Header.Clone(), Body: string(b)}
		var env map[string]map[string]any
		if json.Unmarshal(b, &env) == nil {
			for k, v := range env {
				c.Command, c.Payload = k, v
			}
		}
		n := f.n.Add(1)
		f.mu.Lock()
		f.calls = append(f.calls, c)
		f.mu.Unlock()
		status, body := h(c, n)
		if status == -1 { // hang until the client gives up
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) all() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// fixed answers every call with the same body.
func fixed(body string) handler {
	return func(call, int64) (int, string) { return 200, body }
}

// newClient returns a client for the fake with fast retries.
func newClient(t testing.TB, url string, opts ...astra.Option) *astra.Client {
	t.Helper()
	base := []astra.Option{
		astra.WithoutEnvironment(), astra.WithEndpoint(url), astra.WithToken(testToken),
		astra.WithAPIClientOptions(apiclient.WithBackoff(time.Millisecond, 5*time.Millisecond), apiclient.WithoutRetryBudget()),
	}
	c, err := astra.New(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

var bg = context.Background()

// payloadIDs returns the $in ids of a find call, or the _ids of an
// insertMany call's documents.
func payloadIDs(c call) []any {
	if f, ok := c.Payload["filter"].(map[string]any); ok {
		if id, ok := f["_id"].(map[string]any); ok {
			ids, _ := id["$in"].([]any)
			return ids
		}
	}
	var out []any
	docs, _ := c.Payload["documents"].([]any)
	for _, d := range docs {
		m, _ := d.(map[string]any)
		out = append(out, m["_id"])
	}
	return out
}

type apiclientError = apiclient.Error

func nanValue() float64 { z := 0.0; return z / z }
