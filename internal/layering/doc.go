// Package layering holds no code: its test checks that the module's
// packages import each other only in the directions ../shared/DESIGN.md
// and docs/architecture.md allow.
package layering
