package mujoco

import (
	"embed"
	"errors"
	"fmt"
	"math"
)

// ErrUnavailable is returned by everything that steps the simulator in a
// build without MuJoCo.
var ErrUnavailable = errors.New("this deepnrc was built without MuJoCo: install Debian's libmujoco-dev " +
	"(apt-get install libmujoco-dev, MuJoCo 2.2.2) and build with the mujoco tag: go build -tags mujoco ./cmd/deepnrc")

//go:embed models/*.xml
var models embed.FS

// physics is the simulator interface the environments use; libmujoco
// implements it in builds with the mujoco tag.
type physics interface {
	// QPos, QVel and Ctrl view the state and the controls (writable).
	QPos() []float64
	QVel() []float64
	Ctrl() []float64
	// Timestep is the model's integration step in seconds.
	Timestep() float64
	// Reset restores the model's reference state (qpos0, zero velocity).
	Reset()
	// Step integrates n time steps.
	Step(n int)
	// Forward recomputes every derived quantity of the current state.
	Forward()
	// Kinematics recomputes the body positions of the current state.
	Kinematics()
	// BodyID returns the index of the named body (−1 if there is none).
	BodyID(name string) int
	// BodyPos returns the world position of body id's frame.
	BodyPos(id int) [3]float64
}

// Task describes one environment: its sizes, control frequency and episode
// length, and the published expert level of its return.
type Task struct {
	// Name is the task and dataset name: swimmer, reacher or hopper.
	Name string
	// StateDim and ActionDim are the observation and action sizes.
	StateDim, ActionDim int
	// FrameSkip is the number of physics steps per action.
	FrameSkip int
	// EpisodeSteps is the episode length (a Hopper episode ends earlier
	// when it falls).
	EpisodeSteps int
	// HealthyBonus is the reward per step for staying up (Hopper: 1), which
	// Search removes from the reward it optimises.
	HealthyBonus float64
	// ExpertLevel states the published expert return of the environment.
	ExpertLevel string
	// PaperEpisodes says how [NRC] sampled its data.
	PaperEpisodes string
	// DefaultN is the paper's number of samples.
	DefaultN int
}

// The three tasks, with the facts of Gymnasium's v4 environments.
var (
	Swimmer = &Task{Name: "swimmer", StateDim: 8, ActionDim: 2, FrameSkip: 4, EpisodeSteps: 1000, DefaultN: 1000,
		ExpertLevel:   "≈ 300–360 over 1000 steps (SAC/TD3-class gaits; ARS linear policies ≈ 325–350)",
		PaperEpisodes: "1 episode × 1000 steps"}
	Reacher = &Task{Name: "reacher", StateDim: 11, ActionDim: 2, FrameSkip: 2, EpisodeSteps: 50, DefaultN: 1000,
		ExpertLevel:   "≈ −3.5 to −4 per 50-step episode (reward threshold −3.75)",
		PaperEpisodes: "20 episodes × 50 steps"}
	Hopper = &Task{Name: "hopper", StateDim: 11, ActionDim: 3, FrameSkip: 4, EpisodeSteps: 1000, DefaultN: 5000, HealthyBonus: 1,
		ExpertLevel:   "≈ 3234 (D4RL hopper-expert reference; ARS linear policies ≈ 3000–3900)",
		PaperEpisodes: "5 000 samples of ≤1000-step episodes (Andriopoulos et al.: 10 000)"}
)

// Tasks returns the three tasks in the paper's order.
func Tasks() []*Task { return []*Task{Swimmer, Reacher, Hopper} }

// LookupTask returns the task called name.
func LookupTask(name string) (*Task, error) {
	for _, t := range Tasks() {
		if t.Name == name {
			return t, nil
		}
	}
	return nil, fmt.Errorf("mujoco: unknown task %q; use swimmer, reacher or hopper", name)
}

// ModelXML returns the task's MJCF model.
func (t *Task) ModelXML() ([]byte, error) { return models.ReadFile("models/" + t.Name + ".xml") }

// Env is one running environment. Its methods are not safe for concurrent
// use; run one Env per goroutine.
//
// Observations, rewards and resets are those of Gymnasium's v4 environments
// (see the facts in the package documentation), with one deliberate
// difference: Gymnasium reads Reacher's fingertip position from body
// positions MuJoCo computed before the last physics step, so its
// fingertip−target entries lag the joint angles by one step; here they are
// recomputed after the step and match the angles exactly.
type Env struct {
	// Task is the environment's task.
	Task *Task
	p    physics
	obs  []float64
	// steps counts the actions of the running episode.
	steps int
	// terminated is set when a Hopper falls (unhealthy).
	terminated bool
	// Reacher's body indices.
	fingertip, target int
}

// NewEnv compiles the task's model. It returns ErrUnavailable in a build
// without MuJoCo.
func NewEnv(t *Task) (*Env, error) {
	xml, err := t.ModelXML()
	if err != nil {
		return nil, err
	}
	p, err := openPhysics(xml)
	if err != nil {
		return nil, err
	}
	e := &Env{Task: t, p: p, obs: make([]float64, t.StateDim)}
	if t == Reacher {
		e.fingertip, e.target = p.BodyID("fingertip"), p.BodyID("target")
		if e.fingertip < 0 || e.target < 0 {
			return nil, fmt.Errorf("mujoco: the reacher model lacks its fingertip or target body")
		}
	}
	return e, nil
}

// Dt is the time between two actions: FrameSkip physics steps.
func (e *Env) Dt() float64 { return e.p.Timestep() * float64(e.Task.FrameSkip) }

// QPos and QVel return copies of the full simulator state (including the
// positions the observation leaves out, such as Swimmer's and Hopper's x).
func (e *Env) QPos() []float64 { return append([]float64(nil), e.p.QPos()...) }

