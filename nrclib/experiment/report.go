package experiment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/deepnrc/deepnrc/internal/atomicfile"

	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// WriteFiles writes the result into dir (created if needed): <id>.svg and
// <id>.png (figures only), <id>.json (records, claims and their outcomes,
// comparison tables, runs, datasets, settings) and <id>.html (a
// self-contained report of this experiment). Every file is written
// atomically.
func (r *Result) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("experiment: creating output directory: %w", err)
	}
	base := filepath.Join(dir, r.Spec.ID)
	if r.Figure != nil {
		if err := r.Figure.WriteFiles(base); err != nil {
			return err
		}
	}
	if r.Dynamics != nil {
		if err := r.Dynamics.WriteFiles(base + "-dynamics"); err != nil {
			return err
		}
	}
	js, err := r.JSON()
	if err != nil {
		return err
	}
	if err := writeFile(base+".json", js); err != nil {
		return err
	}
	page, err := HTMLReport([]*Result{r}, fmt.Sprintf("deepnrc: %s (%s scale)", r.Spec.Paper, r.Spec.Scale))
	if err != nil {
		return err
	}
	return writeFile(base+".html", page)
}

// JSON encodes the result (records in long format, claims with whether
// each holds, tables, runs, datasets and settings) as indented JSON.
func (r *Result) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return nil, fmt.Errorf("experiment: encoding the result of %s: %w", r.Spec.ID, err)
	}
	return append(b, '\n'), nil
}

// WriteReport writes one self-contained HTML report of all results to path,
// atomically.
func WriteReport(path string, results []*Result, title string) error {
	page, err := HTMLReport(results, title)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("experiment: creating report directory: %w", err)
	}
	return writeFile(path, page)
}

// reportSection is what the template needs of one result.
type reportSection struct {
	R *Result
	// Trained names the networks as trained at this scale.
	Trained string
	SVG     template.HTML
	// Dynamics is the inline collapse-dynamics figure ("" for none).
	Dynamics template.HTML
	Holds    int
	Total    int
	// Verdict is "3 of 5 claims hold" or, for an experiment without
	// claims, what it is instead ("a table: nothing to check").
	Verdict string
	// Class is the verdict's CSS class: all, some, none or nothing.
	Class       string
	Elapsed     string
	TrainedRuns int
	Cached      int
	Runs        []reportRun
	// RunNotes are the notes that describe one run each (shown with the
	// runs); Notes are the others that no other section has; Shared counts
	// the notes stated once under Settings and data.
	RunNotes []string
	Notes    []string
	Shared   int
	// Data lists the section's datasets in a few words.
	Data []string
	// Collapse sums up the first collapsed layers ("UTKFace: fc (paper
	// layer4.1.conv1)").
	Collapse []string
	// Open are the tables shown open (table experiments, the first
	// collapsed layer); Folded the per-layer comparisons, folded away.
	Open, Folded []Table
	// Files are the section's own files, for links.
	Files []string
}

type reportRun struct {
	Name, Model, Dataset, Key, How, Time, Config string
}

type reportDataset struct {
	Name, Kind, Description string
	NTrain, NTest, T        int
	// UsedIn lists the experiments that use the dataset.
	UsedIn string
}

// inlineSVG strips everything before the <svg element (the XML prologue),
// so the figure can sit inside HTML.
func inlineSVG(svg []byte) template.HTML {
	s := string(svg)
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return template.HTML(s) // produced by our own renderer, not user input
}

