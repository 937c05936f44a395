// Package runs declares training runs once and trains them: the data, the
// network (its architecture; the input and output sizes come from the
// data), the training configuration, what is measured, and the seeds. The
// paper's figures (package experiment), the tour, the classroom exercises
// and `deepnrc train` all declare their runs as a Spec and train them with a
// Runner, which holds the one run store, the one backend and a cache of the
// datasets loaded.
//
// A Spec with an ID is a shared run: every figure that needs it refers to
// the same declaration, and the run store trains it once (the store key
// covers everything that changes a result, never the labels).
package runs

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// Spec declares one training run, possibly repeated over seeds.
type Spec struct {
	// ID is the stable identity of a shared run ("swimmer-mlp"); "" for a
	// one-off run. It is a label, not part of the store key.
	ID string `json:"id,omitempty"`
	// Dataset is the data registry name and Data its options.
	Dataset string       `json:"dataset"`
	Data    data.Options `json:"data"`
	// Make, when not nil, builds a dataset that is not in the registry
	// (an exercise's task) instead; MakeKey (JSON-encodable) must then
	// describe everything that changes it.
	Make    func() (*data.Dataset, error) `json:"-"`
	MakeKey any                           `json:"make,omitempty"`
	// ScaleTargets centres the targets and divides them by one common
	// factor so that their mean variance on the training split is 1,
	// keeping the shape of Σ_Y (used for the synthetic data, whose raw
	// targets have a tiny variance).
	ScaleTargets bool `json:"scale_targets,omitempty"`
	// Model is the network's architecture.
	Model Model `json:"model"`
	// Train is the training configuration (Train.Rank is the metrics'
	// signal rank k).
	Train train.Config `json:"train"`
	// Measure says what is measured beyond the Deep NRC metrics.
	Measure train.Measure `json:"measure,omitempty"`
	// Seeds, when it has more than one entry, repeats the run once per
	// seed (Train.Seed is replaced); with one entry it sets Train.Seed.
	Seeds []int64 `json:"seeds,omitempty"`
}

// SeedNames returns the labels of the run's seeds under name: name itself
// for a single seed, else name#s<seed> for each.
func (s *Spec) SeedNames(name string) []string {
	if len(s.Seeds) <= 1 {
		return []string{name}
	}
	out := make([]string, len(s.Seeds))
	for i, sd := range s.Seeds {
		out[i] = fmt.Sprintf("%s#s%d", name, sd)
	}
	return out
}

// seedConfigs returns each seed's training configuration.
func (s *Spec) seedConfigs() []train.Config {
	n := max(1, len(s.Seeds))
	out := make([]train.Config, n)
	for i := range out {
		out[i] = s.Train
		if len(s.Seeds) > 0 {
			out[i].Seed = s.Seeds[i]
		}
	}
	return out
}

// Validate checks the declaration without loading data: a known dataset
// (or Make with MakeKey), an architecture and a valid configuration.
func (s *Spec) Validate() error {
	switch {
	case s.Make != nil && s.MakeKey == nil:
		return fmt.Errorf("runs: a Spec with Make needs a MakeKey describing the data")
	case s.Make == nil:
		if _, err := data.Lookup(s.Dataset); err != nil {
			return fmt.Errorf("runs: %w", err)
		}
	}
	if err := s.Model.Validate(); err != nil {
		return err
	}
	cfg := s.Train
	if err := cfg.Validate(); err != nil {
		return err
	}
	return s.Measure.Validate()
}

// Describe is the run in one line: model, data and the optimiser.
func (s *Spec) Describe() string {
	c := s.Train
	seeds := "seed " + fmt.Sprint(c.Seed)
	if len(s.Seeds) > 1 {
		seeds = fmt.Sprintf("seeds %v", s.Seeds)
	}
	rank := "t"
	if c.Rank > 0 {
		rank = fmt.Sprint(c.Rank)
	}
	data := s.Dataset
	if s.Data.N > 0 {
		data += fmt.Sprintf(" (N=%d)", s.Data.N)
	}
	return fmt.Sprintf("%s on %s, %d epochs, batch %d, lr %g, weight decay %g, momentum %g, rank k=%s, %s",
		s.Model, data, c.Epochs, c.BatchSize, c.LearningRate, c.WeightDecay, c.Momentum, rank, seeds)
}

// Model is a network's architecture: exactly one of MLP and ResNet is set.
// Its input size and number of outputs come from the dataset (Build).
type Model struct {
	// Name is a human name ("ResNet-18", "reduced ResNet-18"); "" means a
	// description of the architecture.
	Name   string  `json:"name,omitempty"`
	MLP    *MLP    `json:"mlp,omitempty"`
	ResNet *ResNet `json:"resnet,omitempty"`
}

// MLP is the paper's bias-free MLP of Layers Linear layers of width Hidden
// (with biases when Bias is set, as the predecessor paper's).
type MLP struct {
	Hidden int        `json:"hidden"`
	Layers int        `json:"layers"`
	Norm   model.Norm `json:"norm,omitempty"`
	Bias   bool       `json:"bias,omitempty"`
}

// ResNet is a ResNet of BasicBlocks (see model.ResNetConfig).
type ResNet struct {
	Blocks    []int          `json:"blocks"`
	Widths    []int          `json:"widths"`
	StemWidth int            `json:"stem_width,omitempty"`
	Stem      model.Stem     `json:"stem,omitempty"`
	ConvInit  model.ConvInit `json:"conv_init,omitempty"`
}

