package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// EnvRequireTorch, when "1", makes the PyTorch example test fail instead of
// skip without PyTorch (CI sets it: scripts/install-deps.sh installs
// python3-torch).
const EnvRequireTorch = "DEEPNRC_REQUIRE_TORCH"

// TestPyTorchExport runs examples/pytorch_export.py as README shows it,
// then every command it prints, and checks one row per exported layer, in
// network order, at the widths of the two networks, with the model's MSE;
// and, as an independent truth, that the linear probe of the last layer's
// input is at most the model's own train MSE (the last layer is one linear
// map of that input, so least squares with an intercept can only do as
// well or better).
func TestPyTorchExport(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two PyTorch networks (about 15 s)")
	}
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import torch, numpy").CombinedOutput(); err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		msg := "needs Debian's PyTorch: apt-get install -y python3-torch python3-numpy (" + lines[len(lines)-1] + ")"
		if os.Getenv(EnvRequireTorch) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	out := t.TempDir()
	cmd := exec.Command(python, filepath.Join("..", "..", "examples", "pytorch_export.py"), "--out", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pytorch_export.py: %v\n%s", err, stderr.String())
	}
	t.Logf("pytorch_export.py:\n%s", stderr.String())
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	want := []struct {
		model  string
		layers []string
		widths []int
	}{
		{"mlp", []string{"fc1", "fc2", "fc3", "fc4"}, []int{8, 32, 32, 32}},
		{"conv", []string{"0", "2", "4", "8"}, []int{3, 8, 16, 16}},
	}
	if len(lines) != len(want) {
		t.Fatalf("printed %d commands, want %d (one per model):\n%s", len(lines), len(want), stdout.String())
	}
	for i, line := range lines {
		args := strings.Fields(line)
		if len(args) < 2 || args[0] != "deepnrc" || args[1] != "measure" || strings.ContainsAny(line, `'"`) {
			t.Fatalf("command %d is not a plain `deepnrc measure ...` line: %q", i, line)
		}
		if n := strings.Count(line, "--layer "); n != len(want[i].layers) {
			t.Errorf("command %d has %d --layer flags, want %d: %q", i, n, len(want[i].layers), line)
		}
		code, js, errOut := runArgs(t, append(args[1:], "--json")...)
		if code != 0 {
			t.Fatalf("%s --json: exit %d: %s", line, code, errOut)
		}
		var rep nrc.Report
		if err := json.Unmarshal([]byte(js), &rep); err != nil {
			t.Fatalf("%s: bad JSON (%v):\n%s", want[i].model, err, js)
		}
		if rep.N != 512 || rep.TargetDim != 2 || rep.ModelMSE == nil {
			t.Errorf("%s: N=%d t=%d model MSE %v, want 512, 2 and the script's value", want[i].model, rep.N, rep.TargetDim, rep.ModelMSE)
		}
		if len(rep.Layers) != len(want[i].layers) {
			t.Fatalf("%s: %d rows, want one per layer (%v)", want[i].model, len(rep.Layers), want[i].layers)
		}
		for j, l := range rep.Layers {
			if l.Name != want[i].layers[j] || l.Width != want[i].widths[j] || l.WHAlignment == nil || l.StableRankW == nil {
				t.Errorf("%s row %d: %s width %d (WH %v), want %s width %d with its weight", want[i].model, j, l.Name, l.Width, l.WHAlignment, want[i].layers[j], want[i].widths[j])
			}
			if !(l.Noise >= 0 && l.Noise <= 1 && l.CKA >= 0 && l.CKA <= 1) {
				t.Errorf("%s %s: noise %v, CKA %v outside [0, 1]", want[i].model, l.Name, l.Noise, l.CKA)
			}
		}
		lastProbe := rep.Layers[len(rep.Layers)-1].ProbeMSE
		if rep.ModelMSE != nil && lastProbe > *rep.ModelMSE*(1+1e-4) {
			t.Errorf("%s: probe MSE of the last layer's input %.6g exceeds the model's train MSE %.6g; the features are not the last layer's inputs", want[i].model, lastProbe, *rep.ModelMSE)
		}
		// The table form (what a user sees) has the same rows.
		code, table, _ := runArgs(t, args[1:]...)
		if code != 0 || !strings.Contains(table, "first collapsed layer:") || !strings.Contains(table, "model train MSE") {
			t.Errorf("%s table (exit %d):\n%s", want[i].model, code, table)
		}
	}
}
