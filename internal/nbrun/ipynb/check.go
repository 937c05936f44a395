package ipynb

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Problem is one reason an executed notebook counts as failed.
type Problem struct {
	Cell   int    // index of the cell in the notebook (0-based); -1 for the whole notebook
	CellID string // the cell's id, when it has one
	Kind   string // one of the Kind* constants
	Detail string // the offending line or error message
}

// Kinds of Problem.
const (
	KindError  = "error"   // the kernel reported an error (compile error, failed go get, ...)
	KindPanic  = "panic"   // the cell's program panicked ("panic:" on stderr)
	KindExit   = "exit"    // the cell's program exited non-zero ("exit status" on stderr)
	KindNoSVG  = "no-svg"  // a figure was expected but no SVG was displayed
	KindNotRun = "not-run" // a code cell was never executed
)

func (p Problem) String() string {
	where := "notebook"
	if p.Cell >= 0 {
		where = fmt.Sprintf("cell %d", p.Cell)
		if p.CellID != "" {
			where += fmt.Sprintf(" (id %s)", p.CellID)
		}
	}
	return fmt.Sprintf("%s [%s] %s", where, p.Kind, p.Detail)
}

// Report is the outcome of checking an executed notebook.
type Report struct {
	Problems []Problem
	// SVGs counts the SVG figures displayed, over all cells.
	SVGs int
	// CodeCells and Executed count the code cells with source, and those of
	// them that carry an execution count.
	CodeCells, Executed int
}

// OK reports whether the notebook has no problem.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// ansi matches terminal colour escapes, which GoNB puts around cell line
// references in stack traces.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// stderrMarkers are the stderr substrings that mark a failed cell program:
// GoNB reports a runtime panic or a non-zero exit only as stderr text and
// still answers "ok" to Jupyter, so they must be found in the outputs.
var stderrMarkers = []struct{ marker, kind string }{
	{"panic:", KindPanic},
	{"exit status", KindExit},
}

// Check scans the outputs of an executed notebook. It reports error outputs,
// stderr streams that contain "panic:" or "exit status", code cells that were
// not executed, and missing SVG figures where the notebook or a cell declares
// {"deepnrc": {"expects_svg": true}}. It counts the SVGs displayed: a
// display_data or execute_result output with an image/svg+xml item or an HTML
// item that contains an <svg element (GoNB's DisplaySVG sends the latter).
func Check(nb *Notebook) *Report {
	r := &Report{}
	var notRun []string
	firstNotRun := -1
	for i, c := range nb.Cells {
		if c.Type != CodeCell {
			continue
		}
		add := func(kind, detail string) {
			r.Problems = append(r.Problems, Problem{Cell: i, CellID: c.ID, Kind: kind, Detail: detail})
		}
		if strings.TrimSpace(c.Source) != "" {
			r.CodeCells++
			if c.ExecutionCount != nil {
				r.Executed++
			} else {
				if firstNotRun < 0 {
					firstNotRun = i
				}
				notRun = append(notRun, strconv.Itoa(i))
			}
		}
		svgs := 0
		// A program's stderr may arrive in several stream outputs, split
		// anywhere (even inside "panic: msg"); scan it as one text.
		var stderr strings.Builder
		for _, o := range c.Outputs {
			switch o.Type {
			case "error":
				detail := strings.TrimSpace(o.EName + ": " + firstLine(o.EValue))
				add(KindError, ansi.ReplaceAllString(detail, ""))
			case "stream":
				if o.Name == "stderr" {
					stderr.WriteString(o.Text)
				}
			case "display_data", "execute_result":
				if hasSVG(o.Data) {
					svgs++
				}
			}
		}
		text := ansi.ReplaceAllString(stderr.String(), "")
		for _, m := range stderrMarkers {
			if line, ok := lineWith(text, m.marker); ok {
				add(m.kind, line)
			}
		}
		r.SVGs += svgs
		if svgs == 0 && ExpectsSVG(c.Metadata) {
			add(KindNoSVG, "the cell declares deepnrc.expects_svg but displayed no SVG")
		}
	}
	if len(notRun) > 0 {
		r.Problems = append(r.Problems, Problem{Cell: firstNotRun, CellID: nb.Cells[firstNotRun].ID, Kind: KindNotRun,
			Detail: fmt.Sprintf("code cell(s) %s have no execution count (execution stopped before them)", strings.Join(notRun, ", "))})
	}
	if r.SVGs == 0 && ExpectsSVG(nb.Metadata) {
		r.Problems = append(r.Problems, Problem{Cell: -1, Kind: KindNoSVG,
			Detail: "the notebook declares deepnrc.expects_svg but no cell displayed an SVG"})
	}
	// Report in cell order, whole-notebook problems last.
	sort.SliceStable(r.Problems, func(i, j int) bool {
		a, b := r.Problems[i].Cell, r.Problems[j].Cell
		if a < 0 || b < 0 {
			return b < 0 && a >= 0
		}
		return a < b
	})
	return r
}

func hasSVG(data map[string]string) bool {
	if _, ok := data["image/svg+xml"]; ok {
		return true
	}
	return strings.Contains(strings.ToLower(data["text/html"]), "<svg")
}

// lineWith returns the first line of text that contains marker.
func lineWith(text, marker string) (string, bool) {
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, marker) {
			return strings.TrimSpace(line), true
		}
	}
	return "", false
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