// HTMLReport renders one self-contained HTML page for the results: a
// summary first (claims held per experiment and in all, a banner when the
// data are offline stand-ins or simulated, the first collapsed layers,
// links), a table of contents, the settings, notes and datasets common to
// all sections stated once, then one section per result: what the paper
// claims, the claims evaluated on this run, the figure inline as SVG, the
// tables, what to notice, the notes of that experiment alone and its runs.
func HTMLReport(results []*Result, title string) ([]byte, error) {
	var secs []reportSection
	var total time.Duration
	common := sharedNotes(results)
	datasets, standIns := reportDatasets(results)
	holds, claims := 0, 0
	backends := map[string]bool{}
	var backendList []string
	scales := map[scale.Scale]bool{}
	var scaleList []string
	for _, r := range results {
		s := reportSection{R: r, Elapsed: r.Elapsed.Round(time.Millisecond).String(), Trained: trainedModels(r.Spec)}
		total += r.Elapsed
		if r.Backend != "" && !backends[r.Backend] {
			backends[r.Backend] = true
			backendList = append(backendList, r.Backend)
		}
		if !scales[r.Spec.Scale] {
			scales[r.Spec.Scale] = true
			scaleList = append(scaleList, string(r.Spec.Scale))
		}
		if r.Figure != nil {
			svg, err := r.Figure.SVG()
			if err != nil {
				return nil, fmt.Errorf("experiment: rendering %s: %w", r.Spec.ID, err)
			}
			s.SVG = inlineSVG(svg)
			s.Files = []string{r.Spec.ID + ".svg", r.Spec.ID + ".png"}
		} else if r.svg != nil {
			s.SVG = inlineSVG(r.svg)
			s.Files = []string{r.Spec.ID + ".svg", r.Spec.ID + ".png"}
		}
		switch {
		case r.Dynamics != nil:
			svg, err := r.Dynamics.SVG()
			if err != nil {
				return nil, fmt.Errorf("experiment: rendering the dynamics of %s: %w", r.Spec.ID, err)
			}
			s.Dynamics = inlineSVG(svg)
		case r.dynamicsSVG != nil:
			s.Dynamics = inlineSVG(r.dynamicsSVG)
		}
		if s.Dynamics != "" {
			s.Files = append(s.Files, r.Spec.ID+"-dynamics.svg")
		}
		s.Files = append(s.Files, r.Spec.ID+".json", r.Spec.ID+".html")
		for _, o := range r.Outcomes {
			s.Total++
			if o.Holds {
				s.Holds++
			}
		}
		holds, claims = holds+s.Holds, claims+s.Total
		s.Verdict, s.Class = verdict(r, s.Holds, s.Total)
		runNames := map[string]bool{}
		for _, rs := range r.Spec.Runs() {
			runNames[rs.Name] = true
		}
		for _, n := range r.Spec.Notes {
			name, _, _ := strings.Cut(n, ": ")
			switch {
			case runNames[name]:
				s.RunNotes = append(s.RunNotes, n)
			case common[n] == nil:
				s.Notes = append(s.Notes, n)
			default:
				s.Shared++
			}
		}
		for _, ri := range r.Runs {
			how := "trained"
			if ri.Cached {
				how = "from the run store"
				s.Cached++
			} else {
				s.TrainedRuns++
			}
			c := ri.Config
			s.Runs = append(s.Runs, reportRun{Name: ri.Name, Model: ri.Model, Dataset: ri.Dataset, Key: ri.Key, How: how,
				Time: ri.Elapsed.Round(time.Millisecond).String(),
				Config: fmt.Sprintf("%d epochs, batch %d, lr %g, wd %g, momentum %g, milestones %v, seed %d, rank k=%s",
					c.Epochs, c.BatchSize, c.LearningRate, c.WeightDecay, c.Momentum, c.Milestones, c.Seed, rankWord(c.Rank))})
		}
		for _, d := range r.Datasets {
			kind := d.Kind
			if kind == "" { // a summary from before data kinds were recorded
				kind = "real data"
				if d.StandsInFor != "" {
					kind = "offline stand-in"
				}
			}
			s.Data = append(s.Data, fmt.Sprintf("%s (%s, %d train / %d test)", d.Name, kind, d.NTrain, d.NTest))
		}
		for _, c := range r.Collapse {
			line := c.Column + ": " + orWord(c.Layer, "none")
			if c.Paper != "" {
				line += " (paper: " + c.Paper + ")"
			}
			s.Collapse = append(s.Collapse, line)
		}
		s.Open = append(s.Open, r.Tables...)
		for _, t := range r.Comparison {
			if strings.HasPrefix(t.Title, "This run vs the paper") {
				s.Folded = append(s.Folded, t)
			} else {
				s.Open = append(s.Open, t)
			}
		}
		secs = append(secs, s)
	}
	var commonList []sharedNote
	listed := map[string]bool{}
	for _, r := range results {
		for _, n := range r.Spec.Notes {
			if users := common[n]; users != nil && !listed[n] {
				listed[n] = true
				sn := sharedNote{Text: n}
				if len(users) < len(results) {
					sn.AppliesTo = strings.Join(users, ", ")
				}
				commonList = append(commonList, sn)
			}
		}
	}
	figures := 0
	for _, r := range results {
		if r.Spec.Kind == KindFigure {
			figures++
		}
	}
	type failing struct{ ID, Paper, Text, Reason string }
	var fails []failing
	for _, r := range results {
		for _, o := range r.Outcomes {
			if !o.Holds {
				reason := o.Reason
				if o.Err != "" {
					reason = "It could not be evaluated: " + o.Err
				}
				fails = append(fails, failing{r.Spec.ID, r.Spec.Paper, o.Text, reason})
			}
		}
	}
	var buf bytes.Buffer
	err := reportTemplate.Execute(&buf, map[string]any{
		"Failing": fails,
		"Title":   title, "Sections": secs, "Generated": time.Now().UTC().Format(time.RFC3339),
		"Total": total.Round(time.Millisecond).String(), "Holds": holds, "Claims": claims,
		"Figures": figures, "Experiments": len(results),
		"SummaryClass": ratioClass(holds, claims),
		"Common":       commonList, "Datasets": datasets, "StandIns": standIns, "AllStandIns": allStandIns(datasets),
		"Backends": strings.Join(backendList, "; "), "Scales": strings.Join(scaleList, ", "),
		"Multi": len(results) > 1,
	})
	if err != nil {
		return nil, fmt.Errorf("experiment: rendering the HTML report: %w", err)
	}
	return buf.Bytes(), nil
}

