package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runArgs(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = runCLI(args, &o, &e)
	return code, o.String(), e.String()
}

func TestDataList(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "swimmer.csv"), []byte("1,2,3,4,5,6,7,8,9,10\n"), 0o644)
	code, out, errOut := runArgs(t, "data", "list", "-dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"swimmer         real                      present", "reacher         simulated (MuJoCo 2.2.2)  absent",
		"sgemm           stand-in                  absent     yes", "lowrank         generated                 -", dir} {
		if !strings.Contains(out, want) {
			t.Errorf("list output lacks %q:\n%s", want, out)
		}
	}
}

func TestDataInfo(t *testing.T) {
	code, out, errOut := runArgs(t, "data", "info", "swimmer", "-source", "standin", "-dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"stand-in for Swimmer", "N                     1000 (train 800, test 200)",
		"input shape           [8]", "correlations          (0,1) -0.244", "raw λ_min             0.276", "stable rank Σλ²/λ₁²"} {
		if !strings.Contains(out, want) {
			t.Errorf("info output lacks %q:\n%s", want, out)
		}
	}
	code, _, errOut = runArgs(t, "data", "info", "-source", "real", "-dir", t.TempDir(), "sgemm")
	if code != 1 || !strings.Contains(errOut, "deepnrc data fetch sgemm") {
		t.Errorf("real sgemm without file: exit %d, %s", code, errOut)
	}
}

func TestDataFetchRefusals(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runArgs(t, "data", "fetch", "-dir", dir, "carla2d")
	if code != 1 || !strings.Contains(errOut, "no single canonical download") || !strings.Contains(errOut, "carla2d/targets.npy") {
		t.Errorf("fetch carla2d: exit %d, %s", code, errOut)
	}
	code, _, errOut = runArgs(t, "data", "fetch", "-dir", dir, "synthetic-fig8")
	if code != 1 || !strings.Contains(errOut, "nothing to download") {
		t.Errorf("fetch synthetic: exit %d, %s", code, errOut)
	}
	if code, _, errOut = runArgs(t, "data", "fetch"); code != 1 || !strings.Contains(errOut, "missing dataset name") {
		t.Errorf("fetch without name: exit %d, %s", code, errOut)
	}
	if code, _, errOut = runArgs(t, "data", "frobnicate"); code != 1 || !strings.Contains(errOut, "unknown subcommand") {
		t.Errorf("bad subcommand: exit %d, %s", code, errOut)
	}
}

func TestDataInfoBesideTable1(t *testing.T) {
	code, out, errOut := runArgs(t, "data", "info", "reacher", "-dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"reacher (simulated (MuJoCo 2.2.2) in place of Reacher", "[NRC] Table 1 beside this data (simulated (MuJoCo 2.2.2)",
		"correlation (0,1)", "-0.00933", "λ_min of raw Σ_Y", "0.0097"} {
		if !strings.Contains(out, want) {
			t.Errorf("info output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runArgs(t, "data", "info", "hopper", "-source", "standin", "-dir", t.TempDir())
	if code != 0 || !strings.Contains(out, "stand-in for Hopper") || !strings.Contains(out, "correlation (1,2)") {
		t.Errorf("hopper stand-in info: exit %d\n%s", code, out)
	}
}

func TestDataPlotWritesSVG(t *testing.T) {
	out := filepath.Join(t.TempDir(), "reacher.svg")
	code, _, errOut := runArgs(t, "data", "plot", "-out", out, "reacher")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<svg") || !strings.Contains(string(b), "PC 1") || !strings.Contains(string(b), "20 episode(s)") {
		t.Errorf("not the expected SVG (%d bytes)", len(b))
	}
	if code, _, errOut = runArgs(t, "data", "plot", "sgemm"); code != 1 || !strings.Contains(errOut, "no simulated data") {
		t.Errorf("plot sgemm: exit %d, %s", code, errOut)
	}
}
