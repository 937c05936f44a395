package plot

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// svgPath is a stroked or filled <path> of a rendered figure.
type svgPath struct {
	d     string
	style map[string]string
}

// svgText is a <text> element of a rendered figure.
type svgText struct {
	x, y float64
	size string
	bold bool
	text string
}

// svgDoc is the parsed content of a rendered figure.
type svgDoc struct {
	paths []svgPath
	texts []svgText
}

// parseSVG decodes an SVG document with encoding/xml, failing the test if
// it is not well-formed.
func parseSVG(t *testing.T, data []byte) svgDoc {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var doc svgDoc
	var cur *svgText
	sawSVG := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			attrs := map[string]string{}
			for _, a := range el.Attr {
				attrs[a.Name.Local] = a.Value
			}
			switch el.Name.Local {
			case "svg":
				sawSVG = true
			case "path":
				doc.paths = append(doc.paths, svgPath{d: attrs["d"], style: parseStyle(attrs["style"])})
			case "text":
				st := parseStyle(attrs["style"])
				x, _ := strconv.ParseFloat(attrs["x"], 64)
				y, _ := strconv.ParseFloat(attrs["y"], 64)
				cur = &svgText{x: x, y: -y, size: st["font-size"], bold: st["font-weight"] == "bold"}
			}
		case xml.CharData:
			if cur != nil {
				cur.text += string(el)
			}
		case xml.EndElement:
			if el.Name.Local == "text" && cur != nil {
				doc.texts = append(doc.texts, *cur)
				cur = nil
			}
		}
	}
	if !sawSVG {
		t.Fatal("no <svg> element")
	}
	return doc
}

func parseStyle(s string) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(kv, ":")
		if ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

// textsOfSize returns the texts drawn at a font size (e.g. "12px").
func (d svgDoc) textsOfSize(size string) []string {
	var out []string
	for _, t := range d.texts {
		if t.size == size {
			out = append(out, t.text)
		}
	}
	return out
}

// stroked returns the paths stroked in colour (e.g. "#7B2CBF") whose dash
// array is dashes ("" for solid lines).
func (d svgDoc) stroked(colour, dashes string) []svgPath {
	var out []svgPath
	for _, p := range d.paths {
		if !strings.EqualFold(p.style["stroke"], colour) {
			continue
		}
		if da := p.style["stroke-dasharray"]; da != dashes && !(dashes == "" && da == "none") {
			continue
		}
		out = append(out, p)
	}
	return out
}

// points returns the coordinates of a path's M and L commands and the
// number of subpaths (M commands).
func (p svgPath) points() (pts [][2]float64, moves int) {
	d := p.d
	for len(d) > 0 {
		cmd := d[0]
		d = d[1:]
		end := strings.IndexAny(d, "MLZQCA")
		if end < 0 {
			end = len(d)
		}
		arg := d[:end]
		d = d[end:]
		if cmd != 'M' && cmd != 'L' {
			continue
		}
		if cmd == 'M' {
			moves++
		}
		xs := strings.Split(arg, ",")
		if len(xs) != 2 {
			continue
		}
		x, _ := strconv.ParseFloat(xs[0], 64)
		y, _ := strconv.ParseFloat(xs[1], 64)
		pts = append(pts, [2]float64{x, y})
	}
	return pts, moves
}

// markers returns the centres of the × markers (two-stroke paths) among
// paths, in document order.
func markers(paths []svgPath) [][2]float64 {
	var out [][2]float64
	for _, p := range paths {
		pts, moves := p.points()
		if moves != 2 || len(pts) != 4 {
			continue
		}
		var c [2]float64
		for _, q := range pts {
			c[0] += q[0] / 4
			c[1] += q[1] / 4
		}
		out = append(out, c)
	}
	return out
}

// straight reports whether p is a single segment that is vertical (or
// horizontal), and its fixed coordinate.
func (p svgPath) straight(vertical bool) (float64, bool) {
	pts, moves := p.points()
	if moves != 1 || len(pts) != 2 {
		return 0, false
	}
	i := 1
	if vertical {
		i = 0
	}
	if math.Abs(pts[0][i]-pts[1][i]) > 1e-6 {
		return 0, false
	}
	return pts[0][i], true
}
