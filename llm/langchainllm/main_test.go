package langchainllm_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"
	"go.uber.org/goleak"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs a simulator for the test and closes it afterwards.
func start(t testing.TB, cfg llmtest.Config) *llmtest.Server {
	t.Helper()
	srv, err := llmtest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	return srv
}

// kgasClient returns a kgas OpenAI client on srv (over apiclient), closed
// with the test.
func kgasClient(t testing.TB, srv *llmtest.Server) *openai.Client {
	t.Helper()
	c, err := openai.New(openai.WithoutEnvironment(), openai.WithBaseURL(srv.URL()), openai.WithAPIKey("sk-test"),
		openai.WithAPIClientOptions(apiclient.WithBackoff(time.Millisecond, 4*time.Millisecond)))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

// recorder is a kgas llm.ChatModel that validates and records requests,
// as a provider would, and answers with resp (streamed as deltas).
type recorder struct {
	mu     sync.Mutex
	reqs   []llm.ChatRequest
	resp   llm.ChatResponse
	deltas []llm.ChatDelta
	err    error
}

func (r *recorder) record(req llm.ChatRequest) error {
	if err := req.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	return nil
}

func (r *recorder) Chat(_ context.Context, req llm.ChatRequest) (llm.ChatResponse, error) {
	if err := r.record(req); err != nil {
		return llm.ChatResponse{}, err
	}
	return r.resp, r.err
}

func (r *recorder) ChatStream(_ context.Context, req llm.ChatRequest, fn func(llm.ChatDelta) error) (llm.ChatResponse, error) {
	if err := r.record(req); err != nil {
		return llm.ChatResponse{}, err
	}
	for _, d := range r.deltas {
		if err := fn(d); err != nil {
			return llm.ChatResponse{}, err
		}
	}
	return r.resp, r.err
}

func (r *recorder) requests() []llm.ChatRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]llm.ChatRequest(nil), r.reqs...)
}

// lcRecorder is a langchaingo llms.Model that records its calls and
// answers with resp, streaming chunks first when asked to.
type lcRecorder struct {
	calls  int
	msgs   []llms.MessageContent
	opts   llms.CallOptions
	resp   *llms.ContentResponse
	chunks []string
	err    error
}

func (f *lcRecorder) GenerateContent(ctx context.Context, msgs []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	f.calls++
	f.msgs = msgs
	f.opts = llms.CallOptions{}
	for _, o := range options {
		o(&f.opts)
	}
	if f.opts.StreamingFunc != nil {
		for _, c := range f.chunks {
			if err := f.opts.StreamingFunc(ctx, []byte(c)); err != nil {
				return nil, err
			}
		}
	}
	return f.resp, f.err
}

func (f *lcRecorder) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, f, prompt, options...)
}

func ptr[T any](v T) *T { return &v }
