package experiment_test

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/experiment"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// Every figure is declared at three scales; a spec lists its columns, runs,
// rows of panels and machine-checked claims.
func ExampleGet() {
	spec, err := experiment.Get("fig2", scale.Quick)
	if err != nil {
		panic(err)
	}
	for _, c := range spec.Columns {
		r := c.Runs[0]
		fmt.Printf("%s: %s, %s, %d epochs, seeds %v\n", c.Title, r.Dataset, r.Model, r.Train.Epochs, r.Seeds)
	}
	fmt.Println("rows:", len(spec.Rows), "claims:", len(spec.Claims))
	fmt.Println(spec.Claims[0].Text)
	// Output:
	// Swimmer: swimmer, 8-layer bias-free MLP, width 256, 1000 epochs, seeds []
	// Hopper: hopper, 8-layer bias-free MLP, width 256, 1000 epochs, seeds []
	// rows: 4 claims: 14
	// Swimmer: collapse starts at fc5 ± one probe (the paper's green line; here by the documented rule)
}

// Claims are evaluated on the long-format records of a run, with the
// numbers compared.
func ExampleEvaluate() {
	var records []nrc.Record
	for i, v := range []float64{0.6, 0.4, 0.15, 0.08} {
		records = append(records, nrc.Record{Run: "mlp", Epoch: 100, Layer: fmt.Sprintf("fc%d", i+1), Metric: nrc.MetricNoise, Value: v})
	}
	claim := experiment.Claim{Text: "collapse from fc3", Conds: []experiment.Cond{{
		Left: experiment.Quantity{Run: "mlp", Metric: nrc.MetricNoise, From: "fc3", Agg: experiment.AggMax},
		Op:   experiment.OpLE, Value: 0.2,
	}}}
	out := experiment.Evaluate([]experiment.Claim{claim}, records, []*experiment.RunSpec{{Name: "mlp"}})
	fmt.Println(out[0].Holds, out[0].Details[0])
	// Output:
	// true max noise from fc3 on (mlp) = 0.15 ≤ 0.2: holds
}
