package vecindex

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestDotsI8MatchesReference checks the dispatched kernel (AVX2 where the
// CPU has it) against a plain int64 loop, including the extreme values
// the quantisers can produce.
func TestDotsI8MatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dim := rapid.IntRange(1, 700).Draw(t, "dim")
		stride := i8Stride(dim)
		n := rapid.IntRange(1, 9).Draw(t, "n")
		limit := queryLimit(stride)
		extreme := rapid.Bool().Draw(t, "extreme")
		q := make([]int16, stride)
		rows := make([]int8, n*stride)
		for j := range dim {
			if extreme {
				q[j] = int16(limit)
				if j%3 == 0 {
					q[j] = -int16(limit)
				}
			} else {
				q[j] = int16(rapid.IntRange(-limit, limit).Draw(t, "q"))
			}
		}
		for i := range n {
			for j := range dim {
				v := rapid.IntRange(-127, 127).Draw(t, "x")
				if extreme {
					v = 127
					if j%3 == 0 {
						v = -127
					}
				}
				rows[i*stride+j] = int8(v)
			}
		}
		out := make([]int32, n)
		dotsI8(q, rows, stride, out)
		goOut := make([]int32, n)
		dotsI8Go(q, rows, stride, goOut)
		for i := range n {
			var want int64
			for j := range stride {
				want += int64(q[j]) * int64(rows[i*stride+j])
			}
			require.Equal(t, want, int64(out[i]), "row %d", i)
			require.Equal(t, want, int64(goOut[i]), "portable row %d", i)
		}
	})
}

// TestQuantiseBound checks the error bound the quantised search relies
// on: |x·y − sx·sy·(qx·qy)| ≤ ‖sx·qx‖·‖ry‖ + ‖rx‖.
func TestQuantiseBound(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dim := rapid.IntRange(1, 400).Draw(t, "dim")
		x := make([]float32, dim)
		y := make([]float32, dim)
		for i := range dim {
			x[i] = float32(rapid.Float64Range(-1, 1).Draw(t, "x"))
			y[i] = float32(rapid.Float64Range(-1, 1).Draw(t, "y"))
		}
		require.NoError(t, normaliseInto(x, x))
		require.NoError(t, normaliseInto(y, y))
		stride := i8Stride(dim)
		qx := make([]int8, stride)
		qr := quantiseRow(qx, x)
		qy := make([]int16, stride)
		sy, ry := quantiseQuery(qy, y, queryLimit(stride))
		out := make([]int32, 1)
		dotsI8(qy, qx, stride, out)
		approx := float64(qr.scale) * sy * float64(out[0])
		var exact float64
		for i := range dim {
			exact += float64(x[i]) * float64(y[i])
		}
		bound := float64(qr.norm)*ry + float64(qr.res)*1.000001
		assert.LessOrEqual(t, math.Abs(exact-approx), bound+1e-9)
	})
}

func TestQueryLimitAvoidsOverflow(t *testing.T) {
	for _, stride := range []int{32, 384, 1536, 4096, 8192, 65536} {
		l := queryLimit(stride)
		worst := int64(stride) * 127 * int64(l)
		assert.LessOrEqual(t, worst, int64(math.MaxInt32), "stride %d", stride)
		assert.Positive(t, l, "stride %d", stride)
	}
}