// allStandIns reports whether every dataset is an offline stand-in.
func allStandIns(ds []reportDataset) bool {
	for _, d := range ds {
		if !strings.HasPrefix(d.Kind, "offline stand-in") {
			return false
		}
	}
	return len(ds) > 0
}

// verdict says how many of an experiment's claims hold, or what it is when
// it has none, and a CSS class for it.
func verdict(r *Result, holds, total int) (string, string) {
	if total == 0 {
		if r.Spec.Kind == KindTable {
			return "a table: no claims to check", "nothing"
		}
		return "no claims to check", "nothing"
	}
	return fmt.Sprintf("%d of %d claims hold", holds, total), ratioClass(holds, total)
}

func ratioClass(holds, total int) string {
	switch {
	case total == 0:
		return "nothing"
	case holds == total:
		return "all"
	case holds == 0:
		return "none"
	}
	return "some"
}

func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}

// sharedNotes returns the notes that two or more results carry (what the
// scale reduced, a change of learning rate for one dataset), each with the
// experiments that carry it: the report states them once.
func sharedNotes(results []*Result) map[string][]string {
	users := map[string][]string{}
	for _, r := range results {
		seen := map[string]bool{}
		for _, n := range r.Spec.Notes {
			if !seen[n] {
				seen[n] = true
				users[n] = append(users[n], r.Spec.Paper)
			}
		}
	}
	out := map[string][]string{}
	for n, u := range users {
		if len(u) >= 2 {
			out[n] = u
		}
	}
	return out
}

// sharedNote is a note stated once, with where it applies ("" for every
// experiment).
type sharedNote struct {
	Text, AppliesTo string
}

// reportDatasets lists every dataset used, once (the same name and split
// sizes), with the experiments using it, and the names of the stand-ins.
func reportDatasets(results []*Result) (all []reportDataset, standIns []string) {
	index := map[string]int{}
	for _, r := range results {
		for _, d := range r.Datasets {
			key := fmt.Sprintf("%s/%d/%d/%d", d.Name, d.NTrain, d.NTest, d.TargetDim)
			i, ok := index[key]
			if !ok {
				kind := "real data"
				if d.StandsInFor != "" {
					kind = "offline stand-in for " + d.StandsInFor
					if !slices.Contains(standIns, d.Name) {
						standIns = append(standIns, d.Name)
					}
				}
				i = len(all)
				index[key] = i
				all = append(all, reportDataset{Name: d.Name, Kind: kind, Description: d.Description,
					NTrain: d.NTrain, NTest: d.NTest, T: d.TargetDim})
			}
			used := r.Spec.Paper
			if !strings.Contains(all[i].UsedIn, used) {
				if all[i].UsedIn != "" {
					all[i].UsedIn += ", "
				}
				all[i].UsedIn += used
			}
		}
	}
	return all, standIns
}

