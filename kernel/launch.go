package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/deepnrc/deepnrc/internal/atomicfile"
	"golang.org/x/mod/modfile"
)

// cmdLaunch is what kernel.json runs: it prepares the environment and execs
// GoNB with the connection file Jupyter gave.
func cmdLaunch(args []string) error {
	fs := flag.NewFlagSet("launch", flag.ContinueOnError)
	root := fs.String("root", "", "the deepnrc checkout notebooks import")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *root == "" {
		return errors.New("usage: deepnrc-kernel launch -root <checkout> <connection_file> (Jupyter runs this from kernel.json)")
	}
	if err := checkRoot(*root); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return err
	}
	dir := filepath.Dir(exe)
	gonb := filepath.Join(dir, "libexec", "gonb")
	if _, err := os.Stat(gonb); err != nil {
		return fmt.Errorf("the kernel install in %s is incomplete (%v); run `go run ./kernel install` again", dir, err)
	}
	env := launchEnv(os.Environ(), dir, *root)
	return syscall.Exec(gonb, []string{"gonb", "--kernel", fs.Arg(0)}, env)
}

// checkRoot verifies that root still holds the deepnrc module.
func checkRoot(root string) error {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err == nil && modfile.ModulePath(data) == modulePath {
		return nil
	}
	return fmt.Errorf("the deepnrc checkout recorded at install, %s, no longer holds module %s; run `go run ./kernel install` from the checkout to point the kernel at it", root, modulePath)
}

// launchEnv returns environ with the kernel's bin directory first on PATH,
// DEEPNRC_ROOT and DEEPNRC_KERNEL_DIR set, and GOMLX_NO_AUTO_INSTALL=1 unless
// the caller set it.
func launchEnv(environ []string, kernelDir, root string) []string {
	bin := filepath.Join(kernelDir, "bin")
	path, hasNoInstall := "", false
	out := make([]string, 0, len(environ)+4)
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "PATH":
			path = v
			continue
		case envRoot, envKernelDir:
			continue
		case envNoInstall:
			hasNoInstall = true
		}
		out = append(out, kv)
	}
	if path == "" {
		path = bin
	} else {
		path = bin + string(os.PathListSeparator) + path
	}
	out = append(out, "PATH="+path, envRoot+"="+root, envKernelDir+"="+kernelDir)
	if !hasNoInstall {
		out = append(out, envNoInstall+"=1")
	}
	return out
}

// goimportsHook runs as bin/goimports: in GoNB's cell module directory it
// links the deepnrc checkout into go.mod, then it execs the real goimports.
// It returns an exit code only when it cannot exec.
func goimportsHook(args []string, stderr io.Writer) int {
	kernelDir := os.Getenv(envKernelDir)
	if kernelDir == "" {
		// Called outside the launcher: find the kernel directory from bin/.
		exe, err := os.Executable()
		if err == nil {
			exe, err = filepath.EvalSymlinks(exe)
		}
		if err != nil {
			fmt.Fprintf(stderr, "deepnrc kernel: cannot locate goimports: %v\n", err)
			return 1
		}
		kernelDir = filepath.Dir(exe)
	}
	if tmp, root := os.Getenv(envGoNBTmpDir), os.Getenv(envRoot); tmp != "" && root != "" && inDir(tmp) {
		if err := linkModule(tmp, root); err != nil {
			fmt.Fprintf(stderr, "deepnrc kernel: cannot make %s importable in the cell module %s: %v\n", modulePath, tmp, err)
			return 1
		}
	}
	tool := filepath.Join(kernelDir, "libexec", "goimports")
	err := syscall.Exec(tool, append([]string{"goimports"}, args...), os.Environ())
	fmt.Fprintf(stderr, "deepnrc kernel: cannot run %s (%v); run `go run ./kernel install` again\n", tool, err)
	return 1
}

// inDir reports whether the working directory is dir.
func inDir(dir string) bool {
	wd, err := os.Getwd()
	if err != nil {
		return false
	}
	a, err1 := os.Stat(wd)
	b, err2 := os.Stat(dir)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// linkModule makes the deepnrc module at root importable from the module in
// dir: it adds `require <module> v0.0.0` and `replace <module> => root` to
// dir/go.mod unless a require or replace of the module is already there, and
// when it changes go.mod it adds root's go.sum lines missing from
// dir/go.sum. It does nothing when dir/go.mod is the deepnrc module itself.
func linkModule(dir, root string) error {
	rootMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return fmt.Errorf("reading the checkout's go.mod: %w", err)
	}
	mod := modfile.ModulePath(rootMod)
	if mod == "" {
		return fmt.Errorf("%s/go.mod has no module line", root)
	}
	gomod := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		return err
	}
	f, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		return err
	}
	if f.Module != nil && f.Module.Mod.Path == mod {
		return nil
	}
	changed := false
	if !hasRequire(f, mod) {
		if err := f.AddRequire(mod, "v0.0.0"); err != nil {
			return err
		}
		changed = true
	}
	if !hasReplace(f, mod) {
		if err := f.AddReplace(mod, "", root, ""); err != nil {
			return err
		}
		changed = true
	}
	if !changed {
		return nil
	}
	f.Cleanup()
	out, err := f.Format()
	if err != nil {
		return err
	}
	if err := mergeGoSum(filepath.Join(dir, "go.sum"), filepath.Join(root, "go.sum")); err != nil {
		return err
	}
	return atomicfile.WriteFile(gomod, out, 0o644)
}

func hasRequire(f *modfile.File, mod string) bool {
	for _, r := range f.Require {
		if r.Mod.Path == mod {
			return true
		}
	}
	return false
}

func hasReplace(f *modfile.File, mod string) bool {
	for _, r := range f.Replace {
		if r.Old.Path == mod {
			return true
		}
	}
	return false
}

// mergeGoSum appends to dst the lines of src that dst lacks. A missing src
// is not an error (a checkout may have no dependencies); a missing dst is
// created.
func mergeGoSum(dst, src string) error {
	add, err := os.ReadFile(src)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	have, err := os.ReadFile(dst)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	seen := map[string]bool{}
	for _, l := range lines(have) {
		seen[l] = true
	}
	var buf bytes.Buffer
	buf.Write(have)
	if len(have) > 0 && have[len(have)-1] != '\n' {
		buf.WriteByte('\n')
	}
	n := 0
	for _, l := range lines(add) {
		if !seen[l] {
			seen[l] = true
			buf.WriteString(l + "\n")
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return atomicfile.WriteFile(dst, buf.Bytes(), 0o644)
}

// lines returns the non-blank lines of data, trimmed.
func lines(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}
