package data

import (
	"fmt"
	"math"
)

// PaperSplitSeed is the seed of the paper's 80/20 splits
// (train_test_split(random_state=42)). Here it seeds Permutation, which is
// not scikit-learn's shuffle: the sizes match the paper, the members do not.
const PaperSplitSeed uint64 = 42

// TestFraction is the share of samples held out for the test split.
const TestFraction = 0.2

// SplitSizes returns the train and test sizes of an 80/20 split of n
// samples, rounding the test size up as scikit-learn does (n = 1000 gives
// 800/200, n = 241600 gives 193280/48320).
func SplitSizes(n int) (nTrain, nTest int) {
	nTest = int(math.Ceil(TestFraction * float64(n)))
	return n - nTest, nTest
}

// ShuffledSplit returns the row indices of a seeded 80/20 split of n
// samples: the first ⌈0.2n⌉ entries of Permutation(n, seed) are the test
// rows, the rest the training rows (the layout of scikit-learn's
// ShuffleSplit, though the permutation itself differs).
func ShuffledSplit(n int, seed uint64) (train, test []int) {
	_, nTest := SplitSizes(n)
	p := Permutation(n, seed)
	return p[nTest:], p[:nTest]
}

// HeadSplit returns the paper's split of the synthetic data: the first 80%
// of the rows train, the last 20% test, in order.
func HeadSplit(n int) (train, test []int) {
	nTrain, _ := SplitSizes(n)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx[:nTrain], idx[nTrain:]
}

// Scaler is a per-column affine map fitted on training rows, as
// scikit-learn's StandardScaler or MinMaxScaler: scaled = (raw − Offset)/Scale,
// raw = scaled·Scale + Offset.
type Scaler struct {
	// Offset is subtracted from each column (the mean, or the minimum).
	Offset []float64
	// Scale divides each column after the offset (the population standard
	// deviation, or max − min). A constant column gets Scale 1.
	Scale []float64
}

// FitStandard fits a standardising Scaler (mean 0, population variance 1,
// the 1/N convention of StandardScaler) to the given rows of the row-major
// matrix x with cols columns. rows == nil means all rows. Each column is
// first divided by the power of two nearest its largest magnitude, so
// columns of any finite magnitude (±1e300 as well as 1e-300) get their true
// mean and standard deviation instead of an overflowed or underflowed one.
func FitStandard(x []float64, cols int, rows []int) Scaler {
	n := len(x) / cols
	if rows == nil {
		rows = allRows(n)
	}
	s := Scaler{Offset: make([]float64, cols), Scale: make([]float64, cols)}
	exp := make([]int, cols)
	for j := 0; j < cols; j++ {
		big := 0.0
		for _, r := range rows {
			big = math.Max(big, math.Abs(x[r*cols+j]))
		}
		if big > 0 && !math.IsInf(big, 0) {
			_, exp[j] = math.Frexp(big)
		}
	}
	unit := func(v float64, j int) float64 { return math.Ldexp(v, -exp[j]) }
	for _, r := range rows {
		for j := 0; j < cols; j++ {
			s.Offset[j] += unit(x[r*cols+j], j)
		}
	}
	m := float64(len(rows))
	for j := range s.Offset {
		s.Offset[j] /= m
	}
	for _, r := range rows {
		for j := 0; j < cols; j++ {
			d := unit(x[r*cols+j], j) - s.Offset[j]
			s.Scale[j] += d * d
		}
	}
	for j := range s.Scale {
		s.Scale[j] = math.Ldexp(math.Sqrt(s.Scale[j]/m), exp[j])
		s.Offset[j] = math.Ldexp(s.Offset[j], exp[j])
		if s.Scale[j] == 0 {
			s.Scale[j] = 1
		}
	}
	return s
}

// FitMinMax fits a Scaler that maps each column of the given rows onto
// [0, 1] (a constant column is only shifted). rows == nil means all rows.
func FitMinMax(x []float64, cols int, rows []int) Scaler {
	n := len(x) / cols
	if rows == nil {
		rows = allRows(n)
	}
	lo := make([]float64, cols)
	hi := make([]float64, cols)
	for j := range lo {
		lo[j], hi[j] = math.Inf(1), math.Inf(-1)
	}
	for _, r := range rows {
		for j := 0; j < cols; j++ {
			v := x[r*cols+j]
			lo[j] = math.Min(lo[j], v)
			hi[j] = math.Max(hi[j], v)
		}
	}
	s := Scaler{Offset: lo, Scale: make([]float64, cols)}
	for j := range s.Scale {
		s.Scale[j] = hi[j] - lo[j]
		if s.Scale[j] == 0 {
			s.Scale[j] = 1
		}
	}
	return s
}

