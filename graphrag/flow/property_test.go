package flow_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/kgas-dev/kgas/graphrag/flow"
)

// TestPropertyRandomDAGs runs random graphs (each step depends on a random
// set of earlier steps), optionally with one failing step and a concurrency
// limit, and checks the executor's invariants.
func TestPropertyRandomDAGs(t *testing.T) {
	errFail := errors.New("planned failure")
	const mod = 1_000_003
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 25).Draw(rt, "n")
		maxConc := rapid.IntRange(0, 4).Draw(rt, "maxConc")
		failAt := rapid.IntRange(-1, n-1).Draw(rt, "failAt") // -1: no failure
		deps := make([][]int, n)
		want := make([]int, n) // 1 + sum of the deps' values, mod
		for i := range n {
			if i > 0 {
				deps[i] = rapid.SliceOfNDistinct(rapid.IntRange(0, i-1), 0, min(i, 4), rapid.ID).Draw(rt, fmt.Sprintf("deps%d", i))
			}
			want[i] = 1
			for _, d := range deps[i] {
				want[i] = (want[i] + want[d]) % mod
			}
		}

		var seq atomic.Int64
		startSeq, endSeq := make([]int64, n), make([]int64, n)
		runs := make([]atomic.Int32, n)
		futs := make([]*flow.Future[int], n)
		g := flow.New(flow.WithMaxConcurrency(maxConc))
		for i := range n {
			ds := make([]flow.Dep, len(deps[i]))
			for k, d := range deps[i] {
				ds[k] = futs[d]
			}
			futs[i] = flow.Step(g, fmt.Sprint("s", i), func(context.Context) (int, error) {
				runs[i].Add(1)
				startSeq[i] = seq.Add(1)
				v := 1
				for _, d := range deps[i] {
					v = (v + futs[d].Value()) % mod
				}
				endSeq[i] = seq.Add(1)
				if i == failAt {
					return 0, errFail
				}
				return v, nil
			}, ds...)
		}

		trace, err := g.Run(context.Background())
		require.NotNil(rt, trace)
		require.Len(rt, trace.Steps, n)

		// Steps downstream of the failure never start.
		downstream := make([]bool, n)
		for i := range n {
			downstream[i] = i == failAt
			for _, d := range deps[i] {
				downstream[i] = downstream[i] || downstream[d]
			}
		}
		var sum time.Duration
		for i, st := range trace.Steps {
			ran := runs[i].Load()
			require.LessOrEqual(rt, ran, int32(1), "step %d ran %d times", i, ran)
			require.Equal(rt, ran == 1, st.Outcome != flow.OutcomeSkipped, "step %d outcome %s", i, st.Outcome)
			sum += st.Duration
			if ran == 1 {
				for _, d := range deps[i] {
					require.Less(rt, endSeq[d], startSeq[i], "step %d started before its dependency %d ended", i, d)
					require.Equal(rt, flow.OutcomeOK, trace.Steps[d].Outcome)
				}
			}
			v, gerr := futs[i].Get()
			if st.Outcome == flow.OutcomeOK {
				require.NoError(rt, gerr)
				require.Equal(rt, want[i], v, "value of step %d", i)
			} else {
				require.Error(rt, gerr)
			}
			if failAt >= 0 && downstream[i] && i != failAt {
				require.Equal(rt, flow.OutcomeSkipped, st.Outcome, "step %d depends on the failed step", i)
			}
		}
		require.Equal(rt, sum, trace.SumSteps)

		if failAt < 0 {
			require.NoError(rt, err)
			for i := range n {
				require.Equal(rt, int32(1), runs[i].Load(), "step %d", i)
			}
		} else {
			var se *flow.StepError
			require.ErrorAs(rt, err, &se)
			require.Equal(rt, fmt.Sprint("s", failAt), se.Step)
			require.ErrorIs(rt, err, errFail)
			require.Equal(rt, flow.OutcomeFailed, trace.Steps[failAt].Outcome)
		}

		// The critical path is a dependency chain from a step without
		// dependencies to the step that ended last.
		path := trace.CriticalPath
		require.NotEmpty(rt, path)
		index := func(name string) int {
			return slices.IndexFunc(trace.Steps, func(s flow.StepTrace) bool { return s.Name == name })
		}
		require.Empty(rt, trace.Steps[index(path[0])].Deps)
		for k := 1; k < len(path); k++ {
			require.Contains(rt, trace.Steps[index(path[k])].Deps, path[k-1])
		}
		last := trace.Steps[index(path[len(path)-1])]
		for _, st := range trace.Steps {
			if st.Outcome != flow.OutcomeSkipped {
				require.LessOrEqual(rt, st.End, last.End)
			}
			require.Equal(rt, slices.Contains(path, st.Name), st.Critical)
		}
	})
}
