package apiclient

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func oaiErr(typ, code string) []byte {
	return []byte(`{"error":{"message":"m","type":"` + typ + `","param":null,"code":"` + code + `"}}`)
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header http.Header
		body   []byte
		want   Class
	}{
		{"200", 200, nil, []byte(`{"id":"x"}`), Success},
		{"204 empty", 204, nil, nil, Success},
		{"304", 304, nil, nil, Success},
		{"200 responses api error null", 200, nil, []byte(`{"id":"r","error":null}`), Success},
		{"200 astra errors array is the caller's", 200, nil, []byte(`{"errors":[{"errorCode":"DOCUMENT_ALREADY_EXISTS"}]}`), Success},
		{"200 gateway error object", 200, nil, oaiErr("server_error", ""), RetryBackoff},
		{"200 gateway quota", 200, nil, oaiErr("insufficient_quota", "insufficient_quota"), TerminalAccount},
		{"400", 400, nil, oaiErr("invalid_request_error", ""), TerminalRequest},
		{"401", 401, nil, oaiErr("invalid_request_error", "invalid_api_key"), TerminalRequest},
		{"403", 403, nil, nil, TerminalRequest},
		{"404 model", 404, nil, oaiErr("invalid_request_error", "model_not_found"), TerminalRequest},
		{"413", 413, nil, nil, TerminalRequest},
		{"422", 422, nil, nil, TerminalRequest},
		{"400 context length", 400, nil, oaiErr("invalid_request_error", "context_length_exceeded"), TerminalRequest},
		{"408", 408, nil, nil, RetryBackoff},
		{"409", 409, nil, nil, RetryBackoff},
		{"429 rpm with retry-after", 429, hdr("retry-after", "2"), oaiErr("requests", "rate_limit_exceeded"), RetryAfterWait},
		{"429 tpm with retry-after-ms", 429, hdr("retry-after-ms", "9816"), oaiErr("tokens", "rate_limit_exceeded"), RetryAfterWait},
		{"429 no wait", 429, nil, oaiErr("tokens", "rate_limit_exceeded"), RetryBackoff},
		{"429 garbage wait", 429, hdr("retry-after", "soon"), nil, RetryBackoff},
		{"429 slow_down", 429, nil, oaiErr("rate_limit_error", "slow_down"), RetryBackoff},
		{"429 too large should-retry false", 429, hdr("x-should-retry", "false"), oaiErr("tokens", "rate_limit_exceeded"), TerminalRequest},
		{"429 insufficient_quota", 429, nil, oaiErr("insufficient_quota", "insufficient_quota"), TerminalAccount},
		{"429 quota wins over should-retry", 429, hdr("x-should-retry", "true"), oaiErr("insufficient_quota", "insufficient_quota"), TerminalAccount},
		{"429 credit", 429, nil, oaiErr("insufficient_quota", "credit_balance_exhausted"), TerminalAccount},
		{"429 org spend", 429, nil, oaiErr("insufficient_quota", "organization_spend_limit_exceeded"), TerminalAccount},
		{"429 project spend", 429, nil, oaiErr("insufficient_quota", "project_spend_limit_exceeded"), TerminalAccount},
		{"429 usage", 429, nil, oaiErr("insufficient_quota", "organization_usage_limit_exceeded"), TerminalAccount},
		{"429 billing hard limit, code null", 429, nil, []byte(`{"error":{"message":"x","type":"billing_hard_limit_reached","code":null}}`), TerminalAccount},
		{"403 access terminated", 403, nil, oaiErr("access_terminated", "access_terminated"), TerminalAccount},
		{"402", 402, nil, nil, TerminalAccount},
		{"500", 500, nil, oaiErr("server_error", ""), RetryBackoff},
		{"500 should-retry false", 500, hdr("x-should-retry", "false"), nil, TerminalRequest},
		{"400 should-retry true", 400, hdr("x-should-retry", "TRUE"), nil, RetryBackoff},
		{"400 should-retry true with wait", 400, hdr("x-should-retry", "true", "retry-after-ms", "5"), nil, RetryAfterWait},
		{"501", 501, nil, nil, TerminalRequest},
		{"502 html", 502, nil, []byte("<html>bad gateway</html>"), RetryBackoff},
		{"503 overloaded", 503, hdr("retry-after", "1"), oaiErr("service_unavailable_error", "server_is_overloaded"), RetryAfterWait},
		{"504", 504, nil, nil, RetryBackoff},
		{"529", 529, nil, []byte(`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`), RetryBackoff},
		{"astra 500 errors array", 500, nil, []byte(`{"errors":[{"errorCode":"SERVER_UNHANDLED_ERROR","message":"x"}]}`), RetryBackoff},
		{"astra 401 errors array", 401, nil, []byte(`{"errors":[{"message":"bad token"}]}`), TerminalRequest},
		{"numeric code", 500, nil, []byte(`{"error":{"code":500,"message":"x"}}`), RetryBackoff},
		{"string error", 503, nil, []byte(`{"error":"overloaded"}`), RetryBackoff},
		{"garbage body", 500, nil, []byte(`{"error":`), RetryBackoff},
		{"418", 418, nil, nil, TerminalRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Classify(tt.status, tt.header, tt.body))
		})
	}
}

