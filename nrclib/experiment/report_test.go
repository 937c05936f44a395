package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// fakeResult builds a finished result from constructed records, without
// training: one column, the four Deep NRC rows.
func fakeResult(t testing.TB) *Result {
	t.Helper()
	rs := RunOf(scale.Smoke, "swimmer", "demo/run")
	rs.Seeds = nil
	spec := &Spec{ID: "demo", Kind: KindFigure, Paper: "Demo figure", Title: "a <constructed> run & its report", Scale: scale.Smoke,
		Claim:   "Collapse in the top layers.",
		Columns: []Column{{Title: "Demo", Runs: []RunSpec{rs}, PaperFirstCollapsed: "fc3"}},
		Rows:    nrcRows,
		Claims: []Claim{
			{Text: "noise ≤ 0.2 from fc3", Conds: []Cond{{Left: from(rs.Name, nrc.MetricNoise, "fc3", AggMax), Op: OpLE, Value: 0.2}}},
			{Text: "CKA ≥ 0.99 at the last probe", Conds: []Cond{{Left: last(rs.Name, nrc.MetricCKAProjected, 1, AggMean), Op: OpGE, Value: 0.99}}},
		},
		Reference: []Reference{{Column: "Demo", Metric: nrc.MetricNoise, Layers: []string{"fc1", "fc4"}, Values: []float64{0.5, 0.1}}},
		Notes:     []string{"constructed"},
	}
	layers := []string{"fc1", "fc2", "fc3", "fc4"}
	var rec []nrc.Record
	for _, e := range []int{1, 2} {
		f := float64(e)
		rec = append(rec, recs(rs.Name, e, nrc.MetricNoise, layers, []float64{0.6, 0.5 / f, 0.3 / f, 0.1 / f})...)
		rec = append(rec, recs(rs.Name, e, nrc.MetricCKAProjected, layers, []float64{0.2, 0.4, 0.6 * f / 2, 0.9})...)
		rec = append(rec, recs(rs.Name, e, nrc.MetricWHAlignment, layers, []float64{0.2, 0.5, 0.8, 0.95})...)
		rec = append(rec, recs(rs.Name, e, nrc.MetricProbeMSE, layers, []float64{0.5, 0.2, 0.05, 0.04})...)
		rec = append(rec, nrc.Record{Run: rs.Name, Epoch: e, Metric: nrc.MetricModelMSE, Value: 0.04})
	}
	res := &Result{Spec: spec, Records: rec, Backend: "none"}
	if err := finish(res, nil); err != nil {
		t.Fatal(err)
	}
	return res
}

// wellFormed parses page as XML (the report is written as well-formed
// XHTML-compatible HTML) and counts its elements by name.
func wellFormed(t *testing.T, page []byte) map[string]int {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	counts := map[string]int{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return counts
		}
		if err != nil {
			t.Fatalf("report is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			counts[se.Name.Local]++
		}
	}
}

func TestFinishEvaluatesClaimsAndCollapse(t *testing.T) {
	res := fakeResult(t)
	if len(res.Outcomes) != 2 || !res.Outcomes[0].Holds || res.Outcomes[1].Holds {
		t.Fatalf("outcomes = %+v", res.Outcomes)
	}
	// Default rule (noise ≤ 0.2, CKA ≥ 0.5, sustained): at epoch 2 fc3
	// (noise 0.15, CKA 0.6) and fc4 qualify; at epoch 1 only fc4 does.
	c := res.Collapse[0]
	if c.Layer != "fc3" || c.Onset != 1 || c.Paper != "fc3" {
		t.Errorf("collapse = %+v, want fc3 from epoch 1", c)
	}
	if res.Figure == nil {
		t.Fatal("no figure")
	}
	cmp := res.Comparison[0]
	if len(cmp.Rows) != 4 || cmp.Rows[0][1] != "0.600" || cmp.Rows[0][2] != "0.500" || cmp.Rows[1][2] != "—" || cmp.Rows[3][1] != "0.050" {
		t.Errorf("comparison rows = %v", cmp.Rows)
	}
}

