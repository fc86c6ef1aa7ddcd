package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-token", "T", "-latency", "1ms", "-keyspace", "ks1,ks2", "-page-size", "2"}, pw, io.Discard)
		_ = pw.Close()
	}()
	url, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	url = strings.TrimSpace(url)
	require.True(t, strings.HasPrefix(url, "http://127.0.0.1:"), url)

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	post := func(path, token, body string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, url+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Token", token)
		}
		resp, err := c.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	status, _ := post("/api/json/v1/ks1", "", `{"findCollections":{}}`)
	assert.Equal(t, 401, status)
	status, body := post("/v1/ks2", "T", `{"createCollection":{"name":"c"}}`)
	assert.Equal(t, 200, status)
	assert.JSONEq(t, `{"status":{"ok":1}}`, body)
	post("/v1/ks2/c", "T", `{"insertMany":{"documents":[{"_id":1},{"_id":2},{"_id":3}]}}`)
	status, body = post("/api/json/v1/ks2/c", "T", `{"find":{"filter":{}}}`)
	assert.Equal(t, 200, status)
	assert.Contains(t, body, `"nextPageState":"`, "page size 2 leaves a next page")

	cancel()
	require.NoError(t, <-done)
	_, _ = io.Copy(io.Discard, pr)

	assert.Error(t, run(context.Background(), []string{"-addr", "0.0.0.0:0"}, io.Discard, io.Discard))
	assert.Error(t, run(context.Background(), []string{"-latency", "soon"}, io.Discard, io.Discard))
	assert.Error(t, run(context.Background(), []string{"extra"}, io.Discard, io.Discard))
}

// TestProcessStopsOnSignal builds the program, starts it as a process and
// stops it with SIGINT.
func TestProcessStopsOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "astra-local")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	url, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	url = strings.TrimSpace(url)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Post(url+"/v1/default_keyspace", "application/json", strings.NewReader(`{"findCollections":{}}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err, "exits cleanly on SIGINT")
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatal("did not stop on SIGINT")
	}
}
