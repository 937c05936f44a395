package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestNotebooksStripCheckAndList(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "..", "internal", "nbrun", "ipynb", "testdata", "executed-panic.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	nb := filepath.Join(dir, "exercises", "ex1.ipynb")
	if err := os.MkdirAll(filepath.Dir(nb), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nb, src, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if err := runNotebooks([]string{"strip", "--check", "--dir", dir}, &out, &errb); err == nil {
		t.Fatal("strip --check passed a notebook with outputs")
	}
	if after, _ := os.ReadFile(nb); !bytes.Equal(after, src) {
		t.Error("strip --check modified the notebook")
	}
	out.Reset()
	if err := runNotebooks([]string{"strip", "--dir", dir}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "stripped "+nb) {
		t.Errorf("strip output %q", out.String())
	}
	if err := runNotebooks([]string{"strip", "--check", "--dir", dir, "ex1"}, &out, &errb); err != nil {
		t.Errorf("strip --check after strip: %v", err)
	}
	out.Reset()
	if err := runNotebooks([]string{"list", "--dir", dir}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "exercises/ex1 ") || !strings.Contains(out.String(), "(3 code cells)") {
		t.Errorf("list output %q", out.String())
	}
	if err := runNotebooks([]string{"run", "--dir", dir, "--scale", "huge"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "unknown scale") {
		t.Errorf("bad scale: %v", err)
	}
	if err := runNotebooks([]string{"frob"}, &out, &errb); err == nil {
		t.Error("unknown subcommand accepted")
	}
}

func TestParseInterleaved(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	scale := fs.String("scale", "quick", "")
	names, err := parseInterleaved(fs, []string{"fig1", "--scale", "paper", "fig2"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names, []string{"fig1", "fig2"}) || *scale != "paper" {
		t.Errorf("names %q scale %q", names, *scale)
	}
}
