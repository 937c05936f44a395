package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deepnrc/deepnrc/nrclib/sweep"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// envCLIChild makes the test binary run the CLI with the JSON-encoded
// arguments it holds (for the tests that signal a deepnrc process).
const envCLIChild = "DEEPNRC_CLI_TEST_ARGS"

func TestMain(m *testing.M) {
	if enc := os.Getenv(envCLIChild); enc != "" {
		var args []string
		if err := json.Unmarshal([]byte(enc), &args); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(runCLI(args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// planJSON runs sweep plan --json and decodes it.
func planJSON(t *testing.T, args ...string) sweep.Plan {
	t.Helper()
	code, out, errOut := runArgs(t, append([]string{"sweep", "plan", "--json", "--gflops", "5"}, args...)...)
	if code != 0 {
		t.Fatalf("sweep plan: exit %d: %s", code, errOut)
	}
	var p sweep.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("sweep plan --json: %v\n%s", err, out)
	}
	return p
}

func TestSweepPlan(t *testing.T) {
	store := t.TempDir()
	code, out, errOut := runArgs(t, "sweep", "plan", "--scale", "smoke", "--store", store, "--gflops", "5", "fig2", "fig9")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"smoke scale: 6 runs for fig2 fig9, 0 of them in the store " + store, "fig2:fig2/swimmer",
		"fig9:fig9/sgemm/wd=0.001", "to train: 6 runs", "5.0 GFLOP/s"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	p := planJSON(t, "--scale", "smoke", "--store", store, "fig2", "fig9")
	if len(p.Runs) != 6 || p.Runs[0].Key == "" || p.Runs[0].Cost.Steps == 0 {
		t.Fatalf("plan: %+v", p.Runs)
	}
	// A run trained by reproduce is stored in the next plan.
	if code, _, e := runArgs(t, "reproduce", "--scale", "smoke", "--store", store, "--quiet", "--out", t.TempDir(), "fig2"); code != 0 {
		t.Fatal(e)
	}
	p = planJSON(t, "--scale", "smoke", "--store", store, "fig2", "fig9")
	for i, r := range p.Runs {
		if want := i < 2; r.Stored != want {
			t.Errorf("%s: stored %v after reproducing fig2", r.Ref, r.Stored)
		}
	}
	if code, _, e := runArgs(t, "sweep", "plan", "--scale", "smoke", "figX"); code == 0 || !strings.Contains(e, "unknown experiment") {
		t.Errorf("unknown figure: exit %d, %s", code, e)
	}
}

func TestSweepSlurmDryRun(t *testing.T) {
	store, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	fake := filepath.Join(t.TempDir(), "deepnrc")
	os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755)
	base := []string{"sweep", "slurm", "--dry-run", "--scale", "smoke", "--store", store, "--out", out, "--gflops", "5", "--deepnrc", fake}
	code, script, plan := runArgs(t, append(base, "fig2", "fig9")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, plan)
	}
	for _, want := range []string{"#!/bin/bash\n", "#SBATCH --array=0-5\n", "#SBATCH --job-name=deepnrc-smoke\n", fake + " sweep run --scale smoke --store " + store} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q", want)
		}
	}
	for _, want := range []string{"sbatch --parsable --array=0-5 ", "--dependency=afterok:J1", "reproduce --scale smoke", "--stored-only", "fig2 fig9"} {
		if !strings.Contains(plan, want) {
			t.Errorf("the dry run's sbatch commands lack %q:\n%s", want, plan)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("--dry-run created the output directory")
	}
	if b, err := exec.Command("bash", "-n", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, b)
	}

	code, script, _ = runArgs(t, append(base, "--time", "2-00:00:00", "--cpus-per-run", "4", "--partition", "long", "--sbatch-arg=--account=nrc", "fig2")...)
	for _, want := range []string{"#SBATCH --time=2-00:00:00\n", "#SBATCH --cpus-per-task=4\n", "#SBATCH --partition=long\n", "#SBATCH --account=nrc\n"} {
		if code != 0 || !strings.Contains(script, want) {
			t.Errorf("script lacks %q (exit %d)", want, code)
		}
	}
	t.Setenv("GOMLX_BACKEND", "")
	if code, _, e := runArgs(t, append(base, "--gpus-per-run", "1", "fig2")...); code == 0 || !strings.Contains(e, "GOMLX_BACKEND=xla:cuda") {
		t.Errorf("GPUs without the CUDA backend: exit %d, %s", code, e)
	}
	t.Setenv("GOMLX_BACKEND", "xla:cuda")
	code, script, _ = runArgs(t, append(base, "--gpus-per-run", "1", "fig2")...)
	if code != 0 || !strings.Contains(script, "#SBATCH --gres=gpu:1\n") || !strings.Contains(script, "export GOMLX_BACKEND=xla:cuda\n") {
		t.Errorf("GPU script (exit %d):\n%s", code, script)
	}
	t.Setenv("GOMLX_BACKEND", "")
	for _, bad := range [][]string{{"--time", "soon"}, {"--cpus-per-run", "0"}, {"--deepnrc", filepath.Join(t.TempDir(), "none")}} {
		if code, _, e := runArgs(t, append(append(append([]string{}, base...), bad...), "fig2")...); code == 0 {
			t.Errorf("%v accepted: %s", bad, e)
		}
	}
}

