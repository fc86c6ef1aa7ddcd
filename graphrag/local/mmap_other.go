//go:build !linux

package local

// mmapPopulate is zero where MAP_POPULATE does not exist: WithPrefault has
// no effect there.
const mmapPopulate = 0
