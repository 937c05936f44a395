package train_test

import (
	"context"
	"fmt"
	"math"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// Train a small bias-free MLP on a smooth 2-target regression problem and
// read the long-format results: losses every epoch, Deep NRC metrics at
// the measured epochs.
func ExampleRun() {
	const n, d, t = 200, 4, 2
	x := make([]float32, n*d)
	y := make([]float32, n*t)
	for i := range n {
		for j := range d {
			x[i*d+j] = float32(math.Sin(float64(i*(j+3)) * 0.7))
		}
		y[i*t] = x[i*d] + 0.5*x[i*d+1]
		y[i*t+1] = x[i*d+2] * x[i*d+3]
	}
	ds := &data.Dataset{Name: "toy", InputShape: []int{d}, TargetDim: t,
		Train: data.Split{X: x[:160*d], Y: y[:160*t], N: 160},
		Test:  data.Split{X: x[160*d:], Y: y[160*t:], N: 40}}
	m, err := model.NewMLP(model.MLPConfig{InputDim: d, Hidden: 16, Targets: t, Layers: 3})
	if err != nil {
		panic(err)
	}
	cfg := train.DefaultConfig(20)
	cfg.BatchSize, cfg.LearningRate, cfg.WeightDecay = 16, 0.05, 1e-4
	cfg.MeasureEpochs = []int{1, 10} // and always the last epoch

	res, err := train.Run(context.Background(), train.Job{Name: "toy-mlp", Model: m, Data: ds, Config: cfg}, train.Options{})
	if err != nil {
		panic(err)
	}
	var first, last float64
	measured := map[int]bool{}
	for _, r := range res.Records {
		switch {
		case r.Metric == nrc.MetricTrainMSE && r.Epoch == 1:
			first = r.Value
		case r.Metric == nrc.MetricTrainMSE && r.Epoch == 20:
			last = r.Value
		case r.Metric == nrc.MetricNoise && r.Layer == "fc3":
			measured[r.Epoch] = true
		}
	}
	fmt.Println("train MSE fell:", last < first/2)
	fmt.Println("fc3 noise fraction measured at epochs 1, 10, 20:", measured[1] && measured[10] && measured[20], len(measured))
	// Output:
	// train MSE fell: true
	// fc3 noise fraction measured at epochs 1, 10, 20: true 3
}

// The learning rate of each epoch under the paper's MultiStepLR schedule.
func ExampleConfig_LearningRateAt() {
	cfg := train.DefaultConfig(9) // milestones [3, 6]
	cfg.LearningRate = 0.1
	for _, e := range []int{1, 3, 4, 7} {
		fmt.Printf("epoch %d: %.4g\n", e, cfg.LearningRateAt(e))
	}
	// Output:
	// epoch 1: 0.1
	// epoch 3: 0.1
	// epoch 4: 0.01
	// epoch 7: 0.001
}
