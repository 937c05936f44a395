// Package numcsv reads CSV files of numbers the way people produce them:
// from NumPy, pandas, Excel or a text editor. It is the one CSV layer under
// `deepnrc measure` (package measure) and the dataset loaders (package
// data), so every CSV input gets the same treatment:
//
//   - a UTF-8 byte-order mark (Excel's "CSV UTF-8") is dropped;
//   - the separator is a comma, or a semicolon or tab when the first line
//     holds no comma (Delimiter reports which);
//   - lines end in LF, CRLF or, for files without any LF, a lone CR
//     (classic Mac); LineEndings reports which;
//   - blank and whitespace-only lines are skipped, and every record
//     carries its physical 1-based line number, blank lines counted;
//   - no line may exceed MaxLineBytes, so an endless line (a binary file,
//     /dev/zero) is an error instead of an out-of-memory crash;
//   - ParseNumber rejects NaN, ±Inf and values beyond float64's range with
//     a message that says which.
package numcsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// MaxLineBytes bounds the length of one line. A row of 500 000 values
// written with full float64 precision fits.
const MaxLineBytes = 64 << 20

// sniffBytes is how much of the file is inspected to choose the separator
// and the line endings.
const sniffBytes = 1 << 16

// ErrLineTooLong is wrapped by the error Read returns for a line longer
// than MaxLineBytes.
var ErrLineTooLong = errors.New("line too long")

// Reader reads the records of one numeric CSV stream.
type Reader struct {
	name   string
	closer io.Closer
	lim    *lineLimiter
	csv    *csv.Reader
	comma  rune
	ending string
	bom    bool
}

// Open opens the file at path. The caller must Close the Reader.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := NewReader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader reads CSV from src; name labels it in errors.
func NewReader(src io.Reader, name string) (*Reader, error) {
	br := bufio.NewReaderSize(src, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	r := &Reader{name: name, comma: ',', ending: "LF"}
	if bytes.HasPrefix(head, []byte("\uFEFF")) {
		r.bom = true
		br.Discard(3)
		head = head[3:]
	}
	var in io.Reader = br
	switch {
	case bytes.Contains(head, []byte("\r\n")):
		r.ending = "CRLF"
	case bytes.IndexByte(head, '\r') >= 0 && bytes.IndexByte(head, '\n') < 0:
		r.ending = "CR"
		in = crToLF{br}
	}
	first := head
	if i := bytes.IndexAny(head, "\r\n"); i >= 0 {
		first = head[:i]
	}
	switch {
	case bytes.IndexByte(first, ',') < 0 && bytes.IndexByte(first, ';') >= 0:
		r.comma = ';'
	case bytes.IndexByte(first, ',') < 0 && bytes.IndexByte(first, '\t') >= 0:
		r.comma = '\t'
	case bytes.IndexByte(first, ';') >= 0 && decimalCommaFields(string(first)):
		// "1,5;2,25": semicolons separate numbers written with decimal
		// commas (a European spreadsheet); ParseNumber then names them.
		r.comma = ';'
	}
	r.lim = &lineLimiter{r: in, limit: MaxLineBytes, line: 1}
	r.csv = csv.NewReader(r.lim)
	r.csv.Comma = r.comma
	r.csv.FieldsPerRecord = -1 // row lengths are the caller's to check, with better messages
	r.csv.TrimLeadingSpace = r.comma != '\t'
	return r, nil
}

// Name returns the name given to NewReader (the path for Open).
func (r *Reader) Name() string { return r.name }

// Delimiter returns the separator in use: ',', ';' or '\t'.
func (r *Reader) Delimiter() rune { return r.comma }

// DelimiterName describes the separator for messages: "commas",
// "semicolons" or "tabs".
func (r *Reader) DelimiterName() string {
	switch r.comma {
	case ';':
		return "semicolons"
	case '\t':
		return "tabs"
	}
	return "commas"
}

// LineEndings returns "LF", "CRLF" or "CR", as seen at the start of the
// file.
func (r *Reader) LineEndings() string { return r.ending }

// HadBOM reports whether the file started with a UTF-8 byte-order mark
// (which is not part of any cell).
func (r *Reader) HadBOM() bool { return r.bom }

// EndsWithNewline reports, once Read has returned io.EOF, whether the last
// byte of the stream was a line break. A file that ends inside a line may
// have been cut off while being written.
func (r *Reader) EndsWithNewline() bool { return r.lim.last == '\n' || r.lim.last == 0 }

// Read returns the next non-blank record and the physical 1-based line it
// starts on; io.EOF after the last. Parse errors are *csv.ParseError (with
// line and column); a line longer than MaxLineBytes wraps ErrLineTooLong.
func (r *Reader) Read() (rec []string, line int, err error) {
	for {
		rec, err = r.csv.Read()
		if err != nil {
			if errors.Is(err, ErrLineTooLong) {
				return nil, r.lim.line, err
			}
			return nil, 0, err
		}
		line, _ = r.csv.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank or whitespace-only line
		}
		return rec, line, nil
	}
}

