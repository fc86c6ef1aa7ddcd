package llmtest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

type latencyKind uint8

const (
	latencyNone latencyKind = iota
	latencyFixed
	latencyUniform
	latencyLogNormal
)

// Latency is a per-attempt latency distribution. The zero value means no
// latency. Build one with [FixedLatency], [UniformLatency],
// [LogNormalLatency] or [ParseLatency]. Draws are a pure function of the
// server seed and the attempt (its logical request key and attempt number),
// so they do not depend on arrival order.
type Latency struct {
	kind  latencyKind
	a, b  time.Duration
	sigma float64
}

// FixedLatency always waits d.
func FixedLatency(d time.Duration) Latency { return Latency{kind: latencyFixed, a: d} }

// UniformLatency waits a duration drawn uniformly from [lo, hi].
func UniformLatency(lo, hi time.Duration) Latency {
	return Latency{kind: latencyUniform, a: lo, b: hi}
}

// LogNormalLatency waits median·exp(sigma·Z), Z standard normal (the p99 is
// median·exp(2.326·sigma)). Draws are capped at median·exp(6·sigma).
func LogNormalLatency(median time.Duration, sigma float64) Latency {
	return Latency{kind: latencyLogNormal, a: median, sigma: sigma}
}

// ParseLatency parses "0" or "" (none), "fixed:100ms" (or just "100ms"),
// "uniform:50ms-200ms" and "lognormal:400ms,0.5" (median, sigma).
func ParseLatency(s string) (Latency, error) {
	s = strings.TrimSpace(s)
	kind, arg, ok := strings.Cut(s, ":")
	if !ok {
		kind, arg = "fixed", s
	}
	switch kind {
	case "fixed":
		if arg == "" || arg == "0" {
			return Latency{}, nil
		}
		d, err := time.ParseDuration(arg)
		if err != nil {
			return Latency{}, fmt.Errorf("llmtest: latency %q: %w", s, err)
		}
		l := FixedLatency(d)
		return l, l.validate()
	case "uniform":
		lo, hi, ok := strings.Cut(arg, "-")
		if !ok {
			return Latency{}, fmt.Errorf("llmtest: latency %q: want uniform:MIN-MAX", s)
		}
		a, err1 := time.ParseDuration(lo)
		b, err2 := time.ParseDuration(hi)
		if err1 != nil || err2 != nil {
			return Latency{}, fmt.Errorf("llmtest: latency %q: bad duration", s)
		}
		l := UniformLatency(a, b)
		return l, l.validate()
	case "lognormal":
		med, sig, ok := strings.Cut(arg, ",")
		if !ok {
			return Latency{}, fmt.Errorf("llmtest: latency %q: want lognormal:MEDIAN,SIGMA", s)
		}
		m, err1 := time.ParseDuration(med)
		sg, err2 := strconv.ParseFloat(sig, 64)
		if err1 != nil || err2 != nil {
			return Latency{}, fmt.Errorf("llmtest: latency %q: bad median or sigma", s)
		}
		l := LogNormalLatency(m, sg)
		return l, l.validate()
	}
	return Latency{}, fmt.Errorf("llmtest: latency %q: unknown kind %q", s, kind)
}

// String renders l in the syntax accepted by [ParseLatency].
func (l Latency) String() string {
	switch l.kind {
	case latencyFixed:
		return "fixed:" + l.a.String()
	case latencyUniform:
		return "uniform:" + l.a.String() + "-" + l.b.String()
	case latencyLogNormal:
		return "lognormal:" + l.a.String() + "," + strconv.FormatFloat(l.sigma, 'g', -1, 64)
	}
	return "0"
}

func (l Latency) validate() error {
	if l.a < 0 || l.b < 0 || l.sigma < 0 || math.IsNaN(l.sigma) || math.IsInf(l.sigma, 0) {
		return fmt.Errorf("llmtest: latency %s: negative or invalid parameter", l)
	}
	if l.kind == latencyUniform && l.b < l.a {
		return fmt.Errorf("llmtest: latency %s: max < min", l)
	}
	return nil
}

// sample draws a latency from the generator seeded with x.
func (l Latency) sample(x uint64) time.Duration {
	switch l.kind {
	case latencyFixed:
		return l.a
	case latencyUniform:
		return l.a + time.Duration(unit(mix(x))*float64(l.b-l.a+1))
	case latencyLogNormal:
		r := rng{s: x}
		z := min(r.normal(), 6)
		return time.Duration(float64(l.a) * math.Exp(l.sigma*z))
	}
	return 0
}
