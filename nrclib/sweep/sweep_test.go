package sweep

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deepnrc/deepnrc/bench"
	"github.com/deepnrc/deepnrc/internal/testenv"
	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/experiment"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/train"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

func testRunner(t *testing.T, dir string) *runs.Runner {
	t.Helper()
	b, err := testenv.Backend()
	if err != nil {
		t.Fatal(err)
	}
	st, err := train.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := runs.NewRunner(runs.Options{Store: st, Backend: b})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The MLP's cost by hand: 5 → 4 → 4 → 2 has 5·4 + 4·4 + 4·2 = 44 weights
// and 88 forward FLOPs a sample; 10 training samples in batches of 4 make 3
// steps an epoch.
func TestMLPCostByHand(t *testing.T) {
	ds := &data.Dataset{Name: "x", InputShape: []int{5}, TargetDim: 2, Train: data.Split{N: 10}, Test: data.Split{N: 3}}
	spec := runs.Model{MLP: &runs.MLP{Hidden: 4, Layers: 3}}
	m, err := spec.Build(ds)
	if err != nil {
		t.Fatal(err)
	}
	a, err := archOf(spec, ds, m)
	if err != nil {
		t.Fatal(err)
	}
	if a.forward != 88 || a.params != 44 || !slices.Equal(a.probes, []int{5, 4, 4}) {
		t.Fatalf("arch %+v", a)
	}
	cfg := train.DefaultConfig(2)
	cfg.BatchSize, cfg.MeasureEpochs = 4, []int{2}
	c := estimate(a, cfg, ds, 1)
	measure := 10*88 + 10*2*(5*7+4*6+4*6) + 160*(125+64+64.0)
	want := 2*(10*3*88+3*88) + measure
	if c.Steps != 6 || c.Epochs != 2 || math.Abs(c.FLOPs-want) > 1e-9 || math.Abs(c.Seconds-want/1e9) > 1e-15 {
		t.Errorf("cost %+v, want 6 steps, %g FLOPs, %g s", c, want, want/1e9)
	}
	if c.Memory < baseMemory || c.Memory > baseMemory+1<<20 {
		t.Errorf("memory %d for a network of 44 weights", c.Memory)
	}
}

// A ResNet's forward FLOPs equal those of the products deepnrc bench
// enumerates for it (its own im2col shapes), and its weights those the
// model creates.
func TestResNetCostMatchesTheModel(t *testing.T) {
	cfg := model.ReducedResNet18(3)
	c, err := bench.ResNetCase("r", cfg, 32, 1)
	if err != nil {
		t.Fatal(err)
	}
	var fwd float64
	for _, mm := range c.Matmuls {
		fwd += 2 * float64(mm.M) * float64(mm.K) * float64(mm.N)
	}
	ds := &data.Dataset{Name: "img", InputShape: []int{32, 32, 3}, TargetDim: 3, Train: data.Split{N: 8}, Test: data.Split{N: 2}}
	spec := runs.Model{ResNet: runs.ResNetOf(cfg)}
	m, err := spec.Build(ds)
	if err != nil {
		t.Fatal(err)
	}
	a, err := archOf(spec, ds, m)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(a.forward-fwd) > 1e-6*fwd {
		t.Errorf("forward FLOPs %g, bench's products %g", a.forward, fwd)
	}
	// The weights the model creates: every kernel and the head (batch
	// norm's scales and offsets are not counted).
	b, err := testenv.Backend()
	if err != nil {
		t.Fatal(err)
	}
	ctx := mlctx.New()
	step, err := train.NewStep(b, ctx, m, train.SGD{}, ds.InputShape, ds.TargetDim)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := step.Run(make([]float32, 2*32*32*3), make([]float32, 2*3), 2, 0); err != nil {
		t.Fatal(err)
	}
	var weights int64
	for v := range ctx.IterVariables() {
		if v.Trainable && (strings.HasSuffix(v.ScopeAndName(), "/weights") || strings.HasSuffix(v.ScopeAndName(), "fc/biases")) {
			weights += int64(v.Shape().Size())
		}
	}
	if weights != a.params {
		t.Errorf("cost model counts %d weights, the model has %d", a.params, weights)
	}
}

// The ImageNet stem by hand: 16×16×3 → conv 7×7/2 → 8×8×4 → max pool → 4×4;
// one block of width 4 (two 3×3 convolutions at 4×4), head 4 → 1.
func TestImageNetStemByHand(t *testing.T) {
	ds := &data.Dataset{Name: "img", InputShape: []int{16, 16, 3}, TargetDim: 1, Train: data.Split{N: 4}}
	spec := runs.Model{ResNet: &runs.ResNet{Blocks: []int{1}, Widths: []int{4}, Stem: model.StemImageNet}}
	m, err := spec.Build(ds)
	if err != nil {
		t.Fatal(err)
	}
	a, err := archOf(spec, ds, m)
	if err != nil {
		t.Fatal(err)
	}
	want := 2.0*8*8*4*(7*7*3) + 2*(2.0*4*4*4*(3*3*4)) + 2*4*1
	if a.forward != want || a.params != 7*7*3*4+2*3*3*4*4+5 {
		t.Errorf("forward %g (want %g), params %d", a.forward, want, a.params)
	}
}

func TestTaskTimeAndMemory(t *testing.T) {
	for _, c := range []struct {
		seconds    float64
		plan, cpus int
		want       time.Duration
	}{
		{0, 2, 1, 10 * time.Minute},
		{100, 2, 2, 10 * time.Minute},   // 2·100 s + 5 min = 8m20s
		{200, 2, 2, 15 * time.Minute},   // 2·200 s + 5 min = 11m40s
		{3600, 2, 1, 8 * time.Hour},     // 2 h on one core, ×2 + 5 min
		{3600, 2, 4, 4 * time.Hour},     // more cores than the plan's: no speed-up assumed
		{1e9, 2, 1, 7 * 24 * time.Hour}, // capped: the run continues in requeued tasks
	} {
		if got := TaskTime(c.seconds, c.plan, c.cpus); got != c.want {
			t.Errorf("TaskTime(%g s, %d, %d) = %v, want %v", c.seconds, c.plan, c.cpus, got, c.want)
		}
	}
	for in, want := range map[int64]int64{300 << 20: 512 << 20, 100 << 20: 256 << 20, 10 << 30: 13 << 30} {
		if got := TaskMemory(in); got != want {
			t.Errorf("TaskMemory(%d MiB) = %d MiB, want %d MiB", in>>20, got>>20, want>>20)
		}
	}
	for d, want := range map[time.Duration]string{90 * time.Minute: "01:30:00", 36 * time.Hour: "1-12:00:00", 61 * time.Second: "00:02:00",
		7 * 24 * time.Hour: "7-00:00:00"} {
		if got := SlurmDuration(d); got != want {
			t.Errorf("SlurmDuration(%v) = %s, want %s", d, got, want)
		}
	}
}

// handPlan is a plan of four runs, one of them stored, two cheap and one
// long.
func handPlan() *Plan {
	mk := func(key, ref string, seconds float64, mem int64, stored bool) Run {
		return Run{Key: key, Ref: ref, Describe: "a run", Stored: stored, Cost: Cost{Seconds: seconds, Memory: mem}}
	}
	return &Plan{Scale: scale.Smoke, Figures: []string{"fig2", "fig9"}, Cores: 2, GFLOPS: 5, Runs: []Run{
		mk("aaa", "fig2:fig2/swimmer", 1, 100<<20, false),
		mk("bbb", "fig2:fig2/hopper", 20000, 3<<30, false),
		mk("ccc", "fig9:fig9/sgemm/wd=0", 2, 100<<20, true),
		mk("", "fig9:fig9/sgemm/wd=1e-05", 3, 100<<20, false),
	}}
}

func testSlurm(dir string) Slurm {
	return Slurm{Binary: filepath.Join(dir, "deepnrc"), Store: filepath.Join(dir, "store"), Out: filepath.Join(dir, "out"), CPUs: 1}
}

func TestArrayLaysOutThePendingRuns(t *testing.T) {
	dir := t.TempDir()
	a, err := NewArray(handPlan(), testSlurm(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Tasks) != 3 {
		t.Fatalf("%d tasks for 3 pending runs", len(a.Tasks))
	}
	// Cheap ones first, grouped; the long one alone.
	if len(a.Groups) != 2 || a.Groups[0] != (Group{0, 1, 10 * time.Minute, 256 << 20}) || a.Groups[1].First != 2 || a.Groups[1].Last != 2 {
		t.Errorf("groups %+v", a.Groups)
	}
	for _, want := range []string{"#SBATCH --array=0-2\n", "#SBATCH --cpus-per-task=1\n", "#SBATCH --requeue\n", "#SBATCH --signal=B:USR1@300\n",
		"'aaa fig2:fig2/swimmer'", "'- fig9:fig9/sgemm/wd=1e-05'", "'bbb fig2:fig2/hopper'", "--store " + filepath.Join(dir, "store"),
		"#SBATCH --time=" + SlurmDuration(a.Groups[1].Time) + "\n"} {
		if !strings.Contains(a.Script, want) {
			t.Errorf("script lacks %q:\n%s", want, a.Script)
		}
	}
	if strings.Contains(a.Script, "ccc") {
		t.Error("a stored run is in the script")
	}
	if strings.Contains(a.Script, "--gres") || strings.Contains(a.Script, "GOMLX_BACKEND") {
		t.Error("GPUs asked for without --gpus-per-run")
	}
	if out, err := exec.Command("bash", "-n", "-c", a.Script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	args := a.ArrayArgs(a.Groups[0])
	if !slices.Equal(args, []string{"--parsable", "--array=0-1", "--time=00:10:00", "--mem=256M", a.Path}) {
		t.Errorf("array args %q", args)
	}
	rep := strings.Join(a.ReportArgs([]string{"11", "12"}), " ")
	for _, want := range []string{"--dependency=afterok:11:12", "--kill-on-invalid-dep=yes", "reproduce --scale smoke", "--stored-only", "fig2 fig9"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report args lack %q: %s", want, rep)
		}
	}

	gpu := testSlurm(dir)
	gpu.GPUs, gpu.Backend, gpu.MaxRunning, gpu.Partition = 2, "xla:cuda", 4, "gpu"
	g, err := NewArray(handPlan(), gpu)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#SBATCH --gres=gpu:2\n", "#SBATCH --partition=gpu\n", "export GOMLX_BACKEND=xla:cuda\n"} {
		if !strings.Contains(g.Script, want) {
			t.Errorf("GPU script lacks %q", want)
		}
	}
	if !slices.Contains(g.ArrayArgs(g.Groups[0]), "--array=0-1%4") {
		t.Errorf("max running: %q", g.ArrayArgs(g.Groups[0]))
	}

	bad := testSlurm(dir)
	bad.Store = "relative/store"
	if _, err := NewArray(handPlan(), bad); err == nil || !strings.Contains(err.Error(), "absolute") {
		t.Errorf("a relative store: %v", err)
	}
	p := handPlan()
	p.Runs[0].Ref = "fig2:two words"
	if _, err := NewArray(p, testSlurm(dir)); err == nil {
		t.Error("a reference with a blank was put into the script")
	}
}

// The task script's own logic, run by bash with a stand-in deepnrc that
// exits with a given status (or is killed, or waits for a signal) and a
// stand-in scontrol that records the requeue.
func TestTaskScriptRequeues(t *testing.T) {
	dir := t.TempDir()
	opt := testSlurm(dir)
	a, err := NewArray(handPlan(), opt)
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "task.sbatch")
	os.WriteFile(script, []byte(a.Script), 0o755)
	bin := filepath.Join(dir, "bin")
	os.MkdirAll(bin, 0o755)
	// deepnrc: records its arguments; $FAKE_HOW says what it does.
	os.WriteFile(opt.Binary, []byte(`#!/bin/bash
echo "$@" > "$FAKE_DIR/args"
case "$FAKE_HOW" in
  exit*) exit "${FAKE_HOW#exit}" ;;
  kill) kill -KILL $$ ;;
  wait) trap 'echo stopping; exit 75' TERM; touch "$FAKE_DIR/started"; while :; do sleep 0.05; done ;;
esac
`), 0o755)
	os.WriteFile(filepath.Join(bin, "scontrol"), []byte(`#!/bin/bash
echo "$@" > "$FAKE_DIR/scontrol"
kill -TERM $PPID
`), 0o755)
	run := func(how string, restarts string, signal bool) (status int, requeued string, args string) {
		t.Helper()
		fake := t.TempDir()
		cmd := exec.Command("bash", script)
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "FAKE_DIR="+fake, "FAKE_HOW="+how,
			"SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_JOB_ID=77", "SLURM_RESTART_COUNT="+restarts, "SLURM_CPUS_PER_TASK=1", "SLURM_MEM_PER_NODE=512")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if signal {
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, err := os.Stat(filepath.Join(fake, "started")); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("the stand-in never started")
				}
				time.Sleep(10 * time.Millisecond)
			}
			cmd.Process.Signal(syscall.SIGUSR1) // Slurm's warning before the time limit
		}
		err := cmd.Wait()
		status = cmd.ProcessState.ExitCode()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			status = 128 + int(ws.Signal())
		}
		_ = err
		b, _ := os.ReadFile(filepath.Join(fake, "scontrol"))
		c, _ := os.ReadFile(filepath.Join(fake, "args"))
		return status, strings.TrimSpace(string(b)), strings.TrimSpace(string(c))
	}
	st, rq, args := run("exit0", "0", false)
	// Task 1 is the second cheap task: the run without a key.
	if st != 0 || rq != "" || args != "sweep run --scale smoke --store "+opt.Store+" --ref fig9:fig9/sgemm/wd=1e-05 -" {
		t.Errorf("success: status %d, requeue %q, deepnrc %q", st, rq, args)
	}
	if st, rq, _ := run("exit1", "0", false); st != 1 || rq != "" {
		t.Errorf("failure: status %d, requeue %q", st, rq)
	}
	if st, rq, _ := run("exit75", "0", false); rq != "requeue 77_1" || st == 0 {
		t.Errorf("stopped run: status %d, requeue %q", st, rq)
	}
	if _, rq, _ := run("kill", "0", false); rq != "requeue 77_1" {
		t.Errorf("killed run: requeue %q", rq)
	}
	if st, rq, _ := run("kill", "3", false); rq != "" || st != 137 {
		t.Errorf("killed run after 3 restarts: status %d, requeue %q (want 137, none)", st, rq)
	}
	if _, rq, _ := run("wait", "0", true); rq != "requeue 77_1" {
		t.Errorf("a task told to stop (USR1): requeue %q", rq)
	}
}

