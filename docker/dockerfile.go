// Package docker holds deepnrc's container images (Dockerfile, entrypoint)
// and a small Dockerfile reader, so that tests can check the images' promises
// (plugins installed, environment set, non-root user, health check, kernel
// installed, every copied file present) without a Docker engine.
//
// The reader covers what the images use: line continuations, comments,
// flags (--from=, --chown=, ...), shell and exec (JSON) forms, multi-stage
// builds with ARG-substituted FROM lines, and ENV expansion of $VAR and
// ${VAR}. It does not run anything.
package docker

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Instruction is one Dockerfile instruction.
type Instruction struct {
	// Line is the 1-based line the instruction starts on.
	Line int
	// Cmd is the keyword in upper case: FROM, RUN, COPY, ENV, ...
	Cmd string
	// Flags are the leading --name=value options (--from, --chown,
	// --interval, ...); a flag without "=" has the value "".
	Flags map[string]string
	// Rest is the text after the keyword and flags, continuation lines
	// joined with a space.
	Rest string
	// Exec is set when Rest is a JSON list (exec form); Args then holds it.
	Exec bool
	// Args are Rest's words: the JSON list in exec form, else Rest split on
	// blanks with quotes and backslash escapes resolved.
	Args []string
}

// Stage is one FROM section of a Dockerfile.
type Stage struct {
	// Name is the stage's "AS name" (lower-cased), or "" if unnamed.
	Name string
	// From is the FROM argument as written (before ARG substitution).
	From string
	// Instructions are the stage's instructions, FROM included.
	Instructions []Instruction
}

// File is a parsed Dockerfile.
type File struct {
	// GlobalArgs are the ARG defaults declared before the first FROM.
	GlobalArgs map[string]string
	// Stages are the FROM sections in order.
	Stages []*Stage
}

// known lists the instructions the reader accepts.
var known = map[string]bool{
	"FROM": true, "RUN": true, "COPY": true, "ADD": true, "ENV": true, "ARG": true, "USER": true,
	"WORKDIR": true, "EXPOSE": true, "HEALTHCHECK": true, "CMD": true, "ENTRYPOINT": true,
	"LABEL": true, "SHELL": true, "VOLUME": true, "STOPSIGNAL": true, "ONBUILD": true,
}

// ParseFile reads and parses the Dockerfile at path.
func ParseFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	df, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return df, nil
}

// Parse parses a Dockerfile.
func Parse(r io.Reader) (*File, error) {
	lines, err := logicalLines(r)
	if err != nil {
		return nil, err
	}
	df := &File{GlobalArgs: map[string]string{}}
	for _, l := range lines {
		in, err := parseInstruction(l.n, l.text)
		if err != nil {
			return nil, err
		}
		switch {
		case in.Cmd == "FROM":
			st := &Stage{}
			if len(in.Args) == 0 {
				return nil, fmt.Errorf("line %d: FROM without an image", in.Line)
			}
			st.From = in.Args[0]
			if len(in.Args) == 3 && strings.EqualFold(in.Args[1], "AS") {
				st.Name = strings.ToLower(in.Args[2])
			} else if len(in.Args) != 1 {
				return nil, fmt.Errorf("line %d: FROM wants `image [AS name]`, got %q", in.Line, in.Rest)
			}
			st.Instructions = append(st.Instructions, in)
			df.Stages = append(df.Stages, st)
		case len(df.Stages) == 0:
			if in.Cmd != "ARG" {
				return nil, fmt.Errorf("line %d: %s before the first FROM (only ARG may come first)", in.Line, in.Cmd)
			}
			for _, a := range in.Args {
				k, v, _ := strings.Cut(a, "=")
				df.GlobalArgs[k] = v
			}
		default:
			st := df.Stages[len(df.Stages)-1]
			st.Instructions = append(st.Instructions, in)
		}
	}
	if len(df.Stages) == 0 {
		return nil, fmt.Errorf("no FROM instruction")
	}
	return df, nil
}

type logicalLine struct {
	n    int
	text string
}

