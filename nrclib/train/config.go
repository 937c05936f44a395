// Package train trains the networks of package model the way the Deep NRC
// paper does — SGD with momentum and PyTorch-coupled weight decay, a
// MultiStepLR schedule, mean squared error on mini-batches from a seeded
// shuffle — and, at a list of logged epochs, hands one inference-mode pass
// over the training set to a Measurer that turns the probed activations into
// the long-format results table. Runs are checkpointed atomically in a run
// store keyed by a hash of their full configuration, so an interrupted run
// resumes exactly and a finished one is returned at once.
//
// The update is PyTorch's torch.optim.SGD with dampening 0 and no Nesterov
// term, applied to every trainable variable (biases and normalisation
// parameters included):
//
//	g   ← ∇w loss + λ·w
//	buf ← μ·buf + g      (buf starts at 0)
//	w   ← w − lr·buf
//
// The learning rate of epoch e (1-based) is lr₀·γ^k, where k counts the
// milestones m ≤ e−1, i.e. PyTorch's MultiStepLR stepped once per epoch.
package train

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// PaperMLPEpochs are the epochs at which the paper's code measures its MLPs
// (DEFAULT_MLP_EPOCHS). Filter them to the run's length with EpochsUpTo.
var PaperMLPEpochs = []int{
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 19, 20, 22, 24, 27, 29, 32, 35, 38, 42, 45,
	50, 54, 59, 65, 71, 77, 85, 92, 100, 101, 110, 121, 132, 144, 158, 172, 188, 206, 225, 245, 268,
	293, 320, 350, 380, 420, 450, 500, 530, 560, 600, 630, 650, 680, 720, 750, 790, 820, 850, 880,
	900, 930, 970, 1000,
}

// PaperResNetEpochs are the epochs at which the paper's code measures its
// ResNets.
var PaperResNetEpochs = []int{1, 10, 50, 100, 206, 245}

// EpochsUpTo returns the entries of list that lie in [1, maxEpoch], sorted
// and without duplicates, in a new slice.
func EpochsUpTo(list []int, maxEpoch int) []int {
	var out []int
	for _, e := range list {
		if e >= 1 && e <= maxEpoch {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Config is the full training configuration of a run. Every field takes
// part in the run's store key. Start from DefaultConfig: the zero value is
// not valid.
type Config struct {
	// Epochs is the number of passes over the training set (≥ 1).
	Epochs int `json:"epochs"`
	// BatchSize is the mini-batch size (≥ 1).
	BatchSize int `json:"batch_size"`
	// DropLast drops the final incomplete mini-batch of each epoch, as
	// PyTorch's DataLoader(drop_last=True). When false the last batch is
	// smaller (its graph is compiled once more).
	DropLast bool `json:"drop_last"`
	// LearningRate is lr₀ (> 0).
	LearningRate float64 `json:"learning_rate"`
	// Momentum is μ in [0, 1); the paper uses 0.9.
	Momentum float64 `json:"momentum"`
	// WeightDecay is λ ≥ 0, added to the gradient as λ·w (coupled, as
	// PyTorch's SGD) on every trainable variable.
	WeightDecay float64 `json:"weight_decay"`
	// TestEvery, when > 1, evaluates the test MSE only every that many
	// epochs (and at every measured epoch and the last) instead of after
	// every epoch; it changes what is recorded, not how the run trains.
	TestEvery int `json:"test_every,omitempty"`
	// Milestones are the MultiStepLR milestones, in epochs. nil means the
	// paper code's default [⌊E/3⌋, ⌊2E/3⌋]; an empty non-nil slice means no
	// decay.
	Milestones []int `json:"milestones"`
	// Gamma is the factor applied to the learning rate at each milestone,
	// in (0, 1]; the paper uses 0.1.
	Gamma float64 `json:"gamma"`
	// Seed seeds the weight initialisation and the per-epoch shuffles.
	Seed int64 `json:"seed"`
	// MeasureEpochs are the epochs after which the Measurer runs (0
	// measures the untrained network; epochs past Epochs are ignored). nil
	// means PaperMLPEpochs up to Epochs. The final epoch is always
	// measured.
	MeasureEpochs []int `json:"measure_epochs"`
	// EvalBatchSize is the batch size of the inference-mode passes (test
	// MSE every epoch, measurement at logged epochs); 0 means 512. It does
	// not change any result beyond float rounding of the model's own
	// reductions.
	EvalBatchSize int `json:"eval_batch_size"`
	// Rank is the signal-subspace rank k handed to the metrics (0 = the
	// target dimension t).
	Rank int `json:"rank"`
}

// DefaultConfig returns the paper's optimiser settings (momentum 0.9,
// γ = 0.1, milestones at E/3 and 2E/3, measurement at PaperMLPEpochs) with
// lr₀ 0.1, weight decay 5e-4, batch 512 and the given number of epochs.
func DefaultConfig(epochs int) Config {
	return Config{
		Epochs:       epochs,
		BatchSize:    512,
		LearningRate: 0.1,
		Momentum:     0.9,
		WeightDecay:  5e-4,
		Gamma:        0.1,
		Seed:         1,
	}
}

// Validate reports the first invalid field, naming how to fix it.
func (c *Config) Validate() error {
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("train: Epochs is %d; set it to at least 1", c.Epochs)
	case c.BatchSize < 1:
		return fmt.Errorf("train: BatchSize is %d; set it to at least 1", c.BatchSize)
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0):
		return fmt.Errorf("train: LearningRate is %v; set a finite value > 0", c.LearningRate)
	case c.TestEvery < 0:
		return fmt.Errorf("train: TestEvery is %d; set 0 (every epoch) or more", c.TestEvery)
	case !(c.Momentum >= 0 && c.Momentum < 1):
		return fmt.Errorf("train: Momentum is %v; set a value in [0, 1) (the paper uses 0.9)", c.Momentum)
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0):
		return fmt.Errorf("train: WeightDecay is %v; set a finite value ≥ 0", c.WeightDecay)
	case !(c.Gamma > 0 && c.Gamma <= 1):
		return fmt.Errorf("train: Gamma is %v; set a value in (0, 1] (the paper uses 0.1; start from DefaultConfig)", c.Gamma)
	case c.EvalBatchSize < 0:
		return fmt.Errorf("train: EvalBatchSize is %d; set it to 0 (default 512) or more", c.EvalBatchSize)
	case c.Rank < 0:
		return fmt.Errorf("train: Rank is %d; set it to 0 (the target dimension) or more", c.Rank)
	}
	for _, m := range c.Milestones {
		if m < 1 {
			return fmt.Errorf("train: milestone %d is before epoch 1; milestones count epochs from 1", m)
		}
	}
	for _, e := range c.MeasureEpochs {
		if e < 0 {
			return fmt.Errorf("train: measure epoch %d is negative; use 0 (before training) or more", e)
		}
	}
	return nil
}

