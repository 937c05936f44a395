package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/experiment"
	"github.com/deepnrc/deepnrc/nrclib/membudget"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/sweep"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

func init() {
	register(command{
		name:    "sweep",
		summary: "paper scale on a cluster: plan the runs (sweep plan), submit them as a Slurm array job (sweep slurm), train one (sweep run)",
		run:     runSweep,
		examples: []string{
			"deepnrc sweep plan --scale paper                         # every run of the paper: cost, memory, stored or not",
			"deepnrc sweep slurm --scale paper --store /shared/deepnrc --out /shared/paper --wait",
			"deepnrc sweep slurm --scale paper --dry-run > paper.sbatch   # the array script, to read or sbatch --test-only",
			"GOMLX_BACKEND=xla:cuda deepnrc sweep slurm --scale paper --gpus-per-run 1 --time 12h --partition gpu",
			"deepnrc sweep run --scale paper --store /shared/deepnrc --ref fig2:fig2/swimmer   # what one array task runs",
		},
	})
}

const sweepUsage = `Usage:
  deepnrc sweep plan  [flags] [FIG...]    the runs FIG... need, each store key once, with their estimated
                                          cost and whether the run store has them
  deepnrc sweep slurm [flags] [FIG...]    write the Slurm array script (one task per run not yet stored),
                                          submit it and the report job that depends on it
  deepnrc sweep run   [flags] [KEY]       train one run into the store (an array task)

FIG is one of: %s (none = all).
`

func runSweep(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintf(stderr, sweepUsage, strings.Join(experiment.IDs(), " "))
		return fmt.Errorf("missing subcommand: plan, slurm or run")
	}
	switch args[0] {
	case "plan":
		return sweepPlan(args[1:], stdout, stderr)
	case "slurm":
		return sweepSlurm(args[1:], stdout, stderr)
	case "run":
		return sweepRun(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(stdout, sweepUsage, strings.Join(experiment.IDs(), " "))
		writeExamples(stdout, commands["sweep"].examples)
		return nil
	}
	fmt.Fprintf(stderr, sweepUsage, strings.Join(experiment.IDs(), " "))
	return fmt.Errorf("unknown subcommand %q: use plan, slurm or run", args[0])
}

// sweepFlags are the flags every sweep subcommand shares.
type sweepFlags struct {
	scale, store, data, source *string
	memory                     memorySetting
}

func addSweepFlags(fs *flag.FlagSet) *sweepFlags {
	return &sweepFlags{
		scale:  fs.String("scale", "", "experiment scale: quick (default, or $"+scale.Env+"), paper or smoke"),
		store:  fs.String("store", "", "run store directory (default $"+train.EnvStoreDir+" or the user cache); on a cluster, a shared filesystem"),
		data:   fs.String("data", "", "data directory with the real datasets (default "+data.DefaultDir()+")"),
		source: fs.String("source", "", "data source: auto (default), simulated, standin or real"),
		memory: memoryFlag(fs),
	}
}

// runner opens the store and returns the scale and a runner (logging to
// log, with the progress displays of progress; both may be nil).
func (f *sweepFlags) runner(log io.Writer, progress func(string) train.Progress) (scale.Scale, *runs.Runner, error) {
	if err := f.memory.apply(); err != nil {
		return "", nil, err
	}
	sc, err := scale.FlagOrEnv(*f.scale)
	if err != nil {
		return "", nil, err
	}
	dir := *f.store
	if dir == "" {
		if dir, err = train.DefaultStoreDir(); err != nil {
			return "", nil, err
		}
	}
	st, err := train.OpenStore(dir)
	if err != nil {
		return "", nil, err
	}
	r, err := runs.NewRunner(runs.Options{Store: st, DataDir: *f.data, Source: data.Source(*f.source), Log: log, Progress: progress})
	return sc, r, err
}

func sweepPlan(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sweep plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sf := addSweepFlags(fs)
	asJSON := fs.Bool("json", false, "print the plan as JSON")
	gflops := fs.Float64("gflops", 0, "matrix-product rate (GFLOP/s) the times assume (default: this machine's, measured)")
	loadLimit := fs.String("load-limit", "2GiB", "load no dataset bigger than this to compute keys (bigger ones: the task computes the key)")
	setUsage(fs, "sweep", "Usage: deepnrc sweep plan [flags] [FIG...]\n\nLists every run the figures need, each store key once, with its cost and its state in the run store.")
	names, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	sc, r, err := sf.runner(nil, nil)
	if err != nil {
		return err
	}
	limit, err := membudget.ParseSize(*loadLimit)
	if err != nil {
		return fmt.Errorf("--load-limit: %w", err)
	}
	p, err := sweep.Make(names, sc, r, sweep.Options{GFLOPS: *gflops, LoadLimit: limit})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	printPlan(stdout, p)
	return nil
}

