package data

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Correlation is the Pearson correlation R of target columns I < J.
type Correlation struct {
	I, J int
	R    float64
}

// Summary describes a dataset's size and the structure of its training
// targets: the quantities of the paper's dataset tables. All target
// statistics are over the training split, with the paper's 1/N covariance.
type Summary struct {
	// Name, StandsInFor and Description are copied from the Dataset.
	Name, StandsInFor, Description string
	// Source is the dataset's source (real, simulated or stand-in) and Kind
	// its label, Dataset.Kind.
	Source Source
	Kind   string
	// NTrain and NTest are the split sizes.
	NTrain, NTest int
	// InputShape is the shape of one sample; TargetDim is t.
	InputShape []int
	TargetDim  int
	// Eigenvalues are those of Σ_Y, the covariance of the training targets
	// as loaded (after preprocessing: for standardised targets Σ_Y is their
	// correlation matrix), in descending order. Round-off can make the
	// eigenvalues of a singular Σ_Y slightly negative; those are reported
	// as 0.
	Eigenvalues []float64
	// LambdaMin is the smallest of Eigenvalues.
	LambdaMin float64
	// Rank is the numerical rank of Σ_Y (eigenvalues above 1e-9·λ₁).
	Rank int
	// StableRank is Σλ/λ₁ (trace over spectral norm of Σ_Y).
	StableRank float64
	// StableRankSq is Σλ²/λ₁², the formula of the paper's code for the
	// "target" stable-rank line.
	StableRankSq float64
	// Correlations lists every pair of target columns (empty for t = 1).
	Correlations []Correlation
	// RawEigenvalues and RawLambdaMin are the same for the targets in their
	// original units (undoing Dataset.TargetScaler), the scale of [NRC]
	// Table 1's λ_min; nil/0 when the targets were not rescaled.
	RawEigenvalues []float64
	RawLambdaMin   float64
}

// Describe summarises ds. It reads only the training targets, so it is
// cheap even for image datasets.
func Describe(ds *Dataset) Summary {
	t := ds.TargetDim
	s := Summary{Name: ds.Name, StandsInFor: ds.StandsInFor, Description: ds.Description, Source: ds.origin(), Kind: ds.Kind(),
		NTrain: ds.Train.N, NTest: ds.Test.N, InputShape: append([]int(nil), ds.InputShape...), TargetDim: t}
	if t == 0 || ds.Train.N == 0 {
		return s
	}
	c := cov32(ds.Train.Y, ds.Train.N, t)
	s.Eigenvalues = clampRoundOff(eigenDesc(c))
	s.LambdaMin = s.Eigenvalues[t-1]
	s.Rank = numericalRank(s.Eigenvalues)
	if l1 := s.Eigenvalues[0]; l1 > 0 {
		var sum, sq float64
		for _, v := range s.Eigenvalues {
			sum += v
			sq += v * v
		}
		s.StableRank = sum / l1
		s.StableRankSq = sq / (l1 * l1)
	}
	for a := 0; a < t; a++ {
		for b := a + 1; b < t; b++ {
			s.Correlations = append(s.Correlations, Correlation{I: a, J: b,
				R: c.At(a, b) / math.Sqrt(c.At(a, a)*c.At(b, b))})
		}
	}
	if sc := ds.TargetScaler; len(sc.Scale) == t && !isIdentity(sc) {
		raw := mat.NewSymDense(t, nil)
		for a := 0; a < t; a++ {
			for b := a; b < t; b++ {
				raw.SetSym(a, b, c.At(a, b)*sc.Scale[a]*sc.Scale[b])
			}
		}
		s.RawEigenvalues = clampRoundOff(eigenDesc(raw))
		s.RawLambdaMin = s.RawEigenvalues[t-1]
	}
	return s
}

// clampRoundOff sets negative eigenvalues (round-off of a PSD matrix) to 0.
func clampRoundOff(v []float64) []float64 {
	for i := range v {
		v[i] = math.Max(v[i], 0)
	}
	return v
}

func isIdentity(sc Scaler) bool {
	for j := range sc.Scale {
		if sc.Scale[j] != 1 || sc.Offset[j] != 0 {
			return false
		}
	}
	return true
}

// String formats the summary as an aligned, human-readable block.
func (s Summary) String() string {
	var b strings.Builder
	kind := s.Kind
	if kind == "" { // a Summary built by hand
		kind = kindLabel(SourceReal, "", "")
		if s.StandsInFor != "" {
			kind = kindLabel(SourceStandIn, "", s.StandsInFor)
		}
	}
	fmt.Fprintf(&b, "%s (%s)\n", s.Name, kind)
	if s.Description != "" {
		fmt.Fprintf(&b, "  %s\n", s.Description)
	}
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "  %-21s %s\n", label, fmt.Sprintf(format, args...))
	}
	line("N", "%d (train %d, test %d)", s.NTrain+s.NTest, s.NTrain, s.NTest)
	line("input shape", "%v", s.InputShape)
	line("target dim t", "%d", s.TargetDim)
	line("Σ_Y eigenvalues", "%s", fmtFloats(s.Eigenvalues))
	line("λ_min", "%.4g", s.LambdaMin)
	line("rank Σ_Y", "%d", s.Rank)
	line("stable rank Σλ/λ₁", "%.4g", s.StableRank)
	line("stable rank Σλ²/λ₁²", "%.4g", s.StableRankSq)
	if len(s.Correlations) > 6 {
		line("correlations", "(row i: pairs (i,i+1) … (i,t−1))")
		k := 0
		for i := 0; i < s.TargetDim-1; i++ {
			row := make([]string, 0, s.TargetDim-1-i)
			for j := i + 1; j < s.TargetDim; j++ {
				row = append(row, fmt.Sprintf("%6.3f", s.Correlations[k].R))
				k++
			}
			fmt.Fprintf(&b, "    %2d: %s\n", i, strings.Join(row, " "))
		}
	} else if len(s.Correlations) > 0 {
		parts := make([]string, len(s.Correlations))
		for i, c := range s.Correlations {
			parts[i] = fmt.Sprintf("(%d,%d) %.4g", c.I, c.J, c.R)
		}
		line("correlations", "%s", strings.Join(parts, ", "))
	}
	if s.RawEigenvalues != nil {
		line("raw Σ_Y eigenvalues", "%s", fmtFloats(s.RawEigenvalues))
		line("raw λ_min", "%.4g", s.RawLambdaMin)
	}
	return b.String()
}

func fmtFloats(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.4g", x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
