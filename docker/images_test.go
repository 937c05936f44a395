package docker

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the build context of the images.
const repoRoot = ".."

// pluginDir is where the images install the PJRT plugins.
const pluginDir = "/usr/local/lib/go-xla"

// image is one variant's chain of stages and its instructions.
type image struct {
	variant string
	df      *File
	chain   []*Stage
	ins     []Instruction
	env     map[string]string
}

func loadImages(t *testing.T) []image {
	t.Helper()
	df, err := ParseFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var out []image
	for _, v := range []string{"cpu", "cuda"} {
		args := map[string]string{"VARIANT": v}
		chain, err := df.Chain(args)
		if err != nil {
			t.Fatalf("VARIANT=%s: %v", v, err)
		}
		env, err := Env(chain, map[string]string{"PATH": "/usr/bin:/bin"})
		if err != nil {
			t.Fatalf("VARIANT=%s: %v", v, err)
		}
		out = append(out, image{v, df, chain, Instructions(chain), env})
	}
	if df.GlobalArgs["VARIANT"] != "cpu" {
		t.Errorf("default VARIANT %q, want cpu", df.GlobalArgs["VARIANT"])
	}
	return out
}

func TestImageStages(t *testing.T) {
	for _, im := range loadImages(t) {
		var names []string
		for _, st := range im.chain {
			names = append(names, st.Name)
		}
		want := []string{"base", "installer", "plugins-" + im.variant, "final"}
		if !slices.Equal(names, want) {
			t.Errorf("%s: stages %q, want %q", im.variant, names, want)
		}
		if root := im.df.Root(im.chain, nil); root != "ubuntu:24.04" {
			t.Errorf("%s: root image %q", im.variant, root)
		}
	}
}

// TestCopySourcesExist checks that every file the images copy from the
// build context is in the repository.
func TestCopySourcesExist(t *testing.T) {
	df, err := ParseFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, st := range df.Stages {
		for _, in := range st.Instructions {
			if (in.Cmd != "COPY" && in.Cmd != "ADD") || in.Flags["from"] != "" {
				continue
			}
			if len(in.Args) < 2 {
				t.Errorf("line %d: %s needs a source and a destination", in.Line, in.Cmd)
				continue
			}
			for _, src := range in.Args[:len(in.Args)-1] {
				n++
				matches, err := filepath.Glob(filepath.Join(repoRoot, src))
				if err != nil || len(matches) == 0 {
					t.Errorf("line %d: %s source %q is not in the repository", in.Line, in.Cmd, src)
				}
			}
		}
	}
	if n < 5 {
		t.Fatalf("only %d COPY sources found; the parser lost some", n)
	}
}

func TestImageEnvironment(t *testing.T) {
	for _, im := range loadImages(t) {
		want := map[string]string{
			"GOMLX_NO_AUTO_INSTALL":    "1",
			"PJRT_PLUGIN_LIBRARY_PATH": pluginDir + ":" + pluginDir + "/nvidia",
			"GOTOOLCHAIN":              "local",
		}
		if im.variant == "cuda" {
			want["XLA_FLAGS"] = "--xla_gpu_cuda_data_dir=" + pluginDir + "/nvidia"
			want["GOMLX_BACKEND"] = "xla:cuda"
			want["NVIDIA_VISIBLE_DEVICES"] = "all"
		}
		for k, v := range want {
			if im.env[k] != v {
				t.Errorf("%s: ENV %s=%q, want %q", im.variant, k, im.env[k], v)
			}
		}
		if im.variant == "cpu" {
			for _, k := range []string{"XLA_FLAGS", "GOMLX_BACKEND"} {
				if v, ok := im.env[k]; ok {
					t.Errorf("cpu: %s=%q is set; the CPU image keeps the defaults", k, v)
				}
			}
		}
		path := strings.Split(im.env["PATH"], ":")
		for _, d := range []string{"/usr/local/go/bin", "/home/deepnrc/go/bin", "/usr/bin"} {
			if !slices.Contains(path, d) {
				t.Errorf("%s: PATH %q lacks %s", im.variant, im.env["PATH"], d)
			}
		}
	}
}

// runs returns the RUN instructions whose text matches re.
func runs(ins []Instruction, re string) []Instruction {
	var out []Instruction
	rx := regexp.MustCompile(re)
	for _, in := range ins {
		if in.Cmd == "RUN" && rx.MatchString(in.Rest) {
			out = append(out, in)
		}
	}
	return out
}

// userAt returns the user in effect at instruction index i ("root" when no
// USER came before).
func userAt(ins []Instruction, i int) string {
	u := "root"
	for _, in := range ins[:i] {
		if in.Cmd == "USER" && len(in.Args) > 0 {
			u = in.Args[0]
		}
	}
	return u
}

func isRoot(u string) bool {
	name, _, _ := strings.Cut(u, ":")
	return name == "root" || name == "0"
}

