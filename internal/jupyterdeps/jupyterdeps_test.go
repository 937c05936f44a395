package jupyterdeps

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/docker"
)

// root is the repository root, from this package's directory.
var root = filepath.Join("..", "..")

// missing returns the packages of List that are not in have.
func missing(have []string) []string {
	var out []string
	for _, p := range List() {
		if !slices.Contains(have, p) {
			out = append(out, p)
		}
	}
	return out
}

// pkgsArray matches install-deps.sh's `pkgs=( … )` array.
var pkgsArray = regexp.MustCompile(`(?s)\npkgs=\(([^)]*)\)`)

func TestInstallDepsInstallsJupyter(t *testing.T) {
	path := filepath.Join(root, "scripts", "install-deps.sh")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := pkgsArray.FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s: no pkgs=( … ) array", path)
	}
	if miss := missing(strings.Fields(string(m[1]))); len(miss) > 0 {
		t.Errorf("%s: pkgs=( … ) lacks %v; add them (jupyterdeps.AptPackages)", path, miss)
	}
}

func TestDockerfileInstallsJupyter(t *testing.T) {
	path := filepath.Join(root, "docker", "Dockerfile")
	df, err := docker.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The words of every `apt-get install` command in a RUN instruction.
	var installed []string
	for _, st := range df.Stages {
		for _, in := range st.Instructions {
			if in.Cmd != "RUN" {
				continue
			}
			for _, cmd := range strings.FieldsFunc(in.Rest, func(r rune) bool { return r == '&' || r == ';' || r == '|' }) {
				if w := strings.Fields(cmd); len(w) > 2 && w[0] == "apt-get" && w[1] == "install" {
					installed = append(installed, w[2:]...)
				}
			}
		}
	}
	if len(installed) == 0 {
		t.Fatalf("%s: no RUN apt-get install", path)
	}
	if miss := missing(installed); len(miss) > 0 {
		t.Errorf("%s: apt-get install lacks %v; add them (jupyterdeps.AptPackages)", path, miss)
	}
}

// The checks above can fail: a list without one package is caught.
func TestMissingFindsAnAbsentPackage(t *testing.T) {
	all := List()
	if len(all) < 2 {
		t.Fatalf("List() = %v", all)
	}
	if got := missing(all[1:]); !slices.Equal(got, all[:1]) {
		t.Errorf("missing(all but %s) = %v", all[0], got)
	}
	if got := missing(all); len(got) != 0 {
		t.Errorf("missing(all) = %v", got)
	}
}
