package experiment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deepnrc/deepnrc/internal/atomicfile"
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
	R        *Result
	SVG      template.HTML
	Holds    int
	Total    int
	Elapsed  string
	Trained  int
	Cached   int
	Runs     []reportRun
	Datasets []reportDataset
}

type reportRun struct {
	Name, Model, Dataset, Key, How, Time, Config string
}

type reportDataset struct {
	Name, Kind, Description string
	NTrain, NTest, T        int
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

// HTMLReport renders one self-contained HTML page for the results: for
// each, the claim, the evaluated claims, the figure inline as SVG, the
// run-vs-paper tables, the settings and notes, the data used (simulated, stand-in or
// real), the backend and the time taken.
func HTMLReport(results []*Result, title string) ([]byte, error) {
	var secs []reportSection
	var total time.Duration
	for _, r := range results {
		s := reportSection{R: r, Elapsed: r.Elapsed.Round(time.Millisecond).String()}
		total += r.Elapsed
		if r.Figure != nil {
			svg, err := r.Figure.SVG()
			if err != nil {
				return nil, fmt.Errorf("experiment: rendering %s: %w", r.Spec.ID, err)
			}
			s.SVG = inlineSVG(svg)
		}
		for _, o := range r.Outcomes {
			s.Total++
			if o.Holds {
				s.Holds++
			}
		}
		for _, ri := range r.Runs {
			how := "trained"
			if ri.Cached {
				how = "from the run store"
				s.Cached++
			} else {
				s.Trained++
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
					kind = "stand-in for " + d.StandsInFor
				}
			}
			s.Datasets = append(s.Datasets, reportDataset{Name: d.Name, Kind: kind, Description: d.Description,
				NTrain: d.NTrain, NTest: d.NTest, T: d.TargetDim})
		}
		secs = append(secs, s)
	}
	var buf bytes.Buffer
	err := reportTemplate.Execute(&buf, map[string]any{
		"Title": title, "Sections": secs, "Generated": time.Now().UTC().Format(time.RFC3339),
		"Total": total.Round(time.Millisecond).String(),
	})
	if err != nil {
		return nil, fmt.Errorf("experiment: rendering the HTML report: %w", err)
	}
	return buf.Bytes(), nil
}

var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>{{.Title}}</title>
<style>
body { font-family: sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #7b2cbf; padding-bottom: .2em; margin-top: 2.5em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left; }
th { background: #f3eefa; }
.holds { color: #2a9d3f; font-weight: bold; } .fails { color: #d62828; font-weight: bold; }
.note { color: #555; font-size: .9em; }
.figure svg { max-width: 100%; height: auto; }
code { background: #f4f4f4; padding: 0 .2em; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="note">Generated {{.Generated}}; total time {{.Total}}.</p>
<ul>{{range .Sections}}<li><a href="#{{.R.Spec.ID}}">{{.R.Spec.Paper}}</a>: {{.R.Spec.Title}} — {{.Holds}}/{{.Total}} claims hold</li>{{end}}</ul>
{{range .Sections}}{{$r := .R}}
<h2 id="{{$r.Spec.ID}}">{{$r.Spec.Paper}} ({{$r.Spec.ID}}, {{$r.Spec.Scale}} scale): {{$r.Spec.Title}}</h2>
<p><b>What the paper claims.</b> {{$r.Spec.Claim}}</p>
<h3>Claims checked on this run ({{.Holds}} of {{.Total}} hold)</h3>
<ul>{{range $r.Outcomes}}<li>{{if .Holds}}<span class="holds">holds</span>{{else}}<span class="fails">does not hold</span>{{end}}: {{.Text}}<ul>{{range .Details}}<li><code>{{.}}</code></li>{{end}}</ul></li>{{end}}</ul>
{{if .SVG}}<div class="figure">{{.SVG}}</div>{{end}}
{{range $r.Tables}}<h3>{{.Title}}</h3>
<table><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
{{if .Note}}<p class="note">{{.Note}}</p>{{end}}{{end}}
{{range $r.Comparison}}<h3>{{.Title}}</h3>
<table><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
{{if .Note}}<p class="note">{{.Note}}</p>{{end}}{{end}}
{{if $r.Spec.Notice}}<h3>What to notice</h3><ul>{{range $r.Spec.Notice}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h3>Data</h3>
<table><tr><th>dataset</th><th>kind</th><th>train</th><th>test</th><th>t</th><th>description</th></tr>
{{range .Datasets}}<tr><td>{{.Name}}</td><td>{{.Kind}}</td><td>{{.NTrain}}</td><td>{{.NTest}}</td><td>{{.T}}</td><td>{{.Description}}</td></tr>{{end}}</table>
{{if .Runs}}<h3>Runs ({{.Trained}} trained, {{.Cached}} from the run store)</h3>
<table><tr><th>run</th><th>model</th><th>data</th><th>settings</th><th>how</th><th>time</th><th>store key</th></tr>
{{range .Runs}}<tr><td>{{.Name}}</td><td>{{.Model}}</td><td>{{.Dataset}}</td><td>{{.Config}}</td><td>{{.How}}</td><td>{{.Time}}</td><td><code>{{.Key}}</code></td></tr>{{end}}</table>{{end}}
<h3>Settings and notes</h3>
<ul>{{range $r.Spec.Notes}}<li>{{.}}</li>{{end}}</ul>
<p class="note">Backend: {{if $r.Backend}}{{$r.Backend}}{{else}}none (no training){{end}}. Time taken: {{.Elapsed}}.</p>
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
