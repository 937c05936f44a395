package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/internal/testenv"
	"github.com/deepnrc/deepnrc/nrclib/backend"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

func TestTrainCommand(t *testing.T) {
	// The sequential op executor: GoMLX v0.26's parallel one trips the race
	// detector (see nrclib/train's tests); results are the same.
	t.Setenv(backend.EnvConfig, testenv.SequentialConfig)
	store := t.TempDir()
	args := []string{"train", "-data", "swimmer", "-source", "standin", "-n", "120", "-width", "8", "-layers", "3",
		"-epochs", "3", "-batch", "16", "-lr", "0.01", "-measure", "1", "-store", store}
	code, out, errOut := runArgs(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"run ", store, "fc1", "fc2", "fc3", "noise", "epoch 3: model_mse",
		"first collapsed layer at epoch 3: ", "(first layer with noise <= 0.2 and projected CKA >= 0.5, holding at every later probe)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "epoch 3/3") {
		t.Errorf("no progress on stderr:\n%s", errOut)
	}
	// The same run again comes from the store; --json gives every record.
	code, out, errOut = runArgs(t, append(args, "-json")...)
	if code != 0 || !strings.Contains(errOut, "already complete") {
		t.Fatalf("exit %d, second run not cached: %s", code, errOut)
	}
	epochs := map[int]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r nrc.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if r.Metric == nrc.MetricNoise {
			epochs[r.Epoch] = true
		}
	}
	if !epochs[1] || !epochs[3] || len(epochs) != 2 {
		t.Errorf("noise measured at epochs %v, want 1 and 3", epochs)
	}
}

func TestTrainCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train"}, "--data is required"},
		{[]string{"train", "-data", "nope"}, "unknown dataset"},
		{[]string{"train", "-data", "swimmer", "-source", "standin", "-n", "50", "-measure", "1,x"}, "bad epoch"},
		{[]string{"train", "-data", "carla2d", "-source", "standin", "-n", "20"}, "tabular data only"},
		{[]string{"train", "-data", "swimmer", "-source", "standin", "-n", "50", "-lr", "0", "-no-store"}, "LearningRate"},
		{[]string{"train", "-data", "swimmer", "-cka-min", "2"}, "CKA threshold 2 must lie in [0, 1]"},
	} {
		code, _, errOut := runArgs(t, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestBenchCommand(t *testing.T) {
	code, _, errOut := runArgs(t, "bench", "nope")
	if code == 0 || !strings.Contains(errOut, `use "train" or "matmul"`) {
		t.Errorf("bench nope: exit %d, %q", code, errOut)
	}
	code, _, errOut = runArgs(t, "bench", "train", "-cases", "nope")
	if code == 0 || !strings.Contains(errOut, "unknown case") {
		t.Errorf("unknown case: exit %d, %q", code, errOut)
	}
}
