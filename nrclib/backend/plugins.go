package backend

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Plugin is a PJRT plugin file found on disk.
type Plugin struct {
	// Name is the plugin's name as the XLA backend knows it: "cpu" for
	// pjrt_c_api_cpu_plugin.so, "cuda" for pjrt_c_api_cuda_plugin.so.
	Name string `json:"name"`
	// Path is the file's path.
	Path string `json:"path"`
}

// pluginPatterns are the Linux file names the XLA backend accepts as PJRT
// plugins, in the order it globs them within a directory.
var pluginPatterns = []string{"pjrt-plugin-*.so", "pjrt_plugin_*.so", "pjrt_c_api_*_plugin.so"}

// pluginName extracts a plugin's name from its file name.
var pluginName = []*regexp.Regexp{
	regexp.MustCompile(`^pjrt_c_api_(.+)_plugin\.so$`),
	regexp.MustCompile(`^pjrt[-_]plugin[-_](.+)\.so$`),
}

// SearchPaths returns the directories the XLA backend (go-xla v0.1.4)
// searches for PJRT plugins on Linux, in its order: the ":"-separated
// $PJRT_PLUGIN_LIBRARY_PATH alone when it is set; otherwise
// ~/.local/lib/go-xla, ~/.local/lib/go-xla/nvidia, ~/.local/lib/gomlx/pjrt,
// /usr/local/lib/go-xla, /usr/local/lib/go-xla/nvidia,
// /usr/local/lib/gomlx/pjrt, the absolute entries of $LD_LIBRARY_PATH, and
// the directories of /etc/ld.so.conf and the files it includes.
//
// The XLA backend reads these variables once, when the program starts.
func SearchPaths() []string {
	home, err := os.UserHomeDir()
	if err != nil {
		home = ""
	}
	return SearchPathsIn(os.LookupEnv, home, "/etc/ld.so.conf")
}

// SearchPathsIn is SearchPaths with its inputs given: lookup reads an
// environment variable, home is the home directory ("" to skip the
// per-user directories) and ldConf the ld.so.conf file to follow.
func SearchPathsIn(lookup func(string) (string, bool), home, ldConf string) []string {
	if v, ok := lookup(EnvPluginPath); ok {
		var dirs []string
		for _, d := range strings.Split(v, ":") {
			if d != "" {
				dirs = append(dirs, d)
			}
		}
		return dirs
	}
	var dirs []string
	if home != "" {
		local := filepath.Join(home, ".local", "lib", "go-xla")
		dirs = append(dirs, local, filepath.Join(local, "nvidia"), filepath.Join(home, ".local", "lib", "gomlx", "pjrt"))
	}
	dirs = append(dirs, "/usr/local/lib/go-xla", "/usr/local/lib/go-xla/nvidia", "/usr/local/lib/gomlx/pjrt")
	ld, _ := lookup("LD_LIBRARY_PATH")
	for _, d := range strings.Split(ld, ":") {
		if d != "" && filepath.IsAbs(d) {
			dirs = append(dirs, d)
		}
	}
	return ldConfDirs(dirs, ldConf, 0)
}

// ldConfDirs appends the directories listed in an ld.so.conf-style file,
// following its "include <glob>" lines. A missing file adds nothing.
func ldConfDirs(dirs []string, file string, depth int) []string {
	if depth > 8 { // include loops
		return dirs
	}
	f, err := os.Open(file)
	if err != nil {
		return dirs
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "include") && (len(line) == 7 || line[7] == ' ' || line[7] == '\t'):
			matches, err := filepath.Glob(strings.TrimSpace(line[7:]))
			if err != nil {
				continue
			}
			for _, m := range matches {
				dirs = ldConfDirs(dirs, m, depth+1)
			}
		default:
			dirs = append(dirs, line)
		}
	}
	return dirs
}

// FindPlugins lists the PJRT plugin files in dirs, first directory first;
// of two files with the same plugin name the first found wins, as in the
// XLA backend. Only the files' presence is checked: whether a plugin loads
// (its shared libraries resolve, a CUDA plugin finds a GPU) shows only when
// the XLA backend opens it.
func FindPlugins(dirs []string) []Plugin {
	var found []Plugin
	seen := map[string]bool{}
	for _, d := range dirs {
		for _, pat := range pluginPatterns {
			matches, err := filepath.Glob(filepath.Join(d, pat))
			if err != nil {
				continue
			}
			for _, m := range matches {
				name := nameOf(filepath.Base(m))
				if name == "" || seen[name] {
					continue
				}
				if fi, err := os.Stat(m); err != nil || fi.IsDir() {
					continue // broken link or directory
				}
				seen[name] = true
				found = append(found, Plugin{Name: name, Path: m})
			}
		}
	}
	return found
}

// nameOf returns a plugin file's plugin name, or "" if it is not one.
func nameOf(base string) string {
	for _, re := range pluginName {
		if m := re.FindStringSubmatch(base); m != nil {
			return m[1]
		}
	}
	return ""
}

// isCUDA reports whether a plugin name is a CUDA one, as the XLA backend
// judges it.
func isCUDA(name string) bool {
	u := strings.ToUpper(name)
	return strings.Contains(u, "CUDA") || strings.Contains(u, "NVIDIA")
}

// CUDADataDir returns the directory of NVIDIA libraries that belongs to the
// first CUDA plugin found in dirs: the "nvidia" directory next to the
// plugin's parent (the plugin installer puts the plugin itself inside it,
// <lib>/go-xla/nvidia/pjrt_c_api_cuda_plugin.so). It returns "" when there
// is no CUDA plugin or that directory does not exist.
func CUDADataDir(dirs []string) string {
	for _, p := range FindPlugins(dirs) {
		if !isCUDA(p.Name) {
			continue
		}
		d := filepath.Join(filepath.Dir(filepath.Dir(p.Path)), "nvidia")
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
		return ""
	}
	return ""
}

// cudaDataDirFlag is the XLA flag naming the NVIDIA libraries' directory.
const cudaDataDirFlag = "--xla_gpu_cuda_data_dir"

// setCUDADataDir adds --xla_gpu_cuda_data_dir=<CUDADataDir> to $XLA_FLAGS
// when a CUDA plugin is installed and the flag is not already there. The
// XLA backend (go-xla v0.1.4) otherwise sets it to a directory that exists
// only on its author's machine. It returns the new value, or "" if it left
// XLA_FLAGS alone.
func setCUDADataDir(dirs []string, lookup func(string) (string, bool), setenv func(string, string) error) string {
	flags, _ := lookup(EnvXLAFlags)
	if strings.Contains(flags, cudaDataDirFlag) {
		return ""
	}
	d := CUDADataDir(dirs)
	if d == "" {
		return ""
	}
	v := strings.TrimSpace(flags + " " + cudaDataDirFlag + "=" + d)
	if setenv(EnvXLAFlags, v) != nil {
		return ""
	}
	return v
}
