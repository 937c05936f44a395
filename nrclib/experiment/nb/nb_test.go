package nb

import (
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/experiment"
)

func TestOpenReadsTheScale(t *testing.T) {
	t.Setenv(experiment.ScaleEnv, "smoke")
	s, err := Open("fig3")
	if err != nil {
		t.Fatal(err)
	}
	if s.Spec.Scale != experiment.Smoke || s.Spec.ID != "fig3" {
		t.Errorf("spec %s at %s", s.Spec.ID, s.Spec.Scale)
	}
	t.Setenv(experiment.ScaleEnv, "huge")
	if _, err := Open("fig3"); err == nil {
		t.Error("a bad scale should be an error")
	}
	if _, err := Open("fig42"); err == nil {
		t.Error("an unknown figure should be an error")
	}
}

func TestHTMLParts(t *testing.T) {
	spec, err := experiment.Get("fig2", experiment.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	claim := ClaimHTML(spec)
	if !strings.Contains(claim, "Figure 2") || !strings.Contains(claim, "Scale: smoke") || strings.Count(claim, "<li>") != len(spec.Claims) {
		t.Errorf("claim HTML: %s", claim)
	}
	model, err := ModelHTML(spec)
	if err != nil {
		t.Fatal(err)
	}
	// Swimmer's 8-layer MLP: fc1 probes the 8 inputs, fc2…fc8 the width-16 hidden layers.
	if !strings.Contains(model, "8 probes: fc1 (8), fc2 (16)") {
		t.Errorf("model HTML lacks the probes: %s", model)
	}
	dataHTML, err := DataHTML(spec, experiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Two datasets, each with a 5-row preview of its 8 or 11 inputs (6 shown) and targets.
	if strings.Count(dataHTML, "<table>") != 2 || strings.Count(dataHTML, "<tr>") != 12 || !strings.Contains(dataHTML, "y[1]") {
		t.Errorf("data HTML: %s", dataHTML)
	}
	tables := TablesHTML([]experiment.Table{{Title: "a<b", Header: []string{"x"}, Rows: [][]string{{"1&2"}}, Note: "n"}})
	if !strings.Contains(tables, "a&lt;b") || !strings.Contains(tables, "1&amp;2") {
		t.Errorf("tables HTML not escaped: %s", tables)
	}
	notice := NoticeHTML(spec)
	if strings.Count(notice, "<li>") != len(spec.Notice)+len(spec.Exercises) {
		t.Errorf("notice HTML: %s", notice)
	}
}
