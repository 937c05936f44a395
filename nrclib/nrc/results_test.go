package nrc

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/stats"
)

func sample() Results {
	return Results{
		{Run: "a", Epoch: 1, Layer: "fc1", Metric: MetricNoise, Value: 0.9},
		{Run: "a", Epoch: 1, Layer: "fc2", Metric: MetricNoise, Value: 0.8},
		{Run: "a", Epoch: 1, Metric: MetricTrainMSE, Value: 2},
		{Run: "a", Epoch: 5, Layer: "fc1", Metric: MetricNoise, Value: 0.5},
		{Run: "a", Epoch: 5, Layer: "fc2", Metric: MetricNoise, Value: 0.1},
		{Run: "a", Epoch: 5, Layer: "fc1", Metric: MetricCKA, Value: 0.3},
		{Run: "a", Epoch: 5, Layer: "fc2", Metric: MetricCKA, Value: 0.9},
		{Run: "a", Epoch: 5, Metric: MetricTrainMSE, Value: 0.5},
		{Run: "a", Epoch: 7, Metric: MetricTrainMSE, Value: 0.25},
		{Run: "b", Epoch: 3, Layer: "fc1", Metric: MetricNoise, Value: 0.4},
	}
}

func TestResultsQueries(t *testing.T) {
	rs := sample()
	if got := rs.Runs(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Runs %v", got)
	}
	if got := rs.Layers(); !slices.Equal(got, []string{"fc1", "fc2"}) {
		t.Errorf("Layers %v", got)
	}
	if got := rs.Run("a").Epochs(); !slices.Equal(got, []int{1, 5, 7}) {
		t.Errorf("Epochs %v", got)
	}
	if got := rs.MeasuredEpochs("a"); !slices.Equal(got, []int{1, 5}) {
		t.Errorf("MeasuredEpochs %v", got)
	}
	// The final epoch is per metric: noise was last measured at 5, the
	// loss at 7.
	if e, _ := rs.FinalEpoch("a", MetricNoise); e != 5 {
		t.Errorf("final noise epoch %d", e)
	}
	if e, _ := rs.FinalEpoch("a", MetricTrainMSE); e != 7 {
		t.Errorf("final loss epoch %d", e)
	}
	layers, vals, err := rs.Series("a", MetricNoise, Final)
	if err != nil || !slices.Equal(layers, []string{"fc1", "fc2"}) || !slices.Equal(vals, []float64{0.5, 0.1}) {
		t.Errorf("Series = %v %v %v", layers, vals, err)
	}
	if _, vals, _ := rs.Series("a", MetricNoise, 1); !slices.Equal(vals, []float64{0.9, 0.8}) {
		t.Errorf("Series at 1 = %v", vals)
	}
	if v, err := rs.Value("a", MetricTrainMSE, Final); err != nil || v != 0.25 {
		t.Errorf("Value = %v %v", v, err)
	}
	if es, vs, err := rs.Trace("a", MetricTrainMSE, ""); err != nil || !slices.Equal(es, []int{1, 5, 7}) || !slices.Equal(vs, []float64{2, 0.5, 0.25}) {
		t.Errorf("Trace = %v %v %v", es, vs, err)
	}
	if es, vs, _ := rs.Trace("a", MetricNoise, "fc2"); !slices.Equal(es, []int{1, 5}) || !slices.Equal(vs, []float64{0.8, 0.1}) {
		t.Errorf("layer trace = %v %v", es, vs)
	}
}

// TestResultsErrorsListWhatIsThere: a missing run, metric or epoch names
// what the records hold instead; duplicates and non-finite values are
// refused.
func TestResultsErrorsListWhatIsThere(t *testing.T) {
	rs := sample()
	for _, c := range []struct {
		err  error
		want string
	}{
		{second(rs.Series("zz", MetricNoise, Final)), `runs present: "a", "b"`},
		{second(rs.Series("a", MetricWHAlignment, Final)), `its metrics: "noise", "train_mse", "cka"`},
		{second(rs.Series("a", MetricNoise, 3)), "epochs with it: 1, 5"},
		{second2(rs.Value("a", MetricModelMSE, Final)), `metric "model_mse" not found for run "a"`},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", c.err, c.want)
		}
	}
	dup := append(slices.Clone(rs), Record{Run: "a", Epoch: 5, Layer: "fc1", Metric: MetricNoise, Value: 0.5})
	if _, _, err := dup.Series("a", MetricNoise, 5); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate accepted: %v", err)
	}
	nan := append(slices.Clone(rs), Record{Run: "c", Epoch: 1, Layer: "fc1", Metric: MetricNoise, Value: math.NaN()})
	if _, _, err := nan.Series("c", MetricNoise, Final); err == nil || !strings.Contains(err.Error(), "not finite") {
		t.Errorf("NaN accepted: %v", err)
	}
}

func second(_ []string, _ []float64, err error) error { return err }
func second2(_ float64, err error) error              { return err }

