package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deepnrc/deepnrc/internal/nbrun/ipynb"
	"github.com/deepnrc/deepnrc/nrclib/experiment"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// Environment of the browser tests (`make test-browser` sets them).
const (
	// EnvRun must be "1" for the tests to run: they start Jupyter and
	// Chromium, which plain `go test ./...` should not do.
	EnvRun = "DEEPNRC_BROWSER"
	// EnvOut is the directory that receives the screenshots and logs
	// (default: a temporary directory, removed after the test).
	EnvOut = "DEEPNRC_BROWSER_OUT"
)

// setup skips unless EnvRun is set and fails, naming the fix, when the
// browser is missing. It returns the driver and the output directory.
func setup(t *testing.T) (driver, chromium, out string) {
	t.Helper()
	if os.Getenv(EnvRun) != "1" {
		t.Skipf("browser tests start Jupyter and headless Chromium; run them with `make test-browser` (or %s=1)", EnvRun)
	}
	driver, chromium, err := Find()
	if err != nil {
		t.Fatal(err)
	}
	out = os.Getenv(EnvOut)
	if out == "" {
		out = t.TempDir()
	}
	out = filepath.Join(out, t.Name())
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return driver, chromium, out
}

// shot saves a PNG under out and logs its path.
func shot(t *testing.T, out, name string, take func() ([]byte, error)) {
	t.Helper()
	png, err := take()
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(out, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Error(err)
		return
	}
	t.Logf("screenshot %s (%d bytes)", p, len(png))
}

// byText returns the element matching css whose trimmed text is text.
func byText(s *Session, css, text string) (Element, error) {
	var m map[string]string
	err := s.Execute(&m, `const el = [...document.querySelectorAll(arguments[0])].find(e => e.textContent.trim() === arguments[1]);
		return el || null;`, css, text)
	if err != nil {
		return Element{}, err
	}
	if m == nil || m[elementKey] == "" {
		return Element{}, fmt.Errorf("no %s with the text %q", css, text)
	}
	return Element{ID: m[elementKey]}, nil
}

