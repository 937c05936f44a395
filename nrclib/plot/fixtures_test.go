package plot

import (
	"flag"
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// samplesDir, when set, makes TestWriteSamples write sample figures there:
//
//	go test ./nrclib/plot -run TestWriteSamples -samples /tmp/plot-samples
var samplesDir = flag.String("samples", "", "directory to write sample figures to")

// swimmer holds the paper's Fig 2 Swimmer values (spec §4.1) and Hopper's.
var (
	mlpLayers     = []string{"fc1", "fc2", "fc3", "fc4", "fc5", "fc6", "fc7", "fc8"}
	swimmerNoise  = []float64{0.335, 0.445, 0.355, 0.185, 0.175, 0.168, 0.165, 0.157}
	swimmerCKA    = []float64{0.29, 0.37, 0.545, 0.585, 0.645, 0.68, 0.725, 0.765}
	swimmerWH     = []float64{0.40, 0.21, 0.585, 0.84, 0.845, 0.795, 0.775, 0.835}
	swimmerProbe  = []float64{0.5, 0.02, 0.015, 0.03, 0.025, 0.026, 0.025, 0.025}
	hopperNoise   = []float64{0.23, 0.475, 0.53, 0.265, 0.09, 0.095, 0.105, 0.105}
	hopperCKA     = []float64{0.29, 0.39, 0.565, 0.81, 0.845, 0.855, 0.865, 0.885}
	hopperWH      = []float64{0.18, 0.37, 0.39, 0.595, 0.725, 0.845, 0.895, 0.92}
	hopperProbe   = []float64{0.8, 0.3, 0.15, 0.09, 0.09, 0.091, 0.09, 0.09}
	sgemmSalmon   = []float64{0.915, 0.95, 0.84, 0.575, 0.2, 0.07, 0.09, 0.39}
	sgemmStableRH = []float64{7.5, 3.9, 1.05, 1.2, 1.0, 1.0, 1.0, 1.0}
)

// mlpRun builds the records of one 8-layer MLP run at epoch 300.
func mlpRun(run string, noise, cka, wh, probe []float64, modelMSE float64) []nrc.Record {
	var rs []nrc.Record
	for i, l := range mlpLayers {
		rs = append(rs,
			nrc.Record{Run: run, Epoch: 300, Layer: l, Metric: nrc.MetricNoise, Value: noise[i]},
			nrc.Record{Run: run, Epoch: 300, Layer: l, Metric: nrc.MetricCKA, Value: cka[i]},
			nrc.Record{Run: run, Epoch: 300, Layer: l, Metric: nrc.MetricWHAlignment, Value: wh[i]},
			nrc.Record{Run: run, Epoch: 300, Layer: l, Metric: nrc.MetricProbeMSE, Value: probe[i]},
		)
	}
	return append(rs, nrc.Record{Run: run, Epoch: 300, Metric: nrc.MetricModelMSE, Value: modelMSE})
}

// resnet18Layers are the 17 probes of a ResNet-18.
func resnet18Layers() []string {
	ls := []string{}
	for s := 1; s <= 4; s++ {
		for b := 0; b < 2; b++ {
			ls = append(ls, fmt.Sprintf("layer%d.%d.conv1", s, b), fmt.Sprintf("layer%d.%d.conv2", s, b))
		}
	}
	return append(ls, "fc")
}

// sweepRuns builds a weight-decay sweep: one run per λ, with a stable rank
// W that falls with λ, and three seeds of the λ=5e-4 run.
func sweepRuns() []nrc.Record {
	var rs []nrc.Record
	layers := resnet18Layers()
	for k, lam := range []string{"0", "5e-05", "0.0005", "0.005"} {
		for i, l := range layers {
			v := 40 + 15*float64(i) - 60*float64(k)
			if v < 1 {
				v = 1 + 0.1*float64(i)
			}
			rs = append(rs, nrc.Record{Run: "carla-wd" + lam, Epoch: 200, Layer: l, Metric: nrc.MetricStableRankW, Value: v})
		}
	}
	for seed := 0; seed < 3; seed++ {
		for i, l := range layers {
			v := 0.1 + 0.04*float64(i) + 0.05*float64(seed)
			rs = append(rs, nrc.Record{Run: fmt.Sprintf("carla-seed%d", seed), Epoch: 200, Layer: l, Metric: nrc.MetricNoise, Value: v})
		}
	}
	return rs
}
