package sweep_test

import (
	"fmt"
	"os"

	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/sweep"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// Plan the smoke-scale runs of Figures 2 and 9 and lay them out as a Slurm
// array job: one task per run not yet in the store.
func ExampleNewArray() {
	dir, _ := os.MkdirTemp("", "sweep-example")
	defer os.RemoveAll(dir)
	st, _ := train.OpenStore(dir + "/store")
	r, _ := runs.NewRunner(runs.Options{Store: st})
	p, err := sweep.Make([]string{"fig2", "fig9"}, scale.Smoke, r, sweep.Options{GFLOPS: 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, run := range p.Runs {
		fmt.Printf("%-26s %d epochs, %d steps, stored: %v\n", run.Ref, run.Cost.Epochs, run.Cost.Steps, run.Stored)
	}
	a, err := sweep.NewArray(p, sweep.Slurm{Binary: "/shared/bin/deepnrc", Store: dir + "/store", Out: "/shared/out", CPUs: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range a.Groups {
		fmt.Println("sbatch", a.ArrayArgs(g)[1:4])
	}
	// Output:
	// fig2:fig2/swimmer          6 epochs, 24 steps, stored: false
	// fig2:fig2/hopper           6 epochs, 24 steps, stored: false
	// fig9:fig9/sgemm/wd=0       5 epochs, 20 steps, stored: false
	// fig9:fig9/sgemm/wd=1e-05   5 epochs, 20 steps, stored: false
	// fig9:fig9/sgemm/wd=0.0001  5 epochs, 20 steps, stored: false
	// fig9:fig9/sgemm/wd=0.001   5 epochs, 20 steps, stored: false
	// sbatch [--array=0-5 --time=00:10:00 --mem=256M]
}
