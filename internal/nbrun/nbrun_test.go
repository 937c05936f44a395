package nbrun

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deepnrc/deepnrc/nrclib/scale"
)

func touch(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func names(es []Entry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Name)
	}
	return out
}

func TestDiscover(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"fig1-collapse.ipynb", "fig10.ipynb", "00-tour.ipynb", "exercises/ex1-probe.ipynb",
		".ipynb_checkpoints/fig1-collapse-checkpoint.ipynb", "notes.md", "exercises/.hidden.ipynb"} {
		touch(t, filepath.Join(dir, f))
	}
	extra := filepath.Join(t.TempDir(), "elsewhere.ipynb")
	touch(t, extra)
	for _, tc := range []struct {
		sel  []string
		want []string
	}{
		{nil, []string{"00-tour", "exercises/ex1-probe", "fig1-collapse", "fig10"}},
		{[]string{"fig1-"}, []string{"fig1-collapse"}},
		{[]string{"fig1"}, []string{"fig1-collapse", "fig10"}}, // a prefix, so fig10 too
		{[]string{"exercises/"}, []string{"exercises/ex1-probe"}},
		{[]string{"ex1"}, []string{"exercises/ex1-probe"}},     // file-name prefix inside a folder
		{[]string{"00-tour.ipynb", "00"}, []string{"00-tour"}}, // no duplicates
		{[]string{extra}, []string{"elsewhere"}},
	} {
		got, err := Discover(dir, tc.sel)
		if err != nil {
			t.Errorf("Discover(%q): %v", tc.sel, err)
			continue
		}
		if !reflect.DeepEqual(names(got), tc.want) {
			t.Errorf("Discover(%q) = %q, want %q", tc.sel, names(got), tc.want)
		}
	}
	if _, err := Discover(dir, []string{"fig9"}); err == nil || !strings.Contains(err.Error(), `"fig9"`) {
		t.Errorf("unmatched name: err = %v", err)
	}
	if _, err := Discover(filepath.Join(dir, "missing"), nil); err == nil {
		t.Error("a missing notebooks directory gave no error")
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	src := t.TempDir()
	es := []Entry{{Name: "a", Path: filepath.Join(src, "a.ipynb")}}
	py := &Python{Path: "/nonexistent/python", Kernels: []string{"python3"}}
	for _, tc := range []struct {
		opt  Options
		want string
	}{
		{Options{Out: filepath.Join(src, "out"), Source: src, Python: py}, "inside the notebooks directory"},
		{Options{Out: src, Source: src, Python: py}, "inside the notebooks directory"},
		{Options{Out: t.TempDir(), Scale: "huge", Python: py}, "unknown scale"},
		{Options{Out: t.TempDir(), Timeout: -time.Second, Python: py}, "negative timeout"},
		{Options{Out: t.TempDir(), Python: py}, "go run ./kernel install"},
		{Options{Python: py}, "no output directory"},
	} {
		_, err := Run(context.Background(), es, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run(%+v): err = %v, want it to mention %q", tc.opt, err, tc.want)
		}
	}
	// An output directory next to the notebooks (not inside) is fine up to
	// the kernel check.
	_, err := Run(context.Background(), es, Options{Out: src + "-out", Source: src, Python: py})
	if err == nil || !strings.Contains(err.Error(), "no kernel named") {
		t.Errorf("sibling output dir: err = %v", err)
	}
}

// fakePython is a shell script standing in for a Python running nbexec.py:
// it checks that it got the script on stdin, then acts as $FAKE_MODE says.
const fakePython = `#!/bin/sh
script=$(cat)
case "$script" in *NotebookClient*) ;; *) echo "no script on stdin" >&2; exit 9;; esac
shift # the "-"
while [ $# -gt 1 ]; do
  case "$1" in
    --out-ipynb) out=$2; shift 2;;
    --out-html) html=$2; shift 2;;
    --cwd) cwd=$2; shift 2;;
    --pidfile) pidfile=$2; shift 2;;
    *) shift 2;;
  esac
done
echo "scale=$DEEPNRC_SCALE cwd=$cwd" >&2
case "$FAKE_MODE" in
  ok|panic) cp "$FAKE_NB" "$out"; echo "<html>" > "$html"; echo '{"status": "ok", "cell": -1, "message": ""}';;
  cellerror) cp "$FAKE_NB" "$out"; echo '{"status": "cell_error", "cell": 1, "message": "compile failed"}';;
  hang) sleep 300 & echo $! > "$FAKE_PIDFILE"
        setsid sleep 301 & echo $! > "$pidfile"; echo $! > "$FAKE_PIDFILE.kernel"; wait;;
  crash) echo "Traceback: boom" >&2; exit 1;;
esac
`

