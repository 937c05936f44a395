package experiment

import (
	"fmt"
	"slices"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// Kind says what an experiment produces.
type Kind string

// Experiment kinds.
const (
	// KindFigure experiments draw a grid of panels.
	KindFigure Kind = "figure"
	// KindTable experiments build tables only.
	KindTable Kind = "table"
)

// Spec declares one reproduction of a paper figure or table at one scale:
// what to train, what to draw, what the paper claims and which numbers it
// reports. Specs are plain data: Get returns a fresh copy that callers may
// change (e.g. more epochs) before Run.
type Spec struct {
	// ID is the short name used by the CLI and the notebooks ("fig1" …
	// "fig9", "table1", "table2", "nrc2024").
	ID string `json:"id"`
	// Title is a one-line title and Paper names the figure in the paper.
	Title string `json:"title"`
	Paper string `json:"paper"`
	// Claim states, in words with the paper's numbers, what the figure
	// shows; Claims are its machine-checkable parts.
	Claim  string  `json:"claim"`
	Claims []Claim `json:"claims"`
	// Scale is the scale this copy was declared at.
	Scale scale.Scale `json:"scale"`
	// Kind is figure or table.
	Kind Kind `json:"kind"`
	// Columns are the figure's columns (one dataset or setting each), each
	// with the runs drawn in it.
	Columns []Column `json:"columns"`
	// Rows are the panels drawn in every column, top to bottom.
	Rows []Panel `json:"rows"`
	// Wrap, when positive, lays the panels (column by column, row by row)
	// out Wrap to a line instead of as rows × columns, as the paper does
	// for single-dataset figures (Fig 6: 2×2, Fig 8: 2×3).
	Wrap int `json:"wrap,omitempty"`
	// Reference holds the paper's numbers (spec §4) compared with this
	// run's in the run-vs-paper tables.
	Reference []Reference `json:"reference,omitempty"`
	// Notes record choices made where the paper is silent and what the
	// scale reduced.
	Notes []string `json:"notes,omitempty"`
	// Notice lists what to look at in the result; Exercises suggests
	// variations to try (both shown in notebooks and reports).
	Notice    []string `json:"notice,omitempty"`
	Exercises []string `json:"exercises,omitempty"`
	// Table builds the rows of a KindTable experiment from the finished
	// runs (nil for figures).
	Table TableBuilder `json:"-"`
}

// Column is one column of a figure: a dataset, trained once or as a sweep.
type Column struct {
	// Title is shown above the column ("Swimmer", "Carla2D").
	Title string `json:"title"`
	// Runs are the runs drawn in the column. With one run it is drawn in
	// the paper's purple ×; with several (a weight-decay sweep) each is a
	// curve, the Highlight one purple.
	Runs []RunSpec `json:"runs"`
	// PaperFirstCollapsed is the layer where the paper draws its green
	// line, for comparison (the line drawn is computed from this run).
	PaperFirstCollapsed string `json:"paper_first_collapsed,omitempty"`
	// PaperOnsetEpoch is the epoch at which the paper's Fig 5 marks the
	// onset of Deep NRC (0 when not given).
	PaperOnsetEpoch int `json:"paper_onset_epoch,omitempty"`
	// PaperGammaRatio is the predecessor paper's optimal γ/λ_min for this
	// dataset (nrc2024; 0 when not given).
	PaperGammaRatio float64 `json:"paper_gamma_ratio,omitempty"`
	// Rank, when > 0, makes the column draw the rank-dependent metrics its
	// run records at this extra rank (train.Measure.ExtraRanks; Fig 3's
	// SGEMM at r = 1) instead of at the run's own rank.
	Rank int `json:"rank,omitempty"`
}

// Metric returns the record name under which the column draws metric:
// its nrc.RankVariant at the column's Rank for a rank-dependent metric.
func (c *Column) Metric(metric string) string {
	if c.Rank > 0 && slices.Contains(nrc.RankDependent, metric) {
		return nrc.RankVariant(metric, c.Rank)
	}
	return metric
}

// RunSpec is one run drawn in a figure: a shared run (runs.Spec, declared
// once under its ID in this package's catalogue) under the label its
// records carry in this figure.
type RunSpec struct {
	// Name labels the run in the records ("fig2/swimmer"). Runs with the
	// same ID in different figures share their stored results, whatever
	// their names.
	Name string `json:"name"`
	// Label is the legend entry in a sweep ("λ = 5e-3"); "" for none.
	Label string `json:"label,omitempty"`
	// Highlight draws the run in purple × in a sweep (the "right" setting).
	Highlight bool `json:"highlight,omitempty"`
	// Spec is the run's declaration: data, model, training, measurement and
	// seeds. With several seeds, curves show the mean over a min–max band
	// and claims use the mean.
	runs.Spec
}

// SeedRuns returns the run names of the run's seeds, in seed order: Name
// itself for a single seed, else Name#s<seed> for each.
func (r *RunSpec) SeedRuns() []string { return r.SeedNames(r.Name) }

// PanelKind says how a panel is drawn.
type PanelKind string

// Panel kinds.
const (
	// PanelLayers draws metrics across the probed layers (the default).
	PanelLayers PanelKind = "layers"
	// PanelEpochs draws run-level metrics against the epoch.
	PanelEpochs PanelKind = "epochs"
	// PanelGamma draws the last-layer NRC3 against γ/λ_min.
	PanelGamma PanelKind = "gamma"
)

// Panel declares one row of panels.
type Panel struct {
	// Kind is the panel kind; "" means PanelLayers.
	Kind PanelKind `json:"kind,omitempty"`
	// Metrics are the metrics drawn. A layers panel of a single-run column
	// draws one curve per metric (Labels name them); of a sweep, one curve
	// per run of Metrics[0]. An epochs panel draws run-level metrics.
	Metrics []string `json:"metrics"`
	// Labels are the legend entries of a multi-metric panel.
	Labels []string `json:"labels,omitempty"`
	// Title is the panel title; "" means the metric's default title.
	Title string `json:"title,omitempty"`
	// Target is a run-level metric drawn as the red dashed target line
	// (e.g. model_mse, target_stable_rank_paper).
	Target string `json:"target,omitempty"`
	// Log forces a log y axis (error metrics are log anyway).
	Log bool `json:"log,omitempty"`
	// PerColumn, when set, gives each column its own metric instead of
	// Metrics[0] (Fig 4's bottom row: stable rank W left, CKA right).
	PerColumn []string `json:"per_column,omitempty"`
}

// Reference is a series of the paper's numbers: one metric of one column,
// per layer.
type Reference struct {
	// Column is the column title it belongs to and Run the run name
	// within it ("" = the column's highlighted or only run).
	Column string `json:"column"`
	Run    string `json:"run,omitempty"`
	// Metric is the metric.
	Metric string `json:"metric"`
	// Layers are the layer names of Values. When FromEnd is set instead,
	// Values belong to the last len(Values) probes of the run, whatever
	// their names (for a reduced ResNet whose names differ).
	Layers  []string `json:"layers,omitempty"`
	FromEnd bool     `json:"from_end,omitempty"`
	// Values are the paper's values (read off the figure, ±0.02).
	Values []float64 `json:"values"`
}

// TableBuilder builds a table experiment's tables from its finished runs;
// r loads the datasets of tables that describe them.
type TableBuilder func(res *Result, r *runs.Runner) ([]Table, error)

// Table is a rendered table of strings with a title.
type Table struct {
	// Title is shown above the table, Header are the column names and Rows
	// the cells, row by row.
	Title  string     `json:"title"`
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
	// Note is shown under the table.
	Note string `json:"note,omitempty"`
}

// Runs returns every run of the spec in column order.
func (s *Spec) Runs() []*RunSpec {
	var out []*RunSpec
	for i := range s.Columns {
		for j := range s.Columns[i].Runs {
			out = append(out, &s.Columns[i].Runs[j])
		}
	}
	return out
}

// Main returns the column's highlighted run, else its first (nil for a
// column without runs).
func (c *Column) Main() *RunSpec {
	for i := range c.Runs {
		if c.Runs[i].Highlight {
			return &c.Runs[i]
		}
	}
	if len(c.Runs) == 0 {
		return nil
	}
	return &c.Runs[0]
}

// Validate checks the spec's internal consistency.
func (s *Spec) Validate() error {
	if s.ID == "" {
		return fmt.Errorf("experiment: spec has no ID")
	}
	names := map[string]bool{}
	for _, c := range s.Columns {
		if len(c.Runs) == 0 {
			return fmt.Errorf("experiment %s: column %q has no runs", s.ID, c.Title)
		}
		for _, r := range c.Runs {
			if names[r.Name] {
				return fmt.Errorf("experiment %s: run name %q is used twice; give each run its own name", s.ID, r.Name)
			}
			names[r.Name] = true
			if err := r.Spec.Validate(); err != nil {
				return fmt.Errorf("experiment %s run %s: %w", s.ID, r.Name, err)
			}
		}
	}
	if s.Kind == KindFigure && (len(s.Rows) == 0 || len(s.Columns) == 0) {
		return fmt.Errorf("experiment %s: a figure needs at least one row and one column", s.ID)
	}
	if s.Kind == KindTable && s.Table == nil {
		return fmt.Errorf("experiment %s: a table experiment needs a Table builder", s.ID)
	}
	return nil
}

// DataRuns returns one run of each distinct dataset and model of the spec
// (a table experiment's describing runs included), for showing data and
// models.
func (s *Spec) DataRuns() []RunSpec {
	var out []RunSpec
	seen := map[string]bool{}
	add := func(r RunSpec) {
		key := fmt.Sprintf("%s|%+v|%s", r.Dataset, r.Data, r.Model.String())
		if !seen[key] {
			seen[key] = true
			out = append(out, r)
		}
	}
	for _, r := range s.Runs() {
		add(*r)
	}
	if s.ID == "table2" {
		for _, row := range table2Runs(s.Scale) {
			add(RunOf(s.Scale, row.id, row.paper))
		}
	}
	return out
}

// MainRuns returns each column's main run (Column.Main), in column order.
func (s *Spec) MainRuns() []*RunSpec {
	var out []*RunSpec
	for i := range s.Columns {
		if m := s.Columns[i].Main(); m != nil {
			out = append(out, m)
		}
	}
	return out
}
