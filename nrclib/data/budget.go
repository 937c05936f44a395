package data

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/membudget"
)

// valuesPerSample returns the number of input and target values of one
// sample of the named dataset under opt (0, false for a name it does not
// know, whose size is then not checked).
func valuesPerSample(name string, opt Options) (int64, bool) {
	img := func(def int) int64 {
		s := int64(orDefault(opt.ImageSize, def))
		return 3*s*s + 2
	}
	switch name {
	case "swimmer":
		return int64(SwimmerSpec.StateDim + SwimmerSpec.ActionDim), true
	case "reacher":
		return int64(ReacherSpec.StateDim + ReacherSpec.ActionDim), true
	case "hopper":
		return int64(HopperSpec.StateDim + HopperSpec.ActionDim), true
	case "sgemm":
		return int64(len(SGEMMParams) + 4), true
	case "synthetic-fig3", "synthetic-fig8", "lowrank":
		return int64(20 + orDefault(opt.TargetDim, 10)), true
	case "carla2d":
		return img(32), true
	case "utkface":
		return img(128), true
	}
	return 0, false
}

// checkLoadMemory refuses a requested sample count whose data would not
// fit the memory budget (package membudget), before anything is generated
// or read: the raw float64 table, the float32 splits and the generators'
// working rows take about 24 bytes per value.
func checkLoadMemory(name string, opt Options) error {
	if opt.N <= 0 {
		return nil // the default size, or a real file bounded by its size
	}
	per, ok := valuesPerSample(name, opt)
	if !ok {
		return nil
	}
	need := membudget.Mul(int64(opt.N), per, 24)
	return membudget.Check(fmt.Sprintf("dataset %s with N = %d samples of %d values", name, opt.N, per), need,
		"ask for fewer samples (--n)")
}
