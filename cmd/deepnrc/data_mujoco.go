package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/deepnrc/deepnrc/internal/atomicfile"
	"github.com/deepnrc/deepnrc/nrclib/data/mujoco"
	"github.com/deepnrc/deepnrc/nrclib/data/simulated"
)

// mujocoTask parses a MuJoCo task name and checks that this binary can
// simulate.
func mujocoTask(name string) (*mujoco.Task, error) {
	t, err := mujoco.LookupTask(name)
	if err != nil {
		return nil, err
	}
	if !mujoco.Available() {
		return nil, mujoco.ErrUnavailable
	}
	return t, nil
}

// loadPolicyFlag reads a policy file given with -policy ("" = the stored
// expert).
func loadPolicyFlag(t *mujoco.Task, path string) (*mujoco.PolicyFile, error) {
	if path == "" {
		return mujoco.StoredPolicy(t)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pf, err := mujoco.ParsePolicyFile(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pf, nil
}

func dataGenerate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("data generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Uint64("seed", 0, "seed of the episodes' initial states")
	n := fs.Int("n", 0, "number of samples (0 = the paper's: swimmer 1000, reacher 1000, hopper 5000; Andriopoulos et al. use 10000 for hopper)")
	out := fs.String("out", "", "output CSV (default NAME.csv in the current directory)")
	policy := fs.String("policy", "", "policy file from search-policy (default: the stored expert)")
	manifest := fs.String("manifest", "", "also record the file (checksum, command, episodes) in this manifest.json (see nrclib/data/simulated)")
	name, err := parseWithName(fs, args)
	if err != nil {
		return err
	}
	t, err := mujocoTask(name)
	if err != nil {
		return err
	}
	pf, err := loadPolicyFlag(t, *policy)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = name + ".csv"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	bar := newCountBar(stderr, "generate "+name)
	ro, err := mujoco.Generate(ctx, t, mujoco.GenerateOptions{Seed: *seed, N: *n, Policy: pf, Progress: bar.update})
	bar.finish(err)
	if err != nil {
		return err
	}
	csv := ro.CSV()
	if err := atomicfile.WriteFile(*out, csv, 0o644); err != nil {
		return err
	}
	var rets []float64
	fell, cut := 0, 0
	for _, ep := range ro.Episodes {
		if ep.Cut {
			cut++
			continue
		}
		rets = append(rets, ep.Return)
		if ep.Fell {
			fell++
		}
	}
	fmt.Fprintf(stdout, "wrote %s: %d samples (%d states + %d actions per line, no header), %d bytes, in %s\n",
		*out, ro.N, t.StateDim, t.ActionDim, len(csv), time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "SHA-256 %x\n", sha256.Sum256(csv))
	fmt.Fprintf(stdout, "MuJoCo %s, %s expert, seed %d: %d episodes", mujoco.Version(), pf.Controller, *seed, len(ro.Episodes))
	if cut > 0 {
		fmt.Fprintf(stdout, " (the last cut at %d steps)", ro.Episodes[len(ro.Episodes)-1].Steps)
	}
	if len(rets) > 0 {
		m, sd := meanSD(rets)
		fmt.Fprintf(stdout, "; return of the %d complete episodes %.2f ± %.2f", len(rets), m, sd)
	}
	if fell > 0 {
		fmt.Fprintf(stdout, "; %d fell", fell)
	}
	fmt.Fprintf(stdout, "\npublished expert level: %s\n", t.ExpertLevel)
	if *manifest != "" {
		cmd := fmt.Sprintf("deepnrc data generate %s -seed %d -n %d -out %s", name, *seed, ro.N, filepath.Base(*out))
		if *policy != "" {
			cmd += " -policy " + *policy
		}
		if err := recordManifest(*manifest, filepath.Base(*out), t, ro, csv, *seed, cmd, pf); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "recorded in %s\n", *manifest)
	}
	return nil
}

// recordManifest adds (or replaces) the dataset's entry in a simulated-data
// manifest.
func recordManifest(path, file string, t *mujoco.Task, ro *mujoco.Rollouts, csv []byte, seed uint64, cmd string, pf *mujoco.PolicyFile) error {
	m := &simulated.Manifest{}
	if b, err := os.ReadFile(path); err == nil {
		if m, err = simulated.ParseManifest(b); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	sim := "MuJoCo " + mujoco.Version()
	if m.Simulator != "" && m.Simulator != sim {
		return fmt.Errorf("%s records data from %s, but this binary links %s; regenerate all of its files together", path, m.Simulator, sim)
	}
	m.Simulator = sim
	pb, err := pf.Marshal()
	if err != nil {
		return err
	}
	controller := "linear policy (ARS)"
	if pf.Controller == mujoco.ControllerReacherIK {
		controller = "inverse-kinematics PD controller (gains by ARS)"
	}
	e := simulated.Entry{Name: t.Name, File: file, Rows: ro.N, StateDim: t.StateDim, ActionDim: t.ActionDim,
		Bytes: len(csv), SHA256: fmt.Sprintf("%x", sha256.Sum256(csv)), Seed: seed, Command: cmd, Simulator: sim,
		Controller: controller, PolicySHA256: fmt.Sprintf("%x", sha256.Sum256(pb)), Episodes: len(ro.Episodes)}
	for _, ep := range ro.Episodes {
		e.EpisodeSteps = append(e.EpisodeSteps, ep.Steps)
		e.EpisodeReturns = append(e.EpisodeReturns, math.Round(ep.Return*1e4)/1e4)
	}
	m.Set(e)
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644)
}

func dataSearchPolicy(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("data search-policy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Uint64("seed", 1, "search seed (directions and initial states)")
	iters := fs.Int("iters", 0, "iterations (0 = the default of the task)")
	workers := fs.Int("workers", 0, "parallel simulators (0 = GOMAXPROCS; the result does not depend on it)")
	evalEpisodes := fs.Int("eval-episodes", 20, "episodes of the final evaluation")
	evalSeed := fs.Uint64("eval-seed", 1000, "seed of the final evaluation's initial states")
	out := fs.String("out", "", "output policy file (default NAME-policy.json; the stored experts are nrclib/data/mujoco/policies/NAME.json)")
	name, err := parseWithName(fs, args)
	if err != nil {
		return err
	}
	t, err := mujocoTask(name)
	if err != nil {
		return err
	}
	if *evalEpisodes < 1 {
		return fmt.Errorf("-eval-episodes must be ≥ 1")
	}
	cfg := mujoco.DefaultSearch(t, *seed)
	if *iters > 0 {
		cfg.Iterations = *iters
	} else if *iters < 0 {
		return fmt.Errorf("-iters must be ≥ 0")
	}
	cfg.Workers = *workers
	if *out == "" {
		*out = name + "-policy.json"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	bar := newCountBar(stderr, "search "+name)
	cfg.Progress = func(s mujoco.SearchStatus) {
		bar.note = fmt.Sprintf("rollout %.1f, eval %.1f (best %.1f), %d episodes", s.MeanRollout, s.LastEval, s.BestEval, s.Episodes)
		bar.update(s.Iteration, s.Iterations)
	}
	res, err := mujoco.Search(ctx, cfg)
	bar.finish(err)
	if err != nil {
		return err
	}
	pf := res.Policy
	pf.Search.Episodes, pf.Search.Steps = res.Episodes, res.Steps
	pf.Command = fmt.Sprintf("deepnrc data search-policy %s -seed %d -iters %d -eval-episodes %d -eval-seed %d (built with -tags mujoco, MuJoCo %s)",
		name, *seed, cfg.Iterations, *evalEpisodes, *evalSeed, mujoco.Version())
	pol, err := pf.Policy()
	if err != nil {
		return err
	}
	ev, err := mujoco.Evaluate(t, pol, *evalSeed, *evalEpisodes)
	if err != nil {
		return err
	}
	pf.Evaluation = &ev
	b, err := pf.Marshal()
	if err != nil {
		return err
	}
	if dir := filepath.Dir(*out); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := atomicfile.WriteFile(*out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s after %d iterations, %d episodes, %d steps in %s\n", *out, cfg.Iterations, res.Episodes, res.Steps,
		time.Since(start).Round(time.Second))
	fmt.Fprintf(stdout, "best search evaluation %.2f; return on %d fresh episodes (seed %d): %s\n", pf.SearchEval, ev.Episodes, ev.Seed, ev)
	fmt.Fprintf(stdout, "published expert level: %s\n", t.ExpertLevel)
	return nil
}

func dataEvaluate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("data evaluate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Uint64("seed", 1000, "seed of the episodes' initial states")
	episodes := fs.Int("episodes", 20, "episodes per controller")
	policy := fs.String("policy", "", "policy file (default: the stored expert)")
	name, err := parseWithName(fs, args)
	if err != nil {
		return err
	}
	t, err := mujocoTask(name)
	if err != nil {
		return err
	}
	pf, err := loadPolicyFlag(t, *policy)
	if err != nil {
		return err
	}
	pol, err := pf.Policy()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s (MuJoCo %s), %d episodes from seed %d\n", name, mujoco.Version(), *episodes, *seed)
	for _, c := range []struct {
		label string
		p     mujoco.Policy
	}{{"expert (" + pf.Controller + ")", pol}, {"zero actions", mujoco.ZeroPolicy()}, {"uniform random actions", mujoco.RandomPolicy(mujoco.NewRNG(*seed, 7))}} {
		ev, err := mujoco.Evaluate(t, c.p, *seed, *episodes)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  %-24s %s\n", c.label, ev)
	}
	fmt.Fprintf(stdout, "published expert level: %s\n", t.ExpertLevel)
	return nil
}

func meanSD(v []float64) (mean, sd float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(v)))
}

// countBar draws "label [██████··········]  40% 400/1000  note" on w: in
// place on a terminal, else a line at most every 5 s and at the end.
type countBar struct {
	w           io.Writer
	label, note string
	interactive bool
	last        time.Time
	done, total int
	start       time.Time
}

func newCountBar(w io.Writer, label string) *countBar {
	b := &countBar{w: w, label: label, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			b.interactive = true
		}
	}
	return b
}

func (b *countBar) line() string {
	const width = 24
	frac := 0.0
	if b.total > 0 {
		frac = float64(b.done) / float64(b.total)
	}
	k := int(frac * width)
	s := fmt.Sprintf("%s [%s%s] %3.0f%% %d/%d %s", b.label, strings.Repeat("█", k), strings.Repeat("·", width-k), 100*frac, b.done, b.total,
		time.Since(b.start).Round(time.Second))
	if b.note != "" {
		s += "  " + b.note
	}
	return s
}

func (b *countBar) update(done, total int) {
	b.done, b.total = done, total
	now := time.Now()
	if b.interactive {
		if now.Sub(b.last) >= 200*time.Millisecond || done == total {
			b.last = now
			fmt.Fprintf(b.w, "\r%s\033[K", b.line())
		}
		return
	}
	if now.Sub(b.last) >= 5*time.Second || done == total {
		b.last = now
		fmt.Fprintln(b.w, b.line())
	}
}

func (b *countBar) finish(err error) {
	if b.interactive && b.total > 0 {
		fmt.Fprintln(b.w)
	}
	if err != nil {
		fmt.Fprintf(b.w, "%s stopped: %v\n", b.label, err)
	}
}
