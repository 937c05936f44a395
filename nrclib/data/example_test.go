package data_test

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/data"
)

// Load the Fig 3 synthetic task: 10 targets that only span a 2-D subspace.
func ExampleLoad() {
	ds, err := data.Load("synthetic-fig3", data.Options{Source: data.SourceStandIn, N: 2000, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := data.Describe(ds)
	fmt.Println("stand-in:", ds.IsStandIn())
	fmt.Println("train/test:", ds.Train.N, ds.Test.N)
	fmt.Println("input shape:", ds.InputShape, "targets:", ds.TargetDim)
	fmt.Println("rank of Σ_Y:", s.Rank)
	// Output:
	// stand-in: true
	// train/test: 1600 400
	// input shape: [20] targets: 10
	// rank of Σ_Y: 2
}

// Describe a dataset's training targets: here four points (±1, ±2), whose
// covariance is diag(1, 4).
func ExampleDescribe() {
	ds := &data.Dataset{
		Name: "toy", InputShape: []int{1}, TargetDim: 2,
		Train:        data.Split{X: make([]float32, 4), Y: []float32{1, 2, 1, -2, -1, 2, -1, -2}, N: 4},
		Test:         data.Split{X: make([]float32, 1), Y: []float32{0, 0}, N: 1},
		TargetScaler: data.Identity(2),
	}
	fmt.Print(data.Describe(ds))
	// Output:
	// toy (real data)
	//   N                     5 (train 4, test 1)
	//   input shape           [1]
	//   target dim t          2
	//   Σ_Y eigenvalues       [4 1]
	//   λ_min                 1
	//   rank Σ_Y              2
	//   stable rank Σλ/λ₁     1.25
	//   stable rank Σλ²/λ₁²   1.062
	//   correlations          (0,1) 0
}

// A stand-in is labelled with what it stands in for; the real files are one
// option away (Source: data.SourceReal, or SourceAuto once they are in Dir).
func ExampleLoad_standIn() {
	ds, err := data.Load("swimmer", data.Options{Source: data.SourceStandIn})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := data.Describe(ds)
	fmt.Println(ds.StandsInFor)
	fmt.Printf("correlation %.3f, raw λ_min %.3f\n", s.Correlations[0].R, s.RawLambdaMin)
	// Output:
	// Swimmer (MuJoCo expert behaviour cloning)
	// correlation -0.244, raw λ_min 0.276
}

// The MuJoCo datasets load by default from the simulated data deepnrc
// ships; Source tells which data was loaded.
func ExampleLoad_simulated() {
	ds, err := data.Load("reacher", data.Options{Dir: "/nonexistent"})
	if err != nil {
		panic(err)
	}
	fmt.Println(ds.Source, ds.Origin())
	fmt.Println(ds.Train.N, ds.Test.N, ds.InputSize(), ds.TargetDim)
	tb, e, err := data.SimulatedTable("reacher")
	if err != nil {
		panic(err)
	}
	fmt.Println(tb.N, "rows in", e.File, "made by:", e.Command)
	// Output:
	// simulated simulated (MuJoCo 2.2.2)
	// 800 200 11 2
	// 1000 rows in reacher.csv made by: deepnrc data generate reacher -seed 0 -n 1000 -out reacher.csv
}
