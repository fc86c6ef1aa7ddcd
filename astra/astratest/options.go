package astratest

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// Defaults of the options.
const (
	// DefaultAddr is the listen address: loopback, any free port.
	DefaultAddr = "127.0.0.1:0"
	// DefaultKeyspace is the keyspace that exists from the start
	// (spec §1.1), unless [WithKeyspaces] names others.
	DefaultKeyspace = "default_keyspace"
	// DefaultSeed seeds jitter and probabilistic faults.
	DefaultSeed = 1
)

// Limits are the server's per-request and per-document limits (spec §6).
// A zero field takes its default from [DefaultLimits].
type Limits struct {
	// PageSize is the unsorted find page size. Default 20 (the documented
	// value; current server code uses 50, so clients must not rely on it).
	PageSize int
	// MaxInsertMany is the most documents per insertMany. Default 100.
	MaxInsertMany int
	// MaxUpdateMany is the most documents one updateMany request updates
	// before answering moreData and nextPageState. Default 20.
	MaxUpdateMany int
	// MaxDeleteMany is the most documents one deleteMany request deletes
	// before answering moreData. Default 20.
	MaxDeleteMany int
	// MaxCount is the countDocuments cap (then moreData). Default 1000.
	MaxCount int
	// MaxInValues is the most values of $in, $nin and $all. Default 100.
	MaxInValues int
	// MaxFilterExpressions is the most comparisons in a filter. Default 64.
	MaxFilterExpressions int
	// MaxVectorSortLimit is the largest limit (and the implicit one) of a
	// vector sort. Default 1000.
	MaxVectorSortLimit int
	// MaxSortDocuments is the most documents an in-memory (field) sort
	// reads; more gives OVERLOADED_SORT_ROW_LIMIT. Default 10000.
	MaxSortDocuments int
	// MaxDocumentSize is the most characters of a serialized document.
	// Default 4,000,000.
	MaxDocumentSize int
	// MaxDepth is the deepest nesting of a document. Default 16.
	MaxDepth int
	// MaxPathLength is the longest dotted property path. Default 1000.
	MaxPathLength int
	// MaxObjectProperties is the most properties of one object. Default 1000.
	MaxObjectProperties int
	// MaxDocumentProperties is the most properties of a document, counted
	// over all nesting levels. Default 2000.
	MaxDocumentProperties int
	// MaxStringBytes is the longest indexed string value in UTF-8 bytes.
	// Default 8000.
	MaxStringBytes int
	// MaxNumberLength is the longest number literal. Default 100.
	MaxNumberLength int
	// MaxArrayLength is the longest indexed array ($vector exempt).
	// Default 1000.
	MaxArrayLength int
	// MaxVectorDimension is the largest vector dimension. Default 4096.
	MaxVectorDimension int
	// MaxCollections is the most collections in the database. Default 5
	// (the server's max-collections; Astra allows 5 to about 10).
	MaxCollections int
	// MaxBodyBytes is the largest request body; more gives HTTP 413.
	// Default 20 MB.
	MaxBodyBytes int64
}

// DefaultLimits returns the documented limits (spec §6).
func DefaultLimits() Limits {
	return Limits{
		PageSize: 20, MaxInsertMany: 100, MaxUpdateMany: 20, MaxDeleteMany: 20, MaxCount: 1000,
		MaxInValues: 100, MaxFilterExpressions: 64, MaxVectorSortLimit: 1000, MaxSortDocuments: 10000,
		MaxDocumentSize: 4_000_000, MaxDepth: 16, MaxPathLength: 1000, MaxObjectProperties: 1000,
		MaxDocumentProperties: 2000, MaxStringBytes: 8000, MaxNumberLength: 100, MaxArrayLength: 1000,
		MaxVectorDimension: 4096, MaxCollections: 5, MaxBodyBytes: 20 << 20,
	}
}