func TestImageSteps(t *testing.T) {
	for _, im := range loadImages(t) {
		// Jupyter from the distribution, with every package the notebooks need.
		apt := runs(im.ins, `apt-get install`)
		if len(apt) != 1 {
			t.Fatalf("%s: %d apt-get install steps, want 1", im.variant, len(apt))
		}
		words, _ := Words(apt[0].Rest)
		for _, p := range []string{"jupyter-notebook", "jupyter-nbconvert", "python3-nbclient", "python3-ipykernel", "jupyter-client", "gcc", "ca-certificates"} {
			if !slices.Contains(words, p) {
				t.Errorf("%s: apt-get install lacks %s", im.variant, p)
			}
		}
		// Plugins: installed by the project's installer, CUDA only in the cuda image.
		inst := runs(im.ins, `(^|\s)install-pjrt\s`)
		if len(inst) != 1 {
			t.Fatalf("%s: %d install-pjrt steps, want 1", im.variant, len(inst))
		}
		if !strings.Contains(inst[0].Rest, "-dir "+pluginDir) {
			t.Errorf("%s: install-pjrt %q does not install into %s", im.variant, inst[0].Rest, pluginDir)
		}
		if got := strings.Contains(inst[0].Rest, "-cuda"); got != (im.variant == "cuda") {
			t.Errorf("%s: install-pjrt %q: -cuda present=%v", im.variant, inst[0].Rest, got)
		}
		if len(runs(im.ins, `go build -o /usr/local/bin/install-pjrt ./cmd/install-pjrt`)) != 1 {
			t.Errorf("%s: the installer is not built from ./cmd/install-pjrt", im.variant)
		}

		// deepnrc with XLA, goimports, the kernel, all as the notebook user.
		for _, step := range []string{
			`go build -tags xla -o \S+/deepnrc ./cmd/deepnrc`,
			`go build -o \S+ golang.org/x/tools/cmd/goimports`,
			`go run ./kernel install`,
			`deepnrc doctor -require-xla`,
		} {
			found := false
			for i, in := range im.ins {
				if in.Cmd == "RUN" && regexp.MustCompile(step).MatchString(in.Rest) {
					found = true
					if u := userAt(im.ins, i); isRoot(u) {
						t.Errorf("%s: %q runs as %s, want the notebook user", im.variant, step, u)
					}
				}
			}
			if !found {
				t.Errorf("%s: no RUN step matching %q", im.variant, step)
			}
		}

		// Runs as a non-root user, with a health check, serving the notebooks.
		var cmdAt = -1
		var health, entry *Instruction
		for i := range im.ins {
			switch im.ins[i].Cmd {
			case "CMD":
				cmdAt = i
			case "HEALTHCHECK":
				health = &im.ins[i]
			case "ENTRYPOINT":
				entry = &im.ins[i]
			}
		}
		if cmdAt < 0 {
			t.Fatalf("%s: no CMD", im.variant)
		}
		if u := userAt(im.ins, cmdAt); isRoot(u) {
			t.Errorf("%s: the container runs as %q", im.variant, u)
		}
		if health == nil || strings.HasPrefix(strings.ToUpper(health.Rest), "NONE") || !strings.Contains(health.Rest, "8888") {
			t.Errorf("%s: HEALTHCHECK %+v, want one probing port 8888", im.variant, health)
		}
		if cmd := im.ins[cmdAt]; !cmd.Exec || !slices.Contains(cmd.Args, "jupyter") || !slices.Contains(cmd.Args, "--port=8888") {
			t.Errorf("%s: CMD %q, want jupyter on port 8888", im.variant, cmd.Args)
		}
		if entry == nil || !entry.Exec || entry.Args[0] != "/usr/local/bin/deepnrc-entrypoint" {
			t.Errorf("%s: ENTRYPOINT %+v, want the token-checking entrypoint", im.variant, entry)
		}
		expose, workdir := false, ""
		for _, in := range im.ins {
			if in.Cmd == "EXPOSE" && slices.Contains(in.Args, "8888") {
				expose = true
			}
			if in.Cmd == "WORKDIR" {
				workdir = in.Args[0]
			}
		}
		if !expose {
			t.Errorf("%s: port 8888 not exposed", im.variant)
		}
		if workdir != "/home/deepnrc/deepnrc/notebooks" {
			t.Errorf("%s: final WORKDIR %q, want the notebooks directory", im.variant, workdir)
		}
	}
}

// TestDockerignore checks that the build context leaves out the git
// history and local binaries, and keeps what the Dockerfile copies.
func TestDockerignore(t *testing.T) {
	b, err := os.ReadFile("Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(b))
	for _, want := range []string{".git", "/deepnrc", "/warmup"} {
		if !slices.Contains(lines, want) {
			t.Errorf("Dockerfile.dockerignore lacks %s", want)
		}
	}
	for _, keep := range []string{"docker", "cmd", "nrclib", "go.mod", "kernel", "notebooks"} {
		if slices.Contains(lines, keep) || slices.Contains(lines, "/"+keep) {
			t.Errorf("Dockerfile.dockerignore drops %s, which the image needs", keep)
		}
	}
}

// TestEntrypointToken runs the entrypoint with a stand-in command that
// prints JUPYTER_TOKEN: a given token passes through, a missing or empty one
// is replaced by a random 48-hex-digit token announced on stderr.
func TestEntrypointToken(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	run := func(token *string) (string, string) {
		cmd := exec.Command(sh, "entrypoint.sh", sh, "-c", `printf %s "$JUPYTER_TOKEN"`)
		cmd.Env = []string{"PATH=/usr/bin:/bin"}
		if token != nil {
			cmd.Env = append(cmd.Env, "JUPYTER_TOKEN="+*token)
		}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("entrypoint: %v: %s", err, errb.String())
		}
		return out.String(), errb.String()
	}
	given := "s3cret"
	if out, _ := run(&given); out != given {
		t.Fatalf("JUPYTER_TOKEN=%s passed through as %q", given, out)
	}
	hex48 := regexp.MustCompile(`^[0-9a-f]{48}$`)
	empty := ""
	seen := map[string]bool{}
	for _, tok := range []*string{nil, &empty} {
		out, stderr := run(tok)
		if !hex48.MatchString(out) || !strings.Contains(stderr, out) || seen[out] {
			t.Fatalf("generated token %q (stderr %q): want a fresh 48-hex-digit token shown on stderr", out, stderr)
		}
		seen[out] = true
	}
	fi, err := os.Stat("entrypoint.sh")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&0o111 == 0 {
		t.Errorf("entrypoint.sh is not executable (%v)", fi.Mode())
	}
}
