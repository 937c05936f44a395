package data

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/data/simulated"
)

func TestLoadDefaultsToSimulatedMuJoCo(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		n    int
	}{{"swimmer", 1000}, {"reacher", 1000}, {"hopper", 5000}} {
		ds, err := Load(c.name, Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if ds.Source != SourceSimulated || !ds.IsSimulated() || ds.IsStandIn() || ds.Simulator != "MuJoCo 2.2.2" {
			t.Errorf("%s: default source %q (simulated %v, stand-in %v, simulator %q), want the shipped simulated data",
				c.name, ds.Source, ds.IsSimulated(), ds.IsStandIn(), ds.Simulator)
		}
		if ds.Train.N+ds.Test.N != c.n || ds.Train.N != 4*ds.Test.N {
			t.Errorf("%s: %d + %d samples, want %d split 80/20", c.name, ds.Train.N, ds.Test.N, c.n)
		}
		if k := ds.Kind(); !strings.HasPrefix(k, "simulated (MuJoCo 2.2.2) in place of ") || ds.Origin() != "simulated (MuJoCo 2.2.2)" {
			t.Errorf("%s: kind %q, origin %q", c.name, k, ds.Origin())
		}
		if s := Describe(ds); s.Source != SourceSimulated || !strings.Contains(s.String(), "simulated (MuJoCo 2.2.2)") {
			t.Errorf("%s: summary does not say simulated: %s", c.name, s)
		}
		// The stand-in stays available and is the Gaussian-teacher one.
		st, err := Load(c.name, Options{Dir: dir, Source: SourceStandIn})
		if err != nil {
			t.Fatal(err)
		}
		if !st.IsStandIn() || st.IsSimulated() || st.Source != SourceStandIn || !strings.Contains(st.Description, "Gaussian states") ||
			digest(st) == digest(ds) || st.Kind() != "stand-in for "+st.StandsInFor {
			t.Errorf("%s: source standin gave %q (%s)", c.name, st.Source, st.Description)
		}
		sim, err := Load(c.name, Options{Dir: dir, Source: SourceSimulated})
		if err != nil || digest(sim) != digest(ds) {
			t.Errorf("%s: source simulated differs from the default: %v", c.name, err)
		}
	}
	if _, err := Load("sgemm", Options{Dir: dir, Source: SourceSimulated}); err == nil || !strings.Contains(err.Error(), "no simulated data") {
		t.Errorf("simulated sgemm: %v", err)
	}
	if ds, err := Load("sgemm", Options{Dir: dir, N: 500}); err != nil || !ds.IsStandIn() {
		t.Errorf("sgemm has no simulated data, auto must give the stand-in: %v", err)
	}
}

func TestRealFilesWinOverSimulated(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 10; i++ {
		for j := 0; j < 13; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.Repeat("1", 1+(i+j)%3))
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "reacher.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err := Load("reacher", Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Source != SourceReal || ds.IsSimulated() || ds.IsStandIn() || ds.Train.N+ds.Test.N != 10 || ds.Kind() != "real data" {
		t.Errorf("with reacher.csv present auto loaded %q with %d samples", ds.Source, ds.Train.N+ds.Test.N)
	}
	if e, _ := Lookup("reacher"); e.DefaultSource(dir) != SourceReal || e.DefaultSource(t.TempDir()) != SourceSimulated {
		t.Error("DefaultSource does not follow the files")
	}
	if sim, err := Load("reacher", Options{Dir: dir, Source: SourceSimulated}); err != nil || !sim.IsSimulated() {
		t.Errorf("source simulated with a real file present: %v", err)
	}
}

// The loaded simulated data is the shipped CSV: undoing the
// standardisation gives back the file's rows, and N keeps its first rows.
func TestSimulatedDataIsTheShippedFile(t *testing.T) {
	tb, e, err := SimulatedTable("swimmer")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := Load("swimmer", Options{Dir: t.TempDir(), N: 200})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Train.N+ds.Test.N != 200 || !strings.Contains(ds.Description, e.Command) {
		t.Fatalf("N=200 gave %d samples; description %q", ds.Train.N+ds.Test.N, ds.Description)
	}
	train, _ := ShuffledSplit(200, PaperSplitSeed)
	sc := ds.TargetScaler
	for i, r := range train[:20] {
		for j := 0; j < 2; j++ {
			got := float64(ds.Train.Y[i*2+j])*sc.Scale[j] + sc.Offset[j]
			if math.Abs(got-tb.Y[r*2+j]) > 1e-5 {
				t.Fatalf("train row %d (file row %d) action %d = %g, file has %g", i, r, j, got, tb.Y[r*2+j])
			}
		}
	}
}

