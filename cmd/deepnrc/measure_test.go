package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/measure"
)

func TestMeasureJSON(t *testing.T) {
	dir := t.TempDir()
	spec, err := measure.WriteDemo(dir)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"measure", "--json", "--targets", spec.Targets, "--model-mse", "0.5"}
	for i, l := range spec.Layers {
		if i == 0 { // fc1 without its weight: weight metrics must be null
			args = append(args, "--layer", l.Name+"="+l.Features)
		} else {
			args = append(args, "--layer", l.Name+"="+l.Features+":"+l.Weight)
		}
	}
	var out, errOut bytes.Buffer
	if code := runCLI(args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var got struct {
		TargetDim  int     `json:"target_dim"`
		Rank       int     `json:"rank"`
		N          int     `json:"n"`
		TargetSR   float64 `json:"target_stable_rank"`
		TargetSRP  float64 `json:"target_stable_rank_paper"`
		ModelMSE   float64 `json:"model_mse"`
		FirstLayer *string `json:"first_collapsed_layer"`
		Rule       string  `json:"rule"`
		Layers     []map[string]any
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if got.TargetDim != 3 || got.Rank != 3 || got.N != 2000 || got.ModelMSE != 0.5 || got.Rule == "" || len(got.Layers) != 5 {
		t.Errorf("header: %+v", got)
	}
	for _, key := range []string{"name", "width", "noise", "cka", "cka_projected", "cka_first_t", "wh_alignment", "probe_mse", "probe_mse_paper", "stable_rank_h", "stable_rank_h_paper", "stable_rank_w"} {
		if _, ok := got.Layers[1][key]; !ok {
			t.Errorf("layer JSON lacks %q", key)
		}
	}
	if got.Layers[0]["wh_alignment"] != nil || got.Layers[0]["stable_rank_w"] != nil {
		t.Errorf("fc1 has no weight, so wh_alignment and stable_rank_w must be null: %v", got.Layers[0])
	}
	if got.Layers[1]["wh_alignment"] == nil {
		t.Errorf("fc2 has a weight but no alignment")
	}
}

func TestMeasureTableAndErrors(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := runCLI([]string{"measure", "--demo", filepath.Join(dir, "demo")}, &out, &errOut); code != 0 {
		t.Fatalf("demo exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"fc1", "fc5", "first collapsed layer", "target stable rank"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	errOut.Reset()
	if code := runCLI([]string{"measure", "--targets", filepath.Join(dir, "none.npy"), "--layer", "fc1=" + filepath.Join(dir, "none.npy")}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "no such file") {
		t.Errorf("missing file: exit %d, %s", code, errOut.String())
	}
	errOut.Reset()
	if code := runCLI([]string{"measure", "--layer", "bad"}, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "name=features.npy") {
		t.Errorf("bad --layer: exit %d, %s", code, errOut.String())
	}
	if code := runCLI([]string{"nosuch"}, &out, &errOut); code != 2 {
		t.Errorf("unknown command exit %d", code)
	}
}

func TestHelpExitsZero(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runCLI([]string{"measure", "-h"}, &out, &errOut); code != 0 || !strings.Contains(errOut.String(), "--targets") {
		t.Errorf("measure -h: exit %d, usage %q", code, errOut.String())
	}
}

// Invalid thresholds and model MSEs are refused before any file is read.
func TestMeasureRejectsBadNumbers(t *testing.T) {
	dir := t.TempDir()
	spec, err := measure.WriteDemo(dir)
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"measure", "--targets", spec.Targets, "--layer", spec.Layers[0].Name + "=" + spec.Layers[0].Features}
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--noise-max", "NaN"}, "noise threshold"},
		{[]string{"--cka-min", "NaN"}, "CKA threshold"},
		{[]string{"--model-mse", "NaN"}, "--model-mse"},
		{[]string{"--model-mse", "Inf", "--json"}, "--model-mse"},
		{[]string{"--model-mse", "-2"}, "--model-mse"},
	} {
		var out, errOut bytes.Buffer
		code := runCLI(append(append([]string{}, base...), c.flags...), &out, &errOut)
		if code != 1 || !strings.Contains(errOut.String(), c.want) || out.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and an error mentioning %q", c.flags, code, out.String(), errOut.String(), c.want)
		}
	}
}
