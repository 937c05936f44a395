//go:build mujoco && cgo

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/data/simulated"
)

func TestDataGenerateCLI(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	man := filepath.Join(dir, "manifest.json")
	code, out, errOut := runArgs(t, "data", "generate", "reacher", "-seed", "3", "-n", "120", "-out", a, "-manifest", man)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"120 samples (11 states + 2 actions per line, no header)", "SHA-256 ", "3 episodes (the last cut at 20 steps)", "published expert level"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "generate reacher [") || !strings.Contains(errOut, "100%") {
		t.Errorf("no progress bar on stderr: %q", errOut)
	}
	runArgs(t, "data", "generate", "reacher", "-seed", "3", "-n", "120", "-out", b)
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if len(ba) == 0 || !bytes.Equal(ba, bb) || bytes.Count(ba, []byte("\n")) != 120 {
		t.Errorf("two runs with seed 3: %d and %d bytes, equal %v", len(ba), len(bb), bytes.Equal(ba, bb))
	}
	mb, err := os.ReadFile(man)
	if err != nil {
		t.Fatal(err)
	}
	m, err := simulated.ParseManifest(mb)
	if err != nil || len(m.Datasets) != 1 {
		t.Fatalf("manifest: %v %s", err, mb)
	}
	e := m.Datasets[0]
	if e.Rows != 120 || e.Bytes != len(ba) || e.Seed != 3 || e.Command != "deepnrc data generate reacher -seed 3 -n 120 -out a.csv" || m.Simulator != "MuJoCo 2.2.2" {
		t.Errorf("manifest entry %+v", e)
	}
	if code, _, errOut := runArgs(t, "data", "generate", "reacher", "-out", filepath.Join(dir, "no", "such", "x.csv")); code != 1 || !strings.Contains(errOut, "x.csv") {
		t.Errorf("unwritable output: exit %d, %s", code, errOut)
	}
}

func TestDataSearchAndEvaluateCLI(t *testing.T) {
	out := filepath.Join(t.TempDir(), "p.json")
	code, stdout, errOut := runArgs(t, "data", "search-policy", "reacher", "-iters", "2", "-eval-episodes", "3", "-out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, "after 2 iterations") || !strings.Contains(stdout, "over 3 episodes") {
		t.Errorf("search output:\n%s", stdout)
	}
	code, stdout, errOut = runArgs(t, "data", "evaluate", "reacher", "-episodes", "4", "-policy", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"expert (reacher-ik)", "zero actions", "uniform random actions", "over 4 episodes"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("evaluate output lacks %q:\n%s", want, stdout)
		}
	}
}
