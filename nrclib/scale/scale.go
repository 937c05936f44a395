// Package scale names the three sizes every experiment, the tour and the
// exercises come in, and reads the one environment variable that chooses
// among them.
package scale

import (
	"fmt"
	"os"
	"strings"
)

// Scale is the size of a run: the same experiment at three costs.
type Scale string

// The scales, cheapest first.
const (
	// Smoke is a tiny version for CI: seconds, proving the pipeline end to
	// end. Its numbers mean nothing.
	Smoke Scale = "smoke"
	// Quick shows the phenomena on a 2-core laptop in minutes. It is the
	// default.
	Quick Scale = "quick"
	// Paper uses the paper's hyperparameters.
	Paper Scale = "paper"
)

// Env is the environment variable FromEnv reads; the notebook runner sets
// it for every notebook.
const Env = "DEEPNRC_SCALE"

// All lists the scales from cheapest to most expensive.
func All() []Scale { return []Scale{Smoke, Quick, Paper} }

// Parse returns the scale named s (case-insensitive, surrounding spaces
// ignored); "" means Quick.
func Parse(s string) (Scale, error) {
	switch Scale(strings.ToLower(strings.TrimSpace(s))) {
	case "", Quick:
		return Quick, nil
	case Smoke:
		return Smoke, nil
	case Paper:
		return Paper, nil
	}
	return "", fmt.Errorf("unknown scale %q; use %q (default), %q or %q", s, Quick, Paper, Smoke)
}

// FromEnv returns the scale named by $DEEPNRC_SCALE, Quick when it is unset
// or empty.
func FromEnv() (Scale, error) {
	s, err := Parse(os.Getenv(Env))
	if err != nil {
		return "", fmt.Errorf("%s: %w", Env, err)
	}
	return s, nil
}

// Valid reports whether s is one of the three scales.
func (s Scale) Valid() bool { return s == Smoke || s == Quick || s == Paper }

// Pick returns the value for scale s: smoke, quick or paper.
func Pick[T any](s Scale, smoke, quick, paper T) T {
	switch s {
	case Smoke:
		return smoke
	case Paper:
		return paper
	}
	return quick
}

// FlagOrEnv returns the scale named by a command-line flag's value, or by
// $DEEPNRC_SCALE when the flag was not given (value "").
func FlagOrEnv(value string) (Scale, error) {
	if strings.TrimSpace(value) != "" {
		return Parse(value)
	}
	return FromEnv()
}
