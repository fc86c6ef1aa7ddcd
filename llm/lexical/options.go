package lexical

import (
	"errors"
	"fmt"
)

// Defaults applied by New.
const (
	// DefaultDimension is the vector length.
	DefaultDimension = 384
	// DefaultMinN and DefaultMaxN bound the character n-gram lengths, in
	// code points, boundary markers included.
	DefaultMinN = 3
	DefaultMaxN = 5
	// MaxDimension is the largest dimension WithDimension accepts.
	MaxDimension = 1 << 16
	// MaxN is the longest character n-gram WithCharNGrams accepts.
	MaxN = 8
)

// ErrInvalidOption is wrapped by the error of NewChecked (and the panic of
// New) for an invalid option; the message names the option and the value.
var ErrInvalidOption = errors.New("lexical: invalid option")

// Option configures an Embedder.
type Option func(*config) error

type config struct {
	dim        int
	minN, maxN int
	bigrams    bool
	stopWords  bool
}

func defaultConfig() config {
	return config{dim: DefaultDimension, minN: DefaultMinN, maxN: DefaultMaxN, bigrams: false, stopWords: true}
}

// WithDimension sets the vector length, 1 to MaxDimension (default 384).
func WithDimension(n int) Option {
	return func(c *config) error {
		if n < 1 || n > MaxDimension {
			return fmt.Errorf("%w: WithDimension(%d): want 1..%d", ErrInvalidOption, n, MaxDimension)
		}
		c.dim = n
		return nil
	}
}

// WithCharNGrams sets the lengths of character n-grams, in code points with
// the boundary markers counted: 1 <= min <= max <= MaxN (default 3 and 5).
// WithCharNGrams(0, 0) disables character n-grams.
func WithCharNGrams(min, max int) Option {
	return func(c *config) error {
		if min == 0 && max == 0 {
			c.minN, c.maxN = 0, 0
			return nil
		}
		if min < 1 || max < min || max > MaxN {
			return fmt.Errorf("%w: WithCharNGrams(%d, %d): want 1 <= min <= max <= %d, or (0, 0) to disable", ErrInvalidOption, min, max, MaxN)
		}
		c.minN, c.maxN = min, max
		return nil
	}
}

// WithWordBigrams turns word bigram features on or off (default off: on
// the paraphrase test set they lower related-pair similarity, because
// paraphrases reorder words; they help when word order matters, such as
// matching names and fixed phrases).
func WithWordBigrams(on bool) Option {
	return func(c *config) error { c.bigrams = on; return nil }
}

// WithStopWords turns the skipping of common English function words ("the",
// "of", "is", ...) on or off (default on). Texts in other languages are
// unaffected either way.
func WithStopWords(on bool) Option {
	return func(c *config) error { c.stopWords = on; return nil }
}

// modelName names the vector space of c; see the package documentation.
func (c config) modelName() string {
	name := fmt.Sprintf("kgas-lexical-v1-%d", c.dim)
	d := defaultConfig()
	d.dim = c.dim
	if c == d {
		return name
	}
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	return fmt.Sprintf("%s-c%d%d-b%d-s%d", name, c.minN, c.maxN, b(c.bigrams), b(c.stopWords))
}
