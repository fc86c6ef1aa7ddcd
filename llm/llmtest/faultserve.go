package llmtest

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// renderFunc renders the normal response body (appended to b), its SSE
// event offsets when streamed, and the completion token count.
type renderFunc func(b []byte) ([]byte, []sseEvent, int)

// serveFault serves f after its Delay. render is nil for rejecting kinds.
func (c *call) serveFault(f *Fault, render renderFunc, snap snapshot) {
	w, h, hs := c.w, c.w.Header(), c.s.cfg.Headers
	c.st.limiter.setRateHeaders(h, hs, snap)
	if !c.sleep(f.Delay) {
		return
	}
	c.rec.Outcome = Outcome(f.Kind)
	if f.RetryAfter > 0 {
		setRetryAfter(h, hs, f.RetryAfter)
	}
	if f.ShouldRetry != "" {
		h["X-Should-Retry"] = []string{f.ShouldRetry}
	}
	if f.Kind == FaultRateLimited && !hs.OmitRateLimit {
		reset := f.RetryAfter
		if c.ruleAt >= 0 {
			if end := c.s.cfg.Faults[c.ruleAt].Before; end > 0 {
				reset = max(reset, end-c.st.since())
			}
		}
		h["X-Ratelimit-Remaining-Requests"] = []string{"0"}
		h["X-Ratelimit-Reset-Requests"] = []string{fmtReset(reset)}
	}
	tokenLimit := c.s.cfg.Limits.Tokens
	if e, ok := f.statusError(c.model, c.cost, tokenLimit); ok && f.Kind != FaultErrorIn200 {
		c.rec.Status = e.Status
		writeError(w, e)
		return
	}
	switch f.Kind {
	case FaultBadGateway:
		c.rec.Status = http.StatusBadGateway
		writeBody(w, http.StatusBadGateway, "text/html", []byte(badGatewayHTML))
		return
	case FaultResetBeforeHeaders:
		if conn, _, ok := c.hijack(); ok {
			reset(conn)
		}
		return
	}
	body, events, _ := render(nil)
	c.rec.Status = http.StatusOK
	ctype := "application/json"
	if c.stream {
		ctype = "text/event-stream"
	}
	switch f.Kind {
	case FaultErrorIn200:
		e, _ := f.statusError(c.model, c.cost, tokenLimit)
		if c.stream {
			body = append(append([]byte("data: "), e.body()...), "\n\n"...)
		} else {
			body = e.body()
		}
		writeBody(w, http.StatusOK, ctype, body)
	case FaultMalformedJSON:
		if c.stream {
			first := events[0].end
			body = append(append(body[:first:first], `data: {"id":"chatcmpl-`...), "\n\ndata: [DONE]\n\n"...)
		} else {
			body = body[:len(body)/2]
		}
		writeBody(w, http.StatusOK, ctype, body)
	case FaultResetMidBody, FaultTruncated, FaultStall:
		c.rawPartial(f, ctype, body, events)
	}
}

// rawPartial takes over the connection, sends the status line, headers and
// part of body, then resets, closes or stalls as f says.
func (c *call) rawPartial(f *Fault, ctype string, body []byte, events []sseEvent) {
	cut := len(body) / 2
	if f.Kind != FaultTruncated && len(events) > 1 {
		cut = events[len(events)/2-1].end // whole events only
	}
	h := c.w.Header()
	h.Set("Content-Type", ctype)
	if c.stream {
		h.Set("Cache-Control", "no-cache")
		h.Set("Connection", "close") // body delimited by the connection
	} else {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	var head bytes.Buffer
	head.WriteString("HTTP/1.1 200 OK\r\n")
	_ = h.Write(&head)
	head.WriteString("\r\n")
	conn, rw, ok := c.hijack()
	if !ok {
		return
	}
	// The server no longer tracks a hijacked conn: bound writes so a client
	// that never reads cannot hold the handler (and Close) forever.
	_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, _ = rw.Write(head.Bytes())
	_, _ = rw.Write(body[:cut])
	if rw.Flush() != nil {
		reset(conn)
		return
	}
	switch f.Kind {
	case FaultTruncated:
		_ = conn.Close() // FIN: the client sees a short body
	case FaultStall:
		c.stall(conn, f.StallFor)
	default:
		time.Sleep(time.Millisecond) // let the partial body reach the client before the RST
		reset(conn)
	}
}

// stall holds conn open until the client closes it, d (default 30s)
// passes or the server closes; then it resets the connection.
func (c *call) stall(conn net.Conn, d time.Duration) {
	if d <= 0 {
		d = DefaultStallFor
	}
	_ = conn.SetReadDeadline(time.Now().Add(d))
	done := make(chan struct{})
	go func() {
		select {
		case <-c.s.quit:
			_ = conn.SetReadDeadline(time.Unix(1, 0))
		case <-done:
		}
	}()
	_, _ = io.Copy(io.Discard, conn)
	close(done)
	reset(conn)
}

// hijack takes over the connection; if the writer cannot be hijacked it
// aborts the response instead.
func (c *call) hijack() (net.Conn, *bufio.ReadWriter, bool) {
	conn, rw, err := http.NewResponseController(c.w).Hijack()
	if err != nil {
		c.rec.Status = 0
		panic(http.ErrAbortHandler)
	}
	return conn, rw, true
}

// reset closes conn with a TCP RST (SO_LINGER 0).
func reset(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
