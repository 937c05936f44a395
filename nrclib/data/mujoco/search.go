package mujoco

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
)

// Controller kinds of a PolicyFile.
const (
	// ControllerLinear is a Linear policy (weights, optional normaliser).
	ControllerLinear = "linear"
	// ControllerReacherIK is a ReacherIK controller (PD gains).
	ControllerReacherIK = "reacher-ik"
)

// SearchConfig configures Search, Augmented Random Search (Mania, Guy and
// Recht, "Simple random search provides a competitive approach to
// reinforcement learning", 2018) over a controller's parameters θ: each
// iteration draws Directions Gaussian directions δ, runs the controller
// with θ ± Noise·δ (both signs from the same initial states), keeps the Top
// directions by max(r₊, r₋) and moves θ by StepSize/(Top·σ_R)·Σ(r₊ − r₋)δ,
// σ_R being the standard deviation of the kept returns.
type SearchConfig struct {
	// Task is the environment.
	Task *Task
	// Controller is ControllerLinear (θ = the weights, starting at 0) or,
	// for Reacher, ControllerReacherIK (θ = log of the gains Kp0, Kp1, Kd0,
	// Kd1, starting at Kp = 1, Kd = 0.1).
	Controller string
	// Seed seeds the directions and every initial state.
	Seed uint64
	// Iterations is the number of updates.
	Iterations int
	// Directions (N) and Top (b) are the directions drawn and kept per
	// iteration.
	Directions, Top int
	// StepSize (α) and Noise (ν) are the update and exploration scales.
	StepSize, Noise float64
	// Normalize, for linear policies, normalises observations by the
	// running mean and standard deviation of every state visited (ARS V2);
	// the statistics are frozen into the policy.
	Normalize bool
	// EpisodesPerRollout is the number of episodes (different initial
	// states) averaged into one return (≥ 1).
	EpisodesPerRollout int
	// EvalEvery and EvalEpisodes: every EvalEvery iterations (and at the
	// end) the current policy is evaluated on EvalEpisodes fixed initial
	// states with the true reward; the best evaluated policy is returned.
	EvalEvery, EvalEpisodes int
	// Workers is the number of parallel simulators (0: GOMAXPROCS). The
	// result does not depend on it.
	Workers int
	// Progress, when set, is called after every iteration.
	Progress func(SearchStatus)
}

// SearchStatus reports one iteration of Search.
type SearchStatus struct {
	// Iteration is the number of iterations done, of Iterations.
	Iteration, Iterations int
	// Episodes and Steps count the simulated episodes and actions so far.
	Episodes, Steps int
	// MeanRollout is the mean (training) return of this iteration's
	// rollouts.
	MeanRollout float64
	// LastEval and BestEval are the latest and best evaluated mean returns
	// (NaN before the first evaluation).
	LastEval, BestEval float64
}

// DefaultSearch returns the search settings behind the stored policies:
// ARS V1 on Swimmer (α 0.02, ν 0.01, as Mania et al.), ARS V2-t on Hopper
// (normalised observations, N 8, b 4, α 0.01, ν 0.025, the healthy bonus
// removed from the optimised reward, the policy chosen on 20 evaluation
// episodes), and the same search over the log gains of Reacher's IK–PD
// controller (10 targets per rollout).
func DefaultSearch(t *Task, seed uint64) SearchConfig {
	c := SearchConfig{Task: t, Controller: ControllerLinear, Seed: seed, EpisodesPerRollout: 1, EvalEvery: 10, EvalEpisodes: 5}
	switch t {
	case Swimmer:
		c.Iterations, c.Directions, c.Top, c.StepSize, c.Noise = 300, 4, 2, 0.02, 0.01
	case Hopper:
		c.Iterations, c.Directions, c.Top, c.StepSize, c.Noise, c.Normalize = 1000, 8, 4, 0.01, 0.025, true
		c.EvalEpisodes = 20 // a fall costs ~1000 in the mean: choose a policy that does not fall
	case Reacher:
		c.Controller = ControllerReacherIK
		c.Iterations, c.Directions, c.Top, c.StepSize, c.Noise = 100, 8, 4, 0.05, 0.1
		c.EpisodesPerRollout, c.EvalEpisodes = 10, 50
	}
	return c
}

