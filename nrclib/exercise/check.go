package exercise

import (
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
)

// ExpectEnv is the environment variable that puts checks in strict mode:
// with the value "correct" (as the solutions notebooks set it with
// `%env DEEPNRC_EXERCISE_EXPECT=correct`), a check that is not correct prints
// its result, then a line on stderr, and exits the cell's program with
// status 1.
const ExpectEnv = "DEEPNRC_EXERCISE_EXPECT"

// Status says how an answer fared.
type Status int

const (
	// Todo means the answer is still the TODO placeholder (NaN, "" or 0).
	Todo Status = iota
	// Wrong means an answer was given but it is not the expected one.
	Wrong
	// Correct means the answer is right (or, for a prediction, recorded).
	Correct
)

// String returns "todo", "wrong" or "correct".
func (s Status) String() string {
	switch s {
	case Todo:
		return "todo"
	case Wrong:
		return "wrong"
	case Correct:
		return "correct"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Result is the outcome of one check.
type Result struct {
	// ID is the check's id, e.g. "a1-noise".
	ID string
	// Status is Correct, Wrong or Todo.
	Status Status
	// Message is the hint for a Wrong or Todo answer, or a note for a
	// Correct one (may be empty). It never contains the expected answer.
	Message string
}

// OK reports whether the answer was correct.
func (r Result) OK() bool { return r.Status == Correct }

// String renders the result as Check prints it:
// "✓ ID: correct", "✓ ID: correct — note", "✗ ID: not yet — hint: …" or
// "✗ ID: not yet — TODO: …".
func (r Result) String() string {
	switch r.Status {
	case Correct:
		if r.Message != "" {
			return fmt.Sprintf("✓ %s: correct — %s", r.ID, r.Message)
		}
		return fmt.Sprintf("✓ %s: correct", r.ID)
	case Todo:
		return fmt.Sprintf("✗ %s: not yet — TODO: %s", r.ID, r.Message)
	default:
		return fmt.Sprintf("✗ %s: not yet — hint: %s", r.ID, r.Message)
	}
}

// A checker evaluates one question's answers.
type checker struct {
	id       string
	question string
	eval     func(answer any) Result
}

var registry = map[string]checker{}

// register adds a check; called from init functions of this package.
func register(id, question string, eval func(answer any) Result) {
	if _, dup := registry[id]; dup {
		panic("exercise: duplicate check id " + id)
	}
	registry[id] = checker{id: id, question: question, eval: eval}
}

// IDs returns the ids of every check, sorted.
func IDs() []string {
	ids := make([]string, 0, len(registry))
	for id := range registry {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Question returns the question a check answers, or "" for an unknown id.
func Question(id string) string { return registry[id].question }

// Evaluate checks answer against the check id without printing anything.
// An unknown id, an answer of the wrong type and any failure to compute the
// expected answer come back as a not-correct Result that says so; Evaluate
// never panics.
func Evaluate(id string, answer any) (res Result) {
	c, ok := registry[id]
	if !ok {
		return Result{ID: id, Status: Wrong, Message: fmt.Sprintf("there is no check %q; the checks are %s", id, strings.Join(IDs(), ", "))}
	}
	defer func() {
		if p := recover(); p != nil {
			res = Result{ID: id, Status: Wrong, Message: fmt.Sprintf("the check itself failed (%v); please report this to your teacher", p)}
		}
	}()
	res = c.eval(answer)
	res.ID = id
	return res
}

// Check evaluates answer against the check id (see Evaluate), prints the
// result on standard output and returns it. In strict mode (ExpectEnv set to
// "correct") a result that is not correct also ends the program with exit
// status 1.
func Check(id string, answer any) Result {
	res := Evaluate(id, answer)
	report(os.Stdout, os.Stderr, res, os.Getenv(ExpectEnv), os.Exit)
	return res
}

// report prints res and enforces strict mode.
func report(stdout, stderr io.Writer, res Result, expect string, exit func(int)) {
	fmt.Fprintln(stdout, res)
	if expect == "correct" && !res.OK() {
		fmt.Fprintf(stderr, "exercise: check %s is not correct, but %s=correct says every check must pass here (a solutions notebook)\n", res.ID, ExpectEnv)
		exit(1)
	}
}

// todo returns a Todo result.
func todo(msg string) Result { return Result{Status: Todo, Message: msg} }

// wrong returns a Wrong result.
func wrong(format string, args ...any) Result {
	return Result{Status: Wrong, Message: fmt.Sprintf(format, args...)}
}

// correct returns a Correct result with an optional note.
func correct(note string) Result { return Result{Status: Correct, Message: note} }

// asFloat converts a numeric answer to float64.
func asFloat(a any) (float64, bool) {
	switch v := a.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	}
	return 0, false
}

// asInt converts an integer answer (or a float64 holding an integer) to int.
func asInt(a any) (int, bool) {
	switch v := a.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case int32:
		return int(v), true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e9 {
			return int(v), true
		}
	}
	return 0, false
}

// typeHint is the message for an answer of the wrong Go type.
func typeHint(a any, want string) Result {
	return wrong("the answer should be %s, but got a %T", want, a)
}

// near reports whether a and b agree to a relative tolerance.
func near(a, b, rel float64) bool {
	if math.IsInf(a, 0) || math.IsInf(b, 0) || math.IsNaN(a) || math.IsNaN(b) {
		return a == b
	}
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))+1e-12
}
