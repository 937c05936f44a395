//go:build unix

package display

import (
	"encoding/gob"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/plot"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
	gplot "gonum.org/v1/plot"
)

// fakeKernel stands in for GoNB: it reads what gonbui sends through the
// named pipes, records display messages and acknowledges sync requests.
type fakeKernel struct {
	mu       sync.Mutex
	displays []map[protocol.MIMEType]any
	syncs    int
}

func (k *fakeKernel) taken() ([]map[protocol.MIMEType]any, int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := k.displays
	k.displays = nil
	return out, k.syncs
}

// startFakeKernel creates the pipes, points gonbui at them and serves
// them until the test binary exits.
func startFakeKernel(t *testing.T) *fakeKernel {
	dir := t.TempDir()
	toKernel, back := filepath.Join(dir, "pipe"), filepath.Join(dir, "back")
	for _, p := range []string{toKernel, back} {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Skipf("cannot make a named pipe: %v", err)
		}
	}
	t.Setenv(protocol.GONB_PIPE_ENV, toKernel)
	t.Setenv(protocol.GONB_PIPE_BACK_ENV, back)
	k := &fakeKernel{}
	go func() {
		in, err := os.OpenFile(toKernel, os.O_RDONLY, 0)
		if err != nil {
			return
		}
		out, err := os.OpenFile(back, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		dec, enc := gob.NewDecoder(in), gob.NewEncoder(out)
		for {
			var msg protocol.DisplayData
			if err := dec.Decode(&msg); err != nil {
				if err != io.EOF {
					t.Logf("fake kernel: %v", err)
				}
				return
			}
			if v, ok := msg.Data[protocol.MIMECommValue]; ok {
				var cv protocol.CommValue
				switch x := v.(type) {
				case protocol.CommValue:
					cv = x
				case *protocol.CommValue:
					cv = *x
				}
				if cv.Address == protocol.GonbuiSyncAddress {
					k.mu.Lock()
					k.syncs++
					k.mu.Unlock()
					_ = enc.Encode(&protocol.CommValue{Address: protocol.GonbuiSyncAckAddress, Value: cv.Value})
				}
				continue
			}
			k.mu.Lock()
			k.displays = append(k.displays, msg.Data)
			k.mu.Unlock()
		}
	}()
	return k
}

func records() []nrc.Record {
	var rs []nrc.Record
	for i, v := range []float64{0.6, 0.4, 0.1} {
		l := []string{"fc1", "fc2", "fc3"}[i]
		rs = append(rs, nrc.Record{Run: "r", Epoch: 3, Layer: l, Metric: nrc.MetricNoise, Value: v})
	}
	return rs
}

func figure(t *testing.T) *plot.Figure {
	p, err := plot.AcrossLayers(records(), plot.PanelSpec{Metric: nrc.MetricNoise, FirstCollapsed: "fc2"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := plot.Single(p)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDisplay(t *testing.T) {
	// Outside a notebook nothing is sent, and errors still surface.
	gonbui.IsNotebook = false
	if err := Figure(figure(t)); err != nil {
		t.Errorf("outside a notebook: %v", err)
	}
	if err := Table(records(), plot.TableSpec{Metrics: []string{"cka"}}); err == nil {
		t.Error("no error for a missing metric outside a notebook")
	}

	k := startFakeKernel(t)
	gonbui.IsNotebook = true
	defer func() { gonbui.IsNotebook = false }()

	if err := Figure(figure(t)); err != nil {
		t.Fatal(err)
	}
	got, syncs := k.taken()
	if syncs != 1 || len(got) != 1 {
		t.Fatalf("after Figure: %d displays, %d syncs; want 1 and 1", len(got), syncs)
	}
	html, ok := got[0][protocol.MIMETextHTML].(string)
	if !ok || !strings.HasPrefix(html, "<div>") {
		t.Fatalf("Figure sent %v, want text/html wrapping the SVG", got[0])
	}
	svg := strings.TrimSuffix(strings.TrimPrefix(html, "<div>"), "</div>")
	var doc struct {
		XMLName xml.Name
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil || doc.XMLName.Local != "svg" {
		t.Errorf("displayed SVG does not parse: %v (%v)", err, doc.XMLName)
	}
	if !strings.Contains(svg, "Noise component") || !strings.Contains(svg, "#2A9D3F") {
		t.Error("displayed SVG lacks the panel title or the green line")
	}

	if err := Table(records(), plot.TableSpec{}); err != nil {
		t.Fatal(err)
	}
	got, syncs = k.taken()
	want, _ := plot.NewTable(records(), plot.TableSpec{})
	if syncs != 2 || len(got) != 1 || got[0][protocol.MIMETextMarkdown] != want.Markdown() {
		t.Errorf("Table sent %v (%d syncs), want the markdown table", got, syncs)
	}

	if err := TableHTML(records(), plot.TableSpec{}); err != nil {
		t.Fatal(err)
	}
	got, _ = k.taken()
	if len(got) != 1 || got[0][protocol.MIMETextHTML] != want.HTML() {
		t.Errorf("TableHTML sent %v", got)
	}

	if err := FigurePNG(figure(t), 50); err != nil {
		t.Fatal(err)
	}
	got, _ = k.taken()
	if len(got) != 1 {
		t.Fatalf("FigurePNG sent %d displays", len(got))
	}
	if b, ok := got[0][protocol.MIMEImagePNG].([]byte); !ok || len(b) < 8 || string(b[1:4]) != "PNG" {
		t.Errorf("FigurePNG sent %T, want PNG bytes", got[0][protocol.MIMEImagePNG])
	}

	p, err := plot.AcrossLayers(records(), plot.PanelSpec{Metric: nrc.MetricNoise})
	if err != nil {
		t.Fatal(err)
	}
	if err := Plot(p); err != nil {
		t.Fatal(err)
	}
	if got, _ = k.taken(); len(got) != 1 || !strings.Contains(fmt.Sprint(got[0][protocol.MIMETextHTML]), "<svg") {
		t.Errorf("Plot sent %v, want one SVG", got)
	}
	if err := HTML("<b>x</b>"); err != nil {
		t.Fatal(err)
	}
	if got, _ = k.taken(); len(got) != 1 || got[0][protocol.MIMETextHTML] != "<b>x</b>" {
		t.Errorf("HTML sent %v", got)
	}

	// A figure that cannot render sends nothing.
	bad := &plot.Figure{Panels: [][]*gplot.Plot{}}
	if err := Figure(bad); err == nil {
		t.Error("no error for an empty figure")
	}
	if got, _ := k.taken(); len(got) != 0 {
		t.Errorf("an empty figure sent %d displays", len(got))
	}
}
