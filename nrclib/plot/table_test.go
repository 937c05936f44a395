package plot

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

func TestTable(t *testing.T) {
	recs := []nrc.Record{
		{Run: "r", Epoch: 5, Layer: "fc1", Metric: nrc.MetricNoise, Value: 0.9},
		{Run: "r", Epoch: 10, Metric: nrc.MetricModelMSE, Value: 0.0123456},
		{Run: "r", Epoch: 10, Layer: "fc2", Metric: nrc.MetricNoise, Value: 0.25},
		{Run: "r", Epoch: 10, Layer: "fc1", Metric: nrc.MetricNoise, Value: 0.5},
		{Run: "r", Epoch: 10, Layer: "fc1", Metric: nrc.MetricStableRankW, Value: 3.14159265},
	}
	tb, err := NewTable(recs, TableSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if tb.Epoch != 10 || tb.Run != "r" {
		t.Errorf("run %q epoch %d, want the latest epoch 10 of r", tb.Run, tb.Epoch)
	}
	if !reflect.DeepEqual(tb.Layers, []string{"fc2", "fc1"}) || !reflect.DeepEqual(tb.Metrics, []string{nrc.MetricNoise, nrc.MetricStableRankW}) {
		t.Errorf("layers %q metrics %q", tb.Layers, tb.Metrics)
	}
	if tb.Values[1][0] != 0.5 || tb.Values[0][0] != 0.25 || tb.Values[1][1] != 3.14159265 || !math.IsNaN(tb.Values[0][1]) {
		t.Errorf("values %v", tb.Values)
	}
	md := tb.Markdown()
	for _, want := range []string{
		"| layer | noise | stable\\_rank\\_w |",
		"| fc2 | 0.25 | – |",
		"| fc1 | 0.5 | 3.142 |",
		"- model\\_mse = 0.01235",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	h := tb.HTML()
	if strings.Count(h, "<tr>") != 3 || !strings.Contains(h, "<th>stable_rank_w</th>") || !strings.Contains(h, "<li>model_mse = 0.01235</li>") {
		t.Errorf("HTML:\n%s", h)
	}
	// Names are escaped.
	tb2, err := NewTable([]nrc.Record{{Run: "<b>", Epoch: 1, Layer: "a|b", Metric: "m", Value: 1}}, TableSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tb2.HTML(), "&lt;b&gt;") || !strings.Contains(tb2.Markdown(), `a\|b`) {
		t.Errorf("unescaped names:\n%s\n%s", tb2.HTML(), tb2.Markdown())
	}
	// Errors.
	two := append(recs, nrc.Record{Run: "s", Epoch: 1, Layer: "fc1", Metric: nrc.MetricNoise, Value: 1})
	if _, err := NewTable(two, TableSpec{}); err == nil || !strings.Contains(err.Error(), `"s"`) {
		t.Errorf("ambiguous run: %v", err)
	}
	if _, err := NewTable(recs, TableSpec{Metrics: []string{"cka"}}); err == nil || !strings.Contains(err.Error(), `"cka"`) || !strings.Contains(err.Error(), `"fc1"`) {
		t.Errorf("missing metric: %v", err)
	}
	if _, err := NewTable(recs, TableSpec{Epoch: 7}); err == nil || !strings.Contains(err.Error(), "epoch 7") {
		t.Errorf("missing epoch: %v", err)
	}
}
