package sweep

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Slurm configures the array job of a sweep.
type Slurm struct {
	// Binary is the deepnrc executable the tasks run, Store the run store
	// and Out the output directory (report, script, logs): absolute paths
	// that every node sees (a shared filesystem).
	Binary, Store, Out string
	// DataDir and Source are passed to the tasks ("": the defaults).
	DataDir, Source string
	// Partition, when set, is the partition of every job.
	Partition string
	// Time, when > 0, is every task's time limit; 0 derives each from its
	// run's estimate (see TaskTime). A run longer than its limit continues
	// in the requeued task, from its last checkpoint.
	Time time.Duration
	// CPUs is the number of cores of a task (GOMAXPROCS); 0 means 1.
	CPUs int
	// GPUs, when > 0, asks for that many GPUs per task (--gres=gpu:N).
	GPUs int
	// Backend, when set, is exported to the tasks as GOMLX_BACKEND
	// ("xla:cuda" for GPUs).
	Backend string
	// MaxRunning, when > 0, bounds the tasks running at once (--array=…%N).
	MaxRunning int
	// Warn is how long before its time limit a task is told to stop (and
	// requeue itself); 0 means DefaultWarn.
	Warn time.Duration
	// Extra are more sbatch options for every job ("--account=abc").
	Extra []string
}

// DefaultWarn is Slurm.Warn's default.
const DefaultWarn = 5 * time.Minute

// ExitRequeue is the exit status of `deepnrc sweep run` stopped by a
// signal (the time limit's warning, a preemption) after keeping its
// checkpoint: the task script requeues the task on it.
const ExitRequeue = 75

// Task is one array task: a run and its resources.
type Task struct {
	Index  int
	Run    Run
	Time   time.Duration
	Memory int64
}

// Group is a contiguous range of tasks with the same resources, submitted
// together.
type Group struct {
	First, Last int
	Time        time.Duration
	Memory      int64
}

// Array is a sweep's array job: its tasks (the plan's pending runs, grouped
// by their resources) and the script that runs them.
type Array struct {
	Tasks  []Task
	Groups []Group
	// Script is the sbatch script, the same for every group.
	Script string
	// Path is where the script is written (Out/slurm/<name>.sbatch).
	Path string
	// Name is the jobs' name.
	Name string
	opt  Slurm
	plan *Plan
}

// timeTiers are the task time limits TaskTime rounds up to.
var timeTiers = []time.Duration{
	10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour,
	12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 72 * time.Hour, 5 * 24 * time.Hour, 7 * 24 * time.Hour,
}

// TaskTime is the time limit of a task training a run estimated at
// seconds on a machine of planCores cores, on cpus cores: twice the
// scaled estimate plus five minutes, rounded up to 10 min, 15 min, 30 min,
// 1, 2, 4, 8, 12 hours, 1, 2, 3, 5 or 7 days. A run estimated at more
// than 7 days gets 7 days and continues in requeued tasks.
func TaskTime(seconds float64, planCores, cpus int) time.Duration {
	if cpus < planCores {
		seconds *= float64(planCores) / float64(max(cpus, 1))
	}
	want := time.Duration(2*seconds*float64(time.Second)) + 5*time.Minute
	for _, t := range timeTiers {
		if want <= t {
			return t
		}
	}
	return timeTiers[len(timeTiers)-1]
}

// TaskMemory is the memory request of a task whose run is estimated at
// bytes: a quarter more, rounded up to 256 MiB (1 GiB above 4 GiB).
func TaskMemory(bytes int64) int64 {
	want := bytes + bytes/4
	step := int64(256 << 20)
	if want > 4<<30 {
		step = 1 << 30
	}
	return (want + step - 1) / step * step
}

