// Command gen writes deepnrc's classroom exercise notebooks: for each
// exercise a student notebook, notebooks/exercises/NN-name.ipynb, whose
// answer cells hold TODOs, and a solutions notebook,
// notebooks/exercises/solutions/NN-name.ipynb, with the reference answers in
// those cells and every check in strict mode. Both come from the one cell
// list below, so they cannot drift apart.
//
// Usage, from the repository root:
//
//	go run ./notebooks/exercises/gen            # (re)write the notebooks
//	go run ./notebooks/exercises/gen -check     # fail if they are out of date
//	go run ./notebooks/exercises/gen -verify notebooks-out/exercises
//
// -verify reads the executed copies that `deepnrc notebooks run` wrote under
// the given directory and checks what the notebook runner cannot: that every
// check of a solutions notebook printed "✓ … correct" and that every check of
// a student notebook printed "✗ … not yet" (the TODOs left in place).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/deepnrc/deepnrc/internal/nbrun/ipynb"
)

func main() {
	dir := flag.String("dir", "notebooks/exercises", "the exercises directory to write (solutions go to DIR/solutions)")
	check := flag.Bool("check", false, "do not write: fail when a notebook on disk differs from what gen would write")
	verify := flag.String("verify", "", "check the executed notebooks under this directory (the exercises folder of `deepnrc notebooks run --out`)")
	flag.Parse()
	if err := run(*dir, *check, *verify, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string, check bool, verify string, out io.Writer) error {
	if verify != "" {
		return verifyExecuted(verify, out)
	}
	files, err := render()
	if err != nil {
		return err
	}
	var stale []string
	for rel, data := range files {
		path := filepath.Join(dir, rel)
		if check {
			old, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(old, data) {
				stale = append(stale, path)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := ipynb.WriteFileAtomic(path, data); err != nil {
			return err
		}
		fmt.Fprintln(out, "wrote", path)
	}
	if len(stale) > 0 {
		return fmt.Errorf("%d notebook(s) out of date: %s; run `go run ./notebooks/exercises/gen` and commit the result", len(stale), strings.Join(stale, ", "))
	}
	return nil
}

// render returns every notebook's bytes keyed by its path relative to the
// exercises directory.
func render() (map[string][]byte, error) {
	files := map[string][]byte{}
	all, err := exercises()
	if err != nil {
		return nil, err
	}
	for _, ex := range all {
		for _, sol := range []bool{false, true} {
			nb := ex.notebook(sol)
			data, err := nb.Marshal()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", ex.file, err)
			}
			rel := ex.file + ".ipynb"
			if sol {
				rel = "solutions/" + rel
			}
			files[rel] = data
		}
	}
	return files, nil
}

// cell is one notebook cell: markdown, shared code, or an answer cell with a
// student (TODO) and a solution variant.
type cell struct {
	markdown string
	code     string
	student  string
	solution string
	svg      bool
}

func md(s string) cell   { return cell{markdown: strings.TrimSpace(s)} }
func code(s string) cell { return cell{code: strings.TrimSpace(s)} }
func fig(s string) cell  { return cell{code: strings.TrimSpace(s), svg: true} }
func answer(student, solution string) cell {
	return cell{student: strings.TrimSpace(student), solution: strings.TrimSpace(solution)}
}

// notebookPair is one exercise: a student notebook and its solutions notebook.
type notebookPair struct {
	file  string // e.g. "01-by-hand"
	title string
	cells []cell
	// checks are the check ids the notebook calls, in order.
	checks []string
}

// notebook builds the student notebook, or with solution the solutions
// notebook. Cell ids derive from the file name and position, so that
// regenerating gives identical files.
func (ex notebookPair) notebook(solution bool) *ipynb.Notebook {
	var cells []ipynb.Cell
	add := func(c ipynb.Cell) {
		c.ID = fmt.Sprintf("%s-%02d", strings.SplitN(ex.file, "-", 2)[0], len(cells))
		cells = append(cells, c)
	}
	if solution {
		add(ipynb.Markdown(fmt.Sprintf("# %s — reference solutions\n\n"+
			"This is the teacher's copy of `%s.ipynb`: every TODO is filled in with a reference answer. "+
			"The next cell puts the checks in strict mode, so a check that is not correct fails the cell "+
			"(CI runs this notebook to prove the reference answers pass).", ex.title, ex.file)))
		add(ipynb.Code("%env DEEPNRC_EXERCISE_EXPECT=correct"))
	}
	for _, c := range ex.cells {
		switch {
		case c.markdown != "":
			add(ipynb.Markdown(c.markdown))
		case c.code != "":
			cc := ipynb.Code(c.code)
			if c.svg {
				cc = cc.ExpectSVG()
			}
			add(cc)
		case solution:
			add(ipynb.Code(c.solution))
		default:
			add(ipynb.Code(c.student))
		}
	}
	nb := ipynb.New(cells...)
	for _, c := range ex.cells {
		if c.svg {
			return nb.ExpectSVG()
		}
	}
	return nb
}

// resultLine matches a check's printed result.
var resultLine = regexp.MustCompile(`(?m)^(✓|✗) ([a-z0-9-]+): (correct|not yet)`)

// verifyExecuted checks the printed check results of executed notebooks.
func verifyExecuted(dir string, out io.Writer) error {
	all, err := exercises()
	if err != nil {
		return err
	}
	var problems []string
	for _, ex := range all {
		for _, sol := range []bool{false, true} {
			rel := ex.file + ".ipynb"
			if sol {
				rel = filepath.Join("solutions", rel)
			}
			nb, err := ipynb.Read(filepath.Join(dir, rel))
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			seen := map[string]string{}
			for _, c := range nb.Cells {
				for _, o := range c.Outputs {
					if o.Type != "stream" || o.Name != "stdout" {
						continue
					}
					for _, m := range resultLine.FindAllStringSubmatch(o.Text, -1) {
						seen[m[2]] = m[3]
					}
				}
			}
			for _, id := range ex.checks {
				want := "not yet"
				if sol {
					want = "correct"
				}
				got, ok := seen[id]
				switch {
				case !ok:
					problems = append(problems, fmt.Sprintf("%s: check %s printed no result", rel, id))
				case got != want:
					problems = append(problems, fmt.Sprintf("%s: check %s says %q, want %q", rel, id, got, want))
				}
			}
			fmt.Fprintf(out, "%s: %d checks verified\n", rel, len(ex.checks))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}
