package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/deepnrc/deepnrc/internal/atomicfile"
	"github.com/deepnrc/deepnrc/internal/jupyterdeps"
)

// installOptions configures install.
type installOptions struct {
	// Root is the deepnrc checkout that notebooks will import; empty means
	// the module containing the current directory.
	Root string
	// DataDir is the Jupyter data directory; empty means JUPYTER_DATA_DIR,
	// else `jupyter --data-dir`.
	DataDir string
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// kernelSpec is the kernel.json file Jupyter reads.
type kernelSpec struct {
	Argv          []string       `json:"argv"`
	DisplayName   string         `json:"display_name"`
	Language      string         `json:"language"`
	InterruptMode string         `json:"interrupt_mode"`
	Metadata      map[string]any `json:"metadata,omitempty"`
}

// installInfo is install.json: what an install put in the kernel directory.
type installInfo struct {
	Root      string    `json:"root"`
	Module    string    `json:"module"`
	GoNB      string    `json:"gonb_version"`
	XTools    string    `json:"goimports_x_tools_version"`
	Go        string    `json:"go_version"`
	Installed time.Time `json:"installed"`
}

// errNoJupyter explains how to get Jupyter when it is missing.
var errNoJupyter = errors.New("Jupyter is not installed (no working `jupyter` command on PATH); " +
	"on Debian/Ubuntu install it with:\n\tapt-get install -y --no-install-recommends " + jupyterdeps.AptPackages +
	"\n(or set JUPYTER_DATA_DIR to choose where the kernel goes once Jupyter is available)")

// jupyterDataDir returns the Jupyter data directory: $JUPYTER_DATA_DIR when
// set, else what `jupyter --data-dir` prints. With needJupyter, a missing
// Jupyter is an error even when JUPYTER_DATA_DIR is set; without it, a
// missing Jupyter falls back to ~/.local/share/jupyter (enough to uninstall).
func jupyterDataDir(needJupyter bool) (string, error) {
	var jupyterErr error
	if _, err := exec.LookPath("jupyter"); err != nil {
		jupyterErr = errNoJupyter
	} else if out, err := exec.Command("jupyter", "kernelspec", "list", "--json").CombinedOutput(); err != nil {
		jupyterErr = fmt.Errorf("`jupyter kernelspec list` failed (%v: %s); jupyter-client seems missing or broken: %w",
			err, bytes.TrimSpace(out), errNoJupyter)
	}
	if needJupyter && jupyterErr != nil {
		return "", jupyterErr
	}
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return filepath.Abs(d)
	}
	if jupyterErr == nil {
		out, err := exec.Command("jupyter", "--data-dir").Output()
		if err == nil && len(bytes.TrimSpace(out)) > 0 {
			return filepath.Abs(string(bytes.TrimSpace(out)))
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the Jupyter data directory (%v); set JUPYTER_DATA_DIR", err)
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// goList runs `go list -m -f format args...` in dir and returns its trimmed output.
func goList(dir, format string, args ...string) (string, error) {
	cmd := exec.Command("go", append([]string{"list", "-m", "-f", format}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s in %s: %v: %s", strings.Join(args, " "), dir, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return strings.TrimSpace(string(out)), nil
}

// moduleRoot returns the absolute directory of the deepnrc module that
// contains dir, or an error naming the fix.
func moduleRoot(dir string) (string, error) {
	out, err := goList(dir, "{{.Path}}\t{{.Dir}}")
	if err != nil {
		return "", fmt.Errorf("cannot find the deepnrc module (%v); run install from the deepnrc checkout or pass -root", err)
	}
	path, root, _ := strings.Cut(out, "\t")
	if path != modulePath || root == "" {
		return "", fmt.Errorf("%s is module %q, not %s; run install from the deepnrc checkout or pass -root", dir, path, modulePath)
	}
	return filepath.Abs(root)
}

// install builds the kernel binaries and installs the kernel directory
// atomically: everything is built in a staging directory next to the final
// one, which replaces a previous install only when complete. It returns the
// kernel directory.
func install(opt installOptions) (string, error) {
	logw := opt.Log
	if logw == nil {
		logw = io.Discard
	}
	if _, err := exec.LookPath("go"); err != nil {
		return "", errors.New("the go command is not on PATH; install Go 1.26 and retry")
	}
	start := opt.Root
	if start == "" {
		start = "."
	}
	root, err := moduleRoot(start)
	if err != nil {
		return "", err
	}
	dataDir := opt.DataDir
	if dataDir == "" {
		if dataDir, err = jupyterDataDir(true); err != nil {
			return "", err
		}
	} else if _, err := jupyterDataDir(true); err != nil {
		return "", err
	}
	kernelsDir := filepath.Join(dataDir, "kernels")
	if err := os.MkdirAll(kernelsDir, 0o755); err != nil {
		return "", fmt.Errorf("cannot create the Jupyter kernels directory: %w", err)
	}
	final := filepath.Join(kernelsDir, kernelName)
	stage, err := os.MkdirTemp(kernelsDir, "."+kernelName+"-staging-")
	if err != nil {
		return "", fmt.Errorf("cannot create a staging directory in %s: %w", kernelsDir, err)
	}
	defer os.RemoveAll(stage) // no-op once renamed into place
	if err := os.Chmod(stage, 0o755); err != nil {
		return "", err
	}

	versions, err := goList(root, "{{.Path}} {{.Version}}", gonbPkg, "golang.org/x/tools")
	if err != nil {
		return "", err
	}
	info := installInfo{Root: root, Module: modulePath, Installed: time.Now().UTC()}
	for _, line := range strings.Split(versions, "\n") {
		p, v, _ := strings.Cut(line, " ")
		switch p {
		case gonbPkg:
			info.GoNB = v
		case "golang.org/x/tools":
			info.XTools = v
		}
	}
	if gv, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		info.Go = strings.TrimSpace(string(gv))
	}

	fmt.Fprintf(logw, "building GoNB %s, goimports (x/tools %s) and the launcher from %s ...\n", info.GoNB, info.XTools, root)
	libexec := filepath.Join(stage, "libexec")
	if err := os.MkdirAll(libexec, 0o755); err != nil {
		return "", err
	}
	build := exec.Command("go", "build", "-o", libexec+string(filepath.Separator), gonbPkg, goimportsPkg, kernelPkg)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the kernel binaries failed: %v\n%s", err, out)
	}
	// The launcher lives at the top of the kernel directory; bin/goimports
	// is the same program, dispatched on its name.
	if err := os.Rename(filepath.Join(libexec, "kernel"), filepath.Join(stage, launcherName)); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(stage, "bin"), 0o755); err != nil {
		return "", err
	}
	if err := os.Symlink(filepath.Join("..", launcherName), filepath.Join(stage, "bin", "goimports")); err != nil {
		return "", err
	}

	spec := kernelSpec{
		Argv:          []string{filepath.Join(final, launcherName), "launch", "-root", root, "{connection_file}"},
		DisplayName:   displayName,
		Language:      "go",
		InterruptMode: "message",
		Metadata:      map[string]any{"deepnrc": map[string]any{"root": root, "gonb_version": info.GoNB}},
	}
	if err := writeJSON(filepath.Join(stage, "kernel.json"), spec); err != nil {
		return "", err
	}
	if err := writeJSON(filepath.Join(stage, installRecord), info); err != nil {
		return "", err
	}

	// Swap the staging directory into place.
	var old string
	if _, err := os.Lstat(final); err == nil {
		if err := checkOurs(final); err != nil {
			return "", err
		}
		old = stage + "-old"
		if err := os.Rename(final, old); err != nil {
			return "", fmt.Errorf("cannot move the previous install aside: %w", err)
		}
	}
	if err := os.Rename(stage, final); err != nil {
		if old != "" {
			os.Rename(old, final)
		}
		return "", fmt.Errorf("cannot move the new kernel into place: %w", err)
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return final, verifyListed(final)
}

// verifyListed checks that Jupyter now lists the kernel at dir.
func verifyListed(dir string) error {
	out, err := exec.Command("jupyter", "kernelspec", "list", "--json").Output()
	if err != nil {
		return fmt.Errorf("installed in %s, but `jupyter kernelspec list` failed: %v", dir, err)
	}
	var list struct {
		Kernelspecs map[string]struct {
			ResourceDir string `json:"resource_dir"`
		} `json:"kernelspecs"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return fmt.Errorf("installed in %s, but cannot read `jupyter kernelspec list --json`: %v", dir, err)
	}
	ks, ok := list.Kernelspecs[kernelName]
	if !ok {
		return fmt.Errorf("installed in %s, but Jupyter does not list a %q kernel; is JUPYTER_DATA_DIR the same for install and for Jupyter?", dir, kernelName)
	}
	if got, _ := filepath.EvalSymlinks(ks.ResourceDir); got != mustEval(dir) {
		return fmt.Errorf("installed in %s, but Jupyter uses the %q kernel in %s, which takes precedence; remove that one", dir, kernelName, ks.ResourceDir)
	}
	return nil
}

func mustEval(p string) string {
	if q, err := filepath.EvalSymlinks(p); err == nil {
		return q
	}
	return p
}

// checkOurs refuses to touch a kernel directory that this program did not
// create (one without our launcher).
func checkOurs(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, launcherName)); err != nil {
		return fmt.Errorf("%s exists but was not installed by deepnrc's kernel program (no %s in it); move it away by hand", dir, launcherName)
	}
	return nil
}

// uninstall removes the kernel directory under dataDir. It reports the
// directory and whether anything was removed.
func uninstall(dataDir string) (string, bool, error) {
	dir := filepath.Join(dataDir, "kernels", kernelName)
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return dir, false, nil
	}
	if err := checkOurs(dir); err != nil {
		return dir, false, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return dir, false, fmt.Errorf("cannot remove %s: %w", dir, err)
	}
	return dir, true, nil
}

// writeJSON writes v as indented JSON to path atomically.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o644)
}
