// Package exercise supports deepnrc's classroom notebooks
// (notebooks/exercises): the data and training runs each exercise works on,
// and the self-checks that tell a student whether an answer is right.
//
// A check is called from a notebook cell with the exercise's check id and the
// student's answer:
//
//	exercise.Check("a1-noise", noiseFraction(H, 2))
//
// It prints one line, "✓ a1-noise: correct" or "✗ a1-noise: not yet — …",
// and returns the Result. A wrong answer gets a hint aimed at the mistake it
// most likely comes from (forgotten centring, eigenvalues taken in gonum's
// ascending order, the wrong convention, …); an answer still at its TODO
// placeholder (NaN, "" or 0) gets a reminder of what to fill in. Hints never
// contain the expected answer. Check never panics, whatever the answer.
//
// The expected answers are computed, never stored: from package nrc for the
// hand computations, and from the exercise's own training runs (cached in
// the run store of package train, so a check costs no training once the run
// exists) for the questions about trained networks. The hidden rank of the
// intrinsic-dimension exercise is derived from the exercise seed (Seed) and
// is never printed.
//
// Solutions notebooks set the environment variable DEEPNRC_EXERCISE_EXPECT
// to "correct" (ExpectEnv): a check that is not correct then also makes the
// cell's program exit with status 1, which the notebook runner reports as a
// failure, so CI proves that every reference solution passes.
//
// Each run is declared as a runs.Spec (GivenSpec, SweepSpec,
// CalibrationSpec) and trained by a runs.Runner on the default run store.
// Scales: the runs read scale.Env (smoke, quick or paper, in any case;
// unset means quick). Every exercise notebook finishes in well under two minutes at
// quick scale on two CPU cores; paper scale trains longer.
package exercise
