package mujoco

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
)

//go:embed policies
var policies embed.FS

// PolicyFile is a controller stored as data: what Search found, how to
// reproduce it, and how well it does. The files in policies/ are the
// experts behind the shipped datasets.
type PolicyFile struct {
	// Task is the task name.
	Task string `json:"task"`
	// Controller is ControllerLinear or ControllerReacherIK.
	Controller string `json:"controller"`
	// Command is the command that reproduces this file.
	Command string `json:"command,omitempty"`
	// Search records the search settings and its cost.
	Search SearchSettings `json:"search"`
	// SearchEval is the best mean return of the search's own evaluations
	// (the one that chose this policy).
	SearchEval float64 `json:"search_eval_return"`
	// W are a linear policy's weights, one row per action.
	W [][]float64 `json:"weights,omitempty"`
	// Mean and Std are a linear policy's frozen observation normaliser.
	Mean []float64 `json:"obs_mean,omitempty"`
	Std  []float64 `json:"obs_std,omitempty"`
	// Kp and Kd are the Reacher controller's PD gains per joint.
	Kp []float64 `json:"kp,omitempty"`
	Kd []float64 `json:"kd,omitempty"`
	// Evaluation is the controller's return on fresh initial states.
	Evaluation *Evaluation `json:"evaluation,omitempty"`
}

// SearchSettings are the SearchConfig fields a search ran with, and what
// it cost.
type SearchSettings struct {
	Seed               uint64  `json:"seed"`
	Iterations         int     `json:"iterations"`
	Directions         int     `json:"directions"`
	Top                int     `json:"top"`
	StepSize           float64 `json:"step_size"`
	Noise              float64 `json:"noise"`
	Normalize          bool    `json:"normalize"`
	EpisodesPerRollout int     `json:"episodes_per_rollout"`
	EvalEvery          int     `json:"eval_every"`
	EvalEpisodes       int     `json:"eval_episodes"`
	// Episodes and Steps count the simulation the search used.
	Episodes int `json:"episodes"`
	Steps    int `json:"steps"`
}

func settingsOf(c SearchConfig) SearchSettings {
	return SearchSettings{Seed: c.Seed, Iterations: c.Iterations, Directions: c.Directions, Top: c.Top, StepSize: c.StepSize,
		Noise: c.Noise, Normalize: c.Normalize, EpisodesPerRollout: c.EpisodesPerRollout, EvalEvery: c.EvalEvery, EvalEpisodes: c.EvalEpisodes}
}

// Evaluation summarises a controller's returns over episodes.
type Evaluation struct {
	// Seed seeds the episodes' initial states (Evaluate's stream).
	Seed uint64 `json:"seed"`
	// Episodes is the number of episodes; Steps the actions taken in all.
	Episodes int `json:"episodes"`
	Steps    int `json:"steps"`
	// Mean, SD, Min and Max describe the episode returns (SD with 1/n).
	Mean float64 `json:"mean_return"`
	SD   float64 `json:"sd_return"`
	Min  float64 `json:"min_return"`
	Max  float64 `json:"max_return"`
	// Fell counts the episodes that ended by falling (Hopper).
	Fell int `json:"fell"`
	// Returns lists every episode's return.
	Returns []float64 `json:"returns"`
}

// String formats the evaluation as "mean ± sd over n episodes (min …, max …)".
func (e Evaluation) String() string {
	s := fmt.Sprintf("%.2f ± %.2f over %d episodes (min %.2f, max %.2f, mean length %.0f)", e.Mean, e.SD, e.Episodes, e.Min, e.Max,
		float64(e.Steps)/float64(max(1, e.Episodes)))
	if e.Fell > 0 {
		s += fmt.Sprintf(", %d fell", e.Fell)
	}
	return s
}

// Policy returns the controller the file describes, checked against its
// task.
func (f *PolicyFile) Policy() (Policy, error) {
	t, err := LookupTask(f.Task)
	if err != nil {
		return nil, err
	}
	switch f.Controller {
	case ControllerReacherIK:
		if t != Reacher || len(f.Kp) != 2 || len(f.Kd) != 2 {
			return nil, fmt.Errorf("mujoco: a %s controller needs task reacher and 2 gains each for kp and kd", f.Controller)
		}
		return &ReacherIK{Kp: [2]float64{f.Kp[0], f.Kp[1]}, Kd: [2]float64{f.Kd[0], f.Kd[1]}}, nil
	case ControllerLinear:
		p := &Linear{StateDim: t.StateDim, ActionDim: t.ActionDim, Mean: f.Mean, Std: f.Std}
		if len(f.W) != t.ActionDim {
			return nil, fmt.Errorf("mujoco: %s linear policy has %d weight rows, want %d", t.Name, len(f.W), t.ActionDim)
		}
		for _, row := range f.W {
			p.W = append(p.W, row...)
		}
		if err := p.checkSizes(t); err != nil {
			return nil, err
		}
		return p, nil
	}
	return nil, fmt.Errorf("mujoco: unknown controller %q (want %q or %q)", f.Controller, ControllerLinear, ControllerReacherIK)
}

// Marshal encodes the file as indented JSON (floats in their shortest
// exact form, so decoding gives back the same bits).
func (f *PolicyFile) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ParsePolicyFile decodes a policy file and checks it builds a controller.
func ParsePolicyFile(b []byte) (*PolicyFile, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f PolicyFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("mujoco: policy file: %w", err)
	}
	if _, err := f.Policy(); err != nil {
		return nil, err
	}
	return &f, nil
}

// StoredPolicy returns the expert stored for task t (policies/NAME.json).
func StoredPolicy(t *Task) (*PolicyFile, error) {
	b, err := policies.ReadFile("policies/" + t.Name + ".json")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("mujoco: no stored policy for %s; find one with `deepnrc data search-policy %s`", t.Name, t.Name)
	}
	if err != nil {
		return nil, err
	}
	f, err := ParsePolicyFile(b)
	if err != nil {
		return nil, fmt.Errorf("stored %s policy: %w", t.Name, err)
	}
	return f, nil
}

// Evaluate runs p for episodes episodes from the initial states of seed
// (Evaluate's own stream of it) and summarises the true returns.
func Evaluate(t *Task, p Policy, seed uint64, episodes int) (Evaluation, error) {
	env, err := NewEnv(t)
	if err != nil {
		return Evaluation{}, err
	}
	ev, err := evaluateWith(env, p, NewRNG(seed, streamEvaluate), episodes)
	ev.Seed = seed
	return ev, err
}

func evaluateWith(env *Env, p Policy, r *RNG, episodes int) (Evaluation, error) {
	if episodes < 1 {
		return Evaluation{}, fmt.Errorf("mujoco: evaluation needs ≥ 1 episode")
	}
	ev := Evaluation{Episodes: episodes, Min: math.Inf(1), Max: math.Inf(-1)}
	action := make([]float64, env.Task.ActionDim)
	for ep := 0; ep < episodes; ep++ {
		obs := env.Reset(r)
		var ret float64
		for {
			p.Act(obs, action)
			var rw float64
			var done bool
			obs, rw, done = env.Step(action)
			ret += rw
			ev.Steps++
			if done {
				break
			}
		}
		if env.Terminated() {
			ev.Fell++
		}
		ev.Returns = append(ev.Returns, ret)
		ev.Mean += ret
		ev.Min, ev.Max = math.Min(ev.Min, ret), math.Max(ev.Max, ret)
	}
	ev.Mean /= float64(episodes)
	ev.SD = sdOf(ev.Returns)
	return ev, nil
}