func TestWriteTable(t *testing.T) {
	recs := Results{
		{Epoch: 1, Layer: "fc1", Metric: MetricNoise, Value: 9},
		{Epoch: 2, Layer: "fc1", Metric: MetricNoise, Value: 0.5},
		{Epoch: 2, Layer: "fc1", Metric: MetricCKA, Value: 0.25},
		{Epoch: 2, Layer: "fc2", Metric: MetricNoise, Value: 0.125},
		{Epoch: 2, Metric: MetricTrainMSE, Value: 0.75},
		{Epoch: 2, Metric: MetricModelMSE, Value: 0.0625},
	}
	if got := recs.MeasuredEpochs(""); got[len(got)-1] != 2 {
		t.Fatalf("last measured epoch = %v", got)
	}
	var buf bytes.Buffer
	if err := recs.WriteTable(&buf, "", 2, []string{MetricNoise, MetricCKA}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("table %q", buf.String())
	}
	if f := strings.Fields(lines[1]); strings.Join(f, " ") != "fc1 0.5 0.25" {
		t.Errorf("fc1 row %q", lines[1])
	}
	if f := strings.Fields(lines[2]); strings.Join(f, " ") != "fc2 0.125 -" {
		t.Errorf("fc2 row %q", lines[2])
	}
	if lines[3] != "epoch 2: model_mse 0.0625, train_mse 0.75" {
		t.Errorf("run-level line %q", lines[3])
	}
	if err := recs.WriteTable(&buf, "", 3, nil); err == nil {
		t.Error("an epoch without metrics gave no error")
	}
}

// TestCatalogueCoversEveryMetric: every metric name the project records
// has an entry with a title, a range and a level, and records written from
// a report follow the catalogue's order.
func TestCatalogueCoversEveryMetric(t *testing.T) {
	names := []string{MetricNoise, MetricCKA, MetricCKAProjected, MetricCKAFirstT, MetricWHAlignment,
		MetricNoiseSubspaceAlignment, MetricProbeMSE, MetricProbeMSEPaper, MetricStableRankH, MetricStableRankHPaper,
		MetricStableRankW, MetricTargetStableRank, MetricTargetStableRankPaper, MetricModelMSE, MetricModelR2, MetricTrainMSE,
		MetricTestMSE, MetricNRC1, MetricNRC2, MetricNRC3, MetricGammaRatio}
	for _, n := range names {
		m, ok := LookupMetric(n)
		if !ok || m.Title == "" || m.Short == "" || m.Doc == "" || !(m.Max > m.Min) {
			t.Errorf("catalogue entry of %q: %+v, %v", n, m, ok)
		}
	}
	if len(Metrics()) != len(names) {
		t.Errorf("the catalogue has %d entries, the record names %d", len(Metrics()), len(names))
	}
	for _, m := range Metrics() {
		if m.Log != (m.Name == MetricProbeMSE || m.Name == MetricProbeMSEPaper || m.Name == MetricModelMSE ||
			m.Name == MetricTrainMSE || m.Name == MetricTestMSE) {
			t.Errorf("%s: log axis %v", m.Name, m.Log)
		}
	}
}

// Epoch 0 is the measurement before training, not "the final epoch":
// only Final selects that.
func TestEpochZeroIsAnEpoch(t *testing.T) {
	rs := Results{
		{Run: "a", Epoch: 0, Layer: "fc1", Metric: MetricNoise, Value: 0.9},
		{Run: "a", Epoch: 5, Layer: "fc1", Metric: MetricNoise, Value: 0.1},
	}
	if _, v, err := rs.Series("a", MetricNoise, 0); err != nil || v[0] != 0.9 {
		t.Errorf("epoch 0: %v, %v; want 0.9", v, err)
	}
	if _, v, err := rs.Series("a", MetricNoise, Final); err != nil || v[0] != 0.1 {
		t.Errorf("Final: %v, %v; want 0.1", v, err)
	}
	if e, err := rs.FirstEpoch("a", MetricNoise); err != nil || e != 0 {
		t.Errorf("FirstEpoch = %d, %v; want 0", e, err)
	}
	if _, err := rs.FirstEpoch("a", MetricCKA); err == nil {
		t.Error("FirstEpoch of a missing metric should fail")
	}
}

// R² = 1 − MSE / (tr Σ_Y / t): targets ±1 and ±3 (variances 1 and 9, so
// 5 per target) with a network MSE of 2.5 explain half the variance.
func TestModelR2(t *testing.T) {
	m := stats.New(2, 2)
	for i := 0; i < 100; i++ {
		s := float64(1 - 2*(i%2))
		if err := m.Add([]float64{float64(i), float64(i * i % 7)}, []float64{s, 3 * s}, 1); err != nil {
			t.Fatal(err)
		}
	}
	mse := 2.5
	rep, err := Measure([]string{"fc1"}, []*stats.Moments{m}, nil, Options{ModelMSE: &mse})
	if err != nil {
		t.Fatal(err)
	}
	v, err := Results(rep.Records("r", 1)).Value("r", MetricModelR2, Final)
	if err != nil || math.Abs(v-0.5) > 1e-12 {
		t.Errorf("R² = %v, %v; want 0.5", v, err)
	}
	rep, _ = Measure([]string{"fc1"}, []*stats.Moments{m}, nil, Options{})
	if _, err := Results(rep.Records("r", 1)).Value("r", MetricModelR2, Final); err == nil {
		t.Error("R² recorded without a model MSE")
	}
}
