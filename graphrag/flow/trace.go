package flow

import (
	"errors"
	"time"
)

// Outcome is how a step ended.
type Outcome string

// The outcomes of a step.
const (
	// OutcomeOK: the step returned a nil error.
	OutcomeOK Outcome = "ok"
	// OutcomeFailed: the step returned an error or panicked while the run
	// was still live. The first failure ends the run.
	OutcomeFailed Outcome = "failed"
	// OutcomeCanceled: the step returned an error after the run's context
	// was canceled (by a failure elsewhere or by the caller).
	OutcomeCanceled Outcome = "canceled"
	// OutcomeSkipped: the step never started, because the run ended first.
	OutcomeSkipped Outcome = "skipped"
)

// Trace records a run. Durations are in nanoseconds in JSON.
type Trace struct {
	// StartedAt is the clock's time when the run started.
	StartedAt time.Time `json:"started_at"`
	// Wall is the time from the start to the end of the run.
	Wall time.Duration `json:"wall_ns"`
	// SumSteps is the sum of the durations of the steps that started; over
	// Wall it is the average number of steps running at once.
	SumSteps time.Duration `json:"sum_steps_ns"`
	// CriticalPath names the steps on the critical path, first to last (see
	// the package documentation); empty if no step started.
	CriticalPath []string `json:"critical_path"`
	// Steps has one record per step, in the order the steps were added.
	Steps []StepTrace `json:"steps"`
}

// StepTrace records one step. Start and End are offsets from the start of
// the run, zero for a skipped step.
type StepTrace struct {
	// Name is the step's name.
	Name string `json:"name"`
	// Deps names the step's dependencies, in the order given.
	Deps []string `json:"deps,omitempty"`
	// Outcome is how the step ended.
	Outcome Outcome `json:"outcome"`
	// Start is when the step started, from the start of the run.
	Start time.Duration `json:"start_ns"`
	// End is when the step ended, from the start of the run.
	End time.Duration `json:"end_ns"`
	// Duration is End - Start.
	Duration time.Duration `json:"duration_ns"`
	// Error is the message of the step's error (failed or canceled), or of
	// the error it would have had (skipped); empty if ok.
	Error string `json:"error,omitempty"`
	// Critical reports whether the step is on the critical path.
	Critical bool `json:"critical"`
}

// Step returns the record of the step called name.
func (t *Trace) Step(name string) (StepTrace, bool) {
	if t != nil {
		for _, st := range t.Steps {
			if st.Name == name {
				return st, true
			}
		}
	}
	return StepTrace{}, false
}

// incomplete reports whether some step did not end ok.
func (t *Trace) incomplete() bool {
	for _, st := range t.Steps {
		if st.Outcome != OutcomeOK {
			return true
		}
	}
	return false
}

// newTrace builds the trace of a run from its settled nodes.
func newTrace(nodes []*node, start, end time.Time) *Trace {
	t := &Trace{StartedAt: start, Wall: end.Sub(start), Steps: make([]StepTrace, len(nodes))}
	for i, n := range nodes {
		st := StepTrace{Name: n.name, Deps: n.depNames, Outcome: n.outcome}
		if n.started {
			st.Start, st.End, st.Duration = n.start.Sub(start), n.end.Sub(start), n.end.Sub(n.start)
			t.SumSteps += st.Duration
		}
		var se *StepError
		if errors.As(n.res, &se) && se.Step == n.name {
			st.Error = errString(se.Err)
		} else if n.res != nil {
			st.Error = n.res.Error()
		}
		t.Steps[i] = st
	}
	path := criticalPath(nodes)
	t.CriticalPath = make([]string, 0, len(path))
	for _, i := range path {
		t.Steps[i].Critical = true
		t.CriticalPath = append(t.CriticalPath, nodes[i].name)
	}
	return t
}

// criticalPath returns the indexes of the critical path, first to last:
// from the started step that ended last, repeatedly the dependency that
// ended last, reversed. Ties go to the step added later.
func criticalPath(nodes []*node) []int {
	last := -1
	for i, n := range nodes {
		if n.started && (last < 0 || !n.end.Before(nodes[last].end)) {
			last = i
		}
	}
	var path []int
	for last >= 0 {
		path = append(path, last)
		next := -1
		for _, d := range nodes[last].deps {
			if d.started && (next < 0 || d.end.After(nodes[next].end) || d.end.Equal(nodes[next].end) && d.idx > next) {
				next = d.idx
			}
		}
		last = next
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}