// QVel returns a copy of the simulator's velocities.
func (e *Env) QVel() []float64 { return append([]float64(nil), e.p.QVel()...) }

// Obs returns the current observation (a view, valid until the next Step
// or Reset).
func (e *Env) Obs() []float64 { return e.obs }

// Steps returns the number of actions taken in the running episode.
func (e *Env) Steps() int { return e.steps }

// Terminated reports whether the running episode ended by falling (Hopper
// only; reaching EpisodeSteps is a truncation, not a termination).
func (e *Env) Terminated() bool { return e.terminated }

// Reset starts an episode from the task's noisy initial state drawn from r
// and returns the first observation (a view, valid until the next Step).
func (e *Env) Reset(r *RNG) []float64 {
	p := e.p
	p.Reset()
	qpos, qvel := p.QPos(), p.QVel()
	switch e.Task {
	case Swimmer:
		addUniform(r, qpos, 0.1)
		addUniform(r, qvel, 0.1)
	case Reacher:
		addUniform(r, qpos, 0.1)
		var gx, gy float64
		for {
			gx, gy = r.Uniform(-0.2, 0.2), r.Uniform(-0.2, 0.2)
			if math.Hypot(gx, gy) < 0.2 {
				break
			}
		}
		qpos[2], qpos[3] = gx, gy
		addUniform(r, qvel, 0.005)
		qvel[2], qvel[3] = 0, 0
	case Hopper:
		addUniform(r, qpos, 0.005)
		addUniform(r, qvel, 0.005)
	}
	for i := range p.Ctrl() {
		p.Ctrl()[i] = 0
	}
	p.Forward()
	e.steps, e.terminated = 0, false
	e.observe()
	return e.obs
}

// addUniform adds U(−s, s) noise to every element of v, in order.
func addUniform(r *RNG, v []float64, s float64) {
	for i := range v {
		v[i] += r.Uniform(-s, s)
	}
}

// Step applies action (clipped to [−1, 1], the actuators' control range)
// for FrameSkip physics steps and returns the new observation (a view,
// valid until the next Step or Reset), the reward, and whether the episode
// is over (Hopper fell, or EpisodeSteps actions were taken).
func (e *Env) Step(action []float64) (obs []float64, reward float64, done bool) {
	if len(action) != e.Task.ActionDim {
		panic(fmt.Sprintf("mujoco: %s action has %d values, want %d", e.Task.Name, len(action), e.Task.ActionDim))
	}
	p := e.p
	ctrl := p.Ctrl()
	var a2 float64
	for i, a := range action {
		a = clip(a, -1, 1)
		ctrl[i] = a
		a2 += a * a
	}
	x0 := p.QPos()[0]
	var dist float64
	if e.Task == Reacher {
		d := e.fingertipMinusTarget()
		dist = math.Sqrt(d[0]*d[0] + d[1]*d[1] + d[2]*d[2])
	}
	p.Step(e.Task.FrameSkip)
	dt := e.Dt()
	switch e.Task {
	case Swimmer:
		reward = (p.QPos()[0]-x0)/dt - 1e-4*a2
	case Reacher:
		p.Kinematics()
		reward = -dist - a2
	case Hopper:
		reward = e.Task.HealthyBonus + (p.QPos()[0]-x0)/dt - 1e-3*a2
		e.terminated = !e.healthy()
	}
	e.steps++
	e.observe()
	return e.obs, reward, e.terminated || e.steps >= e.Task.EpisodeSteps
}

// healthy is Hopper's rule: height z > 0.7, torso angle in (−0.2, 0.2), and
// every joint angle and velocity (qpos[2:], qvel) in (−100, 100).
func (e *Env) healthy() bool {
	qpos, qvel := e.p.QPos(), e.p.QVel()
	return HopperHealthy(qpos, qvel)
}

// HopperHealthy applies Hopper's healthy rule to a full state (qpos of 6,
// qvel of 6): z = qpos[1] > 0.7, |qpos[2]| < 0.2 and every value of qpos[2:]
// and qvel strictly inside (−100, 100).
func HopperHealthy(qpos, qvel []float64) bool {
	z, angle := qpos[1], qpos[2]
	if !(z > 0.7) || !(angle > -0.2 && angle < 0.2) {
		return false
	}
	for _, v := range qpos[2:] {
		if !(v > -100 && v < 100) {
			return false
		}
	}
	for _, v := range qvel {
		if !(v > -100 && v < 100) {
			return false
		}
	}
	return true
}

func (e *Env) fingertipMinusTarget() [3]float64 {
	f, t := e.p.BodyPos(e.fingertip), e.p.BodyPos(e.target)
	return [3]float64{f[0] - t[0], f[1] - t[1], f[2] - t[2]}
}

// observe writes the task's observation of the current state into e.obs.
func (e *Env) observe() {
	qpos, qvel, o := e.p.QPos(), e.p.QVel(), e.obs
	switch e.Task {
	case Swimmer: // joint angles (tip, rotor 1, rotor 2), then all velocities
		copy(o, qpos[2:])
		copy(o[3:], qvel)
	case Reacher:
		o[0], o[1] = math.Cos(qpos[0]), math.Cos(qpos[1])
		o[2], o[3] = math.Sin(qpos[0]), math.Sin(qpos[1])
		o[4], o[5] = qpos[2], qpos[3]
		o[6], o[7] = qvel[0], qvel[1]
		d := e.fingertipMinusTarget()
		o[8], o[9], o[10] = d[0], d[1], d[2]
	case Hopper: // z, torso and joint angles, then velocities clipped to ±10
		copy(o, qpos[1:])
		for i, v := range qvel {
			o[5+i] = clip(v, -10, 10)
		}
	}
}

func clip(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
