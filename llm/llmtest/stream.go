package llmtest

import (
	"context"
	"net/http"
	"strconv"
)

// sseEvent marks the end offset of one SSE event in a stream body; token
// events carry content or argument fragments and are paced by TokenDelay.
type sseEvent struct {
	end   int
	token bool
}

// streamBody renders the completion as the SSE body of a streamed reply,
// appended to b: a role chunk, one chunk per content or argument fragment,
// a finish chunk per choice, the usage chunk when includeUsage, and
// "data: [DONE]".
func (c *completion) streamBody(b []byte, includeUsage bool) ([]byte, []sseEvent) {
	events := make([]sseEvent, 0, 8+c.tokens)
	prefix := func(b []byte) []byte {
		b = append(b, `data: {"id":"`...)
		b = append(b, c.id...)
		b = append(b, `","object":"chat.completion.chunk","created":`...)
		b = strconv.AppendInt(b, created, 10)
		b = append(b, `,"model":`...)
		b = appendJSONString(b, c.model)
		return append(b, `,"system_fingerprint":"fp_sim","choices":`...)
	}
	open := func(b []byte, i int) []byte {
		b = prefix(b)
		b = append(b, `[{"index":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		return append(b, `,"delta":`...)
	}
	end := func(b []byte, token bool) []byte {
		b = append(b, "\n\n"...)
		events = append(events, sseEvent{end: len(b), token: token})
		return b
	}
	const tail = `,"logprobs":null,"finish_reason":null}]}`
	for i := range c.choices {
		ch := &c.choices[i]
		b = open(b, i)
		b = append(b, `{"role":"assistant","content":""}`+tail...)
		b = end(b, false)
		pieces(ch.content, func(p string) {
			b = open(b, i)
			b = append(b, `{"content":`...)
			b = appendJSONString(b, p)
			b = append(b, "}"+tail...)
			b = end(b, true)
		})
		for j, tc := range ch.toolCalls {
			b = open(b, i)
			b = append(b, `{"tool_calls":[{"index":`...)
			b = strconv.AppendInt(b, int64(j), 10)
			b = append(b, `,"id":`...)
			b = appendJSONString(b, tc.ID)
			b = append(b, `,"type":"function","function":{"name":`...)
			b = appendJSONString(b, tc.Name)
			b = append(b, `,"arguments":""}}]}`+tail...)
			b = end(b, true)
			pieces(tc.Arguments, func(p string) {
				b = open(b, i)
				b = append(b, `{"tool_calls":[{"index":`...)
				b = strconv.AppendInt(b, int64(j), 10)
				b = append(b, `,"function":{"arguments":`...)
				b = appendJSONString(b, p)
				b = append(b, "}}]}"+tail...)
				b = end(b, true)
			})
		}
		b = open(b, i)
		b = append(b, `{},"logprobs":null,"finish_reason":`...)
		b = appendJSONString(b, ch.finish)
		b = append(b, "}]}"...)
		b = end(b, false)
	}
	if includeUsage {
		b = prefix(b)
		b = append(b, `[],"usage":`...)
		b = appendUsage(b, c.prompt, c.tokens)
		b = append(b, '}')
		b = end(b, false)
	}
	b = append(b, "data: [DONE]\n\n"...)
	events = append(events, sseEvent{end: len(b)})
	return b, events
}

// writeStream sends an SSE body, pacing token events by TokenDelay. It
// reports false when the client went away or the server closed mid-stream.
func (s *Server) writeStream(ctx context.Context, w http.ResponseWriter, body []byte, events []sseEvent) bool {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if s.cfg.TokenDelay <= 0 {
		_, err := w.Write(body)
		return err == nil
	}
	prev, first := 0, true
	for _, e := range events {
		if e.token {
			if !first {
				if rc.Flush() != nil || !s.sleep(ctx, s.cfg.TokenDelay) {
					return false
				}
			}
			first = false
		}
		if _, err := w.Write(body[prev:e.end]); err != nil {
			return false
		}
		prev = e.end
	}
	return rc.Flush() == nil
}
