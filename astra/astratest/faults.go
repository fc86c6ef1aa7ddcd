package astratest

import (
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// FaultKind names an injected fault. The spec (§1.3) says servers answer
// command errors with HTTP 200 and an errors array, and that proxies and
// gateways may add 500, 502, 503 and 504; the kinds cover both, plus
// connection-level failures.
type FaultKind string

// Fault kinds.
const (
	// FaultServerError is HTTP 500 with a JSON body holding one SERVER
	// family UNEXPECTED_SERVER_ERROR.
	FaultServerError FaultKind = "server_error"
	// FaultBadGateway is HTTP 502 with an HTML body, as a gateway sends it.
	FaultBadGateway FaultKind = "bad_gateway"
	// FaultUnavailable is HTTP 503 with an HTML body.
	FaultUnavailable FaultKind = "unavailable"
	// FaultGatewayTimeout is HTTP 504 with an HTML body.
	FaultGatewayTimeout FaultKind = "gateway_timeout"
	// FaultRateLimited is HTTP 429 with a retry-after header (whole
	// seconds of [FaultRule.RetryAfter], default 1).
	FaultRateLimited FaultKind = "rate_limited"
	// FaultTimeoutError is HTTP 200 with a SERVER family DATABASE error,
	// TIMEOUT_READING_DATA for reads or TIMEOUT_WRITING_DATA for writes,
	// whose message ends "It is safe to retry this request." only for
	// reads.
	FaultTimeoutError FaultKind = "timeout_error"
	// FaultUnavailableError is HTTP 200 with a SERVER family
	// UNAVAILABLE_DATABASE error.
	FaultUnavailableError FaultKind = "unavailable_database"
	// FaultReset closes the connection with a TCP RST and no response.
	FaultReset FaultKind = "reset"
	// FaultSlow adds [FaultRule.Delay] to the normal response.
	FaultSlow FaultKind = "slow"
)

// FaultRule injects a fault into matching requests. A request matches when
// every set condition holds; the first matching rule of [WithFaults] wins.
type FaultRule struct {
	// Kind is the fault to serve. Required.
	Kind FaultKind
	// Commands restricts the rule to these command names (e.g. "find");
	// empty matches every command.
	Commands []string
	// From and To bound the 1-based ordinal of the request among all
	// command requests (inclusive; 0 leaves a side open).
	From, To int64
	// Every matches every Nth request ordinal (0 or 1: every request).
	Every int64
	// Probability, in (0, 1), matches that fraction of the otherwise
	// matching requests, decided by the seeded generator; 0 means always.
	Probability float64
	// Delay is waited before the fault is served (for FaultSlow, before the
	// normal response).
	Delay time.Duration
	// AfterApply executes the command before serving the fault, so a write
	// is applied although its response is lost; it models the case where a
	// client must not blindly re-send a write. Ignored for FaultSlow.
	AfterApply bool
	// RetryAfter is sent as retry-after with FaultRateLimited.
	RetryAfter time.Duration
}

func (f FaultRule) validate() error {
	switch f.Kind {
	case FaultServerError, FaultBadGateway, FaultUnavailable, FaultGatewayTimeout, FaultRateLimited,
		FaultTimeoutError, FaultUnavailableError, FaultReset, FaultSlow:
	default:
		return errors.New("unknown fault kind " + strconv.Quote(string(f.Kind)))
	}
	if f.Probability < 0 || f.Probability >= 1 && f.Probability != 1 {
		return errors.New("probability must be in [0, 1]")
	}
	if f.Delay < 0 || f.RetryAfter < 0 {
		return errors.New("durations must not be negative")
	}
	return nil
}

// pickFault returns the first rule matching the request, or nil.
func (s *Server) pickFault(ordinal int64, command string) *FaultRule {
	for i := range s.cfg.faults {
		f := &s.cfg.faults[i]
		if len(f.Commands) > 0 && !slices.Contains(f.Commands, command) {
			continue
		}
		if f.From > 0 && ordinal < f.From || f.To > 0 && ordinal > f.To {
			continue
		}
		if f.Every > 1 && ordinal%f.Every != 0 {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && s.random() >= f.Probability {
			continue
		}
		return f
	}
	return nil
}

// serveFault writes the fault's response (or resets the connection).
func (s *Server) serveFault(w http.ResponseWriter, f *FaultRule, command string) {
	s.stats.fault(f.Kind)
	switch f.Kind {
	case FaultReset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case FaultServerError:
		e := errf("UNEXPECTED_SERVER_ERROR", "Unexpected server error: injected fault")
		s.writeEnvelope(w, http.StatusInternalServerError, obj{{"errors", errorsOf([]*apiError{e})}})
	case FaultBadGateway, FaultUnavailable, FaultGatewayTimeout:
		code := map[FaultKind]int{FaultBadGateway: 502, FaultUnavailable: 503, FaultGatewayTimeout: 504}[f.Kind]
		s.stats.status(code)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		_, _ = w.Write(fmtHTML(code))
	case FaultRateLimited:
		ra := int64(1)
		if f.RetryAfter > 0 {
			ra = int64((f.RetryAfter + time.Second - 1) / time.Second)
		}
		w.Header().Set("Retry-After", strconv.FormatInt(ra, 10))
		s.stats.status(http.StatusTooManyRequests)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write(fmtHTML(http.StatusTooManyRequests))
	case FaultTimeoutError:
		e := errf("TIMEOUT_READING_DATA", "Timeout reading data: the database timed out (injected fault). "+safeToRetry)
		if writeCommands[command] {
			e = errf("TIMEOUT_WRITING_DATA", "Timeout writing data: the write may or may not have been applied (injected fault).")
		}
		s.writeEnvelope(w, http.StatusOK, obj{{"errors", errorsOf([]*apiError{e})}})
	case FaultUnavailableError:
		e := errf("UNAVAILABLE_DATABASE", "Database unavailable (injected fault).")
		s.writeEnvelope(w, http.StatusOK, obj{{"errors", errorsOf([]*apiError{e})}})
	}
}

func fmtHTML(code int) []byte {
	t := http.StatusText(code)
	c := strconv.Itoa(code)
	return []byte("<html><head><title>" + c + " " + t + "</title></head><body><center><h1>" + c + " " + t +
		"</h1></center></body></html>\n")
}

// writeCommands are the commands that change data.
var writeCommands = map[string]bool{
	"insertOne": true, "insertMany": true, "updateOne": true, "updateMany": true, "deleteOne": true,
	"deleteMany": true, "findOneAndUpdate": true, "findOneAndReplace": true, "findOneAndDelete": true,
	"createCollection": true, "deleteCollection": true, "createKeyspace": true, "dropKeyspace": true,
}
