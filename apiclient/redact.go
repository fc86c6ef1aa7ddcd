package apiclient

import (
	"net/http"
	"net/url"
	"strings"
)

// defaultSecretHeaders are always redacted.
var defaultSecretHeaders = []string{
	"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "Token",
	"X-Cassandra-Token", "Api-Key", "X-Api-Key", "X-Goog-Api-Key",
}

// redactor replaces secret header values with "REDACTED".
type redactor map[string]bool

func newRedactor(extra []string) redactor {
	r := make(redactor, len(defaultSecretHeaders)+len(extra))
	for _, n := range defaultSecretHeaders {
		r[http.CanonicalHeaderKey(n)] = true
	}
	for _, n := range extra {
		r[http.CanonicalHeaderKey(strings.TrimSpace(n))] = true
	}
	return r
}

// header returns a copy of h with secret values replaced.
func (r redactor) header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if r[http.CanonicalHeaderKey(k)] {
			out[k] = []string{"REDACTED"}
			continue
		}
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// RedactHeader returns a copy of h with the values of secret headers
// (Authorization, Cookie, Token, Api-Key, X-Api-Key and the like, plus
// extra) replaced by "REDACTED". Use it before logging headers.
func RedactHeader(h http.Header, extra ...string) http.Header {
	return newRedactor(extra).header(h)
}

// target renders a URL for logs, errors and hooks: scheme, host and path
// only. User info and the query (which may carry a key) are dropped.
func target(u *url.URL) string {
	if u == nil {
		return ""
	}
	var b strings.Builder
	b.Grow(len(u.Scheme) + len(u.Host) + len(u.Path) + 3)
	if u.Scheme != "" {
		b.WriteString(u.Scheme)
		b.WriteString("://")
	}
	b.WriteString(u.Host)
	b.WriteString(u.EscapedPath())
	return b.String()
}
