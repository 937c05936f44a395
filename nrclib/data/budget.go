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
	need, ok := LoadMemory(name, opt)
	if !ok {
		return nil
	}
	per, _ := valuesPerSample(name, opt)
	return membudget.Check(fmt.Sprintf("dataset %s with N = %d samples of %d values", name, opt.N, per), need,
		"ask for fewer samples (--n)")
}

// LoadMemory estimates the memory that loading the named dataset with opt
// takes at its peak (about 24 bytes per value: the raw float64 table, the
// float32 splits and the generators' working rows), without loading it:
// the figure the memory budget checks. opt.N ≤ 0 means the dataset's
// default size. It reports false for a dataset whose size it cannot tell
// beforehand.
func LoadMemory(name string, opt Options) (int64, bool) {
	per, ok := valuesPerSample(name, opt)
	if !ok {
		return 0, false
	}
	n := opt.N
	if n <= 0 {
		info, err := Lookup(name)
		if err != nil || info.DefaultN <= 0 {
			return 0, false
		}
		n = info.DefaultN
	}
	return membudget.Mul(int64(n), per, 24), true
}