// Close closes the file opened by Open (nothing for NewReader).
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

// ParseNumber parses one cell (surrounding spaces ignored) as a finite
// float64. The error says what is wrong: an empty cell, a value that is
// not a number (with a hint for decimal commas), NaN or ±Inf, or a number
// beyond float64's range.
func ParseNumber(cell string) (float64, error) {
	s := strings.TrimSpace(cell)
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case s == "":
		return 0, errors.New("empty cell")
	case errors.Is(err, strconv.ErrRange) && math.IsInf(v, 0):
		return 0, fmt.Errorf("%q is beyond float64's range (about ±1.8e308)", cell)
	case errors.Is(err, strconv.ErrRange):
		return v, nil // underflow: the nearest float64 (0 or subnormal) is right
	case err != nil:
		if strings.Count(s, ",") == 1 && !strings.ContainsAny(s, ".;") {
			if _, e := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64); e == nil {
				return 0, fmt.Errorf("%q is not a number: it uses a decimal comma; write decimals with a point (pandas: decimal='.')", cell)
			}
		}
		return 0, fmt.Errorf("%q is not a number", cell)
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("value %q is not finite", cell)
	}
	return v, nil
}

// IsNonFinite reports whether cell spells NaN or ±Inf (which ParseNumber
// refuses), so callers can give the NaN-specific fix.
func IsNonFinite(cell string) bool {
	v, err := strconv.ParseFloat(strings.TrimSpace(cell), 64)
	return err == nil && (math.IsNaN(v) || math.IsInf(v, 0))
}

// lineLimiter passes bytes through, failing when a line grows longer than
// limit, and tracks the current line and the last byte seen.
type lineLimiter struct {
	r     io.Reader
	limit int
	run   int // bytes since the last '\n'
	line  int
	last  byte
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, b := range p[:n] {
		if b == '\n' {
			l.run = 0
			l.line++
			continue
		}
		l.run++
		if l.run > l.limit {
			return 0, fmt.Errorf("line %d is longer than %d MiB without a line break: %w (not a text file of numbers? "+
				"a binary file or a device such as /dev/zero?)", l.line, l.limit>>20, ErrLineTooLong)
		}
	}
	if n > 0 {
		l.last = p[n-1]
	}
	return n, err
}

// crToLF turns lone CR line breaks into LF.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := range p[:n] {
		if p[i] == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// decimalCommaFields reports whether line, split at semicolons, is fields
// that are numbers once a decimal comma is read as a point.
func decimalCommaFields(line string) bool {
	fields := strings.Split(line, ";")
	for _, f := range fields {
		f = strings.Replace(strings.TrimSpace(f), ",", ".", 1)
		if _, err := strconv.ParseFloat(f, 64); err != nil {
			return false
		}
	}
	return len(fields) >= 2
}
