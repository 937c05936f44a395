package experiment

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// Agg reduces a metric over a range of layers to one number.
type Agg string

// Aggregations.
const (
	AggMax  Agg = "max"
	AggMin  Agg = "min"
	AggMean Agg = "mean"
)

// Quantity is one number computed from a run's records: a metric, at the
// run's last measured epoch, reduced over a range of layers (or a run-level
// metric). With several seeds the per-layer values are first averaged over
// the seeds, as the figures draw them.
type Quantity struct {
	// Run is the run's name (a RunSpec.Name); "" means the spec's only run
	// (an error when there are several).
	Run string `json:"run,omitempty"`
	// Metric is an nrc.Metric* name.
	Metric string `json:"metric"`
	// From is the first layer of the range, which runs to the last probe;
	// LastN instead selects the last LastN probes. With neither, Metric is
	// a run-level metric (layer "").
	From  string `json:"from,omitempty"`
	LastN int    `json:"last_n,omitempty"`
	// To, when set, ends the From range at that layer (inclusive).
	To string `json:"to,omitempty"`
	// First evaluates at the run's first measured epoch instead of its
	// last (to compare the start of training with its end).
	First bool `json:"first,omitempty"`
	// Agg reduces the range; "" means AggMean.
	Agg Agg `json:"agg,omitempty"`
	// FirstCollapsed, instead of a metric, is the position (1 = the first
	// probe) of the first collapsed layer by the default collapse rule at
	// the final epoch, on the seed means; one past the last probe when no
	// layer is collapsed.
	FirstCollapsed bool `json:"first_collapsed,omitempty"`
	// Onset, instead of a metric, is the first measured epoch at which the
	// rule finds a collapsed layer, as a fraction of the run's epochs
	// (+Inf when it never does).
	Onset bool `json:"onset,omitempty"`
}

// String describes the quantity, e.g. "max noise over fc5…fc8 of fig2/swimmer".
func (q Quantity) String() string {
	switch {
	case q.FirstCollapsed:
		return "position of the first collapsed layer (" + q.Run + ")"
	case q.Onset:
		return "onset of collapse as a fraction of the epochs (" + q.Run + ")"
	}
	var where string
	switch {
	case q.From != "" && q.To != "":
		where = " over " + q.From + "…" + q.To
	case q.From != "":
		where = " from " + q.From + " on"
	case q.LastN == 1:
		where = " at the last probe"
	case q.LastN > 1:
		where = fmt.Sprintf(" over the last %d probes", q.LastN)
	}
	agg := ""
	if q.From != "" || q.LastN > 1 {
		a := q.Agg
		if a == "" {
			a = AggMean
		}
		agg = string(a) + " "
	}
	s := agg + q.Metric + where
	if q.First {
		s += " at the first measured epoch"
	}
	if q.Run != "" {
		s += " (" + q.Run + ")"
	}
	return s
}

// Op compares the two sides of a condition.
type Op string

// Comparison operators.
const (
	OpLE Op = "<="
	OpGE Op = ">="
	OpLT Op = "<"
	OpGT Op = ">"
	// OpWithin holds when |left − right| ≤ Tol.
	OpWithin Op = "within"
	// OpFactor holds when left and right differ by at most the factor Tol
	// (both positive): max(l/r, r/l) ≤ Tol.
	OpFactor Op = "factor"
)

// Cond is one comparison: Left Op (Right or Value).
type Cond struct {
	Left Quantity `json:"left"`
	Op   Op       `json:"op"`
	// Right, when set, is compared instead of Value.
	Right *Quantity `json:"right,omitempty"`
	Value float64   `json:"value,omitempty"`
	// Times, when not 0, multiplies the right-hand side (e.g. 0.1 for
	// "at least tenfold smaller than").
	Times float64 `json:"times,omitempty"`
	// Tol is the tolerance of OpWithin and the factor of OpFactor.
	Tol float64 `json:"tol,omitempty"`
	// Layer, when set, makes the right-hand side the position of that
	// probe in Left's run (for FirstCollapsed: "within one probe of fc5").
	Layer string `json:"layer,omitempty"`
}

// Claim is a statement of the paper that a run can confirm or refute: it
// holds when all its conditions hold.
type Claim struct {
	// Text states the claim in words.
	Text  string `json:"text"`
	Conds []Cond `json:"conds"`
	// IfFails says in one sentence why the claim may not hold at this
	// scale (shown with the outcome when it fails); "" when it should.
	IfFails string `json:"if_fails,omitempty"`
}

