package measure

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/deepnrc/deepnrc/internal/numcsv"
)

// csvRows streams a numeric CSV file (see internal/numcsv for the dialects
// read). The first line is a header when it holds no numbers, or when it
// is pandas' default header 0,1,…,c−1 above rows that are not all
// integers; a pandas index column (a header whose first cell is empty, and
// a first column 0,1,2,…) is skipped. Each is reported in the notes.
type csvRows struct {
	path     string
	r        *numcsv.Reader
	cols     int  // values per row returned
	skipCol  bool // column 1 is pandas' index
	pending  [][]string
	lines    []int
	rows     int // data rows returned so far
	lastLine int
}

func openCSV(path string, notes *[]string) (*csvRows, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("measure: %w (check that the file and its directory exist)", err)
	} else if st.IsDir() {
		return nil, fmt.Errorf("measure: %s is a directory, not a CSV file", path)
	}
	r, err := numcsv.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, fmt.Errorf("measure: %w (check the permissions of the file and its directory)", err)
		}
		return nil, fmt.Errorf("measure: %w", err)
	}
	c := &csvRows{path: path, r: r}
	if err := c.readHead(notes); err != nil {
		r.Close()
		return nil, err
	}
	if r.Delimiter() != ',' {
		*notes = append(*notes, fmt.Sprintf("%s: values are separated by %s", path, r.DelimiterName()))
	}
	if r.LineEndings() == "CR" {
		*notes = append(*notes, fmt.Sprintf("%s: lines end in a lone CR (classic Mac line breaks)", path))
	}
	return c, nil
}

// readErr wraps a CSV read error with the file name.
func (c *csvRows) readErr(err error) error {
	return fmt.Errorf("measure: %s: %w", c.path, err)
}

// readHead reads the first one or two records and decides whether the
// first is a header.
func (c *csvRows) readHead(notes *[]string) error {
	first, line, err := c.r.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("measure: %s is empty: it needs one row per sample", c.path)
	}
	if err != nil {
		return c.readErr(err)
	}
	if strings.HasPrefix(strings.TrimSpace(first[0]), "#") {
		return fmt.Errorf("measure: %s line %d is a comment (%q): delete comment lines; only a single header row of column names is allowed",
			c.path, line, clip(strings.Join(first, string(c.r.Delimiter())), 40))
	}
	numeric := make([]bool, len(first))
	nNumeric := 0
	for j, cell := range first {
		if _, err := numcsv.ParseNumber(cell); err == nil {
			numeric[j] = true
			nNumeric++
		}
	}
	c.cols = len(first)
	switch {
	case len(first) >= 2 && strings.TrimSpace(first[0]) == "" && (nNumeric == 0 || isRange(first[1:])):
		// pandas' to_csv with its index: ",a,b" or ",0,1,…".
		c.skipCol, c.cols = true, len(first)-1
		*notes = append(*notes, fmt.Sprintf("%s: line %d is a header whose first cell is empty, as pandas writes its index column; "+
			"column 1 (the index 0, 1, 2, …) was skipped and not measured (save with df.to_csv(path, index=False) to avoid this)", c.path, line))
		return nil
	case nNumeric == 0:
		*notes = append(*notes, fmt.Sprintf("%s: line %d (%s) was read as a header of column names", c.path, line,
			clip(strings.Join(first, string(c.r.Delimiter())), 60)))
		return nil
	case nNumeric < len(first):
		for j, cell := range first {
			if !numeric[j] {
				_, perr := numcsv.ParseNumber(cell)
				return fmt.Errorf("measure: %s line %d, column %d: %v (a header row must name every column; a data row must hold only numbers)",
					c.path, line, j+1, perr)
			}
		}
	}
	if isRange(first) && len(first) >= 2 {
		// pandas' default header 0,1,…,c−1 (to_csv(index=False) of an
		// unnamed frame), unless the data below is integers too.
		second, line2, err := c.r.Read()
		if err != nil && !errors.Is(err, io.EOF) {
			return c.readErr(err)
		}
		if err == nil && !allIntegers(second) {
			*notes = append(*notes, fmt.Sprintf("%s: line %d (%s) was read as pandas' default column header, not as data", c.path, line,
				clip(strings.Join(first, string(c.r.Delimiter())), 60)))
			c.pending, c.lines = [][]string{second}, []int{line2}
			return nil
		}
		c.pending, c.lines = [][]string{first}, []int{line}
		if err == nil {
			c.pending, c.lines = append(c.pending, second), append(c.lines, line2)
		}
		return nil
	}
	c.pending, c.lines = [][]string{first}, []int{line}
	return nil
}

// isRange reports whether cells are exactly the integers 0, 1, 2, … .
func isRange(cells []string) bool {
	for j, cell := range cells {
		if strings.TrimSpace(cell) != strconv.Itoa(j) {
			return false
		}
	}
	return len(cells) > 0
}

// allIntegers reports whether every cell is written as an integer.
func allIntegers(cells []string) bool {
	for _, cell := range cells {
		if _, err := strconv.ParseInt(strings.TrimSpace(cell), 10, 64); err != nil {
			return false
		}
	}
	return true
}

// Cols returns the number of values per row.
func (c *csvRows) Cols() int { return c.cols }

// next returns the next record and its line.
func (c *csvRows) next() ([]string, int, error) {
	if len(c.pending) > 0 {
		rec, line := c.pending[0], c.lines[0]
		c.pending, c.lines = c.pending[1:], c.lines[1:]
		return rec, line, nil
	}
	return c.r.Read()
}

// ReadRows fills dst with whole rows; io.EOF at the end.
func (c *csvRows) ReadRows(dst []float64) (int, error) {
	limit := len(dst) / c.cols
	n := 0
	width := c.cols
	if c.skipCol {
		width++
	}
	for n < limit {
		rec, line, err := c.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, c.readErr(err)
		}
		c.lastLine = line
		if len(rec) != width {
			return n, fmt.Errorf("measure: %s line %d has %d columns, the first row has %d: every row needs the same number of values",
				c.path, line, len(rec), width)
		}
		if c.skipCol {
			if strings.TrimSpace(rec[0]) != strconv.Itoa(c.rows) {
				return n, fmt.Errorf("measure: %s line %d: column 1 holds %q where pandas' index would hold %d: the empty first header cell "+
					"marks an index column; if column 1 is data, give it a name in the header, if it is an index, save with index=False",
					c.path, line, rec[0], c.rows)
			}
			rec = rec[1:]
		}
		for j, cell := range rec {
			v, err := numcsv.ParseNumber(cell)
			if err != nil {
				col := j + 1
				if c.skipCol {
					col++
				}
				fix := ""
				if numcsv.IsNonFinite(cell) {
					fix = ": remove or impute non-finite values (drop the same rows from every file, or replace them) and measure again"
				}
				return n, fmt.Errorf("measure: %s line %d, column %d: %v%s", c.path, line, col, err, fix)
			}
			dst[n*c.cols+j] = v
		}
		n++
		c.rows++
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// endNotes returns remarks known once the file was read to its end.
func (c *csvRows) endNotes() []string {
	if c.rows > 0 && !c.r.EndsWithNewline() {
		return []string{fmt.Sprintf("%s does not end with a line break: if it was cut off while being written, its last row (line %d) may be incomplete", c.path, c.lastLine)}
	}
	return nil
}

func (c *csvRows) Close() error { return c.r.Close() }

// clip shortens s to at most n bytes for messages.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
