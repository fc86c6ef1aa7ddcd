package vecindex

import (
	"math"

	"github.com/viterin/vek/vek32"
)

// accelerated reports whether vek's SIMD kernels are usable on this CPU.
// It is computed once at start-up and never written afterwards.
var accelerated = vek32.Info().Acceleration

// dot returns the dot product of a and b, which must have the same
// non-zero length.
func dot(a, b []float32) float32 {
	if accelerated {
		return vek32.Dot(a, b)
	}
	return dotGo(a, b)
}

// dotGo is the portable kernel: 8-way unrolled with eight accumulators so
// the additions do not form one dependency chain.
func dotGo(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= n; i += 8 {
		aa := a[i : i+8 : i+8]
		bb := b[i : i+8 : i+8]
		s0 += aa[0] * bb[0]
		s1 += aa[1] * bb[1]
		s2 += aa[2] * bb[2]
		s3 += aa[3] * bb[3]
		s4 += aa[4] * bb[4]
		s5 += aa[5] * bb[5]
		s6 += aa[6] * bb[6]
		s7 += aa[7] * bb[7]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

// normaliseInto writes src scaled to unit length into dst (same length).
// A zero vector is copied as zeros. It returns ErrNonFinite when src holds
// a NaN or an infinity.
func normaliseInto(dst, src []float32) error {
	var ss float64
	for _, v := range src {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return ErrNonFinite
		}
		ss += f * f
	}
	if ss == 0 {
		clear(dst)
		return nil
	}
	inv := 1 / math.Sqrt(ss)
	for i, v := range src {
		dst[i] = float32(float64(v) * inv)
	}
	return nil
}
