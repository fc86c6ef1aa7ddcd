package watsonx

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeWatsonx serves IAM's /identity/token and watsonx.ai's
// /ml/v1/text/embeddings with the documented request and response shapes.
type fakeWatsonx struct {
	*httptest.Server
	t         testing.TB
	apiKey    string
	ttl       int64 // expires_in of issued tokens
	dim       int
	maxInputs int

	tokenReqs, embedReqs  atomic.Int64
	inFlight, maxInFlight atomic.Int64

	mu     sync.Mutex
	issued map[string]bool // valid tokens
	bodies []map[string]any
	// fault, if set, may answer an embeddings request itself (returning
	// true); n counts embeddings requests from 1.
	fault func(w http.ResponseWriter, r *http.Request, n int64) bool
	// delay holds each embeddings request this long.
	delay time.Duration
}

func newFake(t testing.TB) *fakeWatsonx {
	f := &fakeWatsonx{t: t, apiKey: "test-api-key-s3cr3t", ttl: 3600, dim: 768, maxInputs: 1000, issued: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/identity/token", f.token)
	mux.HandleFunc("/ml/v1/text/embeddings", f.embed)
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func (f *fakeWatsonx) token(w http.ResponseWriter, r *http.Request) {
	n := f.tokenReqs.Add(1)
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		f.t.Errorf("token request: %s %s", r.Method, r.Header.Get("Content-Type"))
	}
	if err := r.ParseForm(); err != nil {
		f.t.Error(err)
	}
	if r.PostForm.Get("grant_type") != "urn:ibm:params:oauth:grant-type:apikey" {
		f.t.Errorf("grant_type %q", r.PostForm.Get("grant_type"))
	}
	w.Header().Set("Content-Type", "application/json")
	f.mu.Lock()
	key := f.apiKey
	f.mu.Unlock()
	if r.PostForm.Get("apikey") != key {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found.","context":{"requestId":"r1"}}`)
		return
	}
	tok := fmt.Sprintf("bearer-token-%d-%s", n, strings.Repeat("x", 20))
	f.mu.Lock()
	f.issued[tok] = true
	f.mu.Unlock()
	now := time.Now().Unix()
	fmt.Fprintf(w, `{"access_token":%q,"refresh_token":"not_supported","token_type":"Bearer","expires_in":%d,"expiration":%d,"scope":"ibm openid"}`, tok, f.ttl, now+f.ttl)
}

// setAPIKey changes the key IAM accepts.
func (f *fakeWatsonx) setAPIKey(k string) {
	f.mu.Lock()
	f.apiKey = k
	f.mu.Unlock()
}

// revokeAll makes every issued token invalid (as on expiry).
func (f *fakeWatsonx) revokeAll() {
	f.mu.Lock()
	clear(f.issued)
	f.mu.Unlock()
}

func writeWxErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q,"more_info":"https://cloud.ibm.com/apidocs/watsonx-ai"}],"trace":"trace-%d","status_code":%d}`, code, msg, status, status)
}

func (f *fakeWatsonx) embed(w http.ResponseWriter, r *http.Request) {
	n := f.embedReqs.Add(1)
	cur := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for m := f.maxInFlight.Load(); cur > m && !f.maxInFlight.CompareAndSwap(m, cur); m = f.maxInFlight.Load() {
	}
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	if f.fault != nil && f.fault(w, r, n) {
		return
	}
	if r.Method != http.MethodPost || r.URL.Query().Get("version") == "" {
		writeWxErr(w, 400, "invalid_request", "POST with ?version= required")
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	valid := ok && f.issued[tok]
	f.mu.Unlock()
	if !valid {
		writeWxErr(w, 401, "authentication_token_expired", "Failed to authenticate the request due to an expired token")
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeWxErr(w, 400, "json_type_error", "bad JSON")
		return
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.mu.Unlock()
	_, hasProject := body["project_id"]
	_, hasSpace := body["space_id"]
	if hasProject == hasSpace {
		writeWxErr(w, 400, "invalid_input_argument", "Either space_id or project_id has to be provided")
		return
	}
	inputs, _ := body["inputs"].([]any)
	if len(inputs) == 0 || len(inputs) > f.maxInputs {
		writeWxErr(w, 400, "invalid_input_argument", "inputs: between 1 and "+strconv.Itoa(f.maxInputs))
		return
	}
	type result struct {
		Embedding []float32 `json:"embedding"`
	}
	resp := struct {
		ModelID    string   `json:"model_id"`
		Results    []result `json:"results"`
		InputCount int      `json:"input_token_count"`
		CreatedAt  string   `json:"created_at"`
	}{ModelID: fmt.Sprint(body["model_id"]), CreatedAt: time.Now().UTC().Format(time.RFC3339)}
	for _, in := range inputs {
		s, _ := in.(string)
		resp.Results = append(resp.Results, result{fakeVector(s, f.dim)})
		resp.InputCount += len(strings.Fields(s))
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// fakeVector encodes the input: v[0] is the number after "t" in "t<N>" (or
// -1), v[1] the length of the input.
func fakeVector(s string, dim int) []float32 {
	v := make([]float32, dim)
	v[0] = -1
	if num, ok := strings.CutPrefix(s, "t"); ok {
		if x, err := strconv.Atoi(num); err == nil {
			v[0] = float32(x)
		}
	}
	if dim > 1 {
		v[1] = float32(len(s))
	}
	return v
}

// clock is a settable clock for token expiry tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