// TestTourInJupyter opens notebooks/00-tour.ipynb in Jupyter Notebook in
// headless Chromium, chooses the "Go (deepnrc)" kernel from the Kernel menu,
// runs all cells from the Cell menu and checks, from the notebook as the
// page holds it, that every code cell ran without an error, a panic or a
// failed exit, that the cells that declare a figure displayed one, and that
// the SVG figures are in the page and drawn at a real size. The tour runs at
// smoke scale (DEEPNRC_SCALE=smoke) to keep the test to about a minute.
func TestTourInJupyter(t *testing.T) {
	driver, chromium, out := setup(t)
	list, err := exec.Command("jupyter", "kernelspec", "list", "--json").Output()
	if err != nil {
		t.Fatalf("jupyter kernelspec list: %v; on Debian: apt-get install -y jupyter-notebook python3-ipykernel", err)
	}
	if !bytes.Contains(list, []byte(`"deepnrc"`)) {
		t.Fatalf("Jupyter has no \"deepnrc\" kernel (JUPYTER_DATA_DIR=%q); install it with `make kernel-private` and JUPYTER_DATA_DIR=$PWD/.jupyter, or run `make test-browser`", os.Getenv("JUPYTER_DATA_DIR"))
	}

	// Serve a copy: Jupyter autosaves, and the committed notebook must
	// stay without outputs.
	nbDir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "..", "notebooks", "00-tour.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nbDir, "00-tour.ipynb"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	runtimeDir := t.TempDir()
	jlog, err := os.Create(filepath.Join(out, "jupyter.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer jlog.Close()
	j, err := StartJupyter(nbDir, []string{"DEEPNRC_SCALE=smoke", "JUPYTER_RUNTIME_DIR=" + runtimeDir}, jlog)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			j.Stop()
		}
	}()

	dlog, err := os.Create(filepath.Join(out, "chromedriver.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer dlog.Close()
	d, err := StartDriver(driver, dlog)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	s, err := d.NewSession(chromium, 1400, 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	start := time.Now()
	if err := s.Navigate(j.URL + "/notebooks/00-tour.ipynb?token=" + j.Token); err != nil {
		t.Fatal(err)
	}
	kernelState := func() (name string, idle bool, err error) {
		var st struct {
			Name string `json:"name"`
			Idle bool   `json:"idle"`
		}
		err = s.Execute(&st, `const nb = window.Jupyter && Jupyter.notebook;
			const icon = document.querySelector('#kernel_indicator_icon');
			return {name: (nb && nb.kernel && nb.kernel.name) || '',
			        idle: !!(nb && nb.kernel && nb.kernel.is_connected() && icon && icon.classList.contains('kernel_idle_icon'))};`)
		return st.Name, st.Idle, err
	}
	if err := WaitFor("the notebook and a kernel", 60*time.Second, 250*time.Millisecond, func() (bool, error) {
		name, idle, err := kernelState()
		return name != "" && idle, err
	}); err != nil {
		shot(t, out, "00-failed-open.png", s.Screenshot)
		t.Fatal(err)
	}
	shot(t, out, "01-notebook-open.png", s.Screenshot)

	// Kernel ▸ Change kernel ▸ Go (deepnrc), with real clicks and hovers.
	menu, err := s.Find("#kernellink")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Click(menu); err != nil {
		t.Fatal(err)
	}
	change, err := s.Find("#menu-change-kernel")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Hover(change); err != nil {
		t.Fatal(err)
	}
	item, err := byText(s, "#menu-change-kernel-submenu a", "Go (deepnrc)")
	if err != nil {
		shot(t, out, "00-failed-menu.png", s.Screenshot)
		t.Fatal(err)
	}
	shot(t, out, "02-change-kernel-menu.png", s.Screenshot)
	if err := s.Click(item); err != nil {
		t.Fatalf("clicking Go (deepnrc): %v", err)
	}
	if err := WaitFor("the Go (deepnrc) kernel", 60*time.Second, 250*time.Millisecond, func() (bool, error) {
		name, idle, err := kernelState()
		return name == "deepnrc" && idle, err
	}); err != nil {
		t.Fatal(err)
	}
	ind, err := s.Find("#kernel_indicator .kernel_indicator_name")
	if err != nil {
		t.Fatal(err)
	}
	if txt, _ := s.Text(ind); txt != "Go (deepnrc)" {
		t.Errorf("kernel indicator says %q, want Go (deepnrc)", txt)
	}

	// Cell ▸ Run All.
	cellMenu, err := s.Find("#celllink")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Click(cellMenu); err != nil {
		t.Fatal(err)
	}
	runAll, err := s.Find("#run_all_cells > a")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Click(runAll); err != nil {
		t.Fatal(err)
	}
	runStart := time.Now()
	if err := WaitFor("every code cell to finish", 6*time.Minute, time.Second, func() (bool, error) {
		var done bool
		err := s.Execute(&done, `const cells = Jupyter.notebook.get_cells().filter(c => c.cell_type === 'code' && c.get_text().trim() !== '');
			const icon = document.querySelector('#kernel_indicator_icon');
			return cells.length > 0 && cells.every(c => typeof c.input_prompt_number === 'number') &&
			       !!icon && icon.classList.contains('kernel_idle_icon');`)
		return done, err
	}); err != nil {
		shot(t, out, "00-failed-run.png", s.Screenshot)
		t.Fatal(err)
	}
	t.Logf("notebook opened in %v, Run All took %v", runStart.Sub(start).Round(100*time.Millisecond), time.Since(runStart).Round(100*time.Millisecond))

	// The notebook as the page holds it, checked as the headless runner
	// checks notebooks.
	var js string
	if err := s.Execute(&js, `return JSON.stringify(Jupyter.notebook.toJSON());`); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "00-tour.executed.ipynb"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	nb, err := ipynb.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	rep := ipynb.Check(nb)
	for _, p := range rep.Problems {
		t.Errorf("tour: %s", p)
	}
	if rep.CodeCells == 0 || rep.Executed != rep.CodeCells {
		t.Errorf("%d of %d code cells executed", rep.Executed, rep.CodeCells)
	}
	if rep.SVGs == 0 {
		t.Error("the tour displayed no SVG figure")
	}

	// The figures are in the page, drawn at a real size.
	var sizes [][2]float64
	if err := s.Execute(&sizes, `return [...document.querySelectorAll('#notebook .output_area svg')]
			.filter(e => !e.parentElement.closest('svg'))
			.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; });`); err != nil {
		t.Fatal(err)
	}
	if len(sizes) < rep.SVGs {
		t.Errorf("the page shows %d SVG figures, the notebook's outputs hold %d", len(sizes), rep.SVGs)
	}
	for i, wh := range sizes {
		if wh[0] < 300 || wh[1] < 150 {
			t.Errorf("SVG figure %d is drawn at %.0f×%.0f px", i, wh[0], wh[1])
		}
	}
	t.Logf("%d code cells ran, %d SVG figures in the outputs, %d in the page", rep.Executed, rep.SVGs, len(sizes))
	figs, err := s.FindAll("#notebook .output_area svg")
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range figs {
		if i >= 6 {
			break
		}
		shot(t, out, fmt.Sprintf("04-figure-%d.png", i+1), func() ([]byte, error) { return s.ElementScreenshot(f) })
	}
	if err := s.Execute(nil, `window.scrollTo(0, 0); document.getElementById('site').scrollTop = 0; return null;`); err != nil {
		t.Error(err)
	}
	shot(t, out, "03-after-run-all.png", s.Screenshot)
	// The whole notebook: let its scrolling panel grow to the page.
	if err := s.Execute(nil, `const site = document.getElementById('site');
		site.style.height = 'auto'; site.style.overflow = 'visible'; document.body.style.overflow = 'visible'; return null;`); err == nil {
		shot(t, out, "05-notebook-full.png", s.FullPageScreenshot)
	}

	// Stop the server; no kernel of it may survive.
	stopped = true
	if err := j.Stop(); err != nil {
		t.Error(err)
	}
	if left := processesMentioning(runtimeDir); len(left) > 0 {
		t.Errorf("kernel processes still running after the server stopped: %v", left)
	}
}

// processesMentioning lists the PIDs of processes whose command line
// contains s (a kernel's command line holds its connection file).
func processesMentioning(s string) []int {
	var out []int
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range dirs {
		b, err := os.ReadFile(f)
		if err != nil || !bytes.Contains(b, []byte(s)) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
		if pid != os.Getpid() {
			out = append(out, pid)
		}
	}
	return out
}

var claimsHold = regexp.MustCompile(`^(\d+) of (\d+) claims hold$`)

// TestReportInBrowser reproduces every experiment at smoke scale (in
// memory, stand-in data) and opens report.html in headless Chromium: the
// summary states the claims held in all (as counted from the results), the
// stand-in banner shows, every table-of-contents link has its target, every
// figure is drawn at least 900 px wide with its smallest text at 12 px or
// more and no text beyond its edges, and the page logs no error.
func TestReportInBrowser(t *testing.T) {
	driver, chromium, out := setup(t)
	dir := filepath.Join(out, "reproduce")
	var log bytes.Buffer
	results, err := experiment.Reproduce(context.Background(), nil, scale.Smoke, dir,
		experiment.Options{NoStore: true, Source: "standin"}, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	holds, claims, figures := 0, 0, 0
	for _, r := range results {
		for _, o := range r.Outcomes {
			claims++
			if o.Holds {
				holds++
			}
		}
		if r.Figure != nil {
			figures++
		}
		if r.Dynamics != nil {
			figures++ // its collapse dynamics, folded under the figure
		}
	}

	dlog, err := os.Create(filepath.Join(out, "chromedriver.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer dlog.Close()
	d, err := StartDriver(driver, dlog)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	s, err := d.NewSession(chromium, 1400, 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := filepath.Abs(filepath.Join(dir, experiment.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Navigate("file://" + page); err != nil {
		t.Fatal(err)
	}
	shot(t, out, "10-report-top.png", s.Screenshot)

	head, err := s.Find("#summary + .headline .verdict")
	if err != nil {
		t.Fatalf("no summary headline: %v", err)
	}
	txt, _ := s.Text(head)
	m := claimsHold.FindStringSubmatch(strings.TrimSpace(txt))
	if m == nil || m[1] != strconv.Itoa(holds) || m[2] != strconv.Itoa(claims) {
		t.Errorf("summary headline %q, want %d of %d claims hold", txt, holds, claims)
	}
	if banner, err := s.Find("#stand-ins"); err != nil {
		t.Errorf("no stand-in banner: %v", err)
	} else if b, _ := s.Text(banner); !strings.Contains(b, "offline stand-ins") {
		t.Errorf("banner text %q", b)
	}
	rows, err := s.FindAll("table.summary tr")
	if err != nil || len(rows) != len(results)+1 {
		t.Errorf("summary table has %d rows (%v), want a header and %d", len(rows), err, len(results))
	}
	var missing []string
	if err := s.Execute(&missing, `return [...document.querySelectorAll('nav.toc a, table.summary a[href^="#"]')]
			.map(a => a.getAttribute('href')).filter(h => h.startsWith('#') && !document.getElementById(h.slice(1)));`); err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("links without a target: %v", missing)
	}

	type figInfo struct {
		ID       string  `json:"id"`
		Width    float64 `json:"width"`
		Height   float64 `json:"height"`
		MinFont  float64 `json:"minFont"`
		Overflow bool    `json:"overflow"`
		// Outside counts the texts drawn beyond the figure's edges.
		Outside int `json:"outside"`
	}
	// The collapse dynamics are folded; unfold them so they are measured too.
	var opened int
	if err := s.Execute(&opened, `const d = [...document.querySelectorAll('details')]; d.forEach(e => e.open = true); return d.length;`); err != nil {
		t.Fatal(err)
	}
	var infos []figInfo
	if err := s.Execute(&infos, `return [...document.querySelectorAll('.figure > svg')].map(svg => {
			const r = svg.getBoundingClientRect();
			const scale = r.width / svg.viewBox.baseVal.width;
			let min = Infinity;
			for (const t of svg.querySelectorAll('text')) {
				const px = parseFloat(getComputedStyle(t).fontSize);
				if (px > 0 && t.textContent.trim() !== '') min = Math.min(min, px * scale);
			}
			let outside = 0;
			for (const t of svg.querySelectorAll('text')) {
				const b = t.getBoundingClientRect();
				if (t.textContent.trim() !== '' && (b.left < r.left - 2 || b.right > r.right + 2 || b.top < r.top - 2 || b.bottom > r.bottom + 2)) outside++;
			}
			return {id: svg.parentElement.id, width: r.width, height: r.height, minFont: min,
			        overflow: r.right > document.documentElement.clientWidth, outside: outside};
		});`); err != nil {
		t.Fatal(err)
	}
	if len(infos) != figures {
		t.Errorf("the page shows %d figures, the results have %d", len(infos), figures)
	}
	for _, f := range infos {
		if f.Width < 900 || f.Height < 250 || f.MinFont < 12 || f.Overflow || f.Outside > 0 {
			t.Errorf("figure %s: %.0f×%.0f px, smallest text %.1f px, overflows the page: %v, %d texts beyond its edges; want ≥ 900 px wide, text ≥ 12 px, all inside", f.ID, f.Width, f.Height, f.MinFont, f.Overflow, f.Outside)
		}
	}
	t.Logf("report: %d of %d claims hold; %d figures, e.g. %+v", holds, claims, len(infos), infos[0])
	if fig, err := s.Find(".figure > svg"); err == nil {
		shot(t, out, "12-report-first-figure.png", func() ([]byte, error) { return s.ElementScreenshot(fig) })
	}
	shot(t, out, "11-report-full.png", s.FullPageScreenshot)
	if errs, err := s.ConsoleErrors(); err == nil && len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}

// The JSON produced by the page must decode as a notebook: a guard that
// ipynb.Parse accepts what Jupyter's toJSON gives (nbformat 4 without
// outputs for markdown cells).
func TestParseFrontendJSON(t *testing.T) {
	js := `{"cells":[{"cell_type":"markdown","metadata":{},"source":"# x"},
		{"cell_type":"code","execution_count":3,"metadata":{},"outputs":[{"output_type":"display_data","data":{"text/html":"<svg></svg>"},"metadata":{}}],"source":"1"}],
		"metadata":{},"nbformat":4,"nbformat_minor":5}`
	nb, err := ipynb.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	rep := ipynb.Check(nb)
	if !rep.OK() || rep.SVGs != 1 || rep.Executed != 1 {
		b, _ := json.Marshal(rep)
		t.Fatalf("check = %s", b)
	}
}
