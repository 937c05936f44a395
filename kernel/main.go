// Command kernel installs the "deepnrc" Jupyter kernel: GoNB (the Go kernel
// for Jupyter) set up so that notebooks can import the deepnrc library,
// github.com/deepnrc/deepnrc/nrclib/..., with no setup cell and from any
// directory.
//
// Usage, from the deepnrc checkout:
//
//	go run ./kernel install     # or: make kernel
//	go run ./kernel uninstall
//
// install needs Jupyter (on Debian: apt-get install the packages of
// internal/jupyterdeps, as scripts/install-deps.sh does). It
// writes the kernel into $JUPYTER_DATA_DIR/kernels/deepnrc, or, when
// JUPYTER_DATA_DIR is unset, into the "kernels/deepnrc" directory of
// `jupyter --data-dir` (~/.local/share/jupyter on Linux). That directory is
// self-contained:
//
//	kernel.json         argv: deepnrc-kernel launch -root <checkout> {connection_file}
//	deepnrc-kernel      this program, built: the launcher
//	libexec/gonb        GoNB, built from the version this module requires
//	libexec/goimports   goimports, built from the x/tools this module requires
//	bin/goimports       symlink to deepnrc-kernel: the go.mod hook (below)
//	install.json        what was installed: checkout, versions, time
//
// Nothing points into the Go build cache, so `go clean -cache` does not break
// the kernel. uninstall removes the directory, binaries included.
//
// How notebooks see the library: the launcher puts bin/ first on PATH and
// execs GoNB. GoNB compiles each cell in its own temporary module
// ($GONB_TMP_DIR, created with `go mod init`) and runs goimports there, found
// on PATH, before it runs `go get` and `go build`. So bin/goimports runs
// first: when called in $GONB_TMP_DIR it adds to that go.mod
//
//	require github.com/deepnrc/deepnrc v0.0.0
//	replace github.com/deepnrc/deepnrc => <checkout>
//
// (once; it leaves a require or replace that a user set alone), merges the
// checkout's go.sum into the cell module's go.sum, and then execs the real
// goimports. With the checkout in the module graph, GoNB's automatic
// `go get` resolves GoMLX, gonum, gonum/plot and GoNB's own gonbui at the
// versions the checkout pins, instead of asking the module proxy for
// @latest. Edits to the checkout are picked up by the next cell run.
//
// The launcher also sets GOMLX_NO_AUTO_INSTALL=1 unless it is set, so that
// notebook runs never download XLA plugins by themselves.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Names used in the kernel directory and in kernel.json.
const (
	kernelName    = "deepnrc"
	displayName   = "Go (deepnrc)"
	launcherName  = "deepnrc-kernel"
	modulePath    = "github.com/deepnrc/deepnrc"
	gonbPkg       = "github.com/janpfeifer/gonb"
	goimportsPkg  = "golang.org/x/tools/cmd/goimports"
	kernelPkg     = modulePath + "/kernel"
	installRecord = "install.json"
)

// Environment variables set by the launcher for GoNB and the goimports hook.
const (
	envRoot       = "DEEPNRC_ROOT"       // absolute path of the deepnrc checkout
	envKernelDir  = "DEEPNRC_KERNEL_DIR" // the kernel directory (holding kernel.json)
	envGoNBTmpDir = "GONB_TMP_DIR"       // set by GoNB: the cell module's directory
	envNoInstall  = "GOMLX_NO_AUTO_INSTALL"
)

func main() {
	if filepath.Base(os.Args[0]) == "goimports" {
		os.Exit(goimportsHook(os.Args[1:], os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, `Usage: go run ./kernel <command>

Commands:
  install     build GoNB + goimports and install the "deepnrc" Jupyter kernel
              (into $JUPYTER_DATA_DIR/kernels/deepnrc when set, else
              <jupyter --data-dir>/kernels/deepnrc)
  uninstall   remove that kernel directory and its binaries

Run "go run ./kernel install -h" for the install flags.`)
}

// run dispatches the command line and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	var err error
	switch args[0] {
	case "install":
		err = cmdInstall(args[1:], stdout, stderr)
	case "uninstall":
		err = cmdUninstall(args[1:], stdout, stderr)
	case "launch":
		err = cmdLaunch(args[1:])
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "kernel: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err == flag.ErrHelp {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "kernel %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func cmdInstall(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "", "the deepnrc checkout notebooks import (default: the module of the current directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; install takes only flags", fs.Args())
	}
	dir, err := install(installOptions{Root: *root, Log: stdout})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "installed Jupyter kernel %q (%s) in %s\n", kernelName, displayName, dir)
	return nil
}

func cmdUninstall(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("uninstall", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; uninstall takes none", fs.Args())
	}
	dataDir, err := jupyterDataDir(false)
	if err != nil {
		return err
	}
	dir, removed, err := uninstall(dataDir)
	if err != nil {
		return err
	}
	if removed {
		fmt.Fprintf(stdout, "removed Jupyter kernel %q from %s\n", kernelName, dir)
	} else {
		fmt.Fprintf(stdout, "Jupyter kernel %q is not installed (no %s); nothing to do\n", kernelName, dir)
	}
	return nil
}