// Outcome is a claim evaluated on a run's records.
type Outcome struct {
	Text  string `json:"text"`
	Holds bool   `json:"holds"`
	// Details has one line per condition with the numbers compared and
	// whether it holds.
	Details []string `json:"details"`
	// Err is set when the claim could not be evaluated (a missing metric
	// or run); Holds is then false.
	Err string `json:"error,omitempty"`
	// Reason is the claim's IfFails when it does not hold.
	Reason string `json:"reason,omitempty"`
}

// Evaluate checks each claim on records (the long-format results of the
// spec's runs) and returns one outcome per claim. specRuns are the spec's
// runs, used to resolve run names to their seed runs.
func Evaluate(claims []Claim, records nrc.Results, specRuns []*RunSpec) []Outcome {
	out := make([]Outcome, len(claims))
	for i, c := range claims {
		o := Outcome{Text: c.Text, Holds: true}
		for _, cond := range c.Conds {
			line, ok, err := evalCond(records, cond, specRuns)
			if err != nil {
				o.Holds, o.Err = false, err.Error()
				o.Details = append(o.Details, "cannot evaluate: "+err.Error())
				continue
			}
			o.Details = append(o.Details, line)
			o.Holds = o.Holds && ok
		}
		if len(c.Conds) == 0 {
			o.Holds, o.Err = false, "claim has no conditions"
		}
		if !o.Holds {
			o.Reason = c.IfFails
		}
		out[i] = o
	}
	return out
}

func evalCond(res nrc.Results, c Cond, specRuns []*RunSpec) (string, bool, error) {
	l, ldesc, err := quantity(res, c.Left, specRuns)
	if err != nil {
		return "", false, err
	}
	r, rdesc := c.Value, fmtNum(c.Value)
	switch {
	case c.Layer != "":
		layers, err := runLayers(res, c.Left, specRuns)
		if err != nil {
			return "", false, err
		}
		i := slices.Index(layers, c.Layer)
		if i < 0 {
			return "", false, fmt.Errorf("run %q has no layer %q (layers: %s)", c.Left.Run, c.Layer, strings.Join(layers, ", "))
		}
		r, rdesc = float64(i+1), fmt.Sprintf("%s (probe %d)", c.Layer, i+1)
	case c.Right != nil:
		var rd string
		if r, rd, err = quantity(res, *c.Right, specRuns); err != nil {
			return "", false, err
		}
		rdesc = fmt.Sprintf("%s = %s", c.Right, rd)
	}
	if c.Times != 0 {
		r *= c.Times
		rdesc = fmt.Sprintf("%s × (%s)", fmtNum(c.Times), rdesc)
	}
	var ok bool
	var rel string
	switch c.Op {
	case OpLE:
		ok, rel = l <= r, "≤"
	case OpGE:
		ok, rel = l >= r, "≥"
	case OpLT:
		ok, rel = l < r, "<"
	case OpGT:
		ok, rel = l > r, ">"
	case OpWithin:
		ok, rel = math.Abs(l-r) <= c.Tol, fmt.Sprintf("within ±%s of", fmtNum(c.Tol))
	case OpFactor:
		ok = l > 0 && r > 0 && math.Max(l/r, r/l) <= c.Tol
		rel = fmt.Sprintf("within a factor %s of", fmtNum(c.Tol))
	default:
		return "", false, fmt.Errorf("unknown operator %q", c.Op)
	}
	mark := "holds"
	if !ok {
		mark = "does not hold"
	}
	return fmt.Sprintf("%s = %s %s %s: %s", c.Left, ldesc, rel, rdesc, mark), ok, nil
}