// NewArray lays out the array job of the plan's pending runs.
func NewArray(p *Plan, opt Slurm) (*Array, error) {
	if opt.Binary == "" || opt.Store == "" || opt.Out == "" {
		return nil, fmt.Errorf("sweep: the Slurm job needs the deepnrc binary, the run store and the output directory")
	}
	for _, path := range []string{opt.Binary, opt.Store, opt.Out} {
		if !filepath.IsAbs(path) {
			return nil, fmt.Errorf("sweep: %q is not an absolute path: the tasks run elsewhere", path)
		}
	}
	if opt.CPUs <= 0 {
		opt.CPUs = 1
	}
	if opt.Warn <= 0 {
		opt.Warn = DefaultWarn
	}
	a := &Array{opt: opt, plan: p, Name: "deepnrc-" + string(p.Scale)}
	for _, r := range p.Pending() {
		if strings.ContainsAny(r.Ref+r.Key, " \t\n'\"\\$`") {
			return nil, fmt.Errorf("sweep: run reference %q cannot go into a task line (it has a blank or a quote)", r.Ref)
		}
		t := Task{Run: r, Time: opt.Time, Memory: TaskMemory(r.Cost.Memory)}
		if t.Time <= 0 {
			t.Time = TaskTime(r.Cost.Seconds, p.Cores, opt.CPUs)
		}
		a.Tasks = append(a.Tasks, t)
	}
	slices.SortStableFunc(a.Tasks, func(x, y Task) int {
		if x.Time != y.Time {
			return int((x.Time - y.Time) / time.Second)
		}
		return int((x.Memory - y.Memory) >> 20)
	})
	for i := range a.Tasks {
		t := &a.Tasks[i]
		t.Index = i
		if n := len(a.Groups); n > 0 && a.Groups[n-1].Time == t.Time && a.Groups[n-1].Memory == t.Memory {
			a.Groups[n-1].Last = i
			continue
		}
		a.Groups = append(a.Groups, Group{First: i, Last: i, Time: t.Time, Memory: t.Memory})
	}
	a.Path = filepath.Join(opt.Out, "slurm", a.Name+".sbatch")
	a.Script = a.script()
	return a, nil
}

// LogDir is where the jobs' output goes.
func (a *Array) LogDir() string { return filepath.Join(a.opt.Out, "slurm", "logs") }

// ArrayArgs returns the sbatch arguments that submit group g of the script.
func (a *Array) ArrayArgs(g Group) []string {
	spec := fmt.Sprintf("%d-%d", g.First, g.Last)
	if a.opt.MaxRunning > 0 {
		spec += fmt.Sprintf("%%%d", a.opt.MaxRunning)
	}
	return []string{"--parsable", "--array=" + spec, "--time=" + SlurmDuration(g.Time), "--mem=" + slurmMemory(g.Memory), a.Path}
}

// ReportArgs returns the sbatch arguments of the report job, which waits
// for the array jobs ids (none: it runs at once).
func (a *Array) ReportArgs(ids []string) []string {
	opt := a.opt
	args := []string{"--parsable", "--job-name=" + a.Name + "-report", "--ntasks=1",
		fmt.Sprintf("--cpus-per-task=%d", opt.CPUs), "--time=" + SlurmDuration(a.reportTime()),
		"--mem=" + slurmMemory(a.reportMemory()), "--output=" + filepath.Join(a.LogDir(), "%x-%j.out")}
	if len(ids) > 0 {
		args = append(args, "--dependency=afterok:"+strings.Join(ids, ":"), "--kill-on-invalid-dep=yes")
	}
	if opt.Partition != "" {
		args = append(args, "--partition="+opt.Partition)
	}
	args = append(args, opt.Extra...)
	return append(args, "--wrap", a.ReportCommand())
}

// ReportCommand is the report job's shell command: deepnrc reproduce of
// the sweep's figures, reading every run from the store.
func (a *Array) ReportCommand() string {
	opt := a.opt
	cmd := []string{"env", "GOMLX_NO_AUTO_INSTALL=1", fmt.Sprintf("GOMAXPROCS=%d", opt.CPUs)}
	if opt.Backend != "" {
		cmd = append(cmd, "GOMLX_BACKEND="+shellQuote(opt.Backend))
	}
	cmd = append(cmd, shellQuote(opt.Binary), "reproduce",
		"--scale", string(a.plan.Scale), "--store", shellQuote(opt.Store), "--out", shellQuote(opt.Out), "--stored-only", "--quiet")
	cmd = append(cmd, a.dataFlags()...)
	cmd = append(cmd, a.plan.Figures...)
	return strings.Join(cmd, " ")
}

