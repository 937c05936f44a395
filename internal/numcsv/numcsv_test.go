package numcsv

import (
	"errors"
	"io"
	"strings"
	"testing"
)

type record struct {
	line  int
	cells string
}

func readAll(t *testing.T, content string) (*Reader, []record) {
	t.Helper()
	r, err := NewReader(strings.NewReader(content), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	var out []record
	for {
		rec, line, err := r.Read()
		if errors.Is(err, io.EOF) {
			return r, out
		}
		if err != nil {
			t.Fatalf("%q: %v", content, err)
		}
		out = append(out, record{line, strings.Join(rec, "|")})
	}
}

func TestDialects(t *testing.T) {
	for _, c := range []struct {
		name, content, delim, ending string
		bom, finalNewline            bool
	}{
		{"plain", "1,2\n3,4\n", "commas", "LF", false, true},
		{"bom", "\uFEFF1,2\n3,4\n", "commas", "LF", true, true},
		{"crlf", "1,2\r\n3,4\r\n", "commas", "CRLF", false, true},
		{"cr only", "1,2\r3,4\r", "commas", "CR", false, true},
		{"semicolons", "1;2\n3;4\n", "semicolons", "LF", false, true},
		{"tabs", "1\t2\n3\t4", "tabs", "LF", false, false},
		{"spaces after commas", "1, 2\n3,  4\n", "commas", "LF", false, true},
	} {
		r, recs := readAll(t, c.content)
		if len(recs) != 2 || recs[0] != (record{1, "1|2"}) || recs[1].line != 2 || strings.TrimSpace(strings.ReplaceAll(recs[1].cells, " ", "")) != "3|4" {
			t.Errorf("%s: records %v", c.name, recs)
		}
		if r.DelimiterName() != c.delim || r.LineEndings() != c.ending || r.HadBOM() != c.bom || r.EndsWithNewline() != c.finalNewline {
			t.Errorf("%s: delimiter %s, endings %s, BOM %v, final newline %v", c.name, r.DelimiterName(), r.LineEndings(), r.HadBOM(), r.EndsWithNewline())
		}
	}
}

// Blank and whitespace-only lines are skipped but counted.
func TestLineNumbersCountBlankLines(t *testing.T) {
	_, recs := readAll(t, "1,2\n\n\n   \n3,4\n\r\n5,6\n")
	want := []record{{1, "1|2"}, {5, "3|4"}, {7, "5|6"}}
	if len(recs) != len(want) {
		t.Fatalf("records %v, want %v", recs, want)
	}
	for i := range want {
		if recs[i] != want[i] {
			t.Errorf("record %d: %v, want %v", i, recs[i], want[i])
		}
	}
}

// zeros is an endless stream of NUL bytes, like /dev/zero.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestEndlessLineIsAnError(t *testing.T) {
	r, err := NewReader(io.MultiReader(strings.NewReader("1,2\n"), zeros{}), "zero.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Read(); err != nil {
		t.Fatalf("first line: %v", err)
	}
	_, line, err := r.Read()
	if !errors.Is(err, ErrLineTooLong) || line != 2 || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("endless line: line %d, %v", line, err)
	}
}

func TestParseNumber(t *testing.T) {
	for cell, want := range map[string]float64{"1.5": 1.5, " -2e3 ": -2000, "0x1p-3": 0.125, "1e-400": 0} {
		if v, err := ParseNumber(cell); err != nil || v != want {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v", cell, v, err, want)
		}
	}
	for cell, frag := range map[string]string{
		"": "empty cell", "abc": "not a number", "1,5": "decimal comma", "NaN": "not finite", "-inf": "not finite",
		"1e400": "beyond float64's range",
	} {
		if _, err := ParseNumber(cell); err == nil || !strings.Contains(err.Error(), frag) {
			t.Errorf("ParseNumber(%q) = %v, want an error with %q", cell, err, frag)
		}
	}
	if !IsNonFinite(" nan") || IsNonFinite("1") || IsNonFinite("x") {
		t.Error("IsNonFinite")
	}
}
