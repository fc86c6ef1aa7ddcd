package vecindex

import "math"

// The exact index keeps, beside each float32 row, an int8 copy used for a
// first pass that reads a quarter of the memory. A row x (unit length) is
// stored as int8 values qx with a per-row scale sx = max|x_i|/127, so
// x = sx·qx + rx with a residual rx whose norm is recorded. The query is
// quantised to int16 the same way. The integer dot product then gives
// approx = sx·sy·(qx·qy), and
//
//	|x·y − approx| ≤ ‖sx·qx‖·‖ry‖ + ‖rx‖·‖y‖
//
// which is the per-row error bound the search uses to decide which rows
// must be rescored exactly (see Exact.searchQuantised).

// i8Stride is the padded length of an int8 row: the kernel reads 32 values
// at a time, so rows are zero-padded to a multiple of 32.
func i8Stride(dim int) int { return (dim + 31) &^ 31 }

// quantRow holds what the error bound needs about one quantised row.
type quantRow struct {
	scale float32 // sx
	norm  float32 // ‖sx·qx‖
	res   float32 // ‖rx‖
}

// quantiseRow writes the int8 form of the unit vector v into dst (length
// i8Stride(len(v)), padding zeroed) and returns its scale and norms.
func quantiseRow(dst []int8, v []float32) quantRow {
	clear(dst)
	var maxAbs float64
	for _, x := range v {
		maxAbs = max(maxAbs, math.Abs(float64(x)))
	}
	if maxAbs == 0 {
		return quantRow{}
	}
	// The norms are computed with the float32 scale the search will use,
	// so sx·qx is exactly the vector they describe.
	s32 := float32(maxAbs / 127)
	s := float64(s32)
	var nn, rr float64
	for i, x := range v {
		q := math.Round(float64(x) / s)
		q = max(-127, min(127, q))
		dst[i] = int8(q)
		d := s * q
		nn += d * d
		r := float64(x) - d
		rr += r * r
	}
	// Round the norms up so the bound built from them stays a bound.
	return quantRow{
		scale: s32,
		norm:  math.Nextafter32(float32(math.Sqrt(nn)), math.MaxFloat32),
		res:   math.Nextafter32(float32(math.Sqrt(rr)), math.MaxFloat32),
	}
}

// queryLimit is the largest int16 magnitude a query component may take so
// that no int32 sum in the kernel can overflow for rows of the given
// stride: the whole dot product is at most stride·127·limit.
func queryLimit(stride int) int {
	l := math.MaxInt32 / (127 * max(1, stride))
	return max(1, min(math.MaxInt16, l))
}

// quantiseQuery writes the int16 form of the unit vector v into dst
// (length stride, padding zeroed) using at most limit per component, and
// returns the scale and the residual norm ‖ry‖ (rounded up).
func quantiseQuery(dst []int16, v []float32, limit int) (scale, res float64) {
	clear(dst)
	var maxAbs float64
	for _, x := range v {
		maxAbs = max(maxAbs, math.Abs(float64(x)))
	}
	if maxAbs == 0 {
		return 0, 0
	}
	s := maxAbs / float64(limit)
	var rr float64
	for i, x := range v {
		q := math.Round(float64(x) / s)
		q = max(-float64(limit), min(float64(limit), q))
		dst[i] = int16(q)
		r := float64(x) - s*q
		rr += r * r
	}
	return s, math.Nextafter(math.Sqrt(rr), math.MaxFloat64)
}

// dotsI8Go is the portable form of the int8 kernel.
func dotsI8Go(q []int16, rows []int8, stride int, out []int32) {
	q = q[:stride]
	for i := range out {
		row := rows[i*stride : (i+1)*stride : (i+1)*stride]
		var s0, s1, s2, s3 int32
		j := 0
		for ; j+4 <= stride; j += 4 {
			s0 += int32(q[j]) * int32(row[j])
			s1 += int32(q[j+1]) * int32(row[j+1])
			s2 += int32(q[j+2]) * int32(row[j+2])
			s3 += int32(q[j+3]) * int32(row[j+3])
		}
		for ; j < stride; j++ {
			s0 += int32(q[j]) * int32(row[j])
		}
		out[i] = (s0 + s1) + (s2 + s3)
	}
}
