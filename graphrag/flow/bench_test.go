package flow_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kgas-dev/kgas/graphrag/flow"
)

// BenchmarkRun measures the executor's overhead per step (building the
// graph, scheduling, a goroutine per step, the trace) with steps that do no
// work, as ns/step.
func BenchmarkRun(b *testing.B) {
	const steps = 100
	shapes := []struct {
		name string
		deps func(i int, futs []*flow.Future[int]) []flow.Dep
	}{
		{"chain", func(i int, futs []*flow.Future[int]) []flow.Dep {
			if i == 0 {
				return nil
			}
			return []flow.Dep{futs[i-1]}
		}},
		{"fan-out", func(i int, futs []*flow.Future[int]) []flow.Dep {
			if i == 0 {
				return nil
			}
			return []flow.Dep{futs[0]}
		}},
		{"layers-of-10", func(i int, futs []*flow.Future[int]) []flow.Dep {
			var ds []flow.Dep
			for j := i - i%10 - 10; j >= 0 && j < i-i%10; j++ {
				ds = append(ds, futs[j])
			}
			return ds
		}},
	}
	noop := func(context.Context) (int, error) { return 1, nil }
	for _, sh := range shapes {
		b.Run(sh.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g := flow.New()
				futs := make([]*flow.Future[int], steps)
				for i := range steps {
					futs[i] = flow.Step(g, fmt.Sprint("s", i), noop, sh.deps(i, futs)...)
				}
				if _, err := g.Run(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*steps), "ns/step")
		})
	}
}
