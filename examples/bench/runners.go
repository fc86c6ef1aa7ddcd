package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/sashabaranov/go-openai"
)

// target is a running server: its base URL and a reset that restarts its
// clock and counters, called right before a client starts sending.
type target struct {
	url   string
	reset func()
	stats func() llmtest.Stats
}

// workload describes the requests of a scenario.
type workload struct {
	n         int
	conc      int
	promptLen int // bytes of the user message
	maxTokens int
	stream    bool
}

// content is request i's user message: unique, exactly promptLen bytes.
func (w workload) content(i int) string {
	s := fmt.Sprintf("request %06d: ", i)
	if len(s) < w.promptLen {
		s += strings.Repeat("x", w.promptLen-len(s))
	}
	return s[:w.promptLen]
}

// cost is the simulator's admission charge for one request: the prompt
// estimate (2 + Σ(4 + ceil(bytes/4))) plus max_tokens.
func (w workload) cost() int {
	return 2 + 4 + (w.promptLen+3)/4 + w.maxTokens
}

func (w workload) body(i int) []byte {
	req := map[string]any{
		"model":      "gpt-4o-mini",
		"messages":   []map[string]string{{"role": "user", "content": w.content(i)}},
		"max_tokens": w.maxTokens,
	}
	if w.stream {
		req["stream"] = true
	}
	b, _ := json.Marshal(req)
	return b
}

// outcome is what one request ended with.
type outcome struct {
	ok  bool
	err error
}

// result is one client's run of a workload.
type result struct {
	outcomes []outcome
	wall     time.Duration
	end      time.Time // when the batch returned
	limit    int       // kgas: the concurrency bound at the end
	extra    map[string]any
}

var digits = regexp.MustCompile(`[0-9]+`)

// errorKinds counts the failures by error text (numbers and quoted
// values folded), for the record's "errors" field.
func (r result) errorKinds() map[string]int {
	kinds := map[string]int{}
	for _, o := range r.outcomes {
		if o.err == nil {
			continue
		}
		msg := digits.ReplaceAllString(o.err.Error(), "N")
		if i := strings.Index(msg, "\": "); strings.HasPrefix(msg, "Post \"") && i > 0 {
			msg = msg[i+3:] // drop the URL
		}
		if len(msg) > 80 {
			msg = msg[:80]
		}
		kinds[msg]++
	}
	return kinds
}

func (r result) counts() (ok, failed int) {
	for _, o := range r.outcomes {
		if o.ok {
			ok++
		} else {
			failed++
		}
	}
	return ok, failed
}

// runKgas sends the workload as one apiclient Batch.
func runKgas(ctx context.Context, t target, w workload, opts ...apiclient.Option) (result, *apiclient.Client, error) {
	c, err := apiclient.New(append([]apiclient.Option{apiclient.WithConcurrency(w.conc)}, opts...)...)
	if err != nil {
		return result{}, nil, err
	}
	reqs := make([]*http.Request, w.n)
	for i := range reqs {
		req, err := http.NewRequest(http.MethodPost, t.url+"/chat/completions", bytes.NewReader(w.body(i)))
		if err != nil {
			return result{}, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer sk-bench-not-a-secret")
		req.Header.Set("X-Sim-Request-Id", strconv.Itoa(i))
		reqs[i] = req
	}
	t.reset()
	start := time.Now()
	resps := c.Batch(ctx, reqs)
	end := time.Now()
	r := result{wall: end.Sub(start), end: end, outcomes: make([]outcome, len(resps))}
	for i, resp := range resps {
		if resp.Err == nil && w.stream && !bytes.Contains(resp.Body, []byte("data: [DONE]")) {
			resp.Err = errors.New("stream ended without [DONE]")
		}
		r.outcomes[i] = outcome{ok: resp.Err == nil, err: resp.Err}
	}
	return r, c, nil
}

// runOpenAI sends the workload with go-openai from conc goroutines: with
// its own plain transport and no retries (hc nil: the naive baseline, or
// the sequential one with conc = 1), or over hc (kgas as the SDK's
// transport, streams included). The returned transport is nil with hc.
func runOpenAI(ctx context.Context, t target, w workload, conc int, hc *http.Client) (result, *http.Transport) {
	var tr *http.Transport
	if hc == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
		hc = &http.Client{Transport: tr}
	}
	cfg := openai.DefaultConfig("sk-bench-not-a-secret")
	cfg.BaseURL = t.url
	cfg.HTTPClient = hc
	client := openai.NewClientWithConfig(cfg)
	r := result{outcomes: make([]outcome, w.n)}
	var next atomic.Int64
	var wg sync.WaitGroup
	t.reset()
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= w.n {
					return
				}
				if ctx.Err() != nil { // never started: cancelled
					r.outcomes[i] = outcome{err: ctx.Err()}
					continue
				}
				r.outcomes[i] = openaiCall(ctx, client, w, i)
			}
		})
	}
	wg.Wait()
	r.end = time.Now()
	r.wall = r.end.Sub(start)
	return r, tr
}

func openaiCall(ctx context.Context, client *openai.Client, w workload, i int) outcome {
	req := openai.ChatCompletionRequest{
		Model:               "gpt-4o-mini",
		Messages:            []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: w.content(i)}},
		MaxCompletionTokens: w.maxTokens,
	}
	if !w.stream {
		_, err := client.CreateChatCompletion(ctx, req)
		return outcome{ok: err == nil, err: err}
	}
	req.Stream = true
	s, err := client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return outcome{err: err}
	}
	defer s.Close()
	for {
		_, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return outcome{ok: true}
		}
		if err != nil {
			return outcome{err: err}
		}
	}
}
