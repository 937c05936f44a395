package backend

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// env builds a lookup function from a map.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("not really a shared library"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSearchPathsEnvOnly(t *testing.T) {
	got := SearchPathsIn(env(map[string]string{
		EnvPluginPath:     "/a::/b/c:",
		"LD_LIBRARY_PATH": "/ignored",
	}), "/home/u", "/nonexistent/ld.so.conf")
	if want := []string{"/a", "/b/c"}; !slices.Equal(got, want) {
		t.Fatalf("SearchPathsIn = %q, want %q", got, want)
	}
}

func TestSearchPathsDefaultOrder(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "ld.so.conf")
	incDir := filepath.Join(dir, "ld.so.conf.d")
	if err := os.MkdirAll(incDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("# comment\ninclude "+incDir+"/*.conf\n/opt/one\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(incDir, "x.conf"), []byte("  /opt/inc  \n# c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := SearchPathsIn(env(map[string]string{"LD_LIBRARY_PATH": "/ld1:relative:/ld2"}), "/home/u", conf)
	want := []string{
		"/home/u/.local/lib/go-xla", "/home/u/.local/lib/go-xla/nvidia", "/home/u/.local/lib/gomlx/pjrt",
		"/usr/local/lib/go-xla", "/usr/local/lib/go-xla/nvidia", "/usr/local/lib/gomlx/pjrt",
		"/ld1", "/ld2", "/opt/inc", "/opt/one",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("SearchPathsIn =\n%q\nwant\n%q", got, want)
	}
}

func TestFindPlugins(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first"), filepath.Join(dir, "second")
	touch(t, filepath.Join(first, "pjrt_c_api_cpu_v0.83.3_plugin.so"))
	if err := os.Symlink("pjrt_c_api_cpu_v0.83.3_plugin.so", filepath.Join(first, "pjrt_c_api_cpu_plugin.so")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("missing.so", filepath.Join(first, "pjrt_c_api_broken_plugin.so")); err != nil {
		t.Fatal(err)
	}
	touch(t, filepath.Join(first, "libunrelated.so"))
	touch(t, filepath.Join(second, "pjrt_c_api_cpu_plugin.so")) // shadowed by first/
	touch(t, filepath.Join(second, "nvidia", "pjrt_c_api_cuda_plugin.so"))
	touch(t, filepath.Join(second, "pjrt-plugin-tpu.so"))

	got := FindPlugins([]string{first, filepath.Join(dir, "absent"), second, filepath.Join(second, "nvidia")})
	names := map[string]string{}
	for _, p := range got {
		names[p.Name] = p.Path
	}
	want := map[string]string{
		"cpu":         filepath.Join(first, "pjrt_c_api_cpu_plugin.so"),
		"cpu_v0.83.3": filepath.Join(first, "pjrt_c_api_cpu_v0.83.3_plugin.so"),
		"tpu":         filepath.Join(second, "pjrt-plugin-tpu.so"),
		"cuda":        filepath.Join(second, "nvidia", "pjrt_c_api_cuda_plugin.so"),
	}
	if len(names) != len(want) || len(got) != len(want) {
		t.Fatalf("FindPlugins = %+v, want %v", got, want)
	}
	for n, p := range want {
		if names[n] != p {
			t.Errorf("plugin %q at %q, want %q", n, names[n], p)
		}
	}
}

func TestCUDADataDir(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "lib", "go-xla")
	touch(t, filepath.Join(lib, "pjrt_c_api_cpu_plugin.so"))
	dirs := []string{lib, filepath.Join(lib, "nvidia")}
	if got := CUDADataDir(dirs); got != "" {
		t.Fatalf("CUDADataDir without a CUDA plugin = %q, want \"\"", got)
	}
	touch(t, filepath.Join(lib, "nvidia", "pjrt_c_api_cuda_plugin.so"))
	nv := filepath.Join(lib, "nvidia")
	if got := CUDADataDir(dirs); got != nv {
		t.Fatalf("CUDADataDir = %q, want %q", got, nv)
	}

	vars := map[string]string{}
	set := func(k, v string) error { vars[k] = v; return nil }
	if got := setCUDADataDir(dirs, env(vars), set); got != "--xla_gpu_cuda_data_dir="+nv {
		t.Fatalf("setCUDADataDir with XLA_FLAGS unset = %q", got)
	}
	vars[EnvXLAFlags] = "--xla_dump_to=/tmp/d"
	if got := setCUDADataDir(dirs, env(vars), set); got != "--xla_dump_to=/tmp/d --xla_gpu_cuda_data_dir="+nv {
		t.Fatalf("setCUDADataDir appending = %q", got)
	}
	vars[EnvXLAFlags] = "--xla_gpu_cuda_data_dir=/mine"
	if got := setCUDADataDir(dirs, env(vars), set); got != "" || vars[EnvXLAFlags] != "--xla_gpu_cuda_data_dir=/mine" {
		t.Fatalf("setCUDADataDir overrode a user's flag: returned %q, XLA_FLAGS=%q", got, vars[EnvXLAFlags])
	}
	if strings.Contains(CUDADataDir([]string{filepath.Join(dir, "none")}), "nvidia") {
		t.Fatal("CUDADataDir found a directory in an empty search path")
	}
}
