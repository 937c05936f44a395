package exercise

import (
	"slices"
	"testing"
	"time"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// The given run of exercise (b) really trains at smoke scale, lands in the
// run store and comes back from it unchanged, and its checks agree with the
// library's own collapse rule.
func TestGivenRunTrainsAndCaches(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a small network (a few seconds)")
	}
	t.Setenv(scale.Env, "smoke")
	t.Setenv(train.EnvStoreDir, t.TempDir())
	first, err := givenRun(false)
	if err != nil {
		t.Fatal(err)
	}
	layers, noise := LayerValues(first, GivenRunName, nrc.MetricNoise)
	_, cka := LayerValues(first, GivenRunName, nrc.MetricCKA)
	if !slices.Equal(layers, []string{"fc1", "fc2", "fc3", "fc4", "fc5", "fc6"}) || len(cka) != 6 {
		t.Fatalf("layers %v, %d CKA values", layers, len(cka))
	}
	if mse, ok := RunValue(first, GivenRunName, nrc.MetricTrainMSE); !ok || !(mse > 0) {
		t.Fatalf("train MSE %v, %v", mse, ok)
	}
	start := time.Now()
	again, err := givenRun(false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(first, again) {
		t.Fatal("the stored run differs from the trained one")
	}
	t.Logf("trained, then reloaded in %v", time.Since(start))

	answer := "none"
	if i := nrc.DefaultRule().FirstCollapsed(noise, cka); i >= 0 {
		answer = layers[i]
	}
	if r := Evaluate("b1-first", answer); !r.OK() {
		t.Errorf("b1 rejects the library rule's answer %s: %s", answer, r)
	}
	strict := "none"
	if i := StrictRule().FirstCollapsed(noise, cka); i >= 0 {
		strict = layers[i]
	}
	if r := Evaluate("b3-strict", strict); !r.OK() {
		t.Errorf("b3 rejects the library rule's answer %s: %s", strict, r)
	}
}