func TestReportIsSelfContainedHTMLWithInlineSVG(t *testing.T) {
	a, b := fakeResult(t), fakeResult(t)
	b.Spec.ID = "demo2"
	page, err := HTMLReport([]*Result{a, b}, "two <figures>")
	if err != nil {
		t.Fatal(err)
	}
	counts := wellFormed(t, page)
	if counts["svg"] != 4 {
		t.Errorf("report has %d <svg> elements, want 4 (each of the two figures and its collapse dynamics)", counts["svg"])
	}
	if counts["img"] != 0 || bytes.Contains(page, []byte("src=")) {
		t.Error("report refers to external files; it must be self-contained")
	}
	s := string(page)
	for _, want := range []string{"two &lt;figures&gt;", "a &lt;constructed&gt; run &amp; its report", "does not hold", "holds",
		"This run vs the paper: Demo", "First collapsed layer", "constructed", "Backend: none"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestWriteFilesIsComplete(t *testing.T) {
	res := fakeResult(t)
	dir := t.TempDir()
	if err := res.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "demo-dynamics.png demo-dynamics.svg demo.html demo.json demo.png demo.svg" {
		t.Errorf("files = %v (temporary files must not be left behind)", names)
	}
	var back struct {
		Records []nrc.Record `json:"records"`
		Claims  []Outcome    `json:"claims"`
	}
	js, _ := os.ReadFile(filepath.Join(dir, "demo.json"))
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Records) != len(res.Records) || len(back.Claims) != 2 || back.Claims[1].Holds {
		t.Errorf("json round trip: %d records, claims %+v", len(back.Records), back.Claims)
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "demo.svg"))
	if err := xml.Unmarshal(svg, new(struct{})); err != nil {
		t.Errorf("SVG does not parse: %v", err)
	}
	wellFormed(t, must(os.ReadFile(filepath.Join(dir, "demo.html"))))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The whole pipeline at smoke scale: train (in memory), evaluate, draw and
// write a figure, a table and the predecessor's last-layer experiment.
func TestReproduceSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("trains small networks")
	}
	dir := t.TempDir()
	var log bytes.Buffer
	results, err := Reproduce(context.Background(), []string{"nrc2024", "fig2", "table2"}, scale.Smoke, dir, Options{NoStore: true}, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if len(results) != 3 || results[0].Spec.ID != "fig2" {
		t.Fatalf("results in the wrong order: %v", len(results))
	}
	for _, f := range []string{"fig2.svg", "fig2.png", "fig2.json", "fig2.html", "table2.json", "table2.html", "nrc2024.svg", ReportFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	counts := wellFormed(t, must(os.ReadFile(filepath.Join(dir, ReportFile))))
	if counts["svg"] != 4 {
		t.Errorf("report has %d figures, want 4 (fig2, nrc2024, and their collapse dynamics)", counts["svg"])
	}
	// table2 describes every dataset at smoke scale.
	if rows := results[1].Tables[0].Rows; len(rows) != 8 || rows[0][0] != "Swimmer" || rows[0][4] != "2" {
		t.Errorf("table2 rows = %v", rows)
	}
	// nrc2024 records NRC1–3 at every measured epoch and picks γ* in [0, λ_min].
	g := results[2].Gamma
	if len(g) != 3 || g[0].Ratio < 0 || g[0].Ratio > 1 {
		t.Errorf("gamma = %+v", g)
	}
}

// A report written after reproducing one experiment into a directory that
// holds others' files covers all of them, in the paper's order, figures
// included.
func TestReportCoversEveryResultInTheDirectory(t *testing.T) {
	dir := t.TempDir()
	asID := func(id string) *Result {
		r := fakeResult(t)
		spec := *r.Spec
		spec.ID, spec.Paper = id, "Paper "+id
		r.Spec = &spec
		return r
	}
	for _, id := range []string{"fig1", "fig9"} {
		if err := asID(id).WriteFiles(dir); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "fig3.json"), []byte("{not json"), 0o644)
	all, notes := withResultsInDir(dir, []*Result{asID("fig7")})
	var ids []string
	for _, r := range all {
		ids = append(ids, r.Spec.ID)
	}
	if strings.Join(ids, ",") != "fig1,fig7,fig9" {
		t.Fatalf("report covers %v, want fig1, fig7, fig9", ids)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "fig3.json") {
		t.Errorf("notes %q, want one about fig3.json", notes)
	}
	back := all[0]
	want := asID("fig1")
	if len(back.Outcomes) != len(want.Outcomes) || back.Outcomes[0].Text != want.Outcomes[0].Text || len(back.Records) != len(want.Records) {
		t.Errorf("fig1 read back differs: %d outcomes, %d records", len(back.Outcomes), len(back.Records))
	}
	page, err := HTMLReport(all, "t")
	if err != nil {
		t.Fatal(err)
	}
	counts := wellFormed(t, page)
	if counts["svg"] != 6 {
		t.Errorf("report has %d figures, want 6 (three figures, each with its collapse dynamics)", counts["svg"])
	}
	for _, id := range []string{"Paper fig1", "Paper fig7", "Paper fig9"} {
		if !bytes.Contains(page, []byte(id)) {
			t.Errorf("report lacks %s", id)
		}
	}
}

