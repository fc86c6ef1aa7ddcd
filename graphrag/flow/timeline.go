package flow

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// DefaultBarWidth is the width of the bars of Trace.String.
const DefaultBarWidth = 40

// String returns the trace as a text timeline with bars DefaultBarWidth
// wide; see Timeline.
func (t *Trace) String() string { return t.Timeline(DefaultBarWidth) }

// Timeline returns the trace as a compact text timeline: a header with the
// wall time, the sum of step times and the critical path, then one line per
// step, in the order added:
//
//	wall 45ms  sum 50ms  critical a -> slow -> d
//	* a      +0s    10ms  [##########...................................]  ok
//	  fast   +10ms   5ms  [..........#####..............................]  ok
//
// A '*' marks a step on the critical path; the offset is the step's start
// from the start of the run; the bar spans [Start, End] over width cells
// (at least one cell for a started step, none for a skipped one); a failed
// or canceled step's line ends with the first line of its error. Durations
// are rounded to three significant digits. width < 1 uses DefaultBarWidth.
func (t *Trace) Timeline(width int) string {
	if t == nil {
		return "<nil trace>"
	}
	if width < 1 {
		width = DefaultBarWidth
	}
	var b strings.Builder
	fmt.Fprintf(&b, "wall %s  sum %s  critical %s\n", fmtDur(t.Wall), fmtDur(t.SumSteps), pathText(t.CriticalPath))

	nameW, offW, durW := 0, 0, 0
	offs, durs := make([]string, len(t.Steps)), make([]string, len(t.Steps))
	for i, st := range t.Steps {
		offs[i], durs[i] = "-", "-"
		if st.Outcome != OutcomeSkipped {
			offs[i], durs[i] = "+"+fmtDur(st.Start), fmtDur(st.Duration)
		}
		nameW, offW, durW = max(nameW, len(st.Name)), max(offW, len(offs[i])), max(durW, len(durs[i]))
	}
	for i, st := range t.Steps {
		mark := ' '
		if st.Critical {
			mark = '*'
		}
		fmt.Fprintf(&b, "%c %-*s  %-*s  %*s  [%s]  %s", mark, nameW, st.Name, offW, offs[i], durW, durs[i], bar(st, t.Wall, width), st.Outcome)
		if st.Error != "" && (st.Outcome == OutcomeFailed || st.Outcome == OutcomeCanceled) {
			msg, _, _ := strings.Cut(st.Error, "\n")
			b.WriteString(": " + msg)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// pathText joins a critical path with arrows ("-" if empty).
func pathText(path []string) string {
	if len(path) == 0 {
		return "-"
	}
	return strings.Join(path, " -> ")
}

// bar draws st's span over width cells for a run of length wall.
func bar(st StepTrace, wall time.Duration, width int) string {
	cells := []byte(strings.Repeat(".", width))
	if st.Outcome == OutcomeSkipped {
		return string(cells)
	}
	from, to := 0, 1
	if wall > 0 {
		scale := float64(width) / float64(wall)
		from = int(clamp(math.Floor(float64(st.Start)*scale), 0, float64(width-1)))
		to = int(clamp(math.Ceil(float64(st.End)*scale), float64(from+1), float64(width)))
	}
	for i := from; i < to; i++ {
		cells[i] = '#'
	}
	return string(cells)
}

// clamp limits v to [lo, hi].
func clamp(v, lo, hi float64) float64 { return min(max(v, lo), hi) }

// fmtDur formats d rounded to three significant digits.
func fmtDur(d time.Duration) string {
	if d < 0 {
		return "-" + fmtDur(-d)
	}
	unit := time.Duration(1)
	for x := d; x >= 1000; x /= 10 {
		unit *= 10
	}
	return d.Round(unit).String()
}
