package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deepnrc/deepnrc/internal/jupyterdeps"
	"github.com/deepnrc/deepnrc/internal/nbrun"
	"github.com/deepnrc/deepnrc/internal/nbrun/ipynb"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// TestInstallRunUninstall installs the kernel into a temporary
// JUPYTER_DATA_DIR, runs the testdata notebooks from a directory outside the
// checkout (they import nrclib/stats with no setup cell), checks a value
// computed in a cell, the SVG, DEEPNRC_SCALE and the detection of a
// panicking cell, then uninstalls.
func TestInstallRunUninstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds GoNB and runs Jupyter; skipped with -short")
	}
	if _, err := exec.LookPath("jupyter"); err != nil {
		t.Skip("Jupyter is not installed; to run this test: apt-get install -y --no-install-recommends " + jupyterdeps.AptPackages)
	}
	if _, err := nbrun.FindPython(); err != nil {
		t.Skipf("no Python with nbclient: %v", err)
	}
	data := t.TempDir()
	t.Setenv("JUPYTER_DATA_DIR", data)

	start := time.Now()
	dir, err := install(installOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("install: %v", time.Since(start).Round(100*time.Millisecond))
	if dir != filepath.Join(data, "kernels", kernelName) {
		t.Errorf("installed in %s", dir)
	}
	for _, f := range []string{launcherName, "libexec/gonb", "libexec/goimports"} {
		st, err := os.Lstat(filepath.Join(dir, f))
		if err != nil || !st.Mode().IsRegular() || st.Mode()&0o111 == 0 {
			t.Errorf("%s: not an executable regular file in the kernel dir (%v)", f, err)
		}
	}
	spec, _ := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if !bytes.Contains(spec, []byte(`"display_name": "Go (deepnrc)"`)) || !bytes.Contains(spec, []byte(filepath.Join(dir, launcherName))) {
		t.Errorf("kernel.json:\n%s", spec)
	}

	nbDir := t.TempDir()
	for _, f := range []string{"stats-ok.ipynb", "panics.ipynb"} {
		src, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(nbDir, f), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := nbrun.Discover(nbDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	py, err := nbrun.FindPython() // after install, so it sees the kernel
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	out := t.TempDir()
	results, err := nbrun.Run(context.Background(), entries, nbrun.Options{
		Out: out, Source: nbDir, Scale: scale.Smoke, Timeout: 5 * time.Minute, Python: py, Log: &log,
	})
	t.Logf("runner output:\n%s", log.String())
	if !errors.Is(err, nbrun.ErrFailed) {
		t.Fatalf("Run error = %v, want ErrFailed (panics.ipynb must fail)", err)
	}
	byName := map[string]*nbrun.Result{}
	for _, r := range results {
		byName[r.Name] = r
	}

	ok := byName["stats-ok"]
	if ok == nil || !ok.OK || ok.SVGs != 1 {
		t.Fatalf("stats-ok: %+v", ok)
	}
	nb, err := ipynb.Read(ok.Output)
	if err != nil {
		t.Fatal(err)
	}
	var stdout string
	for _, o := range nb.Cells[1].Outputs {
		if o.Name == "stdout" {
			stdout += o.Text
		}
	}
	// Σ_HY of h = 1,2,3,4 and y = 2h: mean((h-2.5)(y-5)) = 10/4.
	if !strings.Contains(stdout, "covHY=2.5\n") || !strings.Contains(stdout, "scale=smoke\n") {
		t.Errorf("stats cell stdout = %q, want covHY=2.5 and scale=smoke", stdout)
	}
	if html, _ := os.ReadFile(ok.HTML); !bytes.Contains(html, []byte("<svg")) {
		t.Errorf("HTML export %s has no <svg>", ok.HTML)
	}

	bad := byName["panics"]
	if bad == nil || bad.OK {
		t.Fatalf("panics: %+v", bad)
	}
	if p := strings.Join(bad.Problems, "\n"); !strings.Contains(p, "[panic] panic: deliberate failure for the runner test") {
		t.Errorf("panics problems = %q", bad.Problems)
	}

	var so, se bytes.Buffer
	if code := run([]string{"uninstall"}, &so, &se); code != 0 {
		t.Fatalf("uninstall: %d %s", code, se.String())
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("kernel dir remains after uninstall: %v", err)
	}
	// Jupyter may still list a "deepnrc" kernel installed for the user
	// (JUPYTER_DATA_DIR comes first on its path but does not hide
	// ~/.local/share/jupyter); it must not be the one removed.
	list, _ := exec.Command("jupyter", "kernelspec", "list", "--json").Output()
	if bytes.Contains(list, []byte(`"`+dir+`"`)) {
		t.Errorf("Jupyter still lists the removed kernel in %s:\n%s", dir, list)
	}
}

// TestMakeKernelUserDataDir follows the README from a clean account: with
// a fresh HOME and no Jupyter or deepnrc variables set, `make kernel`
// installs the kernel into the user's Jupyter data directory, where `jupyter
// kernelspec list` finds it, and `deepnrc doctor` then passes with the
// notebooks ready. Only the Go caches are kept, so that nothing is
// downloaded again.
func TestMakeKernelUserDataDir(t *testing.T) {
	if testing.Short() {
		t.Skip("builds GoNB and runs Jupyter; skipped with -short")
	}
	for _, tool := range []string{"jupyter", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed; to run this test: apt-get install -y --no-install-recommends make %s", tool, jupyterdeps.AptPackages)
		}
	}
	root, err := moduleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	for _, v := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GOFLAGS", "GONOSUMDB", "GOTOOLCHAIN"} {
		out, err := exec.Command("go", "env", v).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", v, err)
		}
		if val := strings.TrimSpace(string(out)); val != "" {
			env = append(env, v+"="+val)
		}
	}
	runIn := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = root, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	start := time.Now()
	out, err := runIn("make", "kernel")
	if err != nil {
		t.Fatalf("make kernel: %v\n%s", err, out)
	}
	t.Logf("make kernel: %v", time.Since(start).Round(100*time.Millisecond))
	want := filepath.Join(home, ".local", "share", "jupyter", "kernels", kernelName)
	if !strings.Contains(out, "installed Jupyter kernel") || !strings.Contains(out, want) {
		t.Errorf("make kernel did not report an install in %s:\n%s", want, out)
	}

	list, err := runIn("jupyter", "kernelspec", "list")
	if err != nil {
		t.Fatalf("jupyter kernelspec list: %v\n%s", err, list)
	}
	found := false
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == kernelName && f[1] == want {
			found = true
		}
	}
	if !found {
		t.Fatalf("jupyter kernelspec list does not show %s at %s:\n%s", kernelName, want, list)
	}

	doc, err := runIn("go", "run", "./cmd/deepnrc", "doctor")
	if err != nil {
		t.Fatalf("deepnrc doctor failed after make kernel: %v\n%s", err, doc)
	}
	for _, w := range []string{"[ok]        deepnrc kernel  deepnrc at " + want, "notebooks:    ready", "all required checks OK"} {
		if !strings.Contains(doc, w) {
			t.Errorf("doctor output lacks %q:\n%s", w, doc)
		}
	}
}