// The plan's keys are the keys the figures train, each once; once trained
// every run is stored; every reference resolves to its run.
func TestPlanKeysAreTheTrainedKeys(t *testing.T) {
	dir := t.TempDir()
	r := testRunner(t, dir)
	figs := []string{"fig2", "fig9", "table1"}
	p, err := Make(figs, scale.Smoke, r, Options{GFLOPS: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	fresh := testRunner(t, dir)
	for _, id := range figs {
		spec, err := experiment.Get(id, scale.Smoke)
		if err != nil {
			t.Fatal(err)
		}
		trained, err := experiment.Train(context.Background(), spec, fresh)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range trained {
			want[tr.Result.Key] = true
		}
	}
	var got []string
	for _, run := range p.Runs {
		got = append(got, run.Key)
		if run.Stored || run.Unchecked != "" {
			t.Errorf("%s: stored %v before training (%s)", run.Ref, run.Stored, run.Unchecked)
		}
		spec, seed, _, err := Resolve(run.Ref, scale.Smoke)
		if err != nil {
			t.Fatal(err)
		}
		if k, _ := r.Key(spec, seed); k != run.Key {
			t.Errorf("%s resolves to key %s, planned %s", run.Ref, k, run.Key)
		}
	}
	if len(got) != len(want) {
		t.Errorf("plan has %d runs, the figures train %d distinct keys", len(got), len(want))
	}
	for _, k := range got {
		if !want[k] {
			t.Errorf("planned key %s is not trained by the figures", k)
		}
	}
	swimmer := p.Runs[0]
	if swimmer.Ref != "fig2:fig2/swimmer" || !slices.Equal(swimmer.Figures, []string{"fig2", "table1"}) {
		t.Errorf("the shared Swimmer run: %+v", swimmer)
	}
	again, err := Make(figs, scale.Smoke, r, Options{GFLOPS: 5})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(again.Pending()); n != 0 {
		t.Errorf("%d runs pending after training them all", n)
	}

	// Planned without loading the data: no keys, the same costs.
	blind, err := Make([]string{"fig2"}, scale.Smoke, testRunner(t, t.TempDir()), Options{GFLOPS: 5, LoadLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, run := range blind.Runs {
		if run.Key != "" || !strings.Contains(run.Unchecked, "not loaded") || run.Cost.FLOPs != p.Runs[i].Cost.FLOPs || run.Cost.Steps != p.Runs[i].Cost.Steps {
			t.Errorf("%s planned blind: key %q, %q, cost %+v (loaded: %+v)", run.Ref, run.Key, run.Unchecked, run.Cost, p.Runs[i].Cost)
		}
	}
}

func TestResolveRejectsBadReferences(t *testing.T) {
	for _, ref := range []string{"fig2", "fig2:", "figX:fig2/swimmer", "fig2:fig2/nope"} {
		if _, _, _, err := Resolve(ref, scale.Smoke); err == nil {
			t.Errorf("Resolve(%q) accepted", ref)
		}
	}
	_, _, _, err := Resolve("fig2:fig2/nope", scale.Smoke)
	if err == nil || !strings.Contains(err.Error(), "fig2/swimmer") {
		t.Errorf("the error does not list the figure's runs: %v", err)
	}
}
