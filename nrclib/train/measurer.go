package train

import (
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// MetricsVersion is the version of the metric definitions that stored
// results were computed with. It takes part in every run's store key, so
// bumping it (whenever a metric's definition changes) makes old stored
// results unreachable instead of silently mixed with new ones.
const MetricsVersion = 1

// Measurer turns one inference-mode pass over the training set at a logged
// epoch into result records. The trainer knows how to train, not what is
// measured: it feeds every batch's probe features to a MeasurePass and asks
// it for records at the end.
type Measurer interface {
	// NewPass starts a measuring pass over a network with the given probes
	// and targets of dimension targetDim.
	NewPass(probes []model.Probe, targetDim int) (MeasurePass, error)
}

// MeasurePass accumulates one pass.
type MeasurePass interface {
	// AddBatch adds rows samples of probe layer's features h (rows ×
	// width, row-major) with their targets y (rows × t).
	AddBatch(layer int, h, y []float32, rows int) error
	// Records returns the pass's metrics for the run at epoch, given each
	// probe's weight (in Probes() order) and the network's own MSE on the
	// pass (mean over N·t entries).
	Records(weights []*nrc.Weight, modelMSE float64, run string, epoch int) ([]nrc.Record, error)
}
