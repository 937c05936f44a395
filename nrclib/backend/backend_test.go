package backend

import (
	"errors"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// capture runs f with os.Stdout and os.Stderr redirected to pipes and
// returns what was written to each.
func capture(t *testing.T, f func()) (stdout, stderr string) {
	t.Helper()
	read := func(r *os.File, into *string, done chan<- struct{}) {
		b, _ := io.ReadAll(r)
		*into = string(b)
		close(done)
	}
	ro, wo, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	re, we, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	do, de := make(chan struct{}), make(chan struct{})
	go read(ro, &stdout, do)
	go read(re, &stderr, de)
	oldOut, oldErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = wo, we
	defer func() {
		os.Stdout, os.Stderr = oldOut, oldErr
		_ = wo.Close()
		_ = we.Close()
		<-do
		<-de
	}()
	f()
	return
}

// checkWorks runs x·xᵀ for x = [1 2 3] on b; the answer is 14.
func checkWorks(t *testing.T, b backends.Backend) {
	t.Helper()
	out, err := ExecOnce(b, func(x *Node) *Node { return Dot(x, x) }, []float32{1, 2, 3})
	if err != nil {
		t.Fatalf("executing on %s: %v", b.Name(), err)
	}
	if got := tensors.ToScalar[float32](out); got != 14 {
		t.Fatalf("x·x = %v, want 14", got)
	}
}

// checkDefaultOptions reads the pure-Go backend's private settings (GoMLX
// v0.26.0 field names) to confirm DefaultConfig's options reached it:
// parallelism=-1 (unlimited workers) and dotgeneral_large.
func checkDefaultOptions(t *testing.T, b backends.Backend) {
	t.Helper()
	v := reflect.ValueOf(b)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		t.Fatalf("backend is a %T, want a pointer to the pure-Go backend", b)
	}
	par := v.Elem().FieldByName("workers").FieldByName("maxParallelism")
	dg := v.Elem().FieldByName("dotGeneralForceProblemSize")
	if !par.IsValid() || !dg.IsValid() {
		t.Fatalf("GoMLX's pure-Go backend %T changed its fields; update this check", b)
	}
	if par.Int() != -1 {
		t.Errorf("maxParallelism = %d, want -1 (from %q)", par.Int(), DefaultConfig)
	}
	if dg.Int() == 0 {
		t.Errorf("dotGeneralForceProblemSize unset, want dotgeneral_large (from %q)", DefaultConfig)
	}
}

func TestNewDefaultWhenUnset(t *testing.T) {
	t.Setenv(EnvConfig, "")
	if err := os.Unsetenv(EnvConfig); err != nil {
		t.Fatal(err)
	}
	if got := Config(); got != DefaultConfig {
		t.Fatalf("Config() = %q with %s unset, want %q", got, EnvConfig, DefaultConfig)
	}
	var b backends.Backend
	var err error
	stdout, stderr := capture(t, func() { b, err = New() })
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if b.String() != Go {
		t.Fatalf("backend %q, want %q", b.String(), Go)
	}
	checkDefaultOptions(t, b)
	// GoMLX announces the parallelism option on stdout; it must be dropped.
	if stdout != "" || stderr != "" {
		t.Errorf("New printed stdout %q, stderr %q; want nothing", stdout, stderr)
	}
	checkWorks(t, b)
}

func TestNewBareGoMeansDefault(t *testing.T) {
	t.Setenv(EnvConfig, "go")
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	checkDefaultOptions(t, b)
	checkWorks(t, b)
}

func TestNewGoSequential(t *testing.T) {
	t.Setenv(EnvConfig, "go:ops_sequential")
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	checkWorks(t, b)
}

func TestDeadlockingGoConfigsRejected(t *testing.T) {
	for _, cfg := range []string{
		"go:parallelism=1",
		"go:parallelism=4,dotgeneral_large",
		"go:dotgeneral_large",                          // bounded default pool, parallel ops
		"go:ops_sequential,parallelism=2,ops_parallel", // last ops_* wins
	} {
		err := Validate(cfg)
		if err == nil {
			t.Errorf("Validate(%q) = nil, want a deadlock error", cfg)
			continue
		}
		for _, want := range []string{"deadlock", DefaultConfig, "ops_sequential"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Validate(%q) = %q, want it to mention %q", cfg, err, want)
			}
		}
		t.Setenv(EnvConfig, cfg)
		if b, err := New(); err == nil {
			b.Finalize()
			t.Errorf("New() with %s=%q succeeded, want an error", EnvConfig, cfg)
		}
	}
	for _, cfg := range []string{"go", "", DefaultConfig, "go:parallelism=0", "go:parallelism=1,ops_sequential", "go:ops_sequential"} {
		if err := Validate(cfg); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", cfg, err)
		}
	}
	if err := Validate("go:parallelism=two"); err == nil || !strings.Contains(err.Error(), "not an integer") {
		t.Errorf("Validate(parallelism=two) = %v, want a not-an-integer error", err)
	}
}