func TestParseErrorBody(t *testing.T) {
	ae, ok := parseErrorBody([]byte(`{"error":{"message":"You exceeded","type":"insufficient_quota","param":"model","code":"insufficient_quota"}}`), true)
	assert.True(t, ok)
	assert.Equal(t, apiError{Type: "insufficient_quota", Code: "insufficient_quota", Message: "You exceeded", Param: "model"}, ae)
	ae, ok = parseErrorBody([]byte(`{"errors":[{"errorCode":"COLLECTION_NOT_EXIST","message":"no"}]}`), true)
	assert.True(t, ok)
	assert.Equal(t, "COLLECTION_NOT_EXIST", ae.Code)
	_, ok = parseErrorBody([]byte(`[1,2]`), true)
	assert.False(t, ok)
	_, ok = parseErrorBody([]byte(`{"errors":"nope"}`), true)
	assert.False(t, ok)
}

func TestServerWait(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		h    http.Header
		want time.Duration
		ok   bool
	}{
		{"none", nil, 0, false},
		{"ms", hdr("retry-after-ms", "1500"), 1500 * time.Millisecond, true},
		{"ms fraction", hdr("retry-after-ms", "0.5"), 500 * time.Microsecond, true},
		{"ms first", hdr("retry-after-ms", "20", "retry-after", "7"), 20 * time.Millisecond, true},
		{"ms garbage falls back", hdr("retry-after-ms", "x", "retry-after", "7"), 7 * time.Second, true},
		{"seconds", hdr("retry-after", "2"), 2 * time.Second, true},
		{"seconds fraction", hdr("retry-after", "0.25"), 250 * time.Millisecond, true},
		{"zero", hdr("retry-after", "0"), 0, true},
		{"negative", hdr("retry-after", "-3"), 0, false},
		{"negative ms", hdr("retry-after-ms", "-3"), 0, false},
		{"nan", hdr("retry-after", "NaN"), 0, false},
		{"inf", hdr("retry-after-ms", "+Inf"), 0, false},
		{"days", hdr("retry-after", "864000"), 0, false},
		{"date", hdr("retry-after", now.Add(3*time.Second).Format(http.TimeFormat)), 3 * time.Second, true},
		{"past date", hdr("retry-after", now.Add(-time.Hour).Format(http.TimeFormat)), 0, true},
		{"garbage", hdr("retry-after", "tomorrow-ish"), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := serverWaitAt(tt.h, now)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, d)
		})
	}
}

func TestParseResetDuration(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := map[string]time.Duration{
		"6m0s":    6 * time.Minute,
		"1s":      time.Second,
		"120ms":   120 * time.Millisecond,
		"1m30.5s": 90*time.Second + 500*time.Millisecond,
		"9.816s":  9816 * time.Millisecond,
		"0s":      0,
		"0":       0,
		"20":      20 * time.Second,
		"0.5":     500 * time.Millisecond,
		" 12ms ":  12 * time.Millisecond,
		"":        -1,
		"-1":      -1,
		"-5s":     -1,
		"banana":  -1,
		"1e400":   -1,
		"NaN":     -1,
		"999h":    -1,
		now.Add(2 * time.Second).Format(time.RFC3339): 2 * time.Second,
		now.Add(-time.Minute).Format(time.RFC3339):    0,
	}
	for in, want := range tests {
		assert.Equal(t, want, parseResetAt(in, now), "input %q", in)
	}
}

func TestParseRateLimit(t *testing.T) {
	r := ParseRateLimit(hdr(
		"x-ratelimit-limit-requests", "5000",
		"x-ratelimit-remaining-requests", "4999",
		"x-ratelimit-reset-requests", "12ms",
		"x-ratelimit-limit-tokens", "160000",
		"x-ratelimit-remaining-tokens", "159976",
		"x-ratelimit-reset-tokens", "9ms",
	))
	assert.Equal(t, RateLimitInfo{LimitRequests: 5000, LimitTokens: 160000, RemainingRequests: 4999, RemainingTokens: 159976, ResetRequests: 12 * time.Millisecond, ResetTokens: 9 * time.Millisecond}, r)
	assert.True(t, r.Known())

	azure := ParseRateLimit(hdr("x-ratelimit-limit-tokens", "-1", "x-ratelimit-remaining-tokens", "-1", "x-ratelimit-reset-tokens", "0"))
	assert.Equal(t, int64(-1), azure.LimitTokens)
	assert.Equal(t, int64(-1), azure.RemainingTokens)
	assert.Equal(t, time.Duration(0), azure.ResetTokens)

	garbage := ParseRateLimit(hdr("x-ratelimit-remaining-requests", "lots", "x-ratelimit-limit-requests", "1e99", "x-ratelimit-reset-requests", "soon"))
	assert.False(t, garbage.Known())
	assert.False(t, ParseRateLimit(nil).Known())
	assert.Equal(t, int64(149984), ParseRateLimit(hdr("x-ratelimit-remaining-tokens", "149984.7")).RemainingTokens)
}

