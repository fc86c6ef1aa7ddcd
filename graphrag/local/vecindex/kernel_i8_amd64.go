package vecindex

import "golang.org/x/sys/cpu"

// haveI8Kernel reports whether the AVX2 int8 kernel can run on this CPU.
// It is computed once at start-up and never written afterwards.
var haveI8Kernel = cpu.X86.HasAVX2

// dotsI8AVX2 is implemented in kernel_i8_amd64.s.
//
//go:noescape
func dotsI8AVX2(q *int16, rows *int8, stride, n int, out *int32)

// dotsI8 writes into out[i] the integer dot product of q with row i of
// rows (len(out) rows of stride values each; stride a multiple of 32 and
// len(q) == stride).
func dotsI8(q []int16, rows []int8, stride int, out []int32) {
	n := len(out)
	if n == 0 {
		return
	}
	_ = rows[n*stride-1]
	_ = q[stride-1]
	if haveI8Kernel {
		dotsI8AVX2(&q[0], &rows[0], stride, n, &out[0])
		return
	}
	dotsI8Go(q, rows, stride, out)
}

// prefetchRows is implemented in kernel_i8_amd64.s.
//
//go:noescape
func prefetchRows(base *int8, stride int, rows *uint32, n int)

// prefetch asks the CPU to load the int8 rows listed in rows (row r at
// base[r*stride:]) into cache; it has no other effect.
func prefetch(base []int8, stride int, rows []uint32) {
	if len(rows) == 0 || len(base) == 0 {
		return
	}
	prefetchRows(&base[0], stride, &rows[0], len(rows))
}