func (c *SearchConfig) check() error {
	switch {
	case c.Task == nil:
		return fmt.Errorf("mujoco: search needs a task")
	case c.Controller != ControllerLinear && !(c.Controller == ControllerReacherIK && c.Task == Reacher):
		return fmt.Errorf("mujoco: controller %q does not apply to %s (use %q, or %q for reacher)", c.Controller, c.Task.Name, ControllerLinear, ControllerReacherIK)
	case c.Iterations < 1 || c.Directions < 1 || c.Top < 1 || c.Top > c.Directions:
		return fmt.Errorf("mujoco: search needs iterations ≥ 1 and 1 ≤ top ≤ directions (got %d, %d, %d)", c.Iterations, c.Top, c.Directions)
	case !(c.StepSize > 0) || !(c.Noise > 0):
		return fmt.Errorf("mujoco: search step size and noise must be > 0 (got %g, %g)", c.StepSize, c.Noise)
	case c.EpisodesPerRollout < 1 || c.EvalEpisodes < 1:
		return fmt.Errorf("mujoco: search needs ≥ 1 episode per rollout and per evaluation")
	}
	return nil
}

// Random streams of a search seed.
const (
	streamDirections uint64 = 1 << 40
	streamRollout    uint64 = 2 << 40
	streamSearchEval uint64 = 3 << 40
	// streamEvaluate seeds Evaluate's initial states, and streamGenerate
	// Generate's.
	streamEvaluate uint64 = 4 << 40
	streamGenerate uint64 = 5 << 40
)

// runningStat accumulates the mean and variance of vectors (Welford), and
// merges exactly in a fixed order.
type runningStat struct {
	n    float64
	mean []float64
	m2   []float64
}

func newRunningStat(d int) *runningStat {
	return &runningStat{mean: make([]float64, d), m2: make([]float64, d)}
}

func (s *runningStat) add(x []float64) {
	s.n++
	for j, v := range x {
		d := v - s.mean[j]
		s.mean[j] += d / s.n
		s.m2[j] += d * (v - s.mean[j])
	}
}

func (s *runningStat) merge(o *runningStat) {
	if o.n == 0 {
		return
	}
	n := s.n + o.n
	for j := range s.mean {
		d := o.mean[j] - s.mean[j]
		s.mean[j] += d * o.n / n
		s.m2[j] += o.m2[j] + d*d*s.n*o.n/n
	}
	s.n = n
}

// meanStd returns the mean and the standard deviation (1 where the
// variance is not yet defined or below 1e-16).
func (s *runningStat) meanStd() (mean, std []float64) {
	mean = append([]float64(nil), s.mean...)
	std = make([]float64, len(mean))
	for j := range std {
		std[j] = 1
		if s.n > 1 {
			if v := s.m2[j] / s.n; v > 1e-16 {
				std[j] = math.Sqrt(v)
			}
		}
	}
	return mean, std
}

// searchPolicy builds the controller of parameters theta.
func (c *SearchConfig) searchPolicy(theta, mean, std []float64) Policy {
	if c.Controller == ControllerReacherIK {
		return reacherFromTheta(theta)
	}
	t := c.Task
	p := &Linear{W: theta, StateDim: t.StateDim, ActionDim: t.ActionDim}
	if c.Normalize {
		p.Mean, p.Std = mean, std
	}
	return p
}

func reacherFromTheta(theta []float64) *ReacherIK {
	return &ReacherIK{Kp: [2]float64{math.Exp(theta[0]), math.Exp(theta[1])}, Kd: [2]float64{math.Exp(theta[2]), math.Exp(theta[3])}}
}

func (c *SearchConfig) initialTheta() []float64 {
	if c.Controller == ControllerReacherIK {
		return []float64{0, 0, math.Log(0.1), math.Log(0.1)}
	}
	return make([]float64, c.Task.StateDim*c.Task.ActionDim)
}

// rolloutResult is one rollout's outcome.
type rolloutResult struct {
	ret      float64
	episodes int
	steps    int
	stat     *runningStat
	err      error
}

// rollout runs p for c.EpisodesPerRollout episodes from r's initial states
// and returns the mean training return (healthy bonus removed), recording
// the visited states when stat is not nil.
func (c *SearchConfig) rollout(env *Env, p Policy, r *RNG, stat *runningStat) rolloutResult {
	var res rolloutResult
	res.stat = stat
	action := make([]float64, env.Task.ActionDim)
	for ep := 0; ep < c.EpisodesPerRollout; ep++ {
		obs := env.Reset(r)
		for {
			if stat != nil {
				stat.add(obs)
			}
			p.Act(obs, action)
			var rw float64
			var done bool
			obs, rw, done = env.Step(action)
			res.ret += rw - env.Task.HealthyBonus
			res.steps++
			if done {
				break
			}
		}
		res.episodes++
	}
	res.ret /= float64(c.EpisodesPerRollout)
	return res
}

// SearchResult is the outcome of Search.
type SearchResult struct {
	// Policy is the best evaluated controller, ready to store.
	Policy *PolicyFile
	// Episodes and Steps count the simulation spent.
	Episodes, Steps int
}