// WithDefaults returns a copy with nil/zero "use the default" fields
// resolved (milestones, measured epochs): the configuration a run trains
// with.
func (c Config) WithDefaults() Config { return c.withDefaults() }

// withDefaults returns a copy with nil/zero "use the default" fields
// resolved, so that two configs meaning the same run hash the same.
func (c Config) withDefaults() Config {
	if c.Milestones == nil {
		c.Milestones = DefaultMilestones(c.Epochs)
	} else {
		c.Milestones = slices.Clone(c.Milestones)
		slices.Sort(c.Milestones)
	}
	if c.MeasureEpochs == nil {
		c.MeasureEpochs = EpochsUpTo(PaperMLPEpochs, c.Epochs)
	}
	me := []int{c.Epochs}
	for _, e := range c.MeasureEpochs {
		if e <= c.Epochs {
			me = append(me, e)
		}
	}
	slices.Sort(me)
	c.MeasureEpochs = slices.Compact(me)
	if c.EvalBatchSize == 0 {
		c.EvalBatchSize = 512
	}
	return c
}

// DefaultMilestones returns the paper code's milestones [⌊E/3⌋, ⌊2E/3⌋],
// leaving out any that would fall before epoch 1.
func DefaultMilestones(epochs int) []int {
	var out []int
	for _, m := range []int{epochs / 3, 2 * epochs / 3} {
		if m >= 1 {
			out = append(out, m)
		}
	}
	return out
}

// LearningRateAt returns the learning rate used during epoch (1-based):
// lr₀ multiplied by γ once per milestone m ≤ epoch−1, in the same order of
// float64 operations as PyTorch's MultiStepLR.
func (c *Config) LearningRateAt(epoch int) float64 {
	ms := c.Milestones
	if ms == nil {
		ms = DefaultMilestones(c.Epochs)
	}
	lr := c.LearningRate
	for _, m := range ms {
		if m <= epoch-1 {
			lr *= c.Gamma
		}
	}
	return lr
}

// ErrDiverged is wrapped by the error Run returns when the loss becomes NaN
// or infinite.
var ErrDiverged = errors.New("training diverged")
