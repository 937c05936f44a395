package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestDoctorJSON runs the real command on this machine: whatever is
// installed, the JSON must parse, list the pure-Go backend, and hold every
// check; a non-nil error must name the missing checks.
func TestDoctorJSON(t *testing.T) {
	var out, errb bytes.Buffer
	err := runDoctor([]string{"-json"}, &out, &errb)
	var r struct {
		Backends []string `json:"backends"`
		Checks   []struct {
			Name, Status string
			Optional     bool
		} `json:"checks"`
	}
	if jerr := json.Unmarshal(out.Bytes(), &r); jerr != nil {
		t.Fatalf("doctor -json printed invalid JSON (%v):\n%s", jerr, out.String())
	}
	if !slices.Contains(r.Backends, "go") {
		t.Errorf("backends %v lack go", r.Backends)
	}
	var names, failed []string
	for _, c := range r.Checks {
		names = append(names, c.Name)
		if c.Status != "OK" && !c.Optional {
			failed = append(failed, c.Name)
		}
	}
	for _, want := range []string{"backend config", "run store", "xla backend", "PJRT plugin", "NVIDIA GPU", "go toolchain", "goimports", "jupyter", "nbclient", "deepnrc kernel"} {
		if !slices.Contains(names, want) {
			t.Errorf("no check %q in %v", want, names)
		}
	}
	if (err != nil) != (len(failed) > 0) {
		t.Fatalf("error %v but failed checks %v", err, failed)
	}
	for _, f := range failed {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not name %q", err, f)
		}
	}
}

func TestDoctorBadArgs(t *testing.T) {
	if err := runDoctor([]string{"extra"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Fatal("doctor extra: want an error")
	}
}