// logicalLines joins continued lines and drops comments and blank lines.
func logicalLines(r io.Reader) ([]logicalLine, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var out []logicalLine
	var cur strings.Builder
	start, n := 0, 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \t\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue // also inside a continued instruction, as Docker does
		}
		if cur.Len() == 0 {
			start = n
		} else {
			cur.WriteByte(' ')
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSpace(strings.TrimSuffix(line, `\`)))
			continue
		}
		cur.WriteString(trimmed)
		out = append(out, logicalLine{start, cur.String()})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur.Len() > 0 {
		return nil, fmt.Errorf("line %d: the file ends inside a continued instruction (trailing \\)", start)
	}
	return out, nil
}

// parseInstruction splits one logical line into keyword, flags and arguments.
func parseInstruction(line int, text string) (Instruction, error) {
	kw, rest, _ := strings.Cut(text, " ")
	in := Instruction{Line: line, Cmd: strings.ToUpper(kw), Flags: map[string]string{}}
	if !known[in.Cmd] {
		return in, fmt.Errorf("line %d: unknown instruction %q", line, kw)
	}
	rest = strings.TrimSpace(rest)
	for strings.HasPrefix(rest, "--") {
		flag, after, _ := strings.Cut(rest, " ")
		k, v, _ := strings.Cut(strings.TrimPrefix(flag, "--"), "=")
		in.Flags[k] = v
		rest = strings.TrimSpace(after)
	}
	in.Rest = rest
	if strings.HasPrefix(rest, "[") && in.Cmd != "HEALTHCHECK" {
		var list []string
		if err := json.Unmarshal([]byte(rest), &list); err == nil {
			in.Exec, in.Args = true, list
			return in, nil
		}
	}
	words, err := Words(rest)
	if err != nil {
		return in, fmt.Errorf("line %d: %s: %w", line, in.Cmd, err)
	}
	in.Args = words
	return in, nil
}

// Words splits s on blanks the way Dockerfile arguments are split: quotes
// group words and are removed, a backslash escapes the next character
// (outside single quotes).
func Words(s string) ([]string, error) { return words(s, nil) }

// words is Words that, when vars is not nil, also expands variable
// references outside single quotes (as ENV, ARG, COPY, ... do).
func words(s string, vars map[string]string) ([]string, error) {
	var out []string
	var w strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != '\'' && c == '\\' && i+1 < len(s):
			i++
			w.WriteByte(s[i])
			inWord = true
		case vars != nil && quote != '\'' && c == '$':
			n := refLen(s[i:])
			w.WriteString(Expand(s[i:i+n], vars))
			i += n - 1
			inWord = true
		case quote != 0:
			w.WriteByte(c)
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				out = append(out, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote in %q", quote, s)
	}
	if inWord {
		out = append(out, w.String())
	}
	return out, nil
}

// refLen is the length of the variable reference at the start of s ("$"
// alone counts 1).
func refLen(s string) int {
	if len(s) > 1 && s[1] == '{' {
		if end := strings.IndexByte(s, '}'); end > 0 {
			return end + 1
		}
		return len(s)
	}
	j := 1
	for j < len(s) && isNameByte(s[j], j > 1) {
		j++
	}
	return j
}

// isNameByte reports whether c may appear in a variable name (digits not
// first).
func isNameByte(c byte, notFirst bool) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || notFirst && c >= '0' && c <= '9'
}

// Chain returns the stages that make up the image built from the last
// stage, base first: each FROM that names an earlier stage pulls that
// stage's chain in. FROM lines are expanded with the global ARGs, overridden
// by buildArgs (docker build --build-arg).
func (f *File) Chain(buildArgs map[string]string) ([]*Stage, error) {
	vars := map[string]string{}
	for k, v := range f.GlobalArgs {
		vars[k] = v
	}
	for k, v := range buildArgs {
		vars[k] = v
	}
	byName := map[string]int{}
	for i, st := range f.Stages {
		if st.Name != "" {
			byName[st.Name] = i
		}
	}
	var chain []*Stage
	seen := map[int]bool{}
	for i := len(f.Stages) - 1; ; {
		if seen[i] {
			return nil, fmt.Errorf("stage %d: FROM loop", i)
		}
		seen[i] = true
		st := f.Stages[i]
		chain = append([]*Stage{st}, chain...)
		from := strings.ToLower(Expand(st.From, vars))
		j, ok := byName[from]
		if !ok {
			return chain, nil
		}
		if j >= i {
			return nil, fmt.Errorf("stage %q: FROM %q names a later stage", st.Name, from)
		}
		i = j
	}
}

// Root returns the external image a chain starts from, ARGs expanded.
func (f *File) Root(chain []*Stage, buildArgs map[string]string) string {
	vars := map[string]string{}
	for k, v := range f.GlobalArgs {
		vars[k] = v
	}
	for k, v := range buildArgs {
		vars[k] = v
	}
	return Expand(chain[0].From, vars)
}

// Instructions lists a chain's instructions in build order.
func Instructions(chain []*Stage) []Instruction {
	var all []Instruction
	for _, st := range chain {
		all = append(all, st.Instructions...)
	}
	return all
}

// Env returns the environment a chain's final image sets with ENV, each
// value expanded against the variables set before it (ENV values, and ARG
// values of the stage while it builds). base seeds it (e.g. the root image's
// PATH).
func Env(chain []*Stage, base map[string]string) (map[string]string, error) {
	env := map[string]string{}
	for k, v := range base {
		env[k] = v
	}
	for _, st := range chain {
		args := map[string]string{}
		lookup := map[string]string{}
		for _, in := range st.Instructions {
			switch in.Cmd {
			case "ARG":
				for _, a := range in.Args {
					k, v, _ := strings.Cut(a, "=")
					args[k] = v
				}
			case "ENV":
				for k, v := range args {
					lookup[k] = v
				}
				for k, v := range env {
					lookup[k] = v
				}
				pairs, err := envPairs(in, lookup)
				if err != nil {
					return nil, err
				}
				// All pairs of one ENV see the values from before it.
				for _, p := range pairs {
					env[p[0]] = p[1]
				}
			}
		}
	}
	return env, nil
}

// envPairs returns an ENV instruction's key/value pairs, in both the
// "K=V K2=V2" and the legacy "K V" forms, values expanded against vars
// outside single quotes.
func envPairs(in Instruction, vars map[string]string) ([][2]string, error) {
	if len(in.Args) >= 1 && !strings.Contains(in.Args[0], "=") {
		k, v, _ := strings.Cut(in.Rest, " ")
		return [][2]string{{k, Expand(strings.TrimSpace(v), vars)}}, nil
	}
	ws, err := words(in.Rest, vars)
	if err != nil {
		return nil, fmt.Errorf("line %d: ENV: %w", in.Line, err)
	}
	var pairs [][2]string
	for _, a := range ws {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("line %d: ENV %q is not KEY=VALUE", in.Line, a)
		}
		pairs = append(pairs, [2]string{k, v})
	}
	return pairs, nil
}

// Expand replaces $NAME, ${NAME}, ${NAME:-word} and ${NAME:+word} in s with
// values from vars (unset names expand to "").
func Expand(s string, vars map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == '{' {
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				b.WriteString(s[i:])
				break
			}
			expr := s[i+2 : i+end]
			name, word, mod := expr, "", ""
			if k := strings.Index(expr, ":-"); k >= 0 {
				name, word, mod = expr[:k], expr[k+2:], "-"
			} else if k := strings.Index(expr, ":+"); k >= 0 {
				name, word, mod = expr[:k], expr[k+2:], "+"
			}
			v, set := vars[name]
			switch {
			case mod == "-" && (!set || v == ""):
				v = word
			case mod == "+":
				if set && v != "" {
					v = word
				} else {
					v = ""
				}
			}
			b.WriteString(v)
			i += end
			continue
		}
		j := i + 1
		for j < len(s) && isNameByte(s[j], j > i+1) {
			j++
		}
		if j == i+1 {
			b.WriteByte('$')
			continue
		}
		b.WriteString(vars[s[i+1:j]])
		i = j - 1
	}
	return b.String()
}
