package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReproduceTableNeedsNoTraining(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runArgs(t, "reproduce", "--scale", "smoke", "--no-store", "--quiet", "--source", "standin", "--out", out, "table2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{"table2.json", "table2.html", "report.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	if !strings.Contains(stdout, "report: "+filepath.Join(out, "report.html")) {
		t.Errorf("stdout does not name the report:\n%s", stdout)
	}
}

func TestReproduceRejectsBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"reproduce", "--scale", "huge", "fig1"},
		{"reproduce", "--scale", "smoke", "fig10"},
	} {
		code, _, stderr := runArgs(t, args...)
		if code == 0 {
			t.Errorf("%v: exit 0", args)
		}
		if !strings.Contains(stderr, "deepnrc reproduce:") || !(strings.Contains(stderr, "unknown scale") || strings.Contains(stderr, "unknown experiment")) {
			t.Errorf("%v: unclear error %q", args, stderr)
		}
	}
}

// Temporary files that a killed write left in the output directory are
// removed by the next reproduce once they are stale.
func TestReproduceSweepsStaleTemps(t *testing.T) {
	out := t.TempDir()
	stale := filepath.Join(out, ".fig7.json.tmp-123")
	fresh := filepath.Join(out, ".fig8.json.tmp-456")
	mine := filepath.Join(out, "notes.txt")
	for _, p := range []string{stale, fresh, mine} {
		os.WriteFile(p, []byte("x"), 0o644)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	sweepOutTemps(out, time.Minute)
	if _, err := os.Stat(stale); err == nil {
		t.Error("stale temporary file kept")
	}
	for _, p := range []string{fresh, mine} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed", p)
		}
	}
}

// --stored-only trains nothing: it fails on a run the store lacks, naming
// it, and succeeds once the store has every run.
func TestReproduceStoredOnly(t *testing.T) {
	store := t.TempDir()
	args := []string{"reproduce", "--scale", "smoke", "--quiet", "--store", store, "--out", t.TempDir(), "fig9"}
	code, _, stderr := runArgs(t, append(args, "--stored-only")...)
	if code == 0 || !strings.Contains(stderr, "not finished in the run store") || !strings.Contains(stderr, "fig9/sgemm/wd=0") {
		t.Fatalf("an empty store with --stored-only: exit %d, %s", code, stderr)
	}
	if entries, _ := os.ReadDir(filepath.Join(store, "runs")); len(entries) != 0 {
		t.Errorf("--stored-only created %d run directories", len(entries))
	}
	if code, _, stderr := runArgs(t, args...); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := runArgs(t, append(args, "--stored-only")...); code != 0 {
		t.Errorf("a full store with --stored-only: %s", stderr)
	}
	if code, _, stderr := runArgs(t, append(args, "--stored-only", "--no-store")...); code == 0 || !strings.Contains(stderr, "--no-store") {
		t.Errorf("--stored-only --no-store: exit %d, %s", code, stderr)
	}
}