// Search runs Augmented Random Search (see SearchConfig) and returns the
// best policy it evaluated. It is deterministic for a given configuration
// (whatever Workers is). ctx cancels it between iterations.
func Search(ctx context.Context, c SearchConfig) (*SearchResult, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	workers := c.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, 2*c.Directions)
	envs := make([]*Env, workers)
	for i := range envs {
		e, err := NewEnv(c.Task)
		if err != nil {
			return nil, err
		}
		envs[i] = e
	}
	t := c.Task
	theta := c.initialTheta()
	stat := newRunningStat(t.StateDim)
	mean, std := stat.meanStd()
	dirRNG := NewRNG(c.Seed, streamDirections)
	nDir := c.Directions
	deltas := make([][]float64, nDir)
	results := make([]rolloutResult, 2*nDir)
	res := &SearchResult{}
	best, bestTheta := math.Inf(-1), []float64(nil)
	var bestMean, bestStd []float64
	lastEval := math.NaN()
	evaluate := func() error {
		p := c.searchPolicy(theta, mean, std)
		ev, err := evaluateWith(envs[0], p, NewRNG(c.Seed, streamSearchEval), c.EvalEpisodes)
		if err != nil {
			return err
		}
		res.Episodes += ev.Episodes
		res.Steps += ev.Steps
		lastEval = ev.Mean
		if ev.Mean > best {
			best = ev.Mean
			bestTheta = append([]float64(nil), theta...)
			bestMean, bestStd = append([]float64(nil), mean...), append([]float64(nil), std...)
		}
		return nil
	}
	for it := 0; it < c.Iterations; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for k := range deltas {
			d := make([]float64, len(theta))
			for j := range d {
				d[j] = dirRNG.Norm()
			}
			deltas[k] = d
		}
		jobs := make(chan int)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(env *Env) {
				defer wg.Done()
				for job := range jobs {
					k, sign := job/2, 1.0-2*float64(job%2)
					th := make([]float64, len(theta))
					for j := range th {
						th[j] = theta[j] + sign*c.Noise*deltas[k][j]
					}
					var st *runningStat
					if c.Normalize {
						st = newRunningStat(t.StateDim)
					}
					// Both signs of a direction start from the same states.
					r := NewRNG(c.Seed, streamRollout+uint64(it)*uint64(nDir)+uint64(k))
					results[job] = c.rollout(env, c.searchPolicy(th, mean, std), r, st)
				}
			}(envs[w])
		}
		for job := 0; job < 2*nDir; job++ {
			jobs <- job
		}
		close(jobs)
		wg.Wait()
		var sumRet float64
		for _, r := range results {
			res.Episodes += r.episodes
			res.Steps += r.steps
			sumRet += r.ret
			if r.stat != nil {
				stat.merge(r.stat)
			}
		}
		order := make([]int, nDir)
		for k := range order {
			order[k] = k
		}
		sort.SliceStable(order, func(a, b int) bool {
			return math.Max(results[2*order[a]].ret, results[2*order[a]+1].ret) >
				math.Max(results[2*order[b]].ret, results[2*order[b]+1].ret)
		})
		kept := make([]float64, 0, 2*c.Top)
		for _, k := range order[:c.Top] {
			kept = append(kept, results[2*k].ret, results[2*k+1].ret)
		}
		sdR := sdOf(kept)
		if sdR > 0 {
			for _, k := range order[:c.Top] {
				diff := results[2*k].ret - results[2*k+1].ret
				for j := range theta {
					theta[j] += c.StepSize / (float64(c.Top) * sdR) * diff * deltas[k][j]
				}
			}
		}
		if c.Normalize {
			mean, std = stat.meanStd()
		}
		if (it+1)%max(1, c.EvalEvery) == 0 || it == c.Iterations-1 {
			if err := evaluate(); err != nil {
				return nil, err
			}
		}
		if c.Progress != nil {
			c.Progress(SearchStatus{Iteration: it + 1, Iterations: c.Iterations, Episodes: res.Episodes, Steps: res.Steps,
				MeanRollout: sumRet / float64(len(results)), LastEval: lastEval, BestEval: best})
		}
	}
	pf := &PolicyFile{Task: t.Name, Controller: c.Controller, Search: settingsOf(c), SearchEval: best}
	if c.Controller == ControllerReacherIK {
		p := reacherFromTheta(bestTheta)
		pf.Kp, pf.Kd = p.Kp[:], p.Kd[:]
	} else {
		pf.W = make([][]float64, t.ActionDim)
		for i := range pf.W {
			pf.W[i] = bestTheta[i*t.StateDim : (i+1)*t.StateDim]
		}
		if c.Normalize {
			pf.Mean, pf.Std = bestMean, bestStd
		}
	}
	res.Policy = pf
	return res, nil
}

func sdOf(v []float64) float64 {
	var m float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	var s float64
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(v)))
}
