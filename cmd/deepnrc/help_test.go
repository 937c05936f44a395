package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// flagLine is a flag as PrintDefaults shows it: "  -name" and at most one
// word, the argument's name.
var flagLine = regexp.MustCompile(`^  -(\S+)(.*)$`)

// Every -h exits 0 and ends in examples; no flag's argument name is a
// phrase (Go's flag package takes a back-quoted word of the usage text as
// the argument name, which printed "-data deepnrc data list").
func TestEveryHelpHasExamplesAndExitsZero(t *testing.T) {
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	helps := [][]string{{"-h"}, {"help"}}
	for _, n := range names {
		helps = append(helps, []string{n, "-h"})
		if len(commands[n].examples) == 0 {
			t.Errorf("command %s has no examples", n)
		}
	}
	helps = append(helps, []string{"bench", "train", "-h"}, []string{"bench", "--help"},
		[]string{"data", "list", "-h"}, []string{"data", "info", "-h"}, []string{"data", "fetch", "-h"},
		[]string{"notebooks", "list", "-h"}, []string{"notebooks", "run", "-h"}, []string{"notebooks", "strip", "-h"},
		[]string{"sweep", "plan", "-h"}, []string{"sweep", "slurm", "-h"}, []string{"sweep", "run", "-h"})
	for _, args := range helps {
		code, stdout, stderr := runArgs(t, args...)
		out := stdout + stderr
		if code != 0 {
			t.Errorf("deepnrc %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
		if !strings.Contains(out, "\nExamples:\n  ") {
			t.Errorf("deepnrc %s: no Examples block:\n%s", strings.Join(args, " "), out)
		}
		for _, line := range strings.Split(out, "\n") {
			m := flagLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			// A short flag's usage follows on the same line after a tab.
			argName, _, _ := strings.Cut(m[2], "\t")
			if arg := strings.Fields(argName); len(arg) > 1 {
				t.Errorf("deepnrc %s: flag line %q has a phrase for its argument name", strings.Join(args, " "), line)
			}
		}
	}
}

// The examples name real commands and flags: each example of a command
// starts with "deepnrc <that command>" (or a variable assignment, a
// Python script or a pointer to another command).
func TestExamplesNameTheirCommand(t *testing.T) {
	for n, c := range commands {
		own := 0
		for _, e := range c.examples {
			if strings.HasPrefix(e, "deepnrc "+n) || strings.Contains(e, " deepnrc "+n) {
				own++
			}
		}
		if own == 0 {
			t.Errorf("no example of %s shows `deepnrc %s`: %q", n, n, c.examples)
		}
	}
}

// reproduce without --out writes a directory the repository ignores.
func TestDefaultReproduceDirIsIgnored(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not in a git checkout: %v", err)
	}
	root := strings.TrimSpace(string(out))
	cmd := exec.Command("git", "check-ignore", "-q", filepath.Join(DefaultReproduceDir, "report.html"))
	cmd.Dir = root
	if err := cmd.Run(); err != nil {
		t.Errorf("%s/ is not covered by .gitignore (git check-ignore: %v); reproduce's default output would show in git status", DefaultReproduceDir, err)
	}
}
