package train

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLearningRateFollowsMultiStepLR(t *testing.T) {
	c := DefaultConfig(9)
	c.LearningRate = 0.5
	// Default milestones for 9 epochs are [3, 6]: epochs 1–3 at lr₀,
	// 4–6 at lr₀γ, 7–9 at lr₀γ², γ applied by repeated float64
	// multiplication as PyTorch does (so epoch 7 is 0.005000000000000001).
	lr0, g := 0.5, 0.1
	want := []float64{lr0, lr0, lr0, lr0 * g, lr0 * g, lr0 * g, lr0 * g * g, lr0 * g * g, lr0 * g * g}
	for e := 1; e <= 9; e++ {
		if got := c.LearningRateAt(e); got != want[e-1] {
			t.Errorf("epoch %d: lr %v, want %v", e, got, want[e-1])
		}
	}
	c.Milestones = []int{}
	if got := c.LearningRateAt(9); got != 0.5 {
		t.Errorf("no milestones: lr %v, want 0.5", got)
	}
	if !slices.Equal(DefaultMilestones(1000), []int{333, 666}) || !slices.Equal(DefaultMilestones(200), []int{66, 133}) {
		t.Error("default milestones are not [⌊E/3⌋, ⌊2E/3⌋]")
	}
	if len(DefaultMilestones(2)) != 1 || len(DefaultMilestones(1)) != 0 {
		t.Errorf("milestones before epoch 1 must be dropped: %v %v", DefaultMilestones(2), DefaultMilestones(1))
	}
}

func TestValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.Epochs = 0 }, "Epochs"},
		{func(c *Config) { c.LearningRate = math.NaN() }, "LearningRate"},
		{func(c *Config) { c.Momentum = 1 }, "Momentum"},
		{func(c *Config) { c.WeightDecay = -1 }, "WeightDecay"},
		{func(c *Config) { c.Gamma = 0 }, "Gamma"},
		{func(c *Config) { c.Milestones = []int{0} }, "milestone"},
		{func(c *Config) { c.MeasureEpochs = []int{-1} }, "measure epoch"},
	} {
		c := DefaultConfig(10)
		tc.mod(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want an error naming %s, got %v", tc.want, err)
		}
	}
	c := DefaultConfig(10)
	if err := c.Validate(); err != nil {
		t.Errorf("DefaultConfig is invalid: %v", err)
	}
}

func TestMeasureEpochDefaults(t *testing.T) {
	c := DefaultConfig(30).withDefaults()
	if !slices.Equal(c.MeasureEpochs, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 19, 20, 22, 24, 27, 29, 30}) {
		t.Errorf("measure epochs for 30 epochs: %v", c.MeasureEpochs)
	}
	c = DefaultConfig(5)
	c.MeasureEpochs = []int{3, 3, 9, 0}
	if got := c.withDefaults().MeasureEpochs; !slices.Equal(got, []int{0, 3, 5}) {
		t.Errorf("measure epochs %v, want [0 3 5]", got)
	}
	if got := EpochsUpTo(PaperResNetEpochs, 100); !slices.Equal(got, []int{1, 10, 50, 100}) {
		t.Errorf("EpochsUpTo(ResNet, 100) = %v", got)
	}
	if len(PaperMLPEpochs) != 71 || PaperMLPEpochs[len(PaperMLPEpochs)-1] != 1000 {
		t.Errorf("PaperMLPEpochs has %d entries ending in %d", len(PaperMLPEpochs), PaperMLPEpochs[len(PaperMLPEpochs)-1])
	}
}

func TestEpochPermutation(t *testing.T) {
	const n = 5
	counts := make([][]int, n) // counts[i][pos]: how often sample i lands at pos
	for i := range counts {
		counts[i] = make([]int, n)
	}
	const epochs = 5000
	for e := 1; e <= epochs; e++ {
		p := EpochPermutation(42, e, n)
		sorted := slices.Sorted(slices.Values(p))
		if !slices.Equal(sorted, []int{0, 1, 2, 3, 4}) {
			t.Fatalf("epoch %d: %v is not a permutation", e, p)
		}
		for pos, i := range p {
			counts[i][pos]++
		}
	}
	// Each cell is Binomial(5000, 1/5): mean 1000, sd 28; allow 5 sd.
	for i := range counts {
		for pos, c := range counts[i] {
			if c < 860 || c > 1140 {
				t.Errorf("sample %d at position %d %d times in %d epochs, want ≈1000", i, pos, c, epochs)
			}
		}
	}
	if !slices.Equal(EpochPermutation(1, 3, 50), EpochPermutation(1, 3, 50)) {
		t.Error("the same seed and epoch gave different orders")
	}
	if slices.Equal(EpochPermutation(1, 3, 50), EpochPermutation(1, 4, 50)) ||
		slices.Equal(EpochPermutation(1, 3, 50), EpochPermutation(2, 3, 50)) {
		t.Error("different epochs or seeds gave the same order of 50 samples")
	}
	// Pinned values: the order must never change with the Go version.
	if got := EpochPermutation(7, 1, 8); !slices.Equal(got, pinnedPerm) {
		t.Errorf("EpochPermutation(7, 1, 8) = %#v; the shuffle changed, which breaks reproducibility of stored runs", got)
	}
}

func TestTerminalProgressNonInteractive(t *testing.T) {
	var buf bytes.Buffer
	p := NewTerminalProgress(&buf)
	s := Status{Run: "r", Epoch: 1, Epochs: 2, Step: 1, Steps: 4, TrainLoss: 0.5, TestMSE: math.NaN(), LearningRate: 0.1}
	p.Update(s) // mid-epoch: nothing on a non-terminal
	if buf.Len() != 0 {
		t.Fatalf("mid-epoch update wrote %q", buf.String())
	}
	s.EpochDone, s.TestMSE, s.Elapsed, s.ETA = true, 0.25, 3*time.Second, 3*time.Second
	p.Update(s)
	s.Epoch = 2
	p.Update(s)
	p.Finish(s, fmt.Errorf("boom"))
	out := buf.String()
	for _, want := range []string{"epoch 1/2", "50%", "test 0.25", "lr 0.1", "ETA 3s", "epoch 2/2", "100%", "stopped: boom"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress output %q lacks %q", out, want)
		}
	}
	if strings.Count(out, "epoch 2/2") != 1 {
		t.Errorf("final line printed twice: %q", out)
	}
}

func TestProgressHTML(t *testing.T) {
	h := ProgressHTML(Status{Run: "<x>", Epoch: 3, Epochs: 4, EpochDone: true, TrainLoss: 1, TestMSE: math.NaN()}, "done")
	for _, want := range []string{"&lt;x&gt;", "epoch 3/4", `value="0.7500"`, "75%", "done"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML %q lacks %q", h, want)
		}
	}
}