// A misspelt or unknown pure-Go option is named, whatever the other options.
func TestUnknownGoOption(t *testing.T) {
	for _, cfg := range []string{"go:bogus=1", "go:parallelism=-1,dotgeneral_lrage", "go:ops_sequential,fast"} {
		err := Validate(cfg)
		if err == nil || !strings.Contains(err.Error(), "unknown option") || !strings.Contains(err.Error(), "dotgeneral_large") {
			t.Errorf("Validate(%q) = %v, want an unknown-option error listing the options", cfg, err)
		}
	}
}

func TestXLAWithoutXLABuild(t *testing.T) {
	if slices.Contains(Compiled(), XLA) {
		t.Skip("this build has XLA; see TestXLAWithoutPlugin")
	}
	for _, cfg := range []string{"xla", "xla:cpu", "xla:cuda", "stablehlo"} {
		t.Setenv(EnvConfig, cfg)
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("New() with %s=%q panicked: %v", EnvConfig, cfg, r)
				}
			}()
			_, err = New()
		}()
		if !errors.Is(err, ErrNoXLA) {
			t.Fatalf("New() with %s=%q: error %v, want ErrNoXLA", EnvConfig, cfg, err)
		}
		t.Logf("%s=%s: %v", EnvConfig, cfg, err)
		for _, want := range []string{"-tags xla", "cgo", "install-pjrt"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	}
}

func TestXLAWithoutPlugin(t *testing.T) {
	if !slices.Contains(Compiled(), XLA) {
		t.Skip("this build has no XLA; see TestXLAWithoutXLABuild")
	}
	if len(FindPlugins(SearchPaths())) > 0 {
		t.Skip("a PJRT plugin is installed here")
	}
	t.Setenv(EnvConfig, "xla:cpu")
	_, err := New()
	if !errors.Is(err, ErrNoPlugin) {
		t.Fatalf("New() = %v, want ErrNoPlugin", err)
	}
	t.Logf("error as users see it:\n%v", err)
	for _, want := range []string{EnvPluginPath, "install-pjrt", "/usr/local/lib/go-xla"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestUnknownBackend(t *testing.T) {
	err := Validate("tpu-magic:fast")
	if err == nil || !strings.Contains(err.Error(), "unknown backend") || !strings.Contains(err.Error(), "go") {
		t.Fatalf("Validate(unknown) = %v, want an unknown-backend error listing go", err)
	}
}

func TestNoAutoInstallSet(t *testing.T) {
	t.Setenv(EnvNoAutoInstall, "")
	if err := os.Unsetenv(EnvNoAutoInstall); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvConfig, "go:ops_sequential")
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	b.Finalize()
	if v, ok := os.LookupEnv(EnvNoAutoInstall); !ok || v != "1" {
		t.Fatalf("%s = %q (set %v) after New, want \"1\"", EnvNoAutoInstall, v, ok)
	}
	// Also on failure paths: a rejected config still leaves it set.
	if err := os.Unsetenv(EnvNoAutoInstall); err != nil {
		t.Fatal(err)
	}
	if _, err := NewWithConfig("go:parallelism=1"); err == nil {
		t.Fatal("parallelism=1 accepted")
	}
	if os.Getenv(EnvNoAutoInstall) != "1" {
		t.Fatalf("%s not set after a failed NewWithConfig", EnvNoAutoInstall)
	}
}

func TestCompiled(t *testing.T) {
	c := Compiled()
	if !slices.Contains(c, Go) {
		t.Fatalf("Compiled() = %v, want it to contain %q", c, Go)
	}
	if !slices.IsSorted(c) {
		t.Errorf("Compiled() = %v not sorted", c)
	}
	for _, a := range xlaAliases {
		if slices.Contains(c, a) {
			t.Errorf("Compiled() = %v lists the alias %q", c, a)
		}
	}
}

// TestNewConcurrent creates backends from several goroutines at once; run
// with -race it checks the stdout redirection is serialised.
func TestNewConcurrent(t *testing.T) {
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			b, err := NewWithConfig(DefaultConfig)
			if err == nil {
				b.Finalize()
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
