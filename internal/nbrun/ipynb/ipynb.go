// Package ipynb reads, checks, strips and writes Jupyter notebooks in the
// nbformat 4 JSON format, as used by the deepnrc GoNB notebooks.
//
// It needs no Jupyter installation: everything here works on the JSON alone.
// Notebooks are written the way nbformat itself writes them (keys sorted, one
// space of indent, UTF-8 without escaping, a final newline), so a notebook
// written here and saved again by Jupyter shows no spurious diff.
//
// Notebooks declare that they must show a figure with the metadata
//
//	{"deepnrc": {"expects_svg": true}}
//
// either on the notebook (at least one SVG anywhere) or on a code cell (that
// cell must display one). Check reports a problem when such a notebook or cell
// produced no SVG output.
package ipynb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Cell types of nbformat 4.
const (
	CodeCell     = "code"
	MarkdownCell = "markdown"
	RawCell      = "raw"
)

// MetadataKey is the key, in notebook and cell metadata, of the deepnrc
// settings object; ExpectsSVGKey is the boolean inside it that asks for a
// figure.
const (
	MetadataKey   = "deepnrc"
	ExpectsSVGKey = "expects_svg"
)

// Notebook is a parsed nbformat 4 notebook.
type Notebook struct {
	Cells    []Cell
	Metadata map[string]any
	// Format and FormatMinor are nbformat and nbformat_minor (4 and 5 for
	// notebooks written by this package).
	Format, FormatMinor int
}

// Cell is one notebook cell.
type Cell struct {
	ID       string
	Type     string // CodeCell, MarkdownCell or RawCell
	Source   string // the whole source, lines joined
	Metadata map[string]any
	// ExecutionCount is the execution counter of a code cell; nil when the
	// cell has not been run.
	ExecutionCount *int
	// Outputs of a code cell, in order.
	Outputs []Output
	// rest holds fields this package does not model (e.g. attachments), so
	// that Marshal keeps them.
	rest map[string]json.RawMessage
}

// Output is one output of a code cell.
type Output struct {
	Type string // "stream", "display_data", "execute_result" or "error"
	// Name is "stdout" or "stderr" for stream outputs.
	Name string
	// Text is the text of a stream output.
	Text string
	// Data maps MIME types to their content for display_data and
	// execute_result outputs; textual types are joined into one string,
	// others (e.g. application/json) keep their raw JSON.
	Data map[string]string
	// EName, EValue and Traceback describe an error output.
	EName, EValue string
	Traceback     []string
	raw           json.RawMessage
}

// multiline decodes nbformat's "multiline string": a string or an array of
// strings to be concatenated.
type multiline string

func (m *multiline) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var parts []string
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		*m = multiline(strings.Join(parts, ""))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*m = multiline(s)
	return nil
}

// splitLines splits s the way nbformat stores multiline strings: each line
// keeps its "\n", and an empty string gives an empty list.
func splitLines(s string) []string {
	lines := []string{}
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// Parse decodes an nbformat 4 notebook.
func Parse(data []byte) (*Notebook, error) {
	var raw struct {
		Cells         []json.RawMessage `json:"cells"`
		Metadata      map[string]any    `json:"metadata"`
		NBFormat      int               `json:"nbformat"`
		NBFormatMinor int               `json:"nbformat_minor"`
	}
	if err := unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not a notebook (invalid JSON: %v); check the file is an .ipynb saved by Jupyter or written by ipynb.Write", err)
	}
	if raw.NBFormat != 4 {
		return nil, fmt.Errorf("nbformat %d is not supported; only nbformat 4 notebooks can be read (re-save the notebook with a current Jupyter)", raw.NBFormat)
	}
	nb := &Notebook{Metadata: raw.Metadata, Format: raw.NBFormat, FormatMinor: raw.NBFormatMinor}
	if nb.Metadata == nil {
		nb.Metadata = map[string]any{}
	}
	for i, rc := range raw.Cells {
		c, err := parseCell(rc)
		if err != nil {
			return nil, fmt.Errorf("cell %d: %v", i, err)
		}
		nb.Cells = append(nb.Cells, c)
	}
	return nb, nil
}

func parseCell(rc json.RawMessage) (Cell, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(rc, &fields); err != nil {
		return Cell{}, fmt.Errorf("not a JSON object: %v", err)
	}
	var c Cell
	take := func(key string, dst any) error {
		v, ok := fields[key]
		if !ok {
			return nil
		}
		delete(fields, key)
		if err := unmarshal(v, dst); err != nil {
			return fmt.Errorf("field %q: %v", key, err)
		}
		return nil
	}
	var src multiline
	var outs []json.RawMessage
	for key, dst := range map[string]any{
		"id": &c.ID, "cell_type": &c.Type, "source": &src, "metadata": &c.Metadata,
		"execution_count": &c.ExecutionCount, "outputs": &outs,
	} {
		if err := take(key, dst); err != nil {
			return Cell{}, err
		}
	}
	switch c.Type {
	case CodeCell, MarkdownCell, RawCell:
	default:
		return Cell{}, fmt.Errorf("unknown cell_type %q (want code, markdown or raw)", c.Type)
	}
	c.Source = string(src)
	if c.Metadata == nil {
		c.Metadata = map[string]any{}
	}
	for j, ro := range outs {
		o, err := parseOutput(ro)
		if err != nil {
			return Cell{}, fmt.Errorf("output %d: %v", j, err)
		}
		c.Outputs = append(c.Outputs, o)
	}
	if len(fields) > 0 {
		c.rest = fields
	}
	return c, nil
}

func parseOutput(ro json.RawMessage) (Output, error) {
	var r struct {
		OutputType string                     `json:"output_type"`
		Name       string                     `json:"name"`
		Text       multiline                  `json:"text"`
		Data       map[string]json.RawMessage `json:"data"`
		EName      string                     `json:"ename"`
		EValue     string                     `json:"evalue"`
		Traceback  []string                   `json:"traceback"`
	}
	if err := json.Unmarshal(ro, &r); err != nil {
		return Output{}, err
	}
	o := Output{Type: r.OutputType, Name: r.Name, Text: string(r.Text), EName: r.EName,
		EValue: r.EValue, Traceback: r.Traceback, raw: append(json.RawMessage(nil), ro...)}
	if len(r.Data) > 0 {
		o.Data = make(map[string]string, len(r.Data))
		for mime, v := range r.Data {
			var s multiline
			if err := json.Unmarshal(v, &s); err == nil {
				o.Data[mime] = string(s)
			} else {
				o.Data[mime] = string(v)
			}
		}
	}
	return o, nil
}

// unmarshal decodes JSON keeping numbers as json.Number, so metadata
// numbers are written back exactly as they were read.
func unmarshal(data []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

// Read parses the notebook stored at path.
func Read(path string) (*Notebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	nb, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return nb, nil
}

// ExpectsSVG reports whether metadata (of a notebook or a cell) carries
// {"deepnrc": {"expects_svg": true}}.
func ExpectsSVG(metadata map[string]any) bool {
	d, ok := metadata[MetadataKey].(map[string]any)
	if !ok {
		return false
	}
	v, _ := d[ExpectsSVGKey].(bool)
	return v
}

// setExpectsSVG sets {"deepnrc": {"expects_svg": true}} in metadata,
// keeping other deepnrc settings.
func setExpectsSVG(metadata map[string]any) {
	d, ok := metadata[MetadataKey].(map[string]any)
	if !ok {
		d = map[string]any{}
		metadata[MetadataKey] = d
	}
	d[ExpectsSVGKey] = true
}