func fmtNum(v float64) string {
	a := math.Abs(v)
	if a != 0 && (a < 1e-3 || a >= 1e4) {
		return fmt.Sprintf("%.3g", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

// specRun returns the spec run called name; a name that is not a spec
// run's stands for itself (one seed).
func specRun(name string, specRuns []*RunSpec) *RunSpec {
	for _, r := range specRuns {
		if r.Name == name {
			return r
		}
	}
	return &RunSpec{Name: name}
}

// runLayers returns the probed layers of q's run (its first seed).
func runLayers(res nrc.Results, q Quantity, specRuns []*RunSpec) ([]string, error) {
	rs, err := quantityRun(q, specRuns)
	if err != nil {
		return nil, err
	}
	layers := res.Run(rs.SeedRuns()[0]).PerLayer().Layers()
	if len(layers) == 0 {
		return nil, fmt.Errorf("no per-layer records of run %q (runs: %s)", rs.Name, strings.Join(res.Runs(), ", "))
	}
	return layers, nil
}

// quantityRun resolves q's run ("" is the spec's only run).
func quantityRun(q Quantity, specRuns []*RunSpec) (*RunSpec, error) {
	if q.Run == "" {
		if len(specRuns) != 1 {
			return nil, fmt.Errorf("quantity %s names no run and the experiment has %d", q, len(specRuns))
		}
		return specRuns[0], nil
	}
	return specRun(q.Run, specRuns), nil
}

// quantity evaluates q on the records, averaging over the run's seeds, and
// describes the value for the outcome's details.
func quantity(res nrc.Results, q Quantity, specRuns []*RunSpec) (float64, string, error) {
	v, desc, err := quantityValue(res, q, specRuns)
	if desc == "" {
		desc = fmtNum(v)
	}
	return v, desc, err
}

func quantityValue(res nrc.Results, q Quantity, specRuns []*RunSpec) (float64, string, error) {
	rs, err := quantityRun(q, specRuns)
	if err != nil {
		return 0, "", err
	}
	rule := nrc.DefaultRule()
	switch {
	case q.FirstCollapsed:
		layers, noise, err := seedMeanSeries(res, rs, nrc.MetricNoise, false, nrc.Final)
		if err != nil {
			return 0, "", err
		}
		_, cka, err := seedMeanSeries(res, rs, nrc.MetricCKAProjected, false, nrc.Final)
		if err != nil {
			return 0, "", err
		}
		k := rule.FirstCollapsed(noise, cka)
		if k < 0 {
			return float64(len(layers) + 1), "none collapsed", nil
		}
		return float64(k + 1), fmt.Sprintf("%s (probe %d)", layers[k], k+1), nil
	case q.Onset:
		if rs.Train.Epochs <= 0 {
			return 0, "", fmt.Errorf("run %q has no epoch count", rs.Name)
		}
		for _, e := range res.MeasuredEpochs(rs.SeedRuns()[0]) {
			_, noise, err1 := seedMeanSeries(res, rs, nrc.MetricNoise, false, e)
			_, cka, err2 := seedMeanSeries(res, rs, nrc.MetricCKAProjected, false, e)
			if err1 == nil && err2 == nil && rule.FirstCollapsed(noise, cka) >= 0 {
				f := float64(e) / float64(rs.Train.Epochs)
				return f, fmt.Sprintf("%s (epoch %d of %d)", fmtNum(f), e, rs.Train.Epochs), nil
			}
		}
		return math.Inf(1), "never", nil
	}
	v, err := metricQuantity(res, rs, q)
	return v, "", err
}

// metricQuantity evaluates a metric quantity of run rs.
func metricQuantity(res nrc.Results, rs *RunSpec, q Quantity) (float64, error) {
	run := rs.Name
	if q.From == "" && q.LastN == 0 {
		return seedMeanValue(res, rs, q.Metric, q.First)
	}
	layers, vals, err := seedMeanSeries(res, rs, q.Metric, q.First, nrc.Final)
	if err != nil {
		return 0, err
	}
	start := len(layers) - q.LastN
	if q.From != "" {
		start = slices.Index(layers, q.From)
		if start < 0 {
			return 0, fmt.Errorf("run %q has no layer %q (layers: %s)", run, q.From, strings.Join(layers, ", "))
		}
	}
	if start < 0 {
		start = 0
	}
	end := len(vals)
	if q.To != "" {
		end = slices.Index(layers, q.To) + 1
		if end <= 0 {
			return 0, fmt.Errorf("run %q has no layer %q (layers: %s)", run, q.To, strings.Join(layers, ", "))
		}
	}
	if start >= end {
		return 0, fmt.Errorf("run %q: empty layer range for %s", run, q)
	}
	sel := vals[start:end]
	if len(sel) == 0 {
		return 0, fmt.Errorf("run %q: empty layer range for %s", run, q)
	}
	switch q.Agg {
	case AggMax:
		return slices.Max(sel), nil
	case AggMin:
		return slices.Min(sel), nil
	case AggMean, "":
		var s float64
		for _, v := range sel {
			s += v
		}
		return s / float64(len(sel)), nil
	}
	return 0, fmt.Errorf("unknown aggregation %q", q.Agg)
}
