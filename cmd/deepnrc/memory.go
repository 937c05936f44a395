package main

import (
	"flag"
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/membudget"
)

// memorySetting is the --memory flag shared by the commands that allocate
// by their input's size.
type memorySetting struct{ value *string }

// memoryFlag registers --memory on fs.
func memoryFlag(fs *flag.FlagSet) memorySetting {
	return memorySetting{fs.String("memory", "", "memory budget for one request, e.g. 16GiB (default $"+membudget.EnvVar+
		", else half the RAM); larger requests are refused with the figure")}
}

// apply sets the budget when the flag was given.
func (m memorySetting) apply() error {
	if *m.value == "" {
		return nil
	}
	b, err := membudget.ParseSize(*m.value)
	if err != nil {
		return fmt.Errorf("--memory: %w", err)
	}
	membudget.SetLimit(b)
	return nil
}