// printPlan writes the plan as a table.
func printPlan(w io.Writer, p *sweep.Plan) {
	pending := p.Pending()
	fmt.Fprintf(w, "%s scale: %d runs for %s, %d of them in the store %s\n", p.Scale, len(p.Runs), strings.Join(p.Figures, " "),
		len(p.Runs)-len(pending), p.Store)
	fmt.Fprintf(w, "times assume training at %.1f GFLOP/s on %d cores (measured here on the Swimmer MLP unless --gflops); they are rough, and long for wide networks\n\n", p.GFLOPS, p.Cores)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "#\trun\tkey\tepochs\tsteps\tFLOPs\ttime here\tmemory\tstate\t")
	var unchecked []string
	for i, r := range p.Runs {
		key, state := r.Key, "to train"
		switch {
		case r.Key == "":
			key, state = "(task)", "unknown*"
			unchecked = append(unchecked, r.Unchecked)
		case r.Stored:
			state = "stored"
		case r.Checkpoint > 0:
			state = fmt.Sprintf("checkpoint %d", r.Checkpoint)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%.2g\t%s\t%s\t%s\t\n", i+1, r.Ref, key, r.Cost.Epochs, r.Cost.Steps, r.Cost.FLOPs,
			humanDuration(r.Cost.Duration()), humanBytes(r.Cost.Memory), state)
	}
	tw.Flush()
	t := sweep.Total(pending)
	if len(pending) == 0 {
		fmt.Fprintln(w, "\nnothing to train: every run is in the store")
		return
	}
	fmt.Fprintf(w, "\nto train: %d runs, %.2g FLOPs, about %s here one after another; the largest needs %s\n",
		len(pending), t.FLOPs, humanDuration(t.Duration()), humanBytes(t.Memory))
	if len(unchecked) > 0 {
		fmt.Fprintf(w, "* %s\n", unchecked[0])
	}
}

func humanDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	case d < 48*time.Hour:
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	}
	return fmt.Sprintf("%.1fd", d.Hours()/24)
}