// The combined report leads with a summary (claims held in all and per
// experiment, a stand-in banner), has a table of contents whose links all
// have targets, states notes common to every section and the datasets once,
// scores a table without claims as such (not "0 of 0"), and its figures
// name the networks as trained and the model's MSE line as such.
func TestReportSummaryStatesThingsOnce(t *testing.T) {
	a, b := fakeResult(t), fakeResult(t)
	b.Spec.ID, b.Spec.Paper = "demo2", "Demo figure 2"
	sw := data.Summary{Name: "swimmer", StandsInFor: "Swimmer (MuJoCo)", Description: "a stand-in described once", NTrain: 80, NTest: 20, TargetDim: 2}
	shared := "Smoke scale: the same caveat for every section."
	for _, r := range []*Result{a, b} {
		r.Datasets = []data.Summary{sw}
		r.Spec.Notes = append(r.Spec.Notes, shared)
	}
	a.Spec.Notes = append(a.Spec.Notes, "only in demo")
	tab := &Result{Spec: &Spec{ID: "tab", Kind: KindTable, Paper: "Table X", Title: "a table", Scale: scale.Smoke, Notes: []string{shared}},
		Datasets: []data.Summary{sw}, Tables: []Table{{Title: "Numbers", Header: []string{"a"}, Rows: [][]string{{"1"}}}}}
	page, err := HTMLReport([]*Result{a, b, tab}, "report")
	if err != nil {
		t.Fatal(err)
	}
	wellFormed(t, page)
	s := string(page)
	count := func(sub string) int { return strings.Count(s, sub) }
	if !strings.Contains(s, `<span class="verdict some">2 of 4 claims hold</span> across 3 experiments`) {
		t.Error("no headline with the claims held in all (1 of 2 in each figure, none in the table)")
	}
	if count("All data in this report are offline stand-ins") != 1 {
		t.Error("no stand-in banner")
	}
	if count("a table: no claims to check") != 2 || strings.Contains(s, "0 of 0") {
		t.Error("the table is not scored as having no claims (summary and section)")
	}
	if n := count(shared); n != 1 {
		t.Errorf("the note common to every section appears %d times, want once", n)
	}
	if n := count(">constructed<") + count("</i> constructed<"); n != 1 || !strings.Contains(s, "<i>Demo figure, Demo figure 2:</i> constructed") {
		t.Errorf("a note of two of the three sections appears %d times, or without where it applies", n)
	}
	if n := count("only in demo"); n != 1 {
		t.Errorf("a note of one section appears %d times", n)
	}
	if n := count("a stand-in described once"); n != 1 {
		t.Errorf("the dataset description appears %d times, want once", n)
	}
	if i, j := strings.Index(s, `id="summary"`), strings.Index(s, `<section id="demo"`); i < 0 || j < 0 || i > j {
		t.Error("the summary does not come before the sections")
	}
	for _, m := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(s, -1) {
		if !strings.Contains(s, `id="`+m[1]+`"`) {
			t.Errorf("link #%s has no target", m[1])
		}
	}
	// The figure: the model's MSE line is named as such, the title says
	// what was trained.
	svg, err := a.Figure.SVG()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(svg, []byte(">model train MSE<")) || bytes.Contains(svg, []byte(">target<")) {
		t.Error(`the probe panel's reference line is not labelled "model train MSE"`)
	}
	want := "Demo figure, smoke scale, as trained: Demo: " + a.Spec.Columns[0].Runs[0].Model.String()
	if a.Figure.Title != want {
		t.Errorf("figure title %q, want %q", a.Figure.Title, want)
	}
	if !strings.Contains(s, "As trained here (smoke scale):</b> Demo: "+a.Spec.Columns[0].Runs[0].Model.String()) {
		t.Error("the section does not say what was trained")
	}
}

