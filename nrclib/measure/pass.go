// Package measure is the measuring pass of deepnrc: it feeds batches of
// every probe's features into per-layer streaming statistics (package
// stats) and turns them, with the layer weights, into a Deep NRC report
// (package nrc). Training runs call it through a checkpoint hook; `deepnrc
// measure` calls it on feature files exported from any framework.
package measure

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/stats"
)

// Pass accumulates the statistics of one forward pass over a dataset for a
// list of probed layers that share the same targets.
type Pass struct {
	names      []string
	layers     []*stats.Moments
	normalized []*stats.Moments // nil unless tracked
	t          int
}

// NewPass returns an empty pass for layers with the given names and widths
// (network order) and targets of width targetDim. It panics if names and
// widths differ in length or a width is not positive (programmer errors).
func NewPass(names []string, widths []int, targetDim int) *Pass {
	if len(names) != len(widths) {
		panic(fmt.Sprintf("measure.NewPass: %d names for %d widths", len(names), len(widths)))
	}
	p := &Pass{names: append([]string(nil), names...), t: targetDim}
	p.layers = make([]*stats.Moments, len(names))
	p.normalized = make([]*stats.Moments, len(names))
	for i, w := range widths {
		p.layers[i] = stats.New(w, targetDim)
	}
	return p
}

// TrackNormalized makes the pass also accumulate row-normalised features
// of the given layer, needed by the last-layer NRC1/NRC2 of Andriopoulos
// et al. Call it before the first AddBatch.
func (p *Pass) TrackNormalized(layer int) {
	p.normalized[layer] = stats.NewRowNormalized(p.layers[layer].FeatureDim(), p.t)
}

// Names returns the layer names in network order.
func (p *Pass) Names() []string { return append([]string(nil), p.names...) }

// Moments returns the statistics accumulated for a layer.
func (p *Pass) Moments(layer int) *stats.Moments { return p.layers[layer] }

// Normalized returns the row-normalised statistics of a layer, or nil when
// TrackNormalized was not called for it.
func (p *Pass) Normalized(layer int) *stats.Moments { return p.normalized[layer] }

func (p *Pass) checkLayer(layer int) error {
	if layer < 0 || layer >= len(p.layers) {
		return fmt.Errorf("measure: layer index %d out of range [0, %d)", layer, len(p.layers))
	}
	return nil
}

// AddBatch accumulates rows feature rows h of one layer (row-major) with
// their target rows y.
func (p *Pass) AddBatch(layer int, h, y []float32, rows int) error {
	if err := p.checkLayer(layer); err != nil {
		return err
	}
	if err := p.layers[layer].AddFloat32(h, y, rows); err != nil {
		return fmt.Errorf("measure: layer %s: %w", p.names[layer], err)
	}
	if n := p.normalized[layer]; n != nil {
		if err := n.AddFloat32(h, y, rows); err != nil {
			return fmt.Errorf("measure: layer %s: %w", p.names[layer], err)
		}
	}
	return nil
}

// AddBatch64 is AddBatch for float64 rows.
func (p *Pass) AddBatch64(layer int, h, y []float64, rows int) error {
	if err := p.checkLayer(layer); err != nil {
		return err
	}
	if err := p.layers[layer].Add(h, y, rows); err != nil {
		return fmt.Errorf("measure: layer %s: %w", p.names[layer], err)
	}
	if n := p.normalized[layer]; n != nil {
		if err := n.Add(h, y, rows); err != nil {
			return fmt.Errorf("measure: layer %s: %w", p.names[layer], err)
		}
	}
	return nil
}

// Merge adds the statistics of another pass over other rows of the same
// layers (a shard) into p.
func (p *Pass) Merge(o *Pass) error {
	if len(o.layers) != len(p.layers) {
		return fmt.Errorf("measure: cannot merge a pass of %d layers into one of %d", len(o.layers), len(p.layers))
	}
	for i := range p.layers {
		if err := p.layers[i].Merge(o.layers[i]); err != nil {
			return fmt.Errorf("measure: layer %s: %w", p.names[i], err)
		}
		if (p.normalized[i] == nil) != (o.normalized[i] == nil) {
			return fmt.Errorf("measure: layer %s: only one pass tracks normalised features", p.names[i])
		}
		if p.normalized[i] != nil {
			if err := p.normalized[i].Merge(o.normalized[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Report computes the Deep NRC report from the accumulated statistics and
// the layer weights (aligned with the layers; nil, or nil entries, where a
// weight is unknown).
func (p *Pass) Report(weights []*nrc.Weight, opt nrc.Options) (*nrc.Report, error) {
	return nrc.Measure(p.names, p.layers, weights, opt)
}
