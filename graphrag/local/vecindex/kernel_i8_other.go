//go:build !amd64

package vecindex

// dotsI8 writes into out[i] the integer dot product of q with row i of
// rows (len(out) rows of stride values each; len(q) == stride).
func dotsI8(q []int16, rows []int8, stride int, out []int32) {
	dotsI8Go(q, rows, stride, out)
}

// prefetch is a no-op where there is no prefetch instruction wrapper.
func prefetch(base []int8, stride int, rows []uint32) {}
