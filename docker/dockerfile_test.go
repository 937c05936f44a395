package docker

import (
	"slices"
	"strings"
	"testing"
)

const sample = `# syntax=docker/dockerfile:1
ARG VARIANT=a
ARG IMG="img:1"

FROM ${IMG} AS base
ENV PATH=/opt/bin:$PATH \
    # a comment inside a continuation is dropped
    ONE="x y" TWO='$ONE'
RUN echo one \
 && echo two

FROM base AS var-a
ENV PICK=a SEEN=${ONE}
FROM base AS var-b
ENV PICK=b
ENV LEGACY some value here

FROM var-${VARIANT} AS final
ARG LOCAL=l1
ENV FROMARG=$LOCAL DEF=${UNSET:-dflt} ALT=${PICK:+set}
COPY --chown=u:u --chmod=0755 a.txt "b c.txt" /dst/
COPY --from=base /x /y
USER 1000
HEALTHCHECK --interval=5s CMD ["true"]
CMD ["run", "it"]
`

func TestParseSample(t *testing.T) {
	df, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if df.GlobalArgs["VARIANT"] != "a" || df.GlobalArgs["IMG"] != "img:1" {
		t.Fatalf("global args %v", df.GlobalArgs)
	}
	var names []string
	for _, st := range df.Stages {
		names = append(names, st.Name)
	}
	if want := []string{"base", "var-a", "var-b", "final"}; !slices.Equal(names, want) {
		t.Fatalf("stages %q, want %q", names, want)
	}
	run := df.Stages[0].Instructions[2]
	if run.Cmd != "RUN" || run.Line != 9 || run.Rest != "echo one && echo two" {
		t.Fatalf("RUN = %+v", run)
	}
	final := df.Stages[3].Instructions
	cp := final[3]
	if cp.Cmd != "COPY" || cp.Flags["chown"] != "u:u" || cp.Flags["chmod"] != "0755" ||
		!slices.Equal(cp.Args, []string{"a.txt", "b c.txt", "/dst/"}) {
		t.Fatalf("COPY = %+v", cp)
	}
	if from := final[4]; from.Flags["from"] != "base" {
		t.Fatalf("COPY --from = %+v", from)
	}
	if hc := final[6]; hc.Cmd != "HEALTHCHECK" || hc.Flags["interval"] != "5s" || !strings.HasPrefix(hc.Rest, "CMD") {
		t.Fatalf("HEALTHCHECK = %+v", hc)
	}
	if cmd := final[7]; !cmd.Exec || !slices.Equal(cmd.Args, []string{"run", "it"}) {
		t.Fatalf("CMD = %+v", cmd)
	}
}

func TestChainAndEnv(t *testing.T) {
	df, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	for variant, want := range map[string][]string{"a": {"base", "var-a", "final"}, "b": {"base", "var-b", "final"}} {
		chain, err := df.Chain(map[string]string{"VARIANT": variant})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, st := range chain {
			names = append(names, st.Name)
		}
		if !slices.Equal(names, want) {
			t.Fatalf("VARIANT=%s: chain %q, want %q", variant, names, want)
		}
		if root := df.Root(chain, nil); root != "img:1" {
			t.Fatalf("root %q", root)
		}
		env, err := Env(chain, map[string]string{"PATH": "/usr/bin"})
		if err != nil {
			t.Fatal(err)
		}
		wantEnv := map[string]string{
			"PATH": "/opt/bin:/usr/bin", "ONE": "x y", "TWO": "$ONE", "PICK": variant,
			"FROMARG": "l1", "DEF": "dflt", "ALT": "set",
		}
		if variant == "a" {
			wantEnv["SEEN"] = "x y"
		} else {
			wantEnv["LEGACY"] = "some value here"
		}
		if len(env) != len(wantEnv) {
			t.Errorf("VARIANT=%s: env %q, want %q", variant, env, wantEnv)
		}
		for k, v := range wantEnv {
			if env[k] != v {
				t.Errorf("VARIANT=%s: %s=%q, want %q", variant, k, env[k], v)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	for name, src := range map[string]string{
		"unknown instruction": "FROM x\nFOO bar\n",
		"no FROM":             "ARG A=1\n",
		"RUN before FROM":     "RUN true\nFROM x\n",
		"dangling backslash":  "FROM x\nRUN a \\\n",
		"bad quote":           "FROM x\nENV A=\"b\n",
		"bad FROM":            "FROM x AS\n",
	} {
		if _, err := Parse(strings.NewReader(src)); err == nil {
			t.Errorf("%s: Parse(%q) = nil error", name, src)
		}
	}
}

func TestWordsAndExpand(t *testing.T) {
	w, err := Words(`a "b c" 'd $e' f\ g "h\"i"`)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b c", "d $e", "f g", `h"i`}; !slices.Equal(w, want) {
		t.Fatalf("Words = %q, want %q", w, want)
	}
	vars := map[string]string{"A": "1", "B_2": "two", "E": ""}
	for in, want := range map[string]string{
		"$A/${B_2}": "1/two", "${E:-d}": "d", "${A:-d}": "1", "${E:+p}": "", "${A:+p}": "p",
		"$$": "$$", "x$": "x$", "$9": "$9", "${UNSET}z": "z",
	} {
		if got := Expand(in, vars); got != want {
			t.Errorf("Expand(%q) = %q, want %q", in, got, want)
		}
	}
}
