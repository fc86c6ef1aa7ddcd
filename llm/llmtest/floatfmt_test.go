package llmtest

import (
	"math"
	"strconv"
	"testing"

	"pgregory.net/rapid"
)

func TestAppendFloat32RoundTrips(t *testing.T) {
	check := func(t interface{ Fatalf(string, ...any) }, x float32) {
		s := string(appendFloat32(nil, x))
		got, err := strconv.ParseFloat(s, 32)
		if err != nil || float32(got) != x {
			t.Fatalf("%v formatted as %q parses to %v (%v)", x, s, float32(got), err)
		}
	}
	for _, x := range []float32{0, 1, -1, 1e-6, -1e-6, 0.1, 0.099999994, 0.99999994, 9.999999e-7, 0.5, math.SmallestNonzeroFloat32} {
		check(t, x)
	}
	rapid.Check(t, func(rt *rapid.T) {
		check(rt, rapid.Float32Range(-1, 1).Draw(rt, "x"))
		x := math.Float32frombits(rapid.Uint32().Draw(rt, "bits"))
		if !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0) {
			check(rt, x)
		}
	})
}
