package mujoco

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

// reacherFK is the fingertip of the two-link arm at angles (q0, q1).
func reacherFK(q0, q1 float64) (x, y float64) {
	return ReacherLink0*math.Cos(q0) + ReacherLink1*math.Cos(q0+q1), ReacherLink0*math.Sin(q0) + ReacherLink1*math.Sin(q0+q1)
}

func TestReacherAnglesInvertKinematics(t *testing.T) {
	r := NewRNG(3, 1)
	for i := 0; i < 2000; i++ {
		// A reachable target: the forward kinematics of random angles.
		q0, q1 := r.Uniform(-math.Pi, math.Pi), r.Uniform(-2.9, 2.9)
		x, y := reacherFK(q0, q1)
		a0, a1 := ReacherAngles(x, y, r.Uniform(-math.Pi, math.Pi), r.Uniform(-3, 3))
		fx, fy := reacherFK(a0, a1)
		if math.Hypot(fx-x, fy-y) > 1e-9 || math.Abs(a1) > 3 {
			t.Fatalf("target (%g, %g): angles (%g, %g) reach (%g, %g)", x, y, a0, a1, fx, fy)
		}
		// Started at the true angles, the nearer solution is those angles.
		b0, b1 := ReacherAngles(x, y, q0, q1)
		if math.Abs(wrapAngle(b0-q0)) > 1e-6 || math.Abs(b1-q1) > 1e-6 {
			t.Fatalf("from the exact angles (%g, %g) got (%g, %g)", q0, q1, b0, b1)
		}
	}
	// Out of reach: the arm stretches towards the target.
	a0, a1 := ReacherAngles(0, 0.5, 0, 0)
	if math.Abs(a1) > 1e-3 || math.Abs(a0-math.Pi/2) > 1e-3 {
		t.Errorf("unreachable (0, 0.5): angles (%g, %g), want about (π/2, 0)", a0, a1)
	}
}

func TestWrapAngle(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{0, 0}, {math.Pi, math.Pi}, {-math.Pi, math.Pi}, {3 * math.Pi / 2, -math.Pi / 2}, {-7, -7 + 2*math.Pi}, {13, 13 - 4*math.Pi}} {
		if got := wrapAngle(c.in); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("wrapAngle(%g) = %g, want %g", c.in, got, c.want)
		}
	}
}

func TestLinearPolicy(t *testing.T) {
	p := &Linear{StateDim: 2, ActionDim: 2, W: []float64{1, 2, -3, 0.5}, Mean: []float64{1, -1}, Std: []float64{2, 4}}
	a := make([]float64, 2)
	p.Act([]float64{2, 1}, a) // normalised (0.5, 0.5)
	if a[0] != 1 || a[1] != -1 {
		t.Errorf("saturating case: %v, want [1 -1]", a)
	}
	p.Act([]float64{1.2, -1.2}, a) // normalised (0.1, −0.05)
	if math.Abs(a[0]-0) > 1e-15 || math.Abs(a[1]-(-0.325)) > 1e-15 {
		t.Errorf("linear case: %v, want [0 -0.325]", a)
	}
}

func TestHopperHealthy(t *testing.T) {
	ok := []float64{0, 1.25, 0, -0.1, -0.2, 0.1}
	vel := []float64{1, -1, 0.5, 3, -3, 2}
	if !HopperHealthy(ok, vel) {
		t.Fatal("standing state reported unhealthy")
	}
	for _, c := range []struct {
		name string
		i    int // index into qpos (< 6) or qvel (≥ 6)
		v    float64
		want bool
	}{
		{"low", 1, 0.7, false}, {"just high enough", 1, 0.70001, true},
		{"leaning forward", 2, 0.2, false}, {"leaning back", 2, -0.2, false}, {"leaning a little", 2, 0.199, true},
		{"x is not checked", 0, 1e6, true},
		{"joint angle at the bound", 4, 100, false}, {"joint velocity at the bound", 9, -100, false},
		{"fast but inside", 7, 99.9, true}, {"NaN", 10, math.NaN(), false},
	} {
		q, v := append([]float64(nil), ok...), append([]float64(nil), vel...)
		if c.i < 6 {
			q[c.i] = c.v
		} else {
			v[c.i-6] = c.v
		}
		if got := HopperHealthy(q, v); got != c.want {
			t.Errorf("%s: healthy = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestStoredPoliciesParse(t *testing.T) {
	for _, task := range Tasks() {
		pf, err := StoredPolicy(task)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pf.Policy(); err != nil {
			t.Fatal(err)
		}
		if pf.Evaluation == nil || pf.Evaluation.Episodes < 10 || !strings.HasPrefix(pf.Command, "deepnrc data search-policy "+task.Name) {
			t.Errorf("%s: stored policy lacks its evaluation or command: %+v", task.Name, pf)
		}
		b, err := pf.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParsePolicyFile(b)
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := again.Marshal()
		if !bytes.Equal(b, b2) {
			t.Errorf("%s: policy file does not survive a JSON round trip", task.Name)
		}
	}
	if _, err := ParsePolicyFile([]byte(`{"task":"hopper","controller":"linear","weights":[[1,2]]}`)); err == nil {
		t.Error("a 1×2 hopper policy parsed")
	}
	if _, err := ParsePolicyFile([]byte(`{"task":"swimmer","controller":"reacher-ik","kp":[1,1],"kd":[1,1]}`)); err == nil {
		t.Error("a reacher controller for swimmer parsed")
	}
}

func TestCSVLayout(t *testing.T) {
	ro := &Rollouts{Task: Reacher, N: 2,
		States:  []float64{1, 0.5, 0, -0, 0.1, -0.2, 1e-9, 3, 0.123456789, 1.0 / 3, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2},
		Actions: []float64{1, -1, 0.25, -0.75}}
	lines := strings.Split(strings.TrimSuffix(string(ro.CSV()), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
	cells := strings.Split(lines[0], ",")
	if len(cells) != 13 || cells[3] != "0" || cells[11] != "1" || cells[12] != "-1" {
		t.Fatalf("first line %q: want 13 cells, no -0, actions last", lines[0])
	}
	for i, c := range cells[:11] {
		v, err := strconv.ParseFloat(c, 32)
		if err != nil || float32(v) != float32(ro.States[i]) {
			t.Errorf("cell %d = %q, want float32 %v", i, c, float32(ro.States[i]))
		}
	}
}

func TestLookupTask(t *testing.T) {
	for _, task := range Tasks() {
		if got, err := LookupTask(task.Name); err != nil || got != task {
			t.Errorf("LookupTask(%q) = %v, %v", task.Name, got, err)
		}
		if _, err := task.ModelXML(); err != nil {
			t.Error(err)
		}
	}
	if _, err := LookupTask("ant"); err == nil || !strings.Contains(err.Error(), "swimmer, reacher or hopper") {
		t.Errorf("unknown task: %v", err)
	}
	if !Available() && !errors.Is(func() error { _, err := NewEnv(Swimmer); return err }(), ErrUnavailable) {
		t.Error("a build without MuJoCo must answer ErrUnavailable")
	}
}
