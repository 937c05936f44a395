// Package testenv gives the project's tests the backend the project itself
// runs on: the pure-Go backend with backend.DefaultConfig, never
// downloading anything, and with GoMLX's sequential op executor under the
// race detector.
package testenv

import (
	"os"

	"github.com/deepnrc/deepnrc/nrclib/backend"
	"github.com/gomlx/gomlx/backends"
)

// SequentialConfig runs ops one at a time. GoMLX v0.26's pure-Go backend,
// when it runs independent ops in parallel, reads its buffer use counts
// without a lock before reusing a buffer in place, which the race detector
// reports; -race test builds therefore use this configuration.
const SequentialConfig = "go:ops_sequential,dotgeneral_large"

// RaceEnabled reports whether the binary was built with -race.
const RaceEnabled = raceEnabled

// Backend sets GOMLX_NO_AUTO_INSTALL=1, selects SequentialConfig in -race
// builds, and returns backend.New()'s backend (GOMLX_BACKEND when set,
// else backend.DefaultConfig).
func Backend() (backends.Backend, error) {
	os.Setenv(backend.EnvNoAutoInstall, "1")
	if RaceEnabled {
		os.Setenv(backend.EnvConfig, SequentialConfig)
	}
	return backend.New()
}
