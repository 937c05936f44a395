package mujoco_test

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/data/mujoco"
)

// The stored Reacher expert is plain data: it acts without the simulator,
// so this runs in any build. Generating data needs the mujoco build tag:
//
//	ro, err := mujoco.Generate(ctx, mujoco.Reacher, mujoco.GenerateOptions{Seed: 0})
//	os.WriteFile("reacher.csv", ro.CSV(), 0o644)
func ExampleStoredPolicy() {
	pf, err := mujoco.StoredPolicy(mujoco.Reacher)
	if err != nil {
		panic(err)
	}
	p, err := pf.Policy()
	if err != nil {
		panic(err)
	}
	// Arm stretched along x at rest, target straight above the base.
	obs := []float64{1, 1, 0, 0, 0, 0.15, 0, 0, 0.21, -0.15, 0}
	a := make([]float64, 2)
	p.Act(obs, a)
	fmt.Printf("%s controller: action (%.3f, %.3f)\n", pf.Controller, a[0], a[1])
	fmt.Printf("stored return: %.2f over %d episodes\n", pf.Evaluation.Mean, pf.Evaluation.Episodes)
	// Output:
	// reacher-ik controller: action (0.247, 0.401)
	// stored return: -3.95 over 20 episodes
}
