package llmtest

import (
	"math"
	"strconv"
)

// pow10 returns 10^n for small n ≥ 0.
func pow10(n int) float64 {
	p := 1.0
	for ; n >= 4; n -= 4 {
		p *= 1e4
	}
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// appendFloat32 appends x as a JSON number that parses back to exactly x
// (as float32). It is a fast path for embedding components in [1e-6, 1)
// by magnitude: nine significant digits always round-trip a float32 and
// can be produced with integer arithmetic. Other values use strconv.
func appendFloat32(b []byte, x float32) []byte {
	a := math.Abs(float64(x))
	if !(a >= 1e-6 && a < 1) {
		return strconv.AppendFloat(b, float64(x), 'g', -1, 32)
	}
	// e = floor(log10(a)) ∈ [-6, -1]
	e, t := -1, 0.1
	for a < t {
		e--
		t /= 10
	}
	m := uint64(a*pow10(8-e) + 0.5) // 9 significant digits
	if m >= 1e9 {                   // rounding carried into a new digit
		m /= 10
		e++
		if e >= 0 {
			return strconv.AppendFloat(b, float64(x), 'g', -1, 32)
		}
	}
	// Fill "-0.000ddddddddd" right to left in a local buffer.
	var buf [17]byte
	i := len(buf)
	trailing := true
	for k := 0; k < 9; k++ {
		d := byte('0' + m%10)
		m /= 10
		if trailing && d == '0' && k < 8 {
			continue
		}
		trailing = false
		i--
		buf[i] = d
	}
	for k := -1; k > e; k-- {
		i--
		buf[i] = '0'
	}
	i -= 2
	buf[i], buf[i+1] = '0', '.'
	if x < 0 {
		i--
		buf[i] = '-'
	}
	return append(b, buf[i:]...)
}
