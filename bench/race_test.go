//go:build race

package bench

// raceEnabled is set in -race builds. GoMLX v0.26's pure-Go backend, when
// it runs independent ops in parallel, reads its buffer use counts without
// a lock before reusing a buffer in place, which the race detector reports;
// tests then use the sequential op executor.
const raceEnabled = true
