//go:build mujoco && cgo

package mujoco

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/data/simulated"
)

func newEnv(t *testing.T, task *Task) *Env {
	t.Helper()
	e, err := NewEnv(task)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func stored(t *testing.T, task *Task) Policy {
	t.Helper()
	pf, err := StoredPolicy(task)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pf.Policy()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVersionAndControlFrequency(t *testing.T) {
	if v := Version(); v != "2.2.2" {
		t.Errorf("linked MuJoCo %q; the shipped data was made with 2.2.2", v)
	}
	for _, c := range []struct {
		task *Task
		dt   float64
	}{{Swimmer, 0.04}, {Reacher, 0.02}, {Hopper, 0.008}} {
		if got := newEnv(t, c.task).Dt(); math.Abs(got-c.dt) > 1e-15 {
			t.Errorf("%s: %g s per action, want %g", c.task.Name, got, c.dt)
		}
	}
}

// Swimmer's observed velocities are the time derivatives of its positions:
// over one action, Δq equals dt times the mean of the velocities at both
// ends (the trapezoid rule, exact up to O(dt³)).
func TestSwimmerVelocitiesAreDerivativesOfPositions(t *testing.T) {
	e := newEnv(t, Swimmer)
	p := stored(t, Swimmer)
	e.Reset(NewRNG(5, 1))
	dt := e.Dt()
	a := make([]float64, 2)
	var se, sv float64
	for step := 0; step < 300; step++ {
		q0, v0 := e.QPos(), e.QVel()
		obs0 := append([]float64(nil), e.Obs()...)
		p.Act(obs0, a)
		obs, _, _ := e.Step(a)
		q1, v1 := e.QPos(), e.QVel()
		// The observation is qpos[2:] then qvel.
		for j := 0; j < 3; j++ {
			if obs0[j] != q0[2+j] || obs[j] != q1[2+j] {
				t.Fatalf("step %d: observed angle %d differs from qpos", step, j)
			}
		}
		for j := 0; j < 5; j++ {
			if obs0[3+j] != v0[j] {
				t.Fatalf("step %d: observed velocity %d differs from qvel", step, j)
			}
			d := (q1[j]-q0[j])/dt - (v0[j]+v1[j])/2
			se += d * d
			sv += v0[j] * v0[j]
		}
	}
	// The trapezoid rule errs by O(dt³) per step (more where the
	// saturating actions switch): compare root-mean-squares.
	if rel := math.Sqrt(se / sv); rel > 0.02 {
		t.Errorf("finite differences of positions and the mean velocities differ by %.3g%% (rms)", 100*rel)
	} else {
		t.Logf("rms |Δq/dt − mean v| = %.3g%% of the rms velocity", 100*rel)
	}
}

// Reacher's fingertip−target entries are the forward kinematics of the
// observed joint angles (links 0.1 and 0.11) minus the observed target.
func TestReacherObservationIsForwardKinematics(t *testing.T) {
	e := newEnv(t, Reacher)
	p := stored(t, Reacher)
	r := NewRNG(9, 1)
	a := make([]float64, 2)
	for ep := 0; ep < 20; ep++ {
		obs := e.Reset(r)
		if tx, ty := obs[4], obs[5]; math.Hypot(tx, ty) >= 0.2 {
			t.Fatalf("target (%g, %g) outside the disk of radius 0.2", tx, ty)
		}
		tx, ty := obs[4], obs[5]
		for step := 0; ; step++ {
			q := e.QPos()
			for j, want := range []float64{math.Cos(q[0]), math.Cos(q[1]), math.Sin(q[0]), math.Sin(q[1])} {
				if obs[j] != want {
					t.Fatalf("obs[%d] = %g, want %g", j, obs[j], want)
				}
			}
			fx, fy := reacherFK(math.Atan2(obs[2], obs[0]), math.Atan2(obs[3], obs[1]))
			if math.Abs(obs[8]-(fx-tx)) > 1e-12 || math.Abs(obs[9]-(fy-ty)) > 1e-12 || obs[10] != 0 {
				t.Fatalf("episode %d step %d: fingertip−target %v, forward kinematics give (%g, %g, 0)", ep, step, obs[8:], fx-tx, fy-ty)
			}
			if obs[4] != tx || obs[5] != ty {
				t.Fatalf("the target moved")
			}
			p.Act(obs, a)
			dist := math.Hypot(obs[8], obs[9])
			var rw float64
			var done bool
			obs, rw, done = e.Step(a)
			if want := -dist - a[0]*a[0] - a[1]*a[1]; math.Abs(rw-want) > 1e-12 {
				t.Fatalf("reward %g, want −distance − |a|² = %g", rw, want)
			}
			if done {
				if step != 49 {
					t.Fatalf("episode ended after %d steps, want 50", step+1)
				}
				break
			}
		}
	}
}

// A Hopper that does nothing falls; the episode ends at the first state
// that breaks the healthy rule and not before.
func TestHopperTerminatesWhenUnhealthy(t *testing.T) {
	e := newEnv(t, Hopper)
	e.Reset(NewRNG(2, 1))
	zero := []float64{0, 0, 0}
	for {
		_, rw, done := e.Step(zero)
		healthy := HopperHealthy(e.QPos(), e.QVel())
		if done != !healthy {
			t.Fatalf("step %d: done %v but healthy %v", e.Steps(), done, healthy)
		}
		if done {
			break
		}
		if rw < 0.5 {
			t.Fatalf("step %d: reward %g while standing; the healthy bonus is 1", e.Steps(), rw)
		}
	}
	if !e.Terminated() || e.Steps() >= Hopper.EpisodeSteps {
		t.Fatalf("a passive hopper should fall within the episode; it lasted %d steps", e.Steps())
	}
	q := e.QPos()
	if q[1] > 0.7 && math.Abs(q[2]) < 0.2 {
		t.Errorf("terminated at height %g and angle %g, which the rule calls healthy apart from the joint limits", q[1], q[2])
	}
	t.Logf("a passive hopper falls after %d steps (z %.3f, torso angle %.3f)", e.Steps(), q[1], q[2])
}

func TestExpertsBeatBaselines(t *testing.T) {
	for _, c := range []struct {
		task     *Task
		episodes int
		margin   float64 // the expert's mean must exceed the better baseline by this
	}{{Swimmer, 3, 200}, {Reacher, 30, 3}, {Hopper, 3, 2000}} {
		expert, err := Evaluate(c.task, stored(t, c.task), 77, c.episodes)
		if err != nil {
			t.Fatal(err)
		}
		zero, _ := Evaluate(c.task, ZeroPolicy(), 77, c.episodes)
		random, _ := Evaluate(c.task, RandomPolicy(NewRNG(77, 3)), 77, c.episodes)
		best := math.Max(zero.Mean, random.Mean)
		t.Logf("%s: expert %s; zero %.2f; random %.2f", c.task.Name, expert, zero.Mean, random.Mean)
		if expert.Mean < best+c.margin {
			t.Errorf("%s: expert %.2f does not beat the baselines (best %.2f) by %g", c.task.Name, expert.Mean, best, c.margin)
		}
		if c.task == Hopper && expert.Fell > 0 {
			t.Errorf("hopper expert fell in %d of %d episodes", expert.Fell, c.episodes)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	ctx := context.Background()
	a, err := Generate(ctx, Reacher, GenerateOptions{Seed: 4, N: 120})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(ctx, Reacher, GenerateOptions{Seed: 4, N: 120})
	c, _ := Generate(ctx, Reacher, GenerateOptions{Seed: 5, N: 120})
	if !bytes.Equal(a.CSV(), b.CSV()) {
		t.Error("the same seed gave different bytes")
	}
	if bytes.Equal(a.CSV(), c.CSV()) {
		t.Error("different seeds gave the same bytes")
	}
	if len(a.Episodes) != 3 || a.Episodes[2].Steps != 20 || !a.Episodes[2].Cut || a.Episodes[0].Cut {
		t.Errorf("120 Reacher samples should be 50 + 50 + 20 (cut): %+v", a.Episodes)
	}
	for i, v := range a.Actions {
		if v < -1 || v > 1 {
			t.Fatalf("action %d = %g outside [−1, 1]", i, v)
		}
	}
}

// The shipped datasets are what Generate makes from their manifest's seed
// and size, bit for bit.
func TestShippedDataRegenerates(t *testing.T) {
	for _, task := range Tasks() {
		e, ok := simulated.Lookup(task.Name)
		if !ok {
			t.Fatalf("no shipped %s data", task.Name)
		}
		ro, err := Generate(context.Background(), task, GenerateOptions{Seed: e.Seed, N: e.Rows})
		if err != nil {
			t.Fatal(err)
		}
		want, err := e.Data()
		if err != nil {
			t.Fatal(err)
		}
		got := ro.CSV()
		if !bytes.Equal(got, want) {
			sum := sha256.Sum256(got)
			t.Errorf("%s: regenerated %d bytes with SHA-256 %s; shipped %d bytes with %s", task.Name, len(got), hex.EncodeToString(sum[:]), len(want), e.SHA256)
		}
	}
}

func TestSearchShortBudget(t *testing.T) {
	for _, task := range Tasks() {
		c := DefaultSearch(task, 3)
		c.Iterations, c.EvalEvery, c.EvalEpisodes = 2, 1, 1
		c.EpisodesPerRollout, c.Directions, c.Top = 1, 2, 1
		c.Workers = 1
		a, err := Search(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Policy.Policy(); err != nil {
			t.Fatal(err)
		}
		want := 2*c.Directions*2 + 2 // rollouts plus one evaluation episode per iteration
		if a.Episodes != want {
			t.Errorf("%s: %d episodes, want %d", task.Name, a.Episodes, want)
		}
		c.Workers = 2
		b, _ := Search(context.Background(), c)
		ja, _ := a.Policy.Marshal()
		jb, _ := b.Policy.Marshal()
		if !bytes.Equal(ja, jb) {
			t.Errorf("%s: the search result depends on the number of workers", task.Name)
		}
	}
}

func TestSearchImprovesReacher(t *testing.T) {
	c := DefaultSearch(Reacher, 11)
	c.Iterations, c.EvalEvery, c.EvalEpisodes, c.EpisodesPerRollout = 15, 5, 20, 5
	start, _ := Evaluate(Reacher, reacherFromTheta(c.initialTheta()), 21, 20)
	res, err := Search(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := res.Policy.Policy()
	end, _ := Evaluate(Reacher, p, 21, 20)
	t.Logf("reacher: initial gains %.2f, after 15 iterations %.2f", start.Mean, end.Mean)
	if end.Mean < start.Mean+0.5 {
		t.Errorf("15 iterations of search improved Reacher's return only from %.2f to %.2f", start.Mean, end.Mean)
	}
}
