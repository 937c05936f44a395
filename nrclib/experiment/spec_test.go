package experiment

import (
	"os"
	"reflect"
	"testing"
)

func TestParseScale(t *testing.T) {
	for in, want := range map[string]Scale{"": Quick, "quick": Quick, " Paper ": Paper, "SMOKE": Smoke} {
		got, err := ParseScale(in)
		if err != nil || got != want {
			t.Errorf("ParseScale(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseScale("fast"); err == nil {
		t.Error("ParseScale(fast) should fail")
	}
	t.Setenv(ScaleEnv, "paper")
	if s, err := ScaleFromEnv(); err != nil || s != Paper {
		t.Errorf("ScaleFromEnv = %q, %v", s, err)
	}
	os.Unsetenv(ScaleEnv)
	if s, err := ScaleFromEnv(); err != nil || s != Quick {
		t.Errorf("ScaleFromEnv unset = %q, %v", s, err)
	}
}

func TestEverySpecIsConsistentAtEveryScale(t *testing.T) {
	if err := checkIDs(); err != nil {
		t.Fatal(err)
	}
	for _, s := range Scales() {
		specs, err := All(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range specs {
			names := map[string]bool{}
			for _, r := range spec.allRuns() {
				names[r.Name] = true
			}
			check := func(q *Quantity) {
				if q != nil && q.Run != "" && !names[q.Run] {
					t.Errorf("%s/%s: a claim names run %q, which the spec does not have", s, spec.ID, q.Run)
				}
			}
			for _, c := range spec.Claims {
				if len(c.Conds) == 0 {
					t.Errorf("%s/%s: claim %q has no conditions", s, spec.ID, c.Text)
				}
				for _, cond := range c.Conds {
					check(&cond.Left)
					check(cond.Right)
				}
			}
			titles := map[string]bool{}
			for _, c := range spec.Columns {
				titles[c.Title] = true
			}
			for _, ref := range spec.Reference {
				if !titles[ref.Column] {
					t.Errorf("%s/%s: reference names column %q", s, spec.ID, ref.Column)
				}
				if len(ref.Layers) > 0 && len(ref.Layers) != len(ref.Values) {
					t.Errorf("%s/%s: reference %s of %s has %d layers and %d values", s, spec.ID, ref.Metric, ref.Column, len(ref.Layers), len(ref.Values))
				}
			}
			if spec.Scale != s {
				t.Errorf("%s: scale %q, want %q", spec.ID, spec.Scale, s)
			}
			if s == Paper {
				continue
			}
			for _, r := range spec.allRuns() {
				if r.Train.Epochs > 2000 {
					t.Errorf("%s/%s: run %s has %d epochs, too many for a %s run", s, spec.ID, r.Name, r.Train.Epochs, s)
				}
			}
		}
	}
	if _, err := Get("fig10", Quick); err == nil {
		t.Error("Get(fig10) should fail")
	}
}

// Figures that show the same run must declare it identically, so the run
// store trains it once.
func TestSharedRunsAreIdentical(t *testing.T) {
	for _, s := range Scales() {
		get := func(id, run string) RunSpec {
			spec, err := Get(id, s)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range spec.allRuns() {
				if r.Name == run {
					c := *r
					c.Name, c.Label, c.Highlight = "", "", false
					return c
				}
			}
			t.Fatalf("%s has no run %s", id, run)
			return RunSpec{}
		}
		groups := [][][2]string{
			{{"fig2", "fig2/swimmer"}, {"fig5", "fig5/swimmer"}, {"table1", "table1/swimmer"}},
			{{"fig2", "fig2/hopper"}, {"fig5", "fig5/hopper"}, {"table1", "table1/hopper"}},
			{{"fig6", "fig6/reacher"}, {"fig5", "fig5/reacher"}},
			{{"fig7", "fig7/sgemm"}, {"fig9", "fig9/sgemm/wd=0.001"}, {"fig5", "fig5/sgemm"}},
			{{"fig1", "fig1/carla2d"}, {"fig4", "fig4/carla2d/wd=0.005"}, {"fig5", "fig5/carla2d"}},
			{{"fig1", "fig1/utkface"}, {"fig5", "fig5/utkface"}},
			{{"fig3", "fig3/synthetic"}, {"fig4", "fig4/synthetic/good"}},
		}
		for _, g := range groups {
			first := get(g[0][0], g[0][1])
			for _, o := range g[1:] {
				if got := get(o[0], o[1]); !reflect.DeepEqual(first, got) {
					t.Errorf("%s: %s/%s differs from %s/%s:\n%+v\n%+v", s, o[0], o[1], g[0][0], g[0][1], got, first)
				}
			}
		}
	}
}

func TestResolveIDs(t *testing.T) {
	got, err := ResolveIDs([]string{"fig9", "FIG1", "fig9"})
	if err != nil || !reflect.DeepEqual(got, []string{"fig1", "fig9"}) {
		t.Errorf("ResolveIDs = %v, %v", got, err)
	}
	if all, _ := ResolveIDs(nil); len(all) != 12 {
		t.Errorf("all = %v", all)
	}
	if _, err := ResolveIDs([]string{"fig0"}); err == nil {
		t.Error("fig0 should be rejected")
	}
}
