package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/deepnrc/deepnrc/internal/doctor"
)

func init() {
	register(command{
		name:    "doctor",
		summary: "check backends, PJRT plugins, GPU, Jupyter and the deepnrc kernel",
		run:     runDoctor,
		examples: []string{
			"deepnrc doctor                       # exits 0 when the main job can run",
			"deepnrc doctor -require-notebooks    # also require Jupyter and the deepnrc kernel",
			"deepnrc doctor -json | jq .checks",
		},
	})
}

// runDoctor prints the doctor report and fails when a required check is
// missing.
func runDoctor(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	requireXLA := fs.Bool("require-xla", false, "fail unless the XLA backend is compiled in and a PJRT plugin is installed")
	requireGPU := fs.Bool("require-gpu", false, "fail unless an NVIDIA GPU is visible and the CUDA plugin is installed (implies -require-xla)")
	requireNB := fs.Bool("require-notebooks", false, "fail unless Go, Jupyter, nbclient and the deepnrc kernel are there")
	setUsage(fs, "doctor", "Usage: deepnrc doctor [flags]\n\nChecks what the main job (reproduce, train, measure) needs, which is required,\nand the optional extras: the notebooks and the accelerators.")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (flags: -json, -require-notebooks, -require-xla, -require-gpu)", fs.Args())
	}
	r := doctor.Run(doctor.Host(), doctor.Options{RequireXLA: *requireXLA, RequireGPU: *requireGPU, RequireNotebooks: *requireNB})
	var err error
	if *asJSON {
		err = r.WriteJSON(stdout)
	} else {
		err = r.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	if failed := r.Failed(); len(failed) > 0 {
		return fmt.Errorf("%d required check(s) missing: %s (fixes above)", len(failed), strings.Join(failed, ", "))
	}
	return nil
}
