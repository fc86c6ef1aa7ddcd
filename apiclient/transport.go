package apiclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// maxStreamErrorBody bounds how much of an error response RoundTrip reads
// to classify it (and hands back to the caller).
const maxStreamErrorBody = 1 << 20

// attemptOut is the outcome of one attempt.
type attemptOut struct {
	resp    *http.Response // nil on transport error
	body    []byte         // buffered body (Do, or error bodies in stream mode)
	err     error          // transport or timeout error when resp == nil
	ctxDone bool           // the caller's context ended during the attempt
	class   Class
	api     apiError
	wait    time.Duration // server-requested wait
	hasWait bool
	rl      RateLimitInfo
	latency time.Duration
	closeFn func() // stream success: ends the attempt when the body is done
	notSent bool   // the attempt failed before reaching the transport
}

// attempt sends one attempt of req. In stream mode a successful response is
// returned with its body unread; closeFn must run when the body is done.
func (c *Client) attempt(ctx context.Context, req *http.Request, getBody func() (io.ReadCloser, error), n int, stream bool) *attemptOut {
	out := &attemptOut{rl: unknownRateLimit}
	tgt := ""
	if c.hooks.OnAttemptStart != nil || c.hooks.OnAttemptEnd != nil {
		tgt = target(req.URL)
	}
	actx, cancel := context.WithCancelCause(ctx)
	var attemptTimer, fbTimer *time.Timer
	if d := c.cfg.attemptTimeout; d > 0 {
		attemptTimer = time.AfterFunc(d, func() { cancel(errAttemptTimeout) })
	}
	if d := c.cfg.firstByteTimeout; d > 0 {
		fbTimer = time.AfterFunc(d, func() { cancel(errFirstByteTimeout) })
	}
	stop := func() {
		if attemptTimer != nil {
			attemptTimer.Stop()
		}
		if fbTimer != nil {
			fbTimer.Stop()
		}
	}
	r := req.WithContext(actx)
	if getBody != nil {
		b, err := getBody()
		if err != nil {
			stop()
			cancel(nil)
			out.err, out.class, out.notSent = fmt.Errorf("replaying request body: %w", err), TerminalRequest, true
			return out
		}
		r.Body = b
	}
	if c.hooks.OnAttemptStart != nil {
		c.hooks.OnAttemptStart(ctx, AttemptStart{Method: req.Method, Target: tgt, Attempt: n})
	}
	c.ctr.attempts.Add(1)
	start := time.Now()
	resp, err := c.base.RoundTrip(r)
	if fbTimer != nil {
		fbTimer.Stop()
	}
	if err == nil && (!stream || resp.StatusCode >= 400) {
		var body []byte
		if stream {
			body, err = io.ReadAll(io.LimitReader(resp.Body, maxStreamErrorBody))
		} else {
			body, err = readAll(resp.Body, resp.ContentLength)
		}
		resp.Body.Close()
		if err != nil {
			err = fmt.Errorf("reading response body (status %d): %w", resp.StatusCode, err)
			resp = nil
		} else {
			out.body = body
			resp.Body = http.NoBody
		}
	}
	out.latency = time.Since(start)
	if err != nil {
		stop()
		cancel(nil)
		out.class, out.ctxDone, out.err = c.transportError(ctx, actx, err)
	} else {
		out.resp = resp
		out.class, out.api = classify(resp.StatusCode, resp.Header, out.body)
		out.wait, out.hasWait = ServerWait(resp.Header)
		out.rl = ParseRateLimit(resp.Header)
		if stream && out.class == Success {
			stop()
			out.closeFn = func() { cancel(nil) }
		} else {
			stop()
			cancel(nil)
		}
	}
	if c.hooks.OnAttemptEnd != nil {
		e := AttemptEnd{Method: req.Method, Target: tgt, Attempt: n, Class: out.class, Err: out.err, Latency: out.latency}
		if out.resp != nil {
			e.StatusCode = out.resp.StatusCode
		}
		c.hooks.OnAttemptEnd(ctx, e)
	}
	return out
}

// readAll reads a body, pre-sizing the buffer from Content-Length.
func readAll(r io.Reader, n int64) ([]byte, error) {
	if n <= 0 || n > 64<<20 {
		return io.ReadAll(r)
	}
	buf := bytes.NewBuffer(make([]byte, 0, n+1))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// transportError classifies an error from the base transport or the body
// read: the caller's context ending is terminal (ctxDone), a client timer
// is a retryable timeout, certificate errors are terminal, and everything
// else (resets, EOFs, refused connections) is retryable.
func (c *Client) transportError(ctx, actx context.Context, err error) (Class, bool, error) {
	if ctx.Err() != nil {
		return TerminalRequest, true, ctxError(ctx)
	}
	if cause := context.Cause(actx); cause == errAttemptTimeout || cause == errFirstByteTimeout {
		return RetryBackoff, false, cause
	}
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) {
		return TerminalRequest, false, err
	}
	return RetryBackoff, false, err
}

// ctxError returns ctx's error, wrapping its cause when that differs.
func ctxError(ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("%w: %w", err, cause)
	}
	return err
}

// RoundTrip implements http.RoundTripper with the same admission, pacing,
// retries and breaker as Do. It returns once the response headers of a
// successful attempt are in; the body is streamed to the caller, who must
// close it (the attempt holds its concurrency slot until then). Faults in
// the body after RoundTrip returned (a reset mid-stream) are not retried.
//
// An HTTP error response that ends the request (terminal, or retries
// exhausted) is returned as a response with a nil error, its body buffered
// (up to 1 MiB), so SDKs build their own API errors from it. Failures the
// client decides (context, open circuit, sticky quota, exhausted budget, a
// wait beyond the deadline) and transport failures are returned as an
// *Error. RoundTrip does not modify req and always closes its body.
func (c *Client) RoundTrip(req *http.Request) (*http.Response, error) {
	if req == nil {
		return nil, &Error{Class: TerminalRequest, Err: fmt.Errorf("%w: nil request", ErrInvalidRequest)}
	}
	res := c.run(req.Context(), req, true)
	if res.resp != nil && (res.err == nil || res.serverFinal) {
		if res.err == nil {
			return res.resp, nil
		}
		res.resp.Body = io.NopCloser(bytes.NewReader(res.body))
		res.resp.ContentLength = int64(len(res.body))
		return res.resp, nil
	}
	return nil, res.err
}

// streamBody ends the attempt (slot, context) at EOF, error or Close.
type streamBody struct {
	rc   io.ReadCloser
	once sync.Once
	done func()
}

func (b *streamBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil {
		b.once.Do(b.done)
	}
	return n, err
}

func (b *streamBody) Close() error {
	err := b.rc.Close()
	b.once.Do(b.done)
	return err
}

// CloseIdleConnections closes idle connections of the base transport; it
// lets http.Client.CloseIdleConnections reach through the Client.
func (c *Client) CloseIdleConnections() {
	if ci, ok := c.base.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// defaultTransport clones http.DefaultTransport and sizes its idle pool for
// n concurrent attempts, so connections are reused rather than redialled.
func defaultTransport(n int) http.RoundTripper {
	dt, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t := dt.Clone()
	t.MaxIdleConnsPerHost = max(n, t.MaxIdleConnsPerHost)
	t.MaxIdleConns = max(t.MaxIdleConns, 4*n)
	return t
}