// reportTime is the report job's time limit: Slurm.Time when given, else
// four hours (it loads every dataset and draws every figure; it trains
// nothing).
func (a *Array) reportTime() time.Duration {
	if a.opt.Time > 0 {
		return a.opt.Time
	}
	return 4 * time.Hour
}

// reportMemory is the report job's memory: enough to load the largest
// dataset of the sweep.
func (a *Array) reportMemory() int64 {
	m := int64(1 << 30)
	for _, r := range a.plan.Runs {
		m = max(m, TaskMemory(r.Cost.Memory))
	}
	return m
}

func (a *Array) dataFlags() []string {
	var out []string
	if a.opt.DataDir != "" {
		out = append(out, "--data", shellQuote(a.opt.DataDir))
	}
	if a.opt.Source != "" {
		out = append(out, "--source", shellQuote(a.opt.Source))
	}
	return out
}

// script writes the sbatch script.
func (a *Array) script() string {
	opt, p := a.opt, a.plan
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("#!/bin/bash")
	w("# deepnrc sweep: the runs of %s at %s scale that are not yet in the run store, one array task each.",
		strings.Join(p.Figures, " "), p.Scale)
	w("# Written by `deepnrc sweep slurm`, which submits it once per group of tasks of like cost:")
	for _, g := range a.Groups {
		args := a.ArrayArgs(g)
		w("#   sbatch %s", strings.Join(args[1:], " "))
	}
	w("# then the report, once every task has succeeded:")
	w("#   sbatch --dependency=afterok:<the ids above> --wrap %s", shellQuote(a.ReportCommand()))
	w("# A task trains one run (deepnrc sweep run) into the shared store; told to stop (its time limit is near, or")
	w("# it is preempted), or killed, it requeues itself and resumes from the run's last checkpoint.")
	var maxTime time.Duration
	var maxMem int64
	for _, t := range a.Tasks {
		maxTime, maxMem = max(maxTime, t.Time), max(maxMem, t.Memory)
	}
	if len(a.Tasks) == 0 {
		maxTime, maxMem = 10*time.Minute, 256<<20
	}
	w("#SBATCH --job-name=%s", a.Name)
	w("#SBATCH --array=0-%d", max(len(a.Tasks)-1, 0))
	w("#SBATCH --time=%s", SlurmDuration(maxTime))
	w("#SBATCH --mem=%s", slurmMemory(maxMem))
	w("#SBATCH --ntasks=1")
	w("#SBATCH --cpus-per-task=%d", opt.CPUs)
	if opt.GPUs > 0 {
		w("#SBATCH --gres=gpu:%d", opt.GPUs)
	}
	if opt.Partition != "" {
		w("#SBATCH --partition=%s", opt.Partition)
	}
	for _, e := range opt.Extra {
		w("#SBATCH %s", e)
	}
	w("#SBATCH --requeue")
	w("#SBATCH --open-mode=append")
	w("#SBATCH --signal=B:USR1@%d", int(opt.Warn.Seconds()))
	w("#SBATCH --output=%s", filepath.Join(a.LogDir(), "%x-%A_%a.out"))
	w("set -u")
	w("# One line per task: the run's store key (\"-\": computed by the task) and its reference <figure>:<label>.")
	w("runs=(")
	for _, t := range a.Tasks {
		key := t.Run.Key
		if key == "" {
			key = "-"
		}
		w("  %s  # %d: %s; estimated %s here, %s, time limit %s", shellQuote(key+" "+t.Run.Ref), t.Index, t.Run.Describe,
			t.Run.Cost.Duration().Round(time.Second), formatBytes(t.Run.Cost.Memory), SlurmDuration(t.Time))
	}
	w(")")
	w(`task="${SLURM_ARRAY_TASK_ID:-}"`)
	w(`if [ -z "$task" ] || [ "$task" -ge "${#runs[@]}" ]; then`)
	w(`  echo "deepnrc sweep: submit this script as a Slurm array job (sbatch --array=0-$(( ${#runs[@]} - 1 )) $0)" >&2`)
	w(`  exit 2`)
	w(`fi`)
	w(`read -r key ref <<< "${runs[$task]}"`)
	w(`export GOMAXPROCS="${SLURM_CPUS_PER_TASK:-%d}" GOMLX_NO_AUTO_INSTALL=1`, opt.CPUs)
	w(`# The memory budget of deepnrc is the task's allocation (SLURM_MEM_PER_NODE is in MiB).`)
	w(`if [ -n "${SLURM_MEM_PER_NODE:-}" ]; then export DEEPNRC_MEMORY="${SLURM_MEM_PER_NODE}MiB"; fi`)
	if opt.Backend != "" {
		w(`export GOMLX_BACKEND=%s`, shellQuote(opt.Backend))
	}
	w(`restarts="${SLURM_RESTART_COUNT:-0}"`)
	w(`echo "deepnrc sweep: task ${SLURM_ARRAY_JOB_ID}_${task} (restart $restarts) on $(hostname) at $(date -u +%%FT%%T.%%NZ): run $ref, key $key"`)
	run := []string{shellQuote(opt.Binary), "sweep", "run", "--scale", string(p.Scale), "--store", shellQuote(opt.Store)}
	run = append(run, a.dataFlags()...)
	run = append(run, `--ref "$ref"`, `"$key"`)
	w("%s &", strings.Join(run, " "))
	w(`child=$!`)
	w(`signalled=0`)
	w(`trap 'signalled=1; echo "deepnrc sweep: told to stop (time limit near, or preemption): stopping the run"; kill -TERM "$child" 2>/dev/null' USR1 TERM`)
	w(`rc=0`)
	w(`wait "$child" || rc=$?`)
	w(`# A trapped signal ends wait early: wait again for the run's own exit status.`)
	w(`while [ "$signalled" = 1 ] && [ "$rc" -gt 128 ]; do signalled=2; rc=0; wait "$child" || rc=$?; done`)
	w(`echo "deepnrc sweep: task ${SLURM_ARRAY_JOB_ID}_${task} exit status $rc at $(date -u +%%FT%%T.%%NZ)"`)
	w(`case "$rc" in`)
	w(`  0) exit 0 ;;`)
	w(`  %d) max=100 ;;  # stopped by a signal after keeping its checkpoint`, ExitRequeue)
	w(`  137) max=3 ;;  # killed (SIGKILL): requeued a few times, in case it was not the run's own fault`)
	w(`  *) exit "$rc" ;;`)
	w(`esac`)
	w(`if [ "$restarts" -ge "$max" ]; then`)
	w(`  echo "deepnrc sweep: not requeueing after $restarts restarts; run deepnrc sweep slurm again to resubmit what is left" >&2`)
	w(`  exit "$rc"`)
	w(`fi`)
	w(`echo "deepnrc sweep: requeueing task ${SLURM_ARRAY_JOB_ID}_${task}: the run resumes from its last checkpoint"`)
	w(`trap - USR1 TERM`)
	w(`scontrol requeue "${SLURM_ARRAY_JOB_ID}_${task}" || exit "$rc"`)
	w(`sleep 60  # the requeue ends this script`)
	w(`exit "$rc"`)
	return b.String()
}

// SlurmDuration writes d as Slurm's [days-]hours:minutes:seconds, rounded
// up to the minute.
func SlurmDuration(d time.Duration) string {
	m := int64((d + time.Minute - 1) / time.Minute)
	days, h, min := m/(24*60), m/60%24, m%60
	if days > 0 {
		return fmt.Sprintf("%d-%02d:%02d:00", days, h, min)
	}
	return fmt.Sprintf("%02d:%02d:00", h, min)
}

// slurmMemory writes bytes as a Slurm memory size, in MiB (M) or whole
// GiB (G).
func slurmMemory(bytes int64) string {
	if bytes%(1<<30) == 0 {
		return fmt.Sprintf("%dG", bytes>>30)
	}
	return fmt.Sprintf("%dM", (bytes+1<<20-1)>>20)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
