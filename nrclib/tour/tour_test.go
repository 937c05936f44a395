package tour

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

func TestMain(m *testing.M) {
	os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
	os.Exit(m.Run())
}

// The smoke-scale tour trains both runs, measures every layer, and every
// figure renders; a second Run comes from the store unchanged.
func TestSmokeTour(t *testing.T) {
	t.Setenv("DEEPNRC_STORE", t.TempDir())
	s, err := ForScale("smoke")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 2 || res.Main != "wd=0.005" {
		t.Fatalf("runs %v, main %s", res.Runs, res.Main)
	}
	if got := res.FinalEpoch(res.Main); got != s.Epochs {
		t.Errorf("final measured epoch %d, want %d", got, s.Epochs)
	}
	layers := map[string]bool{}
	for _, r := range res.Records {
		if r.Metric == nrc.MetricNoise && r.Run == res.Main {
			layers[r.Layer] = true
		}
	}
	if len(layers) != s.Layers {
		t.Errorf("measured layers %v, want %d", layers, s.Layers)
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
	if _, err := ForScale("huge"); err == nil {
		t.Error("unknown scale accepted")
	}
}

// At quick scale the well-tuned run collapses in its top layers, as the
// tour notebook says it will.
func TestQuickTourCollapses(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for several seconds")
	}
	t.Setenv("DEEPNRC_STORE", t.TempDir())
	s, _ := ForScale("quick")
	s.WeightDecays = s.WeightDecays[:1]
	res, err := Run(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.FirstCollapsed(res.Main) == "" {
		t.Errorf("no collapsed layer at quick scale")
	}
}
