package experiment

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

func TestEverySpecIsConsistentAtEveryScale(t *testing.T) {
	if err := checkIDs(); err != nil {
		t.Fatal(err)
	}
	for _, s := range scale.All() {
		specs, err := All(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range specs {
			names := map[string]bool{}
			for _, r := range spec.Runs() {
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
			if s == scale.Paper {
				continue
			}
			for _, r := range spec.Runs() {
				if steps, _, _ := budget(r.Spec); steps > 80000 {
					t.Errorf("%s/%s: run %s has %d steps, too many for a %s run", s, spec.ID, r.Name, steps, s)
				}
			}
		}
	}
	if _, err := Get("fig10", scale.Quick); err == nil {
		t.Error("Get(fig10) should fail")
	}
}

// Quick runs follow the quick rule: the paper run's depth, optimiser, λ,
// batch, schedule shape and learning-rate sum (so its weight-decay
// budget), with fewer, larger steps — except where a plan says it cannot
// (Steps), which the notes then state.
func TestQuickRunsKeepThePapersBudget(t *testing.T) {
	ruled := 0
	for _, d := range sharedRuns {
		q, p := d.build(scale.Quick), d.build(scale.Paper)
		_, ql, qd := budget(q)
		_, pl, pd := budget(p)
		qc, pc := q.Train.WithDefaults(), p.Train.WithDefaults()
		if qc.WeightDecay != pc.WeightDecay || qc.Momentum != pc.Momentum || qc.Gamma != pc.Gamma || len(qc.Milestones) != len(pc.Milestones) {
			t.Errorf("%s: quick optimiser %+v differs from the paper's %+v beyond lr and epochs", d.id, qc, pc)
		}
		if pm, qm := p.Model, q.Model; pm.MLP != nil && (qm.MLP == nil || qm.MLP.Layers != pm.MLP.Layers || qm.MLP.Bias != pm.MLP.Bias) {
			t.Errorf("%s: quick model %s is not the paper's %s at another width", d.id, qm, pm)
		}
		if qc.BatchSize != pc.BatchSize || pm(p) == nil {
			continue // a planned exception (ResNets): the notes give its budget
		}
		if math.Abs(ql/pl-1) > 0.1 || math.Abs(qd/pd-1) > 0.1 {
			if !strings.HasPrefix(d.id, "nrc2024") {
				t.Errorf("%s: quick Σ lr %.4g and Σ lr·λ %.3g, paper %.4g and %.3g: the quick rule keeps them", d.id, ql, qd, pl, pd)
			}
			continue
		}
		ruled++
	}
	if ruled < 10 {
		t.Errorf("only %d shared runs follow the quick rule exactly", ruled)
	}
}

func pm(s runs.Spec) *runs.MLP { return s.Model.MLP }

// Every run a figure draws is a catalogue run, referred to by its ID: the
// same declaration in every figure, so the run store trains it once. No
// two IDs declare the same run (that would train it twice under two
// names).
func TestFiguresReferToSharedRuns(t *testing.T) {
	for _, s := range scale.All() {
		specs, err := All(s)
		if err != nil {
			t.Fatal(err)
		}
		used := map[string]int{}
		for _, spec := range specs {
			for _, r := range spec.Runs() {
				want, err := SharedRun(r.ID, s)
				if err != nil {
					t.Fatalf("%s/%s: run %s: %v", s, spec.ID, r.Name, err)
				}
				if !reflect.DeepEqual(r.Spec, want) {
					t.Errorf("%s/%s: run %s differs from shared run %s:\n%+v\n%+v", s, spec.ID, r.Name, r.ID, r.Spec, want)
				}
				used[r.ID]++
			}
		}
		byDecl := map[string]string{}
		for _, id := range RunIDs() {
			sp, _ := SharedRun(id, s)
			sp.ID = ""
			key, err := json.Marshal(sp)
			if err != nil {
				t.Fatal(err)
			}
			if other, dup := byDecl[string(key)]; dup {
				t.Errorf("%s: shared runs %s and %s declare the same run", s, other, id)
			}
			byDecl[string(key)] = id
			if used[id] == 0 {
				t.Errorf("%s: shared run %s is used by no experiment", s, id)
			}
		}
		// The runs the paper shares between figures are shared here.
		for _, id := range []string{"swimmer", "hopper", "sgemm", "carla2d", "utkface", "synthetic-fig3"} {
			if used[id] < 2 {
				t.Errorf("%s: shared run %s is used %d times; the paper draws it in several figures", s, id, used[id])
			}
		}
	}
	if _, err := SharedRun("nope", scale.Quick); err == nil || !strings.Contains(err.Error(), "swimmer") {
		t.Errorf("unknown ID: %v (want an error listing the known IDs)", err)
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