func humanBytes(b int64) string {
	if b >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", b>>20)
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, " ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func sweepSlurm(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sweep slurm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sf := addSweepFlags(fs)
	out := fs.String("out", DefaultReproduceDir, "output directory for the report, the script (slurm/) and the logs (slurm/logs/); on a cluster, a shared filesystem")
	partition := fs.String("partition", "", "Slurm partition of every job (default: the cluster's)")
	timeFlag := fs.String("time", "", "time limit of every task, e.g. 12h or 2-00:00:00 (default: from each run's estimate); a longer run continues in the requeued task")
	cpus := fs.Int("cpus-per-run", 1, "cores of each task (GOMAXPROCS)")
	gpus := fs.Int("gpus-per-run", 0, "GPUs of each task (--gres=gpu:N); needs GOMLX_BACKEND=xla:cuda")
	maxRunning := fs.Int("max-running", 0, "at most this many tasks at once (0: no bound)")
	var extra repeated
	fs.Var(&extra, "sbatch-arg", "another sbatch option for every job, e.g. --sbatch-arg=--account=abc (repeatable)")
	binary := fs.String("deepnrc", "", "the deepnrc binary the tasks run (default: this one); every node must see it")
	dryRun := fs.Bool("dry-run", false, "print the array script on stdout and the sbatch commands on stderr; submit nothing")
	wait := fs.Bool("wait", false, "follow the jobs until they end (squeue), and exit with their status")
	poll := fs.Duration("poll", 10*time.Second, "with --wait: how often to ask squeue")
	loadLimit := fs.String("load-limit", "2GiB", "load no dataset bigger than this to compute keys (bigger ones: the task computes the key)")
	gflops := fs.Float64("gflops", 0, "matrix-product rate (GFLOP/s) of a node, for the time limits (default: this machine's, measured)")
	setUsage(fs, "sweep", "Usage: deepnrc sweep slurm [flags] [FIG...]\n\n"+
		"Writes <out>/slurm/deepnrc-<scale>.sbatch, one array task per run not yet in the store, and submits it\n"+
		"(once per group of tasks of like cost) with the report job depending on it. The store, the output directory\n"+
		"and the deepnrc binary must be on a filesystem every node sees.")
	names, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	opt := sweep.Slurm{Partition: *partition, CPUs: *cpus, GPUs: *gpus, MaxRunning: *maxRunning, Extra: extra,
		DataDir: *sf.data, Source: *sf.source, Backend: os.Getenv("GOMLX_BACKEND")}
	if *timeFlag != "" {
		if opt.Time, err = parseSlurmTime(*timeFlag); err != nil {
			return fmt.Errorf("--time %q: %w", *timeFlag, err)
		}
	}
	if *gpus > 0 && !strings.HasPrefix(opt.Backend, "xla:cuda") {
		return fmt.Errorf("--gpus-per-run %d: the tasks would not use the GPUs; set GOMLX_BACKEND=xla:cuda (a build with -tags xla and the CUDA PJRT plugin on the nodes)", *gpus)
	}
	if *cpus < 1 {
		return fmt.Errorf("--cpus-per-run %d: give at least 1", *cpus)
	}
	if opt.Binary, err = taskBinary(*binary); err != nil {
		return err
	}
	if opt.Out, err = filepath.Abs(*out); err != nil {
		return err
	}
	if opt.DataDir != "" {
		if opt.DataDir, err = filepath.Abs(opt.DataDir); err != nil {
			return err
		}
	}
	if *sf.store != "" {
		abs, err := filepath.Abs(*sf.store)
		if err != nil {
			return err
		}
		*sf.store = abs
	}
	sc, r, err := sf.runner(nil, nil)
	if err != nil {
		return err
	}
	if opt.Store, err = filepath.Abs(r.Store().Dir); err != nil {
		return err
	}
	limit, err := membudget.ParseSize(*loadLimit)
	if err != nil {
		return fmt.Errorf("--load-limit: %w", err)
	}
	p, err := sweep.Make(names, sc, r, sweep.Options{GFLOPS: *gflops, LoadLimit: limit})
	if err != nil {
		return err
	}
	a, err := sweep.NewArray(p, opt)
	if err != nil {
		return err
	}
	if *dryRun {
		fmt.Fprint(stdout, a.Script)
		fmt.Fprintf(stderr, "# %d runs, %d in the store: %d array tasks. deepnrc sweep slurm would write the script above to %s and run:\n",
			len(p.Runs), len(p.Runs)-len(a.Tasks), len(a.Tasks), a.Path)
		for i, g := range a.Groups {
			fmt.Fprintf(stderr, "sbatch %s   # → array job id J%d\n", strings.Join(a.ArrayArgs(g), " "), i+1)
		}
		var deps []string
		for i := range a.Groups {
			deps = append(deps, fmt.Sprintf("J%d", i+1))
		}
		fmt.Fprintf(stderr, "sbatch %s\n", shellJoin(a.ReportArgs(deps)))
		return nil
	}
	if err := checkOutDir(opt.Out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d runs for %s at %s scale, %d in the store %s: %d array tasks\n", len(p.Runs), strings.Join(p.Figures, " "),
		sc, len(p.Runs)-len(a.Tasks), opt.Store, len(a.Tasks))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	sub, err := a.Submit(ctx, stdout)
	if err != nil {
		return err
	}
	if !*wait {
		fmt.Fprintf(stdout, "follow with: squeue -j %s\n", strings.Join(append(append([]string{}, sub.ArrayIDs...), sub.ReportID), ","))
		return nil
	}
	if err := sub.Wait(ctx, a, *poll, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report: %s\n", filepath.Join(opt.Out, experiment.ReportFile))
	return nil
}

// taskBinary returns the absolute path of the deepnrc binary the tasks
// run: the flag's, else this process's own (refused when it is a
// temporary build of go run, which vanishes).
func taskBinary(flagValue string) (string, error) {
	path := flagValue
	if path == "" {
		exe, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("cannot tell where this deepnrc binary is (%v): pass --deepnrc PATH", err)
		}
		if strings.Contains(exe, string(filepath.Separator)+"go-build") {
			return "", fmt.Errorf("this deepnrc is a temporary build of go run (%s), gone when it exits: "+
				"build one where every node sees it (go build -o /shared/bin/deepnrc ./cmd/deepnrc) and run that, or pass --deepnrc PATH", exe)
		}
		path = exe
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if st, err := os.Stat(abs); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("--deepnrc %s: not an executable file", abs)
	}
	return abs, nil
}

