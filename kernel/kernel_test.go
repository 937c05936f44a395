package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goModEdit reads a go.mod with the go command itself (an independent parser).
func goModEdit(t *testing.T, dir string) (req map[string]string, repl map[string]string) {
	t.Helper()
	cmd := exec.Command("go", "mod", "edit", "-json")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod edit -json: %v", err)
	}
	var m struct {
		Require []struct{ Path, Version string }
		Replace []struct {
			Old struct{ Path string }
			New struct{ Path, Version string }
		}
	}
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	req, repl = map[string]string{}, map[string]string{}
	for _, r := range m.Require {
		req[r.Path] = r.Version
	}
	for _, r := range m.Replace {
		repl[r.Old.Path] = r.New.Path
	}
	return req, repl
}

func TestLinkModule(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), "module github.com/deepnrc/deepnrc\n\ngo 1.26\n\nrequire gonum.org/v1/gonum v0.17.0\n")
	write(t, filepath.Join(root, "go.sum"), "gonum.org/v1/gonum v0.17.0 h1:AAA=\ngonum.org/v1/gonum v0.17.0/go.mod h1:BBB=\n")
	cell := t.TempDir()
	write(t, filepath.Join(cell, "go.mod"), "module gonb_1234abcd\n\ngo 1.26.8\n")
	write(t, filepath.Join(cell, "go.sum"), "example.com/x v1.0.0 h1:XXX=\ngonum.org/v1/gonum v0.17.0 h1:AAA=\n")

	if err := linkModule(cell, root); err != nil {
		t.Fatal(err)
	}
	req, repl := goModEdit(t, cell)
	if req[modulePath] != "v0.0.0" || repl[modulePath] != root {
		t.Errorf("go.mod requires %v, replaces %v; want %s v0.0.0 => %s", req, repl, modulePath, root)
	}
	sum, _ := os.ReadFile(filepath.Join(cell, "go.sum"))
	want := "example.com/x v1.0.0 h1:XXX=\ngonum.org/v1/gonum v0.17.0 h1:AAA=\ngonum.org/v1/gonum v0.17.0/go.mod h1:BBB=\n"
	if string(sum) != want {
		t.Errorf("go.sum =\n%s\nwant\n%s", sum, want)
	}

	// Idempotent: a second call changes nothing.
	before, _ := os.ReadFile(filepath.Join(cell, "go.mod"))
	if err := linkModule(cell, root); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(cell, "go.mod"))
	if !bytes.Equal(before, after) {
		t.Errorf("second linkModule changed go.mod:\n%s\n->\n%s", before, after)
	}

	// A replace the user set is respected; only the require is added.
	user := t.TempDir()
	write(t, filepath.Join(user, "go.mod"), "module gonb_x\n\ngo 1.26\n\nreplace github.com/deepnrc/deepnrc => /my/fork\n")
	if err := linkModule(user, root); err != nil {
		t.Fatal(err)
	}
	req, repl = goModEdit(t, user)
	if req[modulePath] != "v0.0.0" || repl[modulePath] != "/my/fork" {
		t.Errorf("user replace: requires %v, replaces %v", req, repl)
	}

	// The deepnrc module itself is never edited.
	self := t.TempDir()
	write(t, filepath.Join(self, "go.mod"), "module github.com/deepnrc/deepnrc\n\ngo 1.26\n")
	if err := linkModule(self, root); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(self, "go.mod")); strings.Contains(string(data), "replace") {
		t.Errorf("linkModule edited the deepnrc module itself:\n%s", data)
	}

	if err := linkModule(t.TempDir(), root); err == nil {
		t.Error("linkModule without a go.mod succeeded")
	}
}

func TestLaunchEnv(t *testing.T) {
	env := launchEnv([]string{"HOME=/h", "PATH=/usr/bin:/bin", "DEEPNRC_ROOT=/stale"}, "/k", "/src/deepnrc")
	want := map[string]string{"HOME": "/h", "PATH": "/k/bin:/usr/bin:/bin", envRoot: "/src/deepnrc",
		envKernelDir: "/k", envNoInstall: "1"}
	got := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := got[k]; dup {
			t.Errorf("%s set twice", k)
		}
		got[k] = v
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s=%q, want %q", k, got[k], v)
		}
	}
	env = launchEnv([]string{"GOMLX_NO_AUTO_INSTALL=0"}, "/k", "/r")
	for _, kv := range env {
		if kv == "GOMLX_NO_AUTO_INSTALL=1" {
			t.Error("launchEnv overrode the caller's GOMLX_NO_AUTO_INSTALL")
		}
		if strings.HasPrefix(kv, "PATH=") && kv != "PATH=/k/bin" {
			t.Errorf("without PATH: %s", kv)
		}
	}
}

func TestCheckRoot(t *testing.T) {
	dir := t.TempDir()
	if err := checkRoot(dir); err == nil || !strings.Contains(err.Error(), "kernel install") {
		t.Errorf("missing go.mod: err = %v", err)
	}
	write(t, filepath.Join(dir, "go.mod"), "module example.com/other\n")
	if err := checkRoot(dir); err == nil {
		t.Error("another module accepted")
	}
	write(t, filepath.Join(dir, "go.mod"), "module github.com/deepnrc/deepnrc\n")
	if err := checkRoot(dir); err != nil {
		t.Error(err)
	}
}

func TestUninstall(t *testing.T) {
	data := t.TempDir()
	dir, removed, err := uninstall(data)
	if err != nil || removed || dir != filepath.Join(data, "kernels", kernelName) {
		t.Errorf("uninstall of nothing = %s, %v, %v", dir, removed, err)
	}
	// A kernel directory we did not create is left alone.
	write(t, filepath.Join(data, "kernels", kernelName, "kernel.json"), "{}")
	if _, _, err := uninstall(data); err == nil || !strings.Contains(err.Error(), "by hand") {
		t.Errorf("foreign kernel dir: err = %v", err)
	}
	write(t, filepath.Join(data, "kernels", kernelName, launcherName), "")
	if _, removed, err := uninstall(data); err != nil || !removed {
		t.Errorf("uninstall = %v, %v", removed, err)
	}
	if _, err := os.Stat(filepath.Join(data, "kernels", kernelName)); !os.IsNotExist(err) {
		t.Errorf("kernel dir still there: %v", err)
	}
}

func TestRunUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"frobnicate"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "install") {
		t.Errorf("unknown command: code %d, stderr %q", code, errb.String())
	}
	if code := run(nil, &out, &errb); code != 2 {
		t.Errorf("no command: code %d", code)
	}
	if code := run([]string{"launch"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "connection_file") {
		t.Errorf("bare launch: code %d, stderr %q", code, errb.String())
	}
}
