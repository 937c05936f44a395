package doctor_test

import (
	"errors"
	"fmt"

	"github.com/deepnrc/deepnrc/internal/doctor"
)

// Run checks a machine through a System; here a made-up one that has Go and
// Jupyter but neither nbclient nor the deepnrc kernel, and asks for a
// pure-Go configuration that would deadlock. The bad configuration stops the
// main job; the missing notebook items are optional until
// RequireNotebooks asks for them.
func ExampleRun() {
	sys := doctor.System{
		LookupEnv: func(k string) (string, bool) {
			if k == "GOMLX_BACKEND" {
				return "go:parallelism=1", true
			}
			return "", false
		},
		LookPath: func(name string) (string, error) {
			if name == "go" || name == "jupyter" || name == "goimports" {
				return "/usr/bin/" + name, nil
			}
			return "", errors.New("not found")
		},
		Output: func(name string, args ...string) ([]byte, error) {
			switch name {
			case "go":
				return []byte("go version go1.26.8 linux/amd64\n"), nil
			case "jupyter":
				return []byte(`{"kernelspecs": {"python3": {}}}`), nil
			}
			return nil, errors.New("exit status 1")
		},
		Glob:      func(string) ([]string, error) { return nil, nil },
		LdConf:    "/nonexistent/ld.so.conf",
		Python:    "/usr/bin/python3",
		Compiled:  []string{"go"},
		GoVersion: "go1.26.8",
		StoreDir:  "/home/u/.cache/deepnrc",
	}
	r := doctor.Run(sys, doctor.Options{})
	fmt.Println("OK:", r.OK())
	fmt.Println("missing:", r.Failed())
	r = doctor.Run(sys, doctor.Options{RequireNotebooks: true})
	fmt.Println("missing with notebooks required:", r.Failed())
	// Output:
	// OK: false
	// missing: [backend config]
	// missing with notebooks required: [backend config nbclient deepnrc kernel]
}
