package exercise

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// UnseenRunName is the run name of the unseen task of exercise (d).
const UnseenRunName = "unseen"

// CalibrationRunName is the run name of the calibration task of rank r.
func CalibrationRunName(r int) string { return fmt.Sprintf("r=%d", r) }

// rankSize is the quick-scale size of the runs of exercise (d). The rank
// only shows once the network has learned the task, so smoke scale trains
// them fully too (four runs of about 8 s each on two cores).
var rankSize = size{n: 2000, epochs: 100, fullAtSmoke: true}

// rankSpec declares a run of exercise (d) on the low-rank task that task
// builds (key describes it): a 5-layer MLP of width 64, weight decay 1e-3,
// with the metrics' signal rank k = 1, recording the top principal
// components' explained variance at every probe.
func rankSpec(epochs int, task func() (*data.Dataset, error), key any) runs.Spec {
	spec := mlpSpec(5, epochs, 1e-3)
	spec.Train.Rank = 1
	spec.Measure = train.Measure{Spectrum: LowRankTargetDim}
	spec.Make, spec.MakeKey = task, key
	return spec
}

// CalibrationSpec declares the run of exercise (d) on the calibration task
// of known rank r (KnownRankTask) at scale s.
func CalibrationSpec(s scale.Scale, r int) runs.Spec {
	sz := rankSize.at(s)
	return rankSpec(sz.epochs, func() (*data.Dataset, error) { return KnownRankTask(r, sz.n) },
		map[string]any{"task": "known", "r": r, "n": sz.n})
}

// unseenSpec declares the run of exercise (d) on the unseen task of seed
// (HiddenTask) at scale s.
func unseenSpec(s scale.Scale, seed uint64) runs.Spec {
	sz := rankSize.at(s)
	return rankSpec(sz.epochs, func() (*data.Dataset, error) { return HiddenTask(seed, sz.n) },
		map[string]any{"task": "unseen", "seed": seed, "n": sz.n})
}

// CalibrationRuns trains (or loads from the run store) the network of
// exercise (d) on each calibration task of known rank (CalibrationRanks) and
// returns the records of all of them, one run per rank named
// CalibrationRunName(r).
func CalibrationRuns() ([]nrc.Record, error) {
	return calibrationRuns(true)
}

func calibrationRuns(progress bool) ([]nrc.Record, error) {
	s, err := currentScale()
	if err != nil {
		return nil, err
	}
	runner, err := newRunner(progress)
	if err != nil {
		return nil, err
	}
	var all []nrc.Record
	for _, r := range CalibrationRanks {
		recs, err := trainRecords(runner, CalibrationSpec(s, r), CalibrationRunName(r))
		if err != nil {
			return nil, err
		}
		all = append(all, recs...)
	}
	return all, nil
}

// UnseenTask returns the unseen task of exercise (d) for the exercise seed
// (Seed), at the current scale's size.
func UnseenTask() (*data.Dataset, error) {
	seed, err := Seed()
	if err != nil {
		return nil, err
	}
	sz, err := scaled(rankSize)
	if err != nil {
		return nil, err
	}
	return HiddenTask(seed, sz.n)
}

// UnseenRun trains (or loads) the network of exercise (d) on the unseen task
// and returns its records, under the run name UnseenRunName.
func UnseenRun() ([]nrc.Record, error) {
	return unseenRun(true)
}

func unseenRun(progress bool) ([]nrc.Record, error) {
	seed, err := Seed()
	if err != nil {
		return nil, err
	}
	s, err := currentScale()
	if err != nil {
		return nil, err
	}
	runner, err := newRunner(progress)
	if err != nil {
		return nil, err
	}
	return trainRecords(runner, unseenSpec(s, seed), UnseenRunName)
}

// loadUnseen returns the records the hints of exercise (d) read; tests
// replace it with constructed records.
var loadUnseen = func() ([]nrc.Record, error) { return unseenRun(false) }

func init() {
	register("d1-rank", "the intrinsic rank r of the unseen task (an int)", checkRank)
}

// checkRank compares the student's rank with the hidden one, with hints
// aimed at the usual misreadings of the curves.
func checkRank(a any) Result {
	guess, ok := asInt(a)
	if !ok {
		return typeHint(a, "an int (the rank r)")
	}
	if guess == 0 {
		return todo("read the unseen run's curves against the calibration runs and set r to your estimate")
	}
	seed, err := Seed()
	if err != nil {
		return wrong("%v", err)
	}
	if guess == hiddenRank(seed) {
		return correct(fmt.Sprintf("the unseen task of seed %d has that rank", seed))
	}
	switch {
	case guess == LowRankInputDim:
		return wrong("%d is the input dimension; look at the top layers, not at fc1", LowRankInputDim)
	case guess < 0 || guess > LowRankTargetDim:
		return wrong("the rank of the map x ↦ y lies between 1 and t = %d", LowRankTargetDim)
	case guess == LowRankTargetDim:
		return wrong("t = %d is the number of targets; the question is how many independent directions they really use", LowRankTargetDim)
	}
	recs, err := loadUnseen()
	if err != nil {
		return wrong("could not load the unseen run to give a hint (%v); re-run the training cell", err)
	}
	_, sr := layerSeries(recs, UnseenRunName, nrc.MetricStableRankH)
	if len(sr) > 0 {
		top := sr[len(sr)-1]
		if guess == int(top) || guess == int(top+0.5) {
			return wrong("the stable rank Σλ/λ₁ is at most the rank and falls below it when the eigenvalues differ: compare the unseen curve with the calibration curves of known r instead of reading the number off directly")
		}
	}
	if count := significantComponents(recs, UnseenRunName, 0.01); guess == count {
		return wrong("you counted the principal components that carry variance in the top layer; check in the calibration runs whether that count equals r for a task of known r")
	}
	return wrong("not the hidden rank; place the unseen run's top-layer stable rank (and the number of components carrying variance there) among the calibration runs of known r")
}

// significantComponents counts, at the last probe of run, the principal
// components explaining at least share of the variance.
func significantComponents(recs []nrc.Record, run string, share float64) int {
	count := 0
	for j := 1; j <= LowRankTargetDim; j++ {
		_, v := layerSeries(recs, run, EVRMetric(j))
		if len(v) > 0 && v[len(v)-1] >= share {
			count++
		}
	}
	return count
}