func TestParseSlurmTime(t *testing.T) {
	for in, want := range map[string]time.Duration{"36h": 36 * time.Hour, "90": 90 * time.Minute, "1:30:00": 90 * time.Minute,
		"2-00:00:00": 48 * time.Hour, "1-12": 36 * time.Hour, "5:30": 5*time.Minute + 30*time.Second, "3-1:30": 3*24*time.Hour + 90*time.Minute} {
		if got, err := parseSlurmTime(in); err != nil || got != want {
			t.Errorf("parseSlurmTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1h", "a-1", "1:2:3:4", "x"} {
		if _, err := parseSlurmTime(bad); err == nil {
			t.Errorf("parseSlurmTime(%q) accepted", bad)
		}
	}
}

// sweep run trains one run, finds it in the store the second time, and
// refuses a key that is not the run's.
func TestSweepRun(t *testing.T) {
	store := t.TempDir()
	args := []string{"sweep", "run", "--scale", "smoke", "--store", store, "--quiet"}
	code, out, e := runArgs(t, append(args, "--ref", "fig2:fig2/hopper")...)
	if code != 0 || !strings.Contains(out, "sweep run fig2:fig2/hopper (key ") || !strings.Contains(out, ") trained in ") {
		t.Fatalf("exit %d:\n%s%s", code, out, e)
	}
	key := regexp.MustCompile(`\(key ([0-9a-f]{24})\)`).FindStringSubmatch(out)[1]
	code, out, e = runArgs(t, append(args, key)...) // by key alone: planned to find it
	if code != 0 || !strings.Contains(out, "already in the store") {
		t.Errorf("by key: exit %d:\n%s%s", code, out, e)
	}
	code, _, e = runArgs(t, append(args, "--ref", "fig2:fig2/swimmer", key)...)
	if code == 0 || !strings.Contains(e, "changed since the sweep was planned") {
		t.Errorf("a key that is not the run's: exit %d: %s", code, e)
	}
	if code, _, e := runArgs(t, args...); code == 0 || !strings.Contains(e, "--ref") {
		t.Errorf("no run given: exit %d: %s", code, e)
	}
}

// A sweep run told to stop (SIGTERM, as Slurm does at a time limit or a
// preemption) keeps its checkpoint and exits with status 75; run again it
// resumes and ends with the records of a run never stopped.
func TestSweepRunStopsOnSIGTERM(t *testing.T) {
	ref := "fig9:fig9/sgemm/wd=0"
	whole := t.TempDir()
	if code, _, e := runArgs(t, "sweep", "run", "--scale", "smoke", "--store", whole, "--quiet", "--ref", ref); code != 0 {
		t.Fatal(e)
	}
	p := planJSON(t, "--scale", "smoke", "--store", whole, "fig9")
	key := p.Runs[0].Key
	store := t.TempDir()
	enc, _ := json.Marshal([]string{"sweep", "run", "--scale", "smoke", "--store", store, "--quiet", "--ref", ref, key})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envCLIChild+"="+string(enc), envTestStop+"=term:"+key)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if cmd.ProcessState.ExitCode() != sweep.ExitRequeue {
		t.Fatalf("stopped run: %v (exit %d, want %d)\n%s%s", err, cmd.ProcessState.ExitCode(), sweep.ExitRequeue, o.String(), e.String())
	}
	for _, want := range []string{"terminated: stopping at the next mini-batch", "with its checkpoint at epoch 1 of 5"} {
		if !strings.Contains(e.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, e.String())
		}
	}
	st, _ := train.OpenStore(store)
	if prog, _ := st.Progress(key); prog.Complete || prog.Epoch != 1 {
		t.Fatalf("after the stop: %+v", prog)
	}
	code, out, errOut := runArgs(t, "sweep", "run", "--scale", "smoke", "--store", store, "--quiet", "--ref", ref, key)
	if code != 0 || !strings.Contains(out, "resumed from epoch 1 and trained") {
		t.Fatalf("rerun: exit %d\n%s%s", code, out, errOut)
	}
	a, err := os.ReadFile(filepath.Join(whole, "runs", key, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(store, "runs", key, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the stopped and resumed run's records differ from the run never stopped")
	}
}
