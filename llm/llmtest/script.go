package llmtest

import (
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
)

// Forever, as Script.Times, makes a script usable without limit.
const Forever = -1

// ScriptHeader is the request header that selects scripts by name.
const ScriptHeader = "X-Sim-Script"

// Script is a canned reply. A chat request takes the first script, in the
// order added, that still has uses and whose conditions all hold:
//   - Name, if set, equals the request's X-Sim-Script header;
//   - Match, if set, is a regular expression found in the text of the last
//     user message.
//
// A script with neither condition matches any chat request. Embedding
// requests only take scripts selected by Name, and only their Error or
// Fault. Scripts are consulted after admission, so a request rejected by
// the rate limiter does not use one up.
type Script struct {
	// Name selects the script by X-Sim-Script header.
	Name string `json:"name,omitempty"`
	// Match is a regular expression (RE2) on the last user message.
	Match string `json:"match,omitempty"`
	// Times is how many requests the script serves: 0 means once, N > 0
	// means N times and Forever means without limit.
	Times int `json:"times,omitempty"`
	// Reply is what the request gets.
	Reply Reply `json:"reply"`
}

// Reply is a canned response: an error, a fault, or an assistant message
// with content and/or tool calls (given to every choice when n > 1).
type Reply struct {
	// Content is the assistant message text.
	Content string `json:"content,omitempty"`
	// ToolCalls are returned as message.tool_calls (finish_reason
	// "tool_calls" unless FinishReason is set).
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
	// FinishReason overrides the finish reason ("stop" or "tool_calls").
	FinishReason string `json:"finish_reason,omitempty"`
	// Error, if set, is sent instead of a completion.
	Error *ErrorReply `json:"error,omitempty"`
	// Fault, if set, is served instead of a completion.
	Fault *Fault `json:"fault,omitempty"`
}

// ToolCall is one function call in a scripted reply.
type ToolCall struct {
	// ID is the call id; default "call_" plus a hash-derived suffix.
	ID string `json:"id,omitempty"`
	// Name is the function name.
	Name string `json:"name"`
	// Arguments is the JSON-encoded argument object, e.g. `{"q":"x"}`.
	Arguments string `json:"arguments"`
}

type scriptEntry struct {
	name  string
	re    *regexp.Regexp
	left  int // uses left; < 0 = forever
	reply Reply
}

// scriptSet is a FIFO list of scripts; n lets requests skip the lock when
// it is empty.
type scriptSet struct {
	mu      sync.Mutex
	n       atomic.Int32
	entries []*scriptEntry
}

func compileScript(sc Script) (*scriptEntry, error) {
	e := &scriptEntry{name: sc.Name, left: sc.Times, reply: sc.Reply}
	if sc.Times == 0 {
		e.left = 1
	} else if sc.Times < Forever {
		return nil, fmt.Errorf("times %d: want ≥ 0 or Forever", sc.Times)
	}
	if sc.Match != "" {
		re, err := regexp.Compile(sc.Match)
		if err != nil {
			return nil, fmt.Errorf("match: %w", err)
		}
		e.re = re
	}
	if sc.Reply.Fault != nil {
		if err := sc.Reply.Fault.validate(); err != nil {
			return nil, err
		}
	}
	if sc.Reply.Error != nil && (sc.Reply.Error.Status < 400 || sc.Reply.Error.Status > 599) {
		return nil, fmt.Errorf("error status %d not in 400..599", sc.Reply.Error.Status)
	}
	for _, tc := range sc.Reply.ToolCalls {
		if tc.Name == "" {
			return nil, fmt.Errorf("tool call without a name")
		}
	}
	return e, nil
}

// newScriptSet compiles scripts already validated by Config.withDefaults.
func newScriptSet(scripts []Script) *scriptSet {
	s := &scriptSet{}
	for _, sc := range scripts {
		if e, err := compileScript(sc); err == nil {
			s.entries = append(s.entries, e)
		}
	}
	s.n.Store(int32(len(s.entries)))
	return s
}

func (s *scriptSet) add(e *scriptEntry) {
	s.mu.Lock()
	s.entries = append(s.entries, e)
	s.n.Store(int32(len(s.entries)))
	s.mu.Unlock()
}

// take finds, uses up and returns the first matching script reply.
// lastUser is nil for embedding requests.
func (s *scriptSet) take(name string, lastUser *string) (Reply, bool) {
	if s.n.Load() == 0 {
		return Reply{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range s.entries {
		if e.name != "" && e.name != name {
			continue
		}
		if lastUser == nil {
			if e.name == "" {
				continue
			}
		} else if e.re != nil && !e.re.MatchString(*lastUser) {
			continue
		}
		if e.left > 0 {
			e.left--
			if e.left == 0 {
				s.entries = append(s.entries[:i:i], s.entries[i+1:]...)
				s.n.Store(int32(len(s.entries)))
			}
		}
		return e.reply, true
	}
	return Reply{}, false
}