// ResNetOf returns the architecture of a model.ResNetConfig (its Targets
// are dropped: they come from the data).
func ResNetOf(c model.ResNetConfig) *ResNet {
	return &ResNet{Blocks: c.Blocks, Widths: c.Widths, StemWidth: c.StemWidth, Stem: c.Stem, ConvInit: c.ConvInit}
}

// Validate checks that exactly one architecture is set.
func (m Model) Validate() error {
	if (m.MLP == nil) == (m.ResNet == nil) {
		return fmt.Errorf("runs: a model needs exactly one of MLP and ResNet set")
	}
	return nil
}

// Build returns the network for ds: an MLP reads ds's flattened input, a
// ResNet its H×W×C images; both output ds.TargetDim values.
func (m Model) Build(ds *data.Dataset) (model.Model, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if m.MLP != nil {
		return model.NewMLP(model.MLPConfig{InputDim: ds.InputSize(), Hidden: m.MLP.Hidden, Targets: ds.TargetDim,
			Layers: m.MLP.Layers, Norm: m.MLP.Norm, Bias: m.MLP.Bias})
	}
	if len(ds.InputShape) != 3 {
		return nil, fmt.Errorf("runs: a ResNet needs images (H×W×C), but dataset %q has input shape %v", ds.Name, ds.InputShape)
	}
	r := m.ResNet
	return model.NewResNet(model.ResNetConfig{Blocks: r.Blocks, Widths: r.Widths, StemWidth: r.StemWidth, Stem: r.Stem,
		ConvInit: r.ConvInit, Targets: ds.TargetDim})
}

// String describes the architecture in a few words.
func (m Model) String() string {
	switch {
	case m.MLP != nil:
		kind := "bias-free MLP"
		if m.MLP.Bias {
			kind = "MLP with biases"
		}
		s := fmt.Sprintf("%d-layer %s, width %d", m.MLP.Layers, kind, m.MLP.Hidden)
		if m.MLP.Norm != "" {
			s += ", " + string(m.MLP.Norm)
		}
		return s
	case m.ResNet != nil:
		name := m.Name
		if name == "" {
			name = "ResNet"
		}
		ws := make([]string, len(m.ResNet.Widths))
		for i, w := range m.ResNet.Widths {
			ws[i] = fmt.Sprint(w)
		}
		stem := m.ResNet.Stem
		if stem == "" {
			stem = model.StemImageNet
		}
		return fmt.Sprintf("%s (blocks %v, widths %s, %s stem)", name, m.ResNet.Blocks, strings.Join(ws, "/"), stem)
	}
	return "no model"
}

// dataKey is the part of the data that takes part in a run's store key:
// what changes the data, not where the files live.
type dataKey struct {
	Options      data.Options `json:"options"`
	Source       data.Source  `json:"source"`
	ScaleTargets bool         `json:"scale_targets,omitempty"`
	Make         any          `json:"make,omitempty"`
}

func (s *Spec) dataKey(ds *data.Dataset) dataKey {
	o := s.Data
	o.Dir, o.Source = "", ""
	return dataKey{Options: o, Source: sourceOf(ds), ScaleTargets: s.ScaleTargets, Make: s.MakeKey}
}

// sourceOf names where ds came from, for the key and for people.
func sourceOf(ds *data.Dataset) data.Source {
	switch {
	case ds.IsStandIn():
		return data.SourceStandIn
	case ds.IsSimulated():
		return data.SourceSimulated
	}
	return data.SourceReal
}

// ScaleTargets centres the targets of both splits with the training mean
// and divides them by one factor, √(tr Σ_Y / t) of the training split, so
// that the mean target variance is 1 and Σ_Y keeps its shape; the dataset's
// TargetScaler still maps back to raw units.
func ScaleTargets(ds *data.Dataset) error {
	t, n := ds.TargetDim, ds.Train.N
	if n < 2 {
		return fmt.Errorf("runs: cannot scale the targets of %s: the training split has %d samples", ds.Name, n)
	}
	mean := make([]float64, t)
	for i := 0; i < n; i++ {
		for j := 0; j < t; j++ {
			mean[j] += float64(ds.Train.Y[i*t+j])
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	var tr float64
	for i := 0; i < n; i++ {
		for j := 0; j < t; j++ {
			d := float64(ds.Train.Y[i*t+j]) - mean[j]
			tr += d * d
		}
	}
	tr /= float64(n)
	if !(tr > 0) {
		return fmt.Errorf("runs: cannot scale the targets of %s: they have no variance", ds.Name)
	}
	f := math.Sqrt(tr / float64(t))
	for _, y := range [][]float32{ds.Train.Y, ds.Test.Y} {
		for i := range y {
			y[i] = float32((float64(y[i]) - mean[i%t]) / f)
		}
	}
	ds.Description += fmt.Sprintf(" For this run the targets were centred and divided by %.4g (one factor for all of them), so their mean variance is 1.", f)
	sc := ds.TargetScaler
	if len(sc.Scale) != t || len(sc.Offset) != t {
		sc = data.Identity(t)
	}
	next := data.Scaler{Offset: make([]float64, t), Scale: make([]float64, t)}
	for j := 0; j < t; j++ {
		next.Offset[j] = mean[j]*sc.Scale[j] + sc.Offset[j]
		next.Scale[j] = f * sc.Scale[j]
	}
	ds.TargetScaler = next
	return nil
}

// keyJSON is used in error messages to describe a Make key.
func keyJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
