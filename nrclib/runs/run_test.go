package runs

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/internal/testenv"
	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

func tinySpec() Spec {
	cfg := train.DefaultConfig(3)
	cfg.BatchSize, cfg.LearningRate, cfg.MeasureEpochs = 32, 0.05, []int{}
	return Spec{ID: "tiny", Dataset: "swimmer", Data: data.Options{Source: data.SourceStandIn, N: 200},
		Model: Model{MLP: &MLP{Hidden: 8, Layers: 3}}, Train: cfg}
}

func runner(t *testing.T) *Runner {
	t.Helper()
	b, err := testenv.Backend()
	if err != nil {
		t.Fatal(err)
	}
	st, err := train.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRunner(Options{Store: st, Backend: b})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestModelSizesComeFromTheData: the same architecture built for Swimmer
// (8 → 2) and Hopper (11 → 3) gets each dataset's sizes.
func TestModelSizesComeFromTheData(t *testing.T) {
	arch := Model{MLP: &MLP{Hidden: 16, Layers: 4}}
	for name, want := range map[string][2]int{"swimmer": {8, 2}, "hopper": {11, 3}} {
		ds, err := data.Load(name, data.Options{Source: data.SourceStandIn, N: 100})
		if err != nil {
			t.Fatal(err)
		}
		m, err := arch.Build(ds)
		if err != nil {
			t.Fatal(err)
		}
		cfg := m.(*model.MLP).Config()
		if cfg.InputDim != want[0] || cfg.Targets != want[1] || cfg.Hidden != 16 || cfg.Layers != 4 {
			t.Errorf("%s: %+v", name, cfg)
		}
	}
	img := &data.Dataset{Name: "x", InputShape: []int{4}, TargetDim: 1}
	if _, err := (Model{ResNet: ResNetOf(model.ResNet18(1))}).Build(img); err == nil {
		t.Error("a ResNet was built for tabular data")
	}
	if err := (Model{}).Validate(); err == nil {
		t.Error("an empty model passed Validate")
	}
}

// TestSharedRunTrainsOnce: one declaration trained under two labels (two
// figures) is trained once; the second comes from the store with the same
// key and its records carry the second label.
func TestSharedRunTrainsOnce(t *testing.T) {
	r := runner(t)
	s := tinySpec()
	a, err := r.Train(context.Background(), &s, "fig2/swimmer")
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Train(context.Background(), &s, "fig5/swimmer")
	if err != nil {
		t.Fatal(err)
	}
	if a[0].Result.Cached || !b[0].Result.Cached || a[0].Result.Key != b[0].Result.Key {
		t.Fatalf("cached %v/%v, keys %s %s", a[0].Result.Cached, b[0].Result.Cached, a[0].Result.Key, b[0].Result.Key)
	}
	if b[0].Result.Records[0].Run != "fig5/swimmer" {
		t.Fatalf("label %q", b[0].Result.Records[0].Run)
	}
	if a[0].Data != b[0].Data {
		t.Error("the dataset was loaded twice")
	}
	// A change of the measurement is another run.
	s2 := tinySpec()
	s2.Measure.Spectrum = 2
	c, err := r.Train(context.Background(), &s2, "other")
	if err != nil {
		t.Fatal(err)
	}
	if c[0].Result.Cached || c[0].Result.Key == a[0].Result.Key {
		t.Error("a run measured differently came from the store")
	}
}

func TestSeedsAreNamedAndSet(t *testing.T) {
	r := runner(t)
	s := tinySpec()
	s.Seeds = []int64{4, 9}
	out, err := r.Train(context.Background(), &s, "r")
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].Name != "r#s4" || out[1].Name != "r#s9" || out[1].Config.Seed != 9 || out[0].Result.Key == out[1].Result.Key {
		t.Fatalf("seeds %+v", out)
	}
	recs := Records(out)
	if got := recs.Runs(); len(got) != 2 || got[0] != "r#s4" || got[1] != "r#s9" || len(recs) != len(out[0].Result.Records)+len(out[1].Result.Records) {
		t.Errorf("Records: runs %v, %d records", got, len(recs))
	}
	if line := out[0].String(); !strings.HasPrefix(line, "r#s4: trained in ") || !strings.Contains(line, out[0].Result.Key) {
		t.Errorf("String() = %q", line)
	}
}

// TestStoreErrorIsReturned: a default store that cannot be opened is an
// error, never a silent run in memory.
func TestStoreErrorIsReturned(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(train.EnvStoreDir, f)
	if _, err := NewRunner(Options{}); err == nil {
		t.Fatal("a store under a file was accepted")
	}
}

