// Package data provides the datasets of the Deep NRC paper: loaders for the
// paper's real file formats and deterministic offline stand-ins with the same
// structure, plus splitting and standardisation.
//
// Load(name, Options) is the entry point; Names lists the registry
// (swimmer, reacher, hopper, sgemm, carla2d, utkface, synthetic-fig3,
// synthetic-fig8, lowrank). Options.Source chooses the data: "real" reads
// the paper's files from the data directory (DefaultDir: $DEEPNRC_DATA,
// else $XDG_DATA_HOME/deepnrc, else ~/.local/share/deepnrc) and fails with
// instructions when they are missing; "simulated" loads the MuJoCo data
// deepnrc made itself and ships (swimmer, reacher, hopper; package
// simulated, made by package mujoco); "standin" generates the offline
// stand-in from Options.Seed; "auto" (the default) uses the real files when
// they are all present, else the simulated data where there is some, else
// the stand-in. Dataset.Source says which was loaded, Dataset.Kind labels
// it, and Dataset.Description says how it was made.
//
// Preprocessing follows the paper's code: a seeded 80/20 split (seed 42) for
// the real datasets and their stand-ins, with X and Y standardised by the
// training statistics for the tabular ones (MuJoCo, SGEMM), targets min-max
// scaled to [0, 1] for Carla2D and raw ages for UTKFace; the synthetic data
// trains on its first 80% and is not standardised. The shuffle is this
// package's own (Permutation, a PCG-seeded Fisher–Yates): it is not
// scikit-learn's, so the split has the paper's sizes but not its members.
//
// λ_min and standardisation: [NRC] Table 1 reports target correlations and
// λ_min of the raw actions. After standardisation Σ_Y is the correlation
// matrix (for t = 2 its eigenvalues are 1 ± |ρ|), so λ_min changes while
// the correlations do not. The MuJoCo-like stand-ins are calibrated so that
// their raw training actions have Table 1's correlations and λ_min exactly;
// Describe reports Σ_Y both as loaded and in raw units (via
// Dataset.TargetScaler).
package data

// Split is one part (train or test) of a dataset, row-major float32.
type Split struct {
	// X holds N samples of Dataset.InputShape each, flattened row-major
	// (NHWC for images).
	X []float32
	// Y holds N target rows of Dataset.TargetDim values each.
	Y []float32
	// N is the number of samples.
	N int
}

// Dataset is a regression dataset ready for training: split, preprocessed
// and described.
type Dataset struct {
	// Name is the registry name, e.g. "swimmer" or "synthetic-fig3".
	Name string
	// Source says where the samples come from: SourceReal (the paper's
	// files), SourceSimulated (deepnrc's shipped simulation) or
	// SourceStandIn (a generated offline stand-in). Load sets it; "" (a
	// Dataset built by hand) counts as real unless StandsInFor is set.
	Source Source
	// StandsInFor names the paper's dataset this data takes the place of (a
	// stand-in or simulated data), or is empty when the data is the real
	// thing.
	StandsInFor string
	// Simulator names the engine that made simulated data, e.g.
	// "MuJoCo 2.2.2"; empty otherwise.
	Simulator string
	// Description says in one or two sentences what the data is and how it
	// was made or loaded; notebooks and reports print it.
	Description string
	// InputShape is the shape of one sample: [d] for tabular data,
	// [H, W, C] for images (channels last).
	InputShape []int
	// TargetDim is t, the number of regression targets.
	TargetDim int
	// Train and Test are the two splits.
	Train, Test Split
	// TargetScaler maps the targets as loaded back to the data's original
	// units: raw = Y·Scale + Offset per column. It is the identity when the
	// targets are left unscaled (synthetic data, UTKFace ages).
	TargetScaler Scaler
	// Files lists the files the real data was read from; it is empty for a
	// stand-in.
	Files []string
}

// IsStandIn reports whether the dataset is a generated offline stand-in
// (neither the real data nor simulated data).
func (d *Dataset) IsStandIn() bool { return d.origin() == SourceStandIn }

// IsSimulated reports whether the dataset is deepnrc's simulated data.
func (d *Dataset) IsSimulated() bool { return d.origin() == SourceSimulated }

// origin is Source, inferred for hand-built datasets.
func (d *Dataset) origin() Source {
	if d.Source != "" && d.Source != SourceAuto {
		return d.Source
	}
	if d.StandsInFor != "" {
		return SourceStandIn
	}
	return SourceReal
}

// Origin labels the data's source in a word or two: "real",
// "simulated (MuJoCo 2.2.2)" or "stand-in".
func (d *Dataset) Origin() string { return originLabel(d.origin(), d.Simulator) }

// Kind describes the data in a phrase for reports: "real data",
// "simulated (MuJoCo 2.2.2) in place of Swimmer (…)" or "stand-in for …".
func (d *Dataset) Kind() string { return kindLabel(d.origin(), d.Simulator, d.StandsInFor) }

func originLabel(src Source, simulator string) string {
	switch src {
	case SourceSimulated:
		return "simulated (" + simulator + ")"
	case SourceStandIn:
		return "stand-in"
	}
	return "real"
}

func kindLabel(src Source, simulator, standsInFor string) string {
	switch src {
	case SourceSimulated:
		return "simulated (" + simulator + ") in place of " + standsInFor
	case SourceStandIn:
		return "stand-in for " + standsInFor
	}
	return "real data"
}

// InputSize returns the number of values in one sample (the product of
// InputShape).
func (d *Dataset) InputSize() int {
	n := 1
	for _, s := range d.InputShape {
		n *= s
	}
	return n
}