func fakeSetup(t *testing.T, mode, fixture string) (*Python, Entry) {
	t.Helper()
	dir := t.TempDir()
	py := filepath.Join(dir, "python")
	if err := os.WriteFile(py, []byte(fakePython), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_MODE", mode)
	if fixture != "" {
		abs, _ := filepath.Abs(filepath.Join("ipynb", "testdata", fixture))
		t.Setenv("FAKE_NB", abs)
	}
	nbDir := t.TempDir()
	src := filepath.Join(nbDir, "sub", "nb.ipynb")
	touch(t, src)
	return &Python{Path: py, Kernels: []string{"deepnrc"}}, Entry{Name: "sub/nb", Path: src}
}

func readSummary(t *testing.T, out string) Summary {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRunPassingNotebook(t *testing.T) {
	py, e := fakeSetup(t, "ok", "check-ok.ipynb")
	out := t.TempDir()
	var log strings.Builder
	rs, err := Run(context.Background(), []Entry{e}, Options{Out: out, Scale: scale.Smoke, Python: py, Log: &log})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, log.String())
	}
	r := rs[0]
	if !r.OK || r.SVGs != 2 || r.Cells != 3 || r.Ran != 3 {
		t.Errorf("result %+v", r)
	}
	if r.Output != filepath.Join(out, "sub", "nb.ipynb") || r.HTML != filepath.Join(out, "sub", "nb.html") {
		t.Errorf("outputs at %s and %s", r.Output, r.HTML)
	}
	logText, _ := os.ReadFile(r.Log)
	if want := "scale=smoke cwd=" + filepath.Dir(e.Path); !strings.Contains(string(logText), want) {
		t.Errorf("log %q does not contain %q", logText, want)
	}
	s := readSummary(t, out)
	if s.Failed != 0 || len(s.Results) != 1 || !s.Results[0].OK || s.Scale != scale.Smoke {
		t.Errorf("summary %+v", s)
	}
	if !strings.HasPrefix(log.String(), "ok   sub/nb") {
		t.Errorf("progress line %q", log.String())
	}
}

func TestRunFailingNotebooks(t *testing.T) {
	for _, tc := range []struct {
		mode, fixture string
		want          []string // substrings of the problems, in order
	}{
		// Jupyter saw success, but a cell panicked.
		{"panic", "executed-panic.ipynb", []string{"[panic] panic: deliberate", "[exit] exit status 2"}},
		// Execution stopped at cell 1; the fixture has the error output there.
		{"cellerror", "check-errors.ipynb", []string{"cell 0 (id p) [panic]", "[exit]", "cell 1 (id e) [error]", "[not-run]", "[no-svg]"}},
		// The script died without a result.
		{"crash", "", []string{"no executed notebook was written"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			py, e := fakeSetup(t, tc.mode, tc.fixture)
			out := t.TempDir()
			rs, err := Run(context.Background(), []Entry{e}, Options{Out: out, Python: py})
			if !errors.Is(err, ErrFailed) {
				t.Fatalf("err = %v, want ErrFailed", err)
			}
			r := rs[0]
			if r.OK {
				t.Errorf("result OK for a failing notebook")
			}
			text := strings.Join(r.Problems, "\n")
			for _, w := range tc.want {
				i := strings.Index(text, w)
				if i < 0 {
					t.Errorf("problems %q lack %q", r.Problems, w)
					continue
				}
				text = text[i+len(w):]
			}
			if s := readSummary(t, out); s.Failed != 1 {
				t.Errorf("summary.failed = %d", s.Failed)
			}
		})
	}
}

func TestRunTimeoutKillsProcessGroup(t *testing.T) {
	py, e := fakeSetup(t, "hang", "")
	pidfile := filepath.Join(t.TempDir(), "pid")
	t.Setenv("FAKE_PIDFILE", pidfile)
	old := killGrace
	killGrace = 0
	defer func() { killGrace = old }()
	start := time.Now()
	rs, err := Run(context.Background(), []Entry{e}, Options{Out: t.TempDir(), Python: py, Timeout: time.Second})
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("err = %v, want ErrFailed", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("Run took %v with a 1s timeout", d)
	}
	if !strings.Contains(rs[0].Message, "killed after") {
		t.Errorf("message %q", rs[0].Message)
	}
	// The script's child, and the "kernel" in a session of its own.
	for _, f := range []string{pidfile, pidfile + ".kernel"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
		deadline := time.Now().Add(5 * time.Second)
		for syscall.Kill(pid, 0) == nil && !isZombie(pid) {
			if time.Now().After(deadline) {
				syscall.Kill(pid, syscall.SIGKILL)
				t.Fatalf("process %d (%s) survived the timeout", pid, filepath.Base(f))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// isZombie reports whether pid has exited but was not reaped yet.
func isZombie(pid int) bool {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	// Format: pid (comm) state ...
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

func TestEmbeddedScriptParses(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH to parse nbexec.py with")
	}
	cmd := exec.Command(py, "-c", "import ast, sys; ast.parse(sys.stdin.read())")
	cmd.Stdin = strings.NewReader(nbexecScript)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("nbexec.py does not parse: %v\n%s", err, out)
	}
}

// A scale in any spelling reaches the notebooks canonical (scale.Parse), so
// that every notebook reads the same name; "" means quick.
func TestRunPassesCanonicalScale(t *testing.T) {
	for in, want := range map[scale.Scale]scale.Scale{" Smoke": scale.Smoke, "PAPER": scale.Paper, "": scale.Quick} {
		py, e := fakeSetup(t, "ok", "check-ok.ipynb")
		out := t.TempDir()
		rs, err := Run(context.Background(), []Entry{e}, Options{Out: out, Scale: in, Python: py})
		if err != nil {
			t.Fatalf("Run(scale %q): %v", in, err)
		}
		logText, _ := os.ReadFile(rs[0].Log)
		if !strings.Contains(string(logText), "scale="+string(want)+" ") {
			t.Errorf("scale %q: the notebook saw %q, want scale=%s", in, logText, want)
		}
		if s := readSummary(t, out); s.Scale != want {
			t.Errorf("scale %q: summary says %q, want %q", in, s.Scale, want)
		}
	}
}
