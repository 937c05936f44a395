//go:build unix

package measure

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
)

// npyHeader returns a version 1.0 .npy header for a float64 array of shape.
func npyHeader(shape string) []byte {
	h := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': %s, }", shape)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	return append([]byte{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, byte(len(h)), byte(len(h) >> 8)}, h...)
}

// servePipe creates a FIFO at path and writes content to it once a reader
// opens it.
func servePipe(t *testing.T, path string, content []byte) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip(err)
	}
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		f.Write(content)
		f.Close()
	}()
}

// A pipe whose header claims a huge shape is refused on the memory it
// would need, before anything of that size is allocated.
func TestLyingPipeHeaders(t *testing.T) {
	f := newFixture(t)
	t.Setenv("DEEPNRC_MEMORY", "1GiB")
	w := f.path("w.npy")
	servePipe(t, w, npyHeader("(100000000000, 8)"))
	_, err := f.measure(t, f.path("Y.npy"), f.path("H.npy"), w, 0)
	if err == nil || !strings.Contains(err.Error(), "over the memory budget") || !strings.Contains(err.Error(), "w.npy") {
		t.Errorf("weight pipe claiming (1e11, 8): %v", err)
	}
	h := f.path("h.npy")
	servePipe(t, h, npyHeader("(60, 200000)"))
	_, err = f.measure(t, f.path("Y.npy"), h, "", 0)
	if err == nil || !strings.Contains(err.Error(), "over the memory budget") || !strings.Contains(err.Error(), "d = 200000") {
		t.Errorf("features pipe claiming (60, 200000): %v", err)
	}
}
