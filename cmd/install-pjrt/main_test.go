package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gomlx/go-xla/pkg/installer"
)

// fakes returns installers that write plugin-named files the way the real
// ones lay them out, and counts their calls.
func fakes(calls *[]string, writeFiles bool) installers {
	write := func(path string) error {
		if !writeFiles {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		return os.WriteFile(path, []byte("fake"), 0o644)
	}
	return installers{
		cpu: func(platform, version, dir string, cache bool, v installer.VerbosityLevel) error {
			*calls = append(*calls, "cpu "+platform+" "+version)
			if err := write(filepath.Join(dir, "pjrt_c_api_cpu_"+version+"_plugin.so")); err != nil {
				return err
			}
			if !writeFiles {
				return nil
			}
			return os.Symlink("pjrt_c_api_cpu_"+version+"_plugin.so", filepath.Join(dir, "pjrt_c_api_cpu_plugin.so"))
		},
		cuda: func(plugin, version, dir string, cache bool, v installer.VerbosityLevel) error {
			*calls = append(*calls, "cuda "+plugin+" "+version)
			return write(filepath.Join(dir, "nvidia", "pjrt_c_api_cuda_plugin.so"))
		},
	}
}

func TestInstallCPUAndCUDA(t *testing.T) {
	dir := t.TempDir()
	var calls []string
	var out, errb bytes.Buffer
	if err := run([]string{"-dir", dir, "-cuda", "-q"}, &out, &errb, fakes(&calls, true)); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[0] != "cpu "+runtime.GOOS+"_"+runtime.GOARCH+" v0.83.3" || calls[1] != "cuda cuda13 latest" {
		t.Fatalf("calls = %q", calls)
	}
	s := out.String()
	for _, want := range []string{
		"PJRT_PLUGIN_LIBRARY_PATH=" + dir + ":" + filepath.Join(dir, "nvidia"),
		"GOMLX_NO_AUTO_INSTALL=1",
		"XLA_FLAGS=--xla_gpu_cuda_data_dir=" + filepath.Join(dir, "nvidia"),
		"GOMLX_BACKEND=xla:cuda",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}

	// A second run finds both and downloads nothing.
	calls = nil
	out.Reset()
	if err := run([]string{"-dir", dir, "-cuda"}, &out, &errb, fakes(&calls, true)); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 0 || !strings.Contains(out.String(), "already") {
		t.Fatalf("second run: calls %q, output %q", calls, out.String())
	}
}

func TestInstallerThatWritesNothingIsAnError(t *testing.T) {
	var calls []string
	err := run([]string{"-dir", t.TempDir(), "-q"}, &bytes.Buffer{}, &bytes.Buffer{}, fakes(&calls, false))
	if err == nil || !strings.Contains(err.Error(), "pjrt_c_api_cpu_plugin.so") {
		t.Fatalf("err = %v, want a missing-plugin error", err)
	}
}

func TestDownloadFailureNamesHost(t *testing.T) {
	inst := installers{
		cpu: func(string, string, string, bool, installer.VerbosityLevel) error {
			return errors.New("dial tcp: lookup api.github.com: no such host")
		},
	}
	err := run([]string{"-dir", t.TempDir()}, &bytes.Buffer{}, &bytes.Buffer{}, inst)
	if err == nil || !strings.Contains(err.Error(), "needs access to api.github.com") || !strings.Contains(err.Error(), "no such host") {
		t.Fatalf("err = %v", err)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-cpu=false"},
		{"-cuda", "-cuda-plugin", "cuda11"},
		{"extra"},
		{"-dir", ""},
	} {
		var calls []string
		if err := run(args, &bytes.Buffer{}, &bytes.Buffer{}, fakes(&calls, true)); err == nil {
			t.Errorf("run(%q) = nil, want an error", args)
		}
		if len(calls) != 0 {
			t.Errorf("run(%q) downloaded %q", args, calls)
		}
	}
}