// The report's fragments: the same HTML in the report and, through
// OutcomesHTML, TablesHTML and NoticeHTML, in the notebooks.
const reportFragments = `{{define "css"}}body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 16px; line-height: 1.45; max-width: 1140px; margin: 1.5em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.7em; margin-bottom: .2em; }
h2 { font-size: 1.35em; border-bottom: 2px solid #7b2cbf; padding-bottom: .2em; margin-top: 2.2em; }
h3 { font-size: 1.1em; margin: 1.2em 0 .4em; }
table { border-collapse: collapse; margin: .6em 0; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .3em .55em; text-align: left; vertical-align: top; }
th { background: #f3eefa; }
.holds { color: #1e7a32; font-weight: bold; } .fails { color: #c1121f; font-weight: bold; }
.verdict { font-weight: bold; white-space: nowrap; padding: .1em .45em; border-radius: .3em; }
.verdict.all { background: #dff3e3; color: #1e6b2d; } .verdict.some { background: #fff1d6; color: #7a4d00; }
.verdict.none { background: #fbe0e0; color: #9b1c1c; } .verdict.nothing { background: #eee; color: #444; }
.banner { border: 2px solid #d68c00; background: #fff7e6; padding: .7em 1em; border-radius: .4em; margin: 1em 0; }
.headline { font-size: 1.15em; }
.note { color: #555; font-size: .9em; }
.trained { background: #f7f5fb; border-left: 4px solid #7b2cbf; padding: .4em .8em; }
.figure { margin: 1em 0; overflow-x: auto; }
.figure svg { display: block; max-width: 100%; height: auto; }
nav.toc ol { margin: .3em 0; padding-left: 2em; } nav.toc li { margin: .1em 0; }
details { margin: .6em 0; } summary { cursor: pointer; font-weight: bold; }
code { background: #f4f4f4; padding: 0 .2em; font-size: .92em; }
a { color: #5a189a; }
{{end}}
{{define "outcomes"}}<ul>{{range .}}<li>{{if .Holds}}<span class="holds">holds</span>{{else}}<span class="fails">does not hold</span>{{end}}: {{.Text}}<ul>{{range .Details}}<li><code>{{.}}</code></li>{{end}}{{if .Reason}}<li class="why"><b>Why it may not hold here:</b> {{.Reason}}</li>{{end}}</ul></li>{{end}}</ul>{{end}}
{{define "table"}}<table><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
{{if .Note}}<p class="note">{{.Note}}</p>{{end}}{{end}}
{{define "list"}}<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{define "fragment-css"}}.deepnrc table { border-collapse: collapse; margin: .6em 0; font-size: .9em; }
.deepnrc th, .deepnrc td { border: 1px solid #ccc; padding: .3em .55em; text-align: left; vertical-align: top; }
.deepnrc th { background: #f3eefa; }
.deepnrc .holds { color: #1e7a32; font-weight: bold; } .deepnrc .fails { color: #c1121f; font-weight: bold; }
.deepnrc .note { color: #555; font-size: .9em; }{{end}}
{{define "fragment-tables"}}<style>{{template "fragment-css"}}</style><div class="deepnrc">{{range .}}<h3>{{.Title}}</h3>{{template "table" .}}{{end}}</div>{{end}}
{{define "fragment-outcomes"}}<style>{{template "fragment-css"}}</style><div class="deepnrc">{{template "outcomes" .}}</div>{{end}}
{{define "fragment-notice"}}<style>{{template "fragment-css"}}</style><div class="deepnrc">{{if .Notice}}<h3>What to notice</h3>{{template "list" .Notice}}{{end}}{{if .Exercises}}<h3>Exercises</h3><ol>{{range .Exercises}}<li>{{.}}</li>{{end}}</ol>{{end}}</div>{{end}}`

