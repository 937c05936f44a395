package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// FileError reports a problem in an input file: which file, where in it
// (1-based row and column, 0 when not applicable), what is wrong and how to
// fix it.
type FileError struct {
	// File is the path of the offending file or directory.
	File string
	// Row and Col locate the problem (1-based line and field); 0 means
	// not applicable.
	Row, Col int
	// Problem says what is wrong.
	Problem string
	// Fix says what to do about it.
	Fix string
}

// Error implements error.
func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Row > 0 {
		fmt.Fprintf(&b, ": row %d", e.Row)
	}
	if e.Col > 0 {
		fmt.Fprintf(&b, ", column %d", e.Col)
	}
	b.WriteString(": ")
	b.WriteString(e.Problem)
	if e.Fix != "" {
		b.WriteString("; fix: ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// parseCell parses one numeric CSV cell, rejecting NaN and ±Inf.
func parseCell(file string, row, col int, cell string) (float64, error) {
	s := strings.TrimSpace(cell)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if s == "" {
			return 0, &FileError{File: file, Row: row, Col: col, Problem: "empty cell",
				Fix: "fill in the missing value or drop the row"}
		}
		return 0, &FileError{File: file, Row: row, Col: col, Problem: fmt.Sprintf("%q is not a number", cell),
			Fix: "every cell must be a decimal number (a header line is only allowed where the format has one)"}
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, &FileError{File: file, Row: row, Col: col, Problem: fmt.Sprintf("value %q is not finite", cell),
			Fix: "remove or impute rows with NaN/Inf before loading"}
	}
	return v, nil
}

// openCSV opens path for reading as CSV, with a clear error when it is
// missing or empty.
func openCSV(path, fix string) (*os.File, *csv.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, &FileError{File: path, Problem: "file not found", Fix: fix}
		}
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if st.IsDir() {
		f.Close()
		return nil, nil, &FileError{File: path, Problem: "is a directory, expected a CSV file", Fix: fix}
	}
	if st.Size() == 0 {
		f.Close()
		return nil, nil, &FileError{File: path, Problem: "file is empty",
			Fix: "the download or copy was probably interrupted; " + fix}
	}
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1 // row lengths are checked here, with better messages
	r.ReuseRecord = true
	return f, r, nil
}

// csvReadError wraps an encoding/csv error (bad quoting and the like) with
// the file name.
func csvReadError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FileError{File: path, Row: pe.Line, Col: pe.Column, Problem: pe.Err.Error(),
			Fix: "the file must be plain comma-separated numbers"}
	}
	return fmt.Errorf("%s: %w", path, err)
}

// ReadMuJoCoCSV reads a MuJoCo behaviour-cloning CSV in the paper's layout:
// no header, one sample per line, stateDim state columns followed by
// actionDim action columns. The states become the inputs X and the actions
// the targets Y.
func ReadMuJoCoCSV(path string, stateDim, actionDim int) (*Table, error) {
	fix := fmt.Sprintf("provide a header-less CSV with %d state columns then %d action columns per line", stateDim, actionDim)
	f, r, err := openCSV(path, fix)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cols := stateDim + actionDim
	tb := &Table{D: stateDim, T: actionDim}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvReadError(path, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(rec) != cols {
			return nil, &FileError{File: path, Row: line,
				Problem: fmt.Sprintf("%d columns, expected %d (%d state + %d action)", len(rec), cols, stateDim, actionDim),
				Fix:     "every line must have the same number of columns; repair or drop the ragged row, or check that this is the right dataset's file"}
		}
		for j, cell := range rec {
			v, err := parseCell(path, line, j+1, cell)
			if err != nil {
				if tb.N == 0 && j == 0 {
					err.(*FileError).Fix = "this format has no header line: delete it, and make every cell a number"
				}
				return nil, err
			}
			if j < stateDim {
				tb.X = append(tb.X, v)
			} else {
				tb.Y = append(tb.Y, v)
			}
		}
		tb.N++
	}
	if err := tb.check(path); err != nil {
		return nil, err
	}
	return tb, nil
}

// ReadSGEMMCSV reads the UCI "SGEMM GPU kernel performance" file
// sgemm_product.csv: a header line, then one kernel configuration per line.
// Columns whose name contains "(ms)" (Run1 (ms) … Run4 (ms)) are the
// targets; all others (the 14 kernel parameters) are the inputs. It returns
// the table and the input and target column names.
func ReadSGEMMCSV(path string) (tb *Table, inputs, targets []string, err error) {
	fix := "download it with `deepnrc data fetch sgemm`, or place the UCI file sgemm_product.csv there"
	f, r, err := openCSV(path, fix)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	head, err := r.Read()
	if err != nil {
		return nil, nil, nil, csvReadError(path, err)
	}
	var isTarget []bool
	for j, name := range head {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		t := strings.Contains(name, "(ms)")
		isTarget = append(isTarget, t)
		if _, perr := strconv.ParseFloat(name, 64); perr == nil {
			return nil, nil, nil, &FileError{File: path, Row: 1, Col: j + 1,
				Problem: fmt.Sprintf("header cell %q is a number: the header line is missing", name),
				Fix:     "the first line must name the columns (MWG,…,SB,Run1 (ms),…,Run4 (ms)) as in the UCI file"}
		}
		if t {
			targets = append(targets, name)
		} else {
			inputs = append(inputs, name)
		}
	}
	if len(targets) == 0 || len(inputs) == 0 {
		return nil, nil, nil, &FileError{File: path, Row: 1,
			Problem: fmt.Sprintf("header has %d input and %d target columns (targets are the columns whose name contains \"(ms)\")", len(inputs), len(targets)),
			Fix:     "use the UCI sgemm_product.csv, whose header ends in Run1 (ms),Run2 (ms),Run3 (ms),Run4 (ms)"}
	}
	cols := len(head)
	tb = &Table{D: len(inputs), T: len(targets)}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, nil, csvReadError(path, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != cols {
			return nil, nil, nil, &FileError{File: path, Row: line,
				Problem: fmt.Sprintf("%d columns, but the header names %d", len(rec), cols),
				Fix:     "repair or drop the ragged row (a truncated copy? fetch the file again)"}
		}
		for j, cell := range rec {
			v, err := parseCell(path, line, j+1, cell)
			if err != nil {
				return nil, nil, nil, err
			}
			if isTarget[j] {
				tb.Y = append(tb.Y, v)
			} else {
				tb.X = append(tb.X, v)
			}
		}
		tb.N++
	}
	if err := tb.check(path); err != nil {
		return nil, nil, nil, err
	}
	return tb, inputs, targets, nil
}
