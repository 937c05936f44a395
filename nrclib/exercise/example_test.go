package exercise_test

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/exercise"
)

// A notebook cell calls Check with its check id and the student's answer;
// Check prints the verdict and returns it.
func ExampleCheck() {
	exercise.Check("c3-why", "a") // a wrong choice gets a hint
	r := exercise.Check("c3-why", "b")
	fmt.Println("ok:", r.OK())
	// Output:
	// ✗ c3-why: not yet — hint: the decay term λ·w is deterministic: it adds no noise
	// ✓ c3-why: correct
	// ok: true
}

// An answer still at its TODO placeholder is "not yet", with a reminder of
// what to compute; it never crashes the cell.
func ExampleEvaluate() {
	r := exercise.Evaluate("a3-stable-rank", 0.0)
	fmt.Println(r.Status)
	fmt.Println(r)
	// Output:
	// todo
	// ✗ a3-stable-rank: not yet — TODO: compute the stable rank and return it instead of the placeholder (centre H, form Σ_H, return the sum of its eigenvalues divided by the largest)
}
