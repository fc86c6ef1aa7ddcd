package llmtest

import "math"

// FNV-1a 64-bit constants.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// hashBytes folds b into h with FNV-1a. Start from fnvOffset.
func hashBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// hashString is hashBytes for a string, without converting it.
func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// mix is the splitmix64 finaliser: a cheap, well-distributed bijection.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// mix2 combines two values into one well-mixed value.
func mix2(a, b uint64) uint64 { return mix(a ^ mix(b)) }

// unit maps x to a float64 in [0, 1).
func unit(x uint64) float64 { return float64(x>>11) / (1 << 53) }

// rng is a tiny splitmix64 generator; the zero value is usable.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// normal returns a standard normal deviate (Box–Muller).
func (r *rng) normal() float64 {
	u1 := unit(r.next())
	if u1 < 1e-300 {
		u1 = 1e-300
	}
	u2 := unit(r.next())
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// ceilDiv4 is ceil(n/4) for n ≥ 0: the simulator's bytes-to-tokens estimate.
func ceilDiv4(n int) int { return (n + 3) / 4 }
