package experiment

import (
	"fmt"
	"os"
	"strings"
)

// Scale is the size of an experiment: the same figure at three costs.
type Scale string

// The scales every spec is declared at.
const (
	// Smoke is a tiny version of each figure for CI: tens of seconds, just
	// proving the pipeline end to end. Its numbers mean nothing.
	Smoke Scale = "smoke"
	// Quick shows the same phenomenon on a 2-core laptop in about five
	// minutes per figure: fewer samples and epochs, narrower networks, a
	// reduced ResNet. It is the default.
	Quick Scale = "quick"
	// Paper uses the paper's hyperparameters (spec §2.3); where the paper
	// is silent the spec's Notes say what was chosen.
	Paper Scale = "paper"
)

// ScaleEnv is the environment variable ScaleFromEnv reads (the notebook
// runner sets it for every notebook).
const ScaleEnv = "DEEPNRC_SCALE"

// Scales lists the scales from cheapest to most expensive.
func Scales() []Scale { return []Scale{Smoke, Quick, Paper} }

// ParseScale returns the scale named s (case-insensitive, surrounding
// spaces ignored); "" means Quick.
func ParseScale(s string) (Scale, error) {
	switch Scale(strings.ToLower(strings.TrimSpace(s))) {
	case "", Quick:
		return Quick, nil
	case Smoke:
		return Smoke, nil
	case Paper:
		return Paper, nil
	}
	return "", fmt.Errorf("experiment: unknown scale %q; use %q (default), %q or %q", s, Quick, Paper, Smoke)
}

// ScaleFromEnv returns the scale named by $DEEPNRC_SCALE, Quick when it is
// unset or empty.
func ScaleFromEnv() (Scale, error) {
	s, err := ParseScale(os.Getenv(ScaleEnv))
	if err != nil {
		return "", fmt.Errorf("%s: %w", ScaleEnv, err)
	}
	return s, nil
}
