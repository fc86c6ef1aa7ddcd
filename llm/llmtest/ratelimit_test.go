package llmtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm/llmtest"
)

type errBody struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

func parseErr(t *testing.T, b []byte) errBody {
	t.Helper()
	var e errBody
	require.NoError(t, json.Unmarshal(b, &e), string(b))
	require.NotEmpty(t, e.Error.Message)
	return e
}

func code(e errBody) string {
	if e.Error.Code == nil {
		return ""
	}
	return *e.Error.Code
}

// chatWith returns a chat body of known cost: the prompt estimate is
// 2 + (4 + ceil(len(text)/4)), plus maxTokens.
func chatWith(text string, maxTokens int) string {
	return fmt.Sprintf(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":%q}],"max_tokens":%d}`, text, maxTokens)
}

func TestRateLimitHeadersOnSuccess(t *testing.T) {
	srv := start(t, llmtest.Config{Limits: llmtest.RateLimits{Requests: 60, Tokens: 1000}})
	c := httpClient(t)
	// cost = 2 + 4 + ceil(8/4) + 10 = 18
	resp, b, err := post(t, c, srv.URL()+"/chat/completions", chatWith("abcdefgh", 10))
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode, string(b))
	h := resp.Header
	assert.Equal(t, "60", h.Get("x-ratelimit-limit-requests"))
	assert.Equal(t, "1000", h.Get("x-ratelimit-limit-tokens"))
	assert.Equal(t, "59", h.Get("x-ratelimit-remaining-requests"))
	assert.Equal(t, "982", h.Get("x-ratelimit-remaining-tokens"))
	// reset = (limit − remaining)·60s/limit: 1 request → 1s, 18 tokens → 1.08s.
	reqReset, err := time.ParseDuration(h.Get("x-ratelimit-reset-requests"))
	require.NoError(t, err)
	assert.InDelta(t, time.Second, reqReset, float64(20*time.Millisecond))
	tokReset, err := time.ParseDuration(h.Get("x-ratelimit-reset-tokens"))
	require.NoError(t, err)
	assert.InDelta(t, 1080*time.Millisecond, tokReset, float64(20*time.Millisecond))
	assert.Equal(t, int64(18), srv.Stats().TokensCharged)

	var body struct {
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
		} `json:"usage"`
	}
	require.NoError(t, json.Unmarshal(b, &body))
	assert.Equal(t, 8, body.Usage.PromptTokens)
}

