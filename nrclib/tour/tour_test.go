package tour

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

func TestMain(m *testing.M) {
	os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
	os.Exit(m.Run())
}

// The smoke-scale tour trains both runs, measures every layer, and every
// figure renders; a second Run comes from the store unchanged.
func TestSmokeTour(t *testing.T) {
	t.Setenv(train.EnvStoreDir, t.TempDir())
	s := ForScale(scale.Smoke)
	main := s.Main()
	res, err := Run(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 2 || res.Main != "wd=0.005" {
		t.Fatalf("runs %v, main %s", res.Runs, res.Main)
	}
	if got, err := res.FinalEpoch(res.Main); err != nil || got != main.Train.Epochs {
		t.Errorf("final measured epoch %d (%v), want %d", got, err, main.Train.Epochs)
	}
	if layers := res.Records.Run(res.Main).Metric(nrc.MetricNoise).Layers(); len(layers) != main.Model.MLP.Layers {
		t.Errorf("measured layers %v, want %d", layers, main.Model.MLP.Layers)
	}
	for name, build := range map[string]func() (interface{ SVG() ([]byte, error) }, error){
		"layers": func() (interface{ SVG() ([]byte, error) }, error) { return res.LayerFigure() },
		"sweep":  func() (interface{ SVG() ([]byte, error) }, error) { return res.SweepFigure() },
		"loss":   func() (interface{ SVG() ([]byte, error) }, error) { return res.LossFigure() },
	} {
		f, err := build()
		if err != nil {
			t.Fatalf("%s figure: %v", name, err)
		}
		svg, err := f.SVG()
		if err != nil || !strings.Contains(string(svg), "<svg") {
			t.Errorf("%s figure: no SVG (%v)", name, err)
		}
	}
	g, err := res.LastLayerGamma()
	if err != nil {
		t.Fatal(err)
	}
	if g.LambdaMin <= 0 || g.Best < 0 || g.Best > g.LambdaMin || len(g.Values) != 1000 {
		t.Errorf("gamma search %+v", g)
	}
	if _, err := GammaFigure(g); err != nil {
		t.Fatal(err)
	}
	again, err := Run(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Records) != len(res.Records) {
		t.Errorf("stored run returned %d records, first run %d", len(again.Records), len(res.Records))
	}
	if !again.Trained[0].Result.Cached {
		t.Error("the second Run trained again instead of reading the store")
	}
	g2, err := again.LastLayerGamma()
	if err != nil || g2.Best != g.Best || g2.LambdaMin != g.LambdaMin {
		t.Errorf("γ search from the stored run %+v (%v), trained run %+v", g2, err, g)
	}
}

// The scale comes from scale.Env in any case; an unknown one is an error,
// and each scale sizes the network and the schedule.
func TestFromEnv(t *testing.T) {
	t.Setenv(scale.Env, "Quick")
	s, err := FromEnv()
	if err != nil || s.Scale != scale.Quick {
		t.Fatalf("FromEnv with Quick: %+v, %v", s, err)
	}
	if len(s.Specs) != len(WeightDecays) || RunName(s.Specs[1].Train.WeightDecay) != "wd=0" {
		t.Errorf("specs %+v", s.Specs)
	}
	for i, sp := range s.Specs {
		if err := sp.Validate(); err != nil {
			t.Errorf("spec %d: %v", i, err)
		}
		if sp.Train.WeightDecay != WeightDecays[i] || !sp.Measure.LastLayer {
			t.Errorf("spec %d: weight decay %g, measure %+v", i, sp.Train.WeightDecay, sp.Measure)
		}
	}
	for sc, want := range map[scale.Scale][3]int{scale.Smoke: {32, 4, 20}, scale.Quick: {64, 6, 150}, scale.Paper: {256, 8, 1000}} {
		m := ForScale(sc).Main()
		if got := [3]int{m.Model.MLP.Hidden, m.Model.MLP.Layers, m.Train.Epochs}; got != want {
			t.Errorf("%s: width, layers, epochs %v, want %v", sc, got, want)
		}
	}
	t.Setenv(scale.Env, "huge")
	if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), "unknown scale") {
		t.Errorf("unknown scale: %v", err)
	}
}

// At quick scale the well-tuned run collapses in its top layers, as the
// tour notebook says it will.
func TestQuickTourCollapses(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for several seconds")
	}
	t.Setenv(train.EnvStoreDir, t.TempDir())
	s := ForScale(scale.Quick)
	s.Specs = s.Specs[:1]
	res, err := Run(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.FirstCollapsed(res.Main) == "" {
		t.Errorf("no collapsed layer at quick scale")
	}
}
