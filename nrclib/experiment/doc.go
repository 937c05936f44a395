// Package experiment declares one reproduction per figure and table of
// Rangamani & Unal, "Deep Neural Regression Collapse" (Figs 1–9, Tables 1
// and 2), plus the last-layer NRC1–3 of its predecessor (Andriopoulos et
// al., NeurIPS 2024; experiment "nrc2024"), and runs them end to end.
//
// Every training run of the paper is declared once, as a runs.Spec under a
// stable ID (RunIDs, SharedRun): its dataset, network, optimiser settings,
// measured epochs and the rank k of the metrics. A figure's Spec (Get(id,
// scale)) refers to its runs by ID (RunOf) and says what to draw (rows of
// panels, one column per dataset or sweep), the paper's findings as
// machine-checkable claims with its numbers (Claim), and the paper's values
// (Reference). Every run exists at three scales (package scale):
//
//   - Paper: the paper's hyperparameters (where the paper is silent, the
//     spec's Notes say what was chosen);
//   - Quick (default): derived from the paper run by the quick rule (see
//     quickPlan): the same depth, optimiser, weight decay, batch, schedule
//     shape and learning-rate sum, on narrower networks and fewer samples;
//   - Smoke: seconds, for CI.
//
// Run (or Train then Assemble, as the notebooks do step by step) trains the
// runs with a runs.Runner, whose run store keys each run by everything that
// changes its results: figures that share a run train it once, and
// re-running an experiment is instant. Assemble evaluates the claims on the
// records (Outcome: holds or not, with the numbers compared, and the
// reason when a claim is expected to fail at this scale), finds the first
// collapsed layer of every column with nrc.DefaultRule (the green line),
// draws the figure with package plot, and builds run-vs-paper tables.
// Result.WriteFiles and WriteReport write the figure (SVG, PNG), its data
// (JSON, long format, with the claims) and a self-contained HTML report;
// Reproduce does all of it for a list of experiments.
package experiment