func TestRequestBucketEnforcesBurst(t *testing.T) {
	const capacity = 10
	srv := start(t, llmtest.Config{Limits: llmtest.RateLimits{Requests: capacity, Window: time.Hour}})
	c := httpClient(t)
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < 25; i++ {
		wg.Go(func() {
			resp, b, err := post(t, c, srv.URL()+"/chat/completions", chatWith(strconv.Itoa(i), 5))
			if !assert.NoError(t, err) {
				return
			}
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
			if resp.StatusCode == 429 {
				e := parseErr(t, b)
				assert.Equal(t, "requests", e.Error.Type)
				assert.Equal(t, "rate_limit_exceeded", code(e))
				assert.Contains(t, e.Error.Message, "Rate limit reached for gpt-4o-mini")
				assert.Contains(t, e.Error.Message, "Limit 10, Used 10, Requested 1. Please try again in ")
				assert.Equal(t, "0", resp.Header.Get("x-ratelimit-remaining-requests"))
				// An hour-long window refills one request in 6 minutes.
				assert.Equal(t, "360", resp.Header.Get("retry-after"))
				ms, err := strconv.Atoi(resp.Header.Get("retry-after-ms"))
				assert.NoError(t, err)
				assert.InDelta(t, 360000, ms, 1000)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, map[int]int{200: capacity, 429: 15}, statuses)
	st := srv.Stats()
	assert.Equal(t, int64(capacity), st.Outcomes[llmtest.OutcomeOK])
	assert.Equal(t, int64(15), st.Outcomes[llmtest.OutcomeRateLimitedRequests])
	assert.Equal(t, int64(25), st.Received)
}

func TestTokenBucket(t *testing.T) {
	// 100 tokens per 10s; each request costs 2+4+1+40 = 47 tokens.
	srv := start(t, llmtest.Config{Limits: llmtest.RateLimits{Tokens: 100, Window: 10 * time.Second}})
	c := httpClient(t)
	for i := 0; i < 2; i++ {
		resp, _, err := post(t, c, srv.URL()+"/chat/completions", chatWith("x", 40))
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode)
	}
	resp, b, err := post(t, c, srv.URL()+"/chat/completions", chatWith("x", 40))
	require.NoError(t, err)
	require.Equal(t, 429, resp.StatusCode)
	e := parseErr(t, b)
	assert.Equal(t, "tokens", e.Error.Type)
	assert.Equal(t, "rate_limit_exceeded", code(e))
	assert.Regexp(t, `on tokens per min \(TPM\): Limit 100, Used 9[34], Requested 47\. Please try again in 4\.\d+s\.`, e.Error.Message)
	wait, err := strconv.Atoi(resp.Header.Get("retry-after-ms"))
	require.NoError(t, err)
	assert.InDelta(t, 4100, wait, 200) // (47−6)·10s/100, less the refill since
	assert.Equal(t, "5", resp.Header.Get("retry-after"))
	assert.Equal(t, int64(1), srv.Stats().Outcomes[llmtest.OutcomeRateLimitedTokens])
}

func TestBucketRefills(t *testing.T) {
	srv := start(t, llmtest.Config{Limits: llmtest.RateLimits{Requests: 2, Window: 300 * time.Millisecond}})
	assert.Equal(t, []int{200, 200, 429}, outcomes(t, srv, 3, "chat"))
	time.Sleep(320 * time.Millisecond)
	assert.Equal(t, []int{200, 200}, outcomes(t, srv, 2, "chat"))
}

func TestRequestTooLarge(t *testing.T) {
	srv := start(t, llmtest.Config{Limits: llmtest.RateLimits{Tokens: 100}})
	c := httpClient(t)
	resp, b, err := post(t, c, srv.URL()+"/chat/completions", chatWith("x", 500))
	require.NoError(t, err)
	require.Equal(t, 429, resp.StatusCode)
	e := parseErr(t, b)
	assert.Equal(t, "tokens", e.Error.Type)
	assert.Equal(t, "rate_limit_exceeded", code(e))
	assert.Contains(t, e.Error.Message, "Request too large for gpt-4o-mini")
	assert.Contains(t, e.Error.Message, "Limit 100, Requested 507.")
	assert.Equal(t, "false", resp.Header.Get("x-should-retry"))
	assert.Empty(t, resp.Header.Get("retry-after"))
	assert.Equal(t, "100", resp.Header.Get("x-ratelimit-remaining-tokens"), "rejection consumed nothing")
	assert.Equal(t, int64(1), srv.Stats().Outcomes[llmtest.OutcomeRequestTooLarge])
}

func TestHeaderSwitches(t *testing.T) {
	srv := start(t, llmtest.Config{
		Limits:  llmtest.RateLimits{Requests: 1},
		Headers: llmtest.Headers{OmitRateLimit: true, OmitRetryAfter: true},
	})
	c := httpClient(t)
	_, _, err := post(t, c, srv.URL()+"/chat/completions", chatWith("a", 1))
	require.NoError(t, err)
	resp, _, err := post(t, c, srv.URL()+"/chat/completions", chatWith("a", 1))
	require.NoError(t, err)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("x-ratelimit-limit-requests"))
	assert.Empty(t, resp.Header.Get("retry-after"))
	assert.NotEmpty(t, resp.Header.Get("retry-after-ms"))
}

func TestEmbeddingsChargeTokens(t *testing.T) {
	srv := start(t, llmtest.Config{Limits: llmtest.RateLimits{Tokens: 10}})
	c := httpClient(t)
	resp, _, err := post(t, c, srv.URL()+"/embeddings", `{"model":"m","input":["abcdefgh","abcd"]}`) // 2+1
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "7", resp.Header.Get("x-ratelimit-remaining-tokens"))
}