// withDefaults fills zero fields from d.
func (l Limits) withDefaults(d Limits) Limits {
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.PageSize, d.PageSize)
	set(&l.MaxInsertMany, d.MaxInsertMany)
	set(&l.MaxUpdateMany, d.MaxUpdateMany)
	set(&l.MaxDeleteMany, d.MaxDeleteMany)
	set(&l.MaxCount, d.MaxCount)
	set(&l.MaxInValues, d.MaxInValues)
	set(&l.MaxFilterExpressions, d.MaxFilterExpressions)
	set(&l.MaxVectorSortLimit, d.MaxVectorSortLimit)
	set(&l.MaxSortDocuments, d.MaxSortDocuments)
	set(&l.MaxDocumentSize, d.MaxDocumentSize)
	set(&l.MaxDepth, d.MaxDepth)
	set(&l.MaxPathLength, d.MaxPathLength)
	set(&l.MaxObjectProperties, d.MaxObjectProperties)
	set(&l.MaxDocumentProperties, d.MaxDocumentProperties)
	set(&l.MaxStringBytes, d.MaxStringBytes)
	set(&l.MaxNumberLength, d.MaxNumberLength)
	set(&l.MaxArrayLength, d.MaxArrayLength)
	set(&l.MaxVectorDimension, d.MaxVectorDimension)
	set(&l.MaxCollections, d.MaxCollections)
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	return l
}

// config is the resolved option set.
type config struct {
	addr      string
	token     string
	keyspaces []string
	latency   time.Duration
	jitter    time.Duration
	seed      uint64
	faults    []FaultRule
	limits    Limits
}

// Option configures a [Server].
type Option func(*config)

// WithAddr sets the listen address. It must be a loopback address
// (127.0.0.1, ::1 or localhost). Default [DefaultAddr].
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithToken requires every request to carry token in the Token (or the
// deprecated X-Cassandra-Token) header; a missing token gets 401
// MISSING_AUTHENTICATION_TOKEN and a wrong one 401 UNAUTHENTICATED_REQUEST.
// Default "": any token, or none, is accepted.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithKeyspaces sets the keyspaces that exist from the start. Default
// [DefaultKeyspace] only.
func WithKeyspaces(names ...string) Option {
	return func(c *config) { c.keyspaces = append([]string(nil), names...) }
}

// WithLatency answers every command d after it arrived (the command runs
// at once; the rest of d is waited without holding any lock; a command
// whose work takes longer than d is answered when done). Default 0.
func WithLatency(d time.Duration) Option { return func(c *config) { c.latency = d } }

// WithJitter adds a seeded uniform delay in [0, d) to every command.
// Default 0.
func WithJitter(d time.Duration) Option { return func(c *config) { c.jitter = d } }

// WithSeed seeds the jitter and probabilistic faults. Default [DefaultSeed].
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithFaults appends fault rules; the first matching rule wins (see
// [FaultRule]). Default none.
func WithFaults(rules ...FaultRule) Option {
	return func(c *config) { c.faults = append(c.faults, rules...) }
}

// WithLimits overrides limits; zero fields keep their [DefaultLimits] value.
func WithLimits(l Limits) Option { return func(c *config) { c.limits = l } }

// resolve applies opts over the defaults and validates the result.
func resolve(opts []Option) (config, error) {
	c := config{addr: DefaultAddr, keyspaces: []string{DefaultKeyspace}, seed: DefaultSeed}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	c.limits = c.limits.withDefaults(DefaultLimits())
	if c.latency < 0 || c.jitter < 0 {
		return c, errors.New("astratest: latency and jitter must not be negative")
	}
	for _, ks := range c.keyspaces {
		if !validName(ks) {
			return c, fmt.Errorf("astratest: invalid keyspace name %q", ks)
		}
	}
	for i, f := range c.faults {
		if err := f.validate(); err != nil {
			return c, fmt.Errorf("astratest: fault rule %d: %w", i, err)
		}
	}
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return c, fmt.Errorf("astratest: address %q: %w", c.addr, err)
	}
	if host != "localhost" {
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return c, fmt.Errorf("astratest: address %q is not a loopback address", c.addr)
		}
	}
	c.faults = append([]FaultRule(nil), c.faults...)
	return c, nil
}

// validName reports whether s is a valid keyspace or collection name:
// [A-Za-z][A-Za-z0-9_]*, at most 48 characters (spec §1.1).
func validName(s string) bool {
	if s == "" || len(s) > 48 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (i == 0 || !('0' <= c && c <= '9' || c == '_')) {
			return false
		}
	}
	return true
}