// Identity returns the Scaler that leaves cols columns unchanged.
func Identity(cols int) Scaler {
	s := Scaler{Offset: make([]float64, cols), Scale: make([]float64, cols)}
	for j := range s.Scale {
		s.Scale[j] = 1
	}
	return s
}

// ToRaw maps rows of scaled values (len(s.Scale) columns, row-major), such
// as a split's targets or a model's predictions, back to the original units:
// raw = v·Scale + Offset.
func (s Scaler) ToRaw(v []float32) []float64 {
	cols := len(s.Scale)
	out := make([]float64, len(v))
	for i, x := range v {
		j := i % cols
		out[i] = float64(x)*s.Scale[j] + s.Offset[j]
	}
	return out
}

// apply scales the given rows of x (cols columns) into a new float32 slice,
// in the order of rows.
func (s Scaler) apply(x []float64, cols int, rows []int) []float32 {
	out := make([]float32, len(rows)*cols)
	for i, r := range rows {
		for j := 0; j < cols; j++ {
			out[i*cols+j] = float32((x[r*cols+j] - s.Offset[j]) / s.Scale[j])
		}
	}
	return out
}

// gather32 copies the given rows of the row-major float32 matrix x (cols
// columns), in order.
func gather32(x []float32, cols int, rows []int) []float32 {
	out := make([]float32, len(rows)*cols)
	for i, r := range rows {
		copy(out[i*cols:(i+1)*cols], x[r*cols:(r+1)*cols])
	}
	return out
}

func allRows(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// splitKind says how a dataset is divided into train and test.
type splitKind int

const (
	splitShuffled splitKind = iota // seeded 80/20 (the paper's real data)
	splitHead                      // first 80% / last 20% (the paper's synthetic data)
)

// indices returns the train and test rows of n samples.
func (k splitKind) indices(n int, seed uint64) (train, test []int) {
	if k == splitHead {
		return HeadSplit(n)
	}
	return ShuffledSplit(n, seed)
}

// scaling says how a tabular dataset's columns are preprocessed.
type scaling int

const (
	scaleNone     scaling = iota // leave as generated (synthetic)
	scaleStandard                // StandardScaler fitted on train (MuJoCo, SGEMM)
)

// Table is a raw, unsplit, row-major table of N samples with D inputs and T
// targets, in float64, as read from a file or generated.
type Table struct {
	// X holds N rows of D inputs.
	X []float64
	// Y holds N rows of T targets.
	Y []float64
	// N, D and T are the number of rows, inputs and targets.
	N, D, T int
}

// check validates the table's sizes and values; file names the source for
// the error message.
func (tb *Table) check(file string) error {
	if tb.N < 2 {
		return fmt.Errorf("%s: %d usable rows; need at least 2 to make a train and a test split — "+
			"check that the file holds the whole dataset", file, tb.N)
	}
	if len(tb.X) != tb.N*tb.D || len(tb.Y) != tb.N*tb.T {
		panic(fmt.Sprintf("data: Table sizes inconsistent: n=%d d=%d t=%d len(x)=%d len(y)=%d",
			tb.N, tb.D, tb.T, len(tb.X), len(tb.Y)))
	}
	return nil
}

// build splits and preprocesses tb into ds.Train and ds.Test, filling the
// shape fields and the target scaler.
func (tb *Table) build(ds *Dataset, kind splitKind, sc scaling, splitSeed uint64) {
	train, test := kind.indices(tb.N, splitSeed)
	xs, ys := Identity(tb.D), Identity(tb.T)
	if sc == scaleStandard {
		xs = FitStandard(tb.X, tb.D, train)
		ys = FitStandard(tb.Y, tb.T, train)
	}
	ds.InputShape = []int{tb.D}
	ds.TargetDim = tb.T
	ds.Train = Split{X: xs.apply(tb.X, tb.D, train), Y: ys.apply(tb.Y, tb.T, train), N: len(train)}
	ds.Test = Split{X: xs.apply(tb.X, tb.D, test), Y: ys.apply(tb.Y, tb.T, test), N: len(test)}
	ds.TargetScaler = ys
}
