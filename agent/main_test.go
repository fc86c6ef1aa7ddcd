package agent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wireRequest is a chat completion request as the server received it.
type wireRequest struct {
	Stream   bool `json:"stream"`
	Messages []struct {
		Role       string `json:"role"`
		Content    string `json:"content"`
		ToolCallID string `json:"tool_call_id"`
		ToolCalls  []struct {
			ID       string `json:"id"`
			Function struct {
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"messages"`
	Tools []struct {
		Function struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Parameters  json.RawMessage `json:"parameters"`
		} `json:"function"`
	} `json:"tools"`
}

// toolNames lists the names of the tools the request offered.
func (w wireRequest) toolNames() []string {
	var names []string
	for _, t := range w.Tools {
		names = append(names, t.Function.Name)
	}
	return names
}

// toolMessages returns the contents of the request's trailing tool
// messages, by tool_call_id, and their ids in order.
func (w wireRequest) toolMessages() (map[string]string, []string) {
	byID := map[string]string{}
	var ids []string
	for _, m := range w.Messages {
		if m.Role == "tool" {
			byID[m.ToolCallID] = m.Content
			ids = append(ids, m.ToolCallID)
		}
	}
	return byID, ids
}

// sim is an llmtest server behind a recording proxy: llmtest answers,
// the proxy keeps every chat request body it forwarded, so that a test
// can inspect what the model was sent (llmtest keeps no bodies).
type sim struct {
	srv      *llmtest.Server
	url      string
	mu       sync.Mutex
	reqs     []wireRequest
	received chan struct{} // one value per chat request, if not full
}

func newSim(t testing.TB, cfg llmtest.Config, scripts ...llmtest.Script) *sim {
	t.Helper()
	srv, err := llmtest.NewServer(cfg)
	require.NoError(t, err)
	for _, sc := range scripts {
		require.NoError(t, srv.AddScript(sc))
	}
	s := &sim{srv: srv, received: make(chan struct{}, 64)}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			var wr wireRequest
			if json.Unmarshal(body, &wr) == nil {
				s.mu.Lock()
				s.reqs = append(s.reqs, wr)
				s.mu.Unlock()
			}
			select {
			case s.received <- struct{}{}:
			default:
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		srv.ServeHTTP(w, r)
	}))
	s.url = proxy.URL + "/v1"
	t.Cleanup(func() {
		proxy.Close()
		require.NoError(t, srv.Close())
	})
	return s
}

// requests returns the chat requests received so far.
func (s *sim) requests() []wireRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]wireRequest(nil), s.reqs...)
}

// client returns an OpenAI client on the sim, closed with the test.
func (s *sim) client(t testing.TB) *openai.Client {
	t.Helper()
	c, err := openai.New(openai.WithoutEnvironment(), openai.WithBaseURL(s.url), openai.WithAPIKey("sk-test"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

// calls is a scripted reply with tool calls.
func calls(cs ...llmtest.ToolCall) llmtest.Script {
	return llmtest.Script{Reply: llmtest.Reply{ToolCalls: cs}}
}

// answer is a scripted final answer.
func answer(text string) llmtest.Script {
	return llmtest.Script{Reply: llmtest.Reply{Content: text}}
}

// newRegistry registers tools in a new registry closed with the test.
func newRegistry(t testing.TB, tools ...tool.Tool) *registry.Registry {
	t.Helper()
	reg := registry.New()
	for _, tl := range tools {
		require.NoError(t, reg.Register(tl))
	}
	t.Cleanup(func() { require.NoError(t, reg.Close()) })
	return reg
}

// ForecastIn is the input of the forecast tool.
type ForecastIn struct {
	City string `json:"city" jsonschema:"description=City name"`
	Days int    `json:"days" jsonschema:"minimum=1,maximum=14"`
}

// forecastTool returns len(days) zeros.
func forecastTool(t testing.TB, opts ...tool.Option) *tool.Func {
	t.Helper()
	f, err := tool.New(tool.Metadata{ID: "forecast", Description: "Daily highs for a city", Category: "weather", Tags: []string{"read"}},
		func(_ context.Context, in ForecastIn) ([]float64, error) { return make([]float64, in.Days), nil }, opts...)
	require.NoError(t, err)
	return f
}

// fnTool builds a tool with no input from fn.
func fnTool(t testing.TB, meta tool.Metadata, fn func(context.Context, struct{}) (string, error), opts ...tool.Option) *tool.Func {
	t.Helper()
	if meta.Description == "" {
		meta.Description = "test tool " + meta.ID
	}
	f, err := tool.New(meta, fn, opts...)
	require.NoError(t, err)
	return f
}

// toolErr is the JSON a tool error becomes in a tool message.
type toolErr struct {
	Error struct {
		Kind      tool.Kind `json:"kind"`
		Message   string    `json:"message"`
		Retryable bool      `json:"retryable"`
		Fields    []struct {
			Field string `json:"field"`
			Rule  string `json:"rule"`
		} `json:"fields"`
	} `json:"error"`
}

func parseToolErr(t testing.TB, content string) toolErr {
	t.Helper()
	var te toolErr
	require.NoError(t, json.Unmarshal([]byte(content), &te), "tool message %q", content)
	return te
}
