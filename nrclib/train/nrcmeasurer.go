package train

import (
	"github.com/deepnrc/deepnrc/nrclib/measure"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// NRCMeasurer is the default Measurer: the Deep NRC metrics of package nrc
// computed by a measure.Pass, with the network's own training MSE as
// Options.ModelMSE (so the records include nrc.MetricModelMSE).
type NRCMeasurer struct {
	// Options are passed to the metrics; ModelMSE is filled in per pass.
	Options nrc.Options
}

// NewPass implements Measurer.
func (m NRCMeasurer) NewPass(probes []model.Probe, targetDim int) (MeasurePass, error) {
	names := make([]string, len(probes))
	widths := make([]int, len(probes))
	for i, p := range probes {
		names[i], widths[i] = p.Name, p.Width
	}
	return &nrcPass{pass: measure.NewPass(names, widths, targetDim), opt: m.Options}, nil
}

type nrcPass struct {
	pass *measure.Pass
	opt  nrc.Options
}

func (p *nrcPass) AddBatch(layer int, h, y []float32, rows int) error {
	return p.pass.AddBatch(layer, h, y, rows)
}

func (p *nrcPass) Records(weights []*nrc.Weight, modelMSE float64, run string, epoch int) ([]nrc.Record, error) {
	opt := p.opt
	opt.ModelMSE = &modelMSE
	rep, err := p.pass.Report(weights, opt)
	if err != nil {
		return nil, err
	}
	return rep.Records(run, epoch), nil
}