// TestScaleTargets: after scaling, the training targets have mean 0 and
// mean variance 1, their correlations are unchanged, and the scaler maps
// back to the raw values.
func TestScaleTargets(t *testing.T) {
	ds, err := data.Load("hopper", data.Options{Source: data.SourceStandIn, N: 300})
	if err != nil {
		t.Fatal(err)
	}
	raw := append([]float32(nil), ds.Train.Y...)
	rawScaler := ds.TargetScaler
	if err := ScaleTargets(ds); err != nil {
		t.Fatal(err)
	}
	tt, n := ds.TargetDim, ds.Train.N
	var tr float64
	for j := 0; j < tt; j++ {
		var m, v float64
		for i := 0; i < n; i++ {
			m += float64(ds.Train.Y[i*tt+j])
		}
		m /= float64(n)
		for i := 0; i < n; i++ {
			d := float64(ds.Train.Y[i*tt+j]) - m
			v += d * d
		}
		tr += v / float64(n)
		if math.Abs(m) > 1e-5 {
			t.Errorf("target %d mean %v", j, m)
		}
	}
	if math.Abs(tr/float64(tt)-1) > 1e-5 {
		t.Errorf("mean variance %v", tr/float64(tt))
	}
	for i := 0; i < 10; i++ {
		j := i % tt
		back := float64(ds.Train.Y[i])*ds.TargetScaler.Scale[j] + ds.TargetScaler.Offset[j]
		want := float64(raw[i])
		if len(rawScaler.Scale) == tt {
			want = want*rawScaler.Scale[j] + rawScaler.Offset[j]
		}
		if math.Abs(back-want) > 1e-4*(1+math.Abs(want)) {
			t.Fatalf("value %d maps back to %v, want %v", i, back, want)
		}
	}
}

// Asking for real data everywhere keeps generated-only datasets (which
// have no real files) generated, and applies the data directory.
func TestRealSourceLeavesGeneratedDataGenerated(t *testing.T) {
	r := &Runner{opt: Options{Source: data.SourceReal, DataDir: "/x"}}
	if d := r.dataOptions(&Spec{Dataset: "synthetic-fig8"}); d.Source != data.SourceStandIn {
		t.Errorf("synthetic data with source real: got source %q, want %q", d.Source, data.SourceStandIn)
	}
	if d := r.dataOptions(&Spec{Dataset: "swimmer"}); d.Source != data.SourceReal || d.Dir != "/x" {
		t.Errorf("swimmer with source real: %+v", d)
	}
}

// Key gives, without training, the store key Train reports for each seed,
// and TrainSeed trains exactly that seed; a fresh runner (another process,
// as a cluster task is) computes the same keys.
func TestKeyIsTheKeyTrainReports(t *testing.T) {
	r := runner(t)
	s := tinySpec()
	s.Seeds = []int64{4, 9}
	var keys []string
	for i := range s.Seeds {
		k, err := r.Key(&s, i)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if _, err := os.Stat(r.Store().RunDir(keys[0])); err == nil {
		t.Fatal("Key created the run directory")
	}
	if _, err := r.Key(&s, 2); err == nil || !strings.Contains(err.Error(), "no seed 2") {
		t.Errorf("seed out of range: %v", err)
	}
	one, err := r.TrainSeed(context.Background(), &s, "r", 1)
	if err != nil {
		t.Fatal(err)
	}
	if one.Name != "r#s9" || one.Result.Key != keys[1] || one.Config.Seed != 9 || one.Result.Cached {
		t.Fatalf("TrainSeed(1): %s, key %s (want r#s9, %s)", one.Name, one.Result.Key, keys[1])
	}
	fresh, err := NewRunner(Options{Store: r.Store(), Backend: r.b})
	if err != nil {
		t.Fatal(err)
	}
	out, err := fresh.Train(context.Background(), &s, "r")
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Result.Key != keys[0] || out[1].Result.Key != keys[1] || out[0].Result.Cached || !out[1].Result.Cached {
		t.Errorf("Train keys %s %s (cached %v %v), Key gave %v: seed 1 must come from the store",
			out[0].Result.Key, out[1].Result.Key, out[0].Result.Cached, out[1].Result.Cached, keys)
	}
	single := tinySpec()
	k, err := r.Key(&single, 0)
	if err != nil {
		t.Fatal(err)
	}
	if k == keys[0] || k == keys[1] {
		t.Error("a run of another seed has the same key")
	}
}

// With StoredOnly a runner serves finished runs and refuses to train.
func TestStoredOnlyTrainsNothing(t *testing.T) {
	r := runner(t)
	s := tinySpec()
	ro, err := NewRunner(Options{Store: r.Store(), Backend: r.b, StoredOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ro.Train(context.Background(), &s, "r")
	key, _ := r.Key(&s, 0)
	if err == nil || !strings.Contains(err.Error(), "not finished in the run store") || !strings.Contains(err.Error(), key) {
		t.Fatalf("an unstored run with StoredOnly: %v", err)
	}
	if p, _ := r.Store().Progress(key); p.Epoch != 0 {
		t.Fatal("StoredOnly trained the run")
	}
	want, err := r.Train(context.Background(), &s, "r")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ro.Train(context.Background(), &s, "r")
	if err != nil || !got[0].Result.Cached || len(got[0].Result.Records) != len(want[0].Result.Records) {
		t.Fatalf("a stored run with StoredOnly: %v", err)
	}
}
