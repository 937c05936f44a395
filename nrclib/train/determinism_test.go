package train

import (
	"bytes"
	stdctx "context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/fastexec"
	"github.com/deepnrc/deepnrc/nrclib/model"
)

// envDeterminism makes the test binary train determinismJobs and write
// their records as JSON to the file it names (see
// TestRecordsIdenticalForAnyGOMAXPROCS).
const envDeterminism = "DEEPNRC_TRAIN_DETERMINISM_OUT"

// determinismJobs are an MLP wide enough that its matrix products are
// split between goroutines, and a small BatchNorm ResNet (convolutions,
// reductions and broadcasts of the fast executors).
func determinismJobs(tb testing.TB) []Job {
	mlp := DefaultConfig(3)
	mlp.BatchSize, mlp.LearningRate, mlp.WeightDecay, mlp.Seed = 128, 0.02, 1e-3, 11
	mlp.MeasureEpochs = []int{1, 3}
	res := DefaultConfig(2)
	res.BatchSize, res.LearningRate, res.WeightDecay, res.Seed = 16, 0.01, 5e-4, 12
	res.MeasureEpochs = []int{2}
	r, err := model.NewResNet(model.ResNetConfig{Blocks: []int{1, 1}, Widths: []int{8, 16}, Stem: model.StemCIFAR, Targets: 2})
	if err != nil {
		tb.Fatal(err)
	}
	img := teacherData(21, 80, 8*8*3, 2)
	img.InputShape = []int{8, 8, 3}
	return []Job{
		{Name: "mlp", Model: newTestMLP(tb, 6, 256, 2, 4), Data: teacherData(20, 640, 6, 2), Config: mlp},
		{Name: "resnet", Model: r, Data: img, Config: res},
	}
}

func determinismChild(out string) int {
	var all [][]byte
	for _, j := range determinismJobs(nil) {
		res, err := Run(stdctx.Background(), j, Options{Backend: testBackend})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 5
		}
		b, _ := json.Marshal(res.Records)
		all = append(all, b)
	}
	stats, _ := json.Marshal(fastexec.ReadStats())
	all = append(all, stats)
	if err := os.WriteFile(out, bytes.Join(all, []byte("\n")), 0o644); err != nil {
		return 6
	}
	return 0
}

// TestRecordsIdenticalForAnyGOMAXPROCS: the same jobs trained with 1, 2
// and 3 OS threads give bit-identical records (the matrix products split
// work by rows and columns only, never along the summed dimension).
func TestRecordsIdenticalForAnyGOMAXPROCS(t *testing.T) {
	var first []byte
	for _, procs := range []string{"1", "2", "3"} {
		out := filepath.Join(t.TempDir(), "records.json")
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envDeterminism+"="+out, "GOMAXPROCS="+procs)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("GOMAXPROCS=%s: %v", procs, err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		parts := bytes.Split(b, []byte("\n"))
		recs := bytes.Join(parts[:len(parts)-1], []byte("\n"))
		var st fastexec.Stats
		if err := json.Unmarshal(parts[len(parts)-1], &st); err != nil {
			t.Fatal(err)
		}
		if fastexec.Installed() && (st.Fast == 0 || st.Conv == 0 || st.Elementwise == 0) {
			t.Fatalf("GOMAXPROCS=%s: the fast executors did not run: %+v", procs, st)
		}
		if first == nil {
			first = recs
			continue
		}
		if !bytes.Equal(first, recs) {
			t.Fatalf("GOMAXPROCS=%s changed the records", procs)
		}
	}
}
