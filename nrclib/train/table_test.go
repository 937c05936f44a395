package train

import (
	"bytes"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

func TestWriteLayerTable(t *testing.T) {
	recs := []nrc.Record{
		{Epoch: 1, Layer: "fc1", Metric: nrc.MetricNoise, Value: 9},
		{Epoch: 2, Layer: "fc1", Metric: nrc.MetricNoise, Value: 0.5},
		{Epoch: 2, Layer: "fc1", Metric: nrc.MetricCKA, Value: 0.25},
		{Epoch: 2, Layer: "fc2", Metric: nrc.MetricNoise, Value: 0.125},
		{Epoch: 2, Metric: nrc.MetricTrainMSE, Value: 0.75},
		{Epoch: 2, Metric: nrc.MetricModelMSE, Value: 0.0625},
	}
	if got := LastMeasuredEpoch(recs); got != 2 {
		t.Fatalf("LastMeasuredEpoch = %d", got)
	}
	var buf bytes.Buffer
	if err := WriteLayerTable(&buf, recs, 2, []string{nrc.MetricNoise, nrc.MetricCKA}); err != nil {
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
	if err := WriteLayerTable(&buf, recs, 3, nil); err == nil {
		t.Error("an epoch without metrics gave no error")
	}
}