var reportTemplate = template.Must(template.Must(template.New("report").Parse(reportFragments)).New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{{.Title}}</title>
<style>
{{template "css"}}</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="note">Generated {{.Generated}} at {{.Scales}} scale; total time {{.Total}}{{if .Backends}}; backend {{.Backends}}{{end}}.</p>
{{if .StandIns}}<div class="banner" id="stand-ins"><b>{{if .AllStandIns}}All data in this report are offline stand-ins{{else}}Some data in this report are offline stand-ins{{end}}</b>
({{range $i, $d := .StandIns}}{{if $i}}, {{end}}{{$d}}{{end}}): generated deterministically from a seed with the shapes and structure of the paper's datasets, not the paper's data.
The results show the pipeline and the phenomenon at {{.Scales}} scale; they are not expected to match the paper's numbers.
With the real files in the data directory (<code>deepnrc data list</code>, <code>deepnrc data fetch NAME</code>) the paper's pipeline runs instead.</div>{{end}}
<h2 id="summary">Summary</h2>
<p class="headline">{{if .Claims}}<span class="verdict {{.SummaryClass}}">{{.Holds}} of {{.Claims}} claims hold</span> across {{.Experiments}} experiment{{if .Multi}}s{{end}}{{else}}No claims to check{{end}}.
Each section lists the paper's claim, the checks evaluated on this run and the paper's numbers beside this run's.</p>
<table class="summary">
<tr><th>experiment</th><th>what it shows (the paper's setup; as trained here)</th><th>claims</th><th>first collapsed layer: this run (paper)</th><th>files</th></tr>
{{range .Sections}}<tr><td><a href="#{{.R.Spec.ID}}">{{.R.Spec.Paper}}</a></td><td>{{.R.Spec.Title}}{{if .Trained}}<br/><span class="note">here: {{.Trained}}</span>{{end}}</td><td><span class="verdict {{.Class}}">{{.Verdict}}</span></td>
<td>{{range $i, $c := .Collapse}}{{if $i}}<br/>{{end}}{{$c}}{{else}}—{{end}}</td>
<td>{{range $i, $f := .Files}}{{if $i}} · {{end}}<a href="{{$f}}">{{$f}}</a>{{end}}</td></tr>
{{end}}</table>
{{if .Failing}}<details class="failing"><summary>The {{len .Failing}} claim{{if ne (len .Failing) 1}}s{{end}} that do not hold here, and why</summary><ul>
{{range .Failing}}<li><a href="#{{.ID}}-claims">{{.Paper}}</a>: {{.Text}}{{if .Reason}}<br/><span class="note">{{.Reason}}</span>{{else}}<br/><span class="note">No reason is known: this finding of the paper does not reproduce here.</span>{{end}}</li>
{{end}}</ul></details>{{end}}
<nav class="toc"><h2 id="contents">Contents</h2><ol>
<li><a href="#summary">Summary</a></li>
<li><a href="#settings">Settings and data</a></li>
{{range .Sections}}<li><a href="#{{.R.Spec.ID}}">{{.R.Spec.Paper}}</a>: {{.R.Spec.Title}}</li>
{{end}}</ol></nav>
<h2 id="settings">Settings and data</h2>
{{if .Common}}<p>Notes that apply to several experiments, stated once:</p>
<ul>{{range .Common}}<li>{{if .AppliesTo}}<i>{{.AppliesTo}}:</i> {{end}}{{.Text}}</li>{{end}}</ul>{{end}}
<h3 id="data">Datasets</h3>
<table><tr><th>dataset</th><th>kind</th><th>train</th><th>test</th><th>t</th><th>used in</th><th>description</th></tr>
{{range .Datasets}}<tr><td>{{.Name}}</td><td>{{.Kind}}</td><td>{{.NTrain}}</td><td>{{.NTest}}</td><td>{{.T}}</td><td>{{.UsedIn}}</td><td>{{.Description}}</td></tr>
{{end}}</table>
{{range .Sections}}{{$r := .R}}
<section id="{{$r.Spec.ID}}">
<h2>{{$r.Spec.Paper}}: {{$r.Spec.Title}}</h2>
<p class="trained">{{if .Trained}}<b>As trained here ({{$r.Spec.Scale}} scale):</b> {{.Trained}}.<br/>{{end}}
<b>Data:</b> {{range $i, $d := .Data}}{{if $i}}; {{end}}{{$d}}{{end}} (<a href="#data">details</a>).
<b>Files:</b> {{range $i, $f := .Files}}{{if $i}} · {{end}}<a href="{{$f}}">{{$f}}</a>{{end}}</p>
<p><b>What the paper claims.</b> {{$r.Spec.Claim}}</p>
<h3 id="{{$r.Spec.ID}}-claims">{{if $r.Outcomes}}Claims checked on this run{{else}}Claims{{end}}: <span class="verdict {{.Class}}">{{.Verdict}}</span></h3>
{{if $r.Outcomes}}{{template "outcomes" $r.Outcomes}}{{end}}
{{if .SVG}}<div class="figure" id="{{$r.Spec.ID}}-figure">{{.SVG}}</div>{{end}}
{{if .Dynamics}}<details id="{{$r.Spec.ID}}-dynamics"><summary>Collapse dynamics (beyond the paper): the metrics of each column's run by layer and epoch</summary>
<p class="note">Each cell is one probed layer (rows, the input at the bottom) at one measured epoch (columns). Collapse moving down the network as training goes on shows as purple spreading from the top rows downwards from left to right.</p>
<div class="figure">{{.Dynamics}}</div></details>{{end}}
{{range .Open}}<h3>{{.Title}}</h3>
{{template "table" .}}{{end}}
{{range .Folded}}<details><summary>{{.Title}} ({{len .Rows}} layers)</summary>
{{template "table" .}}</details>{{end}}
{{if $r.Spec.Notice}}<h3>What to notice</h3>{{template "list" $r.Spec.Notice}}{{end}}
{{if or .Notes .Shared}}<h3>Notes on this experiment</h3>
<ul>{{range .Notes}}<li>{{.}}</li>{{end}}{{if .Shared}}<li>And {{.Shared}} note{{if ne .Shared 1}}s{{end}} shared with other experiments, under <a href="#settings">Settings and data</a>.</li>{{end}}</ul>{{end}}
{{if or .Runs .RunNotes}}<details><summary>Runs ({{.TrainedRuns}} trained, {{.Cached}} from the run store)</summary>
{{if .RunNotes}}<ul>{{range .RunNotes}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Runs}}<table><tr><th>run</th><th>model</th><th>data</th><th>settings</th><th>how</th><th>time</th><th>store key</th></tr>
{{range .Runs}}<tr><td>{{.Name}}</td><td>{{.Model}}</td><td>{{.Dataset}}</td><td>{{.Config}}</td><td>{{.How}}</td><td>{{.Time}}</td><td><code>{{.Key}}</code></td></tr>{{end}}</table>{{end}}
</details>{{end}}
<p class="note">Backend: {{if $r.Backend}}{{$r.Backend}}{{else}}none (no training){{end}}. Time taken: {{.Elapsed}}. <a href="#summary">Back to the summary</a></p>
</section>
{{end}}
</body>
</html>
`))

// writeFile writes data to path atomically, naming the package in errors.
func writeFile(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	return nil
}

// fragment renders one of the report's fragments, for display outside the
// report (a notebook cell): the report's HTML inside <div class="deepnrc">,
// with styles scoped to that class so the page around it is untouched.
func fragment(name string, data any) string {
	var b strings.Builder
	if err := reportTemplate.ExecuteTemplate(&b, name, data); err != nil {
		panic(fmt.Sprintf("experiment: report fragment %s: %v", name, err)) // a bug in the templates
	}
	return b.String()
}

// OutcomesHTML renders evaluated claims as the report shows them: each
// claim, whether it holds and the numbers compared (an HTML fragment).
func OutcomesHTML(outcomes []Outcome) string { return fragment("fragment-outcomes", outcomes) }

// TablesHTML renders tables (run-vs-paper comparisons, a table
// experiment's tables) as the report shows them (an HTML fragment).
func TablesHTML(tables []Table) string { return fragment("fragment-tables", tables) }

// NoticeHTML renders what to notice in spec's result and its exercises (an
// HTML fragment).
func NoticeHTML(spec *Spec) string { return fragment("fragment-notice", spec) }
