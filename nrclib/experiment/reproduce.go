package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// ReportFile is the name of the combined HTML report Reproduce writes.
const ReportFile = "report.html"

// ResolveIDs checks experiment IDs (case-insensitive; "all" or none means
// every experiment) and returns them in the paper's order, without
// duplicates.
func ResolveIDs(ids []string) ([]string, error) {
	if len(ids) == 0 {
		return IDs(), nil
	}
	want := map[string]bool{}
	for _, id := range ids {
		id = strings.ToLower(strings.TrimSpace(id))
		if id == "all" {
			return IDs(), nil
		}
		if !slices.Contains(IDs(), id) {
			return nil, fmt.Errorf("experiment: unknown experiment %q; known: %s (or all)", id, strings.Join(IDs(), ", "))
		}
		want[id] = true
	}
	var out []string
	for _, id := range IDs() {
		if want[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// Reproduce runs the experiments ids at scale s and writes, into outDir,
// each one's files (see Result.WriteFiles) and one combined HTML report
// (ReportFile) covering these results and those of any other experiment
// whose files an earlier Reproduce left in outDir. Progress lines go to
// log (nil for none), ending with "report: <path>" once the report is
// written. An experiment that fails (a run that diverges, data that
// cannot be read) does not stop the others: its error is logged, the
// report covers those done, and Reproduce returns every failure joined.
// Cancelling c stops at once.
func Reproduce(c context.Context, ids []string, s scale.Scale, outDir string, opt Options, log io.Writer) ([]*Result, error) {
	ids, err := ResolveIDs(ids)
	if err != nil {
		return nil, err
	}
	runner, err := runs.NewRunner(opt)
	if err != nil {
		return nil, err
	}
	var results []*Result
	var runErr error
	for _, id := range ids {
		spec, err := Get(id, s)
		if err != nil {
			return nil, err
		}
		if log != nil {
			fmt.Fprintf(log, "== %s (%s scale): %s\n", spec.Paper, s, spec.Title)
		}
		res, err := RunWith(c, spec, runner)
		if err != nil {
			runErr = errors.Join(runErr, err)
			if log != nil {
				fmt.Fprintf(log, "   %s failed: %v\n", id, err)
			}
			if c.Err() != nil {
				break
			}
			continue
		}
		if err := res.WriteFiles(outDir); err != nil {
			return results, err
		}
		results = append(results, res)
		if log != nil {
			holds := 0
			for _, o := range res.Outcomes {
				if o.Holds {
					holds++
				}
			}
			fmt.Fprintf(log, "   %s done in %s: %d of %d claims hold; wrote %s.*\n", id, res.Elapsed.Round(time.Millisecond),
				holds, len(res.Outcomes), filepath.Join(outDir, id))
		}
	}
	if len(results) > 0 {
		title := fmt.Sprintf("deepnrc reproduction of Deep Neural Regression Collapse (%s scale)", s)
		all, notes := withResultsInDir(outDir, results)
		if err := WriteReport(filepath.Join(outDir, ReportFile), all, title); err != nil {
			return results, err
		}
		if log != nil {
			for _, n := range notes {
				fmt.Fprintf(log, "   note: %s\n", n)
			}
			fmt.Fprintf(log, "report: %s (%d experiments)\n", filepath.Join(outDir, ReportFile), len(all))
		}
	}
	return results, runErr
}