// The notebook fragments are the report's own HTML: the same claims list
// and tables, escaped the same way.
func TestFragmentsAreTheReportsHTML(t *testing.T) {
	res := fakeResult(t)
	page, err := HTMLReport([]*Result{res}, "t")
	if err != nil {
		t.Fatal(err)
	}
	body := func(frag string) string { // drop the leading <style> block and the wrapper
		i := strings.Index(frag, `</style><div class="deepnrc">`)
		if i < 0 || !strings.HasSuffix(frag, "</div>") {
			t.Fatalf("fragment without its scoped styles and wrapper: %.80s", frag)
		}
		style := frag[:i]
		for _, rule := range strings.Split(style, "}") {
			if sel := strings.TrimSpace(strings.TrimPrefix(rule, "<style>")); sel != "" && !strings.HasPrefix(sel, ".deepnrc") {
				t.Errorf("fragment style rule %q is not scoped to .deepnrc", sel)
			}
		}
		return strings.TrimSuffix(frag[i+len(`</style><div class="deepnrc">`):], "</div>")
	}
	out := body(OutcomesHTML(res.Outcomes))
	if !strings.Contains(out, `<span class="holds">holds</span>`) || !strings.Contains(out, `<span class="fails">does not hold</span>`) {
		t.Errorf("outcomes fragment lacks a holding and a failing claim:\n%s", out)
	}
	if !bytes.Contains(page, []byte(out)) {
		t.Errorf("the report does not contain the outcomes fragment:\n%s", out)
	}
	tab := Table{Title: "T", Header: []string{"a<b"}, Rows: [][]string{{"1 & 2"}}, Note: "n"}
	tb := body(TablesHTML([]Table{tab}))
	for _, want := range []string{"<h3>T</h3>", "<th>a&lt;b</th>", "<td>1 &amp; 2</td>", `<p class="note">n</p>`} {
		if !strings.Contains(tb, want) {
			t.Errorf("tables fragment lacks %q:\n%s", want, tb)
		}
	}
	spec := &Spec{Notice: []string{"look <here>"}, Exercises: []string{"try"}}
	if n := NoticeHTML(spec); !strings.Contains(n, "<li>look &lt;here&gt;</li>") || !strings.Contains(n, "<ol><li>try</li></ol>") {
		t.Errorf("notice fragment:\n%s", n)
	}
}

// The summary lists every claim that does not hold, with its reason.
func TestReportSummaryListsFailingClaimsWithReasons(t *testing.T) {
	res := fakeResult(t)
	res.Spec.Claims[1].IfFails = "a constructed reason."
	res.Outcomes = Evaluate(res.Spec.Claims, res.Records, res.Spec.Runs())
	page, err := HTMLReport([]*Result{res}, "t")
	if err != nil {
		t.Fatal(err)
	}
	summary, _, _ := strings.Cut(string(page), `<nav class="toc">`)
	for _, want := range []string{"The 1 claim that do not hold here, and why", "CKA ≥ 0.99 at the last probe", "a constructed reason."} {
		if !strings.Contains(summary, want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
	if strings.Contains(summary, "noise ≤ 0.2 from fc3") {
		t.Error("the summary lists a claim that holds")
	}
}

// A failing experiment does not stop the others: with real data asked for
// and none present, Fig 7 (SGEMM) fails while Fig 8 (generated data) runs,
// and the error names Fig 7.
func TestReproduceContinuesPastAFailure(t *testing.T) {
	dir := t.TempDir()
	var log bytes.Buffer
	results, err := Reproduce(context.Background(), []string{"fig7", "fig8"}, scale.Smoke, dir,
		Options{NoStore: true, Source: "real", DataDir: t.TempDir()}, &log)
	if err == nil || !strings.Contains(err.Error(), "fig7") {
		t.Fatalf("error %v; want one naming fig7", err)
	}
	if len(results) != 1 || results[0].Spec.ID != "fig8" {
		t.Fatalf("results %d; want fig8 alone", len(results))
	}
	if !strings.Contains(log.String(), "fig7 failed") || !strings.Contains(log.String(), "report:") {
		t.Errorf("log:\n%s", log.String())
	}
}