// Independent physical checks of the shipped files.
func TestShippedSimulatedDataObeysThePhysics(t *testing.T) {
	for _, name := range []string{"swimmer", "reacher", "hopper"} {
		tb, e, err := SimulatedTable(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range tb.Y {
			if a < -1 || a > 1 {
				t.Fatalf("%s: action %d = %g outside the control range [−1, 1]", name, i, a)
			}
		}
		d := tb.D
		switch name {
		case "swimmer":
			// Within an episode, Δangle/dt ≈ the mean angular velocity at
			// both ends (dt = 0.04 s); obs 0–2 are angles, 5–7 their rates.
			// The trapezoid rule errs by O(dt³) per step (more where the
			// saturating actions switch), so compare root-mean-squares.
			var se, sv float64
			for i := 0; i+1 < tb.N; i++ {
				for j := 0; j < 3; j++ {
					fd := (tb.X[(i+1)*d+j] - tb.X[i*d+j]) / 0.04
					mid := (tb.X[i*d+5+j] + tb.X[(i+1)*d+5+j]) / 2
					se += (fd - mid) * (fd - mid)
					sv += mid * mid
				}
			}
			if math.Sqrt(se) > 0.02*math.Sqrt(sv) {
				t.Errorf("swimmer: angle differences and angular velocities disagree by %.3g%% (rms)", 100*math.Sqrt(se/sv))
			}
		case "reacher":
			for i := 0; i < tb.N; i++ {
				x := tb.X[i*d : (i+1)*d]
				c0, c1, s0, s1 := x[0], x[1], x[2], x[3]
				if math.Abs(c0*c0+s0*s0-1) > 1e-6 || math.Abs(c1*c1+s1*s1-1) > 1e-6 {
					t.Fatalf("reacher row %d: cos²+sin² ≠ 1", i+1)
				}
				if math.Hypot(x[4], x[5]) >= 0.2 || x[10] != 0 {
					t.Fatalf("reacher row %d: target (%g, %g) outside the disk of radius 0.2, or z %g ≠ 0", i+1, x[4], x[5], x[10])
				}
				// Fingertip = forward kinematics of the angles (links 0.1, 0.11).
				fx := 0.1*c0 + 0.11*(c0*c1-s0*s1)
				fy := 0.1*s0 + 0.11*(s0*c1+c0*s1)
				if math.Abs(x[8]-(fx-x[4])) > 1e-6 || math.Abs(x[9]-(fy-x[5])) > 1e-6 {
					t.Fatalf("reacher row %d: fingertip−target (%g, %g), kinematics give (%g, %g)", i+1, x[8], x[9], fx-x[4], fy-x[5])
				}
				if i%50 != 0 && (x[4] != tb.X[(i-1)*d+4] || x[5] != tb.X[(i-1)*d+5]) {
					t.Fatalf("reacher row %d: the target moved within an episode", i+1)
				}
			}
			if e.Episodes != 20 {
				t.Errorf("reacher: %d episodes, want 20 × 50", e.Episodes)
			}
		case "hopper":
			for i := 0; i < tb.N; i++ {
				x := tb.X[i*d : (i+1)*d]
				// Only healthy states are acted in: z > 0.7, |torso angle| < 0.2;
				// velocities are clipped to ±10.
				if !(x[0] > 0.7) || math.Abs(x[1]) >= 0.2 {
					t.Fatalf("hopper row %d: height %g, angle %g break the healthy rule", i+1, x[0], x[1])
				}
				for _, v := range x[5:] {
					if math.Abs(v) > 10 {
						t.Fatalf("hopper row %d: velocity %g beyond the ±10 clip", i+1, v)
					}
				}
			}
		}
	}
}

func TestSimulatedManifestMatchesFiles(t *testing.T) {
	for _, name := range []string{"hopper", "reacher", "swimmer"} {
		e, ok := simulated.Lookup(name)
		if !ok {
			t.Fatalf("%s missing from the manifest", name)
		}
		sum := 0
		for _, s := range e.EpisodeSteps {
			sum += s
		}
		if sum != e.Rows || len(e.EpisodeReturns) != e.Episodes || len(e.EpisodeSteps) != e.Episodes {
			t.Errorf("%s: episodes %v do not add up to %d rows", name, e.EpisodeSteps, e.Rows)
		}
		if !strings.HasPrefix(e.Command, "deepnrc data generate "+name+" ") {
			t.Errorf("%s: command %q", name, e.Command)
		}
	}
}
