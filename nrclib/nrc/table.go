package nrc

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable writes the report as an aligned text table, one row per
// layer, followed by the target stable ranks and the first collapsed layer
// with its rule. Values that need a missing weight print as "-".
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\twidth\tnoise\tCKA\tCKA proj\tCKA first-t\tWH align\tprobe MSE\tprobe MSE (paper)\tsrank H\tsrank H (paper)\tsrank W\t")
	opt := func(p *float64, format string) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf(format, *p)
	}
	for _, l := range r.Layers {
		fmt.Fprintf(tw, "%s\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%s\t%.4g\t%.4g\t%.3f\t%.3f\t%s\t\n",
			l.Name, l.Width, l.Noise, l.CKA, l.CKAProjected, l.CKAFirstT, opt(l.WHAlignment, "%.4f"),
			l.ProbeMSE, l.ProbeMSEPaper, l.StableRankH, l.StableRankHPaper, opt(l.StableRankW, "%.3f"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "N = %d samples, t = %d targets, rank k = %d\n", r.N, r.TargetDim, r.Rank)
	fmt.Fprintf(&b, "target stable rank: %.4f (Σλ/λ₁), %.4f (Σλ²/λ₁², the paper's convention)\n", r.TargetStableRank, r.TargetStableRankPaper)
	if r.ModelMSE != nil {
		fmt.Fprintf(&b, "model train MSE: %.4g\n", *r.ModelMSE)
	}
	if r.FirstCollapsed != nil {
		fmt.Fprintf(&b, "first collapsed layer: %s (%s)\n", *r.FirstCollapsed, r.Rule)
	} else {
		fmt.Fprintf(&b, "first collapsed layer: none (%s)\n", r.Rule)
	}
	for _, l := range r.Layers {
		for _, warn := range l.Warnings {
			fmt.Fprintf(&b, "warning: %s: %s\n", l.Name, warn)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
