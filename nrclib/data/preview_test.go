package data

import (
	"strings"
	"testing"
)

func TestWritePreview(t *testing.T) {
	d := &Dataset{Name: "x", InputShape: []int{8}, TargetDim: 2}
	d.Train.N = 3
	for i := 0; i < 3*8; i++ {
		d.Train.X = append(d.Train.X, float32(i))
	}
	d.Train.Y = []float32{0.5, -1, 2, 3, 4.25, 5}
	var b strings.Builder
	if err := d.WritePreview(&b, 2); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a header and 2 rows, got:\n%s", b.String())
	}
	for _, want := range []string{"x[5]", "…(8 inputs)", "y[1]"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("header %q lacks %q", lines[0], want)
		}
	}
	if strings.Contains(lines[0], "x[6]") {
		t.Errorf("header %q shows more than six inputs", lines[0])
	}
	if f := strings.Fields(lines[2]); f[0] != "8" || f[5] != "13" || f[7] != "2" || f[8] != "3" {
		t.Errorf("second row %q: want x = 8…13, then …, y = 2, 3", lines[2])
	}
}
