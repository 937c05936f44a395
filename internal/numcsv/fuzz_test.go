package numcsv

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzRead reads arbitrary bytes: records come with increasing physical
// line numbers within the input, or an error; never a panic.
func FuzzRead(f *testing.F) {
	for _, s := range []string{"1,2\n3,4\n", "\uFEFF1;2\r3;4", "a\tb\r\n1\t2\r\n", "\n\n1\n", "\"x\ny\",1\n", "1,5;2\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(bytes.NewReader(b), "f.csv")
		if err != nil {
			return
		}
		last := 0
		lines := bytes.Count(b, []byte("\n")) + bytes.Count(b, []byte("\r")) + 1
		for {
			rec, line, err := r.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				return
			}
			if len(rec) == 0 || line <= last || line > lines {
				t.Fatalf("record %q at line %d after line %d (input has at most %d lines)", rec, line, last, lines)
			}
			last = line
			for _, c := range rec {
				ParseNumber(c)
			}
		}
	})
}
