package mujoco

import (
	"fmt"
	"math"
)

// Policy maps an observation to an action in [−1, 1]^ActionDim. Act must
// not keep obs or action.
type Policy interface {
	Act(obs, action []float64)
}

// Linear is the policy a = clip(W·(obs − Mean)/Std, −1, 1), the linear
// policy of Augmented Random Search (Mania et al., 2018). W is
// ActionDim×StateDim, row-major. Mean and Std normalise the observation;
// nil means no normalisation (Mean 0, Std 1). Std entries must be > 0.
type Linear struct {
	W                   []float64
	Mean, Std           []float64
	StateDim, ActionDim int
}

// Act implements Policy.
func (p *Linear) Act(obs, action []float64) {
	d := p.StateDim
	for i := 0; i < p.ActionDim; i++ {
		row := p.W[i*d : (i+1)*d]
		var s float64
		for j, w := range row {
			x := obs[j]
			if p.Mean != nil {
				x = (x - p.Mean[j]) / p.Std[j]
			}
			s += w * x
		}
		action[i] = clip(s, -1, 1)
	}
}

// ReacherIK is Reacher's expert: inverse kinematics of the two-link arm
// (links 0.1 and 0.11 from joint to joint and from joint to fingertip)
// gives the joint angles that put the fingertip on the target, and a PD
// law drives the joints there:
//
//	a_i = clip(Kp_i·(q*_i − q_i) − Kd_i·q̇_i, −1, 1)
//
// with joint 0's error wrapped to (−π, π]. Of the two elbow solutions it
// takes the one nearer the current angles that respects joint 1's range
// (|q1| ≤ 3); a target out of reach is approached along its direction.
type ReacherIK struct {
	Kp, Kd [2]float64
}

// Reacher's link lengths: joint 0 to joint 1, joint 1 to the fingertip.
const (
	ReacherLink0 = 0.1
	ReacherLink1 = 0.11
)

// Act implements Policy on Reacher's 11 observations.
func (p *ReacherIK) Act(obs, action []float64) {
	q0 := math.Atan2(obs[2], obs[0])
	q1 := math.Atan2(obs[3], obs[1])
	t0, t1 := ReacherAngles(obs[4], obs[5], q0, q1)
	e0 := wrapAngle(t0 - q0)
	e1 := t1 - q1
	action[0] = clip(p.Kp[0]*e0-p.Kd[0]*obs[6], -1, 1)
	action[1] = clip(p.Kp[1]*e1-p.Kd[1]*obs[7], -1, 1)
}

// ReacherAngles returns the joint angles (q0, q1) that put Reacher's
// fingertip at (x, y), choosing of the two elbow solutions the one nearer
// (cur0, cur1); unreachable targets are clamped to the reachable annulus.
func ReacherAngles(x, y, cur0, cur1 float64) (q0, q1 float64) {
	l0, l1 := ReacherLink0, ReacherLink1
	r := math.Hypot(x, y)
	r = math.Max(math.Abs(l1-l0)+1e-9, math.Min(l0+l1-1e-9, r))
	c := (r*r - l0*l0 - l1*l1) / (2 * l0 * l1)
	c = math.Max(-1, math.Min(1, c))
	base := math.Atan2(y, x)
	best := math.Inf(1)
	for _, s := range []float64{1, -1} {
		e1 := s * math.Acos(c)
		if math.Abs(e1) > 3 { // joint 1's range
			e1 = math.Copysign(3, e1)
		}
		e0 := base - math.Atan2(l1*math.Sin(e1), l0+l1*math.Cos(e1))
		cost := math.Abs(wrapAngle(e0-cur0)) + math.Abs(e1-cur1)
		if cost < best {
			best, q0, q1 = cost, e0, e1
		}
	}
	return q0, q1
}

// wrapAngle maps a to (−π, π].
func wrapAngle(a float64) float64 {
	a = math.Mod(a+math.Pi, 2*math.Pi)
	if a <= 0 {
		a += 2 * math.Pi
	}
	return a - math.Pi
}

// zeroPolicy always acts 0.
type zeroPolicy struct{}

func (zeroPolicy) Act(_, action []float64) {
	for i := range action {
		action[i] = 0
	}
}

// ZeroPolicy returns the policy that never acts, a baseline.
func ZeroPolicy() Policy { return zeroPolicy{} }

// RandomPolicy returns the baseline acting uniformly in [−1, 1], drawn from
// r.
func RandomPolicy(r *RNG) Policy { return &randomPolicy{r: r} }

type randomPolicy struct{ r *RNG }

func (p *randomPolicy) Act(_, action []float64) {
	for i := range action {
		action[i] = p.r.Uniform(-1, 1)
	}
}

// checkSizes validates a linear policy's shapes against its task.
func (p *Linear) checkSizes(t *Task) error {
	if p.StateDim != t.StateDim || p.ActionDim != t.ActionDim || len(p.W) != t.StateDim*t.ActionDim {
		return fmt.Errorf("mujoco: %s linear policy is %d×%d with %d weights, want %d×%d", t.Name, p.ActionDim, p.StateDim, len(p.W), t.ActionDim, t.StateDim)
	}
	if p.Mean != nil {
		if len(p.Mean) != t.StateDim || len(p.Std) != t.StateDim {
			return fmt.Errorf("mujoco: %s linear policy normaliser has %d means and %d deviations, want %d", t.Name, len(p.Mean), len(p.Std), t.StateDim)
		}
		for j, s := range p.Std {
			if !(s > 0) {
				return fmt.Errorf("mujoco: %s linear policy: deviation %d is %g, must be > 0", t.Name, j, s)
			}
		}
	}
	return nil
}
