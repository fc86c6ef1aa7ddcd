package llmtest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kgas-dev/kgas/llm/llmtest"
)

// benchPost drives the server over loopback from parallel clients.
func benchPost(b *testing.B, cfg llmtest.Config, path, body string) {
	srv := start(b, cfg)
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	b.Cleanup(tr.CloseIdleConnections)
	c := &http.Client{Transport: tr}
	url := srv.URL() + path
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := c.Post(url, "application/json", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkChat(b *testing.B) {
	benchPost(b, llmtest.Config{Limits: llmtest.RateLimits{Requests: 1 << 30, Tokens: 1 << 30}}, "/chat/completions", chatBody)
}

func BenchmarkChatStream(b *testing.B) {
	benchPost(b, llmtest.Config{}, "/chat/completions",
		`{"model":"m","stream":true,"messages":[{"role":"user","content":"hello"}],"max_tokens":100}`)
}

func BenchmarkEmbeddings(b *testing.B) {
	benchPost(b, llmtest.Config{}, "/embeddings", `{"model":"text-embedding-3-small","input":["alpha","beta"]}`)
}