func TestErrorIs(t *testing.T) {
	quota := &Error{StatusCode: 429, Type: "insufficient_quota", Code: "insufficient_quota", Class: TerminalAccount}
	assert.ErrorIs(t, quota, ErrQuotaExhausted)
	assert.NotErrorIs(t, quota, ErrRateLimited)

	rl := &Error{StatusCode: 429, Type: "tokens", Code: "rate_limit_exceeded", Class: RetryAfterWait}
	assert.ErrorIs(t, rl, ErrRateLimited)
	assert.NotErrorIs(t, rl, ErrRequestTooLarge)

	big := &Error{StatusCode: 429, Type: "tokens", Code: "rate_limit_exceeded", Class: TerminalRequest}
	assert.ErrorIs(t, big, ErrRequestTooLarge)
	assert.ErrorIs(t, &Error{StatusCode: 413, Class: TerminalRequest}, ErrRequestTooLarge)

	to := &Error{Err: errAttemptTimeout, Class: RetryBackoff}
	assert.ErrorIs(t, to, ErrTimeout)
	assert.True(t, errors.Is(to, ErrTimeout))

	msg := (&Error{StatusCode: 429, Type: "tokens", Code: "rate_limit_exceeded", Message: "slow down", RequestID: "req_1", Attempts: 3}).Error()
	assert.Equal(t, "apiclient: status 429 (rate_limit_exceeded/tokens): slow down [request id req_1] after 3 attempts", msg)
}

func FuzzServerWait(f *testing.F) {
	for _, s := range []string{"1", "1.5", "-1", "NaN", "Wed, 21 Oct 2015 07:28:00 GMT", "", "1e308", "0x10"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, ms, s string) {
		d, ok := ServerWait(hdr("retry-after-ms", ms, "retry-after", s))
		if d < 0 || d > maxHeaderWait || (!ok && d != 0) {
			t.Fatalf("ServerWait(%q, %q) = %v, %v", ms, s, d, ok)
		}
	})
}

func FuzzParseResetDuration(f *testing.F) {
	for _, s := range []string{"6m0s", "1s", "120ms", "1m30.5s", "-1", "garbage", "2026-01-01T00:00:00Z", "1e9", "9223372036854775807ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := ParseResetDuration(s)
		if d < -1 || d > maxHeaderWait {
			t.Fatalf("ParseResetDuration(%q) = %v", s, d)
		}
		info := ParseRateLimit(hdr("x-ratelimit-remaining-tokens", s, "x-ratelimit-reset-tokens", s))
		if info.RemainingTokens < -1 {
			t.Fatalf("negative remaining %d for %q", info.RemainingTokens, s)
		}
		l := NewRateLimiter(10, time.Minute, 100, time.Minute)
		info.InFlightTokens = int64(len(s))
		l.Update(info)
		if _, tok := l.Tokens(); tok < 0 {
			t.Fatalf("bucket went negative: %v", tok)
		}
	})
}

func FuzzClassify(f *testing.F) {
	f.Add(429, "", `{"error":{"type":"insufficient_quota","code":"insufficient_quota"}}`)
	f.Add(500, "false", `{"errors":[{"errorCode":"X"}]}`)
	f.Add(200, "", `{"error":{"code":12}}`)
	f.Add(503, "true", `{"error":"x"}`)
	f.Fuzz(func(t *testing.T, status int, shouldRetry, body string) {
		c := Classify(status, hdr("x-should-retry", shouldRetry), []byte(body))
		if c < Success || c > TerminalAccount {
			t.Fatalf("class %v", c)
		}
		if status >= 200 && status < 400 && c == TerminalRequest && !strings.EqualFold(strings.TrimSpace(shouldRetry), "false") {
			// a 2xx is never terminal-request unless the server said so
			ae, _ := parseErrorBody([]byte(body), false)
			if !tooLargeCodes[ae.Code] && !tooLargeCodes[ae.Type] {
				t.Fatalf("2xx classified %v", c)
			}
		}
	})
}
