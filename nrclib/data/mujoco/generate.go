package mujoco

import (
	"context"
	"fmt"
	"math"
	"strconv"
)

// GenerateOptions control Generate.
type GenerateOptions struct {
	// Seed seeds every episode's initial state (and Reacher's targets).
	Seed uint64
	// N is the number of samples; 0 means the task's DefaultN.
	N int
	// Policy is the controller; nil means the task's stored expert.
	Policy *PolicyFile
	// Progress, when set, is called as samples are made (done of total).
	Progress func(done, total int)
}

// Rollouts is a behaviour-cloning dataset: the states an expert visited and
// the actions it took there, episode after episode.
type Rollouts struct {
	// Task is the environment.
	Task *Task
	// States holds N observations (StateDim each) and Actions the N actions
	// taken in them (ActionDim each, in [−1, 1]), row-major.
	States, Actions []float64
	// N is the number of samples.
	N int
	// Episodes describes each episode, in order; the last may be cut short
	// by N.
	Episodes []EpisodeStat
}

// EpisodeStat describes one episode of a Rollouts.
type EpisodeStat struct {
	// Steps is the number of samples the episode contributed.
	Steps int
	// Return is the sum of the rewards of those steps.
	Return float64
	// Fell reports that the episode ended by falling (Hopper).
	Fell bool
	// Cut reports that N was reached before the episode ended.
	Cut bool
}

// Generate runs the expert from the seed's initial states until it has N
// samples: each sample is an observation and the action taken in it.
// Episodes run to their end (EpisodeSteps actions, or a fall) and follow
// each other, so the paper's sizes are Swimmer 1 × 1000, Reacher 20 × 50,
// Hopper 5 × 1000 when it never falls. The result depends only on the
// options, the model files and the MuJoCo library.
func Generate(ctx context.Context, t *Task, opt GenerateOptions) (*Rollouts, error) {
	n := opt.N
	if n == 0 {
		n = t.DefaultN
	}
	if n < 1 {
		return nil, fmt.Errorf("mujoco: generate needs N ≥ 1 samples, got %d", n)
	}
	pf := opt.Policy
	if pf == nil {
		var err error
		if pf, err = StoredPolicy(t); err != nil {
			return nil, err
		}
	}
	if pf.Task != t.Name {
		return nil, fmt.Errorf("mujoco: the policy is for %s, not %s", pf.Task, t.Name)
	}
	pol, err := pf.Policy()
	if err != nil {
		return nil, err
	}
	env, err := NewEnv(t)
	if err != nil {
		return nil, err
	}
	r := NewRNG(opt.Seed, streamGenerate)
	out := &Rollouts{Task: t, N: n, States: make([]float64, 0, n*t.StateDim), Actions: make([]float64, 0, n*t.ActionDim)}
	action := make([]float64, t.ActionDim)
	done := 0
	for done < n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		obs := env.Reset(r)
		ep := EpisodeStat{}
		for {
			out.States = append(out.States, obs...)
			pol.Act(obs, action)
			out.Actions = append(out.Actions, action...)
			var rw float64
			var over bool
			obs, rw, over = env.Step(action)
			ep.Return += rw
			ep.Steps++
			done++
			if opt.Progress != nil && (done%50 == 0 || done == n) {
				opt.Progress(done, n)
			}
			if over {
				ep.Fell = env.Terminated()
				break
			}
			if done == n {
				ep.Cut = true
				break
			}
		}
		out.Episodes = append(out.Episodes, ep)
	}
	return out, nil
}

// CSV encodes the rollouts in the paper's layout: no header, one sample per
// line, the StateDim state values then the ActionDim action values. Values
// are rounded to float32 (the precision deepnrc trains in) and written in
// their shortest exact decimal form.
func (r *Rollouts) CSV() []byte {
	d, a := r.Task.StateDim, r.Task.ActionDim
	b := make([]byte, 0, r.N*(d+a)*12)
	for i := 0; i < r.N; i++ {
		for j := 0; j < d; j++ {
			b = appendCell(b, r.States[i*d+j], j == 0)
		}
		for j := 0; j < a; j++ {
			b = appendCell(b, r.Actions[i*a+j], false)
		}
		b = append(b, '\n')
	}
	return b
}

func appendCell(b []byte, v float64, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	f := float32(v)
	if f == 0 {
		f = 0 // no "-0"
	}
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		panic("mujoco: non-finite value in rollouts")
	}
	return strconv.AppendFloat(b, float64(f), 'g', -1, 32)
}
