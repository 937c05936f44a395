package exercise

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestResultString(t *testing.T) {
	cases := []struct {
		r    Result
		want string
	}{
		{Result{ID: "x1", Status: Correct}, "✓ x1: correct"},
		{Result{ID: "x1", Status: Correct, Message: "noted"}, "✓ x1: correct — noted"},
		{Result{ID: "x1", Status: Todo, Message: "fill it in"}, "✗ x1: not yet — TODO: fill it in"},
		{Result{ID: "x1", Status: Wrong, Message: "centre first"}, "✗ x1: not yet — hint: centre first"},
	}
	for _, c := range cases {
		if got := c.r.String(); got != c.want {
			t.Errorf("%+v: got %q, want %q", c.r, got, c.want)
		}
		if c.r.OK() != (c.r.Status == Correct) {
			t.Errorf("%+v: OK() = %v", c.r, c.r.OK())
		}
	}
}

func TestEvaluateUnknownID(t *testing.T) {
	r := Evaluate("z9-nothing", 1.0)
	if r.OK() || !strings.Contains(r.Message, "a1-noise") || r.ID != "z9-nothing" {
		t.Fatalf("unknown id: %+v", r)
	}
}

// Every check answers every kind of junk without panicking, and none of it
// is judged correct.
func TestEvaluateNeverPanics(t *testing.T) {
	withConstructedRuns(t)
	t.Setenv(SeedEnv, "3")
	junk := []any{nil, math.NaN(), math.Inf(1), math.Inf(-1), -1, 0.5, 1e300, "", "zzz", "FC99", []int{1}, struct{}{}, int64(99), float32(-3)}
	for _, id := range IDs() {
		for _, a := range junk {
			r := Evaluate(id, a)
			if r.OK() {
				t.Errorf("%s accepted junk answer %#v: %s", id, a, r)
			}
			if r.Message == "" {
				t.Errorf("%s gave no message for %#v", id, a)
			}
			if r.ID != id {
				t.Errorf("%s: result carries id %q", id, r.ID)
			}
		}
	}
}

func TestTypeMismatchSaysWhatIsExpected(t *testing.T) {
	r := Evaluate("a1-noise", "0.5")
	if r.Status != Wrong || !strings.Contains(r.Message, "float64") || !strings.Contains(r.Message, "string") {
		t.Fatalf("got %+v", r)
	}
	r = Evaluate("d1-rank", 2.5)
	if r.Status != Wrong || !strings.Contains(r.Message, "int") {
		t.Fatalf("got %+v", r)
	}
}

func TestStrictMode(t *testing.T) {
	for _, c := range []struct {
		expect   string
		res      Result
		wantExit bool
	}{
		{"correct", Result{ID: "a", Status: Wrong, Message: "m"}, true},
		{"correct", Result{ID: "a", Status: Todo, Message: "m"}, true},
		{"correct", Result{ID: "a", Status: Correct}, false},
		{"", Result{ID: "a", Status: Wrong, Message: "m"}, false},
		{"", Result{ID: "a", Status: Todo, Message: "m"}, false},
	} {
		var out, errOut bytes.Buffer
		code := -1
		report(&out, &errOut, c.res, c.expect, func(n int) { code = n })
		if out.String() != c.res.String()+"\n" {
			t.Errorf("printed %q, want the result line", out.String())
		}
		if exited := code != -1; exited != c.wantExit {
			t.Errorf("expect=%q %v: exited=%v (code %d)", c.expect, c.res.Status, exited, code)
		}
		if c.wantExit && (code != 1 || !strings.Contains(errOut.String(), ExpectEnv)) {
			t.Errorf("exit code %d, stderr %q", code, errOut.String())
		}
	}
}

func TestQuestionsDescribed(t *testing.T) {
	if len(IDs()) < 11 {
		t.Fatalf("only %d checks registered: %v", len(IDs()), IDs())
	}
	for _, id := range IDs() {
		if Question(id) == "" {
			t.Errorf("%s has no question", id)
		}
	}
	if Question("nope") != "" {
		t.Error("unknown id has a question")
	}
}