// parseSlurmTime reads a Go duration ("36h", "90m") or a Slurm time
// ("minutes", "h:m:s", "d-h", "d-h:m", "d-h:m:s", "m:s").
func parseSlurmTime(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return 0, fmt.Errorf("a time limit must be positive")
		}
		return d, nil
	}
	days := 0
	rest := s
	if d, r, ok := strings.Cut(s, "-"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("not a duration (36h) nor a Slurm time (2-00:00:00)")
		}
		days, rest = n, r
	}
	parts := strings.Split(rest, ":")
	var nums []int
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || len(parts) > 3 {
			return 0, fmt.Errorf("not a duration (36h) nor a Slurm time (2-00:00:00)")
		}
		nums = append(nums, n)
	}
	var d time.Duration
	switch {
	case days > 0: // d-h, d-h:m, d-h:m:s
		units := []time.Duration{time.Hour, time.Minute, time.Second}
		for i, n := range nums {
			d += time.Duration(n) * units[i]
		}
		d += time.Duration(days) * 24 * time.Hour
	case len(nums) == 1: // minutes
		d = time.Duration(nums[0]) * time.Minute
	case len(nums) == 2: // minutes:seconds
		d = time.Duration(nums[0])*time.Minute + time.Duration(nums[1])*time.Second
	default: // hours:minutes:seconds
		d = time.Duration(nums[0])*time.Hour + time.Duration(nums[1])*time.Minute + time.Duration(nums[2])*time.Second
	}
	if d <= 0 {
		return 0, fmt.Errorf("a time limit must be positive")
	}
	return d, nil
}

// shellJoin quotes args for a shell command line.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " '\"$`\\|&;<>(){}*?#~") || a == "" {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// envTestStop makes `sweep run` stop itself after the first checkpoint it
// writes of a fresh run, so that the tests can check that a task stopped
// mid-run resumes: "kill:<key>" sends it SIGKILL, "term:<key>" SIGTERM,
// "warn:<key>" sends its parent (the task's batch shell) SIGUSR1, as Slurm
// does near a time limit, and "fail:<key>" exits with status 1 (a task
// that fails); several are separated by commas. The run first stays
// mid-run for testStopHold. It is for the
// tests only (TestSweepOnSlurm, TestSweepRunStopsOnSIGTERM).
const envTestStop = "DEEPNRC_TEST_STOP_AFTER_CHECKPOINT"

// testStopHold is how long a run stopped by envTestStop stays mid-run
// before it stops.
const testStopHold = 2 * time.Second

// errStopped is the cause of a run stopped by a signal.
var errStopped = errors.New("stopped by a signal")

func sweepRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sweep run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sf := addSweepFlags(fs)
	ref := fs.String("ref", "", "the run as <figure>:<record label> (the array script gives it; without it, the figures are planned to find KEY)")
	lockWait := fs.Duration("lock-wait", 0, "wait this long for a run another process is training (0: fail at once)")
	quiet := fs.Bool("quiet", false, "no progress lines")
	setUsage(fs, "sweep", "Usage: deepnrc sweep run [flags] [KEY]\n\n"+
		"Trains one run into the store (resuming from its checkpoint), as an array task of deepnrc sweep slurm.\n"+
		"KEY, when given, must be the run's store key (\"-\": not known yet). On SIGTERM, SIGUSR1 or SIGINT it stops\n"+
		fmt.Sprintf("at the next mini-batch, keeps the run's last checkpoint and exits with status %d (requeue me).", sweep.ExitRequeue))
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return fmt.Errorf("one KEY at most, got %q", pos)
	}
	key := ""
	if len(pos) == 1 && pos[0] != "-" {
		key = pos[0]
	}
	if key == "" && *ref == "" {
		return fmt.Errorf("give the run: --ref <figure>:<label> and/or its KEY (deepnrc sweep plan lists both)")
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var runKey string // the hook's key, known below
	sc, r, err := sf.runner(stdout, func(string) train.Progress {
		var p train.Progress
		if !*quiet {
			p = train.NewTerminalProgress(stderr)
		}
		return testStop(ctx, p, runKey)
	})
	if err != nil {
		return err
	}
	r.Store().LockWait = *lockWait
	if *ref == "" {
		p, err := sweep.Make(nil, sc, r, sweep.Options{GFLOPS: 1})
		if err != nil {
			return err
		}
		for _, run := range p.Runs {
			if run.Key == key {
				*ref = run.Ref
			}
		}
		if *ref == "" {
			return fmt.Errorf("no run of the paper has key %s at %s scale (deepnrc sweep plan --scale %s lists the keys)", key, sc, sc)
		}
	}
	spec, seed, name, err := sweep.Resolve(*ref, sc)
	if err != nil {
		return err
	}
	got, err := r.Key(spec, seed)
	if err != nil {
		return err
	}
	if key != "" && got != key {
		return fmt.Errorf("run %s has key %s here, not %s: the code, the data or the scale changed since the sweep was planned; "+
			"plan it again (deepnrc sweep slurm)", *ref, got, key)
	}
	runKey = got
	fmt.Fprintf(stdout, "sweep run %s (key %s) at %s: %s\n", *ref, got, time.Now().UTC().Format(time.RFC3339Nano), spec.Describe())

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGUSR1, os.Interrupt)
	defer signal.Stop(sigs)
	go func() {
		if s, ok := <-sigs; ok {
			fmt.Fprintf(stderr, "deepnrc sweep run: %v: stopping at the next mini-batch (the run's last checkpoint stays)\n", s)
			cancel(errStopped)
		}
	}()
	start := time.Now()
	t, err := r.TrainSeed(ctx, spec, name, seed)
	if err != nil {
		if errors.Is(context.Cause(ctx), errStopped) {
			p, _ := r.Store().Progress(got)
			return exitCode{sweep.ExitRequeue, fmt.Errorf("run %s stopped after %s with its checkpoint at epoch %d of %d in the store: "+
				"requeue the task (or run this again) to resume from it", *ref, time.Since(start).Round(time.Millisecond), p.Epoch, p.Epochs)}
		}
		return err
	}
	how := "trained"
	switch {
	case t.Result.Cached:
		how = "already in the store"
	case t.Result.ResumedFrom > 0:
		how = fmt.Sprintf("resumed from epoch %d and trained", t.Result.ResumedFrom)
	}
	fmt.Fprintf(stdout, "sweep run %s (key %s) %s in %s, finished at %s\n", *ref, got, how, time.Since(start).Round(time.Millisecond),
		time.Now().UTC().Format(time.RFC3339Nano))
	return nil
}

// testStop wraps p with the stop that envTestStop asks for the run key
// (p itself when it asks none).
func testStop(ctx context.Context, p train.Progress, key string) train.Progress {
	how := ""
	for _, item := range strings.Split(os.Getenv(envTestStop), ",") {
		if h, k, ok := strings.Cut(strings.TrimSpace(item), ":"); ok && k == key {
			how = h
		}
	}
	if how == "" {
		return p
	}
	return &stopAfterCheckpoint{inner: p, how: how, ctx: ctx}
}

// stopAfterCheckpoint stops the process after the first checkpoint it
// writes of a fresh run (see envTestStop).
type stopAfterCheckpoint struct {
	inner        train.Progress
	how          string
	ctx          context.Context
	seen, resume bool
}

func (s *stopAfterCheckpoint) Update(st train.Status) {
	if s.inner != nil {
		s.inner.Update(st)
	}
	if !s.seen {
		s.seen, s.resume = true, st.Checkpoint > 0
	}
	if s.resume || !st.EpochDone || st.Checkpoint == 0 || st.Checkpoint >= st.Epochs {
		return
	}
	s.resume = true // once
	// Stay mid-run a while first, so that the Slurm test sees its tasks
	// overlap however fast the smoke runs are.
	time.Sleep(testStopHold)
	fmt.Fprintf(os.Stderr, "deepnrc sweep run: %s=%s: stopping after the checkpoint of epoch %d\n", envTestStop, s.how, st.Checkpoint)
	switch s.how {
	case "kill":
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	case "term":
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
	case "fail":
		os.Exit(1)
	case "warn":
		syscall.Kill(os.Getppid(), syscall.SIGUSR1)
	}
	// Hold the run until the signal has stopped it, so that it does not
	// finish first.
	select {
	case <-s.ctx.Done():
	case <-time.After(time.Minute):
	}
}

func (s *stopAfterCheckpoint) Finish(st train.Status, err error) {
	if s.inner != nil {
		s.inner.Finish(st, err)
	}
}
