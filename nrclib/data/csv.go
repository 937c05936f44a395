package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/deepnrc/deepnrc/internal/numcsv"
	"github.com/deepnrc/deepnrc/nrclib/membudget"
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
	v, err := numcsv.ParseNumber(cell)
	if err == nil {
		return v, nil
	}
	fe := &FileError{File: file, Row: row, Col: col, Problem: err.Error(),
		Fix: "every cell must be a decimal number (a header line is only allowed where the format has one)"}
	switch {
	case strings.TrimSpace(cell) == "":
		fe.Fix = "fill in the missing value or drop the row"
	case numcsv.IsNonFinite(cell):
		fe.Fix = "remove or impute rows with NaN/Inf before loading"
	case strings.Contains(err.Error(), "range"):
		fe.Fix = "rescale the column (values must lie within about ±1.8e308)"
	case strings.Contains(err.Error(), "decimal comma"):
		fe.Fix = "write decimals with a point (pandas: to_csv(decimal='.'))"
	}
	return 0, fe
}

// openCSV opens path for reading as numeric CSV (see internal/numcsv),
// with a clear error when it is missing, a directory or empty.
func openCSV(path, fix string) (*numcsv.Reader, int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, 0, &FileError{File: path, Problem: "file not found", Fix: fix}
		}
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	if st.IsDir() {
		return nil, 0, &FileError{File: path, Problem: "is a directory, expected a CSV file", Fix: fix}
	}
	if st.Size() == 0 {
		return nil, 0, &FileError{File: path, Problem: "file is empty",
			Fix: "the download or copy was probably interrupted; " + fix}
	}
	r, err := numcsv.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return r, st.Size(), nil
}

// csvReadError wraps an encoding/csv error (bad quoting and the like) with
// the file name.
func csvReadError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FileError{File: path, Row: pe.Line, Col: pe.Column, Problem: pe.Err.Error(),
			Fix: "the file must be plain comma-separated numbers"}
	}
	if errors.Is(err, numcsv.ErrLineTooLong) {
		return &FileError{File: path, Problem: err.Error(), Fix: "point the loader at the dataset's CSV file of numbers"}
	}
	return fmt.Errorf("%s: %w", path, err)
}

// checkTableMemory estimates, from the file size and its first record, the
// memory the table of a CSV file will take (float64 rows and float32
// splits) and refuses one over the budget of package membudget.
func checkTableMemory(path string, size int64, first []string) error {
	rowBytes := int64(len(first))
	for _, c := range first {
		rowBytes += int64(len(c))
	}
	rows := size/max(rowBytes, 1) + 1
	need := membudget.Mul(rows, int64(len(first)), 8+2*4)
	return membudget.Check(fmt.Sprintf("loading %s (about %d rows of %d values)", path, rows, len(first)), need,
		"load fewer rows: cut the file to the rows you need")
}

// ReadMuJoCoCSV reads a MuJoCo behaviour-cloning CSV in the paper's layout:
// no header, one sample per line, stateDim state columns followed by
// actionDim action columns. The states become the inputs X and the actions
// the targets Y.
func ReadMuJoCoCSV(path string, stateDim, actionDim int) (*Table, error) {
	fix := fmt.Sprintf("provide a header-less CSV with %d state columns then %d action columns per line", stateDim, actionDim)
	r, size, err := openCSV(path, fix)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cols := stateDim + actionDim
	tb := &Table{D: stateDim, T: actionDim}
	for {
		rec, line, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvReadError(path, err)
		}
		if tb.N == 0 {
			if err := checkTableMemory(path, size, rec); err != nil {
				return nil, err
			}
		}
		if len(rec) != cols {
			err := &FileError{File: path, Row: line,
				Problem: fmt.Sprintf("%d columns, expected %d (%d state + %d action)", len(rec), cols, stateDim, actionDim),
				Fix:     "every line must have the same number of columns; repair or drop the ragged row, or check that this is the right dataset's file"}
			if len(rec) == 1 {
				err.Fix = "separate the values with commas (this line holds no separator); " + err.Fix
			}
			return nil, err
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
	tb, inputs, targets, _, err = readSGEMM(path)
	return tb, inputs, targets, err
}

// sgemmEnd says how an SGEMM file ended: the line of its last row and
// whether a line break followed it.
type sgemmEnd struct {
	lastLine     int
	finalNewline bool
}

// readSGEMM is ReadSGEMMCSV also reporting how the file ended.
func readSGEMM(path string) (tb *Table, inputs, targets []string, end sgemmEnd, err error) {
	fix := "download it with `deepnrc data fetch sgemm`, or place the UCI file sgemm_product.csv there"
	r, size, err := openCSV(path, fix)
	if err != nil {
		return nil, nil, nil, end, err
	}
	defer r.Close()
	head, _, err := r.Read()
	if err != nil {
		return nil, nil, nil, end, csvReadError(path, err)
	}
	if err := checkTableMemory(path, size, head); err != nil {
		return nil, nil, nil, end, err
	}
	var isTarget []bool
	for j, name := range head {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		t := strings.Contains(name, "(ms)")
		isTarget = append(isTarget, t)
		if _, perr := strconv.ParseFloat(name, 64); perr == nil {
			return nil, nil, nil, end, &FileError{File: path, Row: 1, Col: j + 1,
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
		return nil, nil, nil, end, &FileError{File: path, Row: 1,
			Problem: fmt.Sprintf("header has %d input and %d target columns (targets are the columns whose name contains \"(ms)\")", len(inputs), len(targets)),
			Fix:     "use the UCI sgemm_product.csv, whose header ends in Run1 (ms),Run2 (ms),Run3 (ms),Run4 (ms)"}
	}
	cols := len(head)
	tb = &Table{D: len(inputs), T: len(targets)}
	lastLine := 1
	for {
		rec, line, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, nil, end, csvReadError(path, err)
		}
		lastLine = line
		if len(rec) != cols {
			return nil, nil, nil, end, &FileError{File: path, Row: line,
				Problem: fmt.Sprintf("%d columns, but the header names %d", len(rec), cols),
				Fix:     "repair or drop the ragged row (a truncated copy? fetch the file again)"}
		}
		for j, cell := range rec {
			v, err := parseCell(path, line, j+1, cell)
			if err != nil {
				return nil, nil, nil, end, err
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
		return nil, nil, nil, end, err
	}
	return tb, inputs, targets, sgemmEnd{lastLine: lastLine, finalNewline: r.EndsWithNewline()}, nil
}
