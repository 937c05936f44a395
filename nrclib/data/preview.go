package data

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WritePreview writes the first rows training samples of d as a table: up
// to six input values (then the input size) and every target, as trained
// (after the dataset's preprocessing).
func (d *Dataset) WritePreview(w io.Writer, rows int) error {
	rows = min(rows, d.Train.N)
	in, t := d.InputSize(), d.TargetDim
	shown := min(in, 6)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	var head []string
	for j := 0; j < shown; j++ {
		head = append(head, fmt.Sprintf("x[%d]", j))
	}
	if shown < in {
		head = append(head, fmt.Sprintf("…(%d inputs)", in))
	}
	for j := 0; j < t; j++ {
		head = append(head, fmt.Sprintf("y[%d]", j))
	}
	fmt.Fprintf(tw, "%s\t\n", strings.Join(head, "\t"))
	for i := 0; i < rows; i++ {
		var cells []string
		for j := 0; j < shown; j++ {
			cells = append(cells, fmt.Sprintf("%.4g", d.Train.X[i*in+j]))
		}
		if shown < in {
			cells = append(cells, "…")
		}
		for j := 0; j < t; j++ {
			cells = append(cells, fmt.Sprintf("%.4g", d.Train.Y[i*t+j]))
		}
		fmt.Fprintf(tw, "%s\t\n", strings.Join(cells, "\t"))
	}
	return tw.Flush()
}
